"""Beam search (`beam_size`): the translations BLEU is computed on, and `translate`'s output.

All sentences of a batch and their beams advance together as one (B * beam) batch. A beam
that has produced `</s>` only extends with padding at no cost, so it keeps its score while
the others go on; the search ends when every beam has finished or after `max_length` tokens.
The best beam is the one with the highest log-probability per token (Sockeye's default
length penalty, alpha 1), `</s>` included.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from trimtab.algorithms.seq2seq.model import Seq2Seq
from trimtab.algorithms.seq2seq.vocab import BOS_ID, EOS_ID, PAD_ID


@torch.inference_mode()
def beam_search(
    model: Seq2Seq, source: Tensor, lengths: Tensor, beam_size: int, max_length: int
) -> list[list[int]]:
    """The best target ids (without `</s>`) for each sentence of a padded source batch."""
    batch, beams = source.size(0), beam_size
    decoder = model.decoder
    encoded = decoder.prepare(model.encode(source, lengths)).repeat(beams)
    state = decoder.start(encoded)
    device = source.device
    tokens = torch.full((batch * beams,), BOS_ID, dtype=torch.long, device=device)
    scores = torch.zeros(batch, beams, device=device)
    scores[:, 1:] = float("-inf")  # all beams start equal: keep one until the first step
    finished = torch.zeros(batch * beams, dtype=torch.bool, device=device)
    history = torch.zeros(batch * beams, 0, dtype=torch.long, device=device)
    offsets = (torch.arange(batch, device=device) * beams).unsqueeze(1)
    for _ in range(max_length):
        logits, state = decoder.step(tokens, state, encoded)
        logp = torch.log_softmax(logits.float(), dim=-1)
        vocab = logp.size(1)
        logp[finished] = float("-inf")
        logp[finished, PAD_ID] = 0.0
        candidates = (scores.reshape(-1, 1) + logp).view(batch, beams * vocab)
        scores, best = candidates.topk(beams, dim=1)
        origin = (best // vocab + offsets).reshape(-1)
        tokens = (best % vocab).reshape(-1)
        state = [s.index_select(0, origin) for s in state]
        history = torch.cat([history.index_select(0, origin), tokens.unsqueeze(1)], dim=1)
        finished = finished.index_select(0, origin) | (tokens == EOS_ID)
        if bool(finished.all()):
            break
    return _best(history, scores)


def _best(history: Tensor, scores: Tensor) -> list[list[int]]:
    """Per sentence, the beam with the best score per token, cut before its `</s>`."""
    rows = history.cpu().numpy()
    batch, beams = scores.shape
    is_eos = rows == EOS_ID
    lengths = np.where(is_eos.any(axis=1), is_eos.argmax(axis=1) + 1, rows.shape[1])
    normalised = scores.cpu().numpy() / np.maximum(lengths, 1).reshape(batch, beams)
    chosen = normalised.argmax(axis=1) + np.arange(batch) * beams
    return [[int(i) for i in rows[row, : lengths[row]] if i != EOS_ID] for row in chosen]
