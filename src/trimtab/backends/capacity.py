"""What one machine can run at once, shared by every tuner of one home: the server's tuning
jobs and a `trimtab tune` in another terminal alike.

Each tuning job keeps its own MaxParallelTrainingJobs; this caps their sum. A training job holds
one of `jobs` slots while it runs, and a GPU job also marks the GPUs it was given, so that
another tuner gives its jobs the GPUs nobody uses first. A slot is a file under
`<home>/slots/`, held with an exclusive `flock`: the lock belongs to the process that holds it,
so a tuner that dies, however it dies, frees its slots with it, and nothing needs cleaning up.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Hold:
    """A slot (or a GPU mark) held until `release`."""

    fd: int | None

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing the file drops its lock
            self.fd = None


def _try_lock(path: Path) -> int | None:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def _locked(path: Path) -> bool:
    fd = _try_lock(path)
    if fd is None:
        return True
    os.close(fd)
    return False


@dataclass(frozen=True)
class Capacity:
    """`jobs` training jobs at once on this machine, for every tuner whose home is `home`."""

    home: Path
    jobs: int

    @property
    def _folder(self) -> Path:
        folder = self.home / "slots"
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def _slots(self) -> list[Path]:
        return [self._folder / f"job-{i}" for i in range(self.jobs)]

    def free(self) -> int:
        """How many more training jobs may start now (a glance: another tuner may take one)."""
        return sum(not _locked(slot) for slot in self._slots())

    def take(self) -> Hold | None:
        """A slot for one training job, or None when every one is held."""
        for slot in self._slots():
            fd = _try_lock(slot)
            if fd is not None:
                return Hold(fd)
        return None

    def busy_gpus(self, gpus: Iterable[str]) -> set[str]:
        """Which of `gpus` a training job of any tuner has now."""
        return {gpu for gpu in gpus if _locked(self._folder / f"gpu-{gpu}")}

    def mark_gpus(self, gpus: Iterable[str]) -> list[Hold]:
        """Mark `gpus` as used (those already marked by another job are shared, not marked)."""
        holds = [Hold(_try_lock(self._folder / f"gpu-{gpu}")) for gpu in gpus]
        return [hold for hold in holds if hold.fd is not None]


def release(holds: Iterable[Hold | None]) -> None:
    for hold in holds:
        if hold is not None:
            with contextlib.suppress(OSError):
                hold.release()
