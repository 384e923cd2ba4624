"""What the cross-member rules share: each definition seen with its objective and ranges."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from trimtab.spec.definition import HyperParameterTrainingJobDefinition
from trimtab.spec.messages import violation
from trimtab.spec.request import CreateHyperParameterTuningJobRequest
from trimtab.spec.tuning import HyperParameterTuningJobObjective, ParameterRanges

CONFIG = "HyperParameterTuningJobConfig"


@dataclass(frozen=True)
class DefinitionView:
    """A training job definition with the objective and ranges that apply to it.

    A single `TrainingJobDefinition` takes both from `HyperParameterTuningJobConfig`; each of
    `TrainingJobDefinitions` has its own. The paths are where messages point.
    """

    path: str
    definition: HyperParameterTrainingJobDefinition
    objective: HyperParameterTuningJobObjective | None
    objective_path: str
    ranges: ParameterRanges | None
    ranges_path: str


def definition_views(request: CreateHyperParameterTuningJobRequest) -> list[DefinitionView]:
    """The request's definitions; [] unless exactly one of the two members is given."""
    config = request.hyper_parameter_tuning_job_config
    single, multi = request.training_job_definition, request.training_job_definitions
    if single is not None and multi is None:
        return [
            DefinitionView(
                path="TrainingJobDefinition",
                definition=single,
                objective=config.hyper_parameter_tuning_job_objective,
                objective_path=f"{CONFIG}.HyperParameterTuningJobObjective",
                ranges=config.parameter_ranges,
                ranges_path=f"{CONFIG}.ParameterRanges",
            )
        ]
    if multi is not None and single is None:
        return [
            DefinitionView(
                path=f"TrainingJobDefinitions.{i}",
                definition=d,
                objective=d.tuning_objective,
                objective_path=f"TrainingJobDefinitions.{i}.TuningObjective",
                ranges=d.hyper_parameter_ranges,
                ranges_path=f"TrainingJobDefinitions.{i}.HyperParameterRanges",
            )
            for i, d in enumerate(multi)
        ]
    return []


def objectives(
    request: CreateHyperParameterTuningJobRequest,
) -> dict[str | None, HyperParameterTuningJobObjective]:
    """Each definition's objective, by `DefinitionName` (None for a single definition)."""
    return {
        view.definition.definition_name: view.objective
        for view in definition_views(request)
        if view.objective is not None
    }


def duplicates(entries: Iterable[tuple[str, str]], fold: bool = False) -> Iterator[str]:
    """A violation for each (path, value) whose value an earlier entry already has."""
    first: dict[str, str] = {}
    for path, value in entries:
        key = value.casefold() if fold else value
        if key in first:
            yield violation(path, value, f"must be unique, but {first[key]} has the same value")
        else:
            first[key] = path
