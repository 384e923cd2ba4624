"""Warm start (`WarmStartConfig`): parent tuning jobs' results seed a new job's search.

Two things, each a function of the store and the parsed request:

- `validate` (at CreateHyperParameterTuningJob): every parent exists, has ended (Completed,
  Stopped or Failed), has the same objective (metric and direction), has one training job
  definition, and gives each hyperparameter the new job also tunes the same type (integer,
  continuous or categorical). Violations are reported together, in SageMaker's words.
- `prior` (when the service builds the strategy): the parents' finished training jobs, mapped
  into the new job's ranges, for the strategy to learn from. A hyperparameter that is tunable
  now but was static in a parent takes the parent's static value; one no longer tuned is
  dropped. **A parent configuration outside the new ranges** (a number outside
  [MinValue, MaxValue], a categorical value no longer listed, a value missing altogether) **is
  left out**: the model describes the new box only, and moving the point to the boundary
  would credit the boundary with a result it never had. With `IdenticalDataAndAlgorithm` all
  results are one objective; with `TransferLearning` each parent's losses are warped on their
  own (the data changed, so only their order is comparable).

Describe's `OverallBestTrainingJob` over a job and its parents is a reader's business
(`trimtab.reports`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace

from trimtab.errors import ResourceNotFound
from trimtab.space import CategoricalRange, NumericRange, SearchSpace
from trimtab.spec.enums import WarmStartType
from trimtab.spec.messages import validation_error, violation
from trimtab.spec.parse import read_stored
from trimtab.spec.request import CreateHyperParameterTuningJobRequest
from trimtab.spec.views import DefinitionView, definition_views
from trimtab.store.base import Store
from trimtab.strategies.base import Prior
from trimtab.types import Trial

logger = logging.getLogger(__name__)

_PARENTS = "WarmStartConfig.ParentHyperParameterTuningJobs"


def parents(request: CreateHyperParameterTuningJobRequest) -> list[str]:
    """The parent tuning jobs' names, in the order given."""
    config = request.warm_start_config
    if config is None:
        return []
    return [p.hyper_parameter_tuning_job_name for p in config.parent_hyper_parameter_tuning_jobs]


def _single(request: CreateHyperParameterTuningJobRequest) -> DefinitionView | None:
    """The request's one TrainingJobDefinition, or None when it has TrainingJobDefinitions."""
    views = definition_views(request)
    return views[0] if request.training_job_definition is not None and views else None


def _kinds(space: SearchSpace) -> dict[str, str]:
    return {
        r.name: "Categorical"
        if isinstance(r, CategoricalRange)
        else ("Integer" if r.integer else "Continuous")
        for r in space.ranges
    }


def validate(store: Store, request: CreateHyperParameterTuningJobRequest) -> None:
    """Raise one `ValidationError` listing every reason the parents cannot seed `request`."""
    mine = _single(request)
    if not parents(request) or mine is None or mine.objective is None:
        return  # no warm start (the spec refuses it with TrainingJobDefinitions)
    metric, direction = mine.objective.metric_name, mine.objective.type
    kinds = _kinds(SearchSpace.from_ranges(mine.ranges))
    problems: list[str] = []
    for i, name in enumerate(parents(request)):
        path = f"{_PARENTS}.{i}.HyperParameterTuningJobName"
        try:
            parent = store.tuning_job(name)
        except ResourceNotFound:
            problems.append(violation(path, name, "no tuning job of that name exists"))
            continue
        if not parent.status.is_finished():
            problems.append(
                violation(
                    path,
                    name,
                    f"the parent tuning job is {parent.status}; a parent must be Completed, "
                    "Stopped or Failed",
                )
            )
        theirs = _single(read_stored(parent.request))
        if theirs is None or theirs.objective is None:
            problems.append(
                violation(
                    path,
                    name,
                    "the parent uses TrainingJobDefinitions; warm start needs parents with one "
                    "TrainingJobDefinition",
                )
            )
            continue
        objective = theirs.objective
        if (objective.metric_name, objective.type) != (metric, direction):
            problems.append(
                violation(
                    path,
                    name,
                    f"the parent's objective is {objective.type} '{objective.metric_name}' but "
                    f"this job's is {direction} '{metric}'; warm start needs the same objective",
                )
            )
        for param, kind in _kinds(SearchSpace.from_ranges(theirs.ranges)).items():
            if param in kinds and kinds[param] != kind:
                problems.append(
                    violation(
                        path,
                        name,
                        f"hyperparameter '{param}' is {kind} in the parent but {kinds[param]} "
                        "here; warm start keeps each hyperparameter's type",
                    )
                )
    if problems:
        raise validation_error(problems)


def fit_into(
    space: SearchSpace, hyperparameters: Mapping[str, str], static: Mapping[str, str]
) -> dict[str, str] | None:
    """A parent configuration in `space`'s terms, or None when it lies outside the ranges."""
    config: dict[str, str] = {}
    for r in space.ranges:
        value = hyperparameters.get(r.name, static.get(r.name))
        if value is None:
            return None
        if isinstance(r, NumericRange):
            try:
                number = float(value)
            except ValueError:
                return None
            if not r.low <= number <= r.high or (r.integer and not number.is_integer()):
                return None
        elif value not in r.values:
            return None
        config[r.name] = value
    return space.decode(space.encode(config))  # the strategy's own spelling of the values


def prior(store: Store, request: CreateHyperParameterTuningJobRequest) -> Prior:
    """The parents' finished training jobs, mapped into `request`'s ranges (module docstring)."""
    mine = _single(request)
    if not parents(request) or mine is None or request.warm_start_config is None:
        return Prior()
    space = SearchSpace.from_ranges(mine.ranges)
    kept: list[Trial] = []
    total = 0
    for name in parents(request):
        parent = store.tuning_job(name)
        theirs = _single(read_stored(parent.request))
        static = theirs.definition.static_hyper_parameters if theirs is not None else None
        for trial in store.trials(parent.name):
            if trial.is_pending:
                continue
            total += 1
            config = fit_into(space, trial.hyperparameters, static or {})
            if config is not None:
                kept.append(replace(trial, hyperparameters=config, definition_name=None))
    if len(kept) < total:
        logger.info(
            "warm start: %d of %d parent training jobs lie outside the new ranges and are left out",
            total - len(kept),
            total,
        )
    transfer = request.warm_start_config.warm_start_type is WarmStartType.TRANSFER_LEARNING
    return Prior(tuple(kept), transfer)
