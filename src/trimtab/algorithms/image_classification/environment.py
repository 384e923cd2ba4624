"""The training job's side of the SageMaker container contract, for this algorithm.

The platform points `SAGEMAKER_BASE_DIR` at the job's `/opt/ml` equivalent (default
`/opt/ml`); this module reads `hyperparameters.json` and `inputdataconfig.json` from it, names
its folders, prints the log as SageMaker's MXNet algorithms do (`[11/24/2026 10:15:00 INFO
140245] Epoch[0] Train-accuracy=0.5`) and writes `output/failure` when the job fails.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trimtab.algorithms.image_classification.channels import ChannelConfig, channel_configs


@dataclass(frozen=True)
class JobPaths:
    base: Path

    @classmethod
    def from_env(cls) -> JobPaths:
        return cls(Path(os.environ.get("SAGEMAKER_BASE_DIR", "/opt/ml")))

    @property
    def config(self) -> Path:
        return self.base / "input" / "config"

    @property
    def data(self) -> Path:
        return self.base / "input" / "data"

    @property
    def model(self) -> Path:
        return self.base / "model"

    @property
    def checkpoints(self) -> Path:
        """SageMaker's local checkpoint path, `/opt/ml/checkpoints`, under the base folder."""
        return self.base / "checkpoints"

    @property
    def failure(self) -> Path:
        return self.base / "output" / "failure"

    def hyperparameters(self) -> dict[str, Any]:
        return _read_json(self.config / "hyperparameters.json")

    def channels(self) -> dict[str, ChannelConfig]:
        """The channels of `inputdataconfig.json`, or the folders under `input/data`."""
        config = _read_json(self.config / "inputdataconfig.json")
        if not config and self.data.is_dir():
            config = {p.name: {} for p in self.data.iterdir()}
        return channel_configs(config, self.data)

    def write_failure(self, text: str) -> None:
        self.failure.parent.mkdir(parents=True, exist_ok=True)
        self.failure.write_text(text, encoding="utf-8")


def _read_json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    content = json.loads(path.read_text(encoding="utf-8"))
    return content if isinstance(content, dict) else {}


def configure_logging() -> None:
    """MXNet-style lines on stdout, where the platform's metric regexes look."""
    logging.basicConfig(
        level=logging.INFO,
        format="[%(asctime)s %(levelname)s %(thread)d] %(message)s",
        datefmt="%m/%d/%Y %H:%M:%S",
        stream=sys.stdout,
        force=True,
    )
