"""Hyperband: asynchronous successive halving across brackets, a Strategy and a Stopper in one.

Resource is the number of objective values a job has reported (its epochs). Each training job is
assigned a bracket when it is created; bracket s puts rungs at `MinResource * eta**(s + k)`
below `MaxResource`. When a job reports the value at a rung, it keeps running if that value is
among the best `max(1, n // eta)` of the n jobs of its bracket that reached the rung (itself
included), and is stopped otherwise: nobody waits for a rung to fill, so no slot is idle
(asynchronous successive halving, Li et al. 2020, in its stopping form). It must also still be
among the best at the bracket's previous rung, as that rung stands now: a job that passed it
while few others had reached it is judged there again, so arriving early does not carry a poor
job to MaxResource.
A rung stops nobody while its values rank jobs unlike the next level does (Spearman correlation
below `TELLING` over the jobs that reached both, once `model_points` have): where good
configurations start slowly, cutting there would stop the winners, and where early values
foretell later ones the rung keeps cutting.
A job that reaches `MaxResource` is stopped as complete. Brackets are drawn at random (see
`bracket_weights`), so most jobs get the aggressive bracket and a few start being judged later.

Everything is derived from the trials and their curves (the bracket of a job from the seed and
its index), so a restarted tuner makes the same decisions. New configurations come from a model
of the results so far, as in BOHB but with the Bayesian strategy's Gaussian process
(`trimtab.strategies.gp.propose`) instead of a Parzen estimator: the GP models the values at
the highest rung that `model_points` jobs have reached (values at different rungs are not
comparable), with running jobs that have not reached that rung as pending. The model's pick is
the best of a wide random sample by expected improvement, not refined near the best observed
configurations: rung values are noisy proxies of the final objective, and refining around them
spends the budget on neighbours of lucky configurations. A fifth of the configurations, and all
of them while no rung has enough jobs or without the `bayesian` extra, are drawn at random as
`RandomSearch` draws them. What each of these choices measured is in
docs/multifidelity-experiments.md.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache

import numpy as np

from trimtab import extras
from trimtab.space import SearchSpace
from trimtab.strategies.random_search import RandomSearch
from trimtab.types import Decision, History, Suggestion, Trial

RANDOM_FRACTION = 0.2  # share of new configurations drawn at random, for exploration
TELLING = 0.6  # rank correlation with the next level below which a rung stops nobody
POINTS_PER_PARAMETER = 2  # model_points = this * (parameters + 1)

logger = logging.getLogger(__name__)


def model_points(space: SearchSpace) -> int:
    """Ended jobs the model needs before it proposes anything."""
    return POINTS_PER_PARAMETER * (len(space.ranges) + 1)


def rung_levels(min_resource: int, max_resource: int, eta: int, bracket: int) -> list[int]:
    """The resource levels at which bracket `bracket` judges its jobs (MaxResource excluded)."""
    levels = []
    level = min_resource * eta**bracket
    while level < max_resource:
        levels.append(level)
        level *= eta
    return levels


def bracket_weights(min_resource: int, max_resource: int, eta: int) -> np.ndarray:
    """The share of new jobs per bracket: bracket s (s rungs skipped) gets ∝ η^(-2s).

    Hyperband's own split (∝ η^(S-s)/(S-s+1)) hedges evenly against misleading early values;
    asynchronous successive halving does best with its most aggressive bracket (Li et al.
    2020), and the multi-fidelity benchmark agrees, so trimtab keeps the hedge but tilts it:
    with η = 3, 89% of jobs start at MinResource, 10% a rung later, 1% later still."""
    most = max(0, math.floor(math.log(max_resource / min_resource, eta) + 1e-9))
    weights = np.array([float(eta) ** (-2 * s) for s in range(most + 1)])
    normalised: np.ndarray = weights / weights.sum()
    return normalised


@dataclass
class Hyperband:
    spaces: Mapping[str | None, SearchSpace]
    seed: int
    max_resource: Mapping[str | None, int]  # per training job definition
    min_resource: int = 1
    eta: int = 3
    _random: RandomSearch = field(init=False)

    def __post_init__(self) -> None:
        self._random = RandomSearch(self.spaces, self.seed)

    def suggest(self, history: History, n: int) -> list[Suggestion]:
        """Configuration k = len(trials) + i comes from generators seeded with (seed, k), so the
        same history gives the same suggestions whatever the batch size."""
        trials = history.trials
        suggestions: list[Suggestion] = []
        for k in range(len(trials), len(trials) + n):
            drawn = self._random.draw(k)
            rng = np.random.default_rng([self.seed, k, 3])
            if rng.random() >= RANDOM_FRACTION:
                modelled = self._model(drawn.definition_name, history, k, suggestions)
                drawn = modelled or drawn
            suggestions.append(drawn)
        return suggestions

    def _model(
        self, definition: str | None, history: History, k: int, batch: Sequence[Suggestion]
    ) -> Suggestion | None:
        """The GP's pick from the values at the highest rung enough jobs reached, or None
        (no such rung, no untried configuration, or no `bayesian` extra)."""
        propose = _gp_propose()
        if propose is None:
            return None
        from trimtab.strategies.gp import Observation

        space, maximum = self.spaces[definition], self.max_resource[definition]
        curves = history.curves
        mine = [t for t in history.trials if t.definition_name == definition]
        levels = [*rung_levels(self.min_resource, maximum, self.eta, 0), maximum]
        for level in reversed(levels):
            reached = [
                Observation(t.hyperparameters, curve[level - 1])
                for t in mine
                if len(curve := curves.get(t.training_job_name, ())) >= level
            ]
            if len(reached) >= model_points(space):
                break
        else:
            return None
        pending = [
            t.hyperparameters
            for t in mine
            if t.is_pending and len(curves.get(t.training_job_name, ())) < level
        ]
        pending += [s.hyperparameters for s in batch if s.definition_name == definition]
        tried = [t.hyperparameters for t in mine]
        proposed = propose(space, reached, pending, 1, [self.seed, k], tried, local=False)
        return Suggestion(proposed[0], definition) if proposed else None

    def bracket(self, trial: Trial) -> int:
        maximum = self.max_resource[trial.definition_name]
        return _bracket(self.seed, trial.index, self.min_resource, maximum, self.eta)

    def decide(self, trial: Trial, level: int, history: History) -> Decision:
        maximum = self.max_resource[trial.definition_name]
        if level >= maximum:
            return Decision.COMPLETE
        bracket = self.bracket(trial)
        rungs = rung_levels(self.min_resource, maximum, self.eta, bracket)
        if level not in rungs:
            return Decision.CONTINUE
        here = rungs.index(level)
        judged = [
            rung
            for rung in rungs[max(0, here - 1) : here + 1]
            if self._telling(trial.definition_name, rung, history)
        ]
        return (
            Decision.CONTINUE
            if all(self._promotable(trial, rung, history, bracket) for rung in judged)
            else Decision.STOP
        )

    def _telling(self, definition: str | None, rung: int, history: History) -> bool:
        """Whether values at `rung` have ranked jobs as the next level does: the Spearman
        correlation over the jobs that reached both is at least `TELLING`, or too few have."""
        following = min(rung * self.eta, self.max_resource[definition])
        pairs = np.array(
            [
                (_loss(curve[rung - 1]), _loss(curve[following - 1]))
                for t in history.trials
                if t.definition_name == definition
                and len(curve := history.curves.get(t.training_job_name, ())) >= following
            ]
        )
        if len(pairs) < model_points(self.spaces[definition]):
            return True
        at_rung, at_next = (pairs.argsort(0).argsort(0) - (len(pairs) - 1) / 2).T  # centred ranks
        return bool(at_rung @ at_next >= TELLING * (at_rung @ at_rung))  # ranks: equal spread

    def _promotable(self, trial: Trial, rung: int, history: History, bracket: int) -> bool:
        """Whether the trial's value at `rung` is among the best of its bracket's there now."""
        curves = history.curves
        mine = _loss(curves[trial.training_job_name][rung - 1])
        peers = [
            _loss(curve[rung - 1])
            for t in history.trials
            if t.definition_name == trial.definition_name
            and t.training_job_name != trial.training_job_name
            and len(curve := curves.get(t.training_job_name, ())) >= rung
            and self.bracket(t) == bracket
        ]
        better = sum(p < mine for p in peers)
        return better < max(1, (len(peers) + 1) // self.eta)


@lru_cache(maxsize=2**16)
def _bracket(seed: int, index: int, min_resource: int, max_resource: int, eta: int) -> int:
    """Cached: every judgement asks for the bracket of every peer."""
    weights = bracket_weights(min_resource, max_resource, eta)
    return int(np.random.default_rng([seed, index, 1]).choice(len(weights), p=weights))


def _loss(value: float) -> float:
    return math.inf if math.isnan(value) else value


@cache
def _gp_propose() -> Callable[..., list[dict[str, str]]] | None:
    """The Bayesian strategy's `propose`, or None when the `bayesian` extra is not installed
    (said once in the log: Hyperband then draws every configuration at random)."""
    try:
        from trimtab.strategies.gp import propose
    except ModuleNotFoundError as error:
        if not extras.lacks("bayesian", error):
            raise
        logger.info(
            "Hyperband draws its configurations at random: its model needs %s, "
            "which is not installed (pip install 'trimtab[bayesian]')",
            error.name,
        )
        return None
    return propose
