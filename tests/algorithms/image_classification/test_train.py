"""Training jobs of the algorithm, run in this process on tiny data sets."""

from __future__ import annotations

import json
import tarfile
import time
from pathlib import Path

import pytest
import torch

from tests.algorithms.image_classification.conftest import JobRun, RunJob, run_training
from tests.algorithms.image_classification.helpers import digits
from trimtab.algorithms import BUILTINS
from trimtab.algorithms.image_classification import artifacts, resnet
from trimtab.algorithms.image_classification.lst import ListEntry, write_list
from trimtab.algorithms.image_classification.predict import Predictor
from trimtab.metrics import compile_definitions, parse_lines

DIGITS = {
    "num_classes": "10",
    "num_training_samples": "400",
    "num_layers": "20",
    "image_shape": "1,8,8",
    "mini_batch_size": "32",
    "optimizer": "nag",
    "learning_rate": "0.02",
    "epochs": "3",
    "top_k": "2",
    "checkpoint_frequency": "1",
    "_tuning_objective_metric": "validation:accuracy",
}
TINY = DIGITS | {"num_training_samples": "30", "epochs": "1", "mini_batch_size": "8"}
TINY.pop("checkpoint_frequency")


def rec_channels(packed: Path) -> dict[str, Path]:
    return {"train": packed / "train", "validation": packed / "validation"}


@pytest.fixture(scope="module")
def digits_job(tmp_path_factory: pytest.TempPathFactory, packed_digits: Path) -> JobRun:
    job = run_training(
        tmp_path_factory.mktemp("trained") / "job", DIGITS, rec_channels(packed_digits)
    )
    assert job.code == 0, job.failure
    return job


def model_tar(job: JobRun, folder: Path) -> Path:
    """model/ packed as the platform packs it."""
    path = folder / "model.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        for entry in sorted(job.paths.model.iterdir()):
            archive.add(entry, arcname=entry.name)
    return path


def test_a_model_learns_digits(digits_job: JobRun) -> None:
    settings = artifacts.ModelSettings.from_json(
        (digits_job.paths.model / artifacts.SETTINGS).read_text()
    )
    assert settings.validation_accuracy is not None and settings.validation_accuracy >= 0.85
    assert (settings.num_layers, settings.num_classes, settings.image_shape) == (20, 10, (1, 8, 8))


def test_metric_lines_parse_with_the_default_definitions(digits_job: JobRun) -> None:
    definitions = compile_definitions(BUILTINS["image-classification"].metric_definitions())
    points = parse_lines(digits_job.log, definitions, time.time())
    by_name: dict[str, list[float]] = {}
    for point in points:
        by_name.setdefault(point.name, []).append(point.value)
    assert set(by_name) == {
        "train:accuracy",
        "validation:accuracy",
        "train:top_k_accuracy",
        "validation:top_k_accuracy",
    }
    assert all(len(values) == 3 for values in by_name.values())  # one per epoch
    assert all(0 <= v <= 1 for values in by_name.values() for v in values)
    assert max(by_name["validation:accuracy"]) >= 0.85
    assert "Epoch[2] Validation-top_k_accuracy_2=" in "\n".join(digits_job.log)


def test_weights_settings_and_checkpoints_are_saved(digits_job: JobRun) -> None:
    model = {p.name for p in digits_job.paths.model.iterdir()}
    epochs = {artifacts.epoch_weights(e) for e in (1, 2, 3)}
    assert model == {artifacts.WEIGHTS, artifacts.SETTINGS} | epochs
    checkpoints = {p.name for p in digits_job.paths.checkpoints.iterdir()}
    assert checkpoints == {artifacts.STATE} | epochs


def test_a_restarted_job_resumes_from_its_checkpoint(
    digits_job: JobRun, packed_digits: Path
) -> None:
    again = run_training(digits_job.paths.base, DIGITS, rec_channels(packed_digits))
    assert again.code == 0
    assert "resuming from the checkpoint of epoch 3" in again.log
    assert not any("Train-accuracy" in line for line in again.log)


def test_predict_classifies_image_files(
    digits_job: JobRun, digits_folder: Path, tmp_path: Path
) -> None:
    files = sorted(digits_folder.rglob("*.png"))[::25]
    predictions = Predictor(model_tar(digits_job, tmp_path)).predict(files)
    assert [len(p.probabilities) for p in predictions] == [10] * len(files)
    assert all(abs(sum(p.probabilities) - 1) < 1e-4 for p in predictions)
    right = sum(p.best == int(p.path.parent.name.removeprefix("class_")) for p in predictions)
    assert right >= 0.8 * len(files)


def test_incremental_training_starts_from_the_previous_model(
    digits_job: JobRun, small_digits: Path, tmp_path: Path, run_job: RunJob
) -> None:
    model = model_tar(digits_job, tmp_path)
    channels = rec_channels(small_digits / "packed") | {"model": model}
    job = run_job(TINY | {"learning_rate": "0"}, channels)
    assert job.code == 0, job.failure
    assert "incremental training from model.tar.gz (epoch 3)" in job.log
    validation = [line for line in job.log if "Validation-accuracy" in line]
    assert float(validation[0].split("=")[1]) >= 0.7  # no learning here: the weights came in

    other = run_job(TINY | {"image_shape": "1,6,6"}, channels)
    assert other.code == 1
    assert "image_shape=1,8,8, this job 1,6,6; they must match" in other.failure


