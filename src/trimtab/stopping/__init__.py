"""Stoppers: early stopping (SageMaker's `Auto`, the median rule). Hyperband's rungs are a
stopper too; they live with the strategy that places them (`strategies/hyperband.py`)."""

from trimtab.stopping.base import Stopper
from trimtab.stopping.median import MedianStopper

__all__ = ["MedianStopper", "Stopper"]
