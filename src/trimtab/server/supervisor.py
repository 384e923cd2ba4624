"""The server's tuners: every tuning job of the store that is InProgress (or Stopping) and that
no tuner runs gets one, in a process of its own (`tuner_process`), watched by a thread.

So a job created over the API starts at once (`wake`), a job left InProgress by a crash, a
reboot or an upgrade is resumed when the server starts, and a job a `trimtab tune` runs in
another terminal is left to it (its tuner holds the job's lease) unless that tuner dies.
A tuner that could not run its job (exit code 1) is tried again later, each time after twice
as long, so a job that cannot be resumed costs nothing but a line in its tuner's log:
`<home>/tuners/<job>.log`. Shutting down puts every job aside (`tuner.Paused`) for the next
start.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from trimtab.store.base import Store

logger = logging.getLogger(__name__)

RETRY_SECONDS = 30.0  # the first wait after a tuner could not run its job; then doubled
MAX_RETRY_SECONDS = 600.0


@dataclass
class _Tuner:
    process: subprocess.Popen[bytes]
    started: float


@dataclass
class Supervisor:
    store: Store
    home: Path
    store_url: str | None = None  # None: the SQLite file in `home`
    python: str = sys.executable
    interval: float = 1.0
    clock: Callable[[], float] = time.monotonic
    _tuners: dict[str, _Tuner] = field(default_factory=dict)
    _not_before: dict[str, tuple[float, float]] = field(default_factory=dict)  # (time, wait)
    _wake: threading.Event = field(default_factory=threading.Event)
    _done: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._watch, name="supervisor", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Look at the store now (a job was created or asked to stop)."""
        self._wake.set()

    def running(self) -> list[str]:
        with self._lock:
            return sorted(name for name, t in self._tuners.items() if t.process.poll() is None)

    def shutdown(self, timeout: float = 300.0) -> None:
        """Put every job aside (their tuners stop their training jobs and exit), then return."""
        self._done.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join()
        with self._lock:
            tuners = list(self._tuners.items())
        for name, tuner in tuners:
            if tuner.process.poll() is None:
                logger.info("putting tuning job %s aside", name)
                tuner.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for name, tuner in tuners:
            try:
                tuner.process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                logger.warning("the tuner of %s did not stop in %.0f s: killed", name, timeout)
                tuner.process.kill()
                tuner.process.wait()

    def _watch(self) -> None:
        while not self._done.is_set():
            try:
                self.tick()
            except Exception:  # the store may be briefly unavailable: try again
                logger.exception("supervisor: looking at the store failed")
            self._wake.wait(self.interval)
            self._wake.clear()

    def tick(self) -> None:
        """One look: reap the tuners that ended, start one for each job that needs one."""
        now = self.clock()
        with self._lock:
            for name, tuner in list(self._tuners.items()):
                code = tuner.process.poll()
                if code is None:
                    continue
                del self._tuners[name]
                if code != 0:
                    _, wait = self._not_before.get(name, (0.0, RETRY_SECONDS / 2))
                    wait = min(wait * 2, MAX_RETRY_SECONDS)
                    self._not_before[name] = (now + wait, wait)
                    logger.warning(
                        "the tuner of %s exited with %s: trying again in %.0f s", name, code, wait
                    )
            for record in self.store.tuning_jobs():
                name = record.name
                if record.status.is_finished():
                    self._not_before.pop(name, None)
                    continue
                if name in self._tuners or now < self._not_before.get(name, (0.0, 0.0))[0]:
                    continue
                if self.store.lease_holder(name) is not None:  # another tuner runs it
                    continue
                self._tuners[name] = _Tuner(self._spawn(name), now)

    def _spawn(self, name: str) -> subprocess.Popen[bytes]:
        folder = self.home / "tuners"
        folder.mkdir(parents=True, exist_ok=True)
        command = [
            self.python,
            "-m",
            "trimtab.server.tuner_process",
            name,
            "--home",
            str(self.home),
        ]
        if self.store_url is not None:
            command += ["--store", self.store_url]
        logger.info("starting the tuner of %s", name)
        with (folder / f"{name}.log").open("ab") as log:
            return subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
            )
