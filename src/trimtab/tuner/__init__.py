"""The tuner: runs one tuning job to its end (`loop.Tuner`), with the objective curves it
judges by (`curves`) and an injectable clock (`clock`)."""

from trimtab.tuner.clock import Clock
from trimtab.tuner.loop import LEASE_SECONDS, Paused, Progress, Tuner, judge_objective

__all__ = ["LEASE_SECONDS", "Clock", "Paused", "Progress", "Tuner", "judge_objective"]
