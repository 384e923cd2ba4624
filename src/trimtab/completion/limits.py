"""Why a tuning job ends, in one place: the checks the tuner makes between two polls.

In the order they are checked:

1. Someone asked it to stop (`trimtab stop`, StopHyperParameterTuningJob): it ends Stopped.
2. `ResourceLimits.MaxRuntimeInSeconds` has passed (over every run of the job): Completed.
3. A `TuningJobCompletionCriteria` is met (`criteria`, `convergence`): Completed. The
   TuningJobCompletionDetails Describe shows are brought up to date whenever a training job
   with a usable objective has ended.
4. Nothing is left to run: every one of `MaxNumberOfTrainingJobs` has ended, or the strategy
   has nothing new to try (a finished grid): Completed.

A job that would end Completed without a single usable objective ends Failed (`outcome`).
`slots` says how many training jobs may start now: `MaxParallelTrainingJobs` less those
running, and never more than `MaxNumberOfTrainingJobs` in all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from trimtab.completion import convergence, criteria
from trimtab.job import Job
from trimtab.spec.enums import CompleteOnConvergence, HyperParameterTuningJobStatus, ObjectiveStatus
from trimtab.store.base import TuningJobRecord
from trimtab.types import Trial

Status = HyperParameterTuningJobStatus


@dataclass(frozen=True)
class Ending:
    """What one check found: the status the job ends with (None: it goes on), why, and new
    TuningJobCompletionDetails to store (None: unchanged)."""

    status: Status | None = None
    reason: str | None = None
    details: Mapping[str, float | int] | None = None


@dataclass
class Limits:
    """The limits of one tuning job; stateful only to notice when another job was scored."""

    job: Job
    _scored: int = field(default=-1, init=False)  # scored trials at the last criteria check

    def check(
        self, record: TuningJobRecord, trials: Sequence[Trial], elapsed: float, now: float
    ) -> Ending:
        """Checks 1 to 3 of the module docstring; `elapsed` is the job's runtime so far."""
        if record.stop_requested:
            return Ending(Status.STOPPED, "a stop was requested")
        limit = self.job.max_runtime_seconds
        if limit is not None and elapsed >= limit:
            return Ending(Status.COMPLETED, "it reached MaxRuntimeInSeconds")
        return self._criteria(trials, now)

    def slots(self, trials: Sequence[Trial]) -> int:
        """How many training jobs may start now."""
        running = sum(t.is_pending for t in trials)
        return min(self.job.max_parallel - running, self.job.max_jobs - len(trials))

    def exhausted(self, trials: Sequence[Trial], launched: int) -> bool:
        """Check 4: nothing runs, nothing was launched, and nothing more will be."""
        running = sum(t.is_pending for t in trials)
        done = len(trials) >= self.job.max_jobs
        return not running and not launched and (self.slots(trials) > 0 or done)

    def _criteria(self, trials: Sequence[Trial], now: float) -> Ending:
        """TuningJobCompletionCriteria, checked again only when the count of scored trials
        changed (a finished job with a usable objective)."""
        wanted = self.job.completion
        scored = criteria.scored(trials)
        if wanted is None or len(scored) == self._scored:
            return Ending()
        self._scored = len(scored)
        stale = criteria.not_improving(trials, self.job.loss)
        details: dict[str, float | int] = {"NumberOfTrainingJobsObjectiveNotImproving": stale}
        patience = wanted.best_objective_not_improving
        limit = patience.max_number_of_training_jobs_not_improving if patience else None
        reason = None
        if wanted.target_objective_metric_value is not None and criteria.target_reached(
            trials, self.job.loss, self.job.target_loss
        ):
            reason = "a training job reached TargetObjectiveMetricValue"
        elif limit is not None and stale >= limit:
            reason = f"{stale} training jobs in a row did not improve the best objective by 1%"
        elif self._converged(scored):
            reason = "the search converged (ConvergenceDetected)"
            details["ConvergenceDetectedTime"] = now
        return Ending(Status.COMPLETED if reason else None, reason, details)

    def _converged(self, scored: Sequence[Trial]) -> bool:
        wanted = self.job.completion.convergence_detected if self.job.completion else None
        if wanted is None or wanted.complete_on_convergence is not CompleteOnConvergence.ENABLED:
            return False
        for name, definition in self.job.definitions.items():
            mine = [t for t in scored if t.definition_name == name]
            configs = [dict(t.hyperparameters) for t in mine]
            losses = [self.job.loss(t) for t in mine]
            if not convergence.converged(definition.space, configs, losses, self.job.seed):
                return False
        return True


def outcome(name: str, status: Status, trials: Sequence[Trial]) -> tuple[Status, str | None]:
    """The status a job ends with, and its FailureReason: Completed without a single usable
    objective is Failed."""
    if status is Status.COMPLETED and not any(
        t.objective_status is ObjectiveStatus.SUCCEEDED for t in trials
    ):
        return Status.FAILED, (
            f"None of the {len(trials)} training jobs reported a usable objective metric; "
            f"see their FailureReason (trimtab training-jobs {name})."
        )
    return status, None
