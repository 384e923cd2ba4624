"""A Python API shaped like the SageMaker Python SDK's tuner, so notebooks need little change.

```python
from trimtab import Estimator, HyperparameterTuner, ContinuousParameter, CategoricalParameter

estimator = Estimator(entry_point="train.py", source_dir="code", hyperparameters={"epochs": 15})
tuner = HyperparameterTuner(
    estimator, "validation:accuracy",
    {"learning-rate": ContinuousParameter(1e-4, 0.1, scaling_type="Logarithmic"),
     "activation": CategoricalParameter(["relu", "tanh"])},
    metric_definitions=[{"Name": "validation:accuracy", "Regex": "validation:accuracy=([0-9.]+)"}],
    max_jobs=8, max_parallel_jobs=2,
)
tuner.fit({"train": "data/train", "validation": "data/validation"})
tuner.best_training_job(); tuner.analytics().dataframe()
```

Like the SDK's framework estimators, static hyperparameters and categorical values are
JSON-encoded strings; the request `fit` builds is exactly what the SDK would send.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trimtab import arns, service
from trimtab.errors import MissingDependency
from trimtab.reports.rows import analytics_rows
from trimtab.store import Store, open_store

if TYPE_CHECKING:
    import pandas as pd

DEFAULT_ROLE = f"arn:aws:iam::{arns.ACCOUNT}:role/trimtab-local"
DEFAULT_IMAGE = "trimtab/script-mode:latest"


@dataclass(frozen=True)
class _NumericParameter:
    min_value: float
    max_value: float
    scaling_type: str = "Auto"

    def as_tuning_range(self, name: str) -> dict[str, str]:
        return {
            "Name": name,
            "MinValue": str(self.min_value),
            "MaxValue": str(self.max_value),
            "ScalingType": self.scaling_type,
        }


class ContinuousParameter(_NumericParameter):
    """A continuous range: `ContinuousParameter(1e-4, 0.1, scaling_type="Logarithmic")`."""


class IntegerParameter(_NumericParameter):
    """An integer range: `IntegerParameter(16, 256)`."""


@dataclass(frozen=True)
class CategoricalParameter:
    values: Sequence[Any]

    def as_tuning_range(self, name: str) -> dict[str, Any]:
        # The SDK's as_json_range: values JSON-encoded, as framework estimators send them.
        return {"Name": name, "Values": [json.dumps(v) for v in self.values]}


Parameter = ContinuousParameter | IntegerParameter | CategoricalParameter
_RANGE_LISTS = {
    ContinuousParameter: "ContinuousParameterRanges",
    IntegerParameter: "IntegerParameterRanges",
    CategoricalParameter: "CategoricalParameterRanges",
}


@dataclass(frozen=True)
class TrainingInput:
    """A channel: `s3_data` is a local path, a file:// URI or (with TRIMTAB_S3_ROOT) s3://."""

    s3_data: str
    content_type: str | None = None
    s3_data_type: str = "S3Prefix"

    def as_channel(self, name: str) -> dict[str, Any]:
        channel: dict[str, Any] = {
            "ChannelName": name,
            "DataSource": {
                "S3DataSource": {
                    "S3DataType": self.s3_data_type,
                    "S3Uri": self.s3_data,
                    "S3DataDistributionType": "FullyReplicated",
                }
            },
        }
        if self.content_type:
            channel["ContentType"] = self.content_type
        return channel


