"""The Bayesian strategy's space-filling start and the bookkeeping of what was tried.

Before a model has data to learn from, configurations come from a scrambled Sobol sequence: it
covers the box more evenly than independent draws, so the first model sees the whole space.
The sequence has one coordinate per *parameter* (a categorical takes `floor(u * len(Values))`
rather than the argmax of a one-hot block), which stratifies categorical values as well.

Configurations are compared as `ConfigKey`s (definition name and hyperparameter strings), the
form in which the store and the training job see them, so "no duplicates" means exactly that.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping

import numpy as np
from scipy.stats import qmc  # type: ignore[import-untyped]

from trimtab.space import CategoricalRange, SearchSpace

ConfigKey = tuple[str | None, frozenset[tuple[str, str]]]

MIN_DESIGN = 4  # a first batch of 4 parallel jobs is all design
MAX_DESIGN = 10  # beyond this a model beats more space filling at the budgets people use
_DESIGN_STREAM = 1  # keeps the design's generator apart from other uses of the seed


def config_key(hyperparameters: Mapping[str, str], definition_name: str | None = None) -> ConfigKey:
    return definition_name, frozenset(hyperparameters.items())


def design_size(space: SearchSpace) -> int:
    """How many design points a job starts with: one per parameter plus one, within bounds."""
    return min(max(MIN_DESIGN, len(space.ranges) + 1), MAX_DESIGN)


def space_size(space: SearchSpace) -> float:
    """Number of distinct configurations (`inf` when a continuous range is tuned)."""
    size = 1.0
    for r in space.ranges:
        if isinstance(r, CategoricalRange):
            size *= len(r.values)
        elif r.integer:
            size *= r.high - r.low + 1
        elif r.high > r.low:
            return math.inf
    return size


def design_point(space: SearchSpace, u: np.ndarray) -> np.ndarray:
    """The box point for one Sobol draw `u` (one coordinate per parameter)."""
    x = np.zeros(space.dim)
    for r, dims, ui in zip(space.ranges, space.dims, u, strict=True):
        if isinstance(r, CategoricalRange):
            x[dims.start + min(int(ui * len(r.values)), len(r.values) - 1)] = 1.0
        else:
            x[dims.start] = ui
    return x


def sobol_design(space: SearchSpace, seed: int) -> Iterator[dict[str, str]]:
    """The job's Sobol sequence of configurations, endless and fixed by `seed`."""
    rng = np.random.default_rng([seed, _DESIGN_STREAM])
    sobol = qmc.Sobol(d=max(len(space.ranges), 1), scramble=True, seed=rng)
    m = 4
    drawn = 0
    while True:  # draw in powers of two, as Sobol's balance properties want
        block = sobol.random_base2(m) if drawn == 0 else sobol.random(2**m - drawn)
        for u in block:
            yield space.decode(design_point(space, u[: len(space.ranges)]))
        drawn = 2**m
        m += 1


def fresh_design(
    space: SearchSpace, seed: int, seen: set[ConfigKey], n: int, definition: str | None = None
) -> list[dict[str, str]]:
    """The first `n` design configurations not in `seen` (fewer if the space runs out).

    Skipping what was tried makes the design continue where a job (or its parent) stopped:
    after k design jobs, the next is Sobol point k. `seen` gains the returned keys.
    """
    out: list[dict[str, str]] = []
    if n <= 0:
        return out
    left = space_size(space) - sum(1 for k in seen if k[0] == definition)
    limit = 64 * (n + len(seen)) + 1024  # a finite space may hold fewer than n fresh points
    for config in _take(sobol_design(space, seed), limit):
        key = config_key(config, definition)
        if key not in seen:
            seen.add(key)
            out.append(config)
            if len(out) == n or len(out) >= left:
                break
    return out


def _take(it: Iterable[dict[str, str]], limit: int) -> Iterator[dict[str, str]]:
    for i, item in enumerate(it):
        if i >= limit:
            return
        yield item
