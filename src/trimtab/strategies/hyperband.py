"""Hyperband: asynchronous successive halving across brackets, a Strategy and a Stopper in one.

Resource is the number of objective values a job has reported (its epochs). Each training job is
assigned a bracket when it is created; bracket s puts rungs at `MinResource * eta**(s + k)`
below `MaxResource`. When a job reports the value at a rung, it keeps running if that value is
among the best `ceil(n / eta)` of the n jobs of its bracket that reached the rung (itself
included), and is stopped otherwise: nobody waits for a rung to fill, so no slot is idle
(asynchronous successive halving, Li et al. 2020, in its stopping form). A job that reaches
`MaxResource` is stopped as complete. Brackets are drawn with Hyperband's proportions, so most
jobs get the aggressive brackets and a few run to the end unjudged.

Everything is derived from the trials and their curves (the bracket of a job from the seed and
its index), so a restarted tuner makes the same decisions. New configurations come from
`propose` when one is given (a model of the results so far, see `trimtab.strategies`), else they
are drawn at random as `RandomSearch` draws them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from trimtab.space import SearchSpace
from trimtab.stopping.base import Curves, Decision
from trimtab.strategies.random_search import RandomSearch
from trimtab.types import Suggestion, Trial

# (trials, curves, n) -> up to n suggestions from a model; [] when it has too little data
Proposer = Callable[[Sequence[Trial], Curves, int], list[Suggestion]]


def rung_levels(min_resource: int, max_resource: int, eta: int, bracket: int) -> list[int]:
    """The resource levels at which bracket `bracket` judges its jobs (MaxResource excluded)."""
    levels = []
    level = min_resource * eta**bracket
    while level < max_resource:
        levels.append(level)
        level *= eta
    return levels


def bracket_weights(min_resource: int, max_resource: int, eta: int) -> np.ndarray:
    """Hyperband's share of configurations per bracket: bracket s (s rungs skipped) gets
    n_s ∝ η^(S-s)/(S-s+1), where S is the number of halvings the range allows."""
    most = max(0, math.floor(math.log(max_resource / min_resource, eta) + 1e-9))
    weights = np.array([eta ** (most - s) / (most - s + 1) for s in range(most + 1)])
    normalised: np.ndarray = weights / weights.sum()
    return normalised


@dataclass
class Hyperband:
    spaces: Mapping[str | None, SearchSpace]
    seed: int
    max_resource: Mapping[str | None, int]  # per training job definition
    min_resource: int = 1
    eta: int = 3
    propose: Proposer | None = None
    _random: RandomSearch = field(init=False)

    def __post_init__(self) -> None:
        self._random = RandomSearch(self.spaces, self.seed)

    def suggest(
        self, trials: Sequence[Trial], n: int, curves: Curves | None = None
    ) -> list[Suggestion]:
        proposed = self.propose(trials, curves or {}, n)[:n] if self.propose and n > 0 else []
        # random draws keep their per-index generator, so they do not depend on batch sizes
        return proposed + [self._random.draw(len(trials) + i) for i in range(len(proposed), n)]

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
        keep = math.ceil((len(peers) + 1) / self.eta)
        return Decision.CONTINUE if better < keep else Decision.STOP


def _loss(value: float) -> float:
    return math.inf if math.isnan(value) else value
