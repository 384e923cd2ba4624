"""RecordIO framing (dmlc/MXNet), the container of SageMaker's `.rec` files, for every built-in.

A frame is the magic word, a length word whose top 3 bits say whether the frame is a whole
record (0) or the first (1), a middle (2) or the last (3) part of one, then the payload padded
to 4 bytes. Writers cut a record wherever the magic word appears at a 4-byte-aligned offset of
its payload, and drop that word; readers put it back. Writing like MXNet makes our files
byte-identical to its writer's, and reading the flags lets us read anyone's. All words are
little-endian. See formats.md §2.

What a record holds is each algorithm's own (a protobuf Record, an im2rec image record), and
so is the wording of a damaged file's error: readers raise the `RecordIOError` subclass they
are given.
"""

from __future__ import annotations

import mmap
import struct
from collections.abc import Iterable, Iterator
from typing import BinaryIO, Final, Self

MAGIC: Final = 0xCED7230A
MAGIC_BYTES: Final = struct.pack("<I", MAGIC)
MAX_LENGTH: Final = (1 << 29) - 1
_HEADER: Final = struct.Struct("<II")

WHOLE, FIRST, MIDDLE, LAST = 0, 1, 2, 3

Data = bytes | mmap.mmap  # a whole `.rec` file, read or memory-mapped


class RecordIOError(ValueError):
    """The bytes are not a well-formed RecordIO stream; the message gives the offset. Each
    message is made by a classmethod, which an algorithm's subclass may word its own way."""

    @classmethod
    def truncated_header(cls, offset: int) -> Self:
        return cls(f"truncated frame header at byte {offset}")

    @classmethod
    def bad_magic(cls, offset: int, magic: int) -> Self:
        return cls(
            f"bad magic word 0x{magic:08x} at byte {offset} (expected 0x{MAGIC:08x}): "
            "not a RecordIO file, or a corrupt one"
        )

    @classmethod
    def truncated_frame(cls, offset: int, length: int) -> Self:
        return cls(f"truncated frame at byte {offset}: {length} bytes announced")

    @classmethod
    def unexpected_flag(cls, offset: int, flag: int) -> Self:
        return cls(f"unexpected frame flag {flag} at byte {offset}")

    @classmethod
    def unfinished(cls) -> Self:
        return cls("the stream ends inside a split record")


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


def write_records(stream: BinaryIO, payloads: Iterable[bytes]) -> list[int]:
    """Append each payload as one record; returns each record's byte offset (for an `.idx`)."""
    offsets = []
    for payload in payloads:
        offsets.append(stream.tell())
        stream.write(encode(payload))
    return offsets


def read_at(
    data: Data, offset: int, error: type[RecordIOError] = RecordIOError
) -> tuple[bytes, int]:
    """The record whose first frame starts at `offset` (split records joined again), and the
    offset of the next record."""
    parts: list[bytes] = []
    while True:
        if len(data) - offset < _HEADER.size:
            raise error.truncated_header(offset)
        magic, word = _HEADER.unpack_from(data, offset)
        if magic != MAGIC:
            raise error.bad_magic(offset, magic)
        flag, length = word >> 29, word & MAX_LENGTH
        start = offset + _HEADER.size
        if start + length > len(data):
            raise error.truncated_frame(offset, length)
        if flag not in ((MIDDLE, LAST) if parts else (WHOLE, FIRST)):
            raise error.unexpected_flag(offset, flag)
        parts.append(data[start : start + length])
        offset = start + length + (-length % 4)
        if flag in (WHOLE, LAST):
            return MAGIC_BYTES.join(parts), offset
        if offset >= len(data):
            raise error.unfinished()


def iter_records(
    data: Data, error: type[RecordIOError] = RecordIOError
) -> Iterator[tuple[int, bytes]]:
    """(offset, payload) of every record of a whole RecordIO stream, in order."""
    offset = 0
    while offset < len(data):
        payload, following = read_at(data, offset, error)
        yield offset, payload
        offset = following
