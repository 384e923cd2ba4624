"""Grid search: every categorical combination exactly once, in a stable order.

The order is the definitions in the order given, then each space's grid (`itertools.product`
over its categorical ranges, values in the order given). A combination already present in the
history, whatever its status, is never suggested again: a failed grid point is not retried
(retries of the same training job are the tuner's business, not a new suggestion).
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Iterator, Mapping

from trimtab.space import SearchSpace
from trimtab.types import History, Suggestion


def _key(definition_name: str | None, hyperparameters: Mapping[str, str]) -> Hashable:
    return definition_name, frozenset(hyperparameters.items())


class GridSearch:
    """Walks the grid lazily; `seed` is accepted for a uniform constructor and unused."""

    def __init__(self, spaces: Mapping[str | None, SearchSpace], seed: int) -> None:
        self._spaces = dict(spaces)
        for space in self._spaces.values():
            next(space.iter_grid(), None)  # a numeric range fails here, not mid-job

    def _points(self) -> Iterator[Suggestion]:
        for name, space in self._spaces.items():
            for config in space.iter_grid():
                yield Suggestion(config, name)

    def suggest(self, history: History, n: int) -> list[Suggestion]:
        seen = {_key(t.definition_name, t.hyperparameters) for t in history.trials}
        fresh = (
            p for p in self._points() if _key(p.definition_name, p.hyperparameters) not in seen
        )
        return list(itertools.islice(fresh, max(n, 0)))
