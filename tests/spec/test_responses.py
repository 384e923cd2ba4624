"""Response shapes: built from plain values by attribute name, dumped by member name."""

from __future__ import annotations

import json

import pytest

from tests.spec.builders import seq2seq
from trimtab.spec import (
    ConsumedResources,
    CreateHyperParameterTuningJobResponse,
    DescribeHyperParameterTuningJobResponse,
    DescribeTrainingJobResponse,
    FinalHyperParameterTuningJobObjectiveMetric,
    HyperParameterTrainingJobSummary,
    HyperParameterTuningJobStatus,
    HyperParameterTuningJobSummary,
    ListHyperParameterTuningJobsResponse,
    ListTrainingJobsForHyperParameterTuningJobResponse,
    MetricData,
    ModelArtifacts,
    ObjectiveStatus,
    ObjectiveStatusCounters,
    SecondaryStatus,
    SecondaryStatusTransition,
    StoppingCondition,
    Strategy,
    TrainingJobStatus,
    TrainingJobStatusCounters,
    TuningJobCompletionDetails,
    parse_request,
    to_wire,
)

# Reference §3.6: a DescribeHyperParameterTuningJob response botocore parses.
DESCRIBE = """{"HyperParameterTuningJobName": "s2s-bleu-001",
 "HyperParameterTuningJobArn":
   "arn:aws:sagemaker:us-east-1:000000000000:hyper-parameter-tuning-job/s2s-bleu-001",
 "HyperParameterTuningJobConfig": {"Strategy": "Bayesian",
   "HyperParameterTuningJobObjective": {"Type": "Maximize", "MetricName": "validation:bleu"},
   "ResourceLimits": {"MaxNumberOfTrainingJobs": 20, "MaxParallelTrainingJobs": 2},
   "TrainingJobEarlyStoppingType": "Off"},
 "HyperParameterTuningJobStatus": "InProgress",
 "CreationTime": 1716200000.123, "LastModifiedTime": 1716200360.5,
 "TrainingJobStatusCounters": {"Completed": 3, "InProgress": 2, "RetryableError": 0,
                               "NonRetryableError": 1, "Stopped": 0},
 "ObjectiveStatusCounters": {"Succeeded": 3, "Pending": 2, "Failed": 1},
 "BestTrainingJob": {"TrainingJobName": "s2s-bleu-001-002-5f1c9a7e",
   "TrainingJobArn":
     "arn:aws:sagemaker:us-east-1:000000000000:training-job/s2s-bleu-001-002-5f1c9a7e",
   "CreationTime": 1716200010.0, "TrainingStartTime": 1716200040.0,
   "TrainingEndTime": 1716200300.0, "TrainingJobStatus": "Completed",
   "TunedHyperParameters": {"learning_rate": "0.0012345678901234", "num_layers_encoder": "4",
                            "optimizer_type": "adam"},
   "FinalHyperParameterTuningJobObjectiveMetric": {"MetricName": "validation:bleu",
                                                   "Value": 0.2718},
   "ObjectiveStatus": "Succeeded"},
 "ConsumedResources": {"RuntimeInSeconds": 360}}"""


def test_reference_describe_response_round_trips() -> None:
    wire = json.loads(DESCRIBE)
    response = DescribeHyperParameterTuningJobResponse.model_validate(wire)
    assert response.best_training_job is not None
    assert response.best_training_job.training_job_status is TrainingJobStatus.COMPLETED
    assert response.to_wire() == wire


def summary() -> HyperParameterTrainingJobSummary:
    return HyperParameterTrainingJobSummary(
        training_job_name="s2s-bleu-001-001-0a1b2c3d",
        training_job_arn="arn:aws:sagemaker:us-east-1:000000000000:training-job/x",
        creation_time=1716200010.25,
        training_job_status=TrainingJobStatus.COMPLETED,
        tuned_hyper_parameters={"lr": "0.1"},
        final_hyper_parameter_tuning_job_objective_metric=(
            FinalHyperParameterTuningJobObjectiveMetric(metric_name="loss", value=0.5)
        ),
        objective_status=ObjectiveStatus.SUCCEEDED,
    )


