"""The SQLite file across versions: a store written before the tags and training-job-stop tables
existed opens, gains them, and serves every method; deleting a job leaves no row behind."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import create_engine, insert

from tests.contracts.store import COMPLETED, FakeClock, record, started
from trimtab.arns import training_job_arn
from trimtab.spec.enums import (
    HyperParameterTuningJobStatus,
    ObjectiveStatus,
    SecondaryStatus,
    TrainingJobStatus,
)
from trimtab.store import SqlStore
from trimtab.store._sql_schema import Base, MetricRow, TrialRow, TuningJobRow
from trimtab.types import MetricPoint

NEW_TABLES = {"tags", "training_job_stops"}  # what this version added to the schema
OLD_TABLES = {"tuning_jobs", "trials", "metric_points"}
TRIAL = "old-job-001-0a0b0c0d"


def tables(path: Path) -> dict[str, int]:
    """Each table of the file and how many rows it holds."""
    conn = sqlite3.connect(path)
    try:
        names = [n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {n: conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}
    finally:
        conn.close()


def write_old_store(path: Path) -> None:
    """A store file as the previous version wrote it: the old tables only, holding one ended
    tuning job and one running training job with a metric point."""
    engine = create_engine(f"sqlite:///{path}")
    old = [t for name, t in Base.metadata.tables.items() if name not in NEW_TABLES]
    with engine.begin() as conn:
        Base.metadata.create_all(conn, tables=old)
        job = record("Old-Job", status=HyperParameterTuningJobStatus.COMPLETED)
        conn.execute(
            insert(TuningJobRow),
            {
                "id": 1,
                "name": job.name,
                "key": job.name.lower(),
                "arn": job.arn,
                "request": dict(job.request),
                "base_dir": job.base_dir,
                "seed": job.seed,
                "status": job.status,
                "creation_time": job.creation_time,
                "last_modified_time": job.last_modified_time,
                "stop_requested": False,
                "runtime_seconds": 0.0,
            },
        )
        conn.execute(
            insert(TrialRow),
            {
                "id": 1,
                "tuning_job_id": 1,
                "index": 1,
                "name": TRIAL,
                "key": TRIAL,
                "hyperparameters": {"lr": "0.1"},
                "status": TrainingJobStatus.IN_PROGRESS,
                "secondary_status": SecondaryStatus.TRAINING,
                "objective_status": ObjectiveStatus.PENDING,
                "creation_time": 20.0,
                "last_modified_time": 20.0,
                "final_metrics": {"loss": [1.5, 30.0]},
                "objective_metric": "loss",
                "retryable": False,
                "attempts": 1,
            },
        )
        conn.execute(
            insert(MetricRow), {"trial_id": 1, "name": "loss", "value": 1.5, "timestamp": 30.0}
        )
    engine.dispose()


def test_a_store_written_before_tags_and_stops_opens_and_works(tmp_path: Path) -> None:
    path = tmp_path / "trimtab.db"
    write_old_store(path)
    assert set(tables(path)) == OLD_TABLES
    clock = FakeClock()
    with SqlStore(f"sqlite:///{path}", tmp_path / "home", clock=clock) as store:
        assert set(tables(path)) == OLD_TABLES | NEW_TABLES  # created on opening
        job = store.tuning_job("old-job")
        assert (job.name, job.status) == ("Old-Job", HyperParameterTuningJobStatus.COMPLETED)
        assert store.trial(TRIAL).objective == 1.5

        assert store.lease_holder("old-job") is None
        assert store.acquire_lease("old-job", "tuner-1", ttl_seconds=30.0)
        assert store.lease_holder("old-job") == "tuner-1"

        assert store.request_training_job_stop(TRIAL.upper()).training_job_name == TRIAL
        assert store.training_job_stops("old-job") == {TRIAL}

        trial_arn = training_job_arn(job.arn, TRIAL)
        store.add_tags(job.arn, {"team": "ml", "env": "dev"})
        store.add_tags(trial_arn, {"trial": "1"})
        store.delete_tags(job.arn, ["env"])
        assert store.tags(job.arn) == {"team": "ml"}
        assert store.tags(trial_arn) == {"trial": "1"}

        store.delete_tuning_job("OLD-JOB")
        assert store.tuning_jobs() == []
        assert store.tags(job.arn) == store.tags(trial_arn) == {}
    assert tables(path) == dict.fromkeys(OLD_TABLES | NEW_TABLES, 0)  # cascades did the rest


def test_reopening_a_current_store_keeps_its_new_tables(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'trimtab.db'}"
    with SqlStore(url, tmp_path / "home") as store:
        store.create_tuning_job(record())
        name = started(store)
        store.request_training_job_stop(name)
        store.add_tags(record().arn, {"k": "v"})
    with SqlStore(url, tmp_path / "home") as reopened:
        assert reopened.training_job_stops("my-job") == {name}
        assert reopened.tags(record().arn) == {"k": "v"}


def test_delete_leaves_no_row_of_the_job(tmp_path: Path) -> None:
    path = tmp_path / "trimtab.db"
    with SqlStore(f"sqlite:///{path}", tmp_path / "home") as store:
        store.create_tuning_job(record())
        finished, running = started(store), started(store)
        store.add_metrics(finished, [MetricPoint("loss", 1.0, 1.0)], objective_metric="loss")
        store.finish(finished, COMPLETED)
        store.add_metrics(running, [MetricPoint("loss", 2.0, 1.0)], objective_metric="loss")
        store.request_training_job_stop(running)
        store.add_tags(record().arn, {"k": "v"})
        for name in (finished, running):
            store.add_tags(training_job_arn(record().arn, name), {"k": "v"})
        store.update_tuning_job("my-job", status=HyperParameterTuningJobStatus.FAILED)
        assert all(tables(path).values())  # every table holds rows of the job
        store.delete_tuning_job("my-job")
    assert tables(path) == dict.fromkeys(OLD_TABLES | NEW_TABLES, 0)
