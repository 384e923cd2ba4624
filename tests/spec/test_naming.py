"""The naming contract others code against: attribute = to_snake(MemberName), alias = MemberName."""

from __future__ import annotations

import inspect

import pytest
from pydantic.alias_generators import to_snake

import trimtab.spec as spec
from trimtab.spec import WireModel, wire_name

MODELS = sorted(
    {
        obj
        for obj in vars(spec).values()
        if inspect.isclass(obj) and issubclass(obj, WireModel) and obj is not WireModel
    },
    key=lambda cls: cls.__name__,
)


def test_every_public_shape_is_exported() -> None:
    assert len(MODELS) > 50
    assert set(spec.__all__) <= set(vars(spec))


@pytest.mark.parametrize("model", MODELS, ids=lambda cls: cls.__name__)
def test_attribute_is_snake_case_of_member_name(model: type[WireModel]) -> None:
    for name, field in model.model_fields.items():
        assert field.alias is not None
        assert to_snake(field.alias) == name
        assert field.alias[0].isupper()


@pytest.mark.parametrize(
    ("attribute", "member"),
    [
        ("volume_size_in_gb", "VolumeSizeInGB"),
        ("s3_uri", "S3Uri"),
        ("s3_data_source", "S3DataSource"),
        ("max_number_of_training_jobs", "MaxNumberOfTrainingJobs"),
        ("hyper_parameter_tuning_job_config", "HyperParameterTuningJobConfig"),
        ("enable_sage_maker_metrics_time_series", "EnableSageMakerMetricsTimeSeries"),
    ],
)
def test_wire_names(attribute: str, member: str) -> None:
    assert wire_name(attribute) == member


def test_extra_members_are_forbidden_and_names_allowed() -> None:
    for model in MODELS:
        assert model.model_config.get("extra") == "forbid"
        assert model.model_config.get("populate_by_name") is True
