"""The algorithm under the tuner, as a user runs it: `trimtab tune` on a job naming the
`image-classification` image, then `describe` and `predict` on the best model."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

IMAGE = "811284229777.dkr.ecr.us-east-1.amazonaws.com/image-classification:1"


def trimtab(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "trimtab", *args], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def request(data: Path, output: Path) -> dict[str, object]:
    channel = {"S3DataType": "S3Prefix", "S3DataDistributionType": "FullyReplicated"}
    return {
        "HyperParameterTuningJobName": "ic",
        "HyperParameterTuningJobConfig": {
            "Strategy": "Random",
            "RandomSeed": 3,
            "HyperParameterTuningJobObjective": {
                "Type": "Maximize",
                "MetricName": "validation:accuracy",
            },
            "ResourceLimits": {"MaxNumberOfTrainingJobs": 2, "MaxParallelTrainingJobs": 2},
            "ParameterRanges": {
                "ContinuousParameterRanges": [
                    {"Name": "learning_rate", "MinValue": "0.01", "MaxValue": "0.05"}
                ],
                "CategoricalParameterRanges": [{"Name": "optimizer", "Values": ["sgd", "nag"]}],
            },
        },
        "TrainingJobDefinition": {
            "StaticHyperParameters": {
                "num_classes": "10",
                "num_training_samples": "30",
                "num_layers": "20",
                "image_shape": "1,8,8",
                "mini_batch_size": "8",
                "epochs": "2",
            },
            "AlgorithmSpecification": {"TrainingImage": IMAGE, "TrainingInputMode": "File"},
            "RoleArn": "arn:aws:iam::000000000000:role/test",
            "InputDataConfig": [
                {
                    "ChannelName": name,
                    "ContentType": "application/x-recordio",
                    "DataSource": {"S3DataSource": channel | {"S3Uri": str(data / name)}},
                }
                for name in ("train", "validation")
            ],
            "OutputDataConfig": {"S3OutputPath": str(output)},
            "ResourceConfig": {
                "InstanceType": "ml.m5.large",
                "InstanceCount": 1,
                "VolumeSizeInGB": 1,
            },
            "StoppingCondition": {"MaxRuntimeInSeconds": 120},
        },
    }


def test_two_training_jobs_under_the_tuner(
    small_digits: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRIMTAB_DATA_WORKERS", "0")
    monkeypatch.setenv("OMP_NUM_THREADS", "1")  # two jobs share two cores
    job = tmp_path / "job.json"
    job.write_text(json.dumps(request(small_digits / "packed", tmp_path / "output")))
    trimtab("tune", str(job))
    described = json.loads(trimtab("describe", "ic", "--json"))
    assert described["HyperParameterTuningJobStatus"] == "Completed"
    assert described["TrainingJobStatusCounters"]["Completed"] == 2
    assert described["ObjectiveStatusCounters"]["Succeeded"] == 2
    metrics = described["TrainingJobDefinition"]["AlgorithmSpecification"]["MetricDefinitions"]
    assert {m["Name"] for m in metrics} >= {"validation:accuracy", "train:accuracy"}
    best = described["BestTrainingJob"]
    model = tmp_path / "output" / best["TrainingJobName"] / "output" / "model.tar.gz"
    image = next((small_digits / "images").rglob("*.png"))
    predicted = json.loads(trimtab("image-classification", "predict", str(model), str(image)))
    assert len(predicted["prediction"]) == 10
