"""The stopper contract: decide, while a training job runs, whether it should go on.

A stopper is a pure decider, like a strategy: it sees the job's objective curve and everyone
else's, and answers. Curves are losses (the objective turned so that lower is better), one value
per report, so the n-th value is the job's objective after n units of resource (epochs).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Protocol

from trimtab.types import Trial

Curves = Mapping[str, Sequence[float]]  # training job name -> losses, one per report


class Decision(StrEnum):
    CONTINUE = "Continue"
    STOP = "Stop"  # stop it early: it ends Stopped
    COMPLETE = "Complete"  # it has had all the resource it gets: stop it, it ends Completed


class Stopper(Protocol):
    def decide(self, trial: Trial, level: int, curves: Curves, trials: Sequence[Trial]) -> Decision:
        """The decision for `trial` once it has reported `level` values (its curve may already
        be longer: decide as of `level`). `trials` is every trial of the tuning job."""
