"""SageMaker's early stopping `Auto`: the median rule.

After each report e of a running job, compare its current loss with the running averages of the
other training jobs' losses over their first e reports; stop the job when it is worse than the
median of those averages. Judging needs company: the rule waits until `min_jobs` other jobs have
reported at least e values (SageMaker does not publish its number; trimtab uses 3), and never
stops a job before its `grace`-th report.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from trimtab.types import Decision, History, Trial


@dataclass(frozen=True)
class MedianStopper:
    min_jobs: int = 3
    grace: int = 1

    def decide(self, trial: Trial, level: int, history: History) -> Decision:
        if level <= self.grace:
            return Decision.CONTINUE
        curves = history.curves
        current = curves[trial.training_job_name][level - 1]
        averages = [
            statistics.fmean(_finite(curve[:level]))
            for t in history.trials
            if t.index < trial.index and len(curve := curves.get(t.training_job_name, ())) >= level
        ]
        if len(averages) < self.min_jobs:
            return Decision.CONTINUE
        return (
            Decision.STOP
            if _finite([current])[0] > statistics.median(averages)
            else Decision.CONTINUE
        )


def _finite(losses: Sequence[float]) -> list[float]:
    """NaN counts as the worst loss there is."""
    return [math.inf if math.isnan(v) else v for v in losses]
