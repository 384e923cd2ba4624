"""MXNet/dmlc RecordIO files and the image records im2rec writes into them.

Byte compatible with MXNet's `MXRecordIO` (see formats.md §2 and §5.1): frames of
`magic, (cflag << 29) | length, payload, zero padding to 4 bytes`, where a payload holding the
magic word at a 4-byte-aligned offset is cut there into several frames (the magic itself is
dropped and put back on reading). An image record is a 24-byte header (`IfQQ`: flag, label,
id, id2), then `flag` float32 labels when flag > 0, then the encoded image.
"""

from __future__ import annotations

import mmap
import struct
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Final

MAGIC: Final = 0xCED7230A
_MAGIC_BYTES: Final = struct.pack("<I", MAGIC)
_FRAME_HEADER: Final = struct.Struct("<II")
_LENGTH_MASK: Final = (1 << 29) - 1
_WHOLE, _FIRST, _MIDDLE, _LAST = 0, 1, 2, 3
_IMAGE_HEADER: Final = struct.Struct("<IfQQ")


class RecordIOError(ValueError):
    """A file that is not (or not entirely) RecordIO."""


def encode(payload: bytes) -> bytes:
    """The frames of one record, exactly as MXNet's writer lays them out."""
    pieces = []
    start = 0
    aligned_end = len(payload) & ~3
    hit = payload.find(_MAGIC_BYTES)
    while hit >= 0 and hit + 4 <= aligned_end:
        if hit % 4 == 0:
            pieces.append(payload[start:hit])
            start = hit + 4
            hit = payload.find(_MAGIC_BYTES, start)
        else:
            hit = payload.find(_MAGIC_BYTES, hit + 1)
    pieces.append(payload[start:])
    out = bytearray()
    for i, piece in enumerate(pieces):
        last = i == len(pieces) - 1
        flag = (_WHOLE if i == 0 else _LAST) if last else (_FIRST if i == 0 else _MIDDLE)
        out += _FRAME_HEADER.pack(MAGIC, (flag << 29) | len(piece))
        out += piece
        out += b"\0" * (-len(piece) % 4)
    return bytes(out)


def _frame(data: bytes | mmap.mmap, offset: int) -> tuple[int, int, int, int]:
    """(cflag, payload start, payload length, next frame's offset) of the frame at `offset`."""
    if offset + 8 > len(data):
        raise RecordIOError(f"truncated frame header at byte {offset}")
    magic, lrecord = _FRAME_HEADER.unpack_from(data, offset)
    if magic != MAGIC:
        raise RecordIOError(f"no RecordIO magic at byte {offset}")
    length = lrecord & _LENGTH_MASK
    start = offset + 8
    if start + length > len(data):
        raise RecordIOError(f"truncated record at byte {offset}")
    return lrecord >> 29, start, length, start + length + (-length % 4)


def read_at(data: bytes | mmap.mmap, offset: int) -> tuple[bytes, int]:
    """The record whose first frame starts at `offset`, and the offset of the next record."""
    parts: list[bytes] = []
    while True:
        cflag, start, length, following = _frame(data, offset)
        parts.append(bytes(data[start : start + length]))
        offset = following
        if cflag in (_WHOLE, _LAST):
            return _MAGIC_BYTES.join(parts), offset
        if offset >= len(data):
            raise RecordIOError("file ends inside a split record")


def iter_records(data: bytes | mmap.mmap) -> Iterator[tuple[int, bytes]]:
    """(offset, payload) of every record, in file order."""
    offset = 0
    while offset < len(data):
        payload, following = read_at(data, offset)
        yield offset, payload
        offset = following


def open_map(path: Path) -> mmap.mmap | bytes:
    """The file's bytes, memory-mapped (an empty file cannot be mapped, so it is b"")."""
    with path.open("rb") as file:
        if path.stat().st_size == 0:
            return b""
        return mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)


def write_records(file: BinaryIO, payloads: Iterable[bytes]) -> list[int]:
    """Append records to an open file; returns each record's byte offset (for an `.idx`)."""
    offsets = []
    for payload in payloads:
        offsets.append(file.tell())
        file.write(encode(payload))
    return offsets


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
