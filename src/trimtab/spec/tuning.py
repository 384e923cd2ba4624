"""`HyperParameterTuningJobConfig` and its parts: how a tuning job searches and when it stops.

Defaults are filled as DescribeHyperParameterTuningJob echoes them: `ScalingType` "Auto",
`TrainingJobEarlyStoppingType` "Off", and the three range lists `[]` inside a given
`ParameterRanges`. Everything else left out stays out.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from trimtab.spec.base import WireModel
from trimtab.spec.enums import (
    CompleteOnConvergence,
    ObjectiveType,
    ScalingType,
    Strategy,
    TrainingJobEarlyStoppingType,
)
from trimtab.spec.fields import (
    Count,
    MetricName,
    ParameterKey,
    ParameterValue,
    PositiveInt,
    RangeList,
    WireFloat,
    WireInt,
)


class HyperbandStrategyConfig(WireModel):
    """Resource units (epochs): no job stops before MinResource; every job stops at MaxResource."""

    min_resource: PositiveInt | None = None
    max_resource: Annotated[WireInt, Field(ge=1, le=20000)] | None = None


class HyperParameterTuningJobStrategyConfig(WireModel):
    hyperband_strategy_config: HyperbandStrategyConfig | None = None


class HyperParameterTuningJobObjective(WireModel):
    """The metric to optimise; its name must be one of the definition's MetricDefinitions."""

    type: ObjectiveType
    metric_name: MetricName


class ResourceLimits(WireModel):
    max_number_of_training_jobs: PositiveInt | None = None
    max_parallel_training_jobs: Annotated[WireInt, Field(ge=1, le=100)]
    max_runtime_in_seconds: Annotated[WireInt, Field(ge=120, le=15768000)] | None = None


class IntegerParameterRange(WireModel):
    """Bounds are strings on the wire, parsed (and checked) as integers by `rules`."""

    name: ParameterKey
    min_value: ParameterValue
    max_value: ParameterValue
    scaling_type: ScalingType = ScalingType.AUTO


class ContinuousParameterRange(WireModel):
    """Bounds are strings on the wire, parsed (and checked) as finite floats by `rules`."""

    name: ParameterKey
    min_value: ParameterValue
    max_value: ParameterValue
    scaling_type: ScalingType = ScalingType.AUTO


class CategoricalParameterRange(WireModel):
    name: ParameterKey
    values: Annotated[list[ParameterValue], Field(min_length=1, max_length=30)]


class AutoParameter(WireModel):
    """A hyperparameter Autotune should range over, with an example value to start from."""

    name: ParameterKey
    value_hint: ParameterValue


class ParameterRanges(WireModel):
    """The search space: at most 30 ranges per list and in total (the total: see `ranges`)."""

    integer_parameter_ranges: RangeList[IntegerParameterRange] = Field(default_factory=list)
    continuous_parameter_ranges: RangeList[ContinuousParameterRange] = Field(default_factory=list)
    categorical_parameter_ranges: RangeList[CategoricalParameterRange] = Field(default_factory=list)
    auto_parameters: Annotated[list[AutoParameter], Field(max_length=100)] | None = None


class BestObjectiveNotImproving(WireModel):
    max_number_of_training_jobs_not_improving: Annotated[WireInt, Field(ge=3)] | None = None


class ConvergenceDetected(WireModel):
    complete_on_convergence: CompleteOnConvergence | None = None


class TuningJobCompletionCriteria(WireModel):
    """Extra ways for the tuning job to complete before its ResourceLimits are reached."""

    target_objective_metric_value: WireFloat | None = None
    best_objective_not_improving: BestObjectiveNotImproving | None = None
    convergence_detected: ConvergenceDetected | None = None


class HyperParameterTuningJobConfig(WireModel):
    strategy: Strategy
    strategy_config: HyperParameterTuningJobStrategyConfig | None = None
    hyper_parameter_tuning_job_objective: HyperParameterTuningJobObjective | None = None
    resource_limits: ResourceLimits
    parameter_ranges: ParameterRanges | None = None
    training_job_early_stopping_type: TrainingJobEarlyStoppingType = (
        TrainingJobEarlyStoppingType.OFF
    )
    tuning_job_completion_criteria: TuningJobCompletionCriteria | None = None
    random_seed: Count | None = None
