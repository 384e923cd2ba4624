"""A validated tuning job, resolved for this machine.

`spec` checks that a request is well formed; this module gives its SageMaker fields their local
meaning: `S3Uri` and `sagemaker_submit_directory` become local files and folders (relative to
the job file's folder; `file://` URIs; `s3://bucket/key` under `TRIMTAB_S3_ROOT` when set), each
definition gets its search space, objective and metric definitions, and every training job gets
the `RunSpec` a backend needs. Problems found here (a missing channel folder, a script that is
not there) are `ValidationError`s raised before anything is written.
"""

from __future__ import annotations

import json
import os
import tarfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from trimtab.algorithms import builtin
from trimtab.backends.base import Channel, RunSpec
from trimtab.errors import ValidationError
from trimtab.metrics import MetricDefinition, compile_definitions
from trimtab.space import SearchSpace
from trimtab.spec import (
    CreateHyperParameterTuningJobRequest,
    HyperParameterTrainingJobDefinition,
    hyperband_max_resource,
    parse_request,
)
from trimtab.spec.enums import ObjectiveType
from trimtab.store.base import TuningJobRecord
from trimtab.types import Trial

ACCOUNT = "000000000000"  # the account id in every ARN trimtab makes
OBJECTIVE_HYPERPARAMETER = "_tuning_objective_metric"


def region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"


def tuning_job_arn(name: str) -> str:
    # SageMaker lower-cases resource names inside ARNs.
    return f"arn:aws:sagemaker:{region()}:{ACCOUNT}:hyper-parameter-tuning-job/{name.lower()}"


def training_job_arn(tuning_job_arn: str, training_job_name: str) -> str:
    prefix = tuning_job_arn.split(":hyper-parameter-tuning-job/")[0]
    return f"{prefix}:training-job/{training_job_name.lower()}"


@dataclass(frozen=True)
class Settings:
    """How this machine runs training jobs; not part of the job's request."""

    python: str = ""  # interpreter for script-mode entry points; "" = the one running trimtab
    stop_grace_seconds: float = 120.0  # SIGTERM, then SIGKILL after this long (as SageMaker)
    poll_interval: float = 0.1  # seconds between two looks at the running training jobs

    @classmethod
    def from_env(cls) -> Settings:
        """Defaults, overridden by TRIMTAB_PYTHON and TRIMTAB_STOP_GRACE_SECONDS."""
        grace = os.environ.get("TRIMTAB_STOP_GRACE_SECONDS")
        return cls(
            python=os.environ.get("TRIMTAB_PYTHON", ""),
            stop_grace_seconds=float(grace) if grace else cls.stop_grace_seconds,
        )


@dataclass(frozen=True)
class Objective:
    metric_name: str
    direction: ObjectiveType

    def loss(self, value: float) -> float:
        """The value as something to minimise."""
        return self.direction.sign * value


@dataclass(frozen=True)
class Definition:
    """One training job definition, resolved: what every training job of it needs."""

    name: str | None
    field_path: str  # "TrainingJobDefinition" or "TrainingJobDefinitions.<i>"
    spec: HyperParameterTrainingJobDefinition
    objective: Objective
    space: SearchSpace
    metric_definitions: list[MetricDefinition]
    channels: tuple[Channel, ...]
    code_dir: str | None
    output_path: str
    checkpoint_dir: str | None
    static_hyperparameters: Mapping[str, str] = field(default_factory=dict)
    algorithm_module: str | None = None  # a built-in algorithm's module; None in script mode


def resolve_location(uri: str, field_path: str, base_dir: Path) -> Path:
    """The local path an `S3Uri`-like value names (see the module docstring)."""
    if uri.startswith("file://"):
        path = Path(uri.removeprefix("file://"))
    elif uri.startswith(("s3://", "https://")):
        root = os.environ.get("TRIMTAB_S3_ROOT")
        if not root or not uri.startswith("s3://"):
            raise ValidationError(
                f"Value '{uri}' at '{field_path}' failed to satisfy constraint: trimtab reads "
                "data from this machine: give a local path or a file:// URI, or set "
                "TRIMTAB_S3_ROOT to a folder mirroring your buckets "
                "(s3://bucket/key is then read from $TRIMTAB_S3_ROOT/bucket/key)"
            )
        path = Path(root) / uri.removeprefix("s3://")
    else:
        path = Path(uri)
    return path if path.is_absolute() else base_dir / path


def _existing(uri: str, field_path: str, base_dir: Path, what: str) -> Path:
    path = resolve_location(uri, field_path, base_dir)
    if not path.exists() and not any(path.parent.glob(path.name + "*")):
        raise ValidationError(
            f"Value '{uri}' at '{field_path}' failed to satisfy constraint: {what} "
            f"'{path}' does not exist"
        )
    return path


