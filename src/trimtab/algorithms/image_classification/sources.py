"""Where a channel's images come from: encoded bytes by index, and every image's labels.

A `Source` is small and picklable (DataLoader workers get a copy): a `RecordSource` keeps only
the `.rec` paths and record offsets and maps the files lazily in each process, a `FileSource`
keeps file paths. Labels are checked here, once, against `num_classes` and `multi_label`.
"""

from __future__ import annotations

import mmap
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from trimtab.algorithms.image_classification import recordio
from trimtab.algorithms.image_classification.errors import ClientError


@dataclass(frozen=True)
class LabelSpec:
    """How raw labels become targets: class ids, or multi-hot vectors of `num_classes`."""

    num_classes: int
    multi_label: bool = False
    class_ids: bool = False  # multi-label given as class ids rather than multi-hot

    def targets(
        self, raw: Sequence[tuple[float, ...]], where: Sequence[str]
    ) -> npt.NDArray[np.generic]:
        """(N,) int64 class ids, or (N, num_classes) float32 multi-hot. Raises ClientError."""
        if self.multi_label:
            out = np.zeros((len(raw), self.num_classes), dtype=np.float32)
            for i, labels in enumerate(raw):
                out[i] = self._multi_hot(labels, where[i])
            return out
        ids = np.empty(len(raw), dtype=np.int64)
        for i, labels in enumerate(raw):
            label = labels[0] if labels else -1.0
            if label != int(label) or not 0 <= label < self.num_classes:
                raise ClientError(
                    f"{where[i]}: label {label:g} is not a class id in [0, {self.num_classes}) "
                    f"(num_classes={self.num_classes})"
                )
            ids[i] = int(label)
        return ids

    def _multi_hot(self, labels: tuple[float, ...], where: str) -> npt.NDArray[np.float32]:
        row = np.zeros(self.num_classes, dtype=np.float32)
        if self.class_ids:
            for label in labels:
                if label != int(label) or not 0 <= label < self.num_classes:
                    raise ClientError(
                        f"{where}: class id {label:g} is outside [0, {self.num_classes})"
                    )
                row[int(label)] = 1.0
            return row
        if len(labels) != self.num_classes or any(v not in (0.0, 1.0) for v in labels):
            raise ClientError(
                f"{where}: multi_label=1 needs {self.num_classes} labels of 0 or 1 per image "
                f"(multi-hot), got {len(labels)}: {', '.join(f'{v:g}' for v in labels[:8])}"
            )
        row[:] = labels
        return row


@dataclass
class Source:
    """N encoded images of one channel and their targets (see `LabelSpec.targets`)."""

    channel: str
    targets: npt.NDArray[np.generic]

    def __len__(self) -> int:
        return len(self.targets)

    def encoded(self, index: int) -> bytes:
        raise NotImplementedError

    def where(self, index: int) -> str:
        """The image's name in messages."""
        raise NotImplementedError


@dataclass
class FileSource(Source):
    paths: list[Path] = field(default_factory=list)

    def encoded(self, index: int) -> bytes:
        try:
            return self.paths[index].read_bytes()
        except OSError as error:
            raise ClientError(
                f"channel '{self.channel}': cannot read {self.paths[index]}: {error.strerror}"
            ) from None

    def where(self, index: int) -> str:
        return str(self.paths[index])


@dataclass
class RecordSource(Source):
    """Records of one or more `.rec` files: `files[i]` and `offsets[i]` locate record i."""

    rec_paths: list[Path] = field(default_factory=list)
    files: npt.NDArray[np.int32] = field(default_factory=lambda: np.zeros(0, np.int32))
    offsets: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    _maps: dict[int, mmap.mmap | bytes] = field(default_factory=dict, repr=False)

    def __getstate__(self) -> dict[str, object]:
        """Memory maps stay in the process that opened them; a worker opens its own."""
        return {k: v for k, v in self.__dict__.items() if k != "_maps"} | {"_maps": {}}

    def encoded(self, index: int) -> bytes:
        number = int(self.files[index])
        data = self._maps.get(number)
        if data is None:
            data = self._maps[number] = recordio.open_map(self.rec_paths[number])
        payload, _ = recordio.read_at(data, int(self.offsets[index]))
        return recordio.ImageRecord.unpack(payload).image

    def where(self, index: int) -> str:
        return f"record {index} of {self.rec_paths[int(self.files[index])].name}"


def read_records(channel: str, rec_paths: list[Path], labels: LabelSpec) -> RecordSource:
    """Index the records of `rec_paths` (one pass over the files) and check their labels."""
    files: list[int] = []
    offsets: list[int] = []
    raw: list[tuple[float, ...]] = []
    where: list[str] = []
    for number, path in enumerate(rec_paths):
        data = recordio.open_map(path)
        try:
            for offset, payload in recordio.iter_records(data):
                record = recordio.ImageRecord.unpack(payload)
                files.append(number)
                offsets.append(offset)
                raw.append(record.labels)
                where.append(f"record {len(where)} (id {record.id}) of {path.name}")
        except recordio.RecordIOError as error:
            raise ClientError(
                f"channel '{channel}': {path.name} is not a valid RecordIO file: {error}"
            ) from None
        finally:
            if isinstance(data, mmap.mmap):
                data.close()
    return RecordSource(
        channel,
        labels.targets(raw, where),
        rec_paths=rec_paths,
        files=np.asarray(files, dtype=np.int32),
        offsets=np.asarray(offsets, dtype=np.int64),
    )


def file_source(
    channel: str, paths: list[Path], raw: list[tuple[float, ...]], labels: LabelSpec
) -> FileSource:
    return FileSource(channel, labels.targets(raw, [str(p) for p in paths]), paths=paths)
