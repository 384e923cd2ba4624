"""trimtab: SageMaker-style automatic model tuning on your own machine.

The Python API mirrors the SageMaker Python SDK's tuner; see `trimtab.sdk`. Its names load on
first use, so that training processes importing `trimtab.algorithms` start fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from trimtab.sdk import (
        CategoricalParameter,
        ContinuousParameter,
        Estimator,
        HyperparameterTuner,
        HyperparameterTuningJobAnalytics,
        IntegerParameter,
        TrainingInput,
    )

__version__ = "0.1.0"

__all__ = [
    "CategoricalParameter",
    "ContinuousParameter",
    "Estimator",
    "HyperparameterTuner",
    "HyperparameterTuningJobAnalytics",
    "IntegerParameter",
    "TrainingInput",
    "__version__",
]


if not TYPE_CHECKING:  # the type checker sees the imports above, and no catch-all attribute

    def __getattr__(name: str) -> Any:
        if name in __all__:
            return getattr(importlib.import_module("trimtab.sdk"), name)
        raise AttributeError(f"module 'trimtab' has no attribute {name!r}")
