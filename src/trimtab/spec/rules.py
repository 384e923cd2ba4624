"""Rules between members of CreateHyperParameterTuningJob that the service model cannot express.

`check_rules` runs every rule over a request whose shapes have parsed and returns all violations,
each in SageMaker's words (`messages.violation`): the member path, its value, and the rule. This
module has the job-level rules (definitions, objective, limits, strategies); `definition_rules`
and `ranges` have those about each definition and its parameter ranges.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from math import prod

from trimtab.spec.definition import HyperParameterTrainingJobDefinition
from trimtab.spec.definition_rules import DEFINITION_RULES
from trimtab.spec.enums import Strategy, TrainingJobEarlyStoppingType
from trimtab.spec.messages import violation
from trimtab.spec.ranges import range_rules
from trimtab.spec.request import CreateHyperParameterTuningJobRequest
from trimtab.spec.tuning import HyperParameterTuningJobConfig, ParameterRanges
from trimtab.spec.views import CONFIG, DefinitionView, definition_views, duplicates

HYPERBAND = f"{CONFIG}.StrategyConfig.HyperbandStrategyConfig"
# Static hyperparameters Hyperband reads its MaxResource from, in order, when it is not given.
EPOCH_KEYS = ("epochs", "numepochs", "n-epochs", "n_epochs", "num_epochs")
MAX_RESOURCE = 20_000
MAX_TRAINING_JOBS = 750
MAX_TRAINING_JOBS_RANDOM = 10_000
MAX_GRID_COMBINATIONS = 750


def _as_int(raw: str) -> int | None:
    """A static hyperparameter as an integer: `10`, or `"10"` as the SageMaker SDK encodes it."""
    try:
        decoded = json.loads(raw)
    except ValueError:
        return None
    if isinstance(decoded, str) and re.fullmatch(r"\s*[+-]?[0-9]+\s*", decoded):
        return int(decoded)
    return decoded if type(decoded) is int else None


def _epoch_key(static: Mapping[str, str]) -> str | None:
    return next((key for key in EPOCH_KEYS if key in static), None)


def hyperband_max_resource(
    config: HyperParameterTuningJobConfig, definition: HyperParameterTrainingJobDefinition
) -> int | None:
    """Hyperband's MaxResource for `definition`: given, else inferred from its epochs."""
    strategy_config = config.strategy_config
    hyperband = strategy_config.hyperband_strategy_config if strategy_config else None
    if hyperband is not None and hyperband.max_resource is not None:
        return hyperband.max_resource
    static = definition.static_hyper_parameters or {}
    key = _epoch_key(static)
    return _as_int(static[key]) if key is not None else None


def _definition_count(
    request: CreateHyperParameterTuningJobRequest, views: list[DefinitionView]
) -> Iterator[str]:
    if request.training_job_definition is None and request.training_job_definitions is None:
        yield violation(
            "TrainingJobDefinition",
            None,
            "exactly one of TrainingJobDefinition and TrainingJobDefinitions is required",
        )
    elif request.training_job_definition is not None and request.training_job_definitions:
        yield violation(
            "TrainingJobDefinitions",
            request.training_job_definitions,
            "give TrainingJobDefinition or TrainingJobDefinitions, not both",
        )


def _objectives_and_ranges(
    request: CreateHyperParameterTuningJobRequest, views: list[DefinitionView]
) -> Iterator[str]:
    """The objective and ranges live in the job config (single) or in each definition (multi)."""
    config = request.hyper_parameter_tuning_job_config
    if request.training_job_definition is not None:
        single = request.training_job_definition
        if config.hyper_parameter_tuning_job_objective is None:
            yield violation(
                f"{CONFIG}.HyperParameterTuningJobObjective",
                None,
                "Member must not be null when TrainingJobDefinition is given",
            )
        misplaced: tuple[tuple[str, object, str], ...] = (
            (
                "TrainingJobDefinition.TuningObjective",
                single.tuning_objective,
                f"only used with TrainingJobDefinitions; give it as {CONFIG}."
                "HyperParameterTuningJobObjective",
            ),
            (
                "TrainingJobDefinition.HyperParameterRanges",
                single.hyper_parameter_ranges,
                f"only used with TrainingJobDefinitions; give them as {CONFIG}.ParameterRanges",
            ),
        )
    elif request.training_job_definitions:
        misplaced = (
            (
                f"{CONFIG}.HyperParameterTuningJobObjective",
                config.hyper_parameter_tuning_job_objective,
                "must be omitted with TrainingJobDefinitions; give each definition its "
                "TuningObjective",
            ),
            (
                f"{CONFIG}.ParameterRanges",
                config.parameter_ranges,
                "must be omitted with TrainingJobDefinitions; give each definition its "
                "HyperParameterRanges",
            ),
        )
        yield from _multi_members(views)
    else:
        return
    for path, value, rule in misplaced:
        if value is not None:
            yield violation(path, value, rule)


