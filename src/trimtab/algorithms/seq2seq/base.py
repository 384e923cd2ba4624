"""What encoders hand to decoders, and the interface every decoder offers.

Any encoder works with any decoder (SageMaker allows every rnn/cnn combination), so the two
only meet here: an encoder returns `Encoded`, batch first; a decoder reads its `states` (the
attention keys' source), `values` (what attention returns) and `mask`. Decoders run whole
target sequences for training (`forward`) and one token at a time for beam search (`start`,
`step`), with a state that is a list of batch-first tensors so beam search can reorder it
without knowing what it holds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import torch
from torch import Tensor, nn

SQRT_HALF = math.sqrt(0.5)


@dataclass(frozen=True)
class Encoded:
    """An encoded source batch: `states` (B, S, Hs), `values` (B, S, Hv), `mask` (B, S) True
    at real tokens, `lengths` (B,). `keys` is a decoder's cache of its projected states."""

    states: Tensor
    values: Tensor
    mask: Tensor
    lengths: Tensor
    keys: tuple[Tensor, ...] = ()

    def repeat(self, times: int) -> Encoded:
        """Each sentence `times` times in a row (beams of one sentence are neighbours)."""
        states, values, mask, lengths = (t.repeat_interleave(times, 0) for t in self.tensors())
        keys = tuple(k.repeat_interleave(times, 0) for k in self.keys)
        return Encoded(states, values, mask, lengths, keys)

    def tensors(self) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        return self.states, self.values, self.mask, self.lengths

    def with_keys(self, keys: tuple[Tensor, ...]) -> Encoded:
        return replace(self, keys=keys)

    def last(self) -> Tensor:
        """The state at each sentence's last real token, (B, Hs)."""
        index = (self.lengths - 1).clamp(min=0).view(-1, 1, 1).expand(-1, 1, self.states.size(2))
        return self.states.gather(1, index).squeeze(1)

    def mean(self) -> Tensor:
        """The average state over each sentence's real tokens, (B, Hs)."""
        mask = self.mask.unsqueeze(2).to(self.states.dtype)
        return (self.states * mask).sum(1) / mask.sum(1).clamp(min=1.0)


class Decoder(nn.Module):
    """Target ids in, logits over the target vocabulary out."""

    def prepare(self, encoded: Encoded) -> Encoded:
        """Precompute what does not change across steps (projected keys); cached in `keys`."""
        return encoded

    def start(self, encoded: Encoded) -> list[Tensor]:
        """The state before the first target token (`<s>`)."""
        raise NotImplementedError

    def step(
        self, token: Tensor, state: list[Tensor], encoded: Encoded
    ) -> tuple[Tensor, list[Tensor]]:
        """Logits (B, V) for the token after `token` (B,), and the new state."""
        raise NotImplementedError


def padding_mask(lengths: Tensor, size: int) -> Tensor:
    """(B, size) bool, True before each length."""
    return torch.arange(size, device=lengths.device).unsqueeze(0) < lengths.unsqueeze(1)


def masked_softmax(scores: Tensor, mask: Tensor) -> Tensor:
    """Softmax over the last dimension of (B, T, S) scores, padding (mask (B, S)) excluded."""
    return torch.softmax(scores.masked_fill(~mask.unsqueeze(1), float("-inf")), dim=-1)
