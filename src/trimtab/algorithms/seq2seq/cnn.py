"""The convolutional encoder and decoder (`encoder_type`/`decoder_type` cnn), after Gehring
et al. (2017), "Convolutional Sequence to Sequence Learning".

Tokens plus learned positions are embedded, projected to `cnn_num_hidden`, and go through
residual convolution blocks (`cnn_activation_type`: GLU, which computes twice the channels and
gates half with the other half, or a plain activation). Encoder convolutions are centred (the
padding masked out); decoder convolutions only see earlier tokens, and every decoder block
attends to the encoder with its own dot-product attention, whose query adds the target
embedding and whose values add the source embedding to the encoder output.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from trimtab.algorithms.seq2seq.base import (
    SQRT_HALF,
    Decoder,
    Encoded,
    masked_softmax,
    padding_mask,
)
from trimtab.algorithms.seq2seq.hyperparameters import Hyperparameters
from trimtab.algorithms.seq2seq.options import Activation

_ACTIVATIONS: dict[Activation, Callable[[Tensor], Tensor]] = {
    Activation.RELU: F.relu,
    Activation.SOFTRELU: F.softplus,
    Activation.SIGMOID: torch.sigmoid,
    Activation.TANH: torch.tanh,
}


class ConvBlock(nn.Module):
    """One convolution over (B, T, H) and its activation; `causal` pads on the left only."""

    def __init__(
        self, hidden: int, width: int, activation: Activation, dropout: float, causal: bool
    ) -> None:
        super().__init__()
        self.glu = activation is Activation.GLU
        self.activation = None if self.glu else _ACTIVATIONS[activation]
        self.dropout = nn.Dropout(dropout)
        self.conv = nn.Conv1d(hidden, hidden * (2 if self.glu else 1), width)
        self.padding = (width - 1, 0) if causal else ((width - 1) // 2, width // 2)

    def forward(self, x: Tensor) -> Tensor:
        y = self.conv(F.pad(self.dropout(x).transpose(1, 2), self.padding))
        y = F.glu(y, dim=1) if self.activation is None else self.activation(y)
        return y.transpose(1, 2)


def _positions(embedding: nn.Embedding, length: int, device: torch.device) -> Tensor:
    table: Tensor = embedding(torch.arange(length, device=device))
    return table.unsqueeze(0)


class CnnEncoder(nn.Module):
    def __init__(self, hp: Hyperparameters, vocab_size: int) -> None:
        super().__init__()
        embed, hidden = hp.num_embed_source, hp.cnn_num_hidden
        self.embed = nn.Embedding(vocab_size, embed)
        self.positions = nn.Embedding(hp.max_seq_len_source, embed)
        self.dropout = nn.Dropout(hp.embed_dropout_source)
        self.project_in = nn.Linear(embed, hidden)
        self.blocks = nn.ModuleList(
            ConvBlock(
                hidden,
                hp.cnn_kernel_width_encoder,
                hp.cnn_activation_type,
                hp.cnn_hidden_dropout,
                causal=False,
            )
            for _ in range(hp.num_layers_encoder)
        )
        self.project_out = nn.Linear(hidden, embed)
        self.output_size = embed

    def forward(self, source: Tensor, lengths: Tensor) -> Encoded:
        mask = padding_mask(lengths, source.size(1))
        embedded = self.dropout(
            self.embed(source) + _positions(self.positions, source.size(1), source.device)
        )
        keep = mask.unsqueeze(2).to(embedded.dtype)
        x = self.project_in(embedded)
        for block in self.blocks:
            x = (block(x * keep) + x) * SQRT_HALF
        states = self.project_out(x) * keep
        return Encoded(states, (states + embedded) * SQRT_HALF, mask, lengths)


class ConvAttention(nn.Module):
    """One decoder block's attention: query = (W h + target embedding) in the keys' space."""

    def __init__(self, hidden: int, embed: int, key_size: int, value_size: int) -> None:
        super().__init__()
        self.query = nn.Linear(hidden, key_size)
        self.embedded = nn.Identity() if embed == key_size else nn.Linear(embed, key_size)
        self.project_out = nn.Linear(value_size, hidden)

    def forward(self, x: Tensor, embedded: Tensor, encoded: Encoded) -> Tensor:
        query = (self.query(x) + self.embedded(embedded)) * SQRT_HALF
        probs = masked_softmax(torch.bmm(query, encoded.states.transpose(1, 2)), encoded.mask)
        context: Tensor = self.project_out(torch.bmm(probs, encoded.values))
        return context


class CnnDecoder(Decoder):
    """State: `[tokens so far]` (B, t); each step recomputes the (short) prefix."""

    def __init__(
        self, hp: Hyperparameters, vocab_size: int, source_size: int, value_size: int
    ) -> None:
        super().__init__()
        embed, hidden = hp.num_embed_target, hp.cnn_num_hidden
        self.embed = nn.Embedding(vocab_size, embed)
        self.positions = nn.Embedding(hp.max_seq_len_target + 1, embed)  # <s> + the target
        self.dropout = nn.Dropout(hp.embed_dropout_target)
        self.project_in = nn.Linear(embed, hidden)
        self.blocks = nn.ModuleList(
            ConvBlock(
                hidden,
                hp.cnn_kernel_width_decoder,
                hp.cnn_activation_type,
                hp.cnn_hidden_dropout,
                causal=True,
            )
            for _ in range(hp.num_layers_decoder)
        )
        self.attentions = nn.ModuleList(
            ConvAttention(hidden, embed, source_size, value_size)
            for _ in range(hp.num_layers_decoder)
        )
        self.project_out = nn.Linear(hidden, embed)
        self.hidden_dropout = nn.Dropout(hp.cnn_hidden_dropout)
        self.output = nn.Linear(embed, vocab_size)

    def forward(self, target: Tensor, encoded: Encoded) -> Tensor:
        embedded = self.dropout(
            self.embed(target) + _positions(self.positions, target.size(1), target.device)
        )
        x = self.project_in(embedded)
        for block, attention in zip(self.blocks, self.attentions, strict=True):
            y = block(x)
            y = (y + attention(y, embedded, encoded)) * SQRT_HALF
            x = (y + x) * SQRT_HALF
        logits: Tensor = self.output(self.hidden_dropout(self.project_out(x)))
        return logits

    def start(self, encoded: Encoded) -> list[Tensor]:
        return [encoded.lengths.new_zeros(encoded.lengths.size(0), 0)]

    def step(
        self, token: Tensor, state: list[Tensor], encoded: Encoded
    ) -> tuple[Tensor, list[Tensor]]:
        history = torch.cat([state[0], token.unsqueeze(1)], dim=1)
        return self.forward(history, encoded)[:, -1], [history]