def _multi_members(views: list[DefinitionView]) -> Iterator[str]:
    """Each of TrainingJobDefinitions needs a unique DefinitionName, an objective and ranges."""
    for view in views:
        d = view.definition
        for member, value in (
            ("DefinitionName", d.definition_name),
            ("TuningObjective", d.tuning_objective),
            ("HyperParameterRanges", d.hyper_parameter_ranges),
        ):
            if value is None:
                yield violation(
                    f"{view.path}.{member}",
                    None,
                    "Member must not be null when TrainingJobDefinitions is given",
                )
    yield from duplicates(
        (f"{v.path}.DefinitionName", v.definition.definition_name)
        for v in views
        if v.definition.definition_name is not None
    )


def _resource_limits(
    request: CreateHyperParameterTuningJobRequest, views: list[DefinitionView]
) -> Iterator[str]:
    config = request.hyper_parameter_tuning_job_config
    strategy = config.strategy
    path = f"{CONFIG}.ResourceLimits.MaxNumberOfTrainingJobs"
    jobs = config.resource_limits.max_number_of_training_jobs
    if jobs is None:
        if strategy is not Strategy.GRID and request.autotune is None:
            yield violation(
                path,
                None,
                f"Member must not be null when Strategy is {strategy} (only Grid, which runs "
                "every combination, and Autotune jobs may omit it)",
            )
        return
    cap = MAX_TRAINING_JOBS_RANDOM if strategy is Strategy.RANDOM else MAX_TRAINING_JOBS
    if jobs > cap:
        yield violation(
            path,
            jobs,
            f"Member must have value less than or equal to {cap} when Strategy is {strategy}",
        )


def _hyperband(
    request: CreateHyperParameterTuningJobRequest, views: list[DefinitionView]
) -> Iterator[str]:
    config = request.hyper_parameter_tuning_job_config
    if config.strategy is not Strategy.HYPERBAND:
        if config.strategy_config is not None:
            yield violation(
                f"{CONFIG}.StrategyConfig",
                config.strategy_config,
                f"only allowed when Strategy is Hyperband, not {config.strategy}",
            )
        return
    if config.training_job_early_stopping_type is TrainingJobEarlyStoppingType.AUTO:
        yield violation(
            f"{CONFIG}.TrainingJobEarlyStoppingType",
            config.training_job_early_stopping_type,
            "must be Off when Strategy is Hyperband (Hyperband stops training jobs itself)",
        )
    hyperband = config.strategy_config.hyperband_strategy_config if config.strategy_config else None
    min_resource = hyperband.min_resource if hyperband else None
    for view in views:
        max_resource = hyperband_max_resource(config, view.definition)
        static = view.definition.static_hyper_parameters or {}
        key = _epoch_key(static)
        if max_resource is None and key is None:
            yield violation(
                f"{HYPERBAND}.MaxResource",
                None,
                f"Member must not be null when Strategy is Hyperband and {view.path}."
                f"StaticHyperParameters has none of [{', '.join(EPOCH_KEYS)}] to infer it from",
            )
            continue
        if max_resource is None or not 1 <= max_resource <= MAX_RESOURCE:
            yield violation(
                f"{view.path}.StaticHyperParameters.{key}",
                static[str(key)],
                f"must be an integer from 1 to {MAX_RESOURCE} to serve as Hyperband's "
                f"MaxResource (or give {HYPERBAND}.MaxResource)",
            )
            continue
        if min_resource is not None and min_resource > max_resource:
            yield violation(
                f"{HYPERBAND}.MinResource",
                min_resource,
                f"must be less than or equal to MaxResource ({max_resource})",
            )


