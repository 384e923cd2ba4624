"""Classify image files with a `model.tar.gz` of this algorithm.

Images are prepared as validation images were: decoded to the model's channels, the shorter
side resized to the training `resize` (or, when it was not set, enlarged to the crop only if
smaller), the centre cut to `image_shape` and normalised. The output per image is what a
SageMaker endpoint of this algorithm answers: one probability per class (softmax; for a
multi-label model, one sigmoid per class).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from trimtab.algorithms.image_classification import resnet
from trimtab.algorithms.image_classification.artifacts import ModelSettings, read_model
from trimtab.algorithms.image_classification.epoch import normalisation
from trimtab.algorithms.image_classification.images import (
    Array,
    Cropper,
    as_array,
    decode,
    resize_shorter,
)

BATCH_SIZE = 64  # images classified at once


@dataclass(frozen=True)
class Prediction:
    path: Path
    probabilities: list[float]

    @property
    def best(self) -> int:
        return int(np.argmax(self.probabilities))


class Predictor:
    def __init__(self, model_path: Path) -> None:
        self.settings, state = read_model(model_path)
        s = self.settings
        self.device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        self.model = resnet.build(s.num_layers, s.num_classes, s.image_shape[0])
        self.model.load_state_dict(state)
        self.model.to(self.device).eval()
        mean, std = normalisation(s.image_shape[0])
        shape = (1, s.image_shape[0], 1, 1)
        self.mean = torch.tensor(mean, device=self.device).view(shape) * 255
        self.std = torch.tensor(std, device=self.device).view(shape) * 255
        self.cropper = Cropper(s.image_shape[1], s.image_shape[2])

    def prepare(self, data: bytes, where: str) -> Array:
        s: ModelSettings = self.settings
        image = decode(data, s.image_shape[0], where)
        shorter = s.resize or max(s.image_shape[1:])
        if s.resize is not None or min(image.size) < shorter:
            image = resize_shorter(image, shorter)
        return self.cropper(as_array(image), None, where)

    @torch.no_grad()
    def probabilities(self, images: Sequence[Array]) -> list[list[float]]:
        batch = torch.from_numpy(np.stack(images).transpose(0, 3, 1, 2).copy())
        x = batch.to(self.device).float().sub_(self.mean).div_(self.std)
        logits = self.model(x)
        out = logits.sigmoid() if self.settings.multi_label else logits.softmax(1)
        rows: list[list[float]] = out.cpu().tolist()
        return rows

    def predict(self, paths: Sequence[Path]) -> list[Prediction]:
        predictions = []
        for start in range(0, len(paths), BATCH_SIZE):
            chunk = paths[start : start + BATCH_SIZE]
            images = [self.prepare(p.read_bytes(), str(p)) for p in chunk]
            for path, row in zip(chunk, self.probabilities(images), strict=True):
                predictions.append(Prediction(path, row))
        return predictions
