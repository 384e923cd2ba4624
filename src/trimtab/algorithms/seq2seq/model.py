"""The encoder-decoder model the hyperparameters describe, its initialisation and its loss.

`build_model` pairs either encoder with either decoder. `initialize` draws every weight
matrix as MXNet's initialisers did for SageMaker (`weight_init_type`, `weight_init_scale`,
`xavier_factor_type`) and zeroes the biases. `TrainingLoss` wraps the model so one forward
returns the loss sum, token count and correct-token count: that is all `nn.DataParallel` has
to gather from each GPU, instead of the logits.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from trimtab.algorithms.seq2seq.base import Decoder, Encoded
from trimtab.algorithms.seq2seq.cnn import CnnDecoder, CnnEncoder
from trimtab.algorithms.seq2seq.hyperparameters import Hyperparameters
from trimtab.algorithms.seq2seq.options import NetworkType, WeightInit, XavierFactor
from trimtab.algorithms.seq2seq.rnn import RnnDecoder, RnnEncoder
from trimtab.algorithms.seq2seq.vocab import PAD_ID


class Seq2Seq(nn.Module):
    def __init__(self, encoder: RnnEncoder | CnnEncoder, decoder: Decoder) -> None:
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder

    def encode(self, source: Tensor, lengths: Tensor) -> Encoded:
        encoded: Encoded = self.encoder(source, lengths)
        return encoded

    def forward(self, source: Tensor, lengths: Tensor, target_in: Tensor) -> Tensor:
        """Logits (B, T, V) for `target_in` ((B, T): `<s>` then the target), teacher-forced."""
        logits: Tensor = self.decoder(target_in, self.encode(source, lengths))
        return logits


def build_model(hp: Hyperparameters, source_vocab_size: int, target_vocab_size: int) -> Seq2Seq:
    encoder: RnnEncoder | CnnEncoder = (
        RnnEncoder(hp, source_vocab_size)
        if hp.encoder_type is NetworkType.RNN
        else CnnEncoder(hp, source_vocab_size)
    )
    size = encoder.output_size  # the encoder's states and values have the same size
    decoder: Decoder = (
        RnnDecoder(hp, target_vocab_size, size, size)
        if hp.decoder_type is NetworkType.RNN
        else CnnDecoder(hp, target_vocab_size, size, size)
    )
    return Seq2Seq(encoder, decoder)


def _fans(shape: torch.Size) -> tuple[int, int]:
    """MXNet's fan-in and fan-out of a weight laid out (out, in, *kernel)."""
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def initialize(model: nn.Module, hp: Hyperparameters, seed: int) -> None:
    """Xavier: U(-s, s) with s = sqrt(weight_init_scale / factor), the factor being the fan-in,
    fan-out or their mean (`xavier_factor_type`); uniform: U(-|scale|, |scale|)."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for parameter in model.parameters():
            if parameter.dim() < 2:
                parameter.zero_()
                continue
            if hp.weight_init_type is WeightInit.UNIFORM:
                bound = abs(hp.weight_init_scale)
            else:
                fan_in, fan_out = _fans(parameter.shape)
                factor = {
                    XavierFactor.IN: fan_in,
                    XavierFactor.OUT: fan_out,
                    XavierFactor.AVG: (fan_in + fan_out) / 2,
                }[hp.xavier_factor_type]
                bound = math.sqrt(hp.weight_init_scale / factor)
            values = torch.empty(parameter.shape).uniform_(-bound, bound, generator=generator)
            parameter.copy_(values)


class TrainingLoss(nn.Module):
    """(1, 3): [summed cross-entropy, target tokens, correctly predicted tokens] of a batch.

    The correct count is only computed with `accuracy` (an argmax over the vocabulary costs
    time); it is 0 otherwise.
    """

    def __init__(self, model: Seq2Seq, accuracy: bool) -> None:
        super().__init__()
        self.model = model
        self.accuracy = accuracy

    def forward(
        self, source: Tensor, lengths: Tensor, target_in: Tensor, target_out: Tensor
    ) -> Tensor:
        logits = self.model(source, lengths, target_in)
        flat = target_out.reshape(-1)
        loss = F.cross_entropy(
            logits.reshape(-1, logits.size(-1)), flat, ignore_index=PAD_ID, reduction="sum"
        )
        real = flat != PAD_ID
        correct = (
            ((logits.reshape(-1, logits.size(-1)).argmax(-1) == flat) & real).sum()
            if self.accuracy
            else torch.zeros((), device=flat.device)
        )
        return torch.stack([loss, real.sum().to(loss.dtype), correct.to(loss.dtype)]).unsqueeze(0)
