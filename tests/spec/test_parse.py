"""parse_request and load_request_file: valid requests, defaults, the wire round trip, bad JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.spec.builders import SEQ2SEQ_BODY, accepts, rejects, script_mode, seq2seq
from trimtab.errors import ValidationError
from trimtab.spec import (
    CreateHyperParameterTuningJobRequest,
    ObjectiveType,
    ScalingType,
    Strategy,
    TrainingInstanceType,
    TrainingJobEarlyStoppingType,
    load_request_file,
    parse_request,
    to_wire,
)


def test_reference_seq2seq_request_parses() -> None:
    request = parse_request(SEQ2SEQ_BODY)
    config = request.hyper_parameter_tuning_job_config
    assert request.hyper_parameter_tuning_job_name == "s2s-bleu-001"
    assert config.strategy is Strategy.BAYESIAN
    assert config.training_job_early_stopping_type is TrainingJobEarlyStoppingType.AUTO
    assert config.hyper_parameter_tuning_job_objective is not None
    assert config.hyper_parameter_tuning_job_objective.type is ObjectiveType.MAXIMIZE
    assert config.resource_limits.max_number_of_training_jobs == 20
    definition = request.training_job_definition
    assert definition is not None
    assert definition.resource_config is not None
    assert definition.resource_config.instance_type is TrainingInstanceType.ML_P3_2XLARGE
    assert definition.resource_config.volume_size_in_gb == 50
    assert [c.channel_name for c in definition.input_data_config or []] == [
        "train",
        "validation",
        "vocab",
    ]


def test_sdk_script_mode_request_parses() -> None:
    request = parse_request(script_mode())
    definition = request.training_job_definition
    assert definition is not None
    static = definition.static_hyper_parameters or {}
    assert static["sagemaker_program"] == '"train.py"'
    assert static["sagemaker_container_log_level"] == "20"
    ranges = request.hyper_parameter_tuning_job_config.parameter_ranges
    assert ranges is not None
    assert ranges.categorical_parameter_ranges[0].values == ['"adam"', '"sgd"']
    assert definition.enable_network_isolation is False


def test_bytes_and_mappings_parse_alike() -> None:
    assert parse_request(SEQ2SEQ_BODY.encode()) == parse_request(seq2seq())


def test_defaults_are_filled_as_describe_echoes_them() -> None:
    body = seq2seq()
    config = body["HyperParameterTuningJobConfig"]
    del config["TrainingJobEarlyStoppingType"]
    del config["ParameterRanges"]["IntegerParameterRanges"][0]["ScalingType"]
    del config["ParameterRanges"]["CategoricalParameterRanges"]
    wire = to_wire(parse_request(body))["HyperParameterTuningJobConfig"]
    assert wire["TrainingJobEarlyStoppingType"] == "Off"
    assert wire["ParameterRanges"]["IntegerParameterRanges"][0]["ScalingType"] == "Auto"
    assert wire["ParameterRanges"]["CategoricalParameterRanges"] == []
    assert "AutoParameters" not in wire["ParameterRanges"]
    assert "StrategyConfig" not in wire  # everything else left out stays out
    assert "RandomSeed" not in wire


def test_to_wire_is_the_request_with_defaults() -> None:
    body = seq2seq()
    assert to_wire(parse_request(body)) == body  # §3.6 already spells out every default


def test_wire_round_trip_is_identity() -> None:
    for body in (seq2seq(), script_mode()):
        request = parse_request(body)
        wire = request.to_wire()
        assert parse_request(wire) == request
        assert parse_request(json.dumps(wire)).to_wire() == wire


def test_json_null_is_an_omitted_member() -> None:
    body = seq2seq()
    body["WarmStartConfig"] = None
    body["HyperParameterTuningJobConfig"]["ParameterRanges"]["IntegerParameterRanges"][0][
        "ScalingType"
    ] = None
    request = parse_request(body)
    assert request.warm_start_config is None
    ranges = request.hyper_parameter_tuning_job_config.parameter_ranges
    assert ranges is not None
    assert ranges.integer_parameter_ranges[0].scaling_type is ScalingType.AUTO


def test_models_can_be_built_by_attribute_name() -> None:
    request = parse_request(seq2seq())
    rebuilt = CreateHyperParameterTuningJobRequest(
        hyper_parameter_tuning_job_name=request.hyper_parameter_tuning_job_name,
        hyper_parameter_tuning_job_config=request.hyper_parameter_tuning_job_config,
        training_job_definition=request.training_job_definition,
    )
    assert rebuilt == request


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '{"HyperParameterTuningJobName": "x",,}',
            "Malformed JSON in request body at line 1, column 37",
        ),
        ('{\n  "a": 1\n  "b": 2\n}', "at line 3, column 3: Expecting ',' delimiter"),
        ("", "at line 1, column 1: Expecting value"),
        ('{"a": NaN}', "NaN is not a JSON value"),
        ('{"a": -Infinity}', "-Infinity is not a JSON value"),
        (b'{"a": "\xff"}', "not UTF-8 text"),
        ("[" * 100_000, "Malformed JSON in request body"),
    ],
)
def test_malformed_json_says_where(text: str | bytes, expected: str) -> None:
    rejects(text, expected)


@pytest.mark.parametrize(
    ("body", "kind"), [("[]", "a list"), ("3", "a number"), ('"x"', "a string")]
)
def test_top_level_must_be_an_object(body: str, kind: str) -> None:
    rejects(body, f"must be a JSON object of CreateHyperParameterTuningJob members, not {kind}")


def test_load_request_file(tmp_path: Path) -> None:
    path = tmp_path / "job.json"
    path.write_text(SEQ2SEQ_BODY)
    assert load_request_file(path) == parse_request(SEQ2SEQ_BODY)
    assert load_request_file(str(path)) == parse_request(SEQ2SEQ_BODY)


def test_load_request_file_names_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    with pytest.raises(
        ValidationError, match=r"Cannot read the request file '.*nope\.json': No such"
    ):
        load_request_file(missing)
    with pytest.raises(ValidationError, match=r"Cannot read the request file .*: Is a directory"):
        load_request_file(tmp_path)
    broken = tmp_path / "broken.json"
    broken.write_text("{\n")
    with pytest.raises(ValidationError, match=r"Malformed JSON in '.*broken\.json' at line 2"):
        load_request_file(broken)


def test_several_violations_are_reported_together() -> None:
    body = seq2seq()
    body["HyperParameterTuningJobName"] = "bad_name"
    body["HyperParameterTuningJobConfig"]["Strategy"] = "Foo"
    message = rejects(body, "2 validation errors detected: Value 'bad_name' at")
    assert "; Value 'Foo' at 'HyperParameterTuningJobConfig.Strategy'" in message


def test_accepts_returns_the_request() -> None:
    assert accepts(seq2seq()).hyper_parameter_tuning_job_name == "s2s-bleu-001"
