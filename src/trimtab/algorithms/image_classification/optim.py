"""The optimizer and learning-rate schedule the hyperparameters describe.

As MXNet's optimizers (which SageMaker's algorithm uses) do, weight decay applies to weights
only, not to biases or batch-norm parameters. Per SageMaker's table, `momentum` and
`weight_decay` belong to sgd and nag, `beta_1`/`beta_2` to adam, `gamma` to rmsprop, and `eps`
to adam and rmsprop. The schedule multiplies the rate by `lr_scheduler_factor` at each epoch of
`lr_scheduler_step`.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from trimtab.algorithms.image_classification.hyperparameters import HyperParameters, Optimizer


def parameter_groups(model: nn.Module, weight_decay: float) -> list[dict[str, Any]]:
    """Weights (matrices and kernels) decay; biases and batch-norm scales and shifts do not."""
    decay = [p for p in model.parameters() if p.requires_grad and p.ndim > 1]
    rest = [p for p in model.parameters() if p.requires_grad and p.ndim <= 1]
    return [{"params": decay, "weight_decay": weight_decay}, {"params": rest, "weight_decay": 0.0}]


def make_optimizer(model: nn.Module, hp: HyperParameters) -> torch.optim.Optimizer:
    if hp.optimizer is Optimizer.ADAM:
        return torch.optim.Adam(
            model.parameters(), lr=hp.learning_rate, betas=(hp.beta_1, hp.beta_2), eps=hp.eps
        )
    if hp.optimizer is Optimizer.RMSPROP:
        return torch.optim.RMSprop(
            model.parameters(), lr=hp.learning_rate, alpha=hp.gamma, eps=hp.eps
        )
    # NAG with no momentum is plain SGD (torch refuses nesterov=True without momentum).
    return torch.optim.SGD(
        parameter_groups(model, hp.weight_decay),
        lr=hp.learning_rate,
        momentum=hp.momentum,
        nesterov=hp.optimizer is Optimizer.NAG and hp.momentum > 0,
    )


def make_scheduler(
    optimizer: torch.optim.Optimizer, hp: HyperParameters
) -> torch.optim.lr_scheduler.MultiStepLR | None:
    """Stepped once per epoch; None when `lr_scheduler_step` is not set (a constant rate)."""
    if hp.lr_scheduler_step is None:
        return None
    return torch.optim.lr_scheduler.MultiStepLR(
        optimizer, milestones=list(hp.lr_scheduler_step), gamma=hp.lr_scheduler_factor
    )
