"""End to end through the command line, as a user runs it: `trimtab seq2seq prepare`, then a
tuning job whose TrainingImage is SageMaker's seq2seq image, with two tiny training jobs."""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from tests.algorithms.seq2seq.helpers import TINY, reversed_digits, write_text

pytestmark = pytest.mark.slow

IMAGE = "811284229777.dkr.ecr.us-east-1.amazonaws.com/seq2seq:1"


def trimtab(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "trimtab", *args], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def channel(name: str) -> dict[str, object]:
    source = {"S3DataType": "S3Prefix", "S3Uri": f"data/{name}"}
    return {"ChannelName": name, "DataSource": {"S3DataSource": source}}


def test_a_tuning_job_of_seq2seq_training_jobs(tmp_path: Path) -> None:
    train = write_text(tmp_path / "text", "train", reversed_digits(300, 1))
    validation = write_text(tmp_path / "text", "val", reversed_digits(30, 2))
    trimtab(
        "seq2seq", "prepare", "--train-source", str(train[0]), "--train-target", str(train[1]),
        "--val-source", str(validation[0]), "--val-target", str(validation[1]),
        "--output", str(tmp_path / "data"),
    )  # fmt: skip
    request = {
        "HyperParameterTuningJobName": "s2s",
        "HyperParameterTuningJobConfig": {
            "Strategy": "Random",
            "RandomSeed": 3,
            "HyperParameterTuningJobObjective": {
                "Type": "Maximize", "MetricName": "validation:bleu",
            },
            "ResourceLimits": {"MaxNumberOfTrainingJobs": 2, "MaxParallelTrainingJobs": 2},
            "ParameterRanges": {
                "ContinuousParameterRanges": [
                    {"Name": "learning_rate", "MinValue": "0.003", "MaxValue": "0.01",
                     "ScalingType": "Logarithmic"},
                ],
                "CategoricalParameterRanges": [
                    {"Name": "rnn_attention_type", "Values": ["dot", "bilinear"]}
                ],
            },
        },
        "TrainingJobDefinition": {
            "StaticHyperParameters": {**TINY, "max_num_batches": "20"},
            "AlgorithmSpecification": {"TrainingImage": IMAGE, "TrainingInputMode": "File"},
            "RoleArn": "arn:aws:iam::000000000000:role/test",
            "InputDataConfig": [channel(c) for c in ("train", "validation", "vocab")],
            "OutputDataConfig": {"S3OutputPath": "output"},
            "ResourceConfig": {
                "InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 1,
            },
            "StoppingCondition": {"MaxRuntimeInSeconds": 120},
            "Environment": {"OMP_NUM_THREADS": "1"},
        },
    }  # fmt: skip
    (tmp_path / "job.json").write_text(json.dumps(request))
    trimtab("tune", str(tmp_path / "job.json"))
    described = json.loads(trimtab("describe", "s2s", "--json"))
    assert described["TrainingJobStatusCounters"]["Completed"] == 2, described
    best = described["BestTrainingJob"]
    assert 0 <= best["FinalHyperParameterTuningJobObjectiveMetric"]["Value"] <= 100
    model = tmp_path / "output" / best["TrainingJobName"] / "output" / "model.tar.gz"
    with tarfile.open(model) as archive:
        assert sorted(archive.getnames()) == [
            "hyperparameters.json", "model.pt", "vocab.src.json", "vocab.trg.json",
        ]  # fmt: skip
        packed = archive.extractfile("hyperparameters.json")
        assert packed is not None
        hyperparameters = json.loads(packed.read())
    assert hyperparameters["_tuning_objective_metric"] == "validation:bleu"
    assert hyperparameters["rnn_attention_type"] in ("dot", "bilinear")
    translated = trimtab(
        "seq2seq", "translate", "--model", str(model), "--input", str(validation[0])
    )
    assert translated.count("\n") == 30
