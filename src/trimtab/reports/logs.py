"""A training job's log as CloudWatch Logs shows SageMaker's: one stream per training job, one
event per line.

SageMaker writes a training job's output to the log group `/aws/sagemaker/TrainingJobs`, in a
stream named `<training job>/algo-1-<epoch seconds>` per instance; trimtab's one instance gives
one stream, read from the job's log file. CloudWatch stamps every line as it arrives; the log
file does not, so a line carries the time of the attempt that wrote it (the `[trimtab] <time>
starting ...` line each attempt begins with), or the job's start before any. Positions are byte
offsets into the file, so reading on from one never loses nor repeats a line.
"""

from __future__ import annotations

import calendar
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from trimtab.types import Trial

INSTANCE = "algo-1"
MAX_EVENTS = 10_000
MAX_BYTES = 1 << 20  # CloudWatch answers at most 1 MB of events at a time
_ATTEMPT = re.compile(rb"^\[trimtab\] (\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z) ")


@dataclass(frozen=True)
class Event:
    timestamp: int  # epoch milliseconds
    message: str
    start: int  # byte offset of the line
    end: int  # byte offset after it (where the next read starts)


def stream_name(trial: Trial) -> str:
    return f"{trial.training_job_name}/{INSTANCE}-{int(trial.creation_time)}"


def training_job_of(stream: str) -> str:
    """The training job a stream name belongs to (the part before its `/`)."""
    return stream.split("/", 1)[0]


def _millis(seconds: float) -> int:
    return int(seconds * 1000)


def _stamp(line: bytes) -> int | None:
    match = _ATTEMPT.match(line)
    if match is None:
        return None
    parsed = time.strptime(match.group(1).decode(), "%Y-%m-%dT%H:%M:%SZ")
    return calendar.timegm(parsed) * 1000


@dataclass(frozen=True)
class Position:
    """Where a reader is in a stream: the byte offset, and the time lines there carry."""

    offset: int
    stamp: int  # epoch milliseconds


def start_of(trial: Trial) -> Position:
    return Position(0, _millis(trial.start_time or trial.creation_time))


def read(
    path: Path,
    at: Position,
    *,
    limit: int = MAX_EVENTS,
    since: int | None = None,
    until: int | None = None,
) -> tuple[list[Event], Position]:
    """Up to `limit` events from `at` on (within [since, until), in milliseconds, when given),
    at most about a megabyte of them, and the position to read on from. A line still being
    written (no newline yet) waits for its newline."""
    events: list[Event] = []
    position, size = at, 0
    for event in _lines(path, at):
        if len(events) >= limit or size >= MAX_BYTES:
            break
        position = Position(event.end, event.timestamp)
        if (since is None or event.timestamp >= since) and (
            until is None or event.timestamp < until
        ):
            events.append(event)
            size += len(event.message) + 26  # CloudWatch counts 26 bytes per event
    return events, position


def _lines(path: Path, at: Position) -> Iterator[Event]:
    stamp, offset = at.stamp, at.offset
    try:
        log = path.open("rb")
    except OSError:
        return
    with log:
        log.seek(offset)
        pending = b""
        while chunk := log.read(1 << 16):
            pending += chunk
            begin = 0
            while (newline := pending.find(b"\n", begin)) >= 0:
                line = pending[begin:newline]
                stamp = max(_stamp(line) or stamp, stamp)  # a header has whole seconds
                text = line.decode("utf-8", errors="replace").removesuffix("\r")
                yield Event(stamp, text, offset, offset + len(line) + 1)
                offset += len(line) + 1
                begin = newline + 1
            pending = pending[begin:]


def last_event_time(path: Path) -> int | None:
    """When the stream last got a line (the file's modification time), if it has one."""
    try:
        return _millis(path.stat().st_mtime)
    except OSError:
        return None


def stored_bytes(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
