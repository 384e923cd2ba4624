"""SageMaker's enumerations, with the exact (case-sensitive) wire values as StrEnum values.

Member order is the service model's, so "Member must satisfy enum value set: [...]" lists them
as SageMaker does.
"""

from __future__ import annotations

from enum import StrEnum

_FINISHED = frozenset({"Completed", "Failed", "Stopped"})


class _Lifecycle(StrEnum):
    """A job status: Completed, Failed and Stopped end the job's lifecycle."""

    def is_finished(self) -> bool:
        return self.value in _FINISHED


class Strategy(StrEnum):
    BAYESIAN = "Bayesian"
    RANDOM = "Random"
    HYPERBAND = "Hyperband"
    GRID = "Grid"


class ScalingType(StrEnum):
    AUTO = "Auto"
    LINEAR = "Linear"
    LOGARITHMIC = "Logarithmic"
    REVERSE_LOGARITHMIC = "ReverseLogarithmic"


class TrainingJobEarlyStoppingType(StrEnum):
    OFF = "Off"
    AUTO = "Auto"


class ObjectiveType(StrEnum):
    MAXIMIZE = "Maximize"
    MINIMIZE = "Minimize"

    @property
    def sign(self) -> float:
        """Multiplier that turns the objective into a loss: everything inside minimises."""
        return -1.0 if self is ObjectiveType.MAXIMIZE else 1.0


class CompleteOnConvergence(StrEnum):
    DISABLED = "Disabled"
    ENABLED = "Enabled"


class WarmStartType(StrEnum):
    IDENTICAL_DATA_AND_ALGORITHM = "IdenticalDataAndAlgorithm"
    TRANSFER_LEARNING = "TransferLearning"


class AutotuneMode(StrEnum):
    ENABLED = "Enabled"


class TrainingInputMode(StrEnum):
    PIPE = "Pipe"
    FILE = "File"
    FAST_FILE = "FastFile"


class S3DataType(StrEnum):
    MANIFEST_FILE = "ManifestFile"
    S3_PREFIX = "S3Prefix"
    AUGMENTED_MANIFEST_FILE = "AugmentedManifestFile"
    CONVERSE = "Converse"


class S3DataDistribution(StrEnum):
    FULLY_REPLICATED = "FullyReplicated"
    SHARDED_BY_S3_KEY = "ShardedByS3Key"


class FileSystemAccessMode(StrEnum):
    RW = "rw"
    RO = "ro"


class FileSystemType(StrEnum):
    EFS = "EFS"
    FSX_LUSTRE = "FSxLustre"


class CompressionType(StrEnum):
    """Input channel compression (Pipe mode only)."""

    NONE = "None"
    GZIP = "Gzip"


class RecordWrapper(StrEnum):
    NONE = "None"
    RECORD_IO = "RecordIO"


class OutputCompressionType(StrEnum):
    """Model artifact compression; note the upper-case values, unlike `CompressionType`."""

    GZIP = "GZIP"
    NONE = "NONE"


class HyperParameterTuningAllocationStrategy(StrEnum):
    PRIORITIZED = "Prioritized"


class HyperParameterTuningJobStatus(_Lifecycle):
    COMPLETED = "Completed"
    IN_PROGRESS = "InProgress"
    FAILED = "Failed"
    STOPPED = "Stopped"
    STOPPING = "Stopping"
    DELETING = "Deleting"
    DELETE_FAILED = "DeleteFailed"


class TrainingJobStatus(_Lifecycle):
    IN_PROGRESS = "InProgress"
    COMPLETED = "Completed"
    FAILED = "Failed"
    STOPPING = "Stopping"
    STOPPED = "Stopped"
    DELETING = "Deleting"


