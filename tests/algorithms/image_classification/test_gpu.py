"""The GPU path: mixed precision on every GPU of the machine (skipped without CUDA)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from tests.algorithms.image_classification.conftest import RunJob

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU"),
]


@pytest.mark.parametrize("precision", ["float32", "float16"])
@pytest.mark.parametrize("augmentation", [None, "crop_color"])
def test_training_on_the_gpus(
    packed_digits: Path, run_job: RunJob, precision: str, augmentation: str | None
) -> None:
    hyperparameters = {
        "num_classes": "10",
        "num_training_samples": "400",
        "num_layers": "20",
        "image_shape": "3,8,8",
        "mini_batch_size": "32",
        "optimizer": "nag",
        "learning_rate": "0.02",
        "epochs": "4",
        "precision_dtype": precision,
    } | ({"augmentation_type": augmentation} if augmentation else {})
    channels = {"train": packed_digits / "train", "validation": packed_digits / "validation"}
    job = run_job(hyperparameters, channels)
    assert job.code == 0, job.failure
    assert any(line.endswith(f"on {torch.cuda.device_count()} GPU(s)") for line in job.log)
    accuracy = max(float(line.split("=")[1]) for line in job.log if "Validation-accuracy=" in line)
    assert accuracy >= 0.8
