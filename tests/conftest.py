"""Shared fixtures: every test gets its own TRIMTAB_HOME under tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def trimtab_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "trimtab-home"
    monkeypatch.setenv("TRIMTAB_HOME", str(home))
    return home
