"""A validated tuning job, resolved for this machine: what the tuner runs.

`spec` checks that a request is well formed; a `Job` reads it once and gives it its local
meaning: each training job definition becomes a `Definition` (search space, objective, metric
definitions, the local paths of its data and code, from `locations`), and every training job
gets the `RunSpec` a backend needs. Problems found here (a missing channel folder, a script
that is not there) are `ValidationError`s raised before anything is written.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from trimtab import arns, locations
from trimtab.algorithms import builtin
from trimtab.backends.base import Channel, RunSpec
from trimtab.errors import ValidationError
from trimtab.metrics import MetricDefinition, compile_definitions
from trimtab.settings import Settings
from trimtab.space import SearchSpace
from trimtab.spec import (
    CreateHyperParameterTuningJobRequest,
    HyperParameterTrainingJobDefinition,
    hyperband_max_resource,
    parse_request,
)
from trimtab.spec.enums import HyperParameterTuningJobStatus, ObjectiveType
from trimtab.spec.hyperparameters import OBJECTIVE_METRIC
from trimtab.spec.views import DefinitionView, definition_views
from trimtab.store.base import TuningJobRecord
from trimtab.types import Trial


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
    max_resource: int | None = None  # Hyperband's MaxResource: given, or from the epochs


class Job:
    """A tuning job with its definitions resolved against `base_dir`."""

    def __init__(
        self,
        request: CreateHyperParameterTuningJobRequest,
        base_dir: Path,
        arn: str,
        seed: int,
        roots: locations.Roots | None = None,
    ) -> None:
        self.request = request
        self.roots = roots
        self.name = request.hyper_parameter_tuning_job_name
        self.arn = arn
        self.base_dir = base_dir
        self.seed = seed
        config = request.hyper_parameter_tuning_job_config
        self.strategy = str(config.strategy)
        limits = config.resource_limits
        self.max_parallel = limits.max_parallel_training_jobs
        self.max_runtime_seconds = limits.max_runtime_in_seconds
        self.definitions = {d.name: d for d in map(self._resolve, definition_views(request))}
        self.max_jobs = limits.max_number_of_training_jobs or sum(
            d.space.grid_size() for d in self.definitions.values()
        )
        self.early_stopping = str(config.training_job_early_stopping_type or "Off")
        self.completion = config.tuning_job_completion_criteria
        hyperband = (
            config.strategy_config.hyperband_strategy_config if config.strategy_config else None
        )
        self.min_resource = (hyperband.min_resource if hyperband else None) or 1

    @classmethod
    def create(
        cls,
        request: CreateHyperParameterTuningJobRequest,
        base_dir: Path,
        seed: int,
        roots: locations.Roots | None = None,
    ) -> Job:
        """A new job: its ARN made, every local path it names checked (under `roots`, for a
        request that came over the API)."""
        arn = arns.tuning_job_arn(request.hyper_parameter_tuning_job_name)
        return cls(request, base_dir, arn, seed, roots)

    @classmethod
    def from_record(cls, record: TuningJobRecord) -> Job:
        """A stored job, resolved again (its files may have moved since it was created)."""
        return cls(
            parse_request(dict(record.request)), Path(record.base_dir), record.arn, record.seed
        )

    def record(self, now: float) -> TuningJobRecord:
        """What the store keeps of a new job: its request as Describe echoes it, InProgress."""
        return TuningJobRecord(
            name=self.name,
            arn=self.arn,
            request=self.request.to_wire(),
            base_dir=str(self.base_dir),
            seed=self.seed,
            status=HyperParameterTuningJobStatus.IN_PROGRESS,
            creation_time=now,
            last_modified_time=now,
        )

    def _resolve(self, view: DefinitionView) -> Definition:
        definition, path, base, roots = view.definition, view.path, self.base_dir, self.roots
        objective = view.objective
        assert objective is not None  # the spec requires one per definition
        static = dict(definition.static_hyper_parameters or {})
        algorithm = builtin(definition.algorithm_specification.training_image)
        metrics = [m.to_wire() for m in definition.algorithm_specification.metric_definitions or []]
        if algorithm is not None:
            if objective.metric_name not in algorithm.metrics:
                raise ValidationError(
                    f"Value '{objective.metric_name}' at 'HyperParameterTuningJobObjective."
                    f"MetricName' failed to satisfy constraint: the {algorithm.name} algorithm "
                    f"reports {', '.join(algorithm.metrics)}"
                )
            named = {m["Name"] for m in metrics}
            metrics += [m for m in algorithm.metric_definitions() if m["Name"] not in named]
        return Definition(
            name=definition.definition_name,
            field_path=path,
            spec=definition,
            objective=Objective(objective.metric_name, objective.type),
            space=SearchSpace.from_ranges(view.ranges),
            metric_definitions=compile_definitions(metrics),
            channels=locations.channels(definition, path, base, roots),
            code_dir=None if algorithm else locations.code_dir(static, path, base, roots),
            algorithm_module=algorithm.module if algorithm else None,
            output_path=locations.output_path(definition, path, base, roots),
            checkpoint_dir=locations.checkpoint_dir(definition, path, base, roots),
            static_hyperparameters=static,
            max_resource=hyperband_max_resource(
                self.request.hyper_parameter_tuning_job_config, definition
            ),
        )

    def definition(self, trial: Trial) -> Definition:
        return self.definitions[trial.definition_name]

    def loss(self, trial: Trial) -> float:
        """The trial's final objective as a loss (lower is better); +inf when it has none."""
        if trial.objective is None:
            return float("inf")
        return self.definition(trial).objective.loss(trial.objective)

    def target_loss(self, trial: Trial) -> float:
        """TargetObjectiveMetricValue as a loss in the trial's definition's direction."""
        target = self.completion.target_objective_metric_value if self.completion else None
        return float("-inf") if target is None else self.definition(trial).objective.loss(target)

    def run_spec(self, trial: Trial, job_dir: str, log_path: str, settings: Settings) -> RunSpec:
        """What the backend needs to run `trial` under the training-container contract."""
        d = self.definition(trial)
        spec = d.spec
        hyperparameters = {
            **d.static_hyperparameters,
            **trial.hyperparameters,
            OBJECTIVE_METRIC: d.objective.metric_name,
        }
        resources = spec.resource_config or spec.hyper_parameter_tuning_resource_config
        instance_type = getattr(resources, "instance_type", None) or "ml.m5.xlarge"
        return RunSpec(
            training_job_name=trial.training_job_name,
            training_job_arn=arns.training_job_arn(self.arn, trial.training_job_name),
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
            region=arns.region_of(self.arn),
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
