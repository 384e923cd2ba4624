"""An in-memory store: the `Store` contract over dicts, for tests and throwaway runs.

Everything lives in this process and goes with it: use it where a job's history need not
outlive the run (unit tests of the loop, a benchmark), never where another process must read
it. One lock serialises every call, so threads see the contract's guarantees; snapshots are
copies, so nothing a caller holds changes under it.
"""

from __future__ import annotations

import copy
import secrets
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from trimtab import arns, errors
from trimtab.spec.enums import (
    HyperParameterTuningJobStatus,
    ObjectiveStatus,
    SecondaryStatus,
    TrainingJobStatus,
)
from trimtab.store.base import Finish, TrialFinishedError, TuningJobRecord
from trimtab.types import MetricPoint, Trial


@dataclass
class _Trial:
    trial: Trial
    points: list[MetricPoint] = field(default_factory=list)
    objective_metric: str | None = None
    stop_requested: bool = False


@dataclass
class _Job:
    record: TuningJobRecord
    trials: list[_Trial] = field(default_factory=list)
    lease_owner: str | None = None
    lease_expiry: float | None = None


class MemoryStore:
    """The `Store` contract in memory; see `trimtab.store.base` for what each method promises.

    Args:
        home: the folder holding the training jobs' own folders (``<home>/jobs/<name>``).
        clock: wall-clock time in epoch seconds, for `last_modified_time` and leases.
    """

    def __init__(self, home: str | Path, *, clock: Callable[[], float] = time.time) -> None:
        self.home = Path(home).expanduser().absolute()
        self._clock = clock
        self._lock = threading.RLock()
        self._jobs: dict[str, _Job] = {}  # by lower-cased name
        self._trials: dict[str, tuple[_Job, _Trial]] = {}  # by lower-cased training job name
        self._tags: dict[str, dict[str, str]] = {}  # resource ARN -> key -> value, in add order

    # -- tuning jobs ---------------------------------------------------------------------

    def create_tuning_job(self, record: TuningJobRecord) -> None:
        with self._lock:
            if record.name.lower() in self._jobs:
                raise errors.tuning_job_exists(record.name)
            self._jobs[record.name.lower()] = _Job(_copied(record))

    def tuning_job(self, name: str) -> TuningJobRecord:
        with self._lock:
            return _copied(self._job(name).record)

    def tuning_jobs(self) -> list[TuningJobRecord]:
        with self._lock:
            jobs = sorted(self._jobs.values(), key=lambda j: j.record.creation_time)
            return [_copied(j.record) for j in jobs]

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
        with self._lock:
            job = self._job(name)
            given = {
                "status": status,
                "end_time": end_time,
                "failure_reason": failure_reason,
                "completion_details": completion_details,
                "runtime_seconds": runtime_seconds,
            }
            changes = {k: v for k, v in given.items() if v is not None}
            job.record = _copied(
                replace(job.record, **changes, last_modified_time=self._clock())  # type: ignore[arg-type]
            )
            return _copied(job.record)

    def request_stop(self, name: str) -> TuningJobRecord:
        with self._lock:
            job = self._job(name)
            record = job.record
            if not record.status.is_finished():
                status = (
                    HyperParameterTuningJobStatus.STOPPING
                    if record.status is HyperParameterTuningJobStatus.IN_PROGRESS
                    else record.status
                )
                job.record = replace(
                    record, stop_requested=True, status=status, last_modified_time=self._clock()
                )
            return _copied(job.record)

    def acquire_lease(self, name: str, owner: str, ttl_seconds: float) -> bool:
        with self._lock:
            job = self._job(name)
            now = self._clock()
            free = job.lease_owner is None or job.lease_expiry is None or job.lease_expiry <= now
            if not (free or job.lease_owner == owner):
                return False
            job.lease_owner, job.lease_expiry = owner, now + ttl_seconds
            return True

    def release_lease(self, name: str, owner: str) -> None:
        with self._lock:
            job = self._job(name)
            if job.lease_owner == owner:
                job.lease_owner = job.lease_expiry = None

    def lease_holder(self, name: str) -> str | None:
        with self._lock:
            job = self._job(name)
            if job.lease_expiry is None or job.lease_expiry <= self._clock():
                return None
            return job.lease_owner

    def delete_tuning_job(self, name: str) -> None:
        with self._lock:
            job = self._job(name)
            record = job.record
            if record.status in (
                HyperParameterTuningJobStatus.IN_PROGRESS,
                HyperParameterTuningJobStatus.STOPPING,
            ):
                raise errors.tuning_job_not_ended(record.name, record.status)
            self._tags.pop(record.arn, None)
            for entry in job.trials:
                training_job_name = entry.trial.training_job_name
                self._tags.pop(arns.training_job_arn(record.arn, training_job_name), None)
                del self._trials[training_job_name.lower()]
            del self._jobs[record.name.lower()]

    # -- training jobs -------------------------------------------------------------------

    def add_trial(
        self,
        tuning_job_name: str,
        hyperparameters: Mapping[str, str],
        definition_name: str | None,
        creation_time: float,
    ) -> Trial:
        with self._lock:
            job = self._job(tuning_job_name)
            index = len(job.trials) + 1
            name = f"{job.record.name}-{index:03d}-{secrets.token_hex(4)}"
            entry = _Trial(
                Trial(
                    tuning_job_name=job.record.name,
                    index=index,
                    training_job_name=name,
                    hyperparameters=dict(hyperparameters),
                    definition_name=definition_name,
                    status=TrainingJobStatus.IN_PROGRESS,
                    secondary_status=SecondaryStatus.STARTING,
                    objective_status=ObjectiveStatus.PENDING,
                    creation_time=creation_time,
                    last_modified_time=creation_time,
                )
            )
            job.trials.append(entry)
            self._trials[name.lower()] = (job, entry)
            return _snapshot(entry)

    def set_handle(
        self, training_job_name: str, handle: str, start_time: float, attempts: int = 1
    ) -> None:
        with self._lock:
            entry = self._open_trial(training_job_name)
            entry.trial = replace(
                entry.trial,
                handle=handle,
                start_time=start_time,
                attempts=attempts,
                secondary_status=SecondaryStatus.TRAINING,
                last_modified_time=self._clock(),
            )

    def add_metrics(
        self,
        training_job_name: str,
        points: Sequence[MetricPoint],
        objective_metric: str,
    ) -> None:
        with self._lock:
            entry = self._open_trial(training_job_name)
            if not points:
                return
            entry.points.extend(points)
            final = {**entry.trial.final_metrics, **{p.name: p for p in points}}
            entry.objective_metric = objective_metric
            objective = final.get(objective_metric)
            entry.trial = replace(
                entry.trial,
                final_metrics=final,
                objective=None if objective is None else objective.value,
                last_modified_time=self._clock(),
            )

    def metrics(self, training_job_name: str, name: str | None = None) -> list[MetricPoint]:
        with self._lock:
            _, entry = self._found(training_job_name)
            return [p for p in entry.points if name is None or p.name == name]

    def finish(self, training_job_name: str, finish: Finish) -> Trial:
        if not finish.status.is_finished():
            raise ValueError(
                f"Finish.status must be Completed, Failed or Stopped, but got {finish.status=}."
            )
        with self._lock:
            entry = self._open_trial(training_job_name)
            entry.trial = replace(
                entry.trial,
                status=finish.status,
                secondary_status=finish.secondary_status,
                objective_status=finish.objective_status,
                end_time=finish.end_time,
                failure_reason=finish.failure_reason,
                retryable=finish.retryable,
                last_modified_time=self._clock(),
            )
            return _snapshot(entry)

    def trials(self, tuning_job_name: str) -> list[Trial]:
        with self._lock:
            return [_snapshot(entry) for entry in self._job(tuning_job_name).trials]

    def trial(self, training_job_name: str) -> Trial:
        with self._lock:
            return _snapshot(self._found(training_job_name)[1])

    def request_training_job_stop(self, training_job_name: str) -> Trial:
        with self._lock:
            _, entry = self._found(training_job_name)
            if entry.trial.is_pending:
                entry.stop_requested = True
            return _snapshot(entry)

    def training_job_stops(self, tuning_job_name: str) -> set[str]:
        with self._lock:
            return {
                entry.trial.training_job_name
                for entry in self._job(tuning_job_name).trials
                if entry.stop_requested and entry.trial.is_pending
            }

    def job_dir(self, training_job_name: str) -> str:
        return str(self.home / "jobs" / training_job_name)

    def log_path(self, training_job_name: str) -> str:
        return str(Path(self.job_dir(training_job_name)) / "training.log")

    # -- tags ----------------------------------------------------------------------------

    def add_tags(self, resource_arn: str, tags: Mapping[str, str]) -> None:
        with self._lock:
            if tags:  # an overwritten key keeps its place: dict.update does so
                self._tags.setdefault(resource_arn, {}).update(tags)

    def tags(self, resource_arn: str) -> dict[str, str]:
        with self._lock:
            return dict(self._tags.get(resource_arn, {}))

    def delete_tags(self, resource_arn: str, keys: Sequence[str]) -> None:
        with self._lock:
            tags = self._tags.get(resource_arn)
            if tags is None:
                return
            for key in keys:
                tags.pop(key, None)
            if not tags:
                del self._tags[resource_arn]

    # -- lookups -------------------------------------------------------------------------

    def _job(self, name: str) -> _Job:
        job = self._jobs.get(name.lower())
        if job is None:
            raise errors.tuning_job_not_found(name)
        return job

    def _found(self, training_job_name: str) -> tuple[_Job, _Trial]:
        found = self._trials.get(training_job_name.lower())
        if found is None:
            raise errors.training_job_not_found()
        return found

    def _open_trial(self, training_job_name: str) -> _Trial:
        """For a write: a finished trial is never written again."""
        _, entry = self._found(training_job_name)
        trial = entry.trial
        if trial.status.is_finished():
            raise TrialFinishedError(
                f"Training job {trial.training_job_name} already finished ({trial.status}); "
                "it cannot be written again."
            )
        return entry


def _copied(record: TuningJobRecord) -> TuningJobRecord:
    """A record whose mappings are the caller's own."""
    return replace(
        record,
        request=copy.deepcopy(dict(record.request)),
        completion_details=None
        if record.completion_details is None
        else copy.deepcopy(dict(record.completion_details)),
    )


def _snapshot(entry: _Trial) -> Trial:
    """The trial as callers get it: its mappings read-only views of copies of the store's."""
    trial = entry.trial
    return replace(
        trial,
        hyperparameters=MappingProxyType(dict(trial.hyperparameters)),
        final_metrics=MappingProxyType(dict(trial.final_metrics)),
    )
