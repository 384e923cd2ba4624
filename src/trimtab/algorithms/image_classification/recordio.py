"""The `.rec` files of this algorithm: im2rec image records in RecordIO frames, read lazily.

The framing is `_recordio`'s (MXNet's `MXRecordIO`, formats.md §2); this module adds what is
this algorithm's own (formats.md §5.1): an image record is a 24-byte header (`IfQQ`: flag,
label, id, id2), then `flag` float32 labels when flag > 0, then the encoded image; `.rec` files
are memory-mapped and read by record offset, so a DataLoader worker reads only its images; an
`.idx` file lists the offsets as MXNet's `MXIndexedRecordIO` does. A damaged file's messages
keep this algorithm's wording (they reach `output/failure`).
"""

from __future__ import annotations

import mmap
import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Self

from trimtab.algorithms import _recordio

_IMAGE_HEADER: Final = struct.Struct("<IfQQ")


class RecordIOError(_recordio.RecordIOError):
    """A file that is not (or not entirely) RecordIO, or a record that is not an image record."""

    @classmethod
    def bad_magic(cls, offset: int, magic: int) -> Self:
        return cls(f"no RecordIO magic at byte {offset}")

    @classmethod
    def truncated_frame(cls, offset: int, length: int) -> Self:
        return cls(f"truncated record at byte {offset}")

    @classmethod
    def unfinished(cls) -> Self:
        return cls("file ends inside a split record")


def read_at(data: _recordio.Data, offset: int) -> tuple[bytes, int]:
    """The record whose first frame starts at `offset`, and the offset of the next record."""
    return _recordio.read_at(data, offset, RecordIOError)


def iter_records(data: _recordio.Data) -> Iterator[tuple[int, bytes]]:
    """(offset, payload) of every record, in file order."""
    return _recordio.iter_records(data, RecordIOError)


def open_map(path: Path) -> _recordio.Data:
    """The file's bytes, memory-mapped (an empty file cannot be mapped, so it is b"")."""
    with path.open("rb") as file:
        if path.stat().st_size == 0:
            return b""
        return mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)


@dataclass(frozen=True)
class ImageRecord:
    """One im2rec record: labels (one, or `flag` of them), the image id and the image bytes."""

    labels: tuple[float, ...]
    id: int
    image: bytes
    id2: int = 0

    def pack(self) -> bytes:
        """Header, labels and image; one label is stored in the header (flag 0), as MXNet does."""
        if len(self.labels) == 1:
            header = _IMAGE_HEADER.pack(0, self.labels[0], self.id, self.id2)
            return header + self.image
        header = _IMAGE_HEADER.pack(len(self.labels), 0.0, self.id, self.id2)
        return header + struct.pack(f"<{len(self.labels)}f", *self.labels) + self.image

    @classmethod
    def unpack(cls, payload: bytes) -> ImageRecord:
        if len(payload) < _IMAGE_HEADER.size:
            raise RecordIOError(f"image record of {len(payload)} bytes is shorter than its header")
        flag, label, id_, id2 = _IMAGE_HEADER.unpack_from(payload)
        end = _IMAGE_HEADER.size + 4 * flag
        if flag == 0:
            labels: Sequence[float] = (label,)
        elif end <= len(payload):
            labels = struct.unpack_from(f"<{flag}f", payload, _IMAGE_HEADER.size)
        else:
            raise RecordIOError(f"image record announces {flag} labels but is too short")
        return cls(tuple(labels), id_, payload[end:], id2)


def write_index(path: Path, keys: Sequence[int], offsets: Sequence[int]) -> None:
    """MXIndexedRecordIO's `.idx`: `key<TAB>offset` per record."""
    path.write_text("".join(f"{k}\t{o}\n" for k, o in zip(keys, offsets, strict=True)))