def test_describe_built_from_store_records() -> None:
    request = parse_request(seq2seq())
    response = DescribeHyperParameterTuningJobResponse(
        hyper_parameter_tuning_job_name=request.hyper_parameter_tuning_job_name,
        hyper_parameter_tuning_job_arn="arn:aws:sagemaker:us-east-1:0:hyper-parameter-tuning-job/x",
        hyper_parameter_tuning_job_config=request.hyper_parameter_tuning_job_config,
        training_job_definition=request.training_job_definition,
        hyper_parameter_tuning_job_status=HyperParameterTuningJobStatus.COMPLETED,
        creation_time=1716200000,
        training_job_status_counters=TrainingJobStatusCounters(completed=3),
        objective_status_counters=ObjectiveStatusCounters(succeeded=3),
        best_training_job=summary(),
        tuning_job_completion_details=TuningJobCompletionDetails(
            number_of_training_jobs_objective_not_improving=2
        ),
        consumed_resources=ConsumedResources(runtime_in_seconds=360),
    )
    wire = to_wire(response)
    assert wire["HyperParameterTuningJobStatus"] == "Completed"
    assert wire["TrainingJobStatusCounters"] == {
        "Completed": 3,
        "InProgress": 0,
        "RetryableError": 0,
        "NonRetryableError": 0,
        "Stopped": 0,
    }
    assert wire["BestTrainingJob"]["FinalHyperParameterTuningJobObjectiveMetric"] == {
        "MetricName": "loss",
        "Value": 0.5,
    }
    assert "OverallBestTrainingJob" not in wire  # None members are left out
    assert wire["TrainingJobDefinition"] == seq2seq()["TrainingJobDefinition"]
    assert wire["TuningJobCompletionDetails"] == {"NumberOfTrainingJobsObjectiveNotImproving": 2}
    assert response.hyper_parameter_tuning_job_status is HyperParameterTuningJobStatus.COMPLETED


def test_list_responses() -> None:
    jobs = ListHyperParameterTuningJobsResponse(
        hyper_parameter_tuning_job_summaries=[
            HyperParameterTuningJobSummary(
                hyper_parameter_tuning_job_name="a",
                hyper_parameter_tuning_job_arn="arn:a",
                hyper_parameter_tuning_job_status="InProgress",
                strategy=Strategy.RANDOM,
                creation_time=1.5,
                training_job_status_counters=TrainingJobStatusCounters(),
                objective_status_counters=ObjectiveStatusCounters(),
            )
        ],
        next_token="t1",
    )
    wire = jobs.to_wire()
    assert wire["NextToken"] == "t1"
    assert wire["HyperParameterTuningJobSummaries"][0]["Strategy"] == "Random"
    trainings = ListTrainingJobsForHyperParameterTuningJobResponse(
        training_job_summaries=[summary()]
    )
    assert trainings.to_wire()["TrainingJobSummaries"][0]["TrainingJobStatus"] == "Completed"
    assert "NextToken" not in trainings.to_wire()


def test_describe_training_job() -> None:
    response = DescribeTrainingJobResponse(
        training_job_name="j-001-0a1b2c3d",
        training_job_arn="arn:aws:sagemaker:us-east-1:0:training-job/j-001-0a1b2c3d",
        model_artifacts=ModelArtifacts(s3_model_artifacts="/out/j/output/model.tar.gz"),
        training_job_status="Stopped",
        secondary_status=SecondaryStatus.MAX_RUNTIME_EXCEEDED,
        stopping_condition=StoppingCondition(max_runtime_in_seconds=60),
        creation_time=10.0,
        hyper_parameters={"lr": "0.1", "_tuning_objective_metric": "loss"},
        secondary_status_transitions=[
            SecondaryStatusTransition(
                status=SecondaryStatus.STARTING, start_time=10.0, end_time=11.0
            ),
            SecondaryStatusTransition(status="MaxRuntimeExceeded", start_time=71.0),
        ],
        final_metric_data_list=[MetricData(metric_name="loss", value=0.25, timestamp=70.0)],
        training_time_in_seconds=60,
    )
    wire = response.to_wire()
    assert wire["ModelArtifacts"] == {"S3ModelArtifacts": "/out/j/output/model.tar.gz"}
    assert wire["SecondaryStatusTransitions"][1] == {
        "Status": "MaxRuntimeExceeded",
        "StartTime": 71.0,
    }
    assert wire["FinalMetricDataList"] == [{"MetricName": "loss", "Value": 0.25, "Timestamp": 70.0}]
    assert wire["StoppingCondition"] == {"MaxRuntimeInSeconds": 60}


def test_create_response() -> None:
    arn = "arn:aws:sagemaker:us-east-1:0:hyper-parameter-tuning-job/x"
    wire = CreateHyperParameterTuningJobResponse(hyper_parameter_tuning_job_arn=arn).to_wire()
    assert wire == {"HyperParameterTuningJobArn": arn}


def test_counters_are_never_negative() -> None:
    with pytest.raises(ValueError, match="greater than or equal to 0"):
        TrainingJobStatusCounters(completed=-1)
