"""The store contract: the single source of truth shared by the tuner, the CLI and the server.

Contract (every implementation, tested by one suite in tests/store/):
- Thread- and process-safe for one writer (the tuner holding a job) and any number of readers;
  a reader never sees "database is locked" and never blocks the writer for long.
- Reads return snapshots (`TuningJobRecord`, `Trial`) that later writes never change; a
  `Trial`'s mappings are read-only (a reader cannot change what another reader sees).
- Events in: `create_tuning_job`, `add_trial` (intent first, before the process exists),
  `set_handle`, `add_metrics`, `finish`. A finished trial is never written again: `finish`,
  `set_handle` and `add_metrics` on it raise `TrialFinishedError`.
- Requests from any process reach the tuner running a job through the store:
  `request_stop` (a tuning job), `request_training_job_stop` (one of its training jobs, read
  back with `training_job_stops`); `delete_tuning_job` removes an ended job and all it holds.
- Tags are kept per resource ARN (a tuning job's or a training job's, compared exactly as
  given, so spelled as `trimtab.arns` spells them), whether or not the resource exists: the
  caller checks that.
- Unknown tuning jobs raise `ResourceNotFound` with SageMaker's message; a duplicate name
  raises `ResourceInUse`. Names compare case-insensitively, as SageMaker's do.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from trimtab.spec.enums import (
    HyperParameterTuningJobStatus,
    ObjectiveStatus,
    SecondaryStatus,
    TrainingJobStatus,
)
from trimtab.types import MetricPoint, Trial


class TrialFinishedError(RuntimeError):
    """A write to a trial that already finished: a bug in the caller, not bad user input."""


@dataclass(frozen=True)
class TuningJobRecord:
    """A tuning job as stored: its request (the validated CreateHyperParameterTuningJob body,
    with defaults filled, as Describe echoes it) and its lifecycle fields."""

    name: str
    arn: str
    request: Mapping[str, Any]
    base_dir: str  # folder that relative S3Uri / submit-directory paths resolve against
    seed: int  # RandomSeed, or the one trimtab drew at creation when none was given
    status: HyperParameterTuningJobStatus
    creation_time: float
    last_modified_time: float
    end_time: float | None = None
    failure_reason: str | None = None
    stop_requested: bool = False
    completion_details: Mapping[str, Any] | None = None  # TuningJobCompletionDetails
    runtime_seconds: float = 0.0  # ConsumedResources.RuntimeInSeconds accumulated over runs


@dataclass(frozen=True)
class Finish:
    """How a training job ended, written once by `Store.finish`."""

    status: TrainingJobStatus
    secondary_status: SecondaryStatus
    objective_status: ObjectiveStatus
    end_time: float
    failure_reason: str | None = None
    retryable: bool = False


class Store(Protocol):
    def create_tuning_job(self, record: TuningJobRecord) -> None:
        """Insert a new tuning job; `ResourceInUse` if the name exists (any case)."""

    def tuning_job(self, name: str) -> TuningJobRecord:
        """The job's snapshot; `ResourceNotFound` if unknown."""

    def tuning_jobs(self) -> list[TuningJobRecord]:
        """Every tuning job, oldest first."""

    def update_tuning_job(
        self,
        name: str,
        *,
        status: HyperParameterTuningJobStatus | None = None,
        end_time: float | None = None,
        failure_reason: str | None = None,
        completion_details: Mapping[str, Any] | None = None,
        runtime_seconds: float | None = None,
    ) -> TuningJobRecord:
        """Set the given fields (and `last_modified_time` to now); returns the new snapshot."""

    def request_stop(self, name: str) -> TuningJobRecord:
        """Ask the tuner running `name` to stop (from any process): sets `stop_requested` and,
        if the job is InProgress, status Stopping. A finished job is left as it is."""

    def acquire_lease(self, name: str, owner: str, ttl_seconds: float) -> bool:
        """Take or renew the right to run `name` (one tuner at a time). True if `owner` holds it
        now: nobody held it, the holder's lease expired (`ttl_seconds` after its last renewal),
        or `owner` already held it (renewal)."""

    def release_lease(self, name: str, owner: str) -> None:
        """Give the lease up if `owner` holds it."""

    def lease_holder(self, name: str) -> str | None:
        """The owner of the job's lease if it holds one that has not expired (by the store's
        clock: a lease expires `ttl_seconds` after its last renewal), else None."""

    def delete_tuning_job(self, name: str) -> None:
        """DeleteHyperParameterTuningJob: remove the job, its training jobs, their metric points
        and stop requests, and the tags of the job's ARN and of its training jobs' ARNs
        (`trimtab.arns.training_job_arn`); files on disk (the jobs' folders) are left alone.
        A job that has not ended (InProgress or Stopping) raises `ResourceInUse`
        (`errors.tuning_job_not_ended`) and is left as it is."""

    def add_trial(
        self,
        tuning_job_name: str,
        hyperparameters: Mapping[str, str],
        definition_name: str | None,
        creation_time: float,
    ) -> Trial:
        """Record a training job before it is launched: InProgress / Starting / Pending, with the
        next `index` and a training job name `<tuning-job>-<NNN>-<8 hex>`."""

    def set_handle(
        self, training_job_name: str, handle: str, start_time: float, attempts: int = 1
    ) -> None:
        """The backend launched it: remember how to find the process; secondary status Training."""

    def add_metrics(
        self,
        training_job_name: str,
        points: Sequence[MetricPoint],
        objective_metric: str,
    ) -> None:
        """Append metric points. Final metrics become the latest point of each name; the trial's
        `objective` becomes the latest point named `objective_metric`."""

    def metrics(self, training_job_name: str, name: str | None = None) -> list[MetricPoint]:
        """Every stored point of the job (of one metric when `name` is given), in order."""

    def finish(self, training_job_name: str, finish: Finish) -> Trial:
        """Record the end of a training job, once."""

    def trials(self, tuning_job_name: str) -> list[Trial]:
        """Every training job of the tuning job, by `index`."""

    def trial(self, training_job_name: str) -> Trial:
        """One training job; `ValidationError("Requested resource not found.")` if unknown."""

    def request_training_job_stop(self, training_job_name: str) -> Trial:
        """StopTrainingJob from any process: record that the tuner running this training job
        should stop it, and return its snapshot (which the request itself does not change: the
        tuner stops the job and `finish`es it). A finished training job is left as it is and
        nothing is recorded. Idempotent. Unknown: `ValidationError` as `trial`."""

    def training_job_stops(self, tuning_job_name: str) -> set[str]:
        """Names of the job's training jobs that are still pending and whose stop was requested
        (`request_training_job_stop`); a training job leaves the set when it finishes."""

    def log_path(self, training_job_name: str) -> str:
        """Where the backend writes this job's log (the job's own folder under the store)."""

    def job_dir(self, training_job_name: str) -> str:
        """The job's own folder under the store: its /opt/ml-style tree and its log live there."""

    # -- tags (AddTags, ListTags, DeleteTags) ------------------------------------------------

    def add_tags(self, resource_arn: str, tags: Mapping[str, str]) -> None:
        """Tag the resource: each key is added, or its value overwritten if the resource has it
        (keys are case-sensitive; an overwritten key keeps its place)."""

    def tags(self, resource_arn: str) -> dict[str, str]:
        """The resource's tags, in the order their keys were added (a key deleted and added
        again comes last); `{}` for a resource without tags."""

    def delete_tags(self, resource_arn: str, keys: Sequence[str]) -> None:
        """Remove the resource's tags with these keys; keys it does not have are ignored."""
