"""RecordIO framing (dmlc/MXNet), the container of SageMaker's `.rec` files.

A frame is the magic word, a length word whose top 3 bits say whether the frame is a whole
record (0) or the first (1), a middle (2) or the last (3) part of one, then the payload padded
to 4 bytes. Writers cut a record wherever the magic word appears at a 4-byte-aligned offset of
its payload, and drop that word; readers put it back. Writing like MXNet makes our files
byte-identical to its writer's, and reading the flags lets us read anyone's. All words are
little-endian. See formats.md §2.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Iterator
from typing import BinaryIO, Final

MAGIC: Final = 0xCED7230A
MAGIC_BYTES: Final = struct.pack("<I", MAGIC)
MAX_LENGTH: Final = (1 << 29) - 1
_HEADER: Final = struct.Struct("<II")

WHOLE, FIRST, MIDDLE, LAST = 0, 1, 2, 3


class RecordIOError(ValueError):
    """The bytes are not a well-formed RecordIO stream; the message gives the offset."""


def _frame(flag: int, piece: bytes) -> bytes:
    if len(piece) > MAX_LENGTH:
        raise ValueError(f"a RecordIO frame holds at most {MAX_LENGTH} bytes, got {len(piece)}")
    padding = b"\0" * (-len(piece) % 4)
    return _HEADER.pack(MAGIC, (flag << 29) | len(piece)) + piece + padding


def _aligned_magic(payload: bytes) -> Iterator[int]:
    """Offsets of the magic word at multiples of 4 (found with `bytes.find`, not a loop)."""
    end = len(payload) - len(payload) % 4
    at = payload.find(MAGIC_BYTES, 0, end)
    while at >= 0:
        if at % 4 == 0:
            yield at
            at = payload.find(MAGIC_BYTES, at + 4, end)
        else:
            at = payload.find(MAGIC_BYTES, at + 1, end)


def encode(payload: bytes) -> bytes:
    """The frames of one record, exactly as MXNet's `MXRecordIO.write` lays them out."""
    pieces = []
    begin = 0
    for at in _aligned_magic(payload):
        pieces.append(payload[begin:at])
        begin = at + 4
    if not pieces:
        return _frame(WHOLE, payload)
    pieces.append(payload[begin:])
    flags = [FIRST] + [MIDDLE] * (len(pieces) - 2) + [LAST]
    return b"".join(_frame(flag, piece) for flag, piece in zip(flags, pieces, strict=True))


def write_records(stream: BinaryIO, payloads: Iterable[bytes]) -> int:
    """Append each payload as one record; returns how many were written."""
    count = 0
    for payload in payloads:
        stream.write(encode(payload))
        count += 1
    return count


def decode(data: bytes) -> Iterator[bytes]:
    """The records of a whole RecordIO stream, split records joined again."""
    view = memoryview(data)
    offset = 0
    parts: list[bytes] | None = None  # the pieces of a split record being read
    while offset < len(data):
        if len(data) - offset < _HEADER.size:
            raise RecordIOError(f"truncated frame header at byte {offset}")
        magic, word = _HEADER.unpack_from(data, offset)
        if magic != MAGIC:
            raise RecordIOError(
                f"bad magic word 0x{magic:08x} at byte {offset} (expected 0x{MAGIC:08x}): "
                "not a RecordIO file, or a corrupt one"
            )
        flag, length = word >> 29, word & MAX_LENGTH
        frame_start, start = offset, offset + _HEADER.size
        if start + length > len(data):
            raise RecordIOError(f"truncated frame at byte {offset}: {length} bytes announced")
        piece = bytes(view[start : start + length])
        offset = start + length + (-length % 4)
        if flag == WHOLE and parts is None:
            yield piece
        elif flag == FIRST and parts is None:
            parts = [piece]
        elif flag in (MIDDLE, LAST) and parts is not None:
            parts.append(piece)
            if flag == LAST:
                yield MAGIC_BYTES.join(parts)
                parts = None
        else:
            raise RecordIOError(f"unexpected frame flag {flag} at byte {frame_start}")
    if parts is not None:
        raise RecordIOError("the stream ends inside a split record")


def read_records(stream: BinaryIO) -> Iterator[bytes]:
    """Every record of a stream (read whole: `.rec` files of this algorithm fit in memory)."""
    return decode(stream.read())
