"""What a training job leaves behind and what a later one (or `predict`) reads back.

`model/` (packed into `model.tar.gz` by the platform) holds `image-classification.pt`, the
weights of the best validation epoch (a plain state dict, loadable with
`torch.load(weights_only=True)`), `image-classification-settings.json`, what is needed to
rebuild and feed the network, and with `checkpoint_frequency` the weights of every N-th epoch
(`image-classification-0005.pt`). The checkpoints folder holds the training state of the last
epoch, so a restarted job with the same hyperparameters and data continues where it stopped.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Final

import torch

from trimtab.algorithms.image_classification.errors import ClientError, Stage

PREFIX: Final = "image-classification"
WEIGHTS: Final = f"{PREFIX}.pt"
SETTINGS: Final = f"{PREFIX}-settings.json"
STATE: Final = f"{PREFIX}-state.pt"
WEIGHT_SUFFIXES: Final = (".pt", ".pth")

StateDict = dict[str, torch.Tensor]


def epoch_weights(epoch: int) -> str:
    """The file name of epoch `epoch`'s weights (1-based, as MXNet numbers its `.params`)."""
    return f"{PREFIX}-{epoch:04d}.pt"


@dataclass(frozen=True)
class ModelSettings:
    """How to rebuild the network and prepare its input."""

    num_layers: int
    num_classes: int
    image_shape: tuple[int, int, int]
    multi_label: bool
    resize: int | None
    epoch: int  # the epoch the weights come from (1-based)
    validation_accuracy: float | None
    hyperparameters: Mapping[str, Any]

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ModelSettings:
        raw = json.loads(text)
        raw["image_shape"] = tuple(raw["image_shape"])
        return cls(**raw)


def _atomic_save(obj: object, path: Path) -> None:
    partial = path.with_name(path.name + ".partial")
    torch.save(obj, partial)
    os.replace(partial, path)


def save_weights(state: StateDict, path: Path) -> None:
    _atomic_save({k: v.detach().cpu() for k, v in state.items()}, path)


def save_model(model_dir: Path, state: StateDict, settings: ModelSettings) -> None:
    model_dir.mkdir(parents=True, exist_ok=True)
    save_weights(state, model_dir / WEIGHTS)
    (model_dir / SETTINGS).write_text(settings.to_json(), encoding="utf-8")


def _load(data: bytes | Path, name: str) -> Any:
    try:
        return torch.load(io.BytesIO(data) if isinstance(data, bytes) else data, weights_only=True)
    except Exception as error:  # torch raises many types for a file that is not its own
        raise ClientError(f"{name} is not a PyTorch state dict ({error})", Stage.MODEL) from None


def read_model(path: Path) -> tuple[ModelSettings, StateDict]:
    """Settings and weights from a `model.tar.gz` (or an unpacked model folder)."""
    if path.is_dir():
        files = {p.name: p.read_bytes() for p in path.iterdir() if p.name in (WEIGHTS, SETTINGS)}
    else:
        try:
            with tarfile.open(path) as archive:
                members = [
                    m for m in archive.getmembers() if Path(m.name).name in (WEIGHTS, SETTINGS)
                ]
                files = {Path(m.name).name: _read_member(archive, m) for m in members}
        except (tarfile.TarError, OSError) as error:
            raise ClientError(
                f"{path.name} is not a readable model.tar.gz ({error})", Stage.MODEL
            ) from None
    if set(files) != {WEIGHTS, SETTINGS}:
        raise ClientError(
            f"{path.name} is not a model of this algorithm: it lacks {WEIGHTS} or {SETTINGS}",
            Stage.MODEL,
        )
    settings = ModelSettings.from_json(files[SETTINGS].decode("utf-8"))
    return settings, _load(files[WEIGHTS], f"{path.name}/{WEIGHTS}")


def _read_member(archive: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    file = archive.extractfile(member)
    if file is None:
        raise tarfile.TarError(f"{member.name} is not a file")
    return file.read()


def model_channel_file(folder: Path) -> Path:
    """The one model in a `model` channel: a `.tar.gz` of this algorithm, its unpacked
    content (the channel folder itself is returned), or a state dict."""
    if (folder / SETTINGS).is_file():
        return folder
    found = sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and (p.name.endswith(".tar.gz") or p.suffix in WEIGHT_SUFFIXES)
    )
    if len(found) != 1:
        raise ClientError(
            f"the 'model' channel must hold exactly one model.tar.gz or .pt/.pth file, found "
            f"{len(found)}",
            Stage.MODEL,
        )
    return found[0]


def read_weights(path: Path) -> tuple[ModelSettings | None, StateDict]:
    """A model channel's weights: this algorithm's model (with settings) or a bare state dict."""
    if path.is_dir() or path.name.endswith(".tar.gz"):
        return read_model(path)
    state = _load(path, path.name)
    if isinstance(state, dict) and isinstance(state.get("state_dict"), dict):
        state = state["state_dict"]
    if not isinstance(state, dict):
        raise ClientError(f"{path.name} does not hold a state dict", Stage.MODEL)
    return None, state


def run_key(hyperparameters: Mapping[str, Any], data: Mapping[str, int]) -> str:
    """Identifies a run's configuration: a checkpoint is resumed only by the same one."""
    text = json.dumps({"hyperparameters": hyperparameters, "data": data}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def save_state(folder: Path, state: dict[str, Any]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    _atomic_save(state, folder / STATE)


def load_state(folder: Path, key: str) -> dict[str, Any] | None:
    """The saved training state of the same configuration, or None (none, or another run's)."""
    path = folder / STATE
    if not path.is_file():
        return None
    try:
        state = torch.load(path, weights_only=True)
    except Exception:  # a damaged checkpoint is ignored: training starts over
        return None
    return state if isinstance(state, dict) and state.get("key") == key else None
