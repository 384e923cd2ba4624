"""Random search: independent uniform draws in the unit cube of `trimtab.space`.

Configuration number `k` of the tuning job (0-based, counted over all its trials) comes from
`np.random.default_rng([seed, k])` and nothing else, so a seed fixes the whole sequence of
configurations whatever the batch sizes, and a resumed job continues it exactly.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from trimtab.space import SearchSpace
from trimtab.types import History, Suggestion


class RandomSearch:
    """Each configuration picks a definition uniformly, then samples that definition's space."""

    def __init__(self, spaces: Mapping[str | None, SearchSpace], seed: int) -> None:
        if not spaces:
            raise ValueError("RandomSearch needs at least one search space, got none")
        if seed < 0:
            raise ValueError(f"seed must be a non-negative integer, but got {seed=}")
        self._spaces = dict(spaces)
        self._names = list(spaces)
        self._seed = seed

    def suggest(self, history: History, n: int) -> list[Suggestion]:
        return [self.draw(len(history.trials) + i) for i in range(n)]

    def draw(self, k: int) -> Suggestion:
        """Configuration number `k` of the tuning job."""
        rng = np.random.default_rng([self._seed, k])
        name = self._pick(rng)
        return Suggestion(self._spaces[name].sample(rng), name)

    def definition(self, k: int) -> str | None:
        """The definition configuration number `k` belongs to (what `draw(k)` picks)."""
        return self._pick(np.random.default_rng([self._seed, k]))

    def _pick(self, rng: np.random.Generator) -> str | None:
        # One definition draws no index, so its k-th config is exactly `space.sample(rng)`.
        names = self._names
        return names[int(rng.integers(len(names)))] if len(names) > 1 else names[0]
