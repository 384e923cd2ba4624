"""`HyperParameterTrainingJobDefinition` and its parts: what each training job of a tuning job runs.

Shapes and constraints are those of the service model (botocore 1.43.11). Rules between members
(TrainingImage xor AlgorithmName, ResourceConfig xor HyperParameterTuningResourceConfig, ...) are
checked in `rules`, after the shapes have parsed.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from trimtab.spec.base import WireModel
from trimtab.spec.enums import (
    CompressionType,
    FileSystemAccessMode,
    FileSystemType,
    HyperParameterTuningAllocationStrategy,
    OutputCompressionType,
    RecordWrapper,
    S3DataDistribution,
    S3DataType,
    TrainingInputMode,
    TrainingInstanceType,
)
from trimtab.spec.fields import (
    AlgorithmImage,
    ArnOrName,
    AttributeName,
    ChannelName,
    ContentType,
    Count,
    DefinitionName,
    DirectoryPath,
    EnvironmentKey,
    EnvironmentValue,
    FileSystemId,
    HubContentArn,
    HubDataSetArn,
    HyperParameterKey,
    HyperParameterValue,
    InstanceGroupName,
    KmsKeyId,
    MetricName,
    MetricRegex,
    PositiveInt,
    RoleArn,
    S3Uri,
    String256,
    TrainingPlanArn,
    VpcId,
    WireBool,
    WireInt,
)
from trimtab.spec.tuning import HyperParameterTuningJobObjective, ParameterRanges


class MetricDefinition(WireModel):
    """A metric read from the training log: the first capture group of `regex`, as a float."""

    name: MetricName
    regex: MetricRegex


class HyperParameterAlgorithmSpecification(WireModel):
    """The algorithm to tune: an image (or an algorithm resource) and the metrics it logs."""

    training_image: AlgorithmImage | None = None
    training_input_mode: TrainingInputMode
    algorithm_name: ArnOrName | None = None
    metric_definitions: Annotated[list[MetricDefinition], Field(max_length=40)] | None = None


class ModelAccessConfig(WireModel):
    accept_eula: WireBool


class HubAccessConfig(WireModel):
    hub_content_arn: HubContentArn


class S3DataSource(WireModel):
    s3_data_type: S3DataType
    s3_uri: S3Uri
    s3_data_distribution_type: S3DataDistribution | None = None
    attribute_names: Annotated[list[AttributeName], Field(max_length=16)] | None = None
    instance_group_names: Annotated[list[InstanceGroupName], Field(max_length=5)] | None = None
    model_access_config: ModelAccessConfig | None = None
    hub_access_config: HubAccessConfig | None = None


class FileSystemDataSource(WireModel):
    file_system_id: FileSystemId
    file_system_access_mode: FileSystemAccessMode
    file_system_type: FileSystemType
    directory_path: DirectoryPath


class DatasetSource(WireModel):
    dataset_arn: HubDataSetArn


class DataSource(WireModel):
    """Where a channel's data lives: exactly one of the three sources (checked in `rules`)."""

    s3_data_source: S3DataSource | None = None
    file_system_data_source: FileSystemDataSource | None = None
    dataset_source: DatasetSource | None = None


class ShuffleConfig(WireModel):
    seed: WireInt


class Channel(WireModel):
    """One input channel: a folder `/opt/ml/input/data/<ChannelName>` in the training job."""

    channel_name: ChannelName
    data_source: DataSource
    content_type: ContentType | None = None
    compression_type: CompressionType | None = None
    record_wrapper_type: RecordWrapper | None = None
    input_mode: TrainingInputMode | None = None
    shuffle_config: ShuffleConfig | None = None


class VpcConfig(WireModel):
    security_group_ids: Annotated[list[VpcId], Field(min_length=1, max_length=5)]
    subnets: Annotated[list[VpcId], Field(min_length=1, max_length=16)]


class OutputDataConfig(WireModel):
    """Where model artifacts go: `<S3OutputPath>/<TrainingJobName>/output/model.tar.gz`."""

    kms_key_id: KmsKeyId | None = None
    s3_output_path: S3Uri
    compression_type: OutputCompressionType | None = None


