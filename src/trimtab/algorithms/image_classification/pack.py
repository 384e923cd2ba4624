"""`trimtab image-classification pack`: a folder of class folders → `.lst` and `.rec` channels.

Follows MXNet's `im2rec.py` so its output and im2rec's are interchangeable: images are
`.jpg`, `.jpeg` and `.png` files found walking the root (folders and files in sorted order);
each folder holding images is a class, numbered in the order met; indices count images in that
order; the list is shuffled with `random.seed(100)` (the same permutation as im2rec) and split
with `int(N * train_ratio)` images for training. Records carry the index as id and the label
in the header, images re-encoded (JPEG quality 95 by default, shorter side resized as im2rec
rounds) or copied as they are (`pass_through`). Decoding and encoding use Pillow, so
re-encoded bytes differ from OpenCV's, not their format.

Output, ready to use as channels: `train/train.rec` (+ `.idx`), `validation/validation.rec`,
`train_lst/train.lst`, `validation_lst/validation.lst` (paths relative to the root, so the
root itself serves as the `train` and `validation` image channels), and `labels.txt` (the
class folder of each label, one per line).
"""

from __future__ import annotations

import functools
import io
import os
import random
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from PIL import Image

from trimtab.algorithms import _recordio
from trimtab.algorithms.image_classification import recordio
from trimtab.algorithms.image_classification.images import resize_shorter
from trimtab.algorithms.image_classification.lst import ListEntry, write_list

EXTENSIONS: Final = (".jpeg", ".jpg", ".png")
IM2REC_SEED: Final = 100


@dataclass(frozen=True)
class PackOptions:
    train_ratio: float = 0.8
    shuffle: bool = True
    seed: int = IM2REC_SEED
    resize: int | None = None  # shorter side, in pixels
    center_crop: bool = False  # cut the centre square first
    encoding: str = ".jpg"  # or ".png"
    quality: int = 95  # JPEG quality
    color: int = 1  # 1: RGB, 0: grayscale, -1: as stored
    pass_through: bool = False  # copy the image files' bytes, no decoding
    list_only: bool = False  # write the .lst files only
    workers: int = 1


@dataclass(frozen=True)
class PackResult:
    classes: list[str]
    counts: dict[str, int]  # channel -> images
    files: list[Path]


def list_images(root: Path) -> tuple[list[ListEntry], list[str]]:
    """Every image under `root` with im2rec's index and label, and each label's folder."""
    entries: list[ListEntry] = []
    classes: dict[str, int] = {}
    for folder, dirs, files in os.walk(root, followlinks=True):
        dirs.sort()
        for name in sorted(files):
            path = Path(folder) / name
            if path.suffix.lower() in EXTENSIONS and path.is_file():
                label = classes.setdefault(folder, len(classes))
                entries.append(
                    ListEntry(len(entries), (float(label),), path.relative_to(root).as_posix())
                )
    names = [Path(os.path.relpath(folder, root)).as_posix() for folder in classes]
    return entries, names


def split(entries: Sequence[ListEntry], options: PackOptions) -> dict[str, list[ListEntry]]:
    """im2rec's shuffle and split: the first `int(N * train_ratio)` entries train."""
    ordered = list(entries)
    if options.shuffle:
        random.Random(options.seed).shuffle(ordered)
    if options.train_ratio >= 1.0:
        return {"train": ordered}
    cut = int(len(ordered) * options.train_ratio)
    return {"train": ordered[:cut], "validation": ordered[cut:]}


def encode_image(path: Path, options: PackOptions) -> bytes:
    """The image bytes a record carries."""
    if options.pass_through:
        return path.read_bytes()
    with Image.open(path) as opened:
        image = opened.convert({1: "RGB", 0: "L"}.get(options.color, opened.mode))
    if options.center_crop:
        side = min(image.size)
        left, top = (image.width - side) // 2, (image.height - side) // 2
        image = image.crop((left, top, left + side, top + side))
    if options.resize:
        image = resize_shorter(image, options.resize)
    out = io.BytesIO()
    if options.encoding == ".png":
        image.save(out, format="PNG")
    else:
        if image.mode not in ("L", "RGB", "CMYK"):
            image = image.convert("RGB")
        image.save(out, format="JPEG", quality=options.quality)
    return out.getvalue()


def _record(entry: ListEntry, root: Path, options: PackOptions) -> bytes:
    image = encode_image(root / entry.path, options)
    return recordio.ImageRecord(entry.labels, entry.index, image).pack()


def _records(entries: list[ListEntry], root: Path, options: PackOptions) -> Iterator[bytes]:
    make = functools.partial(_record, root=root, options=options)
    if options.workers <= 1:
        yield from map(make, entries)
        return
    with ProcessPoolExecutor(options.workers) as pool:
        yield from pool.map(make, entries, chunksize=64)


def write_records(entries: list[ListEntry], root: Path, rec: Path, options: PackOptions) -> None:
    """`rec` and its `.idx`, records in list order."""
    with rec.open("wb") as file:
        offsets = _recordio.write_records(file, _records(entries, root, options))
    recordio.write_index(rec.with_suffix(".idx"), [e.index for e in entries], offsets)


def pack(root: Path, out: Path, options: PackOptions) -> PackResult:
    """List, split and (unless `list_only`) encode the images of `root` into `out`."""
    entries, classes = list_images(root)
    if not entries:
        raise ValueError(f"no {', '.join(EXTENSIONS)} images under {root}")
    parts = split(entries, options)
    files = []
    out.mkdir(parents=True, exist_ok=True)
    (out / "labels.txt").write_text("".join(f"{name}\n" for name in classes), encoding="utf-8")
    for channel, part in parts.items():
        lst = out / f"{channel}_lst" / f"{channel}.lst"
        lst.parent.mkdir(exist_ok=True)
        write_list(lst, part)
        files.append(lst)
        if not options.list_only:
            rec = out / channel / f"{channel}.rec"
            rec.parent.mkdir(exist_ok=True)
            write_records(part, root, rec, options)
            files.append(rec)
    return PackResult(classes, {c: len(p) for c, p in parts.items()}, files)
