"""Describe and List from store snapshots: the best job by direction, the counters, the echo of
the request, the order and filter of the training job list, and a warm-started job's overall
best."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.jobs import make_request
from tests.reports.helpers import HISTORY, Ended, job_with, memory_store
from trimtab import service
from trimtab.reports import responses
from trimtab.spec.enums import HyperParameterTuningJobStatus
from trimtab.store.memory import MemoryStore


@pytest.fixture
def store(tmp_path: Path) -> MemoryStore:
    return memory_store(tmp_path)


def test_describe_counts_every_kind_of_ending_and_names_the_best(store: MemoryStore) -> None:
    trials = job_with(store, HISTORY)
    described = responses.describe(store.tuning_job("t-job"), trials)
    assert described["TrainingJobStatusCounters"] == {
        "Completed": 3,
        "InProgress": 1,
        "RetryableError": 1,
        "NonRetryableError": 1,
        "Stopped": 1,
    }
    assert described["ObjectiveStatusCounters"] == {"Succeeded": 3, "Pending": 1, "Failed": 3}
    best = described["BestTrainingJob"]
    assert best["TrainingJobName"] == trials[1].training_job_name
    assert best["FinalHyperParameterTuningJobObjectiveMetric"] == {
        "MetricName": "loss",
        "Value": 0.2,
    }
    assert best["TrainingJobArn"].endswith(f":training-job/{trials[1].training_job_name.lower()}")
    assert described["HyperParameterTuningJobStatus"] == "InProgress"
    assert described["ConsumedResources"] == {"RuntimeInSeconds": 0}
    assert "OverallBestTrainingJob" not in described and "FailureReason" not in described


def test_the_best_job_follows_the_objectives_direction(store: MemoryStore) -> None:
    trials = job_with(store, HISTORY[:2], objective="Maximize")
    assert responses.best_trial(store.tuning_job("t-job"), trials) == trials[0]


def test_describe_echoes_the_request_with_the_objective_hyperparameter(store: MemoryStore) -> None:
    job_with(store, [])
    described = responses.describe(store.tuning_job("t-job"), [])
    static = described["TrainingJobDefinition"]["StaticHyperParameters"]
    assert static["_tuning_objective_metric"] == "loss"
    assert static["sagemaker_program"] == '"converge.py"'
    config = described["HyperParameterTuningJobConfig"]
    assert config["ParameterRanges"]["ContinuousParameterRanges"][0]["ScalingType"] == "Auto"
    assert "BestTrainingJob" not in described


def test_a_built_in_algorithms_echo_lists_its_metrics_and_the_objective(
    store: MemoryStore, tmp_path: Path
) -> None:
    request = make_request(metric_regex="unused")
    definition = request["TrainingJobDefinition"]
    definition["AlgorithmSpecification"] = {
        "TrainingImage": "811284229777.dkr.ecr.us-east-1.amazonaws.com/seq2seq:1",
        "TrainingInputMode": "File",
    }
    del definition["StaticHyperParameters"]["sagemaker_program"]
    request["HyperParameterTuningJobConfig"]["HyperParameterTuningJobObjective"] = {
        "Type": "Maximize",
        "MetricName": "validation:bleu",
    }
    service.create_tuning_job(store, request, tmp_path)
    described = responses.describe(store.tuning_job("t-job"), [])
    metrics = described["TrainingJobDefinition"]["AlgorithmSpecification"]["MetricDefinitions"]
    assert metrics[-1] == {"Name": "ObjectiveMetric", "Regex": r"validation:bleu=([0-9.]+)"}
    assert {m["Name"] for m in metrics} >= {"validation:bleu", "validation:perplexity"}


def test_summaries_carry_a_finite_objective_only(store: MemoryStore) -> None:
    trials = job_with(store, HISTORY)
    summaries = responses.training_job_summaries(store.tuning_job("t-job"), trials)
    with_objective = [
        s["TrainingJobName"]
        for s in summaries
        if "FinalHyperParameterTuningJobObjectiveMetric" in s
    ]
    assert with_objective == [trials[i].training_job_name for i in (0, 1, 3, 6)]
    failed = summaries[4]
    assert (failed["TrainingJobStatus"], failed["FailureReason"]) == (
        "Failed",
        "AlgorithmError: boom",
    )
    assert summaries[0]["TunedHyperParameters"] == {"x": "0.1", "y": "2"}


def test_a_tuning_job_summary_has_its_strategy_limits_and_counters(store: MemoryStore) -> None:
    trials = job_with(store, HISTORY[:2], max_jobs=9, max_parallel=3)
    summary = responses.tuning_job_summary(store.tuning_job("t-job"), trials)
    assert summary["Strategy"] == "Random"
    assert summary["ResourceLimits"] == {"MaxParallelTrainingJobs": 3, "MaxNumberOfTrainingJobs": 9}
    assert summary["TrainingJobStatusCounters"]["Completed"] == 2
    assert summary["ObjectiveStatusCounters"] == {"Succeeded": 2, "Pending": 0, "Failed": 0}


def warm_child(store: MemoryStore, kind: str, parents: list[str]) -> None:
    request = make_request("child", strategy="Bayesian")
    request["WarmStartConfig"] = {
        "ParentHyperParameterTuningJobs": [{"HyperParameterTuningJobName": p} for p in parents],
        "WarmStartType": kind,
    }
    service.create_tuning_job(store, request, Path.cwd())


def finish_parent(store: MemoryStore, name: str, history: list[Ended]) -> None:
    job_with(store, history, name=name)
    store.update_tuning_job(name, status=HyperParameterTuningJobStatus.COMPLETED)


def test_the_overall_best_spans_the_job_and_its_parents(store: MemoryStore) -> None:
    finish_parent(store, "parent", [Ended("0.1", objective=0.05), Ended("0.2", objective=0.3)])
    warm_child(store, "IdenticalDataAndAlgorithm", ["parent"])
    record = store.tuning_job("child")
    overall = responses.overall_best(store, record, [])
    assert overall is not None
    job, trial = overall
    assert (job.name, trial.objective) == ("parent", 0.05)
    described = responses.describe(record, [], overall)
    assert described["OverallBestTrainingJob"]["TuningJobName"] == "parent"
    assert "BestTrainingJob" not in described


def test_transfer_learning_has_no_overall_best(store: MemoryStore) -> None:
    finish_parent(store, "parent", [Ended("0.1", objective=0.05)])
    warm_child(store, "TransferLearning", ["parent"])
    assert responses.overall_best(store, store.tuning_job("child"), []) is None
