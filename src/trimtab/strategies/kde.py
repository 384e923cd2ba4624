"""A tree-structured Parzen estimator over the unit cube: Hyperband's model of good configurations.

As in BOHB (Falkner et al. 2018): split the configurations observed at one resource level into
the best `gamma` fraction and the rest, fit a kernel density to each (Gaussian kernels on the
numeric dimensions of `trimtab.space`'s cube, smoothed frequencies on categorical blocks), draw
candidates around the good configurations with widened bandwidths, and keep the candidate that
maximises good-density / rest-density. Cheap (numpy only) and robust to outliers, because only
ranks matter.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from trimtab.space import DimKind, SearchSpace

GAMMA = 0.15  # share of observations that count as good (BOHB's default)
CANDIDATES = 64
BANDWIDTH_FACTOR = 3.0  # candidates are drawn from a widened good density (BOHB's default)
PRIOR = 1.0  # pseudo-count per category


def min_points(space: SearchSpace) -> int:
    """Observations needed before the model is trusted: enough for a good set and a rest set
    of d + 1 points each."""
    return max(10, 2 * (space.dim + 1))


def _blocks(space: SearchSpace) -> tuple[list[int], list[slice]]:
    """Indices of numeric dimensions, and the one-hot slice of each categorical parameter."""
    kinds = list(space.kinds)
    numeric = [i for i, kind in enumerate(kinds) if kind is not DimKind.CATEGORICAL]
    blocks = [
        s
        for s in space.dims
        if all(kinds[i] is DimKind.CATEGORICAL for i in range(s.start, s.stop))
    ]
    return numeric, blocks


class _Density:
    """Product of Gaussian kernels (numeric dims) and smoothed category frequencies (blocks)."""

    def __init__(self, points: np.ndarray, numeric: list[int], blocks: list[slice]) -> None:
        self.points = points
        self.numeric = numeric
        self.blocks = blocks
        n = len(points)
        spread = points[:, numeric].std(axis=0) if numeric else np.zeros(0)
        # Scott's rule, floored as Optuna's TPE floors it (its "magic clip"): points that
        # crowd together must not shrink the search to a point
        floor = 1.0 / min(100, n + 1)
        self.bandwidth = np.maximum(spread * n ** (-1.0 / (len(numeric) + 4)), floor)
        self.frequencies = [
            (points[:, b].sum(axis=0) + PRIOR) / (n + PRIOR * (b.stop - b.start)) for b in blocks
        ]

    def log_pdf(self, x: np.ndarray) -> np.ndarray:
        """Log density of each row of `x` (m x dim)."""
        diff = (x[:, None, self.numeric] - self.points[None, :, self.numeric]) / self.bandwidth
        kernel = -0.5 * (diff**2).sum(axis=2) - np.log(self.bandwidth).sum()
        numeric = np.logaddexp.reduce(kernel, axis=1) - np.log(len(self.points))
        for block, frequency in zip(self.blocks, self.frequencies, strict=True):
            numeric = numeric + np.log(frequency[x[:, block].argmax(axis=1)])
        density: np.ndarray = numeric
        return density

    def sample(self, rng: np.random.Generator, m: int) -> np.ndarray:
        """Candidates around the points: widened Gaussian steps, categories from the frequencies."""
        x = self.points[rng.integers(len(self.points), size=m)].copy()
        if self.numeric:
            steps = rng.normal(size=(m, len(self.numeric))) * self.bandwidth * BANDWIDTH_FACTOR
            x[:, self.numeric] = np.clip(x[:, self.numeric] + steps, 0.0, 1.0)
        for block, frequency in zip(self.blocks, self.frequencies, strict=True):
            x[:, block] = np.eye(block.stop - block.start)[
                rng.choice(len(frequency), size=m, p=frequency)
            ]
        return x


def propose(
    space: SearchSpace,
    configs: Sequence[dict[str, str]],
    losses: Sequence[float],
    rng: np.random.Generator,
    avoid: set[tuple[tuple[str, str], ...]],
) -> dict[str, str] | None:
    """One configuration the model favours (not in `avoid`), or None when it has too little data."""
    finite = [(c, v) for c, v in zip(configs, losses, strict=True) if np.isfinite(v)]
    if len(finite) < min_points(space) or space.dim == 0:
        return None
    finite.sort(key=lambda cv: cv[1])
    x = np.array([space.encode(c) for c, _ in finite])
    n_good = max(2, int(np.ceil(GAMMA * len(finite))))
    numeric, blocks = _blocks(space)
    good = _Density(x[:n_good], numeric, blocks)
    bad = _Density(x[n_good:], numeric, blocks)
    candidates = good.sample(rng, CANDIDATES)
    scores = good.log_pdf(candidates) - bad.log_pdf(candidates)
    for i in np.argsort(-scores):
        config = space.decode(candidates[i])
        if tuple(sorted(config.items())) not in avoid:
            return config
    return None
