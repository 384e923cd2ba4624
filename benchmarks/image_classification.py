"""Training throughput of the image-classification algorithm against a bare PyTorch loop.

Both train the same ResNet (trimtab's, `resnet.build`) at the same input size and batch size
with SGD: the bare loop on a random tensor already in memory (on the GPU when there is one),
the algorithm as a real training job (`python -m trimtab.algorithms.image_classification`
reading a RecordIO channel of JPEG images, with its decoding, metrics and checkpoints). Each
runs in its own process, alternately, `--repeats` times; a run's speed is the median of its
epochs after the first (warm-up), and the table shows the best run of each. The goal is a
ratio of at least 0.9.

Usage: python -m benchmarks.image_classification [--preset cpu|gpu] [--threads N] [...]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from benchmarks.report import REPORT, write_section
from trimtab.algorithms._recordio import write_records
from trimtab.algorithms.image_classification.recordio import ImageRecord

PRESETS: dict[str, dict[str, Any]] = {
    "cpu": {"layers": 20, "size": 32, "images": 2048, "batch": 64, "epochs": 4},
    "gpu": {"layers": 50, "size": 224, "images": 4096, "batch": 128, "epochs": 5},
}
SPEED = re.compile(r"Epoch\[(\d+)\] Speed: ([0-9.]+) samples/sec")


def write_rec(path: Path, count: int, size: int, seed: int) -> None:
    """`count` smooth random JPEG images (noise upscaled: realistic sizes and decode cost)."""
    rng = np.random.default_rng(seed)
    path.parent.mkdir(parents=True, exist_ok=True)

    def payloads() -> Iterator[bytes]:
        for i in range(count):
            small = rng.integers(0, 256, (size // 8 + 1, size // 8 + 1, 3), dtype=np.uint8)
            image = Image.fromarray(small).resize((size, size), Image.Resampling.BILINEAR)
            out = io.BytesIO()
            image.save(out, format="JPEG", quality=95)
            yield ImageRecord((float(i % 10),), i, out.getvalue()).pack()

    with path.open("wb") as file:
        write_records(file, payloads())


def run_job(root: Path, args: argparse.Namespace, env: dict[str, str]) -> list[float]:
    """Per-epoch speeds (images/s) of a real training job of the algorithm."""
    base = Path(tempfile.mkdtemp(dir=root))
    config = base / "input" / "config"
    config.mkdir(parents=True)
    (base / "input" / "data").mkdir()
    for channel in ("train", "validation"):
        (base / "input" / "data" / channel).symlink_to(root / channel)
    hyperparameters = {
        "num_classes": "10",
        "num_training_samples": str(args.images),
        "num_layers": str(args.layers),
        "image_shape": f"3,{args.size},{args.size}",
        "mini_batch_size": str(args.batch),
        "epochs": str(args.epochs),
        "learning_rate": "0.05",
        "precision_dtype": args.precision,
    }
    if args.augmentation:
        hyperparameters["augmentation_type"] = args.augmentation
    (config / "hyperparameters.json").write_text(json.dumps(hyperparameters))
    content = {"ContentType": "application/x-recordio"}
    (config / "inputdataconfig.json").write_text(
        json.dumps(dict.fromkeys(("train", "validation"), content))
    )
    module = "trimtab.algorithms.image_classification"
    done = subprocess.run(
        [sys.executable, "-m", module],
        env=env | {"SAGEMAKER_BASE_DIR": str(base)},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"training job failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return [float(m.group(2)) for m in SPEED.finditer(done.stdout)]


def bare_loop(args: argparse.Namespace) -> list[float]:
    """Per-epoch speeds of the textbook loop over an in-memory tensor (run with --bare)."""
    import torch

    from trimtab.algorithms.image_classification import resnet

    cuda = torch.cuda.is_available()
    device = torch.device("cuda" if cuda else "cpu")
    torch.manual_seed(0)
    model = resnet.build(args.layers, 10, 3).to(device)
    x = torch.randn(args.images, 3, args.size, args.size, device=device)
    y = torch.randint(0, 10, (args.images,), device=device)
    if cuda:
        model = model.to(memory_format=torch.channels_last)  # type: ignore[call-overload]
        x = x.contiguous(memory_format=torch.channels_last)
        torch.backends.cudnn.benchmark = True
    float16 = args.precision == "float16" and cuda
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-4)
    scaler = torch.amp.GradScaler("cuda", enabled=float16)
    loss_fn = torch.nn.CrossEntropyLoss()
    model.train()
    speeds = []
    for _ in range(args.epochs):
        order = torch.randperm(args.images, device=device)
        start = time.perf_counter()
        for i in range(0, args.images, args.batch):
            index = order[i : i + args.batch]
            with torch.autocast("cuda", dtype=torch.float16, enabled=float16):
                loss = loss_fn(model(x[index]), y[index])
            optimizer.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
        if cuda:
            torch.cuda.synchronize()
        speeds.append(args.images / (time.perf_counter() - start))
    return speeds


def run_bare(args: argparse.Namespace, env: dict[str, str]) -> list[float]:
    argv = [sys.executable, "-m", "benchmarks.image_classification", "--bare"]
    for name in ("layers", "size", "images", "batch", "epochs", "precision"):
        argv += [f"--{name}", str(getattr(args, name))]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=True)
    speeds: list[float] = json.loads(done.stdout.strip().splitlines()[-1])
    return speeds


def steady(speeds: list[float]) -> float:
    """A run's speed: the median epoch after the first."""
    return statistics.median(speeds[1:] if len(speeds) > 1 else speeds)


