"""Optimizer, learning-rate schedule and gradient clipping, as the hyperparameters name them.

Schedules follow Sockeye: `fixed_rate_inv_t` is lr / (1 + t/T) and `fixed_rate_inv_sqrt_t`
lr / sqrt(1 + 3t/T), t counting updates and T = `fixed_rate_lr_half_life` checkpoints'
worth of updates, so the rate halves after T checkpoints either way; `plateau_reduce`
multiplies the rate by `plateau_reduce_lr_factor` once `plateau_reduce_lr_threshold`
checkpoints in a row did not improve `optimized_metric`. Weight decay is L2 added to the
gradient (MXNet's `wd`), not decoupled.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import torch
from torch import nn

from trimtab.algorithms.seq2seq.hyperparameters import Hyperparameters
from trimtab.algorithms.seq2seq.options import LrScheduler, OptimizerType


def build_optimizer(
    hp: Hyperparameters, parameters: Iterable[nn.Parameter]
) -> torch.optim.Optimizer:
    params = list(parameters)
    if hp.optimizer_type is OptimizerType.SGD:
        return torch.optim.SGD(
            params,
            lr=hp.learning_rate,
            momentum=hp.momentum or 0.0,
            weight_decay=hp.weight_decay,
        )
    if hp.optimizer_type is OptimizerType.RMSPROP:
        return torch.optim.RMSprop(params, lr=hp.learning_rate, weight_decay=hp.weight_decay)
    return torch.optim.Adam(params, lr=hp.learning_rate, weight_decay=hp.weight_decay)


class LearningRate:
    """Sets the optimizer's rate after every update and every checkpoint."""

    def __init__(self, hp: Hyperparameters, optimizer: torch.optim.Optimizer) -> None:
        self.kind = hp.lr_scheduler_type
        self.optimizer = optimizer
        self.base = hp.learning_rate
        self.rate = hp.learning_rate
        self.updates_per_half_life = (
            hp.fixed_rate_lr_half_life * hp.checkpoint_frequency_num_batches
        )
        self.factor = hp.plateau_reduce_lr_factor
        self.patience = hp.plateau_reduce_lr_threshold
        self.not_improved = 0

    def _set(self, rate: float) -> None:
        self.rate = rate
        for group in self.optimizer.param_groups:
            group["lr"] = rate

    def after_update(self, updates: int) -> None:
        t = updates / self.updates_per_half_life
        if self.kind is LrScheduler.FIXED_RATE_INV_T:
            self._set(self.base / (1.0 + t))
        elif self.kind is LrScheduler.FIXED_RATE_INV_SQRT_T:
            self._set(self.base / math.sqrt(1.0 + 3.0 * t))

    def after_checkpoint(self, improved: bool) -> bool:
        """Count the checkpoint; True when the plateau rule lowered the rate."""
        if self.kind is not LrScheduler.PLATEAU_REDUCE:
            return False
        self.not_improved = 0 if improved else self.not_improved + 1
        if self.not_improved < self.patience:
            return False
        self.not_improved = 0
        self._set(self.rate * self.factor)
        return True


def gradient_clipper(hp: Hyperparameters, parameters: Iterable[nn.Parameter]) -> Clipper:
    return Clipper(hp.clip_gradient, list(parameters))


class Clipper:
    """Clips each gradient value to [-threshold, threshold]; a threshold <= 0 turns it off."""

    def __init__(self, threshold: float, parameters: list[nn.Parameter]) -> None:
        self.threshold = threshold
        self.parameters = parameters

    def __call__(self) -> None:
        if self.threshold > 0:
            nn.utils.clip_grad_value_(self.parameters, self.threshold)
