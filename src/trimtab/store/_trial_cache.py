"""A tuning job's trials kept between two reads, refreshed from what changed in between.

Reading every trial of a 500-job tuning job costs about 15 ms, most of it decoding JSON, and the
tuner's loop and every Describe or List of the job read them all. Between two reads only the
running trials change, and every write to a trial sets its `last_modified_time`, from the clock
of the one tuner that holds the job's lease. So a read asks the database how many trials there
are and which were modified at or after the newest time it saw (less `MARGIN`, for a clock that
stepped back); it decodes only those, and loads everything again when the count does not add
up (a trial it did not see), or when `RELOAD_SECONDS` have passed since the last full load (a
tuner that took over with a clock far behind), so that nothing stays stale for long.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from trimtab.types import Trial

MARGIN = 1.0  # seconds a writer's clock may step back between two of its writes
RELOAD_SECONDS = 10.0

Load = Callable[[float | None], list[Trial]]  # the trials modified at or after a time; all: None


@dataclass
class _Seen:
    trials: dict[int, Trial]  # by index
    newest: float  # the largest last_modified_time among them
    loaded: float  # time.monotonic() of the last full load


class TrialCache:
    """Per tuning job (its row id and creation time, so a new job of a reused id starts afresh)."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock  # the store's, which stamps every write but a trial's creation
        self._seen: dict[tuple[int, float], _Seen] = {}
        self._lock = threading.Lock()

    def trials(self, job: tuple[int, float], count: int, load: Load) -> list[Trial]:
        """The job's trials by index, given how many there are now and how to load them, in
        one transaction: on SQLite one snapshot; under PostgreSQL's READ COMMITTED the count is
        read first, so the loads can only find more trials than it says, which means a full
        load."""
        with self._lock:
            seen = self._seen.get(job)
        now = time.monotonic()
        if seen is not None and now - seen.loaded < RELOAD_SECONDS:
            changed = load(seen.newest - MARGIN)
            trials = {**seen.trials, **{t.index: t for t in changed}}
            if len(trials) == count:
                seen = _Seen(
                    trials, self._newest([seen.newest, *map(_modified, changed)]), seen.loaded
                )
            else:
                seen = None
        else:
            seen = None
        if seen is None:
            everything = load(None)
            newest = self._newest(map(_modified, everything))
            seen = _Seen({t.index: t for t in everything}, newest, now)
        with self._lock:
            self._seen[job] = seen
        return [seen.trials[i] for i in sorted(seen.trials)]

    def _newest(self, times: Iterable[float]) -> float:
        """The latest of `times`, but not past the store's clock: a trial's creation time is
        its caller's, and one ahead would hide the writes after it."""
        return min(max(times, default=0.0), self._clock())

    def forget(self, job: tuple[int, float]) -> None:
        """A deleted job's trials are not kept."""
        with self._lock:
            self._seen.pop(job, None)


def _modified(trial: Trial) -> float:
    return trial.last_modified_time if trial.last_modified_time is not None else 0.0
