"""`CreateHyperParameterTuningJobRequest`, the body boto3 sends, member for member.

The parts live in `tuning` (search, objective, limits) and `definition` (what each training job
runs); this module adds the top level: definitions, warm start, tags and Autotune.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from trimtab.spec.base import WireModel
from trimtab.spec.definition import HyperParameterTrainingJobDefinition
from trimtab.spec.enums import AutotuneMode, WarmStartType
from trimtab.spec.fields import HyperParameterTuningJobName, TagKey, TagValue
from trimtab.spec.tuning import HyperParameterTuningJobConfig


class ParentHyperParameterTuningJob(WireModel):
    # Optional in the model, but an entry without a name is meaningless: required here.
    hyper_parameter_tuning_job_name: HyperParameterTuningJobName


class WarmStartConfig(WireModel):
    """Parent jobs whose results seed this one (shape HyperParameterTuningJobWarmStartConfig)."""

    parent_hyper_parameter_tuning_jobs: Annotated[
        list[ParentHyperParameterTuningJob], Field(min_length=1, max_length=5)
    ]
    warm_start_type: WarmStartType


class Tag(WireModel):
    key: TagKey
    value: TagValue


class Autotune(WireModel):
    mode: AutotuneMode


class CreateHyperParameterTuningJobRequest(WireModel):
    """A whole tuning job request: give exactly one of TrainingJobDefinition(s) (see `rules`)."""

    hyper_parameter_tuning_job_name: HyperParameterTuningJobName
    hyper_parameter_tuning_job_config: HyperParameterTuningJobConfig
    training_job_definition: HyperParameterTrainingJobDefinition | None = None
    training_job_definitions: (
        Annotated[list[HyperParameterTrainingJobDefinition], Field(min_length=1, max_length=10)]
        | None
    ) = None
    warm_start_config: WarmStartConfig | None = None
    tags: Annotated[list[Tag], Field(max_length=50)] | None = None
    autotune: Autotune | None = None


HyperParameterTuningJobWarmStartConfig = WarmStartConfig  # the service model's shape name
