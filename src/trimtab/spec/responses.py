"""Response shapes of the tuning operations and DescribeTrainingJob, as botocore parses them.

trimtab builds these from its store and `to_wire`s them for the HTTP API and `--json` output.
Timestamps are float epoch seconds (botocore accepts them). Scalars are not strict here, since
trimtab itself fills them (a numpy integer is fine as a counter); echoed request parts reuse the
request shapes.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from trimtab.spec.base import WireModel
from trimtab.spec.definition import (
    Channel,
    CheckpointConfig,
    HyperParameterTrainingJobDefinition,
    MetricDefinition,
    OutputDataConfig,
    ResourceConfig,
    RetryStrategy,
    StoppingCondition,
    VpcConfig,
)
from trimtab.spec.enums import (
    HyperParameterTuningJobStatus,
    ObjectiveStatus,
    ObjectiveType,
    SecondaryStatus,
    Strategy,
    TrainingInputMode,
    TrainingJobStatus,
    WarmPoolResourceStatus,
)
from trimtab.spec.fields import AlgorithmImage, ArnOrName, WireBool
from trimtab.spec.request import Autotune, Tag, WarmStartConfig
from trimtab.spec.tuning import HyperParameterTuningJobConfig, ResourceLimits

Timestamp = float  # epoch seconds
Counter = Annotated[int, Field(ge=0)]


class CreateHyperParameterTuningJobResponse(WireModel):
    hyper_parameter_tuning_job_arn: str


class TrainingJobStatusCounters(WireModel):
    """Training jobs by outcome; all five are always reported, so they default to 0."""

    completed: Counter = 0
    in_progress: Counter = 0
    retryable_error: Counter = 0  # failed through no fault of the training script
    non_retryable_error: Counter = 0  # failed because of the script, data or hyperparameters
    stopped: Counter = 0


class ObjectiveStatusCounters(WireModel):
    """Training jobs by objective: evaluated, still running, or never reported."""

    succeeded: Counter = 0
    pending: Counter = 0
    failed: Counter = 0


class FinalHyperParameterTuningJobObjectiveMetric(WireModel):
    """The last objective value a training job reported (not its best)."""

    type: ObjectiveType | None = None
    metric_name: str
    value: float


class HyperParameterTrainingJobSummary(WireModel):
    """One training job of a tuning job: BestTrainingJob and the list items."""

    training_job_definition_name: str | None = None
    training_job_name: str
    training_job_arn: str
    tuning_job_name: str | None = None
    creation_time: Timestamp
    training_start_time: Timestamp | None = None
    training_end_time: Timestamp | None = None
    training_job_status: TrainingJobStatus
    tuned_hyper_parameters: dict[str, str]
    failure_reason: str | None = None
    final_hyper_parameter_tuning_job_objective_metric: (
        FinalHyperParameterTuningJobObjectiveMetric | None
    ) = None
    objective_status: ObjectiveStatus | None = None


class TuningJobCompletionDetails(WireModel):
    """Why a tuning job completed early (the model's HyperParameterTuningJobCompletionDetails)."""

    number_of_training_jobs_objective_not_improving: int | None = None
    convergence_detected_time: Timestamp | None = None


class ConsumedResources(WireModel):
    """The model's HyperParameterTuningJobConsumedResources: wall-clock seconds used."""

    runtime_in_seconds: int | None = None


class DescribeHyperParameterTuningJobResponse(WireModel):
    hyper_parameter_tuning_job_name: str
    hyper_parameter_tuning_job_arn: str
    hyper_parameter_tuning_job_config: HyperParameterTuningJobConfig
    training_job_definition: HyperParameterTrainingJobDefinition | None = None
    training_job_definitions: list[HyperParameterTrainingJobDefinition] | None = None
    hyper_parameter_tuning_job_status: HyperParameterTuningJobStatus
    creation_time: Timestamp
    hyper_parameter_tuning_end_time: Timestamp | None = None
    last_modified_time: Timestamp | None = None
    training_job_status_counters: TrainingJobStatusCounters
    objective_status_counters: ObjectiveStatusCounters
    best_training_job: HyperParameterTrainingJobSummary | None = None
    overall_best_training_job: HyperParameterTrainingJobSummary | None = None
    warm_start_config: WarmStartConfig | None = None
    autotune: Autotune | None = None
    failure_reason: str | None = None
    tuning_job_completion_details: TuningJobCompletionDetails | None = None
    consumed_resources: ConsumedResources | None = None


class HyperParameterTuningJobSummary(WireModel):
    hyper_parameter_tuning_job_name: str
    hyper_parameter_tuning_job_arn: str
    hyper_parameter_tuning_job_status: HyperParameterTuningJobStatus
    strategy: Strategy
    creation_time: Timestamp
    hyper_parameter_tuning_end_time: Timestamp | None = None
    last_modified_time: Timestamp | None = None
    training_job_status_counters: TrainingJobStatusCounters
    objective_status_counters: ObjectiveStatusCounters
    resource_limits: ResourceLimits | None = None


class ListHyperParameterTuningJobsResponse(WireModel):
    hyper_parameter_tuning_job_summaries: list[HyperParameterTuningJobSummary]
    next_token: str | None = None


class ListTrainingJobsForHyperParameterTuningJobResponse(WireModel):
    training_job_summaries: list[HyperParameterTrainingJobSummary]
    next_token: str | None = None


class ModelArtifacts(WireModel):
    s3_model_artifacts: str  # `<S3OutputPath>/<TrainingJobName>/output/model.tar.gz`


class AlgorithmSpecification(WireModel):
    """A training job's algorithm (the tuning variant plus the container overrides)."""

    training_image: AlgorithmImage | None = None
    algorithm_name: ArnOrName | None = None
    training_input_mode: TrainingInputMode
    metric_definitions: list[MetricDefinition] | None = None
    enable_sage_maker_metrics_time_series: WireBool | None = None
    container_entrypoint: list[str] | None = None
    container_arguments: list[str] | None = None


class SecondaryStatusTransition(WireModel):
    status: SecondaryStatus
    start_time: Timestamp
    end_time: Timestamp | None = None
    status_message: str | None = None


class MetricData(WireModel):
    """The last value a training job logged for one of its MetricDefinitions."""

    metric_name: str | None = None
    value: float | None = None
    timestamp: Timestamp | None = None


class WarmPoolStatus(WireModel):
    status: WarmPoolResourceStatus
    resource_retained_billable_time_in_seconds: int | None = None
    reused_by_job: str | None = None


class DescribeTrainingJobResponse(WireModel):
    training_job_name: str
    training_job_arn: str
    tuning_job_arn: str | None = None
    model_artifacts: ModelArtifacts
    training_job_status: TrainingJobStatus
    secondary_status: SecondaryStatus
    failure_reason: str | None = None
    hyper_parameters: dict[str, str] | None = None
    algorithm_specification: AlgorithmSpecification | None = None
    role_arn: str | None = None
    input_data_config: list[Channel] | None = None
    output_data_config: OutputDataConfig | None = None
    resource_config: ResourceConfig | None = None
    warm_pool_status: WarmPoolStatus | None = None
    vpc_config: VpcConfig | None = None
    stopping_condition: StoppingCondition
    creation_time: Timestamp
    training_start_time: Timestamp | None = None
    training_end_time: Timestamp | None = None
    last_modified_time: Timestamp | None = None
    secondary_status_transitions: list[SecondaryStatusTransition] | None = None
    final_metric_data_list: list[MetricData] | None = None
    enable_network_isolation: bool | None = None
    enable_inter_container_traffic_encryption: bool | None = None
    enable_managed_spot_training: bool | None = None
    checkpoint_config: CheckpointConfig | None = None
    training_time_in_seconds: int | None = None
    billable_time_in_seconds: int | None = None
    environment: dict[str, str] | None = None
    retry_strategy: RetryStrategy | None = None


class TrainingJobSummary(WireModel):
    """An item of ListTrainingJobs."""

    training_job_name: str
    training_job_arn: str
    creation_time: Timestamp
    training_end_time: Timestamp | None = None
    last_modified_time: Timestamp | None = None
    training_job_status: TrainingJobStatus
    secondary_status: SecondaryStatus | None = None
    warm_pool_status: WarmPoolStatus | None = None


class Tags(WireModel):
    """AddTags' and ListTags' answers: the tags, as key-value pairs."""

    tags: list[Tag]
    next_token: str | None = None


HyperParameterTuningJobCompletionDetails = TuningJobCompletionDetails  # the model's shape names
HyperParameterTuningJobConsumedResources = ConsumedResources
