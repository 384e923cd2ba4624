"""The Describe and List responses, counters and the best training job, from store snapshots.

Pure functions of records and trials (and, for a warm-started job's overall best, its parents'
records), returning SageMaker's response shapes as wire dicts checked against `spec.responses`:
what the CLI's `--json` prints and the HTTP API sends. A record's request is read once per
response (`spec.read_stored`), and each definition's objective comes from `spec.views`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from trimtab import arns
from trimtab.algorithms import builtin
from trimtab.errors import ResourceNotFound
from trimtab.spec import responses
from trimtab.spec.base import checked
from trimtab.spec.enums import ObjectiveStatus, TrainingJobStatus, WarmStartType
from trimtab.spec.hyperparameters import OBJECTIVE_METRIC
from trimtab.spec.parse import read_stored
from trimtab.spec.tuning import HyperParameterTuningJobObjective
from trimtab.spec.views import objectives
from trimtab.store.base import Store, TuningJobRecord
from trimtab.types import Trial

Objectives = Mapping[str | None, HyperParameterTuningJobObjective]


def objectives_of(record: TuningJobRecord) -> Objectives:
    """Each definition's objective, by `DefinitionName` (None for a single definition)."""
    return objectives(read_stored(record.request))


def status_counters(trials: Sequence[Trial]) -> dict[str, int]:
    counts = {
        "Completed": 0,
        "InProgress": 0,
        "RetryableError": 0,
        "NonRetryableError": 0,
        "Stopped": 0,
    }
    for t in trials:
        if t.status is TrainingJobStatus.FAILED:
            counts["RetryableError" if t.retryable else "NonRetryableError"] += 1
        elif t.status in (TrainingJobStatus.IN_PROGRESS, TrainingJobStatus.STOPPING):
            counts["InProgress"] += 1
        else:
            counts[str(t.status)] += 1
    return counts


def objective_counters(trials: Sequence[Trial]) -> dict[str, int]:
    counts = {str(s): 0 for s in ObjectiveStatus}
    for t in trials:
        counts[str(t.objective_status)] += 1
    return counts


def best_trial(record: TuningJobRecord, trials: Sequence[Trial]) -> Trial | None:
    """The Succeeded trial with the best final objective; ties go to the earliest."""
    return _best(objectives_of(record), trials)


def _best(goals: Objectives, trials: Sequence[Trial]) -> Trial | None:
    ranked = [
        (goals[t.definition_name].type.sign * t.objective, t.index, t)
        for t in trials
        if t.objective_status is ObjectiveStatus.SUCCEEDED and t.objective is not None
    ]
    return min(ranked, key=lambda r: (r[0], r[1]))[2] if ranked else None


def training_job_summaries(
    record: TuningJobRecord, trials: Sequence[Trial]
) -> list[dict[str, Any]]:
    """HyperParameterTrainingJobSummary of each trial, as wire dicts."""
    goals = objectives_of(record)
    return [_training_job_summary(record, goals, t) for t in trials]


def _training_job_summary(
    record: TuningJobRecord, goals: Objectives, trial: Trial
) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "TrainingJobDefinitionName": trial.definition_name,
        "TrainingJobName": trial.training_job_name,
        "TrainingJobArn": arns.training_job_arn(record.arn, trial.training_job_name),
        "TuningJobName": trial.tuning_job_name,
        "CreationTime": trial.creation_time,
        "TrainingStartTime": trial.start_time,
        "TrainingEndTime": trial.end_time,
        "TrainingJobStatus": str(trial.status),
        "TunedHyperParameters": dict(trial.hyperparameters),
        "FailureReason": trial.failure_reason,
        "ObjectiveStatus": str(trial.objective_status),
    }
    if trial.objective is not None and math.isfinite(trial.objective):
        summary["FinalHyperParameterTuningJobObjectiveMetric"] = {
            "MetricName": goals[trial.definition_name].metric_name,
            "Value": trial.objective,
        }
    return checked(responses.HyperParameterTrainingJobSummary, summary)


def _echo_definition(definition: Mapping[str, Any], metric: str) -> dict[str, Any]:
    """The definition as Describe shows it: `_tuning_objective_metric` added and, for a built-in
    algorithm, its full metric list plus an `ObjectiveMetric` entry repeating the objective's."""
    echo = dict(definition)
    algorithm = builtin(definition["AlgorithmSpecification"].get("TrainingImage"))
    if algorithm is not None:
        regex = algorithm.metrics[metric][0]
        echo["AlgorithmSpecification"] = {
            **definition["AlgorithmSpecification"],
            "MetricDefinitions": [
                *algorithm.metric_definitions(),
                {"Name": "ObjectiveMetric", "Regex": regex},
            ],
        }
    echo["StaticHyperParameters"] = {
        **definition.get("StaticHyperParameters", {}),
        OBJECTIVE_METRIC: metric,
    }
    return echo


