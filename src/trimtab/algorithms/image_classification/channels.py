"""Which input format the job's channels hold, and the train and validation `Source`s.

SageMaker's three layouts (formats.md §5): RecordIO (`train`, `validation`: `.rec` files),
images with lists (`train`, `validation` hold images, `train_lst`, `validation_lst` one `.lst`
each; a `.lst` inside the image channel also works), and augmented manifests (a JSON Lines
manifest in `train` and `validation`). The channel's ContentType decides; without one, the
files do. Every problem is a ClientError naming the channel.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Final

from trimtab.algorithms.image_classification.errors import ClientError, Stage
from trimtab.algorithms.image_classification.hyperparameters import HyperParameters
from trimtab.algorithms.image_classification.lst import ListFormatError, read_list
from trimtab.algorithms.image_classification.manifest import ManifestError, read_manifest
from trimtab.algorithms.image_classification.sources import (
    LabelSpec,
    Source,
    file_source,
    read_records,
)

logger = logging.getLogger(__name__)

RECORDIO: Final = "application/x-recordio"
IMAGE_TYPES: Final = frozenset({"application/x-image", "image/png", "image/jpeg", "image/jpg"})
MANIFEST_SUFFIXES: Final = (".manifest", ".jsonl", ".json")
TRAIN, VALIDATION = "train", "validation"


class Layout(StrEnum):
    RECORDIO = "RecordIO"
    IMAGE_LIST = "images + .lst"
    MANIFEST = "augmented manifest"


@dataclass(frozen=True)
class ChannelConfig:
    """One channel of `inputdataconfig.json`, with its folder under `input/data`."""

    name: str
    folder: Path
    content_type: str | None = None

    @property
    def media_type(self) -> str | None:
        return self.content_type.split(";")[0].strip().lower() if self.content_type else None

    def parameter(self, name: str) -> str | None:
        """A content-type parameter, e.g. `label-format` of `...; label-format=class-id`."""
        for part in (self.content_type or "").split(";")[1:]:
            key, _, value = part.partition("=")
            if key.strip().lower() == name:
                return value.strip()
        return None

    def files(self, *suffixes: str) -> list[Path]:
        return sorted(
            p for p in self.folder.rglob("*") if p.suffix.lower() in suffixes and p.is_file()
        )


def channel_configs(
    input_config: Mapping[str, Mapping[str, str]], data_dir: Path
) -> dict[str, ChannelConfig]:
    return {
        name: ChannelConfig(name, data_dir / name, entry.get("ContentType"))
        for name, entry in input_config.items()
    }


def layout(channel: ChannelConfig, channels: Mapping[str, ChannelConfig]) -> Layout:
    media = channel.media_type
    if media in IMAGE_TYPES:
        return Layout.IMAGE_LIST
    if media not in (None, RECORDIO):
        raise ClientError(
            f"channel '{channel.name}': ContentType '{channel.content_type}' is not supported; use "
            f"{RECORDIO} (RecordIO or an augmented manifest) or {', '.join(sorted(IMAGE_TYPES))}",
            Stage.INPUT,
        )
    if channel.files(".rec"):
        return Layout.RECORDIO
    if channel.files(*MANIFEST_SUFFIXES):
        return Layout.MANIFEST
    if media is None and (f"{channel.name}_lst" in channels or channel.files(".lst")):
        return Layout.IMAGE_LIST
    raise ClientError(
        f"channel '{channel.name}' holds no .rec file and no augmented manifest "
        f"({', '.join(MANIFEST_SUFFIXES)})",
        Stage.INPUT,
    )


def load(channels: Mapping[str, ChannelConfig], hp: HyperParameters) -> tuple[Source, Source]:
    """The train and validation sources. Raises ClientError."""
    given = ", ".join(sorted(channels)) or "none"
    for name in (TRAIN, VALIDATION):
        if name not in channels or not channels[name].folder.exists():
            raise ClientError(
                f"the '{name}' channel is required (channels given: {given})",
                Stage.INPUT,
            )
    train, validation = (_source(channels[n], channels, hp) for n in (TRAIN, VALIDATION))
    if len(train) == 0 or len(validation) == 0:
        empty = TRAIN if len(train) == 0 else VALIDATION
        raise ClientError(f"channel '{empty}' holds no images", Stage.INPUT)
    if len(train) != hp.num_training_samples:
        logger.warning(
            "num_training_samples is %d but the train channel holds %d images; using %d",
            hp.num_training_samples,
            len(train),
            len(train),
        )
    return train, validation


def _source(
    channel: ChannelConfig, channels: Mapping[str, ChannelConfig], hp: HyperParameters
) -> Source:
    kind = layout(channel, channels)
    class_ids = channel.parameter("label-format") == "class-id"
    labels = LabelSpec(
        hp.num_classes, hp.multi_label, class_ids=class_ids and kind is Layout.MANIFEST
    )
    logger.info("channel %s: %s", channel.name, kind)
    if kind is Layout.RECORDIO:
        return read_records(channel.name, channel.files(".rec"), labels)
    if kind is Layout.MANIFEST:
        return _manifest_source(channel, labels)
    if hp.resize is None and channel.media_type in IMAGE_TYPES:
        raise ClientError(
            f"the hyperparameter 'resize' is required with ContentType '{channel.content_type}' "
            f"(channel '{channel.name}')",
            Stage.INPUT,
        )
    return _list_source(channel, channels, labels)


def _list_file(channel: ChannelConfig, channels: Mapping[str, ChannelConfig]) -> Path:
    holder = channels.get(f"{channel.name}_lst", channel)
    lists = holder.files(".lst")
    if len(lists) != 1:
        raise ClientError(
            f"channel '{holder.name}' must hold exactly one .lst file for channel "
            f"'{channel.name}', found {len(lists)}",
            Stage.INPUT,
        )
    return lists[0]


def _list_source(
    channel: ChannelConfig, channels: Mapping[str, ChannelConfig], labels: LabelSpec
) -> Source:
    path = _list_file(channel, channels)
    try:
        entries = read_list(path)
    except ListFormatError as error:
        raise ClientError(f"channel '{channel.name}': {error}", Stage.INPUT) from None
    images = [channel.folder / e.path for e in entries]
    _check_files(channel.name, images)
    return file_source(channel.name, images, [e.labels for e in entries], labels)


def _manifest_source(channel: ChannelConfig, labels: LabelSpec) -> Source:
    entries = []
    try:
        for path in channel.files(*MANIFEST_SUFFIXES):
            entries += read_manifest(path)
    except ManifestError as error:
        raise ClientError(f"channel '{channel.name}': {error}", Stage.INPUT) from None
    images = [e.image for e in entries]
    _check_files(channel.name, images)
    return file_source(channel.name, images, [e.labels for e in entries], labels)


def _check_files(channel: str, images: list[Path]) -> None:
    missing = [p for p in images if not p.is_file()]
    if missing:
        raise ClientError(
            f"channel '{channel}': {len(missing)} listed image(s) not found, e.g. {missing[0]}",
            Stage.INPUT,
        )
