"""The SageMaker-SDK-shaped Python API: the request it builds and a real run through it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.jobs import SCRIPTS
from trimtab import (
    CategoricalParameter,
    ContinuousParameter,
    Estimator,
    HyperparameterTuner,
    IntegerParameter,
    TrainingInput,
)
from trimtab.spec import parse_request
from trimtab.store import open_store


def tuner(tmp_path: Path, **kwargs: object) -> HyperparameterTuner:
    estimator = Estimator(
        entry_point="converge.py",
        source_dir=SCRIPTS,
        hyperparameters={"epochs": 2, "optimizer": "adam"},
        output_path=tmp_path / "out",
    )
    return HyperparameterTuner(
        estimator,
        "loss",
        {
            "x": ContinuousParameter(0.0, 1.0),
            "y": IntegerParameter(0, 5, scaling_type="Linear"),
            "z": CategoricalParameter(["a", 1]),
        },
        metric_definitions=[{"Name": "loss", "Regex": r"loss=([0-9.e+-]+)"}],
        objective_type="Minimize",
        max_jobs=3,
        max_parallel_jobs=2,
        random_seed=3,
        store=open_store(home=tmp_path / "home"),
        **kwargs,  # type: ignore[arg-type]
    )


def test_the_request_is_what_the_sagemaker_sdk_sends(tmp_path: Path) -> None:
    request = tuner(tmp_path).request(
        {"train": "data/train", "test": TrainingInput("data/test", content_type="text/csv")},
        "sdk-job",
    )
    parse_request(request)  # a valid CreateHyperParameterTuningJob body
    definition = request["TrainingJobDefinition"]
    static = definition["StaticHyperParameters"]
    assert static["epochs"] == "2" and static["optimizer"] == '"adam"'
    assert static["sagemaker_program"] == '"converge.py"'
    assert json.loads(static["sagemaker_submit_directory"]) == str(SCRIPTS.resolve())
    ranges = request["HyperParameterTuningJobConfig"]["ParameterRanges"]
    assert ranges["ContinuousParameterRanges"] == [
        {"Name": "x", "MinValue": "0.0", "MaxValue": "1.0", "ScalingType": "Auto"}
    ]
    assert ranges["CategoricalParameterRanges"] == [{"Name": "z", "Values": ['"a"', "1"]}]
    assert [c["ChannelName"] for c in definition["InputDataConfig"]] == ["train", "test"]
    assert definition["InputDataConfig"][1]["ContentType"] == "text/csv"
    assert request["HyperParameterTuningJobConfig"]["RandomSeed"] == 3


@pytest.mark.slow
def test_fit_runs_the_job_and_analytics_reads_it(tmp_path: Path) -> None:
    t = tuner(tmp_path)
    t.fit({"train": str(SCRIPTS)}, job_name="sdk-run")
    described = t.describe()
    assert described["HyperParameterTuningJobStatus"] == "Completed"
    assert described["TrainingJobStatusCounters"]["Completed"] == 3
    frame = t.analytics().dataframe()
    assert len(frame) == 3
    assert (
        t.best_training_job() == frame.sort_values("FinalObjectiveValue").iloc[0]["TrainingJobName"]
    )
    assert set(frame.columns) >= {"x", "y", "z", "TrainingJobName", "FinalObjectiveValue"}
    attached = HyperparameterTuner.attach("sdk-run", store=t.store)
    assert attached.best_training_job() == t.best_training_job()


def test_importing_trimtab_and_a_random_job_stay_light(tmp_path: Path) -> None:
    """torch and ray are heavy and optional: `import trimtab` and a Random job never import them."""
    code = (
        "import sys\n"
        "from tests.jobs import make_request\n"
        "from trimtab import service\n"
        "from trimtab.store import open_store\n"
        "store = open_store()\n"
        "request = make_request(max_jobs=1, static={'epochs': '1'})\n"
        "service.create_tuning_job(store, request, sys.argv[1])\n"
        "record = service.run_tuning_job(store, 't-job')\n"
        "heavy = ('torch', 'ray', 'botorch', 'pandas', 'sklearn', 'scipy')\n"
        "print(record.status, [m for m in heavy if m in sys.modules])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parent.parent,
    )
    assert done.stdout.strip() == "Completed []"
