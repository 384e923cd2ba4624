"""Stoppers: early stopping (SageMaker's `Auto`, the median rule) and Hyperband's rungs."""

from trimtab.stopping.base import Curves, Decision, Stopper
from trimtab.stopping.median import MedianStopper

__all__ = ["Curves", "Decision", "MedianStopper", "Stopper"]
