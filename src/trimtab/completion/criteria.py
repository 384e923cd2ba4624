"""TuningJobCompletionCriteria as pure predicates over the trials.

- `TargetObjectiveMetricValue`: a finished training job's final objective reached the target
  (>= for Maximize, <= for Minimize).
- `BestObjectiveNotImproving`: that many training jobs in a row (in the order they ended, counting
  jobs with a usable objective) failed to improve the best objective by 1% or more; a new best
  resets the count.
- `ConvergenceDetected`: the regret-bound rule of `convergence`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from trimtab.spec.enums import ObjectiveStatus
from trimtab.types import Trial

IMPROVEMENT = 0.01  # "improve by 1% or more"

Loss = Callable[[Trial], float]  # a finished trial's objective as a loss (lower is better)


def scored(trials: Sequence[Trial]) -> list[Trial]:
    """Finished trials with a usable objective, in the order they ended."""
    done = [t for t in trials if t.objective_status is ObjectiveStatus.SUCCEEDED]
    return sorted(done, key=lambda t: (t.end_time or math.inf, t.index))


def improves(loss: float, best: float) -> bool:
    return loss < best - IMPROVEMENT * abs(best)


def not_improving(trials: Sequence[Trial], loss: Loss) -> int:
    """How many scored trials in a row, up to now, did not improve on the best before them."""
    best, count = math.inf, 0
    for t in scored(trials):
        value = loss(t)
        if best == math.inf or improves(value, best):
            count = 0
        else:
            count += 1
        best = min(best, value)
    return count


def target_reached(trials: Sequence[Trial], loss: Loss, target: Callable[[Trial], float]) -> bool:
    """A scored trial's loss is at or below its target loss."""
    return any(loss(t) <= target(t) for t in scored(trials))
