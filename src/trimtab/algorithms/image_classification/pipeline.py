"""Batches of uint8 images (N, C, H, W) and their targets, for training and validation.

A data set that fits the memory budget is decoded once, in DataLoader worker processes, and
kept: without augmentation it becomes one uint8 tensor and a batch is an index into it (as
cheap as a bare training loop over tensors), and so does it with `crop` when its images have
one size (crops and flips are then cut per batch by indexing); otherwise the prepared images
are kept and cropped and augmented each epoch in workers. A larger data set is decoded and
augmented in the workers every epoch. Batches stay uint8 until they reach the device
(`epoch.py` normalises them).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from trimtab.algorithms.image_classification.hyperparameters import Augmentation, HyperParameters
from trimtab.algorithms.image_classification.images import Array, Cropper, prepare
from trimtab.algorithms.image_classification.sources import Source

logger = logging.getLogger(__name__)

Batch = tuple[torch.Tensor, torch.Tensor]  # uint8 images (N, C, H, W), targets
_SAMPLE_FOR_ESTIMATE = 16


class Batches(Protocol):
    def __iter__(self) -> Iterator[Batch]: ...

    def __len__(self) -> int: ...


@dataclass(frozen=True)
class Settings:
    """How batches are made: from the hyperparameters, plus this machine's resources."""

    channels: int
    height: int
    width: int
    resize: int | None
    batch_size: int
    workers: int = 0
    pin_memory: bool = False
    cache_bytes: int = 2**30  # decode once and keep when the images fit in this

    @classmethod
    def from_hyperparameters(
        cls, hp: HyperParameters, *, workers: int, pin_memory: bool, cache_bytes: int
    ) -> Settings:
        h, w = hp.height_width
        return cls(
            hp.channels, h, w, hp.resize, hp.mini_batch_size, workers, pin_memory, cache_bytes
        )


def default_workers() -> int:
    """Decoding processes: `TRIMTAB_DATA_WORKERS`, else one per CPU but one, at most 8."""
    configured = os.environ.get("TRIMTAB_DATA_WORKERS")
    if configured is not None:
        return max(0, int(configured))
    return max(1, min(8, (os.cpu_count() or 2) - 1))