class SecondaryStatus(StrEnum):
    STARTING = "Starting"
    LAUNCHING_ML_INSTANCES = "LaunchingMLInstances"
    PREPARING_TRAINING_STACK = "PreparingTrainingStack"
    DOWNLOADING = "Downloading"
    DOWNLOADING_TRAINING_IMAGE = "DownloadingTrainingImage"
    TRAINING = "Training"
    UPLOADING = "Uploading"
    STOPPING = "Stopping"
    STOPPED = "Stopped"
    MAX_RUNTIME_EXCEEDED = "MaxRuntimeExceeded"
    COMPLETED = "Completed"
    FAILED = "Failed"
    INTERRUPTED = "Interrupted"
    MAX_WAIT_TIME_EXCEEDED = "MaxWaitTimeExceeded"
    UPDATING = "Updating"
    RESTARTING = "Restarting"
    PENDING = "Pending"


class ObjectiveStatus(StrEnum):
    SUCCEEDED = "Succeeded"
    PENDING = "Pending"
    FAILED = "Failed"


class WarmPoolResourceStatus(StrEnum):
    AVAILABLE = "Available"
    TERMINATED = "Terminated"
    REUSED = "Reused"
    IN_USE = "InUse"


class SortOrder(StrEnum):
    ASCENDING = "Ascending"
    DESCENDING = "Descending"


class HyperParameterTuningJobSortByOptions(StrEnum):
    NAME = "Name"
    STATUS = "Status"
    CREATION_TIME = "CreationTime"


class TrainingJobSortByOptions(StrEnum):
    """How ListTrainingJobsForHyperParameterTuningJob sorts."""

    NAME = "Name"
    CREATION_TIME = "CreationTime"
    STATUS = "Status"
    FINAL_OBJECTIVE_METRIC_VALUE = "FinalObjectiveMetricValue"


class SortBy(StrEnum):
    """How ListTrainingJobs sorts."""

    NAME = "Name"
    CREATION_TIME = "CreationTime"
    STATUS = "Status"


