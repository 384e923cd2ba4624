"""Request bodies for tests (script-mode tuning jobs over tests/scripts/), and running one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from trimtab import service
from trimtab.backends.base import Backend
from trimtab.settings import Settings
from trimtab.store.base import Store
from trimtab.testing import FakeClock
from trimtab.tuner import Clock, Tuner

SCRIPTS = Path(__file__).parent / "scripts"
SKLEARN_IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"


def make_request(
    name: str = "t-job",
    script: str = "converge.py",
    strategy: str = "Random",
    max_jobs: int | None = 4,
    max_parallel: int = 2,
    objective: str = "Minimize",
    metric_regex: str = r"loss=([-+0-9.eEnaNinf]+)",
    ranges: dict[str, Any] | None = None,
    static: dict[str, str] | None = None,
    seed: int | None = 1,
    **definition: Any,
) -> dict[str, Any]:
    """A CreateHyperParameterTuningJob body running one of tests/scripts/ (script mode)."""
    limits: dict[str, int] = {"MaxParallelTrainingJobs": max_parallel}
    if max_jobs is not None:
        limits["MaxNumberOfTrainingJobs"] = max_jobs
    config: dict[str, Any] = {
        "Strategy": strategy,
        "HyperParameterTuningJobObjective": {"Type": objective, "MetricName": "loss"},
        "ResourceLimits": limits,
        "ParameterRanges": ranges
        if ranges is not None
        else {
            "ContinuousParameterRanges": [{"Name": "x", "MinValue": "0", "MaxValue": "1"}],
            "IntegerParameterRanges": [{"Name": "y", "MinValue": "0", "MaxValue": "5"}],
        },
    }
    if seed is not None:
        config["RandomSeed"] = seed
    return {
        "HyperParameterTuningJobName": name,
        "HyperParameterTuningJobConfig": config,
        "TrainingJobDefinition": {
            "StaticHyperParameters": {
                "sagemaker_program": json.dumps(script),
                "sagemaker_submit_directory": json.dumps(str(SCRIPTS)),
                **(static or {}),
            },
            "AlgorithmSpecification": {
                "TrainingImage": SKLEARN_IMAGE,
                "TrainingInputMode": "File",
                "MetricDefinitions": [{"Name": "loss", "Regex": metric_regex}],
            },
            "RoleArn": "arn:aws:iam::000000000000:role/test",
            "InputDataConfig": [
                {
                    "ChannelName": "train",
                    "DataSource": {
                        "S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": str(SCRIPTS)}
                    },
                }
            ],
            "OutputDataConfig": {"S3OutputPath": "output"},
            "ResourceConfig": {
                "InstanceType": "ml.m5.large",
                "InstanceCount": 1,
                "VolumeSizeInGB": 1,
            },
            "StoppingCondition": {"MaxRuntimeInSeconds": 60},
            **definition,
        },
    }


def run(
    store: Store,
    request: dict[str, Any],
    backend: Backend,
    clock: FakeClock | None = None,
    base: Path | None = None,
) -> Tuner:
    """Create the tuning job and run it to its end on `backend`, on a clock that moves only when
    the tuner sleeps; returns the tuner."""
    record = service.create_tuning_job(store, request, base or Path.cwd())
    clock = clock or FakeClock()
    tuner = service.make_tuner(
        store, record.name, backend, Settings(poll_interval=1.0), Clock(clock.now, clock.sleep)
    )
    tuner.run()
    return tuner
