"""The `trimtab` command end to end: real training processes, a real SQLite store, real exit
codes and output, a second terminal reading and stopping while a job runs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path
from typing import Any

import pytest

from tests.jobs import make_request
from trimtab.testing.serving import as_in_the_background

pytestmark = pytest.mark.slow


def trimtab(
    *args: str, check: bool = True, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TRIMTAB_STOP_GRACE_SECONDS": "2"}
    done = subprocess.run(
        [sys.executable, "-m", "trimtab", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )
    if check:
        assert done.returncode == 0, done.stderr
    return done


def start(output: Path, *args: str) -> subprocess.Popen[bytes]:
    """`trimtab` in the background, its output to a file (a pipe nobody reads can fill up), with
    SIGINT ignored as a background shell would leave it: its Ctrl-C must work all the same."""
    env = {**os.environ, "TRIMTAB_STOP_GRACE_SECONDS": "2"}
    with output.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "trimtab", *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            preexec_fn=as_in_the_background,
        )


def end(process: subprocess.Popen[bytes], script: str) -> None:
    """Kill the tuner if a test failed half-way, and any training process it left behind."""
    process.kill()
    process.wait()
    subprocess.run(["pkill", "-9", "-f", script], check=False)


def write_job(tmp_path: Path, request: dict[str, Any], name: str = "job.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(request))
    return path


def describe(name: str) -> dict[str, Any]:
    return json.loads(trimtab("describe", name, "--json").stdout)  # type: ignore[no-any-return]


def wait_for(predicate: Any, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def test_random_job_of_eight_with_two_in_parallel(tmp_path: Path) -> None:
    job = write_job(
        tmp_path, make_request("eight", max_jobs=8, max_parallel=2, static={"epochs": "3"})
    )
    tuned = trimtab("tune", str(job))
    assert "Best training job" in tuned.stdout

    described = describe("eight")
    assert described["HyperParameterTuningJobStatus"] == "Completed"
    assert described["TrainingJobStatusCounters"] == {
        "Completed": 8,
        "InProgress": 0,
        "RetryableError": 0,
        "NonRetryableError": 0,
        "Stopped": 0,
    }
    assert described["ObjectiveStatusCounters"] == {"Succeeded": 8, "Pending": 0, "Failed": 0}
    assert (
        described["TrainingJobDefinition"]["StaticHyperParameters"]["_tuning_objective_metric"]
        == "loss"
    )

    summaries = json.loads(trimtab("training-jobs", "eight", "--json").stdout)[
        "TrainingJobSummaries"
    ]
    assert len(summaries) == 8
    best = min(summaries, key=lambda s: s["FinalHyperParameterTuningJobObjectiveMetric"]["Value"])
    assert described["BestTrainingJob"]["TrainingJobName"] == best["TrainingJobName"]
    by_value = json.loads(
        trimtab("training-jobs", "eight", "--json", "--sort-by", "FinalObjectiveMetricValue").stdout
    )["TrainingJobSummaries"]
    assert by_value[0]["TrainingJobName"] == best["TrainingJobName"]

    # at most two ran at once
    intervals = sorted((s["TrainingStartTime"], s["TrainingEndTime"]) for s in summaries)
    for i, (begin, _) in enumerate(intervals):
        assert sum(b <= begin < e for b, e in intervals[:i]) <= 1

    model = tmp_path / "output" / best["TrainingJobName"] / "output" / "model.tar.gz"
    with tarfile.open(model) as archive:
        assert archive.getnames()

    log = trimtab("logs", best["TrainingJobName"]).stdout
    assert "loss=" in log
    csv_rows = trimtab("analytics", "eight").stdout.strip().splitlines()
    assert len(csv_rows) == 9 and "FinalObjectiveValue" in csv_rows[0]
    assert "eight" in trimtab("list").stdout


@pytest.mark.parametrize(
    ("script", "status", "objective_status", "reason"),
    [
        ("crash.py", "Failed", "Failed", "learning rate too high, loss diverged"),
        ("crash_no_failure_file.py", "Failed", "Failed", "exited with code 1"),
        ("hang.py", "Stopped", "Succeeded", None),
        ("noisy.py", "Completed", "Succeeded", None),
        ("flood.py", "Completed", "Succeeded", None),
        ("no_metric.py", "Completed", "Failed", "without reporting the objective metric 'loss'"),
        ("nan_metric.py", "Completed", "Failed", "nan"),
    ],
)
def test_faulty_training_scripts_end_with_the_right_status(
    tmp_path: Path, script: str, status: str, objective_status: str, reason: str | None
) -> None:
    request = make_request("faulty", script=script, max_jobs=2, max_parallel=2)
    request["TrainingJobDefinition"]["StoppingCondition"]["MaxRuntimeInSeconds"] = 3
    done = trimtab("tune", str(write_job(tmp_path, request)), check=False, timeout=90)
    assert "Traceback" not in done.stderr
    summaries = json.loads(trimtab("training-jobs", "faulty", "--json").stdout)[
        "TrainingJobSummaries"
    ]
    assert [s["TrainingJobStatus"] for s in summaries] == [status, status]
    assert [s["ObjectiveStatus"] for s in summaries] == [objective_status, objective_status]
    if reason is not None:
        assert all(reason in s["FailureReason"] for s in summaries)
    described = describe("faulty")
    ended = "Completed" if objective_status == "Succeeded" else "Failed"
    assert described["HyperParameterTuningJobStatus"] == ended
    assert done.returncode == (0 if ended == "Completed" else 1)


def running_jobs(name: str) -> int:
    done = trimtab("describe", name, "--json", check=False)
    if done.returncode != 0:  # not created yet
        return 0
    return int(json.loads(done.stdout)["TrainingJobStatusCounters"]["InProgress"])


def never_timing_out(request: dict[str, Any]) -> dict[str, Any]:
    """The request with a training-job runtime limit no slow machine reaches: a stop test must
    see its jobs running, not ended by MaxRuntimeInSeconds while it waits for them."""
    request["TrainingJobDefinition"]["StoppingCondition"]["MaxRuntimeInSeconds"] = 3600
    return request


@pytest.mark.timeout(360)
def test_stop_from_another_terminal_while_describe_reads_live(tmp_path: Path) -> None:
    request = never_timing_out(make_request("long", script="hang.py", max_jobs=6, max_parallel=2))
    tune = start(tmp_path / "tune.log", "tune", str(write_job(tmp_path, request)))
    try:
        wait_for(lambda: running_jobs("long") == 2, timeout=120)
        for _ in range(10):  # a second terminal reads while the tuner writes
            assert describe("long")["HyperParameterTuningJobStatus"] == "InProgress"
        trimtab("stop", "long")
        assert tune.wait(timeout=120) == 130
    finally:
        end(tune, "hang.py")
    described = describe("long")
    assert described["HyperParameterTuningJobStatus"] == "Stopped"
    assert described["TrainingJobStatusCounters"]["Stopped"] == 2
    assert described["ObjectiveStatusCounters"]["Succeeded"] == 2  # hang.py printed one loss line


@pytest.mark.timeout(360)
def test_ctrl_c_stops_training_jobs_cleanly(tmp_path: Path) -> None:
    request = never_timing_out(
        make_request("interrupted", script="ignore_sigterm.py", max_jobs=4, max_parallel=2)
    )
    tune = start(tmp_path / "tune.log", "tune", str(write_job(tmp_path, request)))
    try:
        wait_for(lambda: running_jobs("interrupted") == 2, timeout=120)
        tune.send_signal(signal.SIGINT)
        assert tune.wait(timeout=120) == 130
        # the scripts ignore SIGTERM: they were killed after the grace period, none is left
        left = subprocess.run(["pgrep", "-f", "ignore_sigterm.py"], capture_output=True)
        assert left.stdout.strip() == b""
    finally:
        end(tune, "ignore_sigterm.py")
    described = describe("interrupted")
    assert described["HyperParameterTuningJobStatus"] == "Stopped"
    assert described["TrainingJobStatusCounters"]["Stopped"] == 2


def test_same_seed_gives_the_same_configurations_in_another_process(tmp_path: Path) -> None:
    tuned = []
    for name in ("seeded-a", "seeded-b"):
        request = make_request(name, max_jobs=3, max_parallel=1, seed=42, static={"epochs": "1"})
        trimtab("tune", str(write_job(tmp_path, request, f"{name}.json")))
        summaries = json.loads(trimtab("training-jobs", name, "--json").stdout)[
            "TrainingJobSummaries"
        ]
        tuned.append([s["TunedHyperParameters"] for s in summaries])
    assert tuned[0] == tuned[1]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "Malformed"),
        (json.dumps({**make_request(), "Bogus": 1}), "Bogus"),
        (json.dumps(make_request(max_parallel=0)), "MaxParallelTrainingJobs"),
        (json.dumps(make_request(script="missing.py")), "missing.py"),
        (
            json.dumps(
                make_request(
                    ranges={
                        "ContinuousParameterRanges": [
                            {"Name": "x", "MinValue": "2", "MaxValue": "1"}
                        ]
                    }
                )
            ),
            "MinValue",
        ),
    ],
)
def test_bad_job_files_fail_clearly_and_write_nothing(
    tmp_path: Path, content: str, message: str
) -> None:
    job = tmp_path / "job.json"
    job.write_text(content)
    done = trimtab("tune", str(job), check=False)
    assert done.returncode == 1
    assert "ValidationException" in done.stderr and message in done.stderr
    assert "Traceback" not in done.stderr
    assert json.loads(trimtab("list", "--json").stdout) == {"HyperParameterTuningJobSummaries": []}


def test_missing_channel_folder_is_refused(tmp_path: Path) -> None:
    request = make_request()
    request["TrainingJobDefinition"]["InputDataConfig"][0]["DataSource"]["S3DataSource"][
        "S3Uri"
    ] = "nowhere/train"
    done = trimtab("tune", str(write_job(tmp_path, request)), check=False)
    assert (
        done.returncode == 1
        and "nowhere/train" in done.stderr
        and "InputDataConfig.0" in done.stderr
    )


def test_unknown_names_are_clear_errors() -> None:
    done = trimtab("describe", "nope", check=False)
    assert done.returncode == 1
    assert (
        "ResourceNotFound: Amazon SageMaker can't find a tuning job called nope"
        in done.stderr.replace("\n", " ")
    )
    done = trimtab("logs", "nope-001-deadbeef", check=False)
    assert done.returncode == 1 and "Requested resource not found." in done.stderr
