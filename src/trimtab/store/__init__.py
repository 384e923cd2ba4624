"""Stores: where tuning jobs, training jobs and metric points live."""

from trimtab.store.base import Finish, Store, TrialFinishedError, TuningJobRecord

__all__ = ["Finish", "Store", "TrialFinishedError", "TuningJobRecord"]