def default_cache_bytes() -> int:
    """`TRIMTAB_IMAGE_CACHE_BYTES`, else a quarter of the memory, at most 8 GiB."""
    configured = os.environ.get("TRIMTAB_IMAGE_CACHE_BYTES")
    if configured is not None:
        return int(configured)
    try:
        memory = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError):
        memory = 8 * 2**30
    return min(memory // 4, 8 * 2**30)


class Prepared(Dataset[Array]):
    """Decoded and resized images of a source (see `images.prepare`)."""

    def __init__(self, source: Source, settings: Settings) -> None:
        self.source = source
        self.settings = settings

    def __len__(self) -> int:
        return len(self.source)

    def __getitem__(self, index: int) -> Array:
        data = self.source.encoded(index)
        return prepare(data, self.settings.channels, self.settings.resize, self.source.where(index))


class Cropped(Dataset[tuple[Array, np.generic]]):
    """Network inputs and targets: prepared images (kept, or decoded on the fly) cropped and,
    with a random generator per process, augmented."""

    def __init__(
        self, images: Sequence[Array] | Prepared, source: Source, cropper: Cropper, augment: bool
    ) -> None:
        self.images = images
        self.source = source
        self.cropper = cropper
        self.augment = augment
        self._rng: np.random.Generator | None = None

    def __len__(self) -> int:
        return len(self.source)

    def __getitem__(self, index: int) -> tuple[Array, np.generic]:
        rng = None
        if self.augment:
            if self._rng is None:  # first use in this process: seeded by torch per worker
                self._rng = np.random.default_rng(torch.initial_seed())
            rng = self._rng
        image = self.cropper(self.images[index], rng, self.source.where(index))
        return image, self.source.targets[index]


def collate(samples: list[tuple[Array, np.generic]]) -> Batch:
    images = np.ascontiguousarray(np.stack([s[0] for s in samples]).transpose(0, 3, 1, 2))
    targets = np.stack([np.asarray(s[1]) for s in samples])
    return torch.from_numpy(images), torch.from_numpy(targets)


def _keep(items: list[Array]) -> list[Array]:
    return items


class TensorBatches:
    """Batches indexed out of images already in memory, reshuffled each pass when training."""

    def __init__(
        self,
        images: torch.Tensor,
        targets: torch.Tensor,
        batch_size: int,
        shuffle: bool,
        seed: int = 0,
    ) -> None:
        self.images, self.targets = images, targets
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.generator = torch.Generator().manual_seed(seed)
        # training skips a last batch of one image: batch norm needs two
        self.count = len(targets) - (1 if shuffle and len(targets) % batch_size == 1 else 0)

    def __len__(self) -> int:
        return -(-self.count // self.batch_size)

    def to(self, device: torch.device) -> TensorBatches:
        """Keep the images on `device` (a GPU with room for them): no copy per batch."""
        self.images, self.targets = self.images.to(device), self.targets.to(device)
        return self

    def __iter__(self) -> Iterator[Batch]:
        order = None
        if self.shuffle:
            order = torch.randperm(len(self.targets), generator=self.generator)
            order = order.to(self.images.device)
        for start in range(0, self.count, self.batch_size):
            if order is None:
                images = self.images[start : start + self.batch_size]
                targets = self.targets[start : start + self.batch_size]
            else:
                index = order[start : start + self.batch_size]
                images, targets = self.images[index], self.targets[index]
            yield images, targets


class CroppedTensorBatches(TensorBatches):
    """Training batches with `crop` augmentation, cut from kept images of one size: a random
    crop and a horizontal flip per image (as `Cropper` makes them), all of a batch in one
    indexing operation on the tensor's device, with no worker process."""

    def __init__(
        self, images: torch.Tensor, targets: torch.Tensor, batch_size: int, crop: Cropper, seed: int
    ) -> None:
        super().__init__(images, targets, batch_size, shuffle=True, seed=seed)
        self.height, self.width = crop.height, crop.width

    def __iter__(self) -> Iterator[Batch]:
        for images, targets in super().__iter__():
            yield self._crop(images), targets

    def _crop(self, images: torch.Tensor) -> torch.Tensor:
        n, c, h, w = images.shape
        top = torch.randint(0, h - self.height + 1, (n, 1), generator=self.generator)
        left = torch.randint(0, w - self.width + 1, (n, 1), generator=self.generator)
        flip = torch.rand(n, 1, generator=self.generator) < 0.5
        across = torch.arange(self.width)
        rows = top + torch.arange(self.height)
        cols = left + torch.where(flip, self.width - 1 - across, across)
        device = images.device
        return images[
            torch.arange(n, device=device)[:, None, None, None],
            torch.arange(c, device=device)[None, :, None, None],
            rows.to(device)[:, None, :, None],
            cols.to(device)[:, None, None, :],
        ]


def _estimated_bytes(source: Source, settings: Settings) -> int:
    """Memory for the prepared images, from the mean size of a few of them."""
    dataset = Prepared(source, settings)
    count = min(len(source), _SAMPLE_FOR_ESTIMATE)
    sample = sum(dataset[i].nbytes for i in range(count))
    return sample * len(source) // max(1, count)


def prepare_all(source: Source, settings: Settings) -> list[Array]:
    """Every image of `source`, decoded and resized by the worker processes, in order."""
    loader = DataLoader(
        Prepared(source, settings),
        batch_size=64,
        num_workers=settings.workers,
        collate_fn=_keep,
    )
    return [image for chunk in loader for image in chunk]


def _loader(dataset: Cropped, settings: Settings, train: bool, seed: int) -> Batches:
    workers = min(settings.workers, len(dataset) // settings.batch_size + 1)
    return DataLoader(
        dataset,
        batch_size=settings.batch_size,
        shuffle=train,
        drop_last=train and len(dataset) % settings.batch_size == 1,
        num_workers=workers,
        collate_fn=collate,
        pin_memory=settings.pin_memory,
        persistent_workers=workers > 0,
        generator=torch.Generator().manual_seed(seed),
    )


def batches(
    source: Source, settings: Settings, cropper: Cropper, *, train: bool, seed: int = 0
) -> Batches:
    """The batches of one channel; `cropper` augments when `train` and it asks to."""
    augment = train and cropper.augmentation is not None
    if _estimated_bytes(source, settings) > settings.cache_bytes:
        logger.info(
            "channel %s: decoding in %d workers every epoch", source.channel, settings.workers
        )
        return _loader(
            Cropped(Prepared(source, settings), source, cropper, augment), settings, train, seed
        )
    prepared = prepare_all(source, settings)
    targets = torch.from_numpy(source.targets)
    if augment and cropper.augmentation is Augmentation.CROP and _one_size(prepared):
        cropper(prepared[0], None, source.where(0))  # large enough to crop?
        stacked = _stack(prepared)
        return CroppedTensorBatches(stacked, targets, settings.batch_size, cropper, seed)
    if augment:
        return _loader(Cropped(prepared, source, cropper, augment), settings, train, seed)
    images = [cropper(image, None, source.where(i)) for i, image in enumerate(prepared)]
    return TensorBatches(_stack(images), targets, settings.batch_size, train, seed)


def _one_size(images: Sequence[Array]) -> bool:
    return len({image.shape for image in images}) == 1


def _stack(images: Sequence[Array]) -> torch.Tensor:
    """(N, C, H, W) uint8 from H x W x C arrays of one size."""
    return torch.from_numpy(np.ascontiguousarray(np.stack(images).transpose(0, 3, 1, 2)))
