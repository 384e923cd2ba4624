"""The RNN decoder's attention types (`rnn_attention_type`), as Sockeye defines them.

Each scores a query (B, T, Hq) against the encoder's states and returns the context (B, T, Hv),
a weighted sum of the encoder's values, for all T target positions at once. `project_keys`
is the query-independent part, computed once per source batch (and once per beam search).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from trimtab.algorithms.seq2seq.base import Encoded, masked_softmax
from trimtab.algorithms.seq2seq.options import AttentionType


class Attention(nn.Module):
    def project_keys(self, states: Tensor) -> Tensor:
        return states

    def scores(self, query: Tensor, keys: Tensor) -> Tensor:
        """(B, T, S) unnormalised scores."""
        raise NotImplementedError

    def forward(self, query: Tensor, encoded: Encoded, keys: Tensor) -> Tensor:
        probs = masked_softmax(self.scores(query, keys), encoded.mask)
        return torch.bmm(probs, encoded.values)


def _projection(size_in: int, size_out: int) -> nn.Module:
    """A bias-free projection, or nothing when the sizes already agree (Sockeye's rule)."""
    return nn.Identity() if size_in == size_out else nn.Linear(size_in, size_out, bias=False)


class DotAttention(Attention):
    """score = q·k, both projected to `num_hidden` where their size differs from it."""

    def __init__(self, query_size: int, source_size: int, num_hidden: int) -> None:
        super().__init__()
        self.source = _projection(source_size, num_hidden)
        self.query = _projection(query_size, num_hidden)

    def project_keys(self, states: Tensor) -> Tensor:
        keys: Tensor = self.source(states)
        return keys

    def scores(self, query: Tensor, keys: Tensor) -> Tensor:
        return torch.bmm(self.query(query), keys.transpose(1, 2))


class BilinearAttention(Attention):
    """score = qᵀ W s."""

    def __init__(self, query_size: int, source_size: int) -> None:
        super().__init__()
        self.source = nn.Linear(source_size, query_size, bias=False)

    def project_keys(self, states: Tensor) -> Tensor:
        keys: Tensor = self.source(states)
        return keys

    def scores(self, query: Tensor, keys: Tensor) -> Tensor:
        return torch.bmm(query, keys.transpose(1, 2))


class MlpAttention(Attention):
    """score = vᵀ tanh(W s + U q + b) (Bahdanau et al.), hidden size `num_hidden`."""

    def __init__(self, query_size: int, source_size: int, num_hidden: int) -> None:
        super().__init__()
        self.source = nn.Linear(source_size, num_hidden, bias=False)
        self.query = nn.Linear(query_size, num_hidden)
        self.score = nn.Linear(num_hidden, 1, bias=False)

    def project_keys(self, states: Tensor) -> Tensor:
        keys: Tensor = self.source(states)
        return keys

    def scores(self, query: Tensor, keys: Tensor) -> Tensor:
        hidden = torch.tanh(self.query(query).unsqueeze(2) + keys.unsqueeze(1))  # (B, T, S, H)
        scores: Tensor = self.score(hidden).squeeze(3)
        return scores


class FixedAttention(Attention):
    """Always the value at the last source token, whatever the query: no attention at all."""

    def forward(self, query: Tensor, encoded: Encoded, keys: Tensor) -> Tensor:
        last = Encoded(encoded.values, encoded.values, encoded.mask, encoded.lengths).last()
        return last.unsqueeze(1).expand(-1, query.size(1), -1)


def make_attention(
    kind: AttentionType, query_size: int, source_size: int, num_hidden: int
) -> Attention:
    if kind is AttentionType.DOT:
        return DotAttention(query_size, source_size, num_hidden)
    if kind is AttentionType.BILINEAR:
        return BilinearAttention(query_size, source_size)
    if kind is AttentionType.MLP:
        return MlpAttention(query_size, source_size, num_hidden)
    return FixedAttention()
