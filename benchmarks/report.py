"""Writes one benchmark's section of docs/benchmarks.md, leaving the other sections alone.

Each benchmark owns the text between `<!-- begin NAME -->` and `<!-- end NAME -->`; a run
replaces its own section (adding it at the end the first time) and stamps it with the machine
and the date, so every table says where and when it was measured.
"""

from __future__ import annotations

import os
import platform
import re
import time
from pathlib import Path

REPORT = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
HEADER = (
    "# Benchmarks\n\nEach section is written by the benchmark named in it; rerun it to refresh.\n"
)


def machine() -> str:
    return (
        f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )


def write_section(name: str, title: str, command: str, body: str, path: Path = REPORT) -> None:
    """Replace (or append) the section `name` of the report with `body` (markdown)."""
    section = (
        f"<!-- begin {name} -->\n## {title}\n\n"
        f"Measured {time.strftime('%Y-%m-%d')} on {machine()} with `{command}`.\n\n"
        f"{body.strip()}\n<!-- end {name} -->"
    )
    text = path.read_text() if path.exists() else HEADER
    pattern = re.compile(
        rf"<!-- begin {re.escape(name)} -->.*?<!-- end {re.escape(name)} -->", re.S
    )
    text = (
        pattern.sub(lambda _: section, text)
        if pattern.search(text)
        else f"{text.rstrip()}\n\n{section}\n"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
