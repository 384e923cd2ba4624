"""Accuracy while training and validating, and the metric lines that report it.

Counts stay on the device during an epoch (no synchronisation per batch) and are read once at
its end. Lines are MXNet's, which SageMaker's algorithm prints and the registry's default
MetricDefinitions match: `Epoch[3] Train-accuracy=0.912500`,
`Epoch[3] Validation-top_k_accuracy_5=0.990000`. Multi-label accuracy is the share of
(image, class) decisions right at a 0.5 threshold.
"""

from __future__ import annotations

import logging

import torch

logger = logging.getLogger(__name__)


class Scores:
    """Running accuracy (and top-k accuracy) of one pass over a data set."""

    def __init__(self, device: torch.device, multi_label: bool, top_k: int | None) -> None:
        self.multi_label = multi_label
        self.top_k = None if multi_label else top_k
        self.correct = torch.zeros((), dtype=torch.int64, device=device)
        self.correct_k = torch.zeros((), dtype=torch.int64, device=device)
        self.loss = torch.zeros((), dtype=torch.float64, device=device)
        self.decisions = 0
        self.images = 0

    @torch.no_grad()
    def update(self, logits: torch.Tensor, targets: torch.Tensor, loss: torch.Tensor) -> None:
        batch = logits.shape[0]
        self.images += batch
        self.loss += loss.detach().double() * batch
        if self.multi_label:
            self.correct += ((logits > 0) == (targets > 0.5)).sum()
            self.decisions += targets.numel()
            return
        self.decisions += batch
        self.correct += (logits.argmax(1) == targets).sum()
        if self.top_k is not None:
            k = min(self.top_k, logits.shape[1])
            self.correct_k += (logits.topk(k, 1).indices == targets[:, None]).any(1).sum()

    def results(self) -> dict[str, float]:
        """`accuracy`, `top_k_accuracy_<k>` when asked, and the mean `loss`."""
        if self.images == 0:
            return {}
        values = {
            "accuracy": self.correct.item() / self.decisions,
            "loss": self.loss.item() / self.images,
        }
        if self.top_k is not None:
            values[f"top_k_accuracy_{self.top_k}"] = self.correct_k.item() / self.images
        return values


def report(epoch: int, phase: str, results: dict[str, float]) -> None:
    """Log `Epoch[<epoch>] <phase>-<name>=<value>` for each result (phase: Train, Validation)."""
    for name, value in results.items():
        label = "cross-entropy" if name == "loss" else name
        logger.info("Epoch[%d] %s-%s=%f", epoch, phase, label, value)