def _channels(
    definition: HyperParameterTrainingJobDefinition, path: str, base: Path
) -> tuple[Channel, ...]:
    channels = []
    for i, channel in enumerate(definition.input_data_config or []):
        field_path = f"{path}.InputDataConfig.{i}.DataSource.S3DataSource.S3Uri"
        s3 = channel.data_source.s3_data_source
        if s3 is None:
            raise ValidationError(
                f"Value at '{path}.InputDataConfig.{i}.DataSource' failed to satisfy constraint: "
                "trimtab supports S3DataSource channels only (FileSystemDataSource and "
                "DatasetSource are not supported yet)"
            )
        source = _existing(
            s3.s3_uri, field_path, base, f"the data of channel '{channel.channel_name}',"
        )
        channels.append(
            Channel(
                name=channel.channel_name,
                source=str(source),
                content_type=channel.content_type,
                input_mode=str(
                    channel.input_mode or definition.algorithm_specification.training_input_mode
                ),
                s3_data_type=str(s3.s3_data_type),
                distribution_type=str(s3.s3_data_distribution_type or "FullyReplicated"),
                record_wrapper_type=str(channel.record_wrapper_type or "None"),
                compression_type=str(channel.compression_type or "None"),
            )
        )
    return tuple(channels)


def _decoded(value: str) -> str:
    """A hyperparameter as the training toolkit decodes it (JSON, else the raw string)."""
    try:
        decoded = json.loads(value)
    except ValueError:
        return value
    return decoded if isinstance(decoded, str) else value


def _code_dir(static: Mapping[str, str], path: str, base: Path) -> str | None:
    """The resolved `sagemaker_submit_directory`, checked to hold `sagemaker_program`."""
    program = static.get("sagemaker_program")
    submit = static.get("sagemaker_submit_directory")
    field_path = f"{path}.StaticHyperParameters.sagemaker_submit_directory"
    if program is None:
        raise ValidationError(
            f"Value null at '{path}.StaticHyperParameters.sagemaker_program' failed to satisfy "
            "constraint: a script-mode training job needs sagemaker_program (the entry point) "
            "and sagemaker_submit_directory (a folder or .tar.gz holding it)"
        )
    if submit is None:
        raise ValidationError(
            f"Value null at '{field_path}' failed to satisfy constraint: name the folder or "
            f".tar.gz holding the entry point {_decoded(program)!r}"
        )
    code = _existing(_decoded(submit), field_path, base, "the training code")
    entry = _decoded(program)
    if code.is_dir():
        found = (code / entry).is_file()
    else:
        try:
            with tarfile.open(code) as archive:
                found = any(n.removeprefix("./") == entry for n in archive.getnames())
        except (tarfile.TarError, OSError) as error:
            raise ValidationError(
                f"Value '{submit}' at '{field_path}' failed to satisfy constraint: must be a "
                f"folder or a readable .tar.gz ({error})"
            ) from None
    if not found:
        raise ValidationError(
            f"Value '{program}' at '{path}.StaticHyperParameters.sagemaker_program' failed to "
            f"satisfy constraint: the entry point '{entry}' is not in '{code}'"
        )
    return str(code)


