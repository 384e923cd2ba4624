"""The store contract (tests/contracts/store.py) over every store trimtab has, and what is
particular to the SQLite file: where it lives and how it is opened."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.contracts.store import FakeClock, StoreContract, record
from trimtab.store import SqlStore, Store, open_store
from trimtab.store.memory import MemoryStore

# Each fixture's return type makes mypy check that the store implements the Store protocol.


class TestSqliteFile(StoreContract):
    @pytest.fixture
    def store(self, tmp_path: Path, home: Path, clock: FakeClock) -> Iterator[Store]:
        with SqlStore(f"sqlite:///{tmp_path / 'trimtab.db'}", home, clock=clock) as opened:
            yield opened


class TestSqliteInMemory(StoreContract):
    @pytest.fixture
    def store(self, home: Path, clock: FakeClock) -> Iterator[Store]:
        with SqlStore("sqlite://", home, clock=clock) as opened:
            yield opened


class TestMemory(StoreContract):
    @pytest.fixture
    def store(self, home: Path, clock: FakeClock) -> Store:
        return MemoryStore(home, clock=clock)


def test_open_store_defaults_to_trimtab_home(trimtab_home: Path) -> None:
    with open_store() as store:
        store.create_tuning_job(record())
        assert store.home == trimtab_home
    assert (trimtab_home / "trimtab.db").is_file()
    with open_store() as reopened:  # the schema exists now: opening only reads it
        assert reopened.tuning_job("my-job") == record()


def test_sqlite_file_uses_wal(tmp_path: Path) -> None:
    with open_store(home=tmp_path) as store:
        store.create_tuning_job(record())
    conn = sqlite3.connect(tmp_path / "trimtab.db")  # WAL is a property of the file
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        conn.close()
