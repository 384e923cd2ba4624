"""The SQLAlchemy store: SQLite (WAL) under TRIMTAB_HOME by default, PostgreSQL when shared.

One short transaction per method, so a tuner writing and any number of `trimtab describe`
processes reading never wait on each other for long (the SQLite settings that make this so are
in `_sql_schema`). Writes go through ORM rows; trials are read back with a Core select.
Deleting a tuning job deletes its row and lets the database's ``ON DELETE CASCADE`` take its
trials, their metric points and stop requests; tags, keyed by ARN, are deleted explicitly.

Floats round-trip exactly. SQLite turns a NaN REAL into NULL, so metric point values use a
column type where NULL *means* NaN (a point always has a value). A trial's final metrics live
in JSON, where non-finite values are written as the strings ``"nan"``, ``"inf"`` and ``"-inf"``
(valid JSON, so PostgreSQL's JSON takes it too); its objective is not stored twice but read from
them (the final value of the objective metric named in `add_metrics`: the latest such point).
One limit: SQLite stores a REAL ``-0.0`` as ``0.0``, so a metric point of ``-0.0`` reads back as
``0.0`` (equal under ``==``; the final metrics keep the sign).
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from types import MappingProxyType
from typing import Any

from sqlalchemy import URL, ColumnElement, delete, func, insert, inspect, make_url, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

from trimtab import arns, errors
from trimtab.spec.enums import (
    HyperParameterTuningJobStatus,
    ObjectiveStatus,
    SecondaryStatus,
    TrainingJobStatus,
)
from trimtab.store._sql_schema import (
    WRITE,
    Base,
    MetricRow,
    TagRow,
    TrainingJobStopRow,
    TrialRow,
    TuningJobRow,
    float_to_json,
    make_engine,
)
from trimtab.store._trial_cache import TrialCache
from trimtab.store.base import Finish, TrialFinishedError, TuningJobRecord
from trimtab.types import MetricPoint, Trial

logger = logging.getLogger(__name__)

# Statuses of a tuning job that has not ended: it cannot be deleted.
_NOT_ENDED = frozenset(
    {HyperParameterTuningJobStatus.IN_PROGRESS, HyperParameterTuningJobStatus.STOPPING}
)
_IN_CHUNK = 500  # values per `IN (...)`: well under any database's limit on bound parameters


class SqlStore:
    """The `Store` contract over SQLAlchemy; see `trimtab.store.base` for what each method promises.

    Args:
        url: a SQLAlchemy URL, e.g. ``sqlite:////abs/path/trimtab.db``, ``sqlite://`` (in memory,
            one process) or ``postgresql+psycopg://...``.
        home: the folder holding the training jobs' own folders (``<home>/jobs/<name>``).
        clock: wall-clock time in epoch seconds, for `last_modified_time` and leases.
    """

    def __init__(
        self, url: str | URL, home: str | Path, *, clock: Callable[[], float] = time.time
    ) -> None:
        self.home = Path(home).expanduser().absolute()
        self.home.mkdir(parents=True, exist_ok=True)
        self._clock = clock
        self._engine = make_engine(make_url(url))
        self._writer = self._engine.execution_options(**{WRITE: True})
        in_memory = isinstance(self._engine.pool, StaticPool)
        self._lock: AbstractContextManager[object] = (
            threading.RLock() if in_memory else nullcontext()
        )
        self._trial_cache = TrialCache(self._clock)
        self._create_schema()
        logger.debug("opened store %s (home %s)", self._engine.url, self.home)

    def _create_schema(self) -> None:
        """Create missing tables, in a write transaction so that two processes opening a new
        file at once don't both try; a store that exists already is only read."""
        with self._engine.connect() as conn:
            present = set(inspect(conn).get_table_names())
        if not present.issuperset(Base.metadata.tables):
            with self._writer.begin() as conn:
                Base.metadata.create_all(conn)

    def close(self) -> None:
        """Close every pooled connection (a store is unusable afterwards)."""
        self._engine.dispose()

    def __enter__(self) -> SqlStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self, *, write: bool = False) -> Iterator[Session]:
        with (
            self._lock,
            Session(self._writer if write else self._engine) as session,
            session.begin(),
        ):
            yield session

    # -- tuning jobs ---------------------------------------------------------------------

    def create_tuning_job(self, record: TuningJobRecord) -> None:
        with self._transaction(write=True) as session:
            if session.scalar(select(TuningJobRow.id).filter_by(key=record.name.lower())):
                raise errors.tuning_job_exists(record.name)
            session.add(
                TuningJobRow(
                    name=record.name,
                    key=record.name.lower(),
                    arn=record.arn,
                    request=dict(record.request),
                    base_dir=record.base_dir,
                    seed=record.seed,
                    status=record.status,
                    creation_time=record.creation_time,
                    last_modified_time=record.last_modified_time,
                    end_time=record.end_time,
                    failure_reason=record.failure_reason,
                    stop_requested=record.stop_requested,
                    completion_details=_optional_dict(record.completion_details),
                    runtime_seconds=record.runtime_seconds,
                )
            )

    def tuning_job(self, name: str) -> TuningJobRecord:
        with self._transaction() as session:
            return _job_record(_get_job(session, name))

    def tuning_jobs(self) -> list[TuningJobRecord]:
        with self._transaction() as session:
            rows = session.scalars(
                select(TuningJobRow).order_by(TuningJobRow.creation_time, TuningJobRow.id)
            )
            return [_job_record(row) for row in rows]

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
        with self._transaction(write=True) as session:
            row = _get_job(session, name)
            if status is not None:
                row.status = status
            if end_time is not None:
                row.end_time = end_time
            if failure_reason is not None:
                row.failure_reason = failure_reason
            if completion_details is not None:
                row.completion_details = dict(completion_details)
            if runtime_seconds is not None:
                row.runtime_seconds = runtime_seconds
            row.last_modified_time = self._clock()
            return _job_record(row)

    def request_stop(self, name: str) -> TuningJobRecord:
        with self._transaction(write=True) as session:
            row = _get_job(session, name)
            if not row.status.is_finished():
                row.stop_requested = True
                if row.status is HyperParameterTuningJobStatus.IN_PROGRESS:
                    row.status = HyperParameterTuningJobStatus.STOPPING
                row.last_modified_time = self._clock()
            return _job_record(row)

    def acquire_lease(self, name: str, owner: str, ttl_seconds: float) -> bool:
        with self._transaction(write=True) as session:
            row = _get_job(session, name, for_update=True)
            now = self._clock()
            free = row.lease_owner is None or row.lease_expiry is None or row.lease_expiry <= now
            if not (free or row.lease_owner == owner):
                return False
            row.lease_owner, row.lease_expiry = owner, now + ttl_seconds
            return True

    def release_lease(self, name: str, owner: str) -> None:
        with self._transaction(write=True) as session:
            row = _get_job(session, name, for_update=True)
            if row.lease_owner == owner:
                row.lease_owner = row.lease_expiry = None

    def lease_holder(self, name: str) -> str | None:
        with self._transaction() as session:
            row = _get_job(session, name)
            if row.lease_expiry is None or row.lease_expiry <= self._clock():
                return None
            return row.lease_owner

    def delete_tuning_job(self, name: str) -> None:
        with self._transaction(write=True) as session:
            row = _get_job(session, name, for_update=True)
            if row.status in _NOT_ENDED:
                raise errors.tuning_job_not_ended(row.name, row.status)
            trial_names = session.scalars(select(TrialRow.name).filter_by(tuning_job_id=row.id))
            resources = [row.arn, *(arns.training_job_arn(row.arn, n) for n in trial_names)]
            for chunk in _chunks(resources):
                session.execute(delete(TagRow).where(TagRow.resource_arn.in_(chunk)))
            # Its trials, their metric points and stop requests: ON DELETE CASCADE.
            session.execute(delete(TuningJobRow).where(TuningJobRow.id == row.id))
            self._trial_cache.forget((row.id, row.creation_time))

    # -- training jobs -------------------------------------------------------------------

    def add_trial(
        self,
        tuning_job_name: str,
        hyperparameters: Mapping[str, str],
        definition_name: str | None,
        creation_time: float,
    ) -> Trial:
        with self._transaction(write=True) as session:
            # The job's row lock (PostgreSQL) or BEGIN IMMEDIATE (SQLite) makes max+1 atomic.
            job = _get_job(session, tuning_job_name, for_update=True)
            last = session.scalar(select(func.max(TrialRow.index)).filter_by(tuning_job_id=job.id))
            index = (last or 0) + 1
            name = f"{job.name}-{index:03d}-{secrets.token_hex(4)}"
            row = TrialRow(
                tuning_job_id=job.id,
                index=index,
                name=name,
                key=name.lower(),
                hyperparameters=dict(hyperparameters),
                definition_name=definition_name,
                status=TrainingJobStatus.IN_PROGRESS,
                secondary_status=SecondaryStatus.STARTING,
                objective_status=ObjectiveStatus.PENDING,
                creation_time=creation_time,
                last_modified_time=creation_time,
                final_metrics={},
                retryable=False,
                attempts=1,
            )
            session.add(row)
            session.flush()
            return _select_trials(session, TrialRow.id == row.id)[0]

    def set_handle(
        self, training_job_name: str, handle: str, start_time: float, attempts: int = 1
    ) -> None:
        with self._transaction(write=True) as session:
            row = _get_open_trial(session, training_job_name)
            row.handle, row.start_time, row.attempts = handle, start_time, attempts
            row.secondary_status = SecondaryStatus.TRAINING
            row.last_modified_time = self._clock()

    def add_metrics(
        self,
        training_job_name: str,
        points: Sequence[MetricPoint],
        objective_metric: str,
    ) -> None:
        with self._transaction(write=True) as session:
            row = _get_open_trial(session, training_job_name)
            if not points:
                return
            session.execute(
                insert(MetricRow),
                [
                    {"trial_id": row.id, "name": p.name, "value": p.value, "timestamp": p.timestamp}
                    for p in points
                ],
            )
            final = dict(row.final_metrics)
            for p in points:  # later points win: the latest of each name
                final[p.name] = [float_to_json(p.value), p.timestamp]
            row.final_metrics, row.objective_metric = final, objective_metric
            row.last_modified_time = self._clock()

    def metrics(self, training_job_name: str, name: str | None = None) -> list[MetricPoint]:
        with self._transaction() as session:
            trial_id = _get_trial(session, training_job_name).id
            query = select(MetricRow.name, MetricRow.value, MetricRow.timestamp).filter_by(
                trial_id=trial_id
            )
            if name is not None:
                query = query.filter_by(name=name)
            rows = session.execute(query.order_by(MetricRow.id))
            return [MetricPoint(name=n, value=v, timestamp=t) for n, v, t in rows]

    def finish(self, training_job_name: str, finish: Finish) -> Trial:
        if not finish.status.is_finished():
            raise ValueError(
                f"Finish.status must be Completed, Failed or Stopped, but got {finish.status=}."
            )
        with self._transaction(write=True) as session:
            row = _get_open_trial(session, training_job_name)
            row.status = finish.status
            row.secondary_status = finish.secondary_status
            row.objective_status = finish.objective_status
            row.end_time = finish.end_time
            row.failure_reason = finish.failure_reason
            row.retryable = finish.retryable
            row.last_modified_time = self._clock()
            session.flush()
            return _select_trials(session, TrialRow.id == row.id)[0]

    def trials(self, tuning_job_name: str) -> list[Trial]:
        with self._transaction() as session:
            job = _get_job(session, tuning_job_name)
            mine = TrialRow.tuning_job_id == job.id
            count = session.scalar(select(func.count()).select_from(TrialRow).where(mine))

            def load(since: float | None) -> list[Trial]:
                where = mine if since is None else mine & (TrialRow.last_modified_time >= since)
                return _select_trials(session, where)

            return self._trial_cache.trials((job.id, job.creation_time), count or 0, load)

    def trial(self, training_job_name: str) -> Trial:
        with self._transaction() as session:
            found = _select_trials(session, TrialRow.key == training_job_name.lower())
            if not found:
                raise errors.training_job_not_found()
            return found[0]

    def request_training_job_stop(self, training_job_name: str) -> Trial:
        with self._transaction(write=True) as session:
            row = _get_trial(session, training_job_name, for_update=True)
            if not row.status.is_finished() and session.get(TrainingJobStopRow, row.id) is None:
                session.add(TrainingJobStopRow(trial_id=row.id, requested_time=self._clock()))
            return _select_trials(session, TrialRow.id == row.id)[0]

    def training_job_stops(self, tuning_job_name: str) -> set[str]:
        with self._transaction() as session:
            job_id = _get_job(session, tuning_job_name).id
            rows = session.execute(
                select(TrialRow.name, TrialRow.status)
                .join(TrainingJobStopRow, TrainingJobStopRow.trial_id == TrialRow.id)
                .where(TrialRow.tuning_job_id == job_id)
            )
            return {name for name, status in rows if not status.is_finished()}

    def job_dir(self, training_job_name: str) -> str:
        return str(self.home / "jobs" / training_job_name)

    def log_path(self, training_job_name: str) -> str:
        return str(Path(self.job_dir(training_job_name)) / "training.log")

    # -- tags ----------------------------------------------------------------------------

    def add_tags(self, resource_arn: str, tags: Mapping[str, str]) -> None:
        if not tags:
            return
        with self._transaction(write=True) as session:
            rows = session.scalars(select(TagRow).filter_by(resource_arn=resource_arn))
            existing = {row.key: row for row in rows}
            new = []
            for key, value in tags.items():
                if key in existing:
                    existing[key].value = value
                else:
                    new.append({"resource_arn": resource_arn, "key": key, "value": value})
            if new:  # one executemany, in the mapping's order: ids keep the order keys came in
                session.execute(insert(TagRow), new)

    def tags(self, resource_arn: str) -> dict[str, str]:
        with self._transaction() as session:
            rows = session.execute(
                select(TagRow.key, TagRow.value)
                .filter_by(resource_arn=resource_arn)
                .order_by(TagRow.id)
            )
            return {key: value for key, value in rows}

    def delete_tags(self, resource_arn: str, keys: Sequence[str]) -> None:
        if not keys:
            return
        with self._transaction(write=True) as session:
            for chunk in _chunks(keys):
                session.execute(
                    delete(TagRow).where(TagRow.resource_arn == resource_arn, TagRow.key.in_(chunk))
                )