def describe(
    record: TuningJobRecord,
    trials: Sequence[Trial],
    overall_best: tuple[TuningJobRecord, Trial] | None = None,
) -> dict[str, Any]:
    """DescribeHyperParameterTuningJob's response, as SageMaker returns it.

    `overall_best` is a warm-started job's best training job over it and its parents (the job
    that ran it, and the trial), shown as `OverallBestTrainingJob`."""
    request = record.request
    goals = objectives_of(record)
    response: dict[str, Any] = {
        "HyperParameterTuningJobName": record.name,
        "HyperParameterTuningJobArn": record.arn,
        "HyperParameterTuningJobConfig": request["HyperParameterTuningJobConfig"],
        "HyperParameterTuningJobStatus": str(record.status),
        "CreationTime": record.creation_time,
        "HyperParameterTuningEndTime": record.end_time,
        "LastModifiedTime": record.last_modified_time,
        "TrainingJobStatusCounters": status_counters(trials),
        "ObjectiveStatusCounters": objective_counters(trials),
        "WarmStartConfig": request.get("WarmStartConfig"),
        "Autotune": request.get("Autotune"),
        "FailureReason": record.failure_reason,
        "TuningJobCompletionDetails": record.completion_details,
        "ConsumedResources": {"RuntimeInSeconds": int(record.runtime_seconds)},
    }
    if "TrainingJobDefinition" in request:
        response["TrainingJobDefinition"] = _echo_definition(
            request["TrainingJobDefinition"], goals[None].metric_name
        )
    else:
        response["TrainingJobDefinitions"] = [
            _echo_definition(d, goals[d.get("DefinitionName")].metric_name)
            for d in request["TrainingJobDefinitions"]
        ]
    best = _best(goals, trials)
    if best is not None:
        response["BestTrainingJob"] = _training_job_summary(record, goals, best)
    if overall_best is not None:
        job, trial = overall_best
        response["OverallBestTrainingJob"] = _training_job_summary(job, objectives_of(job), trial)
    return checked(responses.DescribeHyperParameterTuningJobResponse, response)


def overall_best(
    store: Store, record: TuningJobRecord, trials: Sequence[Trial]
) -> tuple[TuningJobRecord, Trial] | None:
    """The best training job over `record` and its warm-start parents, for a job started with
    `IdenticalDataAndAlgorithm` (their results are one objective); None otherwise."""
    config = read_stored(record.request).warm_start_config
    if config is None or config.warm_start_type is not WarmStartType.IDENTICAL_DATA_AND_ALGORITHM:
        return None
    sign = next(iter(objectives_of(record).values())).type.sign
    jobs: list[tuple[TuningJobRecord, Sequence[Trial]]] = [(record, trials)]
    for parent in config.parent_hyper_parameter_tuning_jobs:
        try:
            found = store.tuning_job(parent.hyper_parameter_tuning_job_name)
        except ResourceNotFound:  # deleted since: its jobs no longer count
            continue
        jobs.append((found, store.trials(found.name)))
    ranked = [
        (sign * best.objective, best.creation_time, job, best)
        for job, job_trials in jobs
        if (best := best_trial(job, job_trials)) is not None and best.objective is not None
    ]
    if not ranked:
        return None
    _, _, job, best = min(ranked, key=lambda r: (r[0], r[1]))
    return job, best


def tuning_job_summary(record: TuningJobRecord, trials: Sequence[Trial]) -> dict[str, Any]:
    """HyperParameterTuningJobSummary (an item of ListHyperParameterTuningJobs)."""
    config = record.request["HyperParameterTuningJobConfig"]
    summary = {
        "HyperParameterTuningJobName": record.name,
        "HyperParameterTuningJobArn": record.arn,
        "HyperParameterTuningJobStatus": str(record.status),
        "Strategy": config["Strategy"],
        "CreationTime": record.creation_time,
        "HyperParameterTuningEndTime": record.end_time,
        "LastModifiedTime": record.last_modified_time,
        "TrainingJobStatusCounters": status_counters(trials),
        "ObjectiveStatusCounters": objective_counters(trials),
        "ResourceLimits": config["ResourceLimits"],
    }
    return checked(responses.HyperParameterTuningJobSummary, summary)
