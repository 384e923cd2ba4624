"""Shared fixtures: every test gets its own TRIMTAB_HOME under tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest

from trimtab.store import open_store
from trimtab.store.base import Store


@pytest.fixture(autouse=True)
def trimtab_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "trimtab-home"
    monkeypatch.setenv("TRIMTAB_HOME", str(home))
    return home


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return open_store(home=tmp_path / "home")
