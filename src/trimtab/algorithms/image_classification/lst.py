"""`.lst` files: the image lists im2rec writes and SageMaker's `*_lst` channels hold.

One image per line, TAB-separated: `index, label..., relative path` (the last field is always
the path; every field between the first and the last is a label). Read as im2rec reads them:
fields stripped, lines with fewer than three fields skipped; written as im2rec writes them,
labels as `%f`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ListEntry:
    index: int
    labels: tuple[float, ...]
    path: str  # relative to the root of the image folder (or channel)

    def line(self) -> str:
        labels = "".join(f"{label:f}\t" for label in self.labels)
        return f"{self.index}\t{labels}{self.path}\n"


class ListFormatError(ValueError):
    """A line of a `.lst` file that does not parse; the message names the file and line."""


def parse_lines(lines: Iterable[str], source: str = "<list>") -> list[ListEntry]:
    """Entries in file order. Raises ListFormatError on a bad field or a repeated index."""
    entries = []
    seen: set[int] = set()
    for number, line in enumerate(lines, start=1):
        fields = [f.strip() for f in line.rstrip("\r\n").split("\t")]
        if len(fields) < 3:
            continue
        try:
            index = int(fields[0])
            labels = tuple(float(f) for f in fields[1:-1])
        except ValueError:
            raise ListFormatError(
                f"{source}, line {number}: expected 'index<TAB>label<TAB>path' with an integer "
                f"index and numeric labels, got {line.rstrip()!r}"
            ) from None
        if index in seen:
            raise ListFormatError(f"{source}, line {number}: index {index} is not unique")
        seen.add(index)
        entries.append(ListEntry(index, labels, fields[-1]))
    return entries


def read_list(path: Path) -> list[ListEntry]:
    with path.open(encoding="utf-8") as file:
        return parse_lines(file, str(path))


def write_list(path: Path, entries: Iterable[ListEntry]) -> None:
    path.write_text("".join(entry.line() for entry in entries), encoding="utf-8")
