"""The `/opt/ml` tree of one training job: one model for both sides of the container contract.

The platform side (`backends.contract`) builds the tree under a job's own folder and points
`SAGEMAKER_BASE_DIR` at it; the training job's side (`algorithms._container`, or any script)
finds it again from its environment. Only paths here, no I/O.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

OPT_ML: Final = "/opt/ml"


@dataclass(frozen=True)
class MlPaths:
    """The tree; `base` is its `SAGEMAKER_BASE_DIR` (SageMaker's `/opt/ml`)."""

    base: Path
    model: Path
    checkpoints: Path

    @classmethod
    def under(
        cls, base: Path, *, model: Path | None = None, checkpoints: str | None = None
    ) -> MlPaths:
        """The tree at `base`. `checkpoints` is CheckpointConfig.LocalPath (SageMaker's default
        `/opt/ml/checkpoints`): a path under `/opt/ml` moves into the tree like everything else,
        any other is used as given."""
        local = checkpoints or f"{OPT_ML}/checkpoints"
        inside = local == OPT_ML or local.startswith(OPT_ML + "/")
        return cls(
            base=base,
            model=model or base / "model",
            checkpoints=base / local.removeprefix(OPT_ML).lstrip("/") if inside else Path(local),
        )

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] = os.environ) -> MlPaths:
        """The tree as a training job sees it: `SAGEMAKER_BASE_DIR` (else `/opt/ml`), with
        `SM_MODEL_DIR` where the platform says the model goes."""
        base = Path(environ.get("SAGEMAKER_BASE_DIR") or OPT_ML)
        model = environ.get("SM_MODEL_DIR")
        return cls.under(base, model=Path(model) if model else None)

    @property
    def input(self) -> Path:
        return self.base / "input"

    @property
    def config(self) -> Path:
        return self.input / "config"

    @property
    def data(self) -> Path:
        """One folder (or link) per channel."""
        return self.input / "data"

    @property
    def output(self) -> Path:
        return self.base / "output"

    @property
    def output_data(self) -> Path:
        return self.output / "data"

    @property
    def intermediate(self) -> Path:
        return self.output / "intermediate"

    @property
    def failure(self) -> Path:
        return self.output / "failure"

    @property
    def code(self) -> Path:
        return self.base / "code"

    def channel(self, name: str) -> Path:
        return self.data / name
