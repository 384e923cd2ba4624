"""The verbs shared by the CLI, the Python API and (later) the HTTP API.

Each verb takes a store and plain arguments and returns SageMaker-shaped data or a store record;
none of them prints. Creating a job validates everything first (the request, the features this
version runs, the local files it names), so bad input writes nothing.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from trimtab import analytics, warm_start
from trimtab.algorithms import builtin
from trimtab.backends.base import Backend
from trimtab.errors import ValidationError
from trimtab.job import Job, Settings, tuning_job_arn
from trimtab.spec import (
    CreateHyperParameterTuningJobRequest,
    builtin_algorithm,
    load_request_file,
    parse_request,
    to_wire,
)
from trimtab.spec.enums import HyperParameterTuningJobStatus
from trimtab.store.base import Store, TuningJobRecord
from trimtab.strategies import STRATEGIES
from trimtab.tuner import Progress, Tuner


def _unsupported(value: object, path: str, hint: str) -> ValidationError:
    return ValidationError(
        f"Value '{value}' at '{path}' failed to satisfy constraint: not supported by trimtab "
        f"yet; {hint}"
    )


def refuse_unsupported(request: CreateHyperParameterTuningJobRequest) -> None:
    """Features the spec accepts but this version does not run yet: refused, never ignored."""
    config = request.hyper_parameter_tuning_job_config
    prefix = "HyperParameterTuningJobConfig"
    if str(config.strategy) not in {*STRATEGIES, "Hyperband"}:
        raise _unsupported(
            config.strategy, f"{prefix}.Strategy", f"use one of {sorted(STRATEGIES)} or Hyperband"
        )
    if request.autotune is not None:
        raise _unsupported("Enabled", "Autotune.Mode", "give ParameterRanges and ResourceLimits")
    if request.warm_start_config is not None and str(config.strategy) != "Bayesian":
        raise _unsupported(
            config.strategy,
            f"{prefix}.Strategy",
            "warm start feeds the parents' results to the Bayesian strategy: use Bayesian",
        )
    pairs = (
        [("TrainingJobDefinition", request.training_job_definition)]
        if request.training_job_definition is not None
        else [
            (f"TrainingJobDefinitions.{i}", d)
            for i, d in enumerate(request.training_job_definitions or [])
        ]
    )
    for path, definition in pairs:
        algorithm = definition.algorithm_specification
        image = algorithm.training_image
        if builtin_algorithm(image) is not None and builtin(image) is None:
            raise _unsupported(
                image,
                f"{path}.AlgorithmSpecification.TrainingImage",
                "the built-in algorithms arrive in a later version; use a script-mode training job",
            )
        if algorithm.algorithm_name is not None:
            raise _unsupported(
                algorithm.algorithm_name,
                f"{path}.AlgorithmSpecification.AlgorithmName",
                "name a TrainingImage and a script (sagemaker_program)",
            )
        if str(algorithm.training_input_mode) == "Pipe":
            raise _unsupported(
                "Pipe", f"{path}.AlgorithmSpecification.TrainingInputMode", "use File"
            )
        for i, channel in enumerate(definition.input_data_config or []):
            if channel.input_mode is not None and str(channel.input_mode) == "Pipe":
                raise _unsupported("Pipe", f"{path}.InputDataConfig.{i}.InputMode", "use File")
        resources = definition.resource_config
        if resources is not None and (resources.instance_count or 1) > 1:
            raise _unsupported(
                resources.instance_count,
                f"{path}.ResourceConfig.InstanceCount",
                "distributed training jobs arrive with the Ray backend; use 1",
            )


def create_tuning_job(
    store: Store, request: Mapping[str, Any] | str | bytes, base_dir: str | Path
) -> TuningJobRecord:
    """Validate and record a new tuning job (status InProgress, no training job yet)."""
    parsed = parse_request(request)
    refuse_unsupported(parsed)
    warm_start.validate(store, to_wire(parsed))
    name = parsed.hyper_parameter_tuning_job_name
    config = parsed.hyper_parameter_tuning_job_config
    seed = config.random_seed if config.random_seed is not None else secrets.randbelow(2**31)
    base = Path(base_dir).resolve()
    arn = tuning_job_arn(name)
    Job(parsed, base, arn, seed)  # resolves every local path: fails now, not mid-run
    now = time.time()
    record = TuningJobRecord(
        name=name,
        arn=arn,
        request=to_wire(parsed),
        base_dir=str(base),
        seed=seed,
        status=HyperParameterTuningJobStatus.IN_PROGRESS,
        creation_time=now,
        last_modified_time=now,
    )
    store.create_tuning_job(record)
    return store.tuning_job(name)


def create_from_file(store: Store, path: str | Path, name: str | None = None) -> TuningJobRecord:
    """Create a tuning job from a request file; relative paths resolve against its folder."""
    request = to_wire(load_request_file(path))
    if name is not None:
        request["HyperParameterTuningJobName"] = name
    return create_tuning_job(store, request, Path(path).resolve().parent)


def run_tuning_job(
    store: Store,
    name: str,
    backend: Backend | None = None,
    settings: Settings | None = None,
    on_progress: Progress | None = None,
) -> TuningJobRecord:
    """Run (or resume) a tuning job in this process until it ends; returns the final record."""
    record = store.tuning_job(name)
    if record.status.is_finished():
        raise ValidationError(
            f"The tuning job {record.name} has already ended with status {record.status}; "
            "only a job that is InProgress or Stopping can be run or resumed."
        )
    settings = settings or Settings.from_env()
    if backend is None:
        from trimtab.backends.local import LocalBackend

        backend = LocalBackend()
    tuner = Tuner(store, backend, Job.from_record(record), settings, on_progress=on_progress)
    return tuner.run()


def stop_tuning_job(store: Store, name: str) -> TuningJobRecord:
    """Ask the tuner running the job to stop it and every running training job."""
    return store.request_stop(name)


def describe_tuning_job(store: Store, name: str) -> dict[str, Any]:
    record = store.tuning_job(name)
    trials = store.trials(record.name)
    return analytics.describe(record, trials, warm_start.overall_best(store, record, trials))


def list_tuning_jobs(
    store: Store,
    sort_by: str = "Name",
    descending: bool = False,
    name_contains: str | None = None,
    status: str | None = None,
) -> list[dict[str, Any]]:
    """ListHyperParameterTuningJobs' summaries, filtered and sorted as SageMaker does."""
    records = [
        r
        for r in store.tuning_jobs()
        if (name_contains is None or name_contains.lower() in r.name.lower())
        and (status is None or str(r.status) == status)
    ]
    keys: dict[str, Any] = {
        "Name": lambda r: r.name,
        "Status": lambda r: (str(r.status), r.name),
        "CreationTime": lambda r: r.creation_time,
    }
    records.sort(key=keys[sort_by], reverse=descending)
    return [analytics.tuning_job_summary(r, store.trials(r.name)) for r in records]


def list_training_jobs(
    store: Store,
    name: str,
    sort_by: str = "Name",
    descending: bool = False,
    status: str | None = None,
) -> list[dict[str, Any]]:
    """ListTrainingJobsForHyperParameterTuningJob's summaries."""
    record = store.tuning_job(name)
    trials = analytics.sorted_trials(
        record.request, store.trials(record.name), sort_by, descending, status
    )
    return [analytics.training_job_summary(record, t) for t in trials]
