"""Every encoder/decoder/attention combination SageMaker allows builds, trains a few steps
and decodes; the pieces around them (initialisation, schedules, clipping, beam search) do
what their hyperparameters say."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from tests.algorithms.seq2seq.helpers import TINY
from trimtab.algorithms.seq2seq.beam import beam_search
from trimtab.algorithms.seq2seq.buckets import BucketedData, define_buckets
from trimtab.algorithms.seq2seq.data import Corpus
from trimtab.algorithms.seq2seq.hyperparameters import Hyperparameters, parse_hyperparameters
from trimtab.algorithms.seq2seq.model import TrainingLoss, build_model, initialize
from trimtab.algorithms.seq2seq.optim import Clipper, LearningRate, build_optimizer
from trimtab.algorithms.seq2seq.rnn import RnnDecoder
from trimtab.algorithms.seq2seq.vocab import EOS_ID

pytestmark = pytest.mark.usefixtures("one_thread")

VOCAB = 12


def batch_of_pairs() -> BucketedData:
    rng = np.random.default_rng(0)
    sources = [rng.integers(4, VOCAB, size=n).astype(np.int32) for n in (3, 5, 7, 2, 6, 4)]
    corpus = Corpus(sources, [s[::-1].copy() for s in sources])
    return BucketedData(corpus, define_buckets(8, 8, 4), batch_size=6)


def hyperparameters(**extra: str) -> Hyperparameters:
    return parse_hyperparameters({**TINY, **extra})


def train_steps(hp: Hyperparameters, steps: int = 4) -> list[float]:
    model = build_model(hp, VOCAB, VOCAB)
    initialize(model, hp, seed=0)
    loss = TrainingLoss(model, accuracy=True)
    optimizer = build_optimizer(hp, model.parameters())
    data = batch_of_pairs()
    losses = []
    for _ in range(steps):
        for batch in data.batches():
            stats = loss(batch.source, batch.source_length, batch.target_in, batch.target_out)
            optimizer.zero_grad()
            (stats.sum(0)[0] / batch.tokens).backward()
            optimizer.step()
            losses.append(float(stats.detach().sum(0)[0]) / batch.tokens)
    model.eval()
    batch = next(data.batches())
    found = beam_search(model, batch.source, batch.source_length, beam_size=3, max_length=9)
    assert len(found) == batch.size
    assert all(len(ids) <= 9 and EOS_ID not in ids for ids in found)
    return losses


COMBINATIONS = [
    {"encoder_type": encoder, "decoder_type": "rnn", "rnn_attention_type": attention}
    for encoder in ("rnn", "cnn")
    for attention in ("dot", "fixed", "mlp", "bilinear")
] + [{"encoder_type": encoder, "decoder_type": "cnn"} for encoder in ("rnn", "cnn")]


@pytest.mark.parametrize("combination", COMBINATIONS, ids=lambda c: "-".join(c.values()))
def test_every_combination_trains_and_decodes(combination: dict[str, str]) -> None:
    losses = train_steps(hyperparameters(**combination, learning_rate="0.01"))
    assert all(math.isfinite(x) for x in losses)
    assert losses[-1] < losses[0]


@pytest.mark.parametrize(
    "variant",
    [
        {"rnn_cell_type": "gru", "rnn_decoder_state_init": "avg"},
        {"rnn_decoder_state_init": "zero", "rnn_attention_num_hidden": "8"},
        {"num_layers_encoder": "3", "num_layers_decoder": "3", "rnn_residual_connections": "true"},
        {"num_layers_decoder": "2", "rnn_attention_in_upper_layers": "false"},
        {"rnn_cell_type": "gru", "num_layers_decoder": "2", "rnn_first_residual_layer": "1",
         "rnn_residual_connections": "true", "rnn_decoder_hidden_dropout": "0.2"},
        *({"encoder_type": "cnn", "decoder_type": "cnn", "cnn_activation_type": activation,
           "cnn_kernel_width_encoder": "4", "cnn_kernel_width_decoder": "2",
           "num_layers_encoder": "2", "cnn_hidden_dropout": "0.1"}
          for activation in ("glu", "relu", "softrelu", "sigmoid", "tanh")),
    ],
    ids=lambda v: "-".join(f"{k}={x}" for k, x in v.items() if k != "num_layers_encoder")[:60],
)  # fmt: skip
def test_architecture_variants_train(variant: dict[str, str]) -> None:
    assert all(math.isfinite(x) for x in train_steps(hyperparameters(**variant), steps=2))


def test_residual_layers_and_upper_attention_shape_the_decoder() -> None:
    hp = hyperparameters(num_layers_decoder="3", rnn_residual_connections="true")
    decoder = build_model(hp, VOCAB, VOCAB).decoder
    assert isinstance(decoder, RnnDecoder)
    assert decoder.residual == [False, True, True]
    assert decoder.layers[1].input_size == 32 + 32  # the context is fed to upper layers
    hp = hyperparameters(num_layers_decoder="3", rnn_attention_in_upper_layers="false")
    decoder = build_model(hp, VOCAB, VOCAB).decoder
    assert isinstance(decoder, RnnDecoder) and decoder.layers[1].input_size == 32


def test_incremental_decoding_matches_the_whole_sequence() -> None:
    """Beam search's step-by-step decoder gives the logits of teacher forcing."""
    for decoder_type in ("rnn", "cnn"):
        hp = hyperparameters(decoder_type=decoder_type, encoder_type="cnn")
        model = build_model(hp, VOCAB, VOCAB).eval()
        batch = next(batch_of_pairs().batches())
        with torch.no_grad():
            whole = model(batch.source, batch.source_length, batch.target_in)
            encoded = model.decoder.prepare(model.encode(batch.source, batch.source_length))
            state = model.decoder.start(encoded)
            for t in range(3):
                logits, state = model.decoder.step(batch.target_in[:, t], state, encoded)
                torch.testing.assert_close(logits, whole[:, t], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize(
    ("settings", "bound"),
    [
        ({"weight_init_type": "uniform", "weight_init_scale": "-0.05"}, 0.05),
        ({"weight_init_scale": "2.34", "xavier_factor_type": "in"}, math.sqrt(2.34 / 16)),
        ({"weight_init_scale": "3", "xavier_factor_type": "out"}, math.sqrt(3 / VOCAB)),
        ({"weight_init_scale": "3", "xavier_factor_type": "avg"}, math.sqrt(3 / 14)),
    ],
)
def test_weight_initialisation(settings: dict[str, str], bound: float) -> None:
    hp = hyperparameters(**settings)
    model = build_model(hp, VOCAB, VOCAB)
    initialize(model, hp, seed=0)
    largest = float(model.encoder.embed.weight.detach().abs().max())  # fan-in 16, fan-out 12
    assert 0.8 * bound < largest <= bound
    assert all(not p.detach().any() for p in model.parameters() if p.dim() == 1)


def rates(hp: Hyperparameters, updates: int) -> float:
    schedule = LearningRate(hp, build_optimizer(hp, [torch.nn.Parameter(torch.zeros(1))]))
    schedule.after_update(updates)
    return schedule.rate


def test_fixed_rate_schedules_halve_after_the_half_life() -> None:
    common = {"learning_rate": "0.1", "fixed_rate_lr_half_life": "2"}
    common["checkpoint_frequency_num_batches"] = "10"  # half-life: 20 updates
    for kind in ("fixed_rate_inv_t", "fixed_rate_inv_sqrt_t"):
        hp = hyperparameters(lr_scheduler_type=kind, **common)
        assert rates(hp, 0) == pytest.approx(0.1)
        assert rates(hp, 20) == pytest.approx(0.05)
    assert rates(hyperparameters(**common), 20) == pytest.approx(0.1)  # plateau: per checkpoint


def test_plateau_reduce_lowers_the_rate_after_the_threshold() -> None:
    hp = hyperparameters(plateau_reduce_lr_threshold="2", plateau_reduce_lr_factor="0.25")
    optimizer = build_optimizer(hp, [torch.nn.Parameter(torch.zeros(1))])
    schedule = LearningRate(hp, optimizer)
    assert [schedule.after_checkpoint(i) for i in (False, True, False, False, False)] == [
        False, False, False, True, False,
    ]  # fmt: skip
    assert optimizer.param_groups[0]["lr"] == pytest.approx(0.0003 / 4)


@pytest.mark.parametrize(
    ("optimizer", "cls", "momentum"),
    [("adam", torch.optim.Adam, None), ("rmsprop", torch.optim.RMSprop, 0.0),
     ("sgd", torch.optim.SGD, 0.7)],
)  # fmt: skip
def test_optimizers(optimizer: str, cls: type, momentum: float | None) -> None:
    hp = hyperparameters(optimizer_type=optimizer, momentum="0.7", weight_decay="0.01")
    built = build_optimizer(hp, [torch.nn.Parameter(torch.zeros(1))])
    assert type(built) is cls and built.defaults["weight_decay"] == 0.01
    assert built.defaults.get("momentum") == momentum


def test_gradients_are_clipped_by_value_unless_the_threshold_is_negative() -> None:
    parameter = torch.nn.Parameter(torch.zeros(3))
    for threshold, expected in ((1.0, [1.0, -1.0, 0.5]), (-1.0, [3.0, -2.0, 0.5])):
        parameter.grad = torch.tensor([3.0, -2.0, 0.5])
        Clipper(threshold, [parameter])()
        assert parameter.grad.tolist() == expected
