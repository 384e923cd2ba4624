"""Hyperband and early stopping with real training processes: losers get SIGTERM and end
Stopped, winners run to MaxResource, and `describe` reports it all."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.jobs import make_request

pytestmark = pytest.mark.slow


def trimtab(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "trimtab", *args], capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def tune(tmp_path: Path, request: dict[str, Any]) -> list[dict[str, Any]]:
    job = tmp_path / "job.json"
    job.write_text(json.dumps(request))
    trimtab("tune", str(job))
    name = request["HyperParameterTuningJobName"]
    return json.loads(trimtab("training-jobs", name, "--json"))["TrainingJobSummaries"]  # type: ignore[no-any-return]


def epochs_reported(tmp_path: Path, summary: dict[str, Any]) -> int:
    log = trimtab("logs", summary["TrainingJobName"])
    return sum(line.startswith("epoch=") for line in log.splitlines())


def test_hyperband_stops_losers_with_sigterm(tmp_path: Path) -> None:
    request = make_request(
        "hb",
        strategy="Hyperband",
        max_jobs=8,
        max_parallel=2,
        static={"epochs": "9", "sleep": "0.05"},
    )
    request["HyperParameterTuningJobConfig"]["StrategyConfig"] = {
        "HyperbandStrategyConfig": {"MinResource": 1}
    }
    summaries = tune(tmp_path, request)
    statuses = [s["TrainingJobStatus"] for s in summaries]
    assert set(statuses) <= {"Completed", "Stopped"} and "Stopped" in statuses
    for s in summaries:
        reported = epochs_reported(tmp_path, s)
        if s["TrainingJobStatus"] == "Completed":
            assert reported == 9
        else:
            assert reported < 9
        assert s["ObjectiveStatus"] == "Succeeded"
    described = json.loads(trimtab("describe", "hb", "--json"))
    assert described["HyperParameterTuningJobStatus"] == "Completed"
    assert described["TrainingJobStatusCounters"]["Stopped"] == statuses.count("Stopped")


def test_completion_criteria_end_the_job_early(tmp_path: Path) -> None:
    request = make_request("target", max_jobs=30, max_parallel=1, static={"epochs": "1"})
    request["HyperParameterTuningJobConfig"]["TuningJobCompletionCriteria"] = {
        "BestObjectiveNotImproving": {"MaxNumberOfTrainingJobsNotImproving": 3},
        "TargetObjectiveMetricValue": 0.05,
    }
    summaries = tune(tmp_path, request)
    described = json.loads(trimtab("describe", "target", "--json"))
    assert described["HyperParameterTuningJobStatus"] == "Completed"
    assert len(summaries) < 30
    assert "NumberOfTrainingJobsObjectiveNotImproving" in described["TuningJobCompletionDetails"]