class InstanceGroup(WireModel):
    instance_type: TrainingInstanceType
    instance_count: Count
    instance_group_name: InstanceGroupName


class PlacementSpecification(WireModel):
    ultra_server_id: String256 | None = None
    instance_count: Count


class InstancePlacementConfig(WireModel):
    enable_multiple_jobs: WireBool | None = None
    placement_specifications: (
        Annotated[list[PlacementSpecification], Field(max_length=10)] | None
    ) = None


class ResourceConfig(WireModel):
    """The instances of one training job: a type and count, or heterogeneous InstanceGroups."""

    instance_type: TrainingInstanceType | None = None
    instance_count: Count | None = None
    volume_size_in_gb: Count | None = None
    volume_kms_key_id: KmsKeyId | None = None
    keep_alive_period_in_seconds: Annotated[WireInt, Field(ge=0, le=21600)] | None = None
    instance_groups: Annotated[list[InstanceGroup], Field(max_length=5)] | None = None
    training_plan_arn: TrainingPlanArn | None = None
    instance_placement_config: InstancePlacementConfig | None = None


class HyperParameterTuningInstanceConfig(WireModel):
    instance_type: TrainingInstanceType
    instance_count: Count
    volume_size_in_gb: PositiveInt


class HyperParameterTuningResourceConfig(WireModel):
    """Instance-type flexibility: InstanceConfigs, or the single type/count/volume trio."""

    instance_type: TrainingInstanceType | None = None
    instance_count: Count | None = None
    volume_size_in_gb: Count | None = None
    volume_kms_key_id: KmsKeyId | None = None
    allocation_strategy: HyperParameterTuningAllocationStrategy | None = None
    instance_configs: (
        Annotated[list[HyperParameterTuningInstanceConfig], Field(min_length=1, max_length=6)]
        | None
    ) = None


class StoppingCondition(WireModel):
    """Time limits of each training job; MaxRuntime covers all retry attempts (28 days at most)."""

    max_runtime_in_seconds: Annotated[WireInt, Field(ge=1, le=2419200)] | None = None
    max_wait_time_in_seconds: PositiveInt | None = None
    max_pending_time_in_seconds: Annotated[WireInt, Field(ge=7200, le=2419200)] | None = None


class CheckpointConfig(WireModel):
    s3_uri: S3Uri
    local_path: DirectoryPath | None = None


class RetryStrategy(WireModel):
    """Retries after internal (not the script's) failures."""

    maximum_retry_attempts: Annotated[WireInt, Field(ge=1, le=30)]


class HyperParameterTrainingJobDefinition(WireModel):
    """One algorithm to tune: image, data, resources, fixed hyperparameters and limits.

    `DefinitionName`, `TuningObjective` and `HyperParameterRanges` are for multi-algorithm jobs
    (`TrainingJobDefinitions`); a single `TrainingJobDefinition` takes them from the job config.
    """

    definition_name: DefinitionName | None = None
    tuning_objective: HyperParameterTuningJobObjective | None = None
    hyper_parameter_ranges: ParameterRanges | None = None
    static_hyper_parameters: (
        Annotated[dict[HyperParameterKey, HyperParameterValue], Field(max_length=100)] | None
    ) = None
    algorithm_specification: HyperParameterAlgorithmSpecification
    role_arn: RoleArn
    input_data_config: Annotated[list[Channel], Field(min_length=1, max_length=20)] | None = None
    vpc_config: VpcConfig | None = None
    output_data_config: OutputDataConfig
    resource_config: ResourceConfig | None = None
    hyper_parameter_tuning_resource_config: HyperParameterTuningResourceConfig | None = None
    stopping_condition: StoppingCondition
    enable_network_isolation: WireBool | None = None
    enable_inter_container_traffic_encryption: WireBool | None = None
    enable_managed_spot_training: WireBool | None = None
    checkpoint_config: CheckpointConfig | None = None
    retry_strategy: RetryStrategy | None = None
    environment: Annotated[dict[EnvironmentKey, EnvironmentValue], Field(max_length=48)] | None = (
        None
    )