class Job:
    """A tuning job with its definitions resolved against `base_dir`."""

    def __init__(
        self,
        request: CreateHyperParameterTuningJobRequest,
        base_dir: Path,
        arn: str,
        seed: int,
    ) -> None:
        self.request = request
        self.name = request.hyper_parameter_tuning_job_name
        self.arn = arn
        self.base_dir = base_dir
        self.seed = seed
        config = request.hyper_parameter_tuning_job_config
        self.strategy = str(config.strategy)
        limits = config.resource_limits
        self.max_parallel = limits.max_parallel_training_jobs
        self.max_runtime_seconds = limits.max_runtime_in_seconds
        self.definitions = {d.name: d for d in self._resolve_definitions()}
        self.max_jobs = limits.max_number_of_training_jobs or sum(
            d.space.grid_size() for d in self.definitions.values()
        )
        self.early_stopping = str(config.training_job_early_stopping_type or "Off")
        self.completion = config.tuning_job_completion_criteria
        hyperband = (
            config.strategy_config.hyperband_strategy_config if config.strategy_config else None
        )
        self.min_resource = (hyperband.min_resource if hyperband else None) or 1

    def max_resource(self, definition: Definition) -> int:
        """Hyperband's MaxResource for the definition: given, or inferred from its epochs."""
        config = self.request.hyper_parameter_tuning_job_config
        value = hyperband_max_resource(config, definition.spec)
        if value is None:  # the spec refuses a Hyperband request without one
            raise ValidationError(f"No MaxResource for {definition.field_path}")
        return value

    def loss(self, trial: Trial) -> float:
        """The trial's final objective as a loss (lower is better); +inf when it has none."""
        if trial.objective is None:
            return float("inf")
        return self.definition(trial).objective.loss(trial.objective)

    def target_loss(self, trial: Trial) -> float:
        """TargetObjectiveMetricValue as a loss in the trial's definition's direction."""
        target = self.completion.target_objective_metric_value if self.completion else None
        return float("-inf") if target is None else self.definition(trial).objective.loss(target)

    @classmethod
    def from_record(cls, record: TuningJobRecord) -> Job:
        return cls(
            parse_request(dict(record.request)), Path(record.base_dir), record.arn, record.seed
        )

    def _resolve_definitions(self) -> list[Definition]:
        config = self.request.hyper_parameter_tuning_job_config
        if self.request.training_job_definition is not None:
            pairs = [("TrainingJobDefinition", self.request.training_job_definition)]
        else:
            pairs = [
                (f"TrainingJobDefinitions.{i}", d)
                for i, d in enumerate(self.request.training_job_definitions or [])
            ]
        resolved = []
        for path, definition in pairs:
            objective = definition.tuning_objective or config.hyper_parameter_tuning_job_objective
            ranges = definition.hyper_parameter_ranges or config.parameter_ranges
            assert objective is not None  # the spec requires one per definition
            static = dict(definition.static_hyper_parameters or {})
            checkpoint = definition.checkpoint_config
            algorithm = builtin(definition.algorithm_specification.training_image)
            metrics = [
                m.to_wire() for m in definition.algorithm_specification.metric_definitions or []
            ]
            if algorithm is not None:
                if objective.metric_name not in algorithm.metrics:
                    raise ValidationError(
                        f"Value '{objective.metric_name}' at 'HyperParameterTuningJobObjective."
                        f"MetricName' failed to satisfy constraint: the {algorithm.name} algorithm "
                        f"reports {', '.join(algorithm.metrics)}"
                    )
                named = {m["Name"] for m in metrics}
                metrics += [m for m in algorithm.metric_definitions() if m["Name"] not in named]
            resolved.append(
                Definition(
                    name=definition.definition_name,
                    field_path=path,
                    spec=definition,
                    objective=Objective(objective.metric_name, ObjectiveType(str(objective.type))),
                    space=SearchSpace.from_wire(ranges.to_wire() if ranges else {}),
                    metric_definitions=compile_definitions(metrics),
                    channels=_channels(definition, path, self.base_dir),
                    code_dir=None if algorithm else _code_dir(static, path, self.base_dir),
                    algorithm_module=algorithm.module if algorithm else None,
                    output_path=str(
                        resolve_location(
                            definition.output_data_config.s3_output_path,
                            f"{path}.OutputDataConfig.S3OutputPath",
                            self.base_dir,
                        )
                    ),
                    checkpoint_dir=str(
                        resolve_location(
                            checkpoint.s3_uri, f"{path}.CheckpointConfig.S3Uri", self.base_dir
                        )
                    )
                    if checkpoint
                    else None,
                    static_hyperparameters=static,
                )
            )
        return resolved

    def definition(self, trial: Trial) -> Definition:
        return self.definitions[trial.definition_name]

    def run_spec(self, trial: Trial, job_dir: str, log_path: str, settings: Settings) -> RunSpec:
        """What the backend needs to run `trial` under the training-container contract."""
        d = self.definition(trial)
        spec = d.spec
        hyperparameters = {
            **d.static_hyperparameters,
            **trial.hyperparameters,
            OBJECTIVE_HYPERPARAMETER: d.objective.metric_name,
        }
        resources = spec.resource_config or spec.hyper_parameter_tuning_resource_config
        instance_type = getattr(resources, "instance_type", None) or "ml.m5.xlarge"
        return RunSpec(
            training_job_name=trial.training_job_name,
            training_job_arn=training_job_arn(self.arn, trial.training_job_name),
            job_dir=job_dir,
            log_path=log_path,
            hyperparameters=hyperparameters,
            training_image=spec.algorithm_specification.training_image or "",
            code_dir=d.code_dir,
            algorithm_module=d.algorithm_module,
            channels=d.channels,
            output_path=d.output_path,
            compress_model=str(spec.output_data_config.compression_type or "GZIP") != "NONE",
            checkpoint_s3_uri=d.checkpoint_dir,
            checkpoint_local_path=spec.checkpoint_config.local_path
            if spec.checkpoint_config
            else None,
            environment={**self.thread_defaults(), **(spec.environment or {})},
            instance_type=str(instance_type),
            instance_count=1,
            max_runtime_seconds=float(spec.stopping_condition.max_runtime_in_seconds or 86400),
            stop_grace_seconds=settings.stop_grace_seconds,
            python=settings.python,
            region=self.arn.split(":")[3],
        )

    def thread_defaults(self) -> dict[str, str]:
        """Split this machine's cores between the parallel jobs (unless `Environment` says
        otherwise): math libraries that each take every core slow each other down many times."""
        threads = max(1, (os.cpu_count() or 1) // self.max_parallel)
        return {"OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}

    def max_attempts(self, trial: Trial) -> int:
        """1 + RetryStrategy.MaximumRetryAttempts of the trial's definition."""
        retry = self.definition(trial).spec.retry_strategy
        return 1 + (retry.maximum_retry_attempts if retry else 0)
