"""The verbs shared by the CLI, the Python API and the HTTP API.

Each verb takes a store and plain arguments and returns SageMaker-shaped data or a store record;
none of them prints. Creating a job validates everything first (the request, the features this
version runs, the local files it names), so bad input writes nothing. Running one is where the
parts meet: the service builds the strategy from the registry (with the warm-start prior), the
stopper, and the tuner that drives them.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from trimtab import warm_start
from trimtab.backends.base import Backend
from trimtab.errors import ValidationError
from trimtab.job import Job
from trimtab.reports import responses
from trimtab.settings import Settings
from trimtab.spec import CreateHyperParameterTuningJobRequest, load_request_file, parse_request
from trimtab.spec.enums import TrainingInputMode, TrainingJobEarlyStoppingType
from trimtab.spec.views import definition_views
from trimtab.stopping import MedianStopper, Stopper
from trimtab.store.base import Store, TuningJobRecord
from trimtab.strategies import Problem, Strategy, make_strategy
from trimtab.tuner import Clock, Progress, Tuner


def _unsupported(value: object, path: str, hint: str) -> ValidationError:
    return ValidationError(
        f"Value '{value}' at '{path}' failed to satisfy constraint: not supported by trimtab "
        f"yet; {hint}"
    )


def refuse_unsupported(request: CreateHyperParameterTuningJobRequest) -> None:
    """Features the spec accepts but this version does not run yet: refused, never ignored."""
    config = request.hyper_parameter_tuning_job_config
    if request.autotune is not None:
        raise _unsupported("Enabled", "Autotune.Mode", "give ParameterRanges and ResourceLimits")
    if request.warm_start_config is not None and str(config.strategy) != "Bayesian":
        raise _unsupported(
            config.strategy,
            "HyperParameterTuningJobConfig.Strategy",
            "warm start feeds the parents' results to the Bayesian strategy: use Bayesian",
        )
    for view in definition_views(request):
        algorithm = view.definition.algorithm_specification
        if algorithm.algorithm_name is not None:
            raise _unsupported(
                algorithm.algorithm_name,
                f"{view.path}.AlgorithmSpecification.AlgorithmName",
                "name a TrainingImage and a script (sagemaker_program)",
            )
        if algorithm.training_input_mode is TrainingInputMode.PIPE:
            raise _unsupported(
                "Pipe", f"{view.path}.AlgorithmSpecification.TrainingInputMode", "use File"
            )
        for i, channel in enumerate(view.definition.input_data_config or []):
            if channel.input_mode is TrainingInputMode.PIPE:
                raise _unsupported("Pipe", f"{view.path}.InputDataConfig.{i}.InputMode", "use File")
        resources = view.definition.resource_config
        if resources is not None and (resources.instance_count or 1) > 1:
            raise _unsupported(
                resources.instance_count,
                f"{view.path}.ResourceConfig.InstanceCount",
                "distributed training jobs arrive with the Ray backend; use 1",
            )


def create_tuning_job(
    store: Store,
    request: CreateHyperParameterTuningJobRequest | Mapping[str, Any] | str | bytes,
    base_dir: str | Path,
) -> TuningJobRecord:
    """Validate and record a new tuning job (status InProgress, no training job yet); relative
    paths in the request resolve against `base_dir`."""
    parsed = (
        request
        if isinstance(request, CreateHyperParameterTuningJobRequest)
        else parse_request(request)
    )
    refuse_unsupported(parsed)
    warm_start.validate(store, parsed)
    config = parsed.hyper_parameter_tuning_job_config
    seed = config.random_seed if config.random_seed is not None else secrets.randbelow(2**31)
    job = Job.create(parsed, Path(base_dir).resolve(), seed)  # every local path checked now
    store.create_tuning_job(job.record(time.time()))
    return store.tuning_job(job.name)


def create_from_file(store: Store, path: str | Path, name: str | None = None) -> TuningJobRecord:
    """Create a tuning job from a request file; relative paths resolve against its folder."""
    return create_tuning_job(store, load_request_file(path, name), Path(path).resolve().parent)


def problem(job: Job, store: Store) -> Problem:
    """What the job's strategy is built from, warm-start parents' results included."""
    definitions = job.definitions
    return Problem(
        spaces={name: d.space for name, d in definitions.items()},
        seed=job.seed,
        directions={name: d.objective.direction for name, d in definitions.items()},
        prior=warm_start.prior(store, job.request),
        max_resource={name: d.max_resource for name, d in definitions.items()},
        min_resource=job.min_resource,
    )


def stopper_for(job: Job, strategy: Strategy) -> Stopper | None:
    """What stops training jobs early: a strategy that does so itself (Hyperband's rungs), else
    the median rule when TrainingJobEarlyStoppingType is Auto, else nothing."""
    if isinstance(strategy, Stopper):
        return strategy
    if job.early_stopping == TrainingJobEarlyStoppingType.AUTO:
        return MedianStopper()
    return None


def make_tuner(
    store: Store,
    name: str,
    backend: Backend,
    settings: Settings | None = None,
    clock: Clock | None = None,
    on_progress: Progress | None = None,
) -> Tuner:
    """The tuner for a stored job, with its strategy and stopper built."""
    job = Job.from_record(store.tuning_job(name))
    strategy = make_strategy(job.strategy, problem(job, store))
    return Tuner(
        store,
        backend,
        job,
        strategy,
        stopper_for(job, strategy),
        settings or Settings.from_env(),
        clock or Clock(),
        on_progress,
    )


def run_tuning_job(
    store: Store,
    name: str,
    backend: Backend | None = None,
    settings: Settings | None = None,
    on_progress: Progress | None = None,
    clock: Clock | None = None,
) -> TuningJobRecord:
    """Run (or resume) a tuning job in this process until it ends; returns the final record."""
    record = store.tuning_job(name)
    if record.status.is_finished():
        raise ValidationError(
            f"The tuning job {record.name} has already ended with status {record.status}; "
            "only a job that is InProgress or Stopping can be run or resumed."
        )
    if backend is None:
        from trimtab.backends.local import LocalBackend

        backend = LocalBackend()
    return make_tuner(store, record.name, backend, settings, clock, on_progress).run()


def stop_tuning_job(store: Store, name: str) -> TuningJobRecord:
    """Ask the tuner running the job to stop it and every running training job."""
    return store.request_stop(name)


def describe_tuning_job(store: Store, name: str) -> dict[str, Any]:
    record = store.tuning_job(name)
    trials = store.trials(record.name)
    return responses.describe(record, trials, responses.overall_best(store, record, trials))


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
    return [responses.tuning_job_summary(r, store.trials(r.name)) for r in records]


def list_training_jobs(
    store: Store,
    name: str,
    sort_by: str = "Name",
    descending: bool = False,
    status: str | None = None,
) -> list[dict[str, Any]]:
    """ListTrainingJobsForHyperParameterTuningJob's summaries."""
    record = store.tuning_job(name)
    trials = responses.sorted_trials(store.trials(record.name), sort_by, descending, status)
    return responses.training_job_summaries(record, trials)
