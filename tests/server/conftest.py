"""A real `trimtab serve` on 127.0.0.1 (an ephemeral port) for each test, and boto3 clients
signed for it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.jobs import SCRIPTS
from trimtab.testing.serving import Served


@pytest.fixture
def allowed(tmp_path: Path) -> Path:
    folder = tmp_path / "work"
    folder.mkdir()
    return folder


@pytest.fixture
def server(tmp_path: Path, allowed: Path) -> Iterator[Served]:
    running = Served(tmp_path / "home", [allowed, SCRIPTS]).start()
    yield running
    running.clean_up()


@pytest.fixture
def sagemaker(server: Served) -> Any:
    return server.client()


@pytest.fixture
def logs(server: Served) -> Any:
    return server.client("logs")
