"""Output warping: losses as a GP can model them.

Real objectives are skewed (a loss near its floor, a diverged run at 1e6) and a GP with a
Gaussian likelihood is not. A Yeo-Johnson power transform, fitted by maximum likelihood (as
HEBO does) on losses scaled by their median and interquartile range, spreads the good end and
compresses the long tail, so one outlier no longer flattens everything else; ranks are kept,
so "lower is better" still holds.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import stats  # type: ignore[import-untyped]

_CLIP = 6.0  # standard deviations: beyond this a value carries no extra information


def standardise(values: np.ndarray) -> np.ndarray:
    spread = float(np.std(values))
    if not np.isfinite(spread) or spread <= 1e-12 * max(1.0, float(np.max(np.abs(values)))):
        return np.zeros_like(values)
    centred: np.ndarray = values - np.mean(values)
    return centred / spread


def _robust_scale(values: np.ndarray) -> np.ndarray:
    """Centre on the median and divide by the interquartile range, so that one huge value
    does not squash the others together before the power transform sees them."""
    q1, median, q3 = np.quantile(values, [0.25, 0.5, 0.75])
    spread = float(q3 - q1) / 1.349  # the IQR of a standard normal
    if spread <= 1e-12 * max(1.0, abs(float(median))):
        return standardise(values)
    centred: np.ndarray = values - median
    return centred / spread


def warp(losses: np.ndarray) -> np.ndarray:
    """Finite losses -> standardised, power-transformed values in the same order."""
    z = _robust_scale(np.asarray(losses, dtype=float))
    if len(z) < 3 or not np.any(z):
        return standardise(z)
    with warnings.catch_warnings():
        # The likelihood search may overflow on extreme tails; a failed fit falls back below.
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            transformed = np.asarray(stats.yeojohnson(z)[0], dtype=float)
        except (ValueError, FloatingPointError):
            transformed = z
    if not np.all(np.isfinite(transformed)):
        transformed = z
    return np.asarray(np.clip(standardise(transformed), -_CLIP, _CLIP))
