"""Search strategies by their SageMaker names, built from search spaces and a seed.

`make_strategy` is the one place that maps a `Strategy` name to an implementation. A strategy
that needs an optional dependency registers a factory that imports it on first use, so
`import trimtab.strategies` stays light.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Protocol

from trimtab.errors import MissingDependency
from trimtab.space import SearchSpace
from trimtab.strategies.base import Strategy
from trimtab.strategies.grid_search import GridSearch
from trimtab.strategies.random_search import RandomSearch

if TYPE_CHECKING:
    from trimtab.spec.enums import ObjectiveType
    from trimtab.warm_start import Prior

__all__ = [
    "STRATEGIES",
    "GridSearch",
    "RandomSearch",
    "Strategy",
    "StrategyFactory",
    "lacks_bayesian_extra",
    "make_strategy",
]

Spaces = Mapping[str | None, SearchSpace]
Directions = Mapping[str | None, "ObjectiveType"]


class StrategyFactory(Protocol):
    """Builds a strategy. `directions` (per definition; Minimize when absent) turns objectives
    into losses; `prior` holds warm-start parents' results. Strategies that never look at
    results ignore both."""

    def __call__(
        self,
        spaces: Spaces,
        seed: int,
        /,
        *,
        directions: Directions | None = None,
        prior: Prior | None = None,
    ) -> Strategy: ...


def _results_blind(build: Callable[[Spaces, int], Strategy]) -> StrategyFactory:
    def factory(
        spaces: Spaces,
        seed: int,
        /,
        *,
        directions: Directions | None = None,
        prior: Prior | None = None,
    ) -> Strategy:
        return build(spaces, seed)

    return factory


# What `pip install 'trimtab[bayesian]'` brings (torch, BoTorch and their dependencies).
_BAYESIAN_EXTRA = {"torch", "botorch", "gpytorch", "linear_operator", "scipy", "threadpoolctl"}


def lacks_bayesian_extra(error: ModuleNotFoundError) -> bool:
    """Whether an import failed because the `bayesian` extra is not installed (any other
    missing module is a real error and should propagate)."""
    return (error.name or "").split(".")[0] in _BAYESIAN_EXTRA


def _bayesian(
    spaces: Spaces,
    seed: int,
    /,
    *,
    directions: Directions | None = None,
    prior: Prior | None = None,
) -> Strategy:
    """`BayesianSearch`, importing torch and BoTorch only now (extra: `bayesian`)."""
    try:
        from trimtab.strategies.bayesian import BayesianSearch
    except ModuleNotFoundError as error:
        if not lacks_bayesian_extra(error):
            raise
        raise MissingDependency(
            f"The Bayesian strategy needs {error.name}, which is not installed: "
            "pip install 'trimtab[bayesian]'"
        ) from None
    return BayesianSearch(spaces, seed, directions=directions, prior=prior)


# The strategies trimtab implements, by SageMaker name (the service checks requests against it).
STRATEGIES: dict[str, StrategyFactory] = {
    "Bayesian": _bayesian,
    "Grid": _results_blind(GridSearch),
    "Random": _results_blind(RandomSearch),
}


def make_strategy(
    name: str,
    spaces: Spaces,
    seed: int,
    *,
    directions: Directions | None = None,
    prior: Prior | None = None,
) -> Strategy:
    """The strategy called `name` (SageMaker's wire value, e.g. `"Random"`).

    Raises `NotImplementedError` naming a strategy trimtab does not implement (yet), and
    `MissingDependency` when its optional dependencies are not installed.
    """
    factory = STRATEGIES.get(name)
    if factory is None:
        supported = ", ".join(sorted(STRATEGIES))
        raise NotImplementedError(
            f"Strategy '{name}' is not supported yet; supported strategies: {supported}"
        )
    return factory(spaces, seed, directions=directions, prior=prior)
