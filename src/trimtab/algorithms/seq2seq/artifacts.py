"""The model folder (packed as `model.tar.gz` by the platform): weights, vocabularies and the
hyperparameters, which is everything `translate` needs to rebuild the model.

| file | content |
| --- | --- |
| `model.pt` | the best checkpoint's `state_dict` (`torch.save`) |
| `vocab.src.json`, `vocab.trg.json` | the vocabularies, as the `vocab` channel gave them |
| `hyperparameters.json` | every hyperparameter's value, strings, as `hyperparameters.json` |

Files are replaced atomically, so a job stopped mid-write leaves the previous best intact.
"""

from __future__ import annotations

import json
import os
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

import torch

from trimtab.algorithms.errors import ClientError
from trimtab.algorithms.seq2seq import SOURCE_VOCAB, TARGET_VOCAB
from trimtab.algorithms.seq2seq.hyperparameters import (
    Hyperparameters,
    parse_hyperparameters,
    to_wire,
)
from trimtab.algorithms.seq2seq.model import Seq2Seq, build_model
from trimtab.algorithms.seq2seq.vocab import Vocabulary

WEIGHTS = "model.pt"
HYPERPARAMETERS = "hyperparameters.json"


def _replace(path: Path, write: object) -> None:
    partial = path.with_name(path.name + ".partial")
    if isinstance(write, bytes):
        partial.write_bytes(write)
    else:
        torch.save(write, partial)
    os.replace(partial, path)


def write_config(
    model_dir: Path, hp: Hyperparameters, source: Vocabulary, target: Vocabulary
) -> None:
    """What does not change during training: written once, before the first checkpoint."""
    model_dir.mkdir(parents=True, exist_ok=True)
    _replace(model_dir / HYPERPARAMETERS, json.dumps(to_wire(hp), indent=2).encode())
    source.write(model_dir / SOURCE_VOCAB)
    target.write(model_dir / TARGET_VOCAB)


def write_weights(model_dir: Path, model: Seq2Seq) -> None:
    state = {name: tensor.detach().cpu() for name, tensor in model.state_dict().items()}
    _replace(model_dir / WEIGHTS, state)


@dataclass(frozen=True)
class TrainedModel:
    hp: Hyperparameters
    model: Seq2Seq
    source_vocab: Vocabulary
    target_vocab: Vocabulary


def load(path: Path, device: torch.device) -> TrainedModel:
    """A trained model from its folder or its `model.tar.gz`, in eval mode on `device`."""
    if path.is_file():
        with tempfile.TemporaryDirectory() as folder:
            try:
                with tarfile.open(path) as archive:
                    archive.extractall(folder, filter="data")
            except tarfile.TarError as error:
                raise ClientError(f"{path} is not a model.tar.gz: {error}") from None
            return load(Path(folder), device)
    missing = [
        n
        for n in (WEIGHTS, HYPERPARAMETERS, SOURCE_VOCAB, TARGET_VOCAB)
        if not (path / n).is_file()
    ]
    if missing:
        raise ClientError(f"{path} is not a trained Seq2Seq model: {', '.join(missing)} missing")
    hp = parse_hyperparameters(json.loads((path / HYPERPARAMETERS).read_text(encoding="utf-8")))
    source, target = Vocabulary.read(path / SOURCE_VOCAB), Vocabulary.read(path / TARGET_VOCAB)
    model = build_model(hp, len(source), len(target))
    model.load_state_dict(torch.load(path / WEIGHTS, map_location="cpu", weights_only=True))
    model.to(device).eval()
    return TrainedModel(hp, model, source, target)