def device_name() -> str:
    import torch

    if torch.cuda.is_available():
        return f"{torch.cuda.device_count()} x {torch.cuda.get_device_name(0)}"
    return f"CPU ({os.cpu_count()} cores), {torch.get_num_threads()} threads"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", choices=PRESETS, help="default: gpu when there is one")
    for name in ("layers", "size", "images", "batch", "epochs"):
        parser.add_argument(f"--{name}", type=int)
    parser.add_argument("--precision", choices=("float32", "float16"), default="float32")
    parser.add_argument("--augmentation", help="augmentation_type of the training job")
    parser.add_argument("--threads", type=int, help="OMP_NUM_THREADS of both processes")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--bare", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--no-write", action="store_true", help="print, leave docs alone")
    parser.add_argument("--merge-from", type=Path, help="take the rows of another benchmarks.md")
    args = parser.parse_args()
    if args.merge_from:
        publish(
            [],
            f"python -m benchmarks.image_classification --merge-from {args.merge_from}",
            args.merge_from,
        )
        return
    if args.bare:
        print(json.dumps(bare_loop(args)))
        return
    import torch

    preset = PRESETS[args.preset or ("gpu" if torch.cuda.is_available() else "cpu")]
    for name, value in preset.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    env = dict(os.environ) | {"TRIMTAB_DATA_WORKERS": os.environ.get("TRIMTAB_DATA_WORKERS", "")}
    env = {k: v for k, v in env.items() if v}
    if args.threads:
        env["OMP_NUM_THREADS"] = str(args.threads)
        torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        write_rec(root / "train" / "train.rec", args.images, args.size, seed=0)
        write_rec(
            root / "validation" / "validation.rec",
            max(args.batch, args.images // 16),
            args.size,
            seed=1,
        )
        ours, bare = [], []
        for _ in range(args.repeats):
            bare.append(steady(run_bare(args, env)))
            ours.append(steady(run_job(root, args, env)))
            print(f"bare {bare[-1]:.1f} images/s, training job {ours[-1]:.1f} images/s", flush=True)
    row = (
        f"| {device_name()} | ResNet-{args.layers} | 3x{args.size}x{args.size} | {args.images} | "
        f"{args.batch} | {args.precision} | {args.augmentation or 'none'} | {max(bare):.0f} | "
        f"{max(ours):.0f} | {max(ours) / max(bare):.2f} |"
    )
    print(HEADER)
    print(row)
    if not args.no_write:
        publish([row], "python -m benchmarks.image_classification " + " ".join(sys.argv[1:]))


COLUMNS = [
    "device", "model", "input", "images", "batch", "precision", "augmentation",
    "bare loop, images/s", "training job, images/s", "ratio",
]  # fmt: skip
HEADER = f"| {' | '.join(COLUMNS)} |\n|{' --- |' * len(COLUMNS)}"
KEY_COLUMNS = 7  # a row is replaced by a new measurement of the same first seven columns


def section_rows(path: Path) -> list[str]:
    """The table rows of this benchmark's section in a report file."""
    text = path.read_text() if path.exists() else ""
    match = re.search(
        r"<!-- begin image-classification -->(.*?)<!-- end image-classification -->", text, re.S
    )
    lines = match.group(1).splitlines() if match else []
    return [
        line
        for line in lines
        if line.startswith("| ") and not line.startswith(("| ---", "| device "))
    ]


def publish(rows: list[str], command: str, source: Path = REPORT) -> None:
    """Write the section: earlier rows (from `source`, by default the report itself), with
    rows of the same configuration replaced by the new ones."""

    def key(row: str) -> tuple[str, ...]:
        return tuple(cell.strip() for cell in row.strip("|").split("|")[:KEY_COLUMNS])

    merged = {key(row): row for row in section_rows(REPORT)}
    merged |= {key(row): row for row in section_rows(source) + rows}
    body = f"{HEADER}\n" + "\n".join(merged.values()) + f"\n\n{NOTE}"
    write_section(
        "image-classification", "Image Classification: training throughput", command, body
    )


NOTE = (
    "Same ResNet, input size, batch size and SGD in both columns. The bare loop indexes a random "
    "tensor already in memory; the training job decodes a RecordIO channel of JPEGs (once, as the "
    "data set fits in memory; on a GPU it stays there), computes its accuracy and writes its "
    "checkpoints. Speeds are the median epoch after the first, best of the runs. Each row was "
    "measured on the device it names (GPU rows on a lent GPU machine, merged here with "
    "`--merge-from`)."
)


if __name__ == "__main__":
    main()
