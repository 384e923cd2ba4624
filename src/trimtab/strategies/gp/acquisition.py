"""Maximising an acquisition function over a mixed box, one valid configuration at a time.

A continuous relaxation that rounds at the end proposes the same configuration again (EI peaks
between two integers, and the argmax of a relaxed one-hot block lands on a tried value). So the
search only ever scores *valid* points: integers at their own positions, categoricals as exact
one-hot vectors. It goes:

1. Score a pool: uniform random points plus perturbations of the best observed ones (most
   improvement is found near the incumbent); a space small enough is enumerated instead.
2. Refine the best few over the numeric dimensions, each start's categorical values held
   fixed: perturb at shrinking scales (0.1 down to 0.003 of the box) and keep what scores
   higher, snapping integers. A handful of batched evaluations replaces dozens of sequential
   L-BFGS-B steps in a fifth of the time, with proposals about as good (docs/bayesian.md).
3. Hill-climb on the lattice: move an integer one step or change one categorical value while
   that improves the acquisition.
4. Return the best point whose configuration is acceptable (not tried, not pending).

Without the local steps (`local=False`) it scores a wide uniform sample and returns its best:
for values that are noisy proxies of the objective (Hyperband's rung values), where refining
around the best observed points mostly finds the neighbours of a lucky configuration.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from botorch.acquisition.acquisition import AcquisitionFunction
from botorch.models.model import Model

from trimtab.space import CategoricalRange, NumericRange, SearchSpace
from trimtab.strategies.gp.model import DTYPE, expected_warnings

RANDOM_POOL = 512
GLOBAL_POOL = 2048  # uniform points scored when the search is not local
LOCAL_POOL = 256
STARTS = 5
CLIMB_STEPS = 4
REFINE_SCALES = (0.1, 0.03, 0.01, 0.003)
REFINE_MOVES = 64
ENUMERATE_LIMIT = 2048  # a space with at most this many configurations is scored exhaustively
_POSITION_LIMIT = 10_000  # integer ranges up to this many values snap by table lookup
_CHUNK = 2048

Accept = Callable[[np.ndarray], bool]


@dataclass(frozen=True)
class _Integer:
    dim: int
    rng: NumericRange
    positions: np.ndarray | None  # box position of every value, when there are few enough

    def snap(self, u: np.ndarray) -> np.ndarray:
        if self.positions is not None:
            mids = (self.positions[1:] + self.positions[:-1]) / 2
            return self.positions[np.searchsorted(mids, u)]
        return np.array([self.rng.to_unit(self.rng.from_unit(float(v))) for v in u])

    def step(self, u: float, direction: int) -> float | None:
        value = self.rng.from_unit(u) + direction
        if not self.rng.low <= value <= self.rng.high:
            return None
        return self.rng.to_unit(value)


class MixedOptimizer:
    """Acquisition maximisation over one search space's box (see the module docstring)."""

    def __init__(self, space: SearchSpace) -> None:
        self.space = space
        self.numeric: list[int] = []
        self.integers: list[_Integer] = []
        self.blocks: list[slice] = []
        for r, dims in zip(space.ranges, space.dims, strict=True):
            if isinstance(r, CategoricalRange):
                self.blocks.append(dims)
                continue
            self.numeric.append(dims.start)
            if r.integer:
                count = int(r.high - r.low) + 1
                positions = (
                    np.array([r.to_unit(r.low + i) for i in range(count)])
                    if count <= _POSITION_LIMIT
                    else None
                )
                self.integers.append(_Integer(dims.start, r, positions))
        self.categorical = [i for b in self.blocks for i in range(b.start, b.stop)]
        self.continuous = [i for i in self.numeric if i not in {g.dim for g in self.integers}]
        self._all = self._enumerate()

    def _enumerate(self) -> np.ndarray | None:
        """Every valid point when the space is finite and small, else None."""
        if self.continuous or not self.space.ranges:
            return None
        axes: list[list[np.ndarray]] = []
        for r, dims in zip(self.space.ranges, self.space.dims, strict=True):
            width = dims.stop - dims.start
            if isinstance(r, CategoricalRange):
                axes.append(list(np.eye(width)))
            else:
                g = next(g for g in self.integers if g.dim == dims.start)
                if g.positions is None:
                    return None
                axes.append([np.array([p]) for p in g.positions])
        if math.prod(len(a) for a in axes) > ENUMERATE_LIMIT:
            return None
        return np.array([np.concatenate(combo) for combo in itertools.product(*axes)])

    def snap(self, x: np.ndarray) -> np.ndarray:
        """Nearest valid points: integers at their positions, one-hot blocks at their argmax."""
        x = np.clip(x, 0.0, 1.0)
        for g in self.integers:
            x[:, g.dim] = g.snap(x[:, g.dim])
        for b in self.blocks:
            hot = np.argmax(x[:, b], axis=1)
            x[:, b] = np.eye(b.stop - b.start)[hot]
        return x

    def random(self, count: int, rng: np.random.Generator) -> np.ndarray:
        return self.snap(rng.random((count, self.space.dim)))

    def perturb(self, anchors: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
        """Points near `anchors`: a few numeric dims nudged, sometimes a categorical changed."""
        base = anchors[rng.integers(len(anchors), size=count)].copy()
        params = len(self.space.ranges)
        p = min(1.0, 2.0 / params)
        if self.numeric:
            scale = rng.choice([0.02, 0.05, 0.1, 0.2], size=(count, 1))
            mask = rng.random((count, len(self.numeric))) < p
            noise = rng.normal(size=(count, len(self.numeric))) * scale * mask
            base[:, self.numeric] += noise
        for b in self.blocks:
            flip = rng.random(count) < p
            fresh = np.eye(b.stop - b.start)[rng.integers(b.stop - b.start, size=count)]
            base[flip, b] = fresh[flip]
        return self.snap(base)

    def maximise(
        self,
        acquisition: AcquisitionFunction,
        anchors: np.ndarray,
        rng: np.random.Generator,
        accept: Accept,
        local: bool = True,
    ) -> np.ndarray | None:
        """The acceptable valid point with the highest acquisition value found, or None when
        no acceptable point is left (a finite space fully tried). `local=False` skips the
        search near the anchors and the refinement (see the module docstring)."""
        if local or self._all is not None:
            pool = self._pool(anchors, rng)
        else:
            pool = self.random(GLOBAL_POOL, rng)
        values = _score(acquisition, pool)
        if local and self._all is None:
            starts = pool[np.argsort(-values, kind="stable")[:STARTS]]
            better = self._climb(acquisition, self._refine(acquisition, starts, rng))
            pool = np.vstack([better, pool])
            values = np.concatenate([_score(acquisition, better), values])
        for i in np.argsort(-values, kind="stable"):
            if accept(pool[i]):
                return np.asarray(pool[i])
        return None

    def thompson(
        self, model: Model, anchors: np.ndarray, rng: np.random.Generator, accept: Accept
    ) -> np.ndarray | None:
        """The acceptable pool point where one joint sample of the model's posterior is best.

        Thompson sampling explores where the model is unsure in proportion to how likely the
        optimum is there, which EI, fond of the incumbent's neighbourhood, does too little of
        on objectives with plateaus. Call with torch's generator seeded."""
        pool = self._pool(anchors, rng)
        with torch.no_grad(), expected_warnings():
            posterior = model.posterior(torch.as_tensor(pool, dtype=DTYPE))
            draw = posterior.rsample().reshape(-1).numpy()
        for i in np.argsort(-draw, kind="stable"):
            if accept(pool[i]):
                return np.asarray(pool[i])
        return None

    def _pool(self, anchors: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Candidates to score: every configuration of a small space, else random points
        and perturbations of the anchors."""
        if self._all is not None:
            return self._all
        parts = [self.random(RANDOM_POOL, rng)]
        if len(anchors):
            parts.append(self.perturb(anchors, LOCAL_POOL, rng))
        return np.unique(np.vstack(parts), axis=0)

    def _refine(
        self, acquisition: AcquisitionFunction, starts: np.ndarray, rng: np.random.Generator
    ) -> np.ndarray:
        """Zero-order local search over the numeric dimensions, categoricals fixed: perturb
        the best points at shrinking scales and keep whatever scores higher. A few batched
        evaluations instead of dozens of sequential gradient steps."""
        if not self.numeric:
            return starts
        points, values = starts, _score(acquisition, starts)
        for scale in REFINE_SCALES:
            moved = np.repeat(points, REFINE_MOVES, axis=0)
            noise = rng.normal(scale=scale, size=(len(moved), len(self.numeric)))
            moved[:, self.numeric] += noise
            moved = self.snap(moved)
            points = np.vstack([points, moved])
            values = np.concatenate([values, _score(acquisition, moved)])
            best = np.argsort(-values, kind="stable")[: len(starts)]
            points, values = points[best], values[best]
        return points

    def _climb(self, acquisition: AcquisitionFunction, starts: np.ndarray) -> np.ndarray:
        """Greedy moves on the lattice of integer steps and categorical values."""
        if not self.integers and not self.blocks:
            return starts
        out = []
        for x in starts:
            best, value = x, float(_score(acquisition, x[None])[0])
            for _ in range(CLIMB_STEPS):
                moves = self._neighbours(best)
                if not len(moves):
                    break
                scores = _score(acquisition, moves)
                i = int(np.argmax(scores))
                if scores[i] <= value:
                    break
                best, value = moves[i], float(scores[i])
            out.append(best)
        return np.array(out)

    def _neighbours(self, x: np.ndarray) -> np.ndarray:
        moves = []
        for g in self.integers:
            for direction in (-1, 1):
                u = g.step(float(x[g.dim]), direction)
                if u is not None:
                    moved = x.copy()
                    moved[g.dim] = u
                    moves.append(moved)
        for b in self.blocks:
            for j in range(b.start, b.stop):
                if x[j] < 0.5:
                    moved = x.copy()
                    moved[b] = 0.0
                    moved[j] = 1.0
                    moves.append(moved)
        return np.array(moves)


def _score(acquisition: AcquisitionFunction, x: np.ndarray) -> np.ndarray:
    """Acquisition values of `n x d` points, in chunks, without gradients."""
    out: list[np.ndarray] = []
    with torch.no_grad(), expected_warnings():
        for start in range(0, len(x), _CHUNK):
            chunk = torch.as_tensor(x[start : start + _CHUNK], dtype=DTYPE).unsqueeze(1)
            out.append(acquisition(chunk).numpy())
    return np.concatenate(out) if out else np.zeros(0)
