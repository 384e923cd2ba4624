"""Bucketing: sentence pairs grouped by length so a batch is padded to its bucket, not to the
longest sentence of the corpus (`bucketing_enabled`, `bucket_width`).

Buckets are Sockeye's "parallel buckets": source sizes step by `bucket_width`, target sizes by
the width scaled with the corpus' mean target/source length ratio, zipped into pairs; a pair
of sentences goes to the first bucket both fit. Without bucketing there is one bucket, the
maximum lengths. Each bucket is padded once into arrays; an epoch shuffles within buckets and
the order of the batches, and a batch is a slice of its bucket's arrays.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from trimtab.algorithms.seq2seq.data import Corpus
from trimtab.algorithms.seq2seq.vocab import BOS_ID, EOS_ID, PAD_ID


def _steps(maximum: int, step: int) -> list[int]:
    sizes = list(range(step, maximum + step, step))
    sizes[-1] = maximum
    return sizes


def define_buckets(
    max_source: int, max_target: int, width: int, length_ratio: float = 1.0
) -> list[tuple[int, int]]:
    """(source size, target size) pairs, smallest first; the last is the maximum lengths."""
    source_step, target_step = width, width
    if length_ratio >= 1.0:
        target_step = max(1, round(width * length_ratio))
    else:
        source_step = max(1, round(width / length_ratio))
    sources, targets = _steps(max_source, source_step), _steps(max_target, target_step)
    count = max(len(sources), len(targets))
    sources += [sources[-1]] * (count - len(sources))
    targets += [targets[-1]] * (count - len(targets))
    return sorted(set(zip(sources, targets, strict=True)))


def length_ratio(corpus: Corpus) -> float:
    """Mean target length over source length (1 for an empty corpus)."""
    if not len(corpus):
        return 1.0
    sources = np.array([len(s) for s in corpus.sources], dtype=np.float64)
    targets = np.array([len(t) for t in corpus.targets], dtype=np.float64)
    return float(np.mean(targets / np.maximum(sources, 1)))


@dataclass(frozen=True)
class Batch:
    """One padded batch, its four tensors side by side in one int64 tensor `data`, so that
    moving it to a GPU is one pinned, asynchronous copy rather than four blocking ones.

    `target_in` is `<s>` + target, `target_out` target + `</s>`; `tokens` counts the real
    tokens of `target_out`.
    """

    data: Tensor  # (B, S + 1 + 2 (T + 1)): source | length | target_in | target_out
    source_size: int  # S
    tokens: int

    @property
    def source(self) -> Tensor:  # (B, S)
        return self.data[:, : self.source_size]

    @property
    def source_length(self) -> Tensor:  # (B,)
        return self.data[:, self.source_size]

    @property
    def target_in(self) -> Tensor:  # (B, T + 1)
        return self.data[:, self.source_size + 1 : self._target_start]

    @property
    def target_out(self) -> Tensor:  # (B, T + 1)
        return self.data[:, self._target_start :]

    @property
    def _target_start(self) -> int:
        return self.source_size + 1 + (self.data.size(1) - self.source_size - 1) // 2

    @property
    def size(self) -> int:
        return int(self.data.size(0))

    def to(self, device: torch.device) -> Batch:
        if device.type == "cpu":
            return self
        data = self.data.pin_memory().to(device, non_blocking=True)
        return Batch(data, self.source_size, self.tokens)


@dataclass(frozen=True)
class _Bucket:
    data: np.ndarray  # (N, S + 1 + 2 (T + 1)), laid out as Batch.data
    source_size: int
    tokens: np.ndarray  # per sentence


def _pad(corpus: Corpus, rows: list[int], source_size: int, target_size: int) -> _Bucket:
    width = target_size + 1
    data = np.full((len(rows), source_size + 1 + 2 * width), PAD_ID, dtype=np.int64)
    target_in = source_size + 1
    target_out = target_in + width
    tokens = np.zeros(len(rows), dtype=np.int64)
    for i, row in enumerate(rows):
        s, t = corpus.sources[row], corpus.targets[row]
        data[i, : len(s)] = s
        data[i, source_size] = len(s)
        data[i, target_in] = BOS_ID
        data[i, target_in + 1 : target_in + 1 + len(t)] = t
        data[i, target_out : target_out + len(t)] = t
        data[i, target_out + len(t)] = EOS_ID
        tokens[i] = len(t) + 1
    return _Bucket(data, source_size, tokens)


class BucketedData:
    """A corpus (already truncated to the maximum lengths) cut into padded buckets."""

    def __init__(self, corpus: Corpus, buckets: list[tuple[int, int]], batch_size: int) -> None:
        self.batch_size = batch_size
        members: list[list[int]] = [[] for _ in buckets]
        for row, (s, t) in enumerate(zip(corpus.sources, corpus.targets, strict=True)):
            index = next(i for i, (bs, bt) in enumerate(buckets) if len(s) <= bs and len(t) <= bt)
            members[index].append(row)
        self.buckets = [
            _pad(corpus, rows, *bucket)
            for rows, bucket in zip(members, buckets, strict=True)
            if rows
        ]
        self.sizes = [len(b.data) for b in self.buckets]

    @property
    def num_batches(self) -> int:
        return sum(-(-size // self.batch_size) for size in self.sizes)

    def batches(self, rng: np.random.Generator | None = None) -> Iterator[Batch]:
        """Every sentence once: in order without `rng`; shuffled (within buckets, and the
        order of the batches) with it."""
        plan: list[tuple[int, np.ndarray]] = []
        for index, size in enumerate(self.sizes):
            order = rng.permutation(size) if rng is not None else np.arange(size)
            plan += [
                (index, order[i : i + self.batch_size]) for i in range(0, size, self.batch_size)
            ]
        if rng is not None:
            plan = [plan[i] for i in rng.permutation(len(plan))]
        for index, rows in plan:
            yield self.batch(index, rows)

    def batch(self, bucket: int, rows: np.ndarray) -> Batch:
        b = self.buckets[bucket]
        return Batch(torch.from_numpy(b.data[rows]), b.source_size, int(b.tokens[rows].sum()))
