"""The strategy contract: pure deciders over the history of a tuning job.

A strategy is built from a `Problem` (the job's search spaces, objective directions, seed,
warm-start prior and resource bounds) and keeps no hidden state: everything it knows comes
from the `History` (finished and pending trials alike, and their curves) on each call, so a
resumed tuning job continues exactly where it stopped. Randomness comes from generators derived
from `(seed, number of trials so far)`, never from global state. A strategy that also stops
training jobs (Hyperband) implements `trimtab.stopping.Stopper` as well.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from trimtab.space import SearchSpace
from trimtab.spec.enums import ObjectiveType
from trimtab.types import History, Suggestion, Trial


@dataclass(frozen=True)
class Prior:
    """Results from before the job: warm-start parents' finished trials, already mapped into
    the job's ranges (and given the job's single definition)."""

    trials: tuple[Trial, ...] = ()
    transfer: bool = False  # TransferLearning: only the order of each parent's losses carries

    @property
    def jobs(self) -> frozenset[str]:
        return frozenset(t.tuning_job_name for t in self.trials)

    def group(self, trial: Trial) -> str:
        """Which losses `trial`'s is comparable with (see `gp.Observation.group`)."""
        return trial.tuning_job_name if self.transfer else ""


@dataclass(frozen=True)
class Problem:
    """What a strategy is built from; a strategy uses what it needs and ignores the rest.

    Keys are `DefinitionName`s (None for a single `TrainingJobDefinition`). `directions` turns
    objectives into losses (Minimize where absent); `max_resource` is each definition's
    Hyperband MaxResource, None where the request gives no way to tell it.
    """

    spaces: Mapping[str | None, SearchSpace]
    seed: int
    directions: Mapping[str | None, ObjectiveType] = field(default_factory=dict)
    prior: Prior = field(default_factory=Prior)
    max_resource: Mapping[str | None, int | None] = field(default_factory=dict)
    min_resource: int = 1


class Strategy(Protocol):
    def suggest(self, history: History, n: int) -> list[Suggestion]:
        """Up to `n` new configurations, given every trial so far (pending ones included).

        Returns fewer than `n`, or `[]`, when the space is exhausted (Grid)."""


StrategyFactory = Callable[[Problem], Strategy]
