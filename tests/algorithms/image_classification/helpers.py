"""Tiny data sets and job folders for the image-classification tests."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image
from sklearn.datasets import load_digits

from trimtab.opt_ml import MlPaths


def digits(count: int | None = None) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]:
    """scikit-learn's 8x8 digits as uint8 images (0-255) and their labels, `count` of them."""
    data = load_digits()
    images = np.round(data.images[:count] * (255 / 16)).astype(np.uint8)
    return images, data.target[:count].astype(np.int64)


def write_folder(root: Path, images: npt.NDArray[np.uint8], labels: npt.NDArray[np.int64]) -> Path:
    """One sub-folder of PNG files per class, as `pack` takes them."""
    for i, (image, label) in enumerate(zip(images, labels, strict=True)):
        path = root / f"class_{label}" / f"img_{i:04d}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(image).save(path)
    return root


def make_job(
    base: Path,
    hyperparameters: Mapping[str, str],
    channels: Mapping[str, Path],
    content_types: Mapping[str, str] | None = None,
) -> MlPaths:
    """A job's /opt/ml-style folder, as trimtab's backend lays it out."""
    config = base / "input" / "config"
    data = base / "input" / "data"
    config.mkdir(parents=True)
    data.mkdir(parents=True)
    (config / "hyperparameters.json").write_text(json.dumps(dict(hyperparameters)))
    types = content_types or {}
    input_config = {
        name: ({"ContentType": types[name]} if name in types else {})
        | {"TrainingInputMode": "File"}
        for name in channels
    }
    (config / "inputdataconfig.json").write_text(json.dumps(input_config))
    for name, source in channels.items():  # linked as trimtab's backend links them
        if source.is_dir():
            (data / name).symlink_to(source.absolute(), target_is_directory=True)
        else:
            (data / name).mkdir()
            (data / name / source.name).symlink_to(source.absolute())
    return MlPaths.under(base)
