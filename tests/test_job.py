"""A request given its local meaning: definitions with their own objectives and spaces, the
job's limits, and the RunSpec each training job gets."""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import pytest

from tests.jobs import make_request
from trimtab.errors import ValidationError
from trimtab.job import Job
from trimtab.settings import Settings
from trimtab.spec import parse_request
from trimtab.spec.enums import ObjectiveStatus, ObjectiveType, SecondaryStatus, TrainingJobStatus
from trimtab.types import Trial

ARN = "arn:aws:sagemaker:eu-west-1:000000000000:hyper-parameter-tuning-job/t-job"


def job(body: dict[str, Any]) -> Job:
    return Job(parse_request(body), Path.cwd(), ARN, seed=3)


def trial(definition: str | None = None, **hyperparameters: str) -> Trial:
    return Trial(
        tuning_job_name="t-job",
        index=1,
        training_job_name="t-job-001-0a0b0c0d",
        hyperparameters=hyperparameters,
        definition_name=definition,
        status=TrainingJobStatus.IN_PROGRESS,
        secondary_status=SecondaryStatus.STARTING,
        objective_status=ObjectiveStatus.PENDING,
        creation_time=0.0,
        attempts=1,
    )


def multi_definition() -> dict[str, Any]:
    body = make_request()
    config = body["HyperParameterTuningJobConfig"]
    del config["HyperParameterTuningJobObjective"], config["ParameterRanges"]
    single = body.pop("TrainingJobDefinition")
    fast = {
        **copy.deepcopy(single),
        "DefinitionName": "fast",
        "TuningObjective": {"Type": "Maximize", "MetricName": "loss"},
        "HyperParameterRanges": {
            "CategoricalParameterRanges": [{"Name": "opt", "Values": ["a", "b"]}]
        },
    }
    slow = {
        **copy.deepcopy(single),
        "DefinitionName": "slow",
        "TuningObjective": {"Type": "Minimize", "MetricName": "loss"},
        "HyperParameterRanges": {
            "IntegerParameterRanges": [{"Name": "depth", "MinValue": "1", "MaxValue": "4"}]
        },
        "RetryStrategy": {"MaximumRetryAttempts": 2},
    }
    body["TrainingJobDefinitions"] = [fast, slow]
    return body


def test_each_definition_has_its_own_objective_space_and_retries() -> None:
    resolved = job(multi_definition())
    assert list(resolved.definitions) == ["fast", "slow"]
    fast, slow = resolved.definitions["fast"], resolved.definitions["slow"]
    assert fast.objective.direction is ObjectiveType.MAXIMIZE and fast.space.names == ("opt",)
    assert slow.objective.loss(2.0) == 2.0 and fast.objective.loss(2.0) == -2.0
    assert slow.space.names == ("depth",)
    assert resolved.max_attempts(trial("slow")) == 3 and resolved.max_attempts(trial("fast")) == 1


def test_grid_runs_every_combination_when_no_job_count_is_given() -> None:
    body = make_request(
        strategy="Grid",
        max_jobs=None,
        ranges={"CategoricalParameterRanges": [{"Name": "a", "Values": ["1", "2", "3"]}]},
    )
    assert job(body).max_jobs == 3


def test_hyperband_reads_max_resource_from_the_epochs() -> None:
    body = make_request(strategy="Hyperband", static={"epochs": "27"})
    body["HyperParameterTuningJobConfig"]["StrategyConfig"] = {
        "HyperbandStrategyConfig": {"MinResource": 3}
    }
    resolved = job(body)
    assert resolved.definitions[None].max_resource == 27 and resolved.min_resource == 3


def test_a_built_in_algorithms_objective_must_be_one_of_its_metrics() -> None:
    body = make_request(metric_regex="unused")
    body["TrainingJobDefinition"]["AlgorithmSpecification"] = {
        "TrainingImage": "image-classification",
        "TrainingInputMode": "File",
    }
    body["HyperParameterTuningJobConfig"]["HyperParameterTuningJobObjective"] = {
        "Type": "Maximize",
        "MetricName": "validation:bleu",
    }
    with pytest.raises(ValidationError, match="the image-classification algorithm reports"):
        job(body)


def test_a_run_spec_holds_the_contract_of_one_training_job(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    body = make_request(
        max_parallel=2, static={"epochs": "5"}, Environment={"MKL_NUM_THREADS": "1"}
    )
    body["TrainingJobDefinition"]["OutputDataConfig"]["CompressionType"] = "NONE"
    resolved = job(body)
    run = resolved.run_spec(
        trial(x="0.5", y="3"), "/jobs/t", "/jobs/t/training.log", Settings(stop_grace_seconds=7)
    )
    assert run.hyperparameters["_tuning_objective_metric"] == "loss"
    assert (run.hyperparameters["x"], run.hyperparameters["epochs"]) == ("0.5", "5")
    assert (
        run.training_job_arn
        == "arn:aws:sagemaker:eu-west-1:000000000000:training-job/t-job-001-0a0b0c0d"
    )
    assert run.region == "eu-west-1"
    assert run.environment == {"OMP_NUM_THREADS": "4", "MKL_NUM_THREADS": "1"}  # the job's wins
    assert (run.compress_model, run.max_runtime_seconds, run.stop_grace_seconds) == (False, 60, 7)
    assert run.code_dir is not None and run.code_dir.endswith("tests/scripts")
    assert [c.name for c in run.channels] == ["train"]


def test_a_new_jobs_record_reads_back_as_the_same_job() -> None:
    created = Job.create(parse_request(make_request()), Path.cwd(), seed=9)
    record = created.record(now=100.0)
    assert (record.status, record.creation_time, record.seed) == ("InProgress", 100.0, 9)
    again = Job.from_record(record)
    assert again.request == created.request and again.arn == created.arn
    assert again.definitions[None].space == created.definitions[None].space
