"""Augmented manifests: JSON Lines naming an image and its label(s), one object per line.

`{"source-ref": "s3://bucket/cats/1.jpg", "class": "0"}`. SageMaker picks the two attributes
with the channel's `AttributeNames` (image first); that list does not reach the container, so
the image is the first attribute whose name ends in `-ref` and the label the first other
attribute that is not `*-metadata`. `s3://bucket/key` is read from `$TRIMTAB_S3_ROOT/bucket/key`
(as trimtab reads channels), `file://` URIs and absolute paths as they are, other paths
relative to the manifest's folder.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path


class ManifestError(ValueError):
    """A manifest line that does not name an image and a label; the message says where."""


@dataclass(frozen=True)
class ManifestEntry:
    image: Path
    labels: tuple[float, ...]  # one class id, or several (multi-hot or class ids)


def _labels(value: object) -> tuple[float, ...]:
    """`0`, `"0"`, `[1, 0, 1]` and `"[1, 0, 1]"` (Ground Truth writes all of them)."""
    if isinstance(value, str):
        value = json.loads(value)
    if isinstance(value, list):
        return tuple(float(v) for v in value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (float(value),)
    raise ValueError(value)


def resolve_ref(ref: str, folder: Path) -> Path:
    if ref.startswith("s3://"):
        root = os.environ.get("TRIMTAB_S3_ROOT")
        if not root:
            raise ValueError(f"{ref} is in S3: set TRIMTAB_S3_ROOT to a folder mirroring buckets")
        return Path(root) / ref.removeprefix("s3://")
    path = Path(ref.removeprefix("file://"))
    return path if path.is_absolute() else folder / path


def parse_line(line: str, folder: Path) -> ManifestEntry:
    item = json.loads(line)
    if not isinstance(item, dict):
        raise ValueError("not a JSON object")
    image_key = next((k for k in item if k.endswith("-ref")), None)
    label_key = next((k for k in item if k != image_key and not k.endswith("-metadata")), None)
    if image_key is None or label_key is None:
        raise ValueError("needs an image attribute (such as source-ref) and a label attribute")
    return ManifestEntry(resolve_ref(str(item[image_key]), folder), _labels(item[label_key]))


def read_manifest(path: Path) -> list[ManifestEntry]:
    folder = path.resolve().parent
    entries = []
    with path.open(encoding="utf-8") as file:
        for number, line in enumerate(file, start=1):
            if not line.strip():
                continue
            try:
                entries.append(parse_line(line, folder))
            except (ValueError, TypeError) as error:
                raise ManifestError(f"{path.name}, line {number}: {error}") from None
    return entries
