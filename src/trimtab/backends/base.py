"""The backend contract: backends only move processes and bytes.

A backend launches a training job described by a `RunSpec` (everything the SageMaker
training-container contract needs, already resolved to local paths), reports its new log text
and, once it has ended and its artifacts are packed, how it ended. Deciding what to run, parsing
metrics and writing the store are the tuner's job.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from trimtab.spec.enums import SecondaryStatus, TrainingJobStatus


@dataclass(frozen=True)
class Channel:
    """One input channel, resolved: `source` is a local file or folder (from S3Uri)."""

    name: str
    source: str
    content_type: str | None = None
    input_mode: str = "File"  # File | Pipe | FastFile (all served as File locally)
    s3_data_type: str = "S3Prefix"
    distribution_type: str = "FullyReplicated"
    record_wrapper_type: str = "None"
    compression_type: str = "None"


@dataclass(frozen=True)
class RunSpec:
    """Everything needed to run one training job under the SageMaker container contract.

    `hyperparameters` is exactly what goes into hyperparameters.json: static + tuned values
    and `_tuning_objective_metric`, every value a string, passed through verbatim.
    """

    training_job_name: str
    training_job_arn: str
    job_dir: str  # the job's own folder; the /opt/ml-style tree is created under it
    log_path: str  # stdout and stderr of the job, appended across attempts
    hyperparameters: Mapping[str, str]
    training_image: str
    code_dir: str | None = None  # resolved sagemaker_submit_directory: a folder or a .tar.gz
    algorithm_module: str | None = None  # a built-in algorithm: run `python -m <module>`, no code
    channels: Sequence[Channel] = ()
    output_path: str = ""  # local folder for <output_path>/<job>/output/model.tar.gz
    compress_model: bool = True  # OutputDataConfig.CompressionType != NONE
    checkpoint_s3_uri: str | None = None  # local folder synced with the checkpoints folder
    checkpoint_local_path: str | None = None  # CheckpointConfig.LocalPath (default checkpoints/)
    environment: Mapping[str, str] = field(default_factory=dict)
    instance_type: str = "ml.m5.xlarge"
    instance_count: int = 1
    max_runtime_seconds: float = 86400.0
    stop_grace_seconds: float = 120.0  # SIGTERM, then SIGKILL after this long
    python: str = ""  # interpreter for script-mode entry points; "" = the one running trimtab
    region: str = "us-east-1"


@dataclass(frozen=True)
class RunState:
    """What one `poll` saw.

    `new_log` is the log text written since the previous poll (decoded leniently: garbage bytes
    never raise). When `finished` is true the job has ended and its artifacts are packed:
    `status` is Completed, Failed or Stopped; `secondary_status` says why (e.g.
    MaxRuntimeExceeded); `failure_reason` holds the first 1024 characters of
    `output/failure` or, failing that, what the backend knows (exit code, signal).
    `retryable` marks failures that were not the training script's fault (the process could not
    be started, or was killed by a signal nobody asked for), which `RetryStrategy` retries.
    """

    new_log: str = ""
    finished: bool = False
    status: TrainingJobStatus = TrainingJobStatus.IN_PROGRESS
    secondary_status: SecondaryStatus = SecondaryStatus.TRAINING
    failure_reason: str | None = None
    retryable: bool = False
    exit_code: int | None = None


class Backend(Protocol):
    def launch(self, run: RunSpec) -> str:
        """Prepare the job's folder tree and start it; returns an opaque handle (stored with the
        trial) that this backend's `poll` and `stop` accept. Raises `ValidationError` for a
        problem the user must fix (a missing script or channel folder), before starting anything."""

    def poll(self, handle: str) -> RunState:
        """New log text and, once ended, the outcome. Never blocks for long."""

    def stop(self, handle: str) -> None:
        """Ask the job to stop (SIGTERM, then SIGKILL after the grace period). Idempotent; the
        outcome is reported by a later `poll` as Stopped."""

    def shutdown(self) -> None:
        """Stop everything still running and wait until it has ended (tuner exit, Ctrl-C)."""
