"""`trimtab image-classification pack` and `predict`, through trimtab's command line."""

from __future__ import annotations

import io
import json
import random
import tarfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from trimtab.algorithms.image_classification import artifacts, recordio, resnet
from trimtab.algorithms.image_classification.lst import read_list
from trimtab.cli import main


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Classes `b` (2 PNGs), `a/deep` (1 JPEG, nested), `c` (3 PNGs), plus a stray text file."""
    root = tmp_path / "images"
    rng = np.random.default_rng(0)
    for path in ["b/1.png", "b/0.png", "a/deep/x.JPG", "c/1.png", "c/2.png", "c/3.png"]:
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(rng.integers(0, 256, (10, 20, 3), dtype=np.uint8)).save(root / path)
    (root / "c" / "notes.txt").write_text("not an image")
    return root


def records(path: Path) -> list[recordio.ImageRecord]:
    return [recordio.ImageRecord.unpack(p) for _, p in recordio.iter_records(path.read_bytes())]


def test_pack_lists_splits_and_packs_as_im2rec(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert (
        main(
            [
                "image-classification",
                "pack",
                str(folder),
                str(out),
                "--encoding",
                ".png",
                "--resize",
                "5",
            ]
        )
        == 0
    )
    assert capsys.readouterr().out.startswith("3 classes, 4 train, 2 validation images")
    assert (out / "labels.txt").read_text() == "a/deep\nb\nc\n"  # walk order: sorted folders
    walked = [(0, "a/deep/x.JPG", 0), (1, "b/0.png", 1), (2, "b/1.png", 1)] + [
        (3 + i, f"c/{i + 1}.png", 2) for i in range(3)
    ]
    random.seed(100)
    random.shuffle(walked)
    train, validation = (
        read_list(out / "train_lst" / "train.lst"),
        read_list(out / "validation_lst" / "validation.lst"),
    )
    assert [(e.index, e.path, int(e.labels[0])) for e in train + validation] == walked
    packed = records(out / "train" / "train.rec")
    assert [(r.id, r.labels) for r in packed] == [(e.index, e.labels) for e in train]
    assert Image.open(io.BytesIO(packed[0].image)).size == (10, 5)  # shorter side 5, as im2rec
    index = (out / "train" / "train.idx").read_text().splitlines()
    data = (out / "train" / "train.rec").read_bytes()
    for line, record in zip(index, packed, strict=True):
        key, offset = map(int, line.split("\t"))
        assert key == record.id
        assert recordio.ImageRecord.unpack(recordio.read_at(data, offset)[0]) == record


def test_pack_pass_through_and_list_only(folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert (
        main(
            [
                "image-classification",
                "pack",
                str(folder),
                str(out),
                "--pass-through",
                "--train-ratio",
                "1",
                "--no-shuffle",
            ]
        )
        == 0
    )
    packed = records(out / "train" / "train.rec")
    assert packed[0].image == (folder / "a" / "deep" / "x.JPG").read_bytes()
    assert not (out / "validation").exists()
    listed = tmp_path / "listed"
    assert main(["image-classification", "pack", str(folder), str(listed), "--list-only"]) == 0
    assert sorted(p.name for p in listed.rglob("*") if p.is_file()) == [
        "labels.txt",
        "train.lst",
        "validation.lst",
    ]


def test_pack_an_empty_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["image-classification", "pack", str(tmp_path), str(tmp_path / "out")]) == 1
    assert "no .jpeg, .jpg, .png images under" in capsys.readouterr().err


def test_predict_prints_one_json_line_per_image(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = tmp_path / "model"
    settings = artifacts.ModelSettings(20, 3, (3, 8, 8), False, 9, 1, 0.5, {})
    artifacts.save_model(model, resnet.build(20, 3, 3).state_dict(), settings)
    with tarfile.open(tmp_path / "model.tar.gz", "w:gz") as archive:
        for entry in model.iterdir():
            archive.add(entry, arcname=entry.name)
    (tmp_path / "labels.txt").write_text("cat\ndog\nbird\n")
    images = [str(folder / "b" / "0.png"), str(folder / "a" / "deep" / "x.JPG")]
    assert (
        main(
            [
                "image-classification",
                "predict",
                str(tmp_path / "model.tar.gz"),
                *images,
                "--labels",
                str(tmp_path / "labels.txt"),
            ]
        )
        == 0
    )
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["file"] for line in lines] == images
    for line in lines:
        assert len(line["prediction"]) == 3 and abs(sum(line["prediction"]) - 1) < 1e-4
        assert line["label"] == ["cat", "dog", "bird"][line["class"]]
    assert main(["image-classification", "predict", str(tmp_path / "labels.txt"), images[0]]) == 1
    assert "is not a readable model.tar.gz" in capsys.readouterr().err