def test_transfer_learning_from_a_torchvision_style_state_dict(
    small_digits: Path, tmp_path: Path, run_job: RunJob
) -> None:
    torch.save(resnet.build(18, 1000, 3).state_dict(), tmp_path / "resnet18.pth")
    channels = rec_channels(small_digits / "packed") | {"model": tmp_path / "resnet18.pth"}
    job = run_job(TINY | {"num_layers": "18", "use_pretrained_model": "1"}, channels)
    assert job.code == 0, job.failure
    assert "transfer learning from resnet18.pth: all layers but fc loaded" in job.log

    wrong = run_job(TINY | {"num_layers": "34", "use_pretrained_model": "1"}, channels)
    assert wrong.code == 1
    assert "the weights in resnet18.pth are not a ResNet of this depth" in wrong.failure


@pytest.mark.parametrize(
    ("hyperparameters", "failure"),
    [
        (
            TINY | {"optimizer": "lbfgs"},
            "Value 'lbfgs' for hyperparameter 'optimizer' failed to satisfy constraint",
        ),
        (
            TINY | {"dropout": "0.5"},
            "Additional hyperparameters are not allowed ('dropout' was unexpected)",
        ),
        (
            TINY | {"use_pretrained_model": "1", "num_layers": "18"},
            "use_pretrained_model=1 needs the pretrained weights in a 'model' channel",
        ),
        (
            TINY | {"image_shape": "1,16,16"},
            "the image is 8x8 pixels, smaller than image_shape (16x16)",
        ),
    ],
)
def test_a_failing_job_says_why_in_output_failure(
    small_digits: Path, run_job: RunJob, hyperparameters: dict[str, str], failure: str
) -> None:
    job = run_job(hyperparameters, rec_channels(small_digits / "packed"))
    assert job.code == 1
    assert job.failure.startswith("ClientError: Unable to initialize the algorithm.")
    assert failure in job.failure


def test_a_missing_channel_fails(small_digits: Path, run_job: RunJob) -> None:
    job = run_job(TINY, {"train": small_digits / "packed" / "train"})
    assert job.code == 1
    assert "Caused by: the 'validation' channel is required" in job.failure


def test_multi_label_from_list_channels_with_weighted_loss(
    small_digits: Path, tmp_path: Path, run_job: RunJob
) -> None:
    """Two labels per digit, multi-hot: its class and whether it is even."""
    _, labels = digits(40)
    entries = []
    for i, label in enumerate(labels.tolist()):
        hot = [float(c == label) for c in range(10)] + [float(label % 2 == 0)]
        entries.append(ListEntry(i, tuple(hot), f"class_{label}/img_{i:04d}.png"))
    for name, part in (("train", entries[:30]), ("validation", entries[30:])):
        (tmp_path / name).mkdir()
        write_list(tmp_path / name / f"{name}.lst", part)
    images = small_digits / "images"
    channels = {"train": images, "validation": images} | {
        f"{n}_lst": tmp_path / n for n in ("train", "validation")
    }
    types = dict.fromkeys(channels, "application/x-image")
    hyperparameters = TINY | {
        "num_classes": "11",
        "multi_label": "1",
        "use_weighted_loss": "1",
        "resize": "8",
    }
    job = run_job(hyperparameters, channels, types)
    assert job.code == 0, job.failure
    assert any(line.startswith("Epoch[0] Validation-accuracy=") for line in job.log)
    assert "top_k applies to single-label classification only: ignored" in job.log


def test_an_augmented_manifest_with_augmentation(
    small_digits: Path, tmp_path: Path, run_job: RunJob
) -> None:
    _, labels = digits(40)
    for name, part in (("train", range(30)), ("validation", range(30, 40))):
        (tmp_path / name).mkdir()
        lines = [
            {
                "source-ref": str(
                    small_digits / "images" / f"class_{labels[i]}" / f"img_{i:04d}.png"
                ),
                "class": str(labels[i]),
            }
            for i in part
        ]
        (tmp_path / name / f"{name}.manifest").write_text(
            "\n".join(json.dumps(line) for line in lines)
        )
    hyperparameters = TINY | {
        "image_shape": "3,8,8",
        "resize": "10",
        "augmentation_type": "crop_color_transform",
    }
    job = run_job(hyperparameters, {n: tmp_path / n for n in ("train", "validation")})
    assert job.code == 0, job.failure
    assert "channel train: augmented manifest" in job.log


def test_early_stopping_and_settings_without_effect_here(
    small_digits: Path, run_job: RunJob
) -> None:
    hyperparameters = TINY | {
        "epochs": "6",
        "learning_rate": "0",  # nothing improves after the first epoch
        "early_stopping": "True",
        "early_stopping_min_epochs": "1",
        "early_stopping_patience": "1",
        "precision_dtype": "float16",
        "kv_store": "dist_sync",
        "lr_scheduler_step": "1",
    }
    job = run_job(hyperparameters, rec_channels(small_digits / "packed"))
    assert job.code == 0, job.failure
    stopped = [line for line in job.log if line.startswith("early stopping after epoch ")]
    assert len(stopped) == 1
    last = int(stopped[0].rsplit(" ", 1)[1])
    assert last < 5 and not any(line.startswith(f"Epoch[{last + 1}]") for line in job.log)
    on_cpu = "precision_dtype=float16 needs a GPU: training in float32 on the CPU" in job.log
    assert on_cpu is not torch.cuda.is_available()
    assert "kv_store=dist_sync: one machine, nothing to synchronise" in job.log
