"""`trimtab image-classification pack|predict`: the algorithm's data and model tools.

Registered by trimtab's CLI for the built-in algorithm. Light on purpose: torch and Pillow are
imported inside the handlers, so `trimtab --help` does not load them.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from trimtab.store import Store


def cmd_pack(store: Store, args: argparse.Namespace) -> int:
    from trimtab.algorithms.image_classification.pack import PackOptions, pack

    options = PackOptions(
        train_ratio=args.train_ratio,
        shuffle=not args.no_shuffle,
        seed=args.seed,
        resize=args.resize,
        center_crop=args.center_crop,
        encoding=args.encoding,
        quality=args.quality,
        color=args.color,
        pass_through=args.pass_through,
        list_only=args.list_only,
        workers=args.workers,
    )
    try:
        result = pack(Path(args.root), Path(args.out), options)
    except (ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    counts = ", ".join(f"{n} {c}" for c, n in result.counts.items())
    print(f"{len(result.classes)} classes, {counts} images")
    for path in result.files:
        print(path)
    return 0


def cmd_predict(store: Store, args: argparse.Namespace) -> int:
    from trimtab.algorithms.image_classification.errors import ClientError
    from trimtab.algorithms.image_classification.predict import Predictor

    labels = Path(args.labels).read_text(encoding="utf-8").splitlines() if args.labels else None
    try:
        predictions = Predictor(Path(args.model)).predict([Path(p) for p in args.images])
    except (ClientError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for prediction in predictions:
        line: dict[str, Any] = {
            "file": str(prediction.path),
            "class": prediction.best,
            "probability": prediction.probabilities[prediction.best],
        }
        if labels is not None and prediction.best < len(labels):
            line["label"] = labels[prediction.best]
        line["prediction"] = [round(p, 6) for p in prediction.probabilities]
        print(json.dumps(line))
    return 0


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `image-classification pack` and `image-classification predict` to `commands`."""
    group = commands.add_parser(
        "image-classification",
        help="the Image Classification built-in: pack images, classify with a model",
        description="Tools of the image-classification built-in algorithm.",
    )
    tools = group.add_subparsers(dest="tool", required=True, metavar="TOOL")
    pack = tools.add_parser(
        "pack",
        help="a folder of class folders -> .lst and RecordIO channels (im2rec-compatible)",
        description="Write OUT/train/train.rec, OUT/validation/validation.rec, their .lst "
        "files in OUT/train_lst and OUT/validation_lst, and OUT/labels.txt.",
    )
    pack.set_defaults(handler=cmd_pack)
    pack.add_argument("root", help="folder with one sub-folder of images per class")
    pack.add_argument("out", help="output folder")
    pack.add_argument("--train-ratio", type=float, default=0.8, help="share for training")
    pack.add_argument("--no-shuffle", action="store_true", help="keep the listing order")
    pack.add_argument("--seed", type=int, default=100, help="shuffle seed (im2rec's: 100)")
    pack.add_argument("--resize", type=int, help="resize the shorter side to this many pixels")
    pack.add_argument("--center-crop", action="store_true", help="cut the centre square first")
    pack.add_argument("--encoding", choices=(".jpg", ".png"), default=".jpg")
    pack.add_argument("--quality", type=int, default=95, help="JPEG quality")
    pack.add_argument(
        "--color", type=int, choices=(1, 0, -1), default=1, help="1 RGB, 0 grey, -1 as stored"
    )
    pack.add_argument("--pass-through", action="store_true", help="store the files unchanged")
    pack.add_argument("--list-only", action="store_true", help="write the .lst files only")
    pack.add_argument("--workers", type=int, default=1, help="encoding processes")
    predict = tools.add_parser(
        "predict",
        help="classify image files with a model.tar.gz",
        description="One JSON line per image: the best class and every class's probability.",
    )
    predict.set_defaults(handler=cmd_predict)
    predict.add_argument("model", help="model.tar.gz of an image-classification training job")
    predict.add_argument("images", nargs="+", help="image files")
    predict.add_argument("--labels", help="labels.txt from pack: names the classes")
