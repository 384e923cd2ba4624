"""Warm start (`WarmStartConfig`): parent tuning jobs' results seed a new job's search.

Three things, each a function of the store:

- `validate` (at CreateHyperParameterTuningJob): every parent exists, has ended (Completed,
  Stopped or Failed), has the same objective (metric and direction), has one training job
  definition, and gives each hyperparameter the new job also tunes the same type (integer,
  continuous or categorical). Violations are reported together, in SageMaker's words.
- `prior` (when the tuner builds the strategy): the parents' finished training jobs, mapped
  into the new job's ranges, for the strategy to learn from. A hyperparameter that is tunable
  now but was static in a parent takes the parent's static value; one no longer tuned is
  dropped. **A parent configuration outside the new ranges** (a number outside
  [MinValue, MaxValue], a categorical value no longer listed, a value missing altogether) **is
  left out**: the model describes the new box only, and moving the point to the boundary
  would credit the boundary with a result it never had. With `IdenticalDataAndAlgorithm` all
  results are one objective; with `TransferLearning` each parent's losses are warped on their
  own (the data changed, so only their order is comparable).
- `overall_best` (Describe's `OverallBestTrainingJob`, `IdenticalDataAndAlgorithm` only): the
  best training job of the new job and all its parents.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from trimtab import analytics
from trimtab.errors import ResourceNotFound
from trimtab.space import CategoricalRange, NumericRange, SearchSpace
from trimtab.spec.messages import validation_error, violation
from trimtab.store.base import Store, TuningJobRecord
from trimtab.types import Trial

logger = logging.getLogger(__name__)

IDENTICAL = "IdenticalDataAndAlgorithm"
TRANSFER = "TransferLearning"
_PARENTS = "WarmStartConfig.ParentHyperParameterTuningJobs"


@dataclass(frozen=True)
class Prior:
    """Parents' finished training jobs, already mapped into the new job's ranges."""

    trials: tuple[Trial, ...] = ()
    transfer: bool = False  # TransferLearning: warp each parent's losses on their own

    @property
    def jobs(self) -> frozenset[str]:
        return frozenset(t.tuning_job_name for t in self.trials)

    def group(self, trial: Trial) -> str:
        """Which losses `trial`'s is warped with (see `propose.Observation.group`)."""
        return trial.tuning_job_name if self.transfer else ""


def _parents(request: Mapping[str, Any]) -> list[str]:
    config = request.get("WarmStartConfig") or {}
    return [
        p["HyperParameterTuningJobName"] for p in config.get("ParentHyperParameterTuningJobs", [])
    ]


def _single(request: Mapping[str, Any]) -> Mapping[str, Any] | None:
    definitions = analytics.definitions(request)
    return definitions[0] if "TrainingJobDefinition" in request else None


def _space(request: Mapping[str, Any]) -> tuple[SearchSpace, Mapping[str, str]]:
    """A single-definition request's search space and static hyperparameters."""
    definition = _single(request) or {}
    ranges = (
        definition.get("HyperParameterRanges")
        or request["HyperParameterTuningJobConfig"].get("ParameterRanges")
        or {}
    )
    return SearchSpace.from_wire(ranges), definition.get("StaticHyperParameters") or {}


def _kinds(space: SearchSpace) -> dict[str, str]:
    return {
        r.name: "Categorical"
        if isinstance(r, CategoricalRange)
        else ("Integer" if r.integer else "Continuous")
        for r in space.ranges
    }


def validate(store: Store, request: Mapping[str, Any]) -> None:
    """Raise one `ValidationError` listing every reason the parents cannot seed `request`."""
    if not _parents(request):
        return
    metric, direction = analytics.objectives(request)[None]
    kinds = _kinds(_space(request)[0])
    problems: list[str] = []
    for i, name in enumerate(_parents(request)):
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
        if _single(parent.request) is None:
            problems.append(
                violation(
                    path,
                    name,
                    "the parent uses TrainingJobDefinitions; warm start needs parents with one "
                    "TrainingJobDefinition",
                )
            )
            continue
        theirs = analytics.objectives(parent.request)[None]
        if theirs != (metric, direction):
            problems.append(
                violation(
                    path,
                    name,
                    f"the parent's objective is {theirs[1]} '{theirs[0]}' but this job's is "
                    f"{direction} '{metric}'; warm start needs the same objective",
                )
            )
        for param, kind in _kinds(_space(parent.request)[0]).items():
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


def prior(store: Store, record: TuningJobRecord) -> Prior:
    """The parents' finished training jobs, mapped into `record`'s ranges (module docstring)."""
    parents = _parents(record.request)
    if not parents:
        return Prior()
    space = _space(record.request)[0]
    kept: list[Trial] = []
    total = 0
    for name in parents:
        parent = store.tuning_job(name)
        static = _space(parent.request)[1]
        for trial in store.trials(parent.name):
            if trial.is_pending:
                continue
            total += 1
            config = fit_into(space, trial.hyperparameters, static)
            if config is not None:
                kept.append(replace(trial, hyperparameters=config, definition_name=None))
    if len(kept) < total:
        logger.info(
            "warm start: %d of %d parent training jobs lie outside the new ranges and are left out",
            total - len(kept),
            total,
        )
    transfer = record.request["WarmStartConfig"]["WarmStartType"] == TRANSFER
    return Prior(tuple(kept), transfer)


def overall_best(
    store: Store, record: TuningJobRecord, trials: Sequence[Trial]
) -> tuple[TuningJobRecord, Trial] | None:
    """Best training job over `record` and its parents (IdenticalDataAndAlgorithm), or None."""
    config = record.request.get("WarmStartConfig") or {}
    if config.get("WarmStartType") != IDENTICAL:
        return None
    _, direction = analytics.objectives(record.request)[None]
    jobs: list[tuple[TuningJobRecord, Sequence[Trial]]] = [(record, trials)]
    for name in _parents(record.request):
        try:
            parent = store.tuning_job(name)
        except ResourceNotFound:  # deleted since: its jobs no longer count
            continue
        jobs.append((parent, store.trials(parent.name)))
    ranked = [
        (direction.sign * best.objective, best.creation_time, job, best)
        for job, job_trials in jobs
        if (best := analytics.best_trial(job.request, job_trials)) is not None
        and best.objective is not None
    ]
    if not ranked:
        return None
    _, _, job, best = min(ranked, key=lambda r: (r[0], r[1]))
    return job, best
