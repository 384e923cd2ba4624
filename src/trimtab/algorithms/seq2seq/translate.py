"""`trimtab seq2seq translate`: a trained model translates a file of tokenized sentences with
beam search, one output line per input line, and scores BLEU against references if given."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from trimtab.algorithms.errors import ClientError
from trimtab.algorithms.seq2seq import artifacts
from trimtab.algorithms.seq2seq.evaluate import corpus_bleu, translate_ids
from trimtab.algorithms.seq2seq.training import pick_device


@dataclass(frozen=True)
class Translation:
    sentences: list[str]
    bleu: float | None  # against the references, when given


def translate(
    model_path: Path,
    sentences: list[str],
    references: list[str] | None = None,
    beam_size: int | None = None,
    batch_size: int | None = None,
    device: torch.device | None = None,
) -> Translation:
    """Translate whitespace-tokenized sentences; beam and batch sizes default to the model's
    training hyperparameters, the device to the first GPU if any."""
    device = device or pick_device()[0]
    trained = artifacts.load(model_path, device)
    hp = trained.hp
    if references is not None and len(references) != len(sentences):
        raise ClientError(
            f"{len(sentences)} sentences but {len(references)} references: one reference "
            "line per input line is needed"
        )
    sources = [
        np.array(trained.source_vocab.encode(s.split())[: hp.max_seq_len_source], dtype=np.int64)
        for s in sentences
    ]
    found = translate_ids(
        trained.model,
        sources,
        beam_size or hp.beam_size,
        batch_size or hp.batch_size,
        hp.max_seq_len_target + 1,
        device,
    )
    output = [" ".join(trained.target_vocab.decode(ids)) for ids in found]
    bleu = None
    if references is not None:
        bleu = corpus_bleu(output, [" ".join(r.split()) for r in references])
    return Translation(output, bleu)


def translate_file(
    model_path: Path,
    source: Path,
    output: Path | None,
    references: Path | None = None,
    beam_size: int | None = None,
    batch_size: int | None = None,
) -> Translation:
    """`translate` over files; `output` None writes nothing (the caller prints)."""
    try:
        sentences = source.read_text(encoding="utf-8").splitlines()
        refs = references.read_text(encoding="utf-8").splitlines() if references else None
    except OSError as error:
        raise ClientError(f"cannot read the sentences to translate: {error}") from None
    result = translate(model_path, sentences, refs, beam_size, batch_size)
    if output is not None:
        output.write_text("".join(line + "\n" for line in result.sentences), encoding="utf-8")
    return result
