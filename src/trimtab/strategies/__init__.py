"""Search strategies by their SageMaker names: the one registry the service builds them from.

Each entry is a factory from a `Problem`. A strategy that needs an optional dependency has a
factory that imports it on first use, so `import trimtab.strategies` stays light.
"""

from __future__ import annotations

from trimtab import extras
from trimtab.strategies.base import Prior, Problem, Strategy, StrategyFactory
from trimtab.strategies.grid_search import GridSearch
from trimtab.strategies.hyperband import Hyperband
from trimtab.strategies.random_search import RandomSearch

__all__ = [
    "STRATEGIES",
    "GridSearch",
    "Hyperband",
    "Prior",
    "Problem",
    "RandomSearch",
    "Strategy",
    "StrategyFactory",
    "make_strategy",
]


def _bayesian(problem: Problem) -> Strategy:
    """`BayesianSearch`, importing torch and BoTorch only now (extra: `bayesian`)."""
    try:
        from trimtab.strategies.bayesian import BayesianSearch
    except ModuleNotFoundError as error:
        if not extras.lacks("bayesian", error):
            raise
        raise extras.missing("bayesian", "The Bayesian strategy", error) from None
    return BayesianSearch(
        problem.spaces, problem.seed, directions=problem.directions, prior=problem.prior
    )


def _hyperband(problem: Problem) -> Strategy:
    maximum = {}
    for name, value in problem.max_resource.items():
        if value is None:  # the spec refuses a Hyperband request without one
            raise ValueError(f"Hyperband needs a MaxResource for definition {name!r}")
        maximum[name] = value
    return Hyperband(problem.spaces, problem.seed, maximum, problem.min_resource)


# The strategies trimtab implements, by SageMaker name.
STRATEGIES: dict[str, StrategyFactory] = {
    "Bayesian": _bayesian,
    "Grid": lambda problem: GridSearch(problem.spaces, problem.seed),
    "Hyperband": _hyperband,
    "Random": lambda problem: RandomSearch(problem.spaces, problem.seed),
}


def make_strategy(name: str, problem: Problem) -> Strategy:
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
    return factory(problem)
