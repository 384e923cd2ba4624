"""Rules about each training job definition: algorithm, metrics, resources, channels, limits."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from trimtab.spec.algorithms import builtin_algorithm
from trimtab.spec.messages import violation
from trimtab.spec.request import CreateHyperParameterTuningJobRequest
from trimtab.spec.views import DefinitionView, duplicates

MAX_ENVIRONMENT_ENTRIES = 48  # summed over all definitions


def _metric_definitions(
    request: CreateHyperParameterTuningJobRequest, views: list[DefinitionView]
) -> Iterator[str]:
    for view in views:
        spec = view.definition.algorithm_specification
        path = f"{view.path}.AlgorithmSpecification.MetricDefinitions"
        names = [m.name for m in spec.metric_definitions or []]
        yield from duplicates((f"{path}.{j}.Name", name) for j, name in enumerate(names))
        if view.objective is None or spec.algorithm_name or builtin_algorithm(spec.training_image):
            continue  # built-in algorithms and algorithm resources bring their own metrics
        if view.objective.metric_name not in names:
            defined = f"one of [{', '.join(names)}]" if names else "defined there (it is empty)"
            yield violation(
                f"{view.objective_path}.MetricName",
                view.objective.metric_name,
                f"must be the Name of a metric in {path}, but it is not {defined}",
            )


def _algorithm_source(
    request: CreateHyperParameterTuningJobRequest, views: list[DefinitionView]
) -> Iterator[str]:
    for view in views:
        spec = view.definition.algorithm_specification
        path = f"{view.path}.AlgorithmSpecification"
        if not spec.training_image and spec.algorithm_name is None:
            yield violation(
                f"{path}.TrainingImage", None, "one of TrainingImage and AlgorithmName is required"
            )
        elif spec.training_image and spec.algorithm_name is not None:
            yield violation(
                f"{path}.AlgorithmName",
                spec.algorithm_name,
                "give TrainingImage or AlgorithmName, not both",
            )


def _resources(
    request: CreateHyperParameterTuningJobRequest, views: list[DefinitionView]
) -> Iterator[str]:
    for view in views:
        d, path = view.definition, view.path
        plain, flexible = d.resource_config, d.hyper_parameter_tuning_resource_config
        if plain is None and flexible is None:
            yield violation(
                f"{path}.ResourceConfig",
                None,
                "one of ResourceConfig and HyperParameterTuningResourceConfig is required",
            )
        elif plain is not None and flexible is not None:
            yield violation(
                f"{path}.HyperParameterTuningResourceConfig",
                flexible,
                "give ResourceConfig or HyperParameterTuningResourceConfig, not both",
            )
        if plain is not None:
            yield from _instances(
                f"{path}.ResourceConfig",
                "InstanceGroups",
                plain.instance_groups,
                {"InstanceType": plain.instance_type, "InstanceCount": plain.instance_count},
            )
        if flexible is not None:
            yield from _instances(
                f"{path}.HyperParameterTuningResourceConfig",
                "InstanceConfigs",
                flexible.instance_configs,
                {
                    "InstanceType": flexible.instance_type,
                    "InstanceCount": flexible.instance_count,
                    "VolumeSizeInGB": flexible.volume_size_in_gb,
                },
            )


def _instances(
    path: str, list_member: str, listed: Sequence[object] | None, single: dict[str, object]
) -> Iterator[str]:
    """A list of instance configurations, or the single-type members, exactly one of them."""
    given = [member for member, value in single.items() if value is not None]
    if listed:
        if given:
            yield violation(
                f"{path}.{list_member}",
                listed,
                f"give {list_member} or {', '.join(single)}, not both ({', '.join(given)} given)",
            )
        return
    for member in ("InstanceType", "InstanceCount"):
        if single[member] is None:
            yield violation(
                f"{path}.{member}", None, f"Member must not be null unless {list_member} is given"
            )


def _stopping_conditions(
    request: CreateHyperParameterTuningJobRequest, views: list[DefinitionView]
) -> Iterator[str]:
    for view in views:
        condition = view.definition.stopping_condition
        runtime, wait = condition.max_runtime_in_seconds, condition.max_wait_time_in_seconds
        if runtime is not None and wait is not None and wait < runtime:
            yield violation(
                f"{view.path}.StoppingCondition.MaxWaitTimeInSeconds",
                wait,
                f"must be greater than or equal to MaxRuntimeInSeconds ({runtime})",
            )


def _channels(
    request: CreateHyperParameterTuningJobRequest, views: list[DefinitionView]
) -> Iterator[str]:
    for view in views:
        channels = view.definition.input_data_config or []
        path = f"{view.path}.InputDataConfig"
        yield from duplicates(
            (f"{path}.{j}.ChannelName", c.channel_name) for j, c in enumerate(channels)
        )
        for j, channel in enumerate(channels):
            source = channel.data_source
            given = [source.s3_data_source, source.file_system_data_source, source.dataset_source]
            if sum(s is not None for s in given) != 1:
                yield violation(
                    f"{path}.{j}.DataSource",
                    source,
                    "exactly one of S3DataSource, FileSystemDataSource and DatasetSource "
                    "is required",
                )


def _environment_total(
    request: CreateHyperParameterTuningJobRequest, views: list[DefinitionView]
) -> Iterator[str]:
    total = sum(len(v.definition.environment or {}) for v in views)
    if len(views) > 1 and total > MAX_ENVIRONMENT_ENTRIES:
        yield violation(
            "TrainingJobDefinitions",
            total,
            f"Environment maps of all definitions must have at most {MAX_ENVIRONMENT_ENTRIES} "
            f"entries in total, not {total}",
        )


DEFINITION_RULES = (
    _algorithm_source,
    _metric_definitions,
    _resources,
    _stopping_conditions,
    _channels,
    _environment_total,
)
