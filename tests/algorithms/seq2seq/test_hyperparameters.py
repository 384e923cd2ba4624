"""Every hyperparameter of SageMaker's table: its default, what it allows, and the message a
bad value gets, in `output/failure` as a training job reports it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.algorithms.seq2seq.helpers import make_job, run_job
from trimtab.algorithms.errors import ClientError
from trimtab.algorithms.seq2seq.hyperparameters import (
    WIRE_NAMES,
    Hyperparameters,
    parse_hyperparameters,
    to_wire,
)
from trimtab.algorithms.seq2seq.options import Metric, NetworkType, OptimizerType

# The reference's defaults (sagemaker-amt.md §6.1), as the strings a job would pass.
DOCUMENTED_DEFAULTS = {
    "batch_size": "64", "beam_size": "5", "bleu_sample_size": "0", "bucket_width": "10",
    "bucketing_enabled": "true", "checkpoint_frequency_num_batches": "1000",
    "checkpoint_threshold": "3", "clip_gradient": "1", "cnn_activation_type": "glu",
    "cnn_hidden_dropout": "0", "cnn_kernel_width_decoder": "5", "cnn_kernel_width_encoder": "3",
    "cnn_num_hidden": "512", "decoder_type": "rnn", "embed_dropout_source": "0",
    "embed_dropout_target": "0", "encoder_type": "rnn", "fixed_rate_lr_half_life": "10",
    "learning_rate": "0.0003", "loss_type": "cross-entropy", "lr_scheduler_type": "plateau_reduce",
    "max_num_batches": "-1", "max_seq_len_source": "100", "max_seq_len_target": "100",
    "min_num_epochs": "0", "num_embed_source": "512", "num_embed_target": "512",
    "num_layers_decoder": "1", "num_layers_encoder": "1", "optimized_metric": "perplexity",
    "optimizer_type": "adam", "plateau_reduce_lr_factor": "0.5",
    "plateau_reduce_lr_threshold": "3", "rnn_attention_in_upper_layers": "true",
    "rnn_attention_type": "mlp", "rnn_cell_type": "lstm", "rnn_decoder_state_init": "last",
    "rnn_first_residual_layer": "2", "rnn_num_hidden": "1024", "rnn_residual_connections": "false",
    "rnn_decoder_hidden_dropout": "0", "training_metric": "perplexity", "weight_decay": "0",
    "weight_init_scale": "2.34", "weight_init_type": "xavier", "xavier_factor_type": "in",
}  # fmt: skip
UNSET_BY_DEFAULT = {"max_num_epochs", "momentum", "rnn_attention_num_hidden"}

POSITIVE = "must be a positive integer"
FRACTION = "must be a number between 0 \\(included\\) and 1"
FLAG = "must be true or false"
# (name, a bad value, what the message says is allowed): every hyperparameter at least once.
BAD_VALUES = [
    ("batch_size", "0", POSITIVE),
    ("batch_size", "sixty", POSITIVE),
    ("beam_size", "1.5", POSITIVE),
    ("bleu_sample_size", "-2", "must be -1 or an integer >= 0"),
    ("bucket_width", "-10", POSITIVE),
    ("bucketing_enabled", "yes", FLAG),
    ("checkpoint_frequency_num_batches", "0", POSITIVE),
    ("checkpoint_threshold", "", POSITIVE),
    ("clip_gradient", "nan", "must be a number$"),
    ("cnn_activation_type", "gelu", "must be one of glu, relu, softrelu, sigmoid, tanh"),
    ("cnn_hidden_dropout", "1.5", FRACTION),
    ("cnn_kernel_width_decoder", "0", POSITIVE),
    ("cnn_kernel_width_encoder", "-3", POSITIVE),
    ("cnn_num_hidden", "0", POSITIVE),
    ("decoder_type", "transformer", "must be one of rnn, cnn"),
    ("embed_dropout_source", "-0.1", FRACTION),
    ("embed_dropout_target", "2", FRACTION),
    ("encoder_type", "RNN", "must be one of rnn, cnn"),
    ("fixed_rate_lr_half_life", "0", POSITIVE),
    ("learning_rate", "0", "must be a number > 0"),
    ("loss_type", "mse", "must be one of cross-entropy"),
    ("lr_scheduler_type", "cosine", "must be one of plateau_reduce, fixed_rate_inv_t, fixed_ra"),
    ("max_num_batches", "0", "must be -1 or a positive integer"),
    ("max_num_epochs", "0", POSITIVE),
    ("max_seq_len_source", "0", POSITIVE),
    ("max_seq_len_target", "x", POSITIVE),
    ("min_num_epochs", "-1", "must be an integer >= 0"),
    ("momentum", "1.1", FRACTION),
    ("num_embed_source", "0", POSITIVE),
    ("num_embed_target", "0", POSITIVE),
    ("num_layers_decoder", "0", POSITIVE),
    ("num_layers_encoder", "2.5", POSITIVE),
    ("optimized_metric", "loss", "must be one of perplexity, accuracy, bleu"),
    ("optimizer_type", "adagrad", "must be one of adam, sgd, rmsprop"),
    ("plateau_reduce_lr_factor", "0", "must be a number between 0 \\(excluded\\) and 1"),
    ("plateau_reduce_lr_threshold", "0", POSITIVE),
    ("rnn_attention_in_upper_layers", "1", FLAG),
    ("rnn_attention_num_hidden", "0", POSITIVE),
    ("rnn_attention_type", "location", "must be one of dot, fixed, mlp, bilinear"),
    ("rnn_cell_type", "rnn", "must be one of lstm, gru"),
    ("rnn_decoder_state_init", "first", "must be one of last, avg, zero"),
    ("rnn_first_residual_layer", "0", POSITIVE),
    ("rnn_num_hidden", "33", "must be an even positive integer \\(the encoder is bidirectional"),
    ("rnn_residual_connections", "on", FLAG),
    ("rnn_decoder_hidden_dropout", "-1", FRACTION),
    ("training_metric", "bleu", "must be one of perplexity, accuracy$"),
    ("weight_decay", "-0.1", "must be a number >= 0"),
    ("weight_init_scale", "inf", "must be a number$"),
    ("weight_init_type", "normal", "must be one of xavier, uniform"),
    ("xavier_factor_type", "sum", "must be one of in, out, avg"),
]


def test_every_documented_hyperparameter_has_its_default() -> None:
    assert set(WIRE_NAMES) == {*DOCUMENTED_DEFAULTS, *UNSET_BY_DEFAULT, "_tuning_objective_metric"}
    assert parse_hyperparameters(DOCUMENTED_DEFAULTS) == parse_hyperparameters({})
    hp = Hyperparameters()
    assert all(getattr(hp, name) is None for name in UNSET_BY_DEFAULT)
    assert hp.attention_num_hidden == hp.rnn_num_hidden == 1024


def test_every_hyperparameter_has_a_bad_value_test() -> None:
    assert {name for name, _, _ in BAD_VALUES} == set(WIRE_NAMES) - {"_tuning_objective_metric"}


@pytest.mark.parametrize(("name", "value", "allowed"), BAD_VALUES)
def test_a_bad_value_is_refused_naming_it(name: str, value: str, allowed: str) -> None:
    message = f"^Value '{value}' for hyperparameter '{name}' failed to satisfy constraint: "
    with pytest.raises(ClientError, match=message + allowed):
        parse_hyperparameters({name: value})


def test_values_are_read_as_sagemaker_sends_them() -> None:
    hp = parse_hyperparameters(
        {
            "optimizer_type": '"sgd"',  # the SDK JSON-encodes categorical values
            "batch_size": "128.0",
            "momentum": 0.9,  # not a string: accepted all the same
            "bucketing_enabled": "False",
            "learning_rate": "1e-3",
            "max_num_epochs": "3",
            "_tuning_objective_metric": "validation:bleu",
        }
    )
    assert hp.optimizer_type is OptimizerType.SGD and hp.batch_size == 128
    assert hp.momentum == 0.9 and hp.bucketing_enabled is False and hp.learning_rate == 0.001
    assert hp.tuning_objective_metric == "validation:bleu" and hp.bleu_enabled


def test_unknown_names_are_refused_as_sagemaker_does() -> None:
    with pytest.raises(
        ClientError,
        match=r"^Additional hyperparameters are not allowed \('epochs' was unexpected\)$",
    ):
        parse_hyperparameters({"epochs": "3", "batch_size": "8"})
    with pytest.raises(ClientError, match=r"\('epochs', 'lr' were unexpected\)"):
        parse_hyperparameters({"lr": "3", "epochs": "1"})


def test_rules_between_values() -> None:
    with pytest.raises(ClientError, match=r"'max_num_epochs' .* must be >= min_num_epochs \(3\)"):
        parse_hyperparameters({"max_num_epochs": "2", "min_num_epochs": "3"})
    with pytest.raises(ClientError, match="must be > 0 when weight_init_type is xavier"):
        parse_hyperparameters({"weight_init_scale": "-1"})
    uniform = parse_hyperparameters({"weight_init_scale": "-1", "weight_init_type": "uniform"})
    assert uniform.weight_init_scale == -1


def test_settings_that_do_nothing_are_noted() -> None:
    hp = parse_hyperparameters({"momentum": "0.9", "optimized_metric": "bleu"})
    assert hp.notices() == [
        "momentum=0.9 is used by optimizer_type sgd only; ignored with adam",
        "BLEU is the metric to optimize but bleu_sample_size is 0: computing BLEU on the whole "
        "validation set (set bleu_sample_size to use a sample)",
    ]
    assert parse_hyperparameters({"momentum": "0.9", "optimizer_type": "sgd"}).notices() == []


def test_wire_round_trip() -> None:
    hp = Hyperparameters(
        encoder_type=NetworkType.CNN, momentum=0.5, training_metric=Metric.ACCURACY
    )
    assert parse_hyperparameters(to_wire(hp)) == hp
    assert "momentum" in to_wire(hp) and "max_num_epochs" not in to_wire(hp)


def test_a_bad_value_fails_the_job_with_a_client_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run_job(make_job(tmp_path, None, {"batch_size": "0", "foo": "1"}), capsys)
    assert result.code == 1
    assert result.failure == (
        "ClientError: Additional hyperparameters are not allowed ('foo' was unexpected)\n"
    )
