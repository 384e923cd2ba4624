"""Several real processes on one SQLite file: the tuner writes while `trimtab describe` reads."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from trimtab.spec.enums import HyperParameterTuningJobStatus
from trimtab.store import SqlStore, TuningJobRecord

WORKER = Path(__file__).with_name("store_worker.py")
JOB = "shared-job"


def start(role: str, tmp_path: Path, *args: object) -> subprocess.Popen[str]:
    # -W error: a ResourceWarning or any other warning in a worker fails the test too.
    command = [sys.executable, "-W", "error", str(WORKER), role, str(tmp_path / "trimtab.db")]
    command += [str(tmp_path / "home"), JOB, *map(str, args)]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def result(process: subprocess.Popen[str]) -> dict[str, Any]:
    stdout, stderr = process.communicate(timeout=90)
    assert process.returncode == 0, stderr
    assert stderr == ""
    parsed: dict[str, Any] = json.loads(stdout)
    return parsed


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlStore]:
    with SqlStore(f"sqlite:///{tmp_path / 'trimtab.db'}", tmp_path / "home") as opened:
        opened.create_tuning_job(
            TuningJobRecord(
                name=JOB,
                arn=f"arn:aws:sagemaker:local:0:hyper-parameter-tuning-job/{JOB}",
                request={},
                base_dir=str(tmp_path),
                seed=0,
                status=HyperParameterTuningJobStatus.IN_PROGRESS,
                creation_time=time.time(),
                last_modified_time=time.time(),
            )
        )
        yield opened


@pytest.mark.slow
def test_readers_see_a_writer_progress_without_errors(tmp_path: Path, store: SqlStore) -> None:
    n_trials, n_points = 8, 400  # 3,200 points in 1,000+ small write transactions
    readers = [start("reader", tmp_path) for _ in range(2)]
    writer = start("writer", tmp_path, n_trials, n_points, 3)
    assert result(writer) == {"trials": n_trials}
    for reader in readers:
        seen = result(reader)
        assert (seen["trials"], seen["points"]) == (n_trials, n_trials * n_points)
        assert seen["partial_polls"] > 0  # it really read while the writer was writing
    assert len(store.metrics(store.trials(JOB)[-1].training_job_name)) == n_points


def test_concurrent_add_trial_gets_distinct_indexes(tmp_path: Path, store: SqlStore) -> None:
    go = tmp_path / "go"
    ready = [tmp_path / f"ready-{i}" for i in range(2)]
    adders = [start("adder", tmp_path, 40, go, r) for r in ready]
    deadline = time.monotonic() + 30
    while not all(r.exists() for r in ready) and time.monotonic() < deadline:
        time.sleep(0.005)
    go.touch()
    indexes = [i for adder in adders for i in result(adder)["indexes"]]
    assert sorted(indexes) == list(range(1, 81))
    trials = store.trials(JOB)
    assert [t.index for t in trials] == list(range(1, 81))
    assert len({t.training_job_name for t in trials}) == 80
