"""bayesmark-style scores of finished runs: plain functions of loss sequences.

- **Normalised score** (bayesmark): `100 * (1 - (best - optimum) / (random - optimum))`, where
  `best` is the run's best loss, `optimum` the known minimum (or the best loss any run of any
  optimiser found), and `random` the median over seeds of random search's best at the same
  budget. Random search scores about 0, the optimum 100. As bayesmark does for its mean scores,
  `best` is first clipped at the median loss of a single random configuration (`clip`), so
  one run that never left a terrible region costs a bounded amount, not the whole mean.
- **Evaluations to reach random's best**: the first evaluation (1-based, in launch order)
  whose loss is at most random search's median best at the budget; a run that never gets
  there counts as `budget + 1` (shown as "> budget" when it is the median).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence


def best_so_far(losses: Sequence[float]) -> list[float]:
    out, best = [], float("inf")
    for loss in losses:
        best = min(best, loss)
        out.append(best)
    return out


def normalised_score(
    best: float, optimum: float, random_median: float, clip: float = float("inf")
) -> float:
    best = min(best, clip)
    gap = random_median - optimum
    if gap <= 1e-12 * max(1.0, abs(optimum)):
        return 100.0 if best <= optimum else 0.0  # random search already finds the optimum
    return 100.0 * (1.0 - (best - optimum) / gap)


def evaluations_to_reach(losses: Sequence[float], target: float) -> int:
    for i, loss in enumerate(losses, start=1):
        if loss <= target:
            return i
    return len(losses) + 1


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def mean_and_error(values: Sequence[float]) -> tuple[float, float]:
    """Mean and its standard error (0 for a single value)."""
    mean = statistics.fmean(values)
    error = statistics.stdev(values) / len(values) ** 0.5 if len(values) > 1 else 0.0
    return mean, error