@dataclass
class Estimator:
    """A script-mode training job: `entry_point` in `source_dir`, run as SageMaker runs it."""

    entry_point: str
    source_dir: str | Path = "."
    image_uri: str = DEFAULT_IMAGE
    role: str = DEFAULT_ROLE
    instance_type: str = "ml.m5.xlarge"
    instance_count: int = 1
    hyperparameters: Mapping[str, Any] = field(default_factory=dict)
    output_path: str | Path = "output"
    max_run: int = 86400
    environment: Mapping[str, str] = field(default_factory=dict)
    checkpoint_s3_uri: str | None = None
    max_retry_attempts: int | None = None

    def static_hyperparameters(self) -> dict[str, str]:
        encoded = {name: json.dumps(value) for name, value in self.hyperparameters.items()}
        encoded["sagemaker_program"] = json.dumps(self.entry_point)
        encoded["sagemaker_submit_directory"] = json.dumps(str(Path(self.source_dir).resolve()))
        encoded["sagemaker_container_log_level"] = "20"
        return encoded

    def definition(
        self, inputs: Mapping[str, TrainingInput], metric_definitions: list[dict[str, str]]
    ) -> dict[str, Any]:
        definition: dict[str, Any] = {
            "StaticHyperParameters": self.static_hyperparameters(),
            "AlgorithmSpecification": {
                "TrainingImage": self.image_uri,
                "TrainingInputMode": "File",
                "MetricDefinitions": metric_definitions,
            },
            "RoleArn": self.role,
            "OutputDataConfig": {"S3OutputPath": str(Path(self.output_path).resolve())},
            "ResourceConfig": {
                "InstanceType": self.instance_type,
                "InstanceCount": self.instance_count,
                "VolumeSizeInGB": 30,
            },
            "StoppingCondition": {"MaxRuntimeInSeconds": self.max_run},
        }
        if inputs:
            definition["InputDataConfig"] = [i.as_channel(n) for n, i in inputs.items()]
        if self.environment:
            definition["Environment"] = dict(self.environment)
        if self.checkpoint_s3_uri:
            definition["CheckpointConfig"] = {"S3Uri": self.checkpoint_s3_uri}
        if self.max_retry_attempts:
            definition["RetryStrategy"] = {"MaximumRetryAttempts": self.max_retry_attempts}
        return definition


class HyperparameterTuner:
    """Tunes an `Estimator` the way `sagemaker.tuner.HyperparameterTuner` does."""

    def __init__(
        self,
        estimator: Estimator,
        objective_metric_name: str,
        hyperparameter_ranges: Mapping[str, Parameter],
        metric_definitions: Sequence[Mapping[str, str]] | None = None,
        strategy: str = "Random",
        objective_type: str = "Maximize",
        max_jobs: int | None = None,
        max_parallel_jobs: int = 1,
        base_tuning_job_name: str | None = None,
        random_seed: int | None = None,
        store: Store | None = None,
    ) -> None:
        self.estimator = estimator
        self.objective_metric_name = objective_metric_name
        self.hyperparameter_ranges = dict(hyperparameter_ranges)
        self.metric_definitions = [dict(m) for m in metric_definitions or []]
        self.strategy = strategy
        self.objective_type = objective_type
        self.max_jobs = max_jobs
        self.max_parallel_jobs = max_parallel_jobs
        self.base_tuning_job_name = base_tuning_job_name or "trimtab"
        self.random_seed = random_seed
        self.store = store or open_store()
        self.latest_tuning_job: str | None = None

    def request(
        self, inputs: Mapping[str, str | TrainingInput] | str | None, job_name: str
    ) -> dict[str, Any]:
        """The CreateHyperParameterTuningJob body `fit` sends."""
        if isinstance(inputs, str):
            inputs = {"training": inputs}
        channels = {
            n: i if isinstance(i, TrainingInput) else TrainingInput(i)
            for n, i in (inputs or {}).items()
        }
        ranges: dict[str, list[dict[str, Any]]] = {key: [] for key in _RANGE_LISTS.values()}
        for name, parameter in self.hyperparameter_ranges.items():
            ranges[_RANGE_LISTS[type(parameter)]].append(parameter.as_tuning_range(name))
        limits: dict[str, int] = {"MaxParallelTrainingJobs": self.max_parallel_jobs}
        if self.max_jobs is not None:
            limits["MaxNumberOfTrainingJobs"] = self.max_jobs
        config: dict[str, Any] = {
            "Strategy": self.strategy,
            "HyperParameterTuningJobObjective": {
                "Type": self.objective_type,
                "MetricName": self.objective_metric_name,
            },
            "ResourceLimits": limits,
            "ParameterRanges": ranges,
            "TrainingJobEarlyStoppingType": "Off",
        }
        if self.random_seed is not None:
            config["RandomSeed"] = self.random_seed
        return {
            "HyperParameterTuningJobName": job_name,
            "HyperParameterTuningJobConfig": config,
            "TrainingJobDefinition": self.estimator.definition(channels, self.metric_definitions),
        }

    def fit(
        self,
        inputs: Mapping[str, str | TrainingInput] | str | None = None,
        job_name: str | None = None,
        wait: bool = True,
    ) -> None:
        """Create the tuning job and run it: here until it ends (`wait`), or in the background."""
        name = job_name or f"{self.base_tuning_job_name[:17]}-{time.strftime('%y%m%d-%H%M%S')}"
        service.create_tuning_job(self.store, self.request(inputs, name), Path.cwd())
        self.latest_tuning_job = name
        if wait:
            service.run_tuning_job(self.store, name)
        else:
            log = Path(self.store.job_dir(name)).with_suffix(".tuner.log")
            log.parent.mkdir(parents=True, exist_ok=True)
            with log.open("ab") as out:
                subprocess.Popen(
                    [sys.executable, "-m", "trimtab", "resume", name],
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,
                )

    @classmethod
    def attach(cls, tuning_job_name: str, store: Store | None = None) -> AttachedTuner:
        store = store or open_store()
        store.tuning_job(tuning_job_name)  # ResourceNotFound when unknown
        return AttachedTuner(tuning_job_name, store)

    def _attached(self) -> AttachedTuner:
        if self.latest_tuning_job is None:
            raise ValueError("No tuning job yet: call fit() first.")
        return AttachedTuner(self.latest_tuning_job, self.store)

    def wait(self, poll_seconds: float = 1.0) -> None:
        self._attached().wait(poll_seconds)

    def describe(self) -> dict[str, Any]:
        return self._attached().describe()

    def best_training_job(self) -> str:
        return self._attached().best_training_job()

    def stop_tuning_job(self) -> None:
        self._attached().stop_tuning_job()

    def analytics(self) -> HyperparameterTuningJobAnalytics:
        return self._attached().analytics()