class TrainingInstanceType(StrEnum):
    """The 145 `ml.*` training instance types of botocore 1.43.11's service model."""

    ML_M4_XLARGE = "ml.m4.xlarge"
    ML_M4_2XLARGE = "ml.m4.2xlarge"
    ML_M4_4XLARGE = "ml.m4.4xlarge"
    ML_M4_10XLARGE = "ml.m4.10xlarge"
    ML_M4_16XLARGE = "ml.m4.16xlarge"
    ML_G4DN_XLARGE = "ml.g4dn.xlarge"
    ML_G4DN_2XLARGE = "ml.g4dn.2xlarge"
    ML_G4DN_4XLARGE = "ml.g4dn.4xlarge"
    ML_G4DN_8XLARGE = "ml.g4dn.8xlarge"
    ML_G4DN_12XLARGE = "ml.g4dn.12xlarge"
    ML_G4DN_16XLARGE = "ml.g4dn.16xlarge"
    ML_M5_LARGE = "ml.m5.large"
    ML_M5_XLARGE = "ml.m5.xlarge"
    ML_M5_2XLARGE = "ml.m5.2xlarge"
    ML_M5_4XLARGE = "ml.m5.4xlarge"
    ML_M5_12XLARGE = "ml.m5.12xlarge"
    ML_M5_24XLARGE = "ml.m5.24xlarge"
    ML_C4_XLARGE = "ml.c4.xlarge"
    ML_C4_2XLARGE = "ml.c4.2xlarge"
    ML_C4_4XLARGE = "ml.c4.4xlarge"
    ML_C4_8XLARGE = "ml.c4.8xlarge"
    ML_P2_XLARGE = "ml.p2.xlarge"
    ML_P2_8XLARGE = "ml.p2.8xlarge"
    ML_P2_16XLARGE = "ml.p2.16xlarge"
    ML_P3_2XLARGE = "ml.p3.2xlarge"
    ML_P3_8XLARGE = "ml.p3.8xlarge"
    ML_P3_16XLARGE = "ml.p3.16xlarge"
    ML_P3DN_24XLARGE = "ml.p3dn.24xlarge"
    ML_P4D_24XLARGE = "ml.p4d.24xlarge"
    ML_P4DE_24XLARGE = "ml.p4de.24xlarge"
    ML_P5_48XLARGE = "ml.p5.48xlarge"
    ML_P5E_48XLARGE = "ml.p5e.48xlarge"
    ML_P5EN_48XLARGE = "ml.p5en.48xlarge"
    ML_C5_XLARGE = "ml.c5.xlarge"
    ML_C5_2XLARGE = "ml.c5.2xlarge"
    ML_C5_4XLARGE = "ml.c5.4xlarge"
    ML_C5_9XLARGE = "ml.c5.9xlarge"
    ML_C5_18XLARGE = "ml.c5.18xlarge"
    ML_C5N_XLARGE = "ml.c5n.xlarge"
    ML_C5N_2XLARGE = "ml.c5n.2xlarge"
    ML_C5N_4XLARGE = "ml.c5n.4xlarge"
    ML_C5N_9XLARGE = "ml.c5n.9xlarge"
    ML_C5N_18XLARGE = "ml.c5n.18xlarge"
    ML_G5_XLARGE = "ml.g5.xlarge"
    ML_G5_2XLARGE = "ml.g5.2xlarge"
    ML_G5_4XLARGE = "ml.g5.4xlarge"
    ML_G5_8XLARGE = "ml.g5.8xlarge"
    ML_G5_16XLARGE = "ml.g5.16xlarge"
    ML_G5_12XLARGE = "ml.g5.12xlarge"
    ML_G5_24XLARGE = "ml.g5.24xlarge"
    ML_G5_48XLARGE = "ml.g5.48xlarge"
    ML_G6_XLARGE = "ml.g6.xlarge"
    ML_G6_2XLARGE = "ml.g6.2xlarge"
    ML_G6_4XLARGE = "ml.g6.4xlarge"
    ML_G6_8XLARGE = "ml.g6.8xlarge"
    ML_G6_16XLARGE = "ml.g6.16xlarge"
    ML_G6_12XLARGE = "ml.g6.12xlarge"
    ML_G6_24XLARGE = "ml.g6.24xlarge"
    ML_G6_48XLARGE = "ml.g6.48xlarge"
    ML_G6E_XLARGE = "ml.g6e.xlarge"
    ML_G6E_2XLARGE = "ml.g6e.2xlarge"
    ML_G6E_4XLARGE = "ml.g6e.4xlarge"
    ML_G6E_8XLARGE = "ml.g6e.8xlarge"
    ML_G6E_16XLARGE = "ml.g6e.16xlarge"
    ML_G6E_12XLARGE = "ml.g6e.12xlarge"
    ML_G6E_24XLARGE = "ml.g6e.24xlarge"
    ML_G6E_48XLARGE = "ml.g6e.48xlarge"
    ML_TRN1_2XLARGE = "ml.trn1.2xlarge"
    ML_TRN1_32XLARGE = "ml.trn1.32xlarge"
    ML_TRN1N_32XLARGE = "ml.trn1n.32xlarge"
    ML_TRN2_48XLARGE = "ml.trn2.48xlarge"
    ML_M6I_LARGE = "ml.m6i.large"
    ML_M6I_XLARGE = "ml.m6i.xlarge"
    ML_M6I_2XLARGE = "ml.m6i.2xlarge"
    ML_M6I_4XLARGE = "ml.m6i.4xlarge"
    ML_M6I_8XLARGE = "ml.m6i.8xlarge"
    ML_M6I_12XLARGE = "ml.m6i.12xlarge"
    ML_M6I_16XLARGE = "ml.m6i.16xlarge"
    ML_M6I_24XLARGE = "ml.m6i.24xlarge"
    ML_M6I_32XLARGE = "ml.m6i.32xlarge"
    ML_C6I_XLARGE = "ml.c6i.xlarge"
    ML_C6I_2XLARGE = "ml.c6i.2xlarge"
    ML_C6I_8XLARGE = "ml.c6i.8xlarge"
    ML_C6I_4XLARGE = "ml.c6i.4xlarge"
    ML_C6I_12XLARGE = "ml.c6i.12xlarge"
    ML_C6I_16XLARGE = "ml.c6i.16xlarge"
    ML_C6I_24XLARGE = "ml.c6i.24xlarge"
    ML_C6I_32XLARGE = "ml.c6i.32xlarge"
    ML_R5D_LARGE = "ml.r5d.large"
    ML_R5D_XLARGE = "ml.r5d.xlarge"
    ML_R5D_2XLARGE = "ml.r5d.2xlarge"
    ML_R5D_4XLARGE = "ml.r5d.4xlarge"
    ML_R5D_8XLARGE = "ml.r5d.8xlarge"
    ML_R5D_12XLARGE = "ml.r5d.12xlarge"
    ML_R5D_16XLARGE = "ml.r5d.16xlarge"
    ML_R5D_24XLARGE = "ml.r5d.24xlarge"
    ML_T3_MEDIUM = "ml.t3.medium"
    ML_T3_LARGE = "ml.t3.large"
    ML_T3_XLARGE = "ml.t3.xlarge"
    ML_T3_2XLARGE = "ml.t3.2xlarge"
    ML_R5_LARGE = "ml.r5.large"
    ML_R5_XLARGE = "ml.r5.xlarge"
    ML_R5_2XLARGE = "ml.r5.2xlarge"
    ML_R5_4XLARGE = "ml.r5.4xlarge"
    ML_R5_8XLARGE = "ml.r5.8xlarge"
    ML_R5_12XLARGE = "ml.r5.12xlarge"
    ML_R5_16XLARGE = "ml.r5.16xlarge"
    ML_R5_24XLARGE = "ml.r5.24xlarge"
    ML_P6_B200_48XLARGE = "ml.p6-b200.48xlarge"
    ML_M7I_LARGE = "ml.m7i.large"
    ML_M7I_XLARGE = "ml.m7i.xlarge"
    ML_M7I_2XLARGE = "ml.m7i.2xlarge"
    ML_M7I_4XLARGE = "ml.m7i.4xlarge"
    ML_M7I_8XLARGE = "ml.m7i.8xlarge"
    ML_M7I_12XLARGE = "ml.m7i.12xlarge"
    ML_M7I_16XLARGE = "ml.m7i.16xlarge"
    ML_M7I_24XLARGE = "ml.m7i.24xlarge"
    ML_M7I_48XLARGE = "ml.m7i.48xlarge"
    ML_C7I_LARGE = "ml.c7i.large"
    ML_C7I_XLARGE = "ml.c7i.xlarge"
    ML_C7I_2XLARGE = "ml.c7i.2xlarge"
    ML_C7I_4XLARGE = "ml.c7i.4xlarge"
    ML_C7I_8XLARGE = "ml.c7i.8xlarge"
    ML_C7I_12XLARGE = "ml.c7i.12xlarge"
    ML_C7I_16XLARGE = "ml.c7i.16xlarge"
    ML_C7I_24XLARGE = "ml.c7i.24xlarge"
    ML_C7I_48XLARGE = "ml.c7i.48xlarge"
    ML_R7I_LARGE = "ml.r7i.large"
    ML_R7I_XLARGE = "ml.r7i.xlarge"
    ML_R7I_2XLARGE = "ml.r7i.2xlarge"
    ML_R7I_4XLARGE = "ml.r7i.4xlarge"
    ML_R7I_8XLARGE = "ml.r7i.8xlarge"
    ML_R7I_12XLARGE = "ml.r7i.12xlarge"
    ML_R7I_16XLARGE = "ml.r7i.16xlarge"
    ML_R7I_24XLARGE = "ml.r7i.24xlarge"
    ML_R7I_48XLARGE = "ml.r7i.48xlarge"
    ML_P6E_GB200_36XLARGE = "ml.p6e-gb200.36xlarge"
    ML_P5_4XLARGE = "ml.p5.4xlarge"
    ML_P6_B300_48XLARGE = "ml.p6-b300.48xlarge"
    ML_G7E_2XLARGE = "ml.g7e.2xlarge"
    ML_G7E_4XLARGE = "ml.g7e.4xlarge"
    ML_G7E_8XLARGE = "ml.g7e.8xlarge"
    ML_G7E_12XLARGE = "ml.g7e.12xlarge"
    ML_G7E_24XLARGE = "ml.g7e.24xlarge"
    ML_G7E_48XLARGE = "ml.g7e.48xlarge"
