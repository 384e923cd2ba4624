"""`ConvergenceDetected`: stop tuning when a further 1% improvement has become unlikely.

The test is the regret bound of Makarova et al. ("Automatic Termination for Hyperparameter
Optimization", AutoML 2022): fit a Gaussian process to the losses seen so far; the best
configuration tried is at most `min UCB(observed)`, the best anywhere in the space is at least
`min LCB(space)`, so the difference bounds how much better the search can still get. When that
bound falls below 1% of the best loss, the job has converged. The check waits for enough data
(`min_trials`, at least 10 and twice the space's dimension) before it can fire. It needs the
`bayesian` extra (BoTorch), imported only when a job asks for this criterion.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np

from trimtab import extras
from trimtab.completion.criteria import IMPROVEMENT
from trimtab.space import SearchSpace

BETA = 2.0  # confidence width in posterior standard deviations (~95%)
CANDIDATES = 1024


def min_trials(space: SearchSpace) -> int:
    return max(10, 2 * space.dim)


def regret_bound(
    space: SearchSpace, configs: Sequence[dict[str, str]], losses: Sequence[float], seed: int
) -> float:
    """Upper bound (in loss units) on how much the best loss found can still improve."""
    try:
        import torch
        from botorch.fit import fit_gpytorch_mll
        from botorch.models import SingleTaskGP
        from gpytorch.mlls import ExactMarginalLogLikelihood
    except ModuleNotFoundError as error:
        if not extras.lacks("bayesian", error):
            raise
        raise extras.missing(
            "bayesian", "TuningJobCompletionCriteria.ConvergenceDetected", error
        ) from None
    x = torch.tensor(np.array([space.encode(c) for c in configs]), dtype=torch.float64)
    y = torch.tensor(np.asarray(losses, dtype=float), dtype=torch.float64).unsqueeze(-1)
    rng = np.random.default_rng([seed, len(configs), 2])
    samples = [space.encode(space.decode(u)) for u in rng.random((CANDIDATES, space.dim))]
    candidates = torch.cat([x, torch.tensor(np.array(samples), dtype=torch.float64)])
    with warnings.catch_warnings():
        # a tiny or flat history makes GPyTorch warn about jitter and fit restarts: expected here
        warnings.simplefilter("ignore", category=UserWarning)
        warnings.simplefilter("ignore", category=RuntimeWarning)
        with torch.random.fork_rng():
            torch.manual_seed(int(rng.integers(2**31)))
            model = SingleTaskGP(x, y)
            fit_gpytorch_mll(ExactMarginalLogLikelihood(model.likelihood, model))
            with torch.no_grad():
                posterior = model.posterior(candidates)
                mean = posterior.mean.squeeze(-1)
                width = BETA * posterior.variance.clamp_min(0).sqrt().squeeze(-1)
    best_seen = (mean[: len(configs)] + width[: len(configs)]).min()
    best_possible = (mean - width).min()
    return float(best_seen - best_possible)


def converged(
    space: SearchSpace, configs: Sequence[dict[str, str]], losses: Sequence[float], seed: int
) -> bool:
    """True when improving the best loss by 1% or more has become unlikely."""
    if len(configs) < min_trials(space):
        return False
    best = min(losses)
    return regret_bound(space, configs, losses, seed) < IMPROVEMENT * max(abs(best), 1e-12)
