"""The strategy contract: pure deciders over the trial history.

A strategy is built from the tuning job's search spaces and its seed, and keeps no hidden
state: everything it knows comes from `trials` (finished and pending alike) on each call, so a
resumed tuning job continues exactly where it stopped. Randomness comes from generators derived
from `(seed, number of trials so far)`, never from global state.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from trimtab.types import Suggestion, Trial


class Strategy(Protocol):
    def suggest(self, trials: Sequence[Trial], n: int) -> list[Suggestion]:
        """Up to `n` new configurations, given every trial so far (pending ones included).

        Returns fewer than `n`, or `[]`, when the space is exhausted (Grid)."""
