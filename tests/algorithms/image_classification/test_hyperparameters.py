"""Every hyperparameter: its default, the values it takes, and the message a bad one gets."""

from __future__ import annotations

import re

import pytest

from trimtab.algorithms.image_classification.errors import ClientError, Stage
from trimtab.algorithms.image_classification.hyperparameters import (
    Augmentation,
    HyperParameters,
    KvStore,
    Optimizer,
    Precision,
    parse,
)

REQUIRED = {"num_classes": "10", "num_training_samples": "100"}


def parse_with(**values: str) -> HyperParameters:
    return parse(REQUIRED | values)


def test_defaults_are_sagemakers() -> None:
    hp = parse(REQUIRED)
    assert (hp.num_classes, hp.num_training_samples) == (10, 100)
    assert hp.augmentation_type is None
    assert (hp.beta_1, hp.beta_2, hp.eps, hp.gamma) == (0.9, 0.999, 1e-8, 0.9)
    assert hp.checkpoint_frequency is None
    assert (hp.early_stopping, hp.early_stopping_min_epochs) == (False, 10)
    assert (hp.early_stopping_patience, hp.early_stopping_tolerance) == (5, 0.0)
    assert (hp.epochs, hp.image_shape, hp.kv_store) == (30, (3, 224, 224), None)
    assert (hp.learning_rate, hp.lr_scheduler_factor, hp.lr_scheduler_step) == (0.1, 0.1, None)
    assert (hp.mini_batch_size, hp.momentum, hp.multi_label) == (32, 0.9, False)
    assert (hp.num_layers, hp.optimizer, hp.precision_dtype) == (
        152,
        Optimizer.SGD,
        Precision.FLOAT32,
    )
    assert (hp.resize, hp.top_k, hp.use_pretrained_model) == (None, None, False)
    assert (hp.use_weighted_loss, hp.weight_decay) == (False, 0.0001)


GOOD = [
    ("augmentation_type", "crop_color_transform", Augmentation.CROP_COLOR_TRANSFORM),
    ("beta_1", "0.5", 0.5),
    ("beta_2", "0", 0.0),
    ("checkpoint_frequency", "5", 5),
    ("early_stopping", "True", True),
    ("early_stopping", "false", False),
    ("early_stopping_min_epochs", "3", 3),
    ("early_stopping_patience", "2", 2),
    ("early_stopping_tolerance", "0.01", 0.01),
    ("epochs", "12", 12),
    ("eps", "1e-6", 1e-6),
    ("gamma", "1", 1.0),
    ("image_shape", "1, 28,28", (1, 28, 28)),
    ("kv_store", "dist_sync", KvStore.DIST_SYNC),
    ("learning_rate", "0.001", 0.001),
    ("lr_scheduler_factor", "0.5", 0.5),
    ("lr_scheduler_step", "10, 20", (10, 20)),
    ("lr_scheduler_step", "7", (7,)),
    ("mini_batch_size", "64.0", 64),  # integral floats are integers
    ("momentum", "0", 0.0),
    ("multi_label", "1", True),
    ("num_layers", "18", 18),
    ("num_layers", "110", 110),
    ("optimizer", '"rmsprop"', Optimizer.RMSPROP),  # JSON-encoded, as the SDK sends categoricals
    ("precision_dtype", "float16", Precision.FLOAT16),
    ("resize", "256", 256),
    ("top_k", "2", 2),
    ("use_pretrained_model", "1", True),
    ("use_weighted_loss", "0", False),
    ("weight_decay", "0.999", 0.999),
]


@pytest.mark.parametrize(("name", "raw", "value"), GOOD)
def test_a_good_value_is_taken(name: str, raw: str, value: object) -> None:
    assert getattr(parse_with(**{name: raw}), name) == value


