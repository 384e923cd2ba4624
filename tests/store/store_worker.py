"""A separate process working on a store file, for tests/store/test_store_processes.py.

Run as ``python store_worker.py ROLE DB HOME JOB [ARGS...]``; it prints one JSON line with what
it saw and exits non-zero (with a traceback) on any exception or warning (run with ``-W error``).

Roles:
- ``writer N_TRIALS N_POINTS BATCH``: adds trials one by one, each with N_POINTS metric points
  (values 0, 1, 2, ...) in transactions of BATCH points, finishes it, then marks the job Completed.
- ``reader``: polls the job until it is Completed, checking that what it sees only grows.
- ``adder N GO_FILE READY_FILE``: touches READY_FILE, waits for GO_FILE, adds N trials.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from trimtab.spec.enums import (
    HyperParameterTuningJobStatus,
    ObjectiveStatus,
    SecondaryStatus,
    TrainingJobStatus,
)
from trimtab.store import Finish, SqlStore
from trimtab.types import MetricPoint

COMPLETED = Finish(
    status=TrainingJobStatus.COMPLETED,
    secondary_status=SecondaryStatus.COMPLETED,
    objective_status=ObjectiveStatus.SUCCEEDED,
    end_time=0.0,
)


def write(store: SqlStore, job: str, n_trials: int, n_points: int, batch: int) -> dict[str, int]:
    for _ in range(n_trials):
        name = store.add_trial(job, {"x": "1"}, None, time.time()).training_job_name
        store.set_handle(name, "pid:0", time.time())
        for start in range(0, n_points, batch):
            values = range(start, min(start + batch, n_points))
            points = [MetricPoint("loss", float(v), time.time()) for v in values]
            store.add_metrics(name, points, objective_metric="loss")
        store.finish(name, COMPLETED)
    store.update_tuning_job(
        job, status=HyperParameterTuningJobStatus.COMPLETED, end_time=time.time()
    )
    return {"trials": n_trials}


def read(store: SqlStore, job: str) -> dict[str, int]:
    """Poll until the writer is done; every read must extend the previous one."""
    seen_points: dict[str, int] = {}
    n_trials = polls = partial_polls = 0
    done = False
    while not done:
        done = store.tuning_job(job).status is HyperParameterTuningJobStatus.COMPLETED
        trials = store.trials(job)
        if [t.index for t in trials] != list(range(1, len(trials) + 1)):
            raise AssertionError(f"indexes not 1..n: {[t.index for t in trials]}")
        if len(trials) < n_trials:
            raise AssertionError(f"trials shrank from {n_trials} to {len(trials)}")
        n_trials = len(trials)
        for trial in trials:
            points = store.metrics(trial.training_job_name)
            if [p.value for p in points] != [float(v) for v in range(len(points))]:
                raise AssertionError(f"{trial.training_job_name}: points out of order")
            if len(points) < seen_points.get(trial.training_job_name, 0):
                raise AssertionError(f"{trial.training_job_name}: points disappeared")
            seen_points[trial.training_job_name] = len(points)
            if trial.objective is not None and trial.objective > len(points) - 1:
                raise AssertionError("objective ahead of points read later")
        polls += 1
        partial_polls += not done
    return {"trials": n_trials, "points": sum(seen_points.values()), "polls": polls,
            "partial_polls": partial_polls}  # fmt: skip


def add(store: SqlStore, job: str, n: int, go_file: Path, ready_file: Path) -> dict[str, object]:
    ready_file.touch()
    while not go_file.exists():
        time.sleep(0.001)
    return {"indexes": [store.add_trial(job, {}, None, time.time()).index for _ in range(n)]}


def main(argv: list[str]) -> None:
    role, db, home, job, *args = argv
    with SqlStore(f"sqlite:///{db}", home) as store:
        if role == "writer":
            result: dict[str, object] = dict(write(store, job, *map(int, args)))
        elif role == "reader":
            result = dict(read(store, job))
        elif role == "adder":
            result = add(store, job, int(args[0]), Path(args[1]), Path(args[2]))
        else:
            raise SystemExit(f"unknown role {role!r}")
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
