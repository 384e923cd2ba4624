"""One training job, from validated hyperparameters to the model folder: read the channels,
bucket the data, build the model on the GPUs (or the CPU), train, keep the best checkpoint."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
import torch

from trimtab.algorithms.seq2seq import artifacts
from trimtab.algorithms.seq2seq.buckets import BucketedData, define_buckets, length_ratio
from trimtab.algorithms.seq2seq.data import (
    Corpus,
    channel_dirs,
    read_corpus,
    read_vocabularies,
)
from trimtab.algorithms.seq2seq.fit import PREFIX, BleuSample, Checkpoint, Trainer
from trimtab.algorithms.seq2seq.hyperparameters import Hyperparameters
from trimtab.algorithms.seq2seq.model import build_model, initialize
from trimtab.algorithms.seq2seq.vocab import Vocabulary

SEED = 1  # SageMaker's Seq2Seq takes no seed; a fixed one makes a job repeatable


def pick_device() -> tuple[torch.device, int]:
    """The first GPU and how many there are (all of them train, data-parallel), else the CPU."""
    if torch.cuda.is_available():
        torch.set_float32_matmul_precision("high")
        return torch.device("cuda", 0), torch.cuda.device_count()
    return torch.device("cpu"), 0


def bleu_sample(
    hp: Hyperparameters, corpus: Corpus, vocab: Vocabulary, rng: np.random.Generator
) -> BleuSample | None:
    """`bleu_sample_size` validation pairs drawn once (so checkpoints compare on the same
    sentences); the whole set for -1, or when BLEU is the target and no size was given."""
    if not hp.bleu_enabled:
        return None
    size = len(corpus) if hp.bleu_sample_size <= 0 else min(hp.bleu_sample_size, len(corpus))
    rows = np.sort(rng.choice(len(corpus), size=size, replace=False))
    return BleuSample(
        [corpus.sources[i] for i in rows],
        [" ".join(vocab.decode(corpus.targets[i])) for i in rows],
    )


def run_training(
    hp: Hyperparameters,
    data_dir: Path,
    model_dir: Path,
    environ: Mapping[str, str],
    emit: Callable[[str], None],
    placement: tuple[torch.device, int] | None = None,
) -> Checkpoint:
    """Train; `placement` (device, GPU count) overrides `pick_device`."""
    for note in hp.notices():
        emit(f"{PREFIX} note: {note}")
    dirs = channel_dirs(data_dir, environ)
    source_vocab, target_vocab = read_vocabularies(dirs["vocab"])
    sizes = (len(source_vocab), len(target_vocab))
    limits = (hp.max_seq_len_source, hp.max_seq_len_target)
    train, dropped_train = read_corpus(dirs["train"], "train", *sizes).truncated(*limits)
    validation, dropped_val = read_corpus(dirs["validation"], "validation", *sizes).truncated(
        *limits
    )
    buckets = (
        define_buckets(*limits, hp.bucket_width, length_ratio(train))
        if hp.bucketing_enabled
        else [limits]
    )
    train_data = BucketedData(train, buckets, hp.batch_size)
    validation_data = BucketedData(validation, buckets, hp.batch_size)
    emit(
        f"{PREFIX} vocabularies: {sizes[0]} source, {sizes[1]} target tokens; "
        f"train: {len(train)} pairs ({dropped_train} with an empty side skipped), "
        f"{train_data.num_batches} batches per epoch; validation: {len(validation)} pairs "
        f"({dropped_val} skipped); {len(buckets)} bucket(s)"
    )
    device, num_gpus = placement or pick_device()
    rng = np.random.default_rng(SEED)
    torch.manual_seed(SEED)
    model = build_model(hp, *sizes)
    initialize(model, hp, SEED)
    model.to(device)
    parameters = sum(p.numel() for p in model.parameters())
    emit(
        f"{PREFIX} {hp.encoder_type} encoder, {hp.decoder_type} decoder, {parameters} "
        f"parameters, on {device.type}" + (f" ({num_gpus} GPUs)" if num_gpus else "")
    )
    artifacts.write_config(model_dir, hp, source_vocab, target_vocab)
    trainer = Trainer(
        hp,
        model,
        train_data,
        validation_data,
        target_vocab,
        device,
        emit,
        on_best=lambda _: artifacts.write_weights(model_dir, model),
        bleu_sample=bleu_sample(hp, validation, target_vocab, rng),
        rng=rng,
        num_gpus=num_gpus,
    )
    return trainer.fit()
