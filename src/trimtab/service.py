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
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from trimtab import arns, warm_start
from trimtab.backends.base import Backend
from trimtab.backends.capacity import Capacity
from trimtab.errors import ResourceLimitExceeded, ValidationError
from trimtab.job import Job
from trimtab.locations import Roots
from trimtab.reports import listing, responses, training_jobs
from trimtab.reports.listing import Page, Query
from trimtab.settings import Settings, default_home
from trimtab.spec import CreateHyperParameterTuningJobRequest, load_request_file, parse_request
from trimtab.spec.enums import TrainingInputMode, TrainingJobEarlyStoppingType
from trimtab.spec.views import definition_views
from trimtab.stopping import MedianStopper, Stopper
from trimtab.store.base import Store, TuningJobRecord
from trimtab.strategies import Problem, Strategy, make_strategy
from trimtab.tuner import Clock, Progress, Tuner

CONCURRENT_TUNING_JOBS = 100  # SageMaker's quota per account and region


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
    roots: Roots | None = None,
) -> TuningJobRecord:
    """Validate and record a new tuning job (status InProgress, no training job yet) and its
    Tags. Relative paths in the request resolve against `base_dir`; a request that came over
    the API (`roots`) may name only absolute paths under those folders."""
    parsed = (
        request
        if isinstance(request, CreateHyperParameterTuningJobRequest)
        else parse_request(request)
    )
    refuse_unsupported(parsed)
    _within_quota(store)
    warm_start.validate(store, parsed)
    config = parsed.hyper_parameter_tuning_job_config
    seed = config.random_seed if config.random_seed is not None else secrets.randbelow(2**31)
    job = Job.create(parsed, Path(base_dir).resolve(), seed, roots)  # every path checked now
    store.create_tuning_job(job.record(time.time()))
    store.add_tags(job.arn, {tag.key: tag.value for tag in parsed.tags or []})
    return store.tuning_job(job.name)


def _within_quota(store: Store) -> None:
    """SageMaker's quota of concurrent tuning jobs, which the tuners on one machine share."""
    running = sum(not r.status.is_finished() for r in store.tuning_jobs())
    if running >= CONCURRENT_TUNING_JOBS:
        raise ResourceLimitExceeded(
            f"The account-level service limit 'Number of concurrent hyperparameter tuning jobs' "
            f"is {CONCURRENT_TUNING_JOBS} Jobs, with current utilization of {running} Jobs and "
            "a request delta of 1 Jobs. Stop or wait for a running tuning job first."
        )


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
    capacity: Capacity | None = None,
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
        capacity,
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
    settings = settings or Settings.from_env()
    capacity = None
    if backend is None:  # this machine's processes: share it with every other tuner of it
        from trimtab.backends.local import LocalBackend

        if settings.max_training_jobs is not None:
            capacity = Capacity(default_home(), settings.max_training_jobs)
        backend = LocalBackend(capacity=capacity)
    tuner = make_tuner(store, record.name, backend, settings, clock, on_progress, capacity)
    return tuner.run()


def stop_tuning_job(store: Store, name: str) -> TuningJobRecord:
    """Ask the tuner running the job to stop it and every running training job."""
    return store.request_stop(name)


def describe_tuning_job(store: Store, name: str) -> dict[str, Any]:
    record = store.tuning_job(name)
    trials = store.trials(record.name)
    return responses.describe(record, trials, responses.overall_best(store, record, trials))


def list_tuning_jobs(store: Store, query: Query | None = None) -> Page[dict[str, Any]]:
    """ListHyperParameterTuningJobs: one page of summaries, filtered and sorted as SageMaker
    does (every job when `query` says no limit)."""
    chosen = listing.tuning_jobs(store.tuning_jobs(), query or Query())
    items = [responses.tuning_job_summary(r, store.trials(r.name)) for r in chosen.items]
    return Page(items, chosen.next)


def list_training_jobs(store: Store, name: str, query: Query | None = None) -> Page[dict[str, Any]]:
    """ListTrainingJobsForHyperParameterTuningJob: one page of the job's training jobs."""
    record = store.tuning_job(name)
    chosen = listing.training_jobs(store.trials(record.name), query or Query())
    return Page(responses.training_job_summaries(record, chosen.items), chosen.next)


def list_all_training_jobs(store: Store, query: Query | None = None) -> Page[dict[str, Any]]:
    """ListTrainingJobs: every tuning job's training jobs, as one list."""
    owners: dict[str, TuningJobRecord] = {}
    trials = []
    for record in store.tuning_jobs():
        owners[record.name] = record
        trials += store.trials(record.name)
    chosen = listing.training_jobs(trials, query or Query())
    items = [training_jobs.summary(owners[t.tuning_job_name], t) for t in chosen.items]
    return Page(items, chosen.next)


def describe_training_job(store: Store, name: str) -> dict[str, Any]:
    trial = store.trial(name)
    return training_jobs.describe(store.tuning_job(trial.tuning_job_name), trial)


def stop_training_job(store: Store, name: str) -> None:
    """Ask the tuner running the training job to stop it (it ends Stopped)."""
    store.request_training_job_stop(name)


def delete_tuning_job(store: Store, name: str) -> None:
    """Forget an ended tuning job and its training jobs' records (their files stay)."""
    store.delete_tuning_job(name)


def _tagged(store: Store, arn: str) -> str:
    """The ARN under which a tuning job's or training job's tags are kept: the resource's
    own, whatever the case it is given in; a ValidationException for any other resource."""
    kind, _, name = arn.rpartition(":")[2].partition("/")
    if kind == "hyper-parameter-tuning-job":
        return store.tuning_job(name).arn
    if kind == "training-job":
        trial = store.trial(name)
        return arns.training_job_arn(
            store.tuning_job(trial.tuning_job_name).arn, trial.training_job_name
        )
    raise ValidationError(
        f"Value '{arn}' at 'ResourceArn' failed to satisfy constraint: trimtab keeps the tags of "
        "hyper-parameter-tuning-job and training-job resources only"
    )


def add_tags(store: Store, arn: str, tags: Mapping[str, str]) -> dict[str, str]:
    """AddTags: adds or overwrites; returns the resource's tags."""
    resource = _tagged(store, arn)
    store.add_tags(resource, tags)
    return store.tags(resource)


def list_tags(store: Store, arn: str) -> dict[str, str]:
    return store.tags(_tagged(store, arn))


def delete_tags(store: Store, arn: str, keys: Sequence[str]) -> None:
    store.delete_tags(_tagged(store, arn), keys)
