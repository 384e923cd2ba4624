"""A tiny translation task (digit words -> the digits, reversed) and in-process jobs.

The task needs attention and a vocabulary mapping, yet a model with a few thousand
parameters learns it in a few hundred updates, so tests stay fast.
"""

from __future__ import annotations

import json
import random
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from trimtab.algorithms.seq2seq import CHANNELS
from trimtab.algorithms.seq2seq.__main__ import main
from trimtab.algorithms.seq2seq.prepare import prepare

DIGITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]

# A small model and short runs: every test that trains starts from these.
TINY: dict[str, str] = {
    "rnn_num_hidden": "32",
    "cnn_num_hidden": "32",
    "num_embed_source": "16",
    "num_embed_target": "16",
    "batch_size": "16",
    "max_seq_len_source": "8",
    "max_seq_len_target": "8",
    "checkpoint_frequency_num_batches": "3",
    "max_num_batches": "6",
    "bleu_sample_size": "8",
    "beam_size": "2",
}


def reversed_digits(count: int, seed: int) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    pairs = []
    for _ in range(count):
        digits = [rng.randrange(10) for _ in range(rng.randint(2, 5))]
        source = " ".join(DIGITS[d] for d in digits)
        pairs.append((source, " ".join(str(d) for d in reversed(digits))))
    return pairs


def write_text(folder: Path, name: str, pairs: list[tuple[str, str]]) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = folder / f"{name}.src", folder / f"{name}.trg"
    for path, side in zip(paths, (0, 1), strict=True):
        path.write_text("".join(pair[side] + "\n" for pair in pairs), encoding="utf-8")
    return paths


def make_channels(folder: Path, train_size: int = 400, val_size: int = 40) -> Path:
    """The three channels of the tiny task under `folder`."""
    text = folder / "text"
    prepare(
        write_text(text, "train", reversed_digits(train_size, 1)),
        write_text(text, "validation", reversed_digits(val_size, 2)),
        folder,
    )
    return folder


@dataclass(frozen=True)
class JobResult:
    code: int
    lines: list[str]
    base: Path

    @property
    def failure(self) -> str:
        return (self.base / "output" / "failure").read_text(encoding="utf-8")

    @property
    def model_dir(self) -> Path:
        return self.base / "model"


def make_job(
    base: Path, channels: Path | None, hyperparameters: Mapping[str, str], skip: str = ""
) -> Path:
    """A job's /opt/ml-style tree; the channel named `skip` is left out."""
    (base / "input" / "config").mkdir(parents=True)
    (base / "input" / "data").mkdir()
    config = base / "input" / "config" / "hyperparameters.json"
    config.write_text(json.dumps(dict(hyperparameters)), encoding="utf-8")
    for name in CHANNELS:
        if channels is not None and name != skip:
            (base / "input" / "data" / name).symlink_to(channels / name)
    return base


def run_job(base: Path, capsys: pytest.CaptureFixture[str]) -> JobResult:
    """The entry point's `main` in this process, with its printed lines."""
    code = main({"SAGEMAKER_BASE_DIR": str(base)})
    out = capsys.readouterr().out
    return JobResult(code, out.splitlines(), base)