@dataclass
class AttachedTuner:
    """An existing tuning job, by name (what `HyperparameterTuner.attach` returns)."""

    name: str
    store: Store

    def describe(self) -> dict[str, Any]:
        return service.describe_tuning_job(self.store, self.name)

    def wait(self, poll_seconds: float = 1.0) -> None:
        while not self.store.tuning_job(self.name).status.is_finished():
            time.sleep(poll_seconds)

    def best_training_job(self) -> str:
        best = self.describe().get("BestTrainingJob")
        if best is None:
            raise ValueError(
                f"The tuning job {self.name} has no training job with an objective yet."
            )
        return str(best["TrainingJobName"])

    def stop_tuning_job(self) -> None:
        service.stop_tuning_job(self.store, self.name)

    def analytics(self) -> HyperparameterTuningJobAnalytics:
        return HyperparameterTuningJobAnalytics(self.name, self.store)


@dataclass
class HyperparameterTuningJobAnalytics:
    """Like `sagemaker.analytics.HyperparameterTuningJobAnalytics`."""

    name: str
    store: Store

    def description(self) -> dict[str, Any]:
        return service.describe_tuning_job(self.store, self.name)

    def training_job_summaries(self) -> list[dict[str, Any]]:
        return service.list_training_jobs(self.store, self.name).items

    def dataframe(self) -> pd.DataFrame:
        """One row per training job: tuned hyperparameters, status, final objective, times."""
        try:
            import pandas as pd
        except ModuleNotFoundError:
            raise MissingDependency(
                "HyperparameterTuningJobAnalytics.dataframe() needs pandas: "
                "pip install 'trimtab[analytics]'"
            ) from None
        record = self.store.tuning_job(self.name)
        return pd.DataFrame(analytics_rows(self.store.trials(record.name)))
