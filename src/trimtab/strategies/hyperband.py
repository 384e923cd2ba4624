"""Hyperband: asynchronous successive halving across brackets, a Strategy and a Stopper in one.

Resource is the number of objective values a job has reported (its epochs). Each training job is
assigned a bracket when it is created; bracket s puts rungs at `MinResource * eta**(s + k)`
below `MaxResource`. When a job reports the value at a rung, it keeps running if that value is
among the best `max(1, n // eta)` of the n jobs of its bracket that reached the rung (itself
included), and is stopped otherwise: nobody waits for a rung to fill, so no slot is idle
(asynchronous successive halving, Li et al. 2020, in its stopping form). A job that reaches
`MaxResource` is stopped as complete. Brackets are drawn at random (see `bracket_weights`), so
most jobs get the aggressive bracket and a few start being judged later.

Everything is derived from the trials and their curves (the bracket of a job from the seed and
its index), so a restarted tuner makes the same decisions. New configurations come from a model
of the results so far, as in BOHB: a Parzen estimator (`trimtab.strategies.kde`) over the jobs
ranked by how far they got and then by their last value; a fifth of them, and all of them while
there is too little data, are drawn at random as `RandomSearch` draws them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from trimtab.space import SearchSpace
from trimtab.stopping.base import Curves, Decision
from trimtab.strategies import kde
from trimtab.strategies.random_search import RandomSearch
from trimtab.types import Suggestion, Trial

RANDOM_FRACTION = 0.2  # share of new configurations drawn at random, for exploration


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

    def suggest(
        self, trials: Sequence[Trial], n: int, curves: Curves | None = None
    ) -> list[Suggestion]:
        """Configuration k = len(trials) + i comes from generators seeded with (seed, k), so the
        same history gives the same suggestions whatever the batch size."""
        avoid = {_key(t.definition_name, t.hyperparameters) for t in trials}
        suggestions = []
        for k in range(len(trials), len(trials) + n):
            drawn = self._random.draw(k)
            rng = np.random.default_rng([self.seed, k, 3])
            if rng.random() >= RANDOM_FRACTION:
                modelled = self._model(drawn.definition_name, trials, curves or {}, rng, avoid)
                drawn = modelled or drawn
            avoid.add(_key(drawn.definition_name, drawn.hyperparameters))
            suggestions.append(drawn)
        return suggestions

    def _model(
        self,
        definition: str | None,
        trials: Sequence[Trial],
        curves: Curves,
        rng: np.random.Generator,
        avoid: set[Key],
    ) -> Suggestion | None:
        """A configuration from the Parzen estimator over every job that reported.

        Jobs are ranked first by how far they got (a job that survived more rungs beats any
        that was stopped earlier), then by their last value: early values of different lengths
        are not comparable, but surviving a rung is a verdict of its peers (as Optuna's TPE
        ranks pruned trials)."""
        space, maximum = self.spaces[definition], self.max_resource[definition]
        ranked = sorted(
            (
                (-min(len(curve), maximum), _loss(curve[-1]), dict(t.hyperparameters))
                for t in trials
                if t.definition_name == definition
                and (curve := curves.get(t.training_job_name, ()))
            ),
            key=lambda r: (r[0], r[1]),
        )
        taken = {key[1] for key in avoid if key[0] == definition}
        configs = [config for _, _, config in ranked]
        config = kde.propose(space, configs, list(range(len(configs))), rng, taken)
        return Suggestion(config, definition) if config is not None else None

    def bracket(self, trial: Trial) -> int:
        maximum = self.max_resource[trial.definition_name]
        weights = bracket_weights(self.min_resource, maximum, self.eta)
        rng = np.random.default_rng([self.seed, trial.index, 1])
        return int(rng.choice(len(weights), p=weights))

    def decide(self, trial: Trial, level: int, curves: Curves, trials: Sequence[Trial]) -> Decision:
        maximum = self.max_resource[trial.definition_name]
        if level >= maximum:
            return Decision.COMPLETE
        bracket = self.bracket(trial)
        if level not in rung_levels(self.min_resource, maximum, self.eta, bracket):
            return Decision.CONTINUE
        mine = _loss(curves[trial.training_job_name][level - 1])
        peers = [
            _loss(curve[level - 1])
            for t in trials
            if t.definition_name == trial.definition_name
            and t.training_job_name != trial.training_job_name
            and len(curve := curves.get(t.training_job_name, ())) >= level
            and self.bracket(t) == bracket
        ]
        better = sum(p < mine for p in peers)
        keep = max(1, (len(peers) + 1) // self.eta)
        return Decision.CONTINUE if better < keep else Decision.STOP


Key = tuple[str | None, tuple[tuple[str, str], ...]]  # a configuration of a definition


def _key(definition: str | None, hyperparameters: Mapping[str, str]) -> Key:
    return (definition, tuple(sorted(hyperparameters.items())))


def _loss(value: float) -> float:
    return math.inf if math.isnan(value) else value
