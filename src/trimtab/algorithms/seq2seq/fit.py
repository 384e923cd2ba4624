"""The training loop: updates, a checkpoint every `checkpoint_frequency_num_batches` updates,
internal early stopping, and the metric lines the tuner reads.

At each checkpoint the model is evaluated on the validation channel and two lines are
printed (the algorithm's default MetricDefinitions match them):

    [seq2seq] checkpoint 3 epoch 1 update 600: train:perplexity=1.423100 speed=51234.5 tokens/s
    [seq2seq] checkpoint 3: validation:perplexity=1.052300 validation:accuracy=0.987100 ...

When `optimized_metric` improves, `on_best` keeps the model (the best checkpoint is the
model). Training stops after `checkpoint_threshold` checkpoints without improvement once
`min_num_epochs` epochs are done, or at `max_num_epochs` / `max_num_batches`; a last
checkpoint covers updates made since the previous one. The final line repeats the best
checkpoint's validation metrics, so a metric's last value (the tuner's final value) is the
kept model's.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from trimtab.algorithms.seq2seq.buckets import Batch, BucketedData
from trimtab.algorithms.seq2seq.evaluate import (
    Scores,
    corpus_bleu,
    perplexity,
    teacher_forced,
    translate_ids,
)
from trimtab.algorithms.seq2seq.hyperparameters import Hyperparameters
from trimtab.algorithms.seq2seq.model import Seq2Seq, TrainingLoss
from trimtab.algorithms.seq2seq.optim import LearningRate, build_optimizer, gradient_clipper
from trimtab.algorithms.seq2seq.options import Metric
from trimtab.algorithms.seq2seq.vocab import Vocabulary

PREFIX = "[seq2seq]"


@dataclass(frozen=True)
class Checkpoint:
    number: int
    epoch: int
    updates: int
    scores: Scores


@dataclass(frozen=True)
class BleuSample:
    """Validation sentences to translate at each checkpoint, with their reference text."""

    sources: Sequence[np.ndarray]
    references: Sequence[str]


def _fmt(value: float) -> str:
    return f"{value:.6f}"


def validation_line(label: str, scores: Scores) -> str:
    parts = [
        f"validation:perplexity={_fmt(scores.perplexity)}",
        f"validation:accuracy={_fmt(scores.accuracy)}",
    ]
    if scores.bleu is not None:
        parts.append(f"validation:bleu={scores.bleu:.4f}")
    return f"{PREFIX} {label}: {' '.join(parts)}"


def _better(metric: Metric, value: float, best: float) -> bool:
    if math.isnan(best):
        return not math.isnan(value)
    return value > best if metric.higher_is_better else value < best


class Trainer:
    """Trains `model` in place; `fit` returns the best checkpoint."""

    def __init__(
        self,
        hp: Hyperparameters,
        model: Seq2Seq,
        train: BucketedData,
        validation: BucketedData,
        target_vocab: Vocabulary,
        device: torch.device,
        emit: Callable[[str], None],
        on_best: Callable[[Checkpoint], None],
        bleu_sample: BleuSample | None = None,
        rng: np.random.Generator | None = None,
        num_gpus: int = 0,
    ) -> None:
        self.hp = hp
        self.model = model
        self.train_data, self.validation = train, validation
        self.target_vocab = target_vocab
        self.device = device
        self.emit, self.on_best = emit, on_best
        self.bleu_sample = bleu_sample
        self.rng = rng if rng is not None else np.random.default_rng(0)
        self.metric = hp.optimized_metric
        self.loss = self._parallel(
            TrainingLoss(model, hp.training_metric is Metric.ACCURACY), num_gpus
        )
        self.eval_loss = self._parallel(TrainingLoss(model, accuracy=True), num_gpus)
        self.optimizer = build_optimizer(hp, model.parameters())
        self.learning_rate = LearningRate(hp, self.optimizer)
        self.clip = gradient_clipper(hp, model.parameters())
        self.best: Checkpoint | None = None
        self.not_improved = 0
        self.checkpoints = 0
        self._reset_window()

    @staticmethod
    def _parallel(module: nn.Module, num_gpus: int) -> nn.Module:
        return nn.DataParallel(module) if num_gpus > 1 else module

    def _reset_window(self) -> None:
        self.window = torch.zeros(3, dtype=torch.float64, device=self.device)
        self.window_tokens = 0
        self.window_start = time.perf_counter()

    def fit(self) -> Checkpoint:
        updates, epoch, last_checkpoint = 0, 0, 0
        max_batches, max_epochs = self.hp.max_num_batches, self.hp.max_num_epochs
        stop = False
        self.model.train()
        while not stop:
            epoch += 1
            for batch in self.train_data.batches(self.rng):
                self.update(batch)
                updates += 1
                self.learning_rate.after_update(updates)
                if updates % self.hp.checkpoint_frequency_num_batches == 0:
                    stop = self.checkpoint(epoch, updates, epochs_done=epoch - 1)
                    last_checkpoint = updates
                if stop or 0 < max_batches <= updates:
                    stop = True
                    break
            else:
                stop = stop or (max_epochs is not None and epoch >= max_epochs)
        if updates > last_checkpoint or self.best is None:
            self.checkpoint(epoch, updates, epochs_done=epoch)
        assert self.best is not None  # the checkpoint above sets it at least once
        self.emit(validation_line(f"best checkpoint {self.best.number}", self.best.scores))
        return self.best

    def update(self, batch: Batch) -> None:
        b = batch.to(self.device)
        stats = self.loss(b.source, b.source_length, b.target_in, b.target_out).sum(0)
        self.optimizer.zero_grad(set_to_none=True)
        (stats[0] / batch.tokens).backward()
        self.clip()
        self.optimizer.step()
        self.window += stats.detach().double()
        self.window_tokens += batch.tokens

    def checkpoint(self, epoch: int, updates: int, epochs_done: int) -> bool:
        """Evaluate, report, keep the model if it is the best; True when it is time to stop."""
        self.checkpoints += 1
        number = self.checkpoints
        loss_sum, tokens, correct = (float(x) for x in self.window.cpu())
        speed = self.window_tokens / max(time.perf_counter() - self.window_start, 1e-9)
        train_value = (
            f"train:accuracy={_fmt(correct / max(tokens, 1.0))}"
            if self.hp.training_metric is Metric.ACCURACY
            else f"train:perplexity={_fmt(perplexity(loss_sum, tokens))}"
        )
        self.emit(
            f"{PREFIX} checkpoint {number} epoch {epoch} update {updates}: {train_value} "
            f"speed={speed:.1f} tokens/s"
        )
        scores = self.evaluate()
        self.emit(validation_line(f"checkpoint {number}", scores))
        checkpoint = Checkpoint(number, epoch, updates, scores)
        value = scores.value(self.metric)
        assert value is not None  # BLEU is computed whenever it is the optimized metric
        best = self.best.scores.value(self.metric) if self.best is not None else None
        improved = best is None or _better(self.metric, value, best)
        if improved:
            self.best, self.not_improved = checkpoint, 0
            self.on_best(checkpoint)
        else:
            self.not_improved += 1
        if self.learning_rate.after_checkpoint(improved):
            self.emit(f"{PREFIX} learning rate lowered to {self.learning_rate.rate:.3g}")
        self._reset_window()
        stop = (
            self.not_improved >= self.hp.checkpoint_threshold
            and epochs_done >= self.hp.min_num_epochs
        )
        if stop:
            self.emit(
                f"{PREFIX} stopping early: validation:{self.metric} has not improved for "
                f"{self.not_improved} checkpoints"
            )
        return stop

    def evaluate(self) -> Scores:
        self.model.eval()
        try:
            scores = teacher_forced(self.eval_loss, self.validation, self.device)
            if self.bleu_sample is None:
                return scores
            found = translate_ids(
                self.model,
                self.bleu_sample.sources,
                self.hp.beam_size,
                self.hp.batch_size,
                self.hp.max_seq_len_target + 1,
                self.device,
            )
            hypotheses = [" ".join(self.target_vocab.decode(ids)) for ids in found]
            bleu = corpus_bleu(hypotheses, self.bleu_sample.references)
            return Scores(scores.perplexity, scores.accuracy, bleu)
        finally:
            self.model.train()
