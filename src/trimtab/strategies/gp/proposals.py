"""Model-based proposals: from observed losses to the next configurations to try.

`propose` is the Bayesian strategy's engine, kept free of tuning-job bookkeeping so that other
strategies can reuse it: Hyperband proposes new configurations from the losses its jobs reached
at a rung (as BOHB does), the Bayesian strategy from final objectives. It is a pure function of
its arguments: the same observations, pending configurations and seed give the same proposals.

Per call: warp the losses (`warping`), give failed configurations the worst warped value (so
the model steers away from regions that crash, instead of proposing them again), fit a GP
(`model`), then pick `n` configurations one after another by log expected improvement over the
best predicted loss, each time with the pending configurations and the ones already picked
believed to come out at their predicted values, so parallel jobs go to different places. The
last `thompson` picks are Thompson samples instead (exploration). A configuration that was
observed, is pending, or was picked earlier in the batch is never proposed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np
import torch
from botorch.acquisition.analytic import LogExpectedImprovement
from botorch.models.model import Model
from botorch.posteriors.gpytorch import GPyTorchPosterior

from trimtab.space import SearchSpace
from trimtab.strategies._design import ConfigKey, config_key
from trimtab.strategies.gp.acquisition import MixedOptimizer
from trimtab.strategies.gp.model import DTYPE, expected_warnings, fit_gp, one_thread, subsample
from trimtab.strategies.gp.warping import warp

MIN_OBSERVATIONS = 2  # successful observations a model needs; below it, propose returns []
ANCHORS = 5  # best observed points whose neighbourhoods are searched first

Seed = int | Sequence[int]


@dataclass(frozen=True)
class Observation:
    """A configuration that ran, and its loss (lower is better; None when it failed).

    `group` names where the loss comes from: losses are warped within their group, so groups
    measured on different scales (warm start from a job on other data) become comparable.
    """

    hyperparameters: Mapping[str, str]
    loss: float | None
    group: str = ""


def usable(loss: float | None) -> bool:
    return loss is not None and math.isfinite(loss)


def warped_losses(observations: Sequence[Observation]) -> np.ndarray:
    """Per observation, its warped loss; failed ones get the worst value of the whole set."""
    z = np.full(len(observations), np.nan)
    for group in dict.fromkeys(o.group for o in observations):
        idx = [i for i, o in enumerate(observations) if o.group == group and usable(o.loss)]
        if idx:
            z[idx] = warp(np.array([observations[i].loss for i in idx], dtype=float))
    worst = float(np.nanmax(z)) if np.any(np.isfinite(z)) else 0.0
    return np.where(np.isnan(z), worst, z)


def propose(
    space: SearchSpace,
    observations: Sequence[Observation],
    pending: Sequence[Mapping[str, str]],
    n: int,
    seed: Seed,
    exclude: Iterable[Mapping[str, str]] = (),
    thompson: int = 0,
    local: bool = True,
) -> list[dict[str, str]]:
    """Up to `n` new configurations of `space`, best first (see the module docstring).

    Returns `[]` with fewer than `MIN_OBSERVATIONS` successful observations (the caller then
    samples its own way), and fewer than `n` when the space has no untried configuration left.
    `exclude` adds configurations not to propose, beyond the observed and pending ones. The
    last `thompson` of the `n` picks are Thompson samples instead of maximising LogEI.
    `local=False` maximises LogEI over a wide random sample only, without refining near the
    best observed points (`MixedOptimizer.maximise`).
    """
    if n <= 0 or sum(usable(o.loss) for o in observations) < MIN_OBSERVATIONS:
        return []
    rng = np.random.default_rng(seed)
    z = warped_losses(observations)
    keep = subsample(z, rng)
    x = np.array([space.encode(observations[i].hyperparameters) for i in keep])
    z = z[keep]
    seen: set[ConfigKey] = {
        config_key(c) for c in [*(o.hyperparameters for o in observations), *pending, *exclude]
    }
    busy = [space.encode(c) for c in pending]
    anchors = x[np.argsort(z, kind="stable")[:ANCHORS]]
    optimizer = MixedOptimizer(space)

    def accept(point: np.ndarray) -> bool:
        return config_key(space.decode(point)) not in seen

    chosen: list[dict[str, str]] = []
    with torch.random.fork_rng(), one_thread():
        torch.manual_seed(int(rng.integers(2**31)))
        model = fit_gp(x, -z)
        for i in range(n):
            believed, incumbent = _believer(model, x, busy)
            if i >= n - thompson:
                point = optimizer.thompson(believed, anchors, rng, accept)
            else:
                acquisition = LogExpectedImprovement(believed, best_f=incumbent)
                point = optimizer.maximise(acquisition, anchors, rng, accept, local)
            if point is None:
                break
            config = space.decode(point)
            seen.add(config_key(config))
            busy.append(space.encode(config))
            chosen.append(config)
    return chosen


def _mean(model: Model, x: torch.Tensor) -> torch.Tensor:
    return cast(GPyTorchPosterior, model.posterior(x)).mean


def _believer(
    model: Model, x: np.ndarray, busy: Sequence[np.ndarray]
) -> tuple[Model, torch.Tensor]:
    """The model that believes every busy point will come out at its predicted mean ("Kriging
    believer": their predictive variance collapses, so the next pick goes elsewhere), and the
    best predicted utility over observed and busy points (the incumbent)."""
    train = torch.as_tensor(x, dtype=DTYPE)
    with torch.no_grad(), expected_warnings():
        if busy:
            pending = torch.as_tensor(np.array(busy), dtype=DTYPE)
            model = model.condition_on_observations(pending, _mean(model, pending))
            train = torch.cat([train, pending])
        return model, _mean(model, train).max()