# -- row lookups and snapshots -----------------------------------------------------------


def _get_job(session: Session, name: str, *, for_update: bool = False) -> TuningJobRow:
    query = select(TuningJobRow).filter_by(key=name.lower())
    row = session.scalar(query.with_for_update() if for_update else query)
    if row is None:
        raise errors.tuning_job_not_found(name)
    return row


def _get_trial(session: Session, training_job_name: str, *, for_update: bool = False) -> TrialRow:
    query = select(TrialRow).filter_by(key=training_job_name.lower())
    row = session.scalar(query.with_for_update() if for_update else query)
    if row is None:
        raise errors.training_job_not_found()
    return row


def _get_open_trial(session: Session, training_job_name: str) -> TrialRow:
    """Like `_get_trial`, for a write: a finished trial is never written again."""
    row = _get_trial(session, training_job_name)
    if row.status.is_finished():
        raise TrialFinishedError(
            f"Training job {row.name} already finished ({row.status}); it cannot be written again."
        )
    return row


def _select_trials(session: Session, where: ColumnElement[bool]) -> list[Trial]:
    """Snapshots of the matching trials, by index. A Core select, not ORM entities: without
    the identity map and attribute instrumentation, listing 1,000 trials is ~1.6x faster."""
    query = (
        select(TrialRow.__table__, TuningJobRow.name.label("tuning_job_name"))
        .join(TuningJobRow, TrialRow.tuning_job_id == TuningJobRow.id)
        .where(where)
        .order_by(TrialRow.index)
    )
    return [_trial(row) for row in session.execute(query).mappings()]


