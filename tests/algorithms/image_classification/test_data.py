"""From channel folders to batches: formats detected, labels checked, images cropped and
augmented, the same batches whether the images are kept in memory or decoded each epoch."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from tests.algorithms.image_classification.helpers import digits, write_folder
from trimtab.algorithms.image_classification import channels as channels_module
from trimtab.algorithms.image_classification import pipeline
from trimtab.algorithms.image_classification.channels import ChannelConfig, Layout, layout, load
from trimtab.algorithms.image_classification.errors import ClientError, from_worker
from trimtab.algorithms.image_classification.hyperparameters import (
    Augmentation,
    HyperParameters,
    parse,
)
from trimtab.algorithms.image_classification.images import Cropper, prepare, resized_size
from trimtab.algorithms.image_classification.lst import ListEntry, write_list
from trimtab.algorithms.image_classification.sources import FileSource, LabelSpec


def hp(**values: str) -> HyperParameters:
    return parse({"num_classes": "10", "num_training_samples": "40"} | values)


def configs(**folders: tuple[Path, str | None]) -> dict[str, ChannelConfig]:
    return {name: ChannelConfig(name, path, kind) for name, (path, kind) in folders.items()}


def test_recordio_channels(small_digits: Path) -> None:
    packed = small_digits / "packed"
    train, validation = load(
        configs(
            train=(packed / "train", None),
            validation=(packed / "validation", "application/x-recordio"),
        ),
        hp(image_shape="1,8,8"),
    )
    assert (len(train), len(validation)) == (30, 10)
    assert train.targets.dtype == np.int64


def test_image_and_list_channels_need_resize(small_digits: Path) -> None:
    packed, images = small_digits / "packed", small_digits / "images"
    folders = configs(
        train=(images, "application/x-image"),
        validation=(images, "application/x-image"),
        train_lst=(packed / "train_lst", "application/x-image"),
        validation_lst=(packed / "validation_lst", "application/x-image"),
    )
    with pytest.raises(
        ClientError,
        match="the hyperparameter 'resize' is required with ContentType 'application/x-image'",
    ):
        load(folders, hp(image_shape="1,8,8"))
    train, validation = load(folders, hp(image_shape="1,8,8", resize="8"))
    assert isinstance(train, FileSource)
    assert (len(train), len(validation)) == (30, 10)


def test_a_manifest_channel_with_class_ids(small_digits: Path, tmp_path: Path) -> None:
    manifest = tmp_path / "manifest"
    manifest.mkdir()
    images = small_digits / "images"
    lines = [
        {"source-ref": f"{images}/class_{i % 10}/img_{i:04d}.png", "class": f"[{i % 10}]"}
        for i in range(4)
    ]
    (manifest / "train.manifest").write_text("\n".join(json.dumps(line) for line in lines))
    channel = ChannelConfig("train", manifest, "application/x-recordio; label-format=class-id")
    assert layout(channel, {}) is Layout.MANIFEST
    source = channels_module._source(channel, {}, hp(multi_label="1"))
    assert source.targets.shape == (4, 10)
    assert source.targets[3].tolist() == [0, 0, 0, 1, 0, 0, 0, 0, 0, 0]


@pytest.mark.parametrize(
    ("folders", "message"),
    [
        (
            {"train": "packed/train"},
            r"the 'validation' channel is required \(channels given: train\)",
        ),
        (
            {"train": "images", "validation": "images"},
            "channel 'train' holds no .rec file and no augmented manifest",
        ),
    ],
)
def test_missing_channels_and_data(
    small_digits: Path, folders: dict[str, str], message: str
) -> None:
    with pytest.raises(ClientError, match=message):
        load(configs(**{n: (small_digits / p, None) for n, p in folders.items()}), hp())


def test_unsupported_content_type(small_digits: Path) -> None:
    channel = ChannelConfig("train", small_digits / "packed" / "train", "text/csv")
    with pytest.raises(ClientError, match="ContentType 'text/csv' is not supported"):
        layout(channel, {})


def test_labels_are_checked() -> None:
    with pytest.raises(ClientError, match=r"a\.png: label 10 is not a class id in \[0, 10\)"):
        LabelSpec(10).targets([(10.0,)], ["a.png"])
    with pytest.raises(ClientError, match="multi_label=1 needs 3 labels of 0 or 1 per image"):
        LabelSpec(3, multi_label=True).targets([(1.0, 2.0, 0.0)], ["a.png"])
    assert LabelSpec(3, multi_label=True).targets([(1.0, 0.0, 1.0)], ["a"]).tolist() == [[1, 0, 1]]


def test_resizing_rounds_as_im2rec() -> None:
    assert resized_size(width=10, height=20, shorter=5) == (5, 10)
    assert resized_size(width=30, height=20, shorter=7) == (10, 7)


@pytest.mark.parametrize("augmentation", [None, *Augmentation])
@pytest.mark.parametrize("channels", [1, 3])
def test_every_augmentation_makes_the_input_shape(
    augmentation: Augmentation | None, channels: int
) -> None:
    image = np.random.default_rng(0).integers(0, 256, (12, 14, channels), dtype=np.uint8)
    rng = np.random.default_rng(1)
    out = Cropper(8, 10, augmentation)(image, rng, "x")
    assert out.shape == (8, 10, channels) and out.dtype == np.uint8
    if augmentation is None:
        assert np.array_equal(out, image[2:10, 2:12])


def test_an_image_smaller_than_the_crop_is_refused() -> None:
    with pytest.raises(
        ClientError,
        match=r"x\.png: the image is 8x8 pixels, smaller than image_shape \(16x16\); "
        "set the hyperparameter 'resize' to at least 16",
    ):
        Cropper(16, 16)(np.zeros((8, 8, 1), np.uint8), None, "x.png")


def test_a_file_that_is_no_image() -> None:
    with pytest.raises(ClientError, match=r"bad\.png: not a readable image"):
        prepare(b"not an image", 3, None, "bad.png")


def _settings(**changes: int) -> pipeline.Settings:
    return pipeline.Settings(channels=1, height=8, width=8, resize=None, batch_size=7, **changes)  # type: ignore[arg-type]


def test_kept_and_streamed_batches_are_the_same(small_digits: Path) -> None:
    packed = small_digits / "packed"
    source, _ = load(
        configs(train=(packed / "train", None), validation=(packed / "validation", None)), hp()
    )
    kept = pipeline.batches(source, _settings(), Cropper(8, 8), train=False)
    streamed = pipeline.batches(source, _settings(cache_bytes=0), Cropper(8, 8), train=False)
    assert isinstance(kept, pipeline.TensorBatches) and not isinstance(
        streamed, pipeline.TensorBatches
    )
    for (a, ta), (b, tb) in zip(kept, streamed, strict=True):
        assert a.dtype == torch.uint8 and a.shape[1:] == (1, 8, 8)
        assert torch.equal(a, b) and torch.equal(ta, tb)


def test_training_batches_shuffle_and_skip_a_last_batch_of_one(small_digits: Path) -> None:
    packed = small_digits / "packed"
    source, _ = load(
        configs(train=(packed / "train", None), validation=(packed / "validation", None)), hp()
    )
    settings = pipeline.Settings(channels=1, height=8, width=8, resize=None, batch_size=29)
    for cropper in (Cropper(8, 8), Cropper(8, 8, Augmentation.CROP)):
        sizes = [len(t) for _, t in pipeline.batches(source, settings, cropper, train=True)]
        assert sizes == [29]  # 30 images: the lone 30th would break batch norm


def test_a_worker_process_error_reads_as_the_original(tmp_path: Path) -> None:
    images, labels = digits(4)
    root = write_folder(tmp_path / "images", images, labels)
    entries = [
        ListEntry(i, (float(labels[i]),), f"class_{labels[i]}/img_{i:04d}.png") for i in range(4)
    ]
    write_list(tmp_path / "x.lst", entries)
    source = FileSource(
        "train",
        LabelSpec(10).targets([e.labels for e in entries], ["x"] * 4),
        paths=[root / e.path for e in entries],
    )
    settings = pipeline.Settings(
        channels=1, height=16, width=16, resize=None, batch_size=2, workers=1, cache_bytes=0
    )
    with pytest.raises(ClientError) as caught:
        list(pipeline.batches(source, settings, Cropper(16, 16), train=False))
    error = from_worker(caught.value)
    assert error is not None
    assert error.detail.startswith(f"{root}/class_0/img_0000.png: the image is 8x8 pixels")


def test_crop_batches_cut_a_random_crop_or_its_mirror_of_each_image() -> None:
    images = torch.arange(6 * 2 * 5 * 6).reshape(6, 2, 5, 6)  # every pixel different
    batches = pipeline.CroppedTensorBatches(
        images, torch.arange(6), batch_size=4, crop=Cropper(3, 4, Augmentation.CROP), seed=0
    )
    seen = 0
    for _ in range(5):
        for batch, targets in batches:
            assert batch.shape[1:] == (2, 3, 4)
            for image, target in zip(batch, targets.tolist(), strict=True):
                crops = [
                    images[target, :, top : top + 3, left : left + 4]
                    for top in range(3)
                    for left in range(3)
                ]
                assert any(torch.equal(image, c) or torch.equal(image, c.flip(2)) for c in crops)
                seen += 1
    assert seen == 30
