"""The stopper contract: decide, while a training job runs, whether it should go on.

A stopper is a pure decider, like a strategy: it sees the job's objective curve and everyone
else's (`History.curves`, losses, one value per report) and answers with a `Decision`.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from trimtab.types import Decision, History, Trial


@runtime_checkable
class Stopper(Protocol):
    def decide(self, trial: Trial, level: int, history: History) -> Decision:
        """The decision for `trial` once it has reported `level` values (its curve may already
        be longer: decide as of `level`). `history` holds every trial of the tuning job."""