def _chunks(values: Iterable[str]) -> Iterator[list[str]]:
    """`values` in lists of at most `_IN_CHUNK`, for `IN (...)` clauses."""
    chunk: list[str] = []
    for value in values:
        chunk.append(value)
        if len(chunk) == _IN_CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _optional_dict(mapping: Mapping[str, Any] | None) -> dict[str, Any] | None:
    return None if mapping is None else dict(mapping)


def _job_record(row: TuningJobRow) -> TuningJobRecord:
    return TuningJobRecord(
        name=row.name,
        arn=row.arn,
        request=dict(row.request),
        base_dir=row.base_dir,
        seed=row.seed,
        status=row.status,
        creation_time=row.creation_time,
        last_modified_time=row.last_modified_time,
        end_time=row.end_time,
        failure_reason=row.failure_reason,
        stop_requested=row.stop_requested,
        completion_details=_optional_dict(row.completion_details),
        runtime_seconds=row.runtime_seconds,
    )


def _trial(row: RowMapping) -> Trial:
    final_metrics = {
        name: MetricPoint(name=name, value=float(value), timestamp=timestamp)
        for name, (value, timestamp) in row["final_metrics"].items()
    }
    objective_metric = row["objective_metric"]
    objective = final_metrics.get(objective_metric) if objective_metric else None
    return Trial(
        tuning_job_name=row["tuning_job_name"],
        index=row["index"],
        training_job_name=row["name"],
        hyperparameters=MappingProxyType(dict(row["hyperparameters"])),
        definition_name=row["definition_name"],
        status=row["status"],
        secondary_status=row["secondary_status"],
        objective_status=row["objective_status"],
        creation_time=row["creation_time"],
        start_time=row["start_time"],
        end_time=row["end_time"],
        last_modified_time=row["last_modified_time"],
        handle=row["handle"],
        failure_reason=row["failure_reason"],
        objective=None if objective is None else objective.value,
        final_metrics=MappingProxyType(final_metrics),
        retryable=row["retryable"],
        attempts=row["attempts"],
    )
