"""The surrogate: a BoTorch `SingleTaskGP` fitted to (box point, warped loss) pairs.

The model is BoTorch's default "vanilla BO" GP (Hvarfner et al., 2024): one lengthscale per box
dimension under a dimension-scaled log-normal prior, inferred noise, and a standardised
outcome; it holds up from 2 to 30+ dimensions without tuning, which is what a service that
knows nothing about the user's objective needs. The kernel is Matern-5/2 rather than the
default RBF: hyperparameter responses have kinks and plateaus (a tree's depth, a learning rate
that diverges), and the rougher kernel keeps the search from settling on a local plateau
(docs/bayesian.md).
Categorical one-hot blocks are ordinary dimensions to the kernel (two different values are a
fixed distance apart), and the acquisition search only ever evaluates valid one-hot points
(see `acquisition`).

Fitting is cubic in the number of points, so at most `MAX_POINTS` are modelled: the best
quarter of them and a seeded random sample of the rest, which keeps a job with a thousand
finished training jobs well under two seconds per suggestion.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import torch
from botorch.exceptions.warnings import OptimizationWarning
from botorch.fit import fit_gpytorch_mll
from botorch.models import SingleTaskGP
from botorch.models.utils.gpytorch_modules import get_covar_module_with_dim_scaled_prior
from gpytorch.mlls import ExactMarginalLogLikelihood
from linear_operator.utils.warnings import NumericalWarning  # type: ignore[import-untyped]
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

MAX_POINTS = 200
FIT_MAXITER = 75
# L-BFGS-B stops when the marginal likelihood improves by less than this (relative); scipy's
# default (2.2e-9) spends the last half of a small fit on changes in the fourth decimal of
# the likelihood, and at 16 points a batch of 4 then took 0.44 s instead of 0.28 s.
FIT_FTOL = 1e-6
DTYPE = torch.float64


@contextmanager
def expected_warnings() -> Iterator[None]:
    """Silence the two warnings BO raises in normal operation, and nothing else: L-BFGS
    stopping at its iteration cap, and jitter added to a nearly singular kernel matrix."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OptimizationWarning)
        warnings.simplefilter("ignore", NumericalWarning)
        yield


@contextmanager
def one_thread() -> Iterator[None]:
    """Run torch and the BLAS/OpenMP libraries on one thread each, then restore them.

    The matrices here are tiny (a few hundred rows), so threads only add synchronisation, and
    torch's OpenMP pool and the OpenBLAS pools of NumPy and SciPy compete for the same cores:
    on a machine busy with training jobs that made a suggestion 2-20x slower. (Optuna's
    GPSampler limits threads for the same reason; BoTorch itself uses threadpoolctl.)
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(limits=1):
            yield
    finally:
        torch.set_num_threads(threads)


def subsample(losses: np.ndarray, rng: np.random.Generator, limit: int = MAX_POINTS) -> np.ndarray:
    """Indices of the points to model: all of them, or the best quarter plus a random rest."""
    n = len(losses)
    if n <= limit:
        return np.arange(n)
    order = np.argsort(losses, kind="stable")
    best = order[: limit // 4]
    rest = rng.choice(order[limit // 4 :], size=limit - len(best), replace=False)
    return np.sort(np.concatenate([best, rest]))


def fit_gp(x: np.ndarray, utility: np.ndarray) -> SingleTaskGP:
    """A GP of `utility` (higher is better, as BoTorch maximises) over box points `x`.

    Call inside `torch.random.fork_rng()` with a seed set: fitting restarts draw from torch's
    generator when an attempt fails.
    """
    train_x = torch.as_tensor(x, dtype=DTYPE)
    train_y = torch.as_tensor(utility, dtype=DTYPE).unsqueeze(-1)
    kernel = get_covar_module_with_dim_scaled_prior(train_x.shape[-1], use_rbf_kernel=False)
    model = SingleTaskGP(train_x, train_y, covar_module=kernel)
    mll = ExactMarginalLogLikelihood(model.likelihood, model)
    with expected_warnings():
        options = {"maxiter": FIT_MAXITER, "ftol": FIT_FTOL}
        fit_gpytorch_mll(mll, optimizer_kwargs={"options": options})
    return model
