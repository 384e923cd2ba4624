"""The three channels, read: parallel token ids from `train` and `validation`, vocabularies
from `vocab`. Everything wrong with them is a `ClientError` that names the channel and file,
as SageMaker fails a job with a missing channel or unreadable data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from trimtab.algorithms._recordio import RecordIOError
from trimtab.algorithms.errors import ClientError
from trimtab.algorithms.seq2seq import CHANNELS, SOURCE_VOCAB, TARGET_VOCAB
from trimtab.algorithms.seq2seq.record import RecordError, read_pairs
from trimtab.algorithms.seq2seq.vocab import Vocabulary


@dataclass(frozen=True)
class Corpus:
    """Parallel sentences as int32 id arrays, without `<s>`/`</s>`."""

    sources: list[np.ndarray]
    targets: list[np.ndarray]

    def __len__(self) -> int:
        return len(self.sources)

    def truncated(self, max_source: int, max_target: int) -> tuple[Corpus, int]:
        """Each side cut to its maximum length, pairs with an empty side left out (how many
        were is the second value): an empty source has nothing to encode."""
        sources, targets = [], []
        for source, target in zip(self.sources, self.targets, strict=True):
            if len(source) and len(target):
                sources.append(source[:max_source])
                targets.append(target[:max_target])
        return Corpus(sources, targets), len(self) - len(sources)


def channel_dirs(data_dir: Path, environ: Mapping[str, str]) -> dict[str, Path]:
    """Each required channel's folder (`SM_CHANNEL_<NAME>`, else `input/data/<name>`); a
    missing one fails the job before anything is read."""
    dirs = {
        name: Path(environ.get(f"SM_CHANNEL_{name.upper()}", data_dir / name)) for name in CHANNELS
    }
    missing = [name for name, path in dirs.items() if not path.exists()]
    if missing:
        raise ClientError(
            f"Missing required channel{'s' if len(missing) > 1 else ''} "
            f"{', '.join(repr(m) for m in missing)}: the Sequence-to-Sequence algorithm needs "
            f"the channels {', '.join(CHANNELS[:-1])} and {CHANNELS[-1]} (looked in {data_dir})"
        )
    return dirs


def record_files(folder: Path, channel: str) -> list[Path]:
    """The channel's `.rec` files, or, when it has none, every file it holds (hidden ones
    aside): SageMaker's docs name `train.rec` as an example, not a requirement."""
    files = sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )
    records = [p for p in files if p.suffix == ".rec"]
    if not files:
        raise ClientError(f"Channel '{channel}' holds no record file ({folder} is empty)")
    return records or files


def read_corpus(folder: Path, channel: str, source_size: int, target_size: int) -> Corpus:
    """Every sentence pair of a channel, its ids checked against the vocabulary sizes."""
    sources: list[np.ndarray] = []
    targets: list[np.ndarray] = []
    for path in record_files(folder, channel):
        try:
            for source, target in read_pairs(path.read_bytes()):
                sources.append(source)
                targets.append(target)
        except (RecordIOError, RecordError, OSError) as error:
            raise ClientError(f"Channel '{channel}': cannot read {path.name}: {error}") from None
    for side, arrays, size in (("source", sources, source_size), ("target", targets, target_size)):
        ids = np.concatenate(arrays) if arrays else np.zeros(0, dtype=np.int32)
        largest, smallest = (int(ids.max()), int(ids.min())) if len(ids) else (0, 0)
        if largest >= size or smallest < 0:
            bad = largest if largest >= size else smallest
            raise ClientError(
                f"Channel '{channel}': {side} token id {bad} is outside the {side} vocabulary "
                f"(ids 0 to {size - 1}); was the data prepared with these vocabulary files?"
            )
    if not sources:
        raise ClientError(f"Channel '{channel}' holds no sentence pairs")
    return Corpus(sources, targets)


def read_vocabularies(folder: Path) -> tuple[Vocabulary, Vocabulary]:
    paths = [folder / SOURCE_VOCAB, folder / TARGET_VOCAB]
    missing = [p.name for p in paths if not p.is_file()]
    if missing:
        raise ClientError(
            f"Channel 'vocab' lacks {' and '.join(missing)}: it must hold {SOURCE_VOCAB} and "
            f"{TARGET_VOCAB} ({folder})"
        )
    return Vocabulary.read(paths[0]), Vocabulary.read(paths[1])
