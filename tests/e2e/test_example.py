"""The bundled example, as the README's first command runs it: 8 training jobs of the digits
MLP, 2 at a time, then `describe --json` shows 8 completed jobs and the right best job."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

EXAMPLE = Path(__file__).parent.parent.parent / "examples" / "sklearn-digits"


def trimtab(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "trimtab", *args], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_example_tunes_digits_to_a_good_model(tmp_path: Path) -> None:
    example = tmp_path / "sklearn-digits"
    shutil.copytree(EXAMPLE, example, ignore=shutil.ignore_patterns("data", "output"))
    subprocess.run(
        [sys.executable, str(example / "prepare_data.py")], check=True, capture_output=True
    )

    trimtab("tune", str(example / "job.json"), "--name", "digits")
    described = json.loads(trimtab("describe", "digits", "--json"))
    assert described["HyperParameterTuningJobStatus"] == "Completed"
    assert described["TrainingJobStatusCounters"]["Completed"] == 8
    assert described["ObjectiveStatusCounters"]["Succeeded"] == 8

    summaries = json.loads(trimtab("training-jobs", "digits", "--json"))["TrainingJobSummaries"]
    values = {
        s["TrainingJobName"]: s["FinalHyperParameterTuningJobObjectiveMetric"]["Value"]
        for s in summaries
    }
    best = described["BestTrainingJob"]
    assert best["FinalHyperParameterTuningJobObjectiveMetric"]["Value"] == max(values.values())
    assert values[best["TrainingJobName"]] == max(values.values())  # Maximize
    assert max(values.values()) > 0.95
    assert (example / "output" / best["TrainingJobName"] / "output" / "model.tar.gz").is_file()
