"""Search strategies by their SageMaker names, built from search spaces and a seed.

`make_strategy` is the one place that maps a `Strategy` name to an implementation. A strategy
that needs an optional dependency registers a factory that imports it on first use, so
`import trimtab.strategies` stays light.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from trimtab.space import SearchSpace
from trimtab.strategies.base import Strategy
from trimtab.strategies.grid_search import GridSearch
from trimtab.strategies.random_search import RandomSearch

__all__ = [
    "STRATEGIES",
    "GridSearch",
    "RandomSearch",
    "Strategy",
    "StrategyFactory",
    "make_strategy",
]

StrategyFactory = Callable[[Mapping[str | None, SearchSpace], int], Strategy]

# The strategies trimtab implements, by SageMaker name (the service checks requests against it).
STRATEGIES: dict[str, StrategyFactory] = {
    "Grid": GridSearch,
    "Random": RandomSearch,
}


def make_strategy(name: str, spaces: Mapping[str | None, SearchSpace], seed: int) -> Strategy:
    """The strategy called `name` (SageMaker's wire value, e.g. `"Random"`).

    Raises `NotImplementedError` naming a strategy trimtab does not implement (yet).
    """
    factory = STRATEGIES.get(name)
    if factory is None:
        supported = ", ".join(sorted(STRATEGIES))
        raise NotImplementedError(
            f"Strategy '{name}' is not supported yet; supported strategies: {supported}"
        )
    return factory(spaces, seed)
