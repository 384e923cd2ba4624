"""Fixtures for the Seq2Seq tests: the tiny task's channels, and one CPU thread."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.algorithms.seq2seq.helpers import make_channels


@pytest.fixture(scope="session")
def channels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_channels(tmp_path_factory.mktemp("seq2seq-channels"))


@pytest.fixture
def one_thread() -> Iterator[None]:
    """Tiny models run fastest on one thread, and a busy machine cannot stall it."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
