"""Shared fixtures: packed digits, and training jobs run in this process."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch

from tests.algorithms.image_classification.helpers import digits, make_job, write_folder
from trimtab.algorithms.image_classification import __main__ as entry_point
from trimtab.algorithms.image_classification.pack import PackOptions, pack
from trimtab.opt_ml import MlPaths


@dataclass(frozen=True)
class JobRun:
    code: int
    paths: MlPaths
    log: list[str]

    @property
    def failure(self) -> str:
        return self.paths.failure.read_text() if self.paths.failure.exists() else ""


RunJob = Callable[..., JobRun]


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def _collecting() -> Iterator[_Collect]:
    handler, root = _Collect(), logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def run_training(
    base: Path,
    hyperparameters: Mapping[str, str],
    channels: Mapping[str, Path],
    content_types: Mapping[str, str] | None = None,
) -> JobRun:
    """Run a training job in this process (a job's folder may be run again: a restart)."""
    paths = (
        MlPaths.under(base)
        if base.exists()
        else make_job(base, hyperparameters, channels, content_types)
    )
    with pytest.MonkeyPatch.context() as patch, _collecting() as log:
        patch.setenv("SAGEMAKER_BASE_DIR", str(base))
        patch.setenv("TRIMTAB_DATA_WORKERS", "0")  # tiny data: worker processes cost more
        patch.setattr(entry_point, "configure_logging", lambda: None)
        code = entry_point.main()
    return JobRun(code, paths, log.messages)


@pytest.fixture(autouse=True, scope="session")
def _one_thread() -> Iterator[None]:
    """One compute thread: on a busy machine, a second thread waiting at every barrier for a
    core that another process holds makes tiny convolutions ten times slower."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def digits_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    images, labels = digits(500)
    return write_folder(tmp_path_factory.mktemp("digits") / "images", images, labels)


@pytest.fixture(scope="session")
def packed_digits(digits_folder: Path) -> Path:
    """`pack` output for 500 digits: train (400) and validation (100) RecordIO channels."""
    out = digits_folder.parent / "packed"
    pack(digits_folder, out, PackOptions(encoding=".png", color=0))
    return out


@pytest.fixture(scope="session")
def small_digits(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """40 digits: `images/` and its `pack` output `packed/` (30 train, 10 validation)."""
    base = tmp_path_factory.mktemp("small")
    images, labels = digits(40)
    write_folder(base / "images", images, labels)
    pack(base / "images", base / "packed", PackOptions(encoding=".png", color=0, train_ratio=0.75))
    return base


@pytest.fixture
def run_job(tmp_path: Path) -> RunJob:
    counter = iter(range(1000))

    def run(
        hyperparameters: Mapping[str, str],
        channels: Mapping[str, Path],
        content_types: Mapping[str, str] | None = None,
    ) -> JobRun:
        return run_training(
            tmp_path / f"job{next(counter)}", hyperparameters, channels, content_types
        )

    return run
