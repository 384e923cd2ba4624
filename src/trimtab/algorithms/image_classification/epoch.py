"""One epoch of training or validation: the inner loop, kept free of I/O and bookkeeping.

Batches arrive as uint8 (N, C, H, W); they are moved to the device, normalised with ImageNet's
mean and standard deviation (the statistics torchvision's pretrained weights expect) and, on a
GPU, laid out channels-last. `precision_dtype=float16` runs the forward pass under autocast
with a gradient scaler on a GPU; on a CPU it has no effect (SageMaker's float16 is GPU-only).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from trimtab.algorithms.image_classification.evaluation import Scores

MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)


def normalisation(channels: int) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Per-channel mean and std on a 0-1 scale (one channel: their averages)."""
    if channels == 1:
        return (sum(MEAN) / 3,), (sum(STD) / 3,)
    return MEAN, STD


@dataclass
class EpochResult:
    results: dict[str, float]
    images: int
    seconds: float

    @property
    def speed(self) -> float:
        return self.images / self.seconds if self.seconds > 0 else 0.0


@dataclass
class Trainer:
    """Runs epochs of `model` (possibly wrapped in DataParallel) on `device`."""

    model: nn.Module
    optimizer: torch.optim.Optimizer
    loss_fn: nn.Module
    device: torch.device
    channels: int
    multi_label: bool = False
    top_k: int | None = None
    float16: bool = False
    _scaler: torch.amp.GradScaler = field(init=False)

    def __post_init__(self) -> None:
        mean, std = normalisation(self.channels)
        shape = (1, self.channels, 1, 1)
        self._mean = torch.tensor(mean, device=self.device).view(shape) * 255
        self._std = torch.tensor(std, device=self.device).view(shape) * 255
        self._cuda = self.device.type == "cuda"
        self._autocast = self.float16 and self._cuda
        self._scaler = torch.amp.GradScaler("cuda", enabled=self._autocast)

    def inputs(self, images: torch.Tensor) -> torch.Tensor:
        x = images.to(self.device, non_blocking=True).float().sub_(self._mean).div_(self._std)
        return x.contiguous(memory_format=torch.channels_last) if self._cuda else x

    def _forward(self, images: torch.Tensor, targets: torch.Tensor) -> tuple[torch.Tensor, ...]:
        with torch.autocast("cuda", dtype=torch.float16, enabled=self._autocast):
            logits = self.model(self.inputs(images))
            loss = self.loss_fn(logits.float(), targets)
        return logits, loss

    def train_epoch(self, batches: Iterable[tuple[torch.Tensor, torch.Tensor]]) -> EpochResult:
        self.model.train()
        scores = Scores(self.device, self.multi_label, self.top_k)
        start = time.perf_counter()
        for images, batch_targets in batches:
            targets = batch_targets.to(self.device, non_blocking=True)
            logits, loss = self._forward(images, targets)
            self.optimizer.zero_grad(set_to_none=True)
            torch.autograd.backward(self._scaler.scale(loss))
            self._scaler.step(self.optimizer)
            self._scaler.update()
            scores.update(logits, targets, loss)
        results = scores.results()  # reads the counters: waits for the device
        return EpochResult(results, scores.images, time.perf_counter() - start)

    @torch.no_grad()
    def evaluate(self, batches: Iterable[tuple[torch.Tensor, torch.Tensor]]) -> EpochResult:
        self.model.eval()
        scores = Scores(self.device, self.multi_label, self.top_k)
        start = time.perf_counter()
        for images, batch_targets in batches:
            targets = batch_targets.to(self.device, non_blocking=True)
            logits, loss = self._forward(images, targets)
            scores.update(logits, targets, loss)
        results = scores.results()
        return EpochResult(results, scores.images, time.perf_counter() - start)

    def state_dict(self) -> dict[str, Any]:
        return {"optimizer": self.optimizer.state_dict(), "scaler": self._scaler.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.optimizer.load_state_dict(state["optimizer"])
        self._scaler.load_state_dict(state["scaler"])
