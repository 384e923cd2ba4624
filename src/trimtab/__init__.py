"""trimtab: SageMaker-style automatic model tuning on your own machine.

The Python API mirrors the SageMaker Python SDK's tuner; see `trimtab.sdk`.
"""

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
