"""Stores: where tuning jobs, training jobs and metric points live."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import URL

from trimtab.settings import default_home
from trimtab.store.base import Finish, Store, TrialFinishedError, TuningJobRecord
from trimtab.store.sql import SqlStore

__all__ = [
    "Finish",
    "SqlStore",
    "Store",
    "TrialFinishedError",
    "TuningJobRecord",
    "open_store",
]


def open_store(url: str | None = None, home: str | Path | None = None) -> SqlStore:
    """The store every process of one setup shares: ``<home>/trimtab.db`` unless `url` says."""
    home_path = default_home() if home is None else Path(home).expanduser().absolute()
    # URL.create rather than an f-string, so a path holding '?' or '%' is not parsed as a query.
    return SqlStore(url or URL.create("sqlite", database=str(home_path / "trimtab.db")), home_path)
