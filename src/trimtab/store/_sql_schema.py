"""The tables behind `SqlStore`, their column types, and how a SQLite connection is set up.

Tables: ``tuning_jobs``; per job, ``trials``; per trial, ``metric_points`` and
``training_job_stops`` (a requested stop). Each row goes with its parent (``ON DELETE
CASCADE``). ``tags`` are keyed by a resource ARN, not by a row, so no cascade reaches them:
`SqlStore.delete_tuning_job` deletes a job's tags itself. A store file
written by an older version lacks the newer tables and `SqlStore` creates them when it opens
one, so what the schema gains comes as new tables, never as new columns of existing ones.

SQLite settings (every connection, through the engine's ``connect`` event): WAL, so readers
never block the writer nor it them; ``busy_timeout`` 30 s, so a second writer waits instead of
failing with "database is locked"; ``synchronous=NORMAL`` (durable at checkpoints, safe in WAL);
foreign keys on. Transactions are begun by us (the ``begin`` event): ``BEGIN IMMEDIATE`` for a
write, so it takes the write lock before its first read and never has to upgrade a stale read
snapshot (which SQLite refuses with SQLITE_BUSY at once, whatever the timeout); ``BEGIN`` for
a read.
"""

from __future__ import annotations

import enum
import math
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    URL,
    BigInteger,
    Dialect,
    Double,
    Engine,
    Enum,
    ForeignKey,
    Index,
    String,
    TypeDecorator,
    create_engine,
    event,
)
from sqlalchemy.engine import Connection
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.pool import ConnectionPoolEntry, StaticPool

from trimtab.spec.enums import (
    HyperParameterTuningJobStatus,
    ObjectiveStatus,
    SecondaryStatus,
    TrainingJobStatus,
)

SQLITE_BUSY_TIMEOUT_MS = 30_000
WRITE = "trimtab_write"  # execution option: begin with BEGIN IMMEDIATE (a write transaction)


class NanAsNull(TypeDecorator[float]):
    """A double where NULL stands for NaN, because SQLite stores a NaN REAL as NULL anyway."""

    impl = Double
    cache_ok = True

    def process_bind_param(self, value: float | None, dialect: Dialect) -> float | None:
        return None if value is None or math.isnan(value) else value

    def process_result_value(self, value: float | None, dialect: Dialect) -> float:
        return math.nan if value is None else float(value)


def float_to_json(value: float) -> float | str:
    """JSON has no NaN or infinity: write those as the strings `float()` parses back."""
    return value if math.isfinite(value) else repr(value)


def _enum_type(cls: type[enum.Enum]) -> Enum:
    # Store the SageMaker spelling ("InProgress"), not the Python member name.
    return Enum(cls, native_enum=False, length=32, values_callable=lambda e: [m.value for m in e])


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        float: Double,
        dict[str, Any]: JSON,
        HyperParameterTuningJobStatus: _enum_type(HyperParameterTuningJobStatus),
        TrainingJobStatus: _enum_type(TrainingJobStatus),
        SecondaryStatus: _enum_type(SecondaryStatus),
        ObjectiveStatus: _enum_type(ObjectiveStatus),
    }


class TuningJobRow(Base):
    __tablename__ = "tuning_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(63))
    key: Mapped[str] = mapped_column(String(63), unique=True)  # lower-cased name
    arn: Mapped[str] = mapped_column(String(256))
    request: Mapped[dict[str, Any]]
    base_dir: Mapped[str]
    seed: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[HyperParameterTuningJobStatus]
    creation_time: Mapped[float]
    last_modified_time: Mapped[float]
    end_time: Mapped[float | None]
    failure_reason: Mapped[str | None]
    stop_requested: Mapped[bool]
    completion_details: Mapped[dict[str, Any] | None]
    runtime_seconds: Mapped[float]
    lease_owner: Mapped[str | None]
    lease_expiry: Mapped[float | None]


class TrialRow(Base):
    __tablename__ = "trials"
    __table_args__ = (Index("ix_trials_job_index", "tuning_job_id", "index", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tuning_job_id: Mapped[int] = mapped_column(ForeignKey("tuning_jobs.id", ondelete="CASCADE"))
    index: Mapped[int]
    name: Mapped[str] = mapped_column(String(63))
    key: Mapped[str] = mapped_column(String(63), unique=True)  # lower-cased name
    hyperparameters: Mapped[dict[str, Any]]
    definition_name: Mapped[str | None]
    status: Mapped[TrainingJobStatus]
    secondary_status: Mapped[SecondaryStatus]
    objective_status: Mapped[ObjectiveStatus]
    creation_time: Mapped[float]
    start_time: Mapped[float | None]
    end_time: Mapped[float | None]
    last_modified_time: Mapped[float]
    handle: Mapped[str | None]
    failure_reason: Mapped[str | None]
    final_metrics: Mapped[dict[str, Any]]  # name -> [value (JSON float), timestamp]
    objective_metric: Mapped[str | None]  # the objective is this metric's final value
    retryable: Mapped[bool]
    attempts: Mapped[int]


class MetricRow(Base):
    __tablename__ = "metric_points"
    __table_args__ = (Index("ix_metric_points_trial_name", "trial_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)  # append order
    trial_id: Mapped[int] = mapped_column(ForeignKey("trials.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(255))
    value: Mapped[float] = mapped_column(NanAsNull, nullable=True)  # NULL is NaN
    timestamp: Mapped[float]


class TrainingJobStopRow(Base):
    """A requested StopTrainingJob: the tuner running the trial stops it."""

    __tablename__ = "training_job_stops"

    trial_id: Mapped[int] = mapped_column(
        ForeignKey("trials.id", ondelete="CASCADE"), primary_key=True
    )
    requested_time: Mapped[float]


class TagRow(Base):
    __tablename__ = "tags"
    __table_args__ = (Index("ix_tags_resource_key", "resource_arn", "key", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)  # the order keys were added in
    resource_arn: Mapped[str] = mapped_column(String(256))
    key: Mapped[str] = mapped_column(String(128))
    value: Mapped[str] = mapped_column(String(256))


def _sqlite_on_connect(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    # isolation_level=None stops the sqlite3 module from emitting its own BEGINs, so that
    # `_sqlite_on_begin` chooses BEGIN or BEGIN IMMEDIATE (SQLAlchemy's documented recipe).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")  # before WAL: may wait
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def _sqlite_on_begin(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE) else "BEGIN")


def make_engine(url: URL) -> Engine:
    """An engine for `url`; for SQLite, set up as this module's docstring says."""
    if url.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if url.database in (None, "", ":memory:"):
        # One connection shared by every thread, so there is one database; `SqlStore` serialises.
        engine = create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False})
    else:
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url)
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine
