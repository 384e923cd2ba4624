"""Validation metrics: perplexity and token accuracy (teacher-forced, every validation pair)
and BLEU (beam search on a sample), the three metrics SageMaker's Seq2Seq reports.

BLEU is sacrebleu's corpus BLEU on the algorithm's own tokens (`tokenize="none"`): the data
is tokenized already, so splitting again would score something else.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from trimtab.algorithms.seq2seq.beam import beam_search
from trimtab.algorithms.seq2seq.buckets import BucketedData
from trimtab.algorithms.seq2seq.model import Seq2Seq
from trimtab.algorithms.seq2seq.options import Metric
from trimtab.algorithms.seq2seq.vocab import PAD_ID


@dataclass(frozen=True)
class Scores:
    perplexity: float
    accuracy: float
    bleu: float | None = None

    def value(self, metric: Metric) -> float | None:
        return {
            Metric.PERPLEXITY: self.perplexity,
            Metric.ACCURACY: self.accuracy,
            Metric.BLEU: self.bleu,
        }[metric]


def perplexity(loss_sum: float, tokens: float) -> float:
    """exp(mean cross-entropy); inf when that overflows."""
    mean = loss_sum / max(tokens, 1.0)
    return math.exp(mean) if mean < 700 else math.inf


@torch.inference_mode()
def teacher_forced(loss: nn.Module, data: BucketedData, device: torch.device) -> Scores:
    """Perplexity and accuracy of a `TrainingLoss` (built with accuracy) over all of `data`."""
    totals = torch.zeros(3, dtype=torch.float64, device=device)
    for batch in data.batches():
        b = batch.to(device)
        totals += loss(b.source, b.source_length, b.target_in, b.target_out).sum(0).double()
    loss_sum, tokens, correct = (float(x) for x in totals.cpu())
    return Scores(perplexity(loss_sum, tokens), correct / max(tokens, 1.0))


def translate_ids(
    model: Seq2Seq,
    sources: Sequence[np.ndarray],
    beam_size: int,
    batch_size: int,
    max_length: int,
    device: torch.device,
) -> list[list[int]]:
    """Beam-search translations of id sequences, in their order; sentences of similar length
    are batched together."""
    order = sorted(range(len(sources)), key=lambda i: len(sources[i]))
    results: list[list[int]] = [[] for _ in sources]
    for start in range(0, len(order), batch_size):
        rows = order[start : start + batch_size]
        width = max(1, *(len(sources[i]) for i in rows))
        padded = np.full((len(rows), width), PAD_ID, dtype=np.int64)
        for i, row in enumerate(rows):
            padded[i, : len(sources[row])] = sources[row]
        lengths = torch.tensor([max(1, len(sources[row])) for row in rows], device=device)
        found = beam_search(
            model, torch.from_numpy(padded).to(device), lengths, beam_size, max_length
        )
        for row, ids in zip(rows, found, strict=True):
            results[row] = ids
    return results


def corpus_bleu(hypotheses: Sequence[str], references: Sequence[str]) -> float:
    """sacrebleu's corpus BLEU (0-100) of detokenized-as-is sentences."""
    from sacrebleu import BLEU

    return float(BLEU(tokenize="none").corpus_score(list(hypotheses), [list(references)]).score)
