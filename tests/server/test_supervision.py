"""The server runs the store's tuning jobs: those created over the API, those left InProgress by
a crash or a shutdown (resumed when it starts), but not one another tuner is running."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.jobs import make_request
from trimtab import service
from trimtab.store import open_store
from trimtab.testing.serving import Served, as_in_the_background

pytestmark = pytest.mark.slow

SLOW = {"epochs": "6", "sleep": "0.3"}  # about 2 s a training job


def status(client: Any, name: str) -> dict[str, Any]:
    described: dict[str, Any] = client.describe_hyper_parameter_tuning_job(
        HyperParameterTuningJobName=name
    )
    return described


def wait_until(check: Any, timeout: float = 120) -> None:
    """Until `check()` holds; a job not there yet (ResourceNotFound) is not yet what we wait for."""
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(ClientError):
            if check():
                return
        assert time.monotonic() < deadline
        time.sleep(0.25)


def request(allowed: Path, name: str, **changes: Any) -> dict[str, Any]:
    body = make_request(name, **changes)
    body["TrainingJobDefinition"]["OutputDataConfig"]["S3OutputPath"] = str(allowed / "out")
    return body


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_a_job_the_server_was_running_is_resumed_when_it_starts_again(
    server: Served, allowed: Path, how: signal.Signals
) -> None:
    client = server.client()
    client.create_hyper_parameter_tuning_job(
        **request(allowed, "resumed", max_jobs=6, max_parallel=2, static=SLOW)
    )
    wait_until(lambda: status(client, "resumed")["TrainingJobStatusCounters"]["Completed"] >= 1)
    assert server.stop(how=how) == 130  # Ctrl-C or SIGTERM: the job is put aside, not stopped
    assert server.log is not None and "Traceback" not in server.log.read_text()
    with open_store(home=server.home) as store:
        assert str(store.tuning_job("resumed").status) == "InProgress"
        assert store.lease_holder("resumed") is None
    server.start()
    client = server.client()
    wait_until(lambda: status(client, "resumed")["HyperParameterTuningJobStatus"] == "Completed")
    counters = status(client, "resumed")["TrainingJobStatusCounters"]
    assert counters["Completed"] + counters["Stopped"] == 6


def test_after_a_crash_the_job_is_taken_up_once_its_tuner_is_gone(
    server: Served, allowed: Path
) -> None:
    client = server.client()
    client.create_hyper_parameter_tuning_job(
        **request(allowed, "crashed", max_jobs=3, max_parallel=1, static=SLOW)
    )
    wait_until(lambda: status(client, "crashed")["TrainingJobStatusCounters"]["InProgress"] == 1)
    assert server.process is not None
    os.killpg(server.process.pid, signal.SIGKILL)  # the server and its tuner, at once
    server.process.wait()
    server.start()
    client = server.client()
    wait_until(lambda: status(client, "crashed")["HyperParameterTuningJobStatus"] == "Completed")
    assert len(client.list_training_jobs_for_hyper_parameter_tuning_job(
        HyperParameterTuningJobName="crashed"
    )["TrainingJobSummaries"]) == 3  # fmt: skip


def test_a_job_another_tuner_runs_is_left_to_it_and_one_created_elsewhere_is_run(
    server: Served, allowed: Path, tmp_path: Path
) -> None:
    job_file = tmp_path / "job.json"
    body = make_request("by-the-cli", script="hang.py", max_jobs=1)
    body["TrainingJobDefinition"]["OutputDataConfig"]["S3OutputPath"] = str(tmp_path / "out")
    # it must hang until the end of the test, however slow the machine: not end at 60 s
    body["TrainingJobDefinition"]["StoppingCondition"]["MaxRuntimeInSeconds"] = 3600
    job_file.write_text(json.dumps(body))
    env = {**os.environ, "TRIMTAB_HOME": str(server.home), "TRIMTAB_STOP_GRACE_SECONDS": "1"}
    cli = subprocess.Popen(
        [sys.executable, "-m", "trimtab", "tune", str(job_file)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=as_in_the_background,
    )
    try:
        client = server.client()
        wait_until(
            lambda: status(client, "by-the-cli")["TrainingJobStatusCounters"]["InProgress"] == 1
        )
        with open_store(home=server.home) as store:
            service.create_tuning_job(store, request(allowed, "by-a-script", max_jobs=2), tmp_path)
        wait_until(
            lambda: status(client, "by-a-script")["HyperParameterTuningJobStatus"] == "Completed"
        )
        assert not (server.home / "tuners" / "by-the-cli.log").exists()
        assert (server.home / "tuners" / "by-a-script.log").exists()
    finally:
        cli.send_signal(signal.SIGINT)
        assert cli.wait(60) == 130
