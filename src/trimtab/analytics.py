"""What readers see: Describe/List responses, counters, the best job, analytics rows.

Pure functions of store snapshots, returning the SageMaker response shapes as wire dicts (the
CLI's `--json`, the HTTP API) checked against `spec.responses`; the CLI tables and the Python
API's dataframe render the same data.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from trimtab.algorithms import builtin
from trimtab.spec import WireModel, responses
from trimtab.spec.enums import ObjectiveStatus, ObjectiveType, TrainingJobStatus
from trimtab.store.base import TuningJobRecord
from trimtab.types import Trial

OBJECTIVE_HYPERPARAMETER = "_tuning_objective_metric"
SORT_KEYS = ("Name", "CreationTime", "Status", "FinalObjectiveMetricValue")


def definitions(request: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    single = request.get("TrainingJobDefinition")
    return [single] if single is not None else list(request.get("TrainingJobDefinitions", []))


def objectives(request: Mapping[str, Any]) -> dict[str | None, tuple[str, ObjectiveType]]:
    """(metric name, direction) of each definition, keyed by DefinitionName (None if single)."""
    shared = request["HyperParameterTuningJobConfig"].get("HyperParameterTuningJobObjective")
    result = {}
    for d in definitions(request):
        objective = d.get("TuningObjective") or shared
        result[d.get("DefinitionName")] = (
            objective["MetricName"],
            ObjectiveType(objective["Type"]),
        )
    return result


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


def best_trial(request: Mapping[str, Any], trials: Sequence[Trial]) -> Trial | None:
    """The Succeeded trial with the best final objective; ties go to the earliest."""
    goals = objectives(request)
    ranked = [
        (goals[t.definition_name][1].sign * t.objective, t.index, t)
        for t in trials
        if t.objective_status is ObjectiveStatus.SUCCEEDED and t.objective is not None
    ]
    return min(ranked, key=lambda r: (r[0], r[1]))[2] if ranked else None


def _arn(record: TuningJobRecord, trial: Trial) -> str:
    prefix = record.arn.split(":hyper-parameter-tuning-job/")[0]
    return f"{prefix}:training-job/{trial.training_job_name.lower()}"


def training_job_summary(record: TuningJobRecord, trial: Trial) -> dict[str, Any]:
    """HyperParameterTrainingJobSummary of one trial, as a wire dict."""
    metric, _ = objectives(record.request)[trial.definition_name]
    summary: dict[str, Any] = {
        "TrainingJobDefinitionName": trial.definition_name,
        "TrainingJobName": trial.training_job_name,
        "TrainingJobArn": _arn(record, trial),
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
            "MetricName": metric,
            "Value": trial.objective,
        }
    return _checked(responses.HyperParameterTrainingJobSummary, summary)


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
        OBJECTIVE_HYPERPARAMETER: metric,
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
    goals = objectives(request)
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
            request["TrainingJobDefinition"], goals[None][0]
        )
    else:
        response["TrainingJobDefinitions"] = [
            _echo_definition(d, goals[d.get("DefinitionName")][0])
            for d in request["TrainingJobDefinitions"]
        ]
    best = best_trial(request, trials)
    if best is not None:
        response["BestTrainingJob"] = training_job_summary(record, best)
    if overall_best is not None:
        response["OverallBestTrainingJob"] = training_job_summary(*overall_best)
    return _checked(responses.DescribeHyperParameterTuningJobResponse, response)


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
    return _checked(responses.HyperParameterTuningJobSummary, summary)


def sorted_trials(
    request: Mapping[str, Any],
    trials: Sequence[Trial],
    sort_by: str = "Name",
    descending: bool = False,
    status: str | None = None,
) -> list[Trial]:
    """ListTrainingJobsForHyperParameterTuningJob's order and filter.

    With `FinalObjectiveMetricValue`, jobs without an objective value are omitted and "best
    first" is what `descending` means for a Maximize objective, as SageMaker sorts raw values.
    """
    chosen = [t for t in trials if status is None or str(t.status) == status]
    if sort_by == "FinalObjectiveMetricValue":
        chosen = [t for t in chosen if t.objective is not None and math.isfinite(t.objective)]
    keys: dict[str, Any] = {
        "Name": lambda t: t.training_job_name,
        "CreationTime": lambda t: (t.creation_time, t.index),
        "Status": lambda t: (str(t.status), t.index),
        "FinalObjectiveMetricValue": lambda t: (t.objective, t.index),
    }
    return sorted(chosen, key=keys[sort_by], reverse=descending)


def analytics_rows(record: TuningJobRecord, trials: Sequence[Trial]) -> list[dict[str, Any]]:
    """One row per training job, with the columns of the SageMaker SDK's tuner analytics."""
    rows = []
    for t in trials:
        row: dict[str, Any] = dict(t.hyperparameters)
        if t.definition_name is not None:
            row["TrainingJobDefinitionName"] = t.definition_name
        row.update(
            TrainingJobName=t.training_job_name,
            TrainingJobStatus=str(t.status),
            ObjectiveStatus=str(t.objective_status),
            FinalObjectiveValue=t.objective,
            TrainingStartTime=t.start_time,
            TrainingEndTime=t.end_time,
            TrainingElapsedTimeSeconds=(
                t.end_time - t.start_time if t.end_time and t.start_time else None
            ),
        )
        rows.append(row)
    return rows


def _checked(shape: type[WireModel], wire: dict[str, Any]) -> dict[str, Any]:
    """Drop empty members and validate against the response shape: output is always valid."""
    return shape.model_validate({k: v for k, v in wire.items() if v is not None}).to_wire()