INTEGER_ABOVE_0 = "must be an integer > 0"
UNIT = r"must be a number in \[0, 1\]"
BAD = [
    ("num_classes", "0", INTEGER_ABOVE_0),
    ("num_classes", "ten", INTEGER_ABOVE_0),
    ("num_training_samples", "-5", INTEGER_ABOVE_0),
    ("augmentation_type", "rotate", "must be one of: crop, crop_color, crop_color_transform"),
    ("beta_1", "1.5", UNIT),
    ("beta_2", "-0.1", UNIT),
    ("checkpoint_frequency", "0", INTEGER_ABOVE_0),
    ("early_stopping", "1", "must be True or False"),
    ("early_stopping_min_epochs", "0", INTEGER_ABOVE_0),
    ("early_stopping_patience", "2.5", INTEGER_ABOVE_0),
    ("early_stopping_tolerance", "2", UNIT),
    ("epochs", "0", INTEGER_ABOVE_0),
    ("eps", "nan", UNIT),
    ("gamma", "1.01", UNIT),
    ("image_shape", "2,32,32", "must be 'channels,height,width' with 1 or 3 channels"),
    ("image_shape", "3,32", "must be 'channels,height,width'"),
    ("kv_store", "local", "must be one of: dist_sync, dist_async"),
    ("learning_rate", "inf", UNIT),
    ("lr_scheduler_factor", "10", UNIT),
    ("lr_scheduler_step", "20, 10", "must be increasing epochs > 0, separated by commas"),
    ("lr_scheduler_step", "0", "must be increasing epochs > 0"),
    ("mini_batch_size", "0", INTEGER_ABOVE_0),
    ("momentum", "1.2", UNIT),
    ("multi_label", "2", "must be 0 or 1"),
    ("num_layers", "19", "must be one of 18, 34, 50, 101, 152, 200 .* or 20, 32, 44, 56, 110"),
    ("optimizer", "adagrad", "must be one of: sgd, adam, rmsprop, nag"),
    ("precision_dtype", "bfloat16", "must be one of: float32, float16"),
    ("resize", "0", INTEGER_ABOVE_0),
    ("top_k", "1", "must be an integer > 1"),
    ("use_pretrained_model", "yes", "must be 0 or 1"),
    ("use_weighted_loss", "True", "must be 0 or 1"),
    ("weight_decay", "-1", UNIT),
]


@pytest.mark.parametrize(("name", "raw", "rule"), BAD)
def test_a_bad_value_is_refused_with_its_name_value_and_rule(
    name: str, raw: str, rule: str
) -> None:
    with pytest.raises(ClientError) as caught:
        parse_with(**{name: raw})
    expected = (
        f"Value '{re.escape(raw)}' for hyperparameter '{name}' failed to satisfy constraint: {rule}"
    )
    assert re.match(expected, caught.value.detail)
    assert caught.value.stage is Stage.HYPERPARAMETERS


def test_every_hyperparameter_has_good_and_bad_cases() -> None:
    names = set(HyperParameters.__dataclass_fields__)
    assert {g[0] for g in GOOD} | set(REQUIRED) == names
    assert {b[0] for b in BAD} == names


def test_unknown_names_are_refused_the_sagemaker_way() -> None:
    with pytest.raises(
        ClientError, match=r"^Additional hyperparameters are not allowed \('lr' was unexpected\)$"
    ):
        parse_with(lr="0.1")
    with pytest.raises(ClientError, match=r"\('a', 'b' were unexpected\)"):
        parse_with(b="1", a="2")


def test_the_tuner_and_sdk_names_are_accepted() -> None:
    parse_with(_tuning_objective_metric="validation:accuracy", sagemaker_region='"us-east-1"')


def test_required_names() -> None:
    with pytest.raises(ClientError, match=r"^'num_training_samples' is a required hyperparameter$"):
        parse({"num_classes": "2"})


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            {"epochs": "5", "checkpoint_frequency": "6"},
            r"'checkpoint_frequency' .*must not exceed epochs \(5\)",
        ),
        (
            {"image_shape": "3,32,32", "resize": "28"},
            r"'resize' .*at least the height and the width of image_shape \(32x32\)",
        ),
        (
            {"use_pretrained_model": "1", "num_layers": "20"},
            r"'num_layers' .*when use_pretrained_model is 1",
        ),
        ({"optimizer": "adam", "beta_1": "1"}, r"'beta_1' .*must be < 1 with optimizer adam"),
    ],
)
def test_values_that_contradict_each_other(values: dict[str, str], message: str) -> None:
    with pytest.raises(ClientError, match=message):
        parse_with(**values)


def test_the_failure_reason_reads_like_sagemakers() -> None:
    with pytest.raises(ClientError) as caught:
        parse_with(epochs="0")
    assert caught.value.failure_reason().startswith(
        "ClientError: Unable to initialize the algorithm. Failed to validate hyperparameters."
    )
    assert caught.value.failure_reason().endswith("Caused by: " + caught.value.detail)
