"""DescribeTrainingJob and ListTrainingJobs: a training job as SageMaker shows it on its own.

The job's settings are those of the definition that launched it (the tuning job's request, read
once); its times, status and metrics are the store's. SageMaker records every secondary status
a job passed through; trimtab keeps the times a job was created, started and ended, so the
transitions shown are those times: Starting until the job started, Training until it ended, then
how it ended.
"""

from __future__ import annotations

import math
from typing import Any

from trimtab import arns
from trimtab.spec import responses
from trimtab.spec.base import checked
from trimtab.spec.enums import SecondaryStatus
from trimtab.spec.hyperparameters import OBJECTIVE_METRIC
from trimtab.spec.parse import read_stored
from trimtab.spec.views import definition_views
from trimtab.store.base import TuningJobRecord
from trimtab.types import Trial

_MESSAGES = {
    SecondaryStatus.STARTING: "Preparing the instances for training",
    SecondaryStatus.TRAINING: "Training image download completed. Training in progress.",
    SecondaryStatus.COMPLETED: "Training job completed",
    SecondaryStatus.STOPPED: "The job was stopped",
    SecondaryStatus.MAX_RUNTIME_EXCEEDED: "The job was stopped at MaxRuntimeInSeconds",
    SecondaryStatus.FAILED: "Training job failed",
}


def model_artifacts(output_path: str, training_job_name: str) -> str:
    """Where SageMaker puts the model: `<S3OutputPath>/<job>/output/model.tar.gz`."""
    return f"{output_path.rstrip('/')}/{training_job_name}/output/model.tar.gz"


def _transitions(trial: Trial) -> list[dict[str, Any]]:
    steps: list[tuple[SecondaryStatus, float, float | None]] = []
    if trial.start_time is None:
        steps.append((trial.secondary_status, trial.creation_time, None))
    else:
        steps.append((SecondaryStatus.STARTING, trial.creation_time, trial.start_time))
        steps.append((SecondaryStatus.TRAINING, trial.start_time, trial.end_time))
        if trial.end_time is not None:
            steps.append((trial.secondary_status, trial.end_time, trial.end_time))
    return [
        {
            "Status": str(status),
            "StartTime": start,
            "EndTime": end,
            "StatusMessage": _MESSAGES.get(status),
        }
        for status, start, end in steps
    ]


def describe(record: TuningJobRecord, trial: Trial) -> dict[str, Any]:
    """DescribeTrainingJob's response for a training job of `record`'s tuning job."""
    views = {v.definition.definition_name: v for v in definition_views(read_stored(record.request))}
    view = views[trial.definition_name]
    definition = view.definition.to_wire()
    algorithm = definition["AlgorithmSpecification"]
    metric = view.objective.metric_name if view.objective else None
    hyperparameters = {**definition.get("StaticHyperParameters", {}), **trial.hyperparameters}
    if metric is not None:
        hyperparameters[OBJECTIVE_METRIC] = metric
    elapsed = (
        max(1, int(trial.end_time - trial.start_time))
        if trial.start_time is not None and trial.end_time is not None
        else None
    )
    response: dict[str, Any] = {
        "TrainingJobName": trial.training_job_name,
        "TrainingJobArn": arns.training_job_arn(record.arn, trial.training_job_name),
        "TuningJobArn": record.arn,
        "ModelArtifacts": {
            "S3ModelArtifacts": model_artifacts(
                definition["OutputDataConfig"]["S3OutputPath"], trial.training_job_name
            )
        },
        "TrainingJobStatus": str(trial.status),
        "SecondaryStatus": str(trial.secondary_status),
        "FailureReason": trial.failure_reason,
        "HyperParameters": hyperparameters,
        "AlgorithmSpecification": {
            key: algorithm[key]
            for key in ("TrainingImage", "AlgorithmName", "TrainingInputMode", "MetricDefinitions")
            if key in algorithm
        },
        "CreationTime": trial.creation_time,
        "TrainingStartTime": trial.start_time,
        "TrainingEndTime": trial.end_time,
        "LastModifiedTime": trial.last_modified_time,
        "SecondaryStatusTransitions": _transitions(trial),
        "FinalMetricDataList": [
            {"MetricName": p.name, "Value": p.value, "Timestamp": p.timestamp}
            for p in trial.final_metrics.values()
            if math.isfinite(p.value)
        ],
        "TrainingTimeInSeconds": elapsed,
        "BillableTimeInSeconds": elapsed,
    }
    for key in (
        "RoleArn",
        "InputDataConfig",
        "OutputDataConfig",
        "ResourceConfig",
        "VpcConfig",
        "StoppingCondition",
        "CheckpointConfig",
        "RetryStrategy",
        "Environment",
        "EnableNetworkIsolation",
        "EnableInterContainerTrafficEncryption",
        "EnableManagedSpotTraining",
    ):
        if key in definition:
            response[key] = definition[key]
    # SageMaker always sends OutputDataConfig.KmsKeyId ("" when none was given), and the
    # SageMaker Python SDK reads it unconditionally (Estimator.attach, best_estimator()).
    response["OutputDataConfig"] = {"KmsKeyId": "", **response["OutputDataConfig"]}
    return checked(responses.DescribeTrainingJobResponse, response)


def summary(record: TuningJobRecord, trial: Trial) -> dict[str, Any]:
    """A TrainingJobSummary (an item of ListTrainingJobs)."""
    item = {
        "TrainingJobName": trial.training_job_name,
        "TrainingJobArn": arns.training_job_arn(record.arn, trial.training_job_name),
        "CreationTime": trial.creation_time,
        "TrainingEndTime": trial.end_time,
        "LastModifiedTime": trial.last_modified_time,
        "TrainingJobStatus": str(trial.status),
        "SecondaryStatus": str(trial.secondary_status),
    }
    return checked(responses.TrainingJobSummary, item)
