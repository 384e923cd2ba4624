"""Gaussian-process proposals on BoTorch/GPyTorch (the `bayesian` extra).

Importing this package imports torch and BoTorch, so only the Bayesian strategy's factory
does, on first use. The modules: `warping` (losses a GP can model), `model` (the GP),
`acquisition` (maximising qLogNEI over a mixed box), `proposals` (observations in, proposals
out: the entry point other strategies reuse).
"""

from __future__ import annotations

import warnings

with warnings.catch_warnings():
    # linear_operator (under GPyTorch) decorates functions with torch.jit.script at import,
    # which torch >= 2.10 reports as deprecated; the decorated code still runs.
    warnings.filterwarnings(
        "ignore", message=r"`torch\.jit\.script` is deprecated", category=DeprecationWarning
    )
    import botorch  # noqa: F401

from trimtab.strategies.gp.proposals import MIN_OBSERVATIONS, Observation, propose, usable

__all__ = ["MIN_OBSERVATIONS", "Observation", "propose", "usable"]
