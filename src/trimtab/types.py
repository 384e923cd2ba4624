"""The shared vocabulary: metric points, trials, a tuning job's history, suggestions, decisions.

Everything here is plain data. The store hands out `Trial` snapshots that later writes never
change; strategies and stoppers read a `History` of them and decide. The statuses a trial has
are SageMaker's own, defined once in `trimtab.spec.enums`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from trimtab.spec.enums import ObjectiveStatus, SecondaryStatus, TrainingJobStatus


@dataclass(frozen=True)
class MetricPoint:
    """One match of a MetricDefinitions regex in a training job's log."""

    name: str
    value: float
    timestamp: float  # epoch seconds


@dataclass(frozen=True)
class Suggestion:
    """A configuration a strategy proposes: tuned values as SageMaker strings."""

    hyperparameters: Mapping[str, str]
    definition_name: str | None = None  # which TrainingJobDefinitions entry (multi-algorithm jobs)


@dataclass(frozen=True)
class Trial:
    """A snapshot of one training job of a tuning job, as the store holds it.

    `index` is the 1-based launch sequence number within the tuning job (the `NNN` in the
    training job name); the store assigns it. `objective` is the latest objective value the job
    reported, in the user's direction (not negated); `None` until one is seen.
    """

    tuning_job_name: str
    index: int
    training_job_name: str
    hyperparameters: Mapping[str, str]  # tuned values only (TunedHyperParameters)
    definition_name: str | None
    status: TrainingJobStatus
    secondary_status: SecondaryStatus
    objective_status: ObjectiveStatus
    creation_time: float
    start_time: float | None = None
    end_time: float | None = None
    last_modified_time: float | None = None
    handle: str | None = None
    failure_reason: str | None = None
    objective: float | None = None
    final_metrics: Mapping[str, MetricPoint] = field(default_factory=dict)
    retryable: bool = False  # a Failed job whose failure was not the script's fault
    attempts: int = 1

    @property
    def is_pending(self) -> bool:
        """Still running (or about to): its result is not known yet."""
        return not self.status.is_finished()


Curves = Mapping[str, Sequence[float]]  # training job name -> losses, one per report


@dataclass(frozen=True)
class History:
    """What a strategy or a stopper knows of a tuning job when it decides.

    `trials` is every trial so far, finished and pending alike. `curves` holds each trial's
    objective as losses (turned so that lower is better), one value per report: the n-th value
    is the objective after n units of resource (epochs). Both are valid for the call they are
    passed to; keep nothing of them, so that a resumed job decides exactly as the first run.
    """

    trials: Sequence[Trial]
    curves: Curves = field(default_factory=dict)


class Decision(StrEnum):
    """A stopper's verdict on a running training job."""

    CONTINUE = "Continue"
    STOP = "Stop"  # stop it early: it ends Stopped
    COMPLETE = "Complete"  # it has had all the resource it gets: stop it, it ends Completed
