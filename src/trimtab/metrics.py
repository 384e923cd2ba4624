"""Metrics from training-job log text, as SageMaker's `MetricDefinitions` extract them.

Everything here is pure: the backend moves bytes, the tuner feeds the decoded text to a
`LogScanner` and stores the `MetricPoint`s it returns.

Matching rules (one place, so every caller agrees):

- The log is split into lines on `"\\n"` (a trailing `"\\r"` is dropped). Each definition's
  regex is applied to each line with `re.search`, and gives **at most one value per line**:
  its leftmost match (so with a greedy `.*` in front, the line's last occurrence).
  SageMaker's regexes are written per line (often `.*` on both sides), and a line that
  prints one metric twice is rare enough not to justify a second reading.
- CloudWatch renders tabs as `#011`, and SageMaker's own regexes rely on it: a line is first
  matched with its tabs rendered as `#011` and, only if that finds nothing for that
  definition, as written (so a regex with a literal tab works too).
- The value is the regex's first capture group (the whole match when it has none), parsed
  with `float()`. Text that is not a number is skipped, never raised; `nan` and `inf` parse
  and are kept, the tuner decides what a NaN objective means.
- Regexes are Python `re` syntax, which covers the patterns SageMaker examples use.
- `LogScanner` cuts lines at 64 KiB (`MAX_LINE_CHARS`): the head is parsed, the rest dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

from trimtab.errors import ValidationError
from trimtab.types import MetricPoint

MAX_LINE_CHARS = 64 * 1024


@dataclass(frozen=True)
class MetricDefinition:
    name: str
    regex: re.Pattern[str]

    @cached_property
    def search_line(self) -> Callable[[str], re.Match[str] | None]:
        """`regex.search` for one line (no newline), linear rather than quadratic for `.*X`.

        `search` retries a failing `.*X` at every start position. When the regex starts with
        `.*` and has no alternation, any match in a line implies one at position 0 (the `.*`
        grows to cover the gap), and `search` returns that very match: `match` is equivalent.
        """
        pattern = self.regex.pattern
        anchorable = pattern.startswith(".*") and "|" not in pattern
        return self.regex.match if anchorable else self.regex.search


def compile_definitions(wire: Sequence[Mapping[str, str]]) -> list[MetricDefinition]:
    """Compile `[{"Name": ..., "Regex": ...}]`; a bad regex is a `ValidationError` naming it."""
    definitions = []
    for i, item in enumerate(wire):
        try:
            regex = re.compile(item["Regex"])
        except re.error as exc:
            raise ValidationError(
                f"Value '{item['Regex']}' at 'MetricDefinitions.{i}.Regex' failed to satisfy "
                f"constraint: must be a valid regular expression ({exc})"
            ) from None
        definitions.append(MetricDefinition(item["Name"], regex))
    return definitions


def _value(match: re.Match[str]) -> float | None:
    text = match.group(1) if match.re.groups else match.group(0)
    if text is None:  # the first group did not take part in the match
        return None
    try:
        return float(text)
    except ValueError:
        return None


def _single_lines(lines: Iterable[str]) -> Iterator[str]:
    for text in lines:
        if "\n" in text:
            yield from (line.removesuffix("\r") for line in text.split("\n"))
        else:
            yield text.removesuffix("\r")


def parse_lines(
    lines: Iterable[str], definitions: Sequence[MetricDefinition], timestamp: float
) -> list[MetricPoint]:
    """Every metric value in `lines`, in line order, then definition order within a line.

    An item of `lines` that contains newlines counts as several lines.
    """
    finders = [(d.name, d.search_line) for d in definitions]
    points = []
    for line in _single_lines(lines):
        tabs = "\t" in line
        cloudwatch = line.replace("\t", "#011") if tabs else line
        for name, search in finders:
            match = search(cloudwatch)
            if match is None and tabs:
                match = search(line)
            if match is not None and (value := _value(match)) is not None:
                points.append(MetricPoint(name, value, timestamp))
    return points


class LogScanner:
    """Turns log text arriving in arbitrary chunks into metric points, line by line.

    The incomplete last line of a chunk waits for its newline (or for `flush` at job end).
    Lines are cut at `max_line` characters: the head is parsed, the rest dropped. That bounds
    memory (a line still waiting for its newline is parsed as soon as its head is complete,
    and the rest is skipped as it arrives) and regex time on runaway lines, and the result
    does not depend on how the text was chunked.
    """

    def __init__(
        self, definitions: Sequence[MetricDefinition], max_line: int = MAX_LINE_CHARS
    ) -> None:
        if max_line < 1:
            raise ValueError(f"max_line must be at least 1, but got {max_line=}")
        self.definitions = list(definitions)
        self.max_line = max_line
        self._rest = ""
        self._dropping = False  # inside an over-long line whose head was already parsed

    def feed(self, text: str, timestamp: float) -> list[MetricPoint]:
        if self._dropping:
            newline = text.find("\n")
            if newline < 0:
                return []
            text, self._dropping = text[newline + 1 :], False
        *lines, rest = (self._rest + text).split("\n")
        if len(rest) >= self.max_line:
            lines.append(rest)
            rest, self._dropping = "", True
        self._rest = rest
        cap = self.max_line
        return parse_lines((line[:cap] for line in lines), self.definitions, timestamp)

    @property
    def buffered(self) -> int:
        """Characters carried over, waiting for their newline (at most `max_line - 1`)."""
        return len(self._rest)

    def flush(self, timestamp: float) -> list[MetricPoint]:
        """Parse what is left of the last line (the job has ended) and start afresh."""
        rest, self._rest, self._dropping = self._rest, "", False
        return parse_lines([rest], self.definitions, timestamp) if rest else []