def grid_size(ranges: ParameterRanges) -> int:
    """The number of Grid combinations: the product of the categorical value counts."""
    return prod(len(r.values) for r in ranges.categorical_parameter_ranges)


def _grid(
    request: CreateHyperParameterTuningJobRequest, views: list[DefinitionView]
) -> Iterator[str]:
    config = request.hyper_parameter_tuning_job_config
    if config.strategy is not Strategy.GRID:
        return
    total, complete = 0, True
    for view in views:
        ranges = view.ranges
        if ranges is None:
            yield violation(view.ranges_path, None, "Member must not be null when Strategy is Grid")
            complete = False
            continue
        for member, items in (
            ("IntegerParameterRanges", ranges.integer_parameter_ranges),
            ("ContinuousParameterRanges", ranges.continuous_parameter_ranges),
            ("AutoParameters", ranges.auto_parameters),
        ):
            if items:
                yield violation(
                    f"{view.ranges_path}.{member}",
                    items,
                    "must be empty when Strategy is Grid (Grid searches categorical ranges only)",
                )
        if not ranges.categorical_parameter_ranges:
            yield violation(
                f"{view.ranges_path}.CategoricalParameterRanges",
                [],
                "must have at least one range when Strategy is Grid",
            )
            complete = False
        total += grid_size(ranges)
    if total > MAX_GRID_COMBINATIONS:
        path = (
            f"{views[0].ranges_path}.CategoricalParameterRanges"
            if len(views) == 1
            else "TrainingJobDefinitions"
        )
        yield violation(
            path,
            total,
            f"Grid strategy allows at most {MAX_GRID_COMBINATIONS} combinations of categorical "
            f"values, not {total}",
        )
    jobs = config.resource_limits.max_number_of_training_jobs
    if complete and jobs is not None and jobs != total and total <= MAX_GRID_COMBINATIONS:
        yield violation(
            f"{CONFIG}.ResourceLimits.MaxNumberOfTrainingJobs",
            jobs,
            f"must equal the number of Grid combinations ({total}) or be omitted",
        )


def _multi_algorithm(
    request: CreateHyperParameterTuningJobRequest, views: list[DefinitionView]
) -> Iterator[str]:
    if not request.training_job_definitions:
        return
    config = request.hyper_parameter_tuning_job_config
    if config.training_job_early_stopping_type is TrainingJobEarlyStoppingType.AUTO:
        yield violation(
            f"{CONFIG}.TrainingJobEarlyStoppingType",
            config.training_job_early_stopping_type,
            "must be Off when TrainingJobDefinitions is given (no early stopping for "
            "multi-algorithm tuning)",
        )
    if request.warm_start_config is not None:
        yield violation(
            "WarmStartConfig",
            request.warm_start_config,
            "must be omitted when TrainingJobDefinitions is given (no warm start for "
            "multi-algorithm tuning)",
        )


def _unique_names(
    request: CreateHyperParameterTuningJobRequest, views: list[DefinitionView]
) -> Iterator[str]:
    if request.warm_start_config is not None:
        parents = request.warm_start_config.parent_hyper_parameter_tuning_jobs
        path = "WarmStartConfig.ParentHyperParameterTuningJobs"
        yield from duplicates(
            (
                (f"{path}.{i}.HyperParameterTuningJobName", p.hyper_parameter_tuning_job_name)
                for i, p in enumerate(parents)
            ),
            fold=True,  # tuning job names are not case sensitive
        )
    yield from duplicates((f"Tags.{i}.Key", t.key) for i, t in enumerate(request.tags or []))


Rule = Callable[[CreateHyperParameterTuningJobRequest, list[DefinitionView]], Iterator[str]]

RULES: tuple[Rule, ...] = (
    _definition_count,
    _objectives_and_ranges,
    *DEFINITION_RULES,
    _resource_limits,
    _hyperband,
    _grid,
    _multi_algorithm,
    _unique_names,
    range_rules,
)


def check_rules(request: CreateHyperParameterTuningJobRequest) -> list[str]:
    """Every cross-member violation of `request`, in SageMaker's words; [] if there is none."""
    views = definition_views(request)
    return [message for rule in RULES for message in rule(request, views)]
