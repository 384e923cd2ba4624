"""Metrics from log text: regex rules, CloudWatch tabs, chunked feeding, caps and speed."""

from __future__ import annotations

import itertools
import math
import random
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trimtab.errors import ValidationError
from trimtab.metrics import (
    LogScanner,
    MetricDefinition,
    compile_definitions,
    parse_lines,
)
from trimtab.types import MetricPoint

NUMBER = r"([-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)"


def defs(**regexes: str) -> list[MetricDefinition]:
    return compile_definitions([{"Name": n, "Regex": r} for n, r in regexes.items()])


def values(text: str, definitions: list[MetricDefinition]) -> list[tuple[str, float]]:
    return [(p.name, p.value) for p in parse_lines(text.split("\n"), definitions, 0.0)]


def test_value_is_the_first_capture_group() -> None:
    # two groups, as in a real job: the first one holds the whole number
    loss = defs(loss=r"'loss': ([0-9]+(.|e\-)[0-9]+),?")
    assert values("{'loss': 0.4937, 'epoch': 1.0}", loss) == [("loss", 0.4937)]


def test_without_a_group_the_whole_match_is_the_value() -> None:
    assert values("step 3 took 0.25 s", defs(t=r"[0-9.]+(?= s)")) == [("t", 0.25)]


def test_a_group_that_did_not_match_or_text_that_is_no_number_is_skipped() -> None:
    d = defs(a=r"acc=(x)?", b=r"b=(\S+)")
    assert values("acc= b=1.2.3 b=oops", d) == []


def test_tabs_match_as_cloudwatch_renders_them_and_as_written() -> None:
    xgboost = defs(rmse=r".*\[[0-9]+\].*#011validation-rmse:" + NUMBER + ".*")
    assert values("[7]\ttrain-rmse:0.3\tvalidation-rmse:0.42", xgboost) == [("rmse", 0.42)]
    raw_tab = defs(rmse="validation-rmse\t" + NUMBER)
    assert values("[7]\tvalidation-rmse\t0.42", raw_tab) == [("rmse", 0.42)]


def test_one_value_per_definition_per_line_and_several_definitions_per_line() -> None:
    d = defs(loss="loss=" + NUMBER, acc="acc=" + NUMBER, greedy=".*loss=" + NUMBER)
    line = "loss=0.5 acc=0.9 loss=0.4"
    assert values(line, d) == [("loss", 0.5), ("acc", 0.9), ("greedy", 0.4)]


def test_nan_and_inf_are_kept_and_windows_line_ends_do_not_matter() -> None:
    got = values("loss=nan\r\nloss=inf\nloss=-Infinity\r", defs(loss=r"loss=(\S+)"))
    assert [v for _, v in got][1:] == [math.inf, -math.inf] and math.isnan(got[0][1])


def test_anchoring_shortcut_agrees_with_search_where_it_must_not_apply() -> None:
    # alternation and embedded newlines fall back to a plain search
    assert values("xx 1", defs(m=r".*a=\d|\d")) == [("m", 1.0)]  # no match at position 0
    assert values("xx b=1", defs(m=r".*(?:a|b)=(\d)")) == [("m", 1.0)]
    lines = parse_lines(["first\nloss=3"], defs(m=r".*loss=(\d)"), 0.0)
    assert [p.value for p in lines] == [3.0]


def test_bad_regex_names_the_field_the_value_and_the_error() -> None:
    wire = [{"Name": "ok", "Regex": "a"}, {"Name": "bad", "Regex": "loss=([0-9]"}]
    with pytest.raises(
        ValidationError,
        match=r"Value 'loss=\(\[0-9\]' at 'MetricDefinitions\.1\.Regex'.*missing \), unterminated",
    ):
        compile_definitions(wire)


def test_scanner_joins_lines_split_across_chunks() -> None:
    scanner = LogScanner(defs(loss="loss=" + NUMBER))
    assert scanner.feed("epoch 1 lo", 1.0) == []
    assert scanner.feed("ss=0.25\nepoch 2 loss=0.", 2.0) == [MetricPoint("loss", 0.25, 2.0)]
    assert scanner.feed("125", 3.0) == []
    assert scanner.flush(4.0) == [MetricPoint("loss", 0.125, 4.0)]
    assert scanner.flush(5.0) == []


def test_scanner_cuts_long_lines_and_keeps_memory_bounded() -> None:
    scanner = LogScanner(defs(loss="loss=" + NUMBER), max_line=100)
    points = scanner.feed("loss=1 " + "x" * 60, 0.0)
    for _ in range(50):  # a runaway line: 100 KB without a newline
        points += scanner.feed("loss=9 " + "x" * 2000, 0.0)
        assert scanner.buffered < 100
    points += scanner.feed("loss=8\nloss=2\n", 0.0)
    assert [p.value for p in points] == [1.0, 2.0]  # its head is parsed, its tail dropped
    assert scanner.buffered == 0


def test_garbage_never_raises() -> None:
    scanner = LogScanner(defs(a=r"(.*)", b=r"=(\d*)", c=r"\x00(.)"))
    for text in ["\x00\xff\ufffd", "=" * 1000, "\n\n\r\r", "1e999999\n", "=\n" * 10]:
        scanner.feed(text, 0.0)
    scanner.flush(0.0)


log_text = st.text(alphabet="loss=0123456789.-e \t\r\n#x", max_size=300)
DEFINITIONS = defs(loss="loss=" + NUMBER, anchored=".*=" + NUMBER + ".*", tab="#011" + NUMBER)


@given(log_text, st.lists(st.integers(0, 300), max_size=8), st.integers(1, 40))
def test_chunking_does_not_change_the_points(text: str, cuts: list[int], max_line: int) -> None:
    whole = parse_lines([line[:max_line] for line in text.split("\n")], DEFINITIONS, 0.0)
    scanner = LogScanner(DEFINITIONS, max_line=max_line)
    bounds = [0, *sorted(min(c, len(text)) for c in cuts), len(text)]
    chunked = [p for a, b in itertools.pairwise(bounds) for p in scanner.feed(text[a:b], 0.0)]
    chunked += scanner.flush(0.0)
    assert chunked == whole  # no "nan" can be spelt from the alphabet, so == is exact


@given(st.lists(st.text(max_size=100), max_size=5))
def test_scanner_never_raises_on_arbitrary_text(chunks: list[str]) -> None:
    scanner = LogScanner([*DEFINITIONS, *defs(any=r"(.*)", digits=r"(\d*)")], max_line=50)
    for chunk in chunks:
        scanner.feed(chunk, 0.0)
    scanner.flush(0.0)


def synthetic_log(megabytes: int) -> str:
    rnd = random.Random(0)
    templates = [
        "epoch {i} step {j} loss={a:.6f} lr=0.001 took 0.123s",
        "[{i}]\ttrain-rmse:{a:.5f}\tvalidation-rmse:{b:.5f}",
        "INFO 2024-01-01 12:00:00 an informational message number {i} without metrics",
        "Epoch {i}: acc: {a:.4f} val_acc {b:.4f}",
    ]
    lines, size, i = [], 0, 0
    while size < megabytes * 2**20:
        line = templates[i % 4].format(i=i, j=10 * i, a=rnd.random(), b=rnd.random())
        lines.append(line)
        size, i = size + len(line) + 1, i + 1
    return "\n".join(lines) + "\n"


@pytest.mark.slow
def test_fifty_megabytes_in_one_mebibyte_chunks_parse_in_seconds() -> None:
    text = synthetic_log(50)
    scanner = LogScanner(
        defs(
            loss="loss=" + NUMBER,
            acc=r".*acc: ([0-9.]+).*",
            rmse=r".*\[[0-9]+\].*#011validation-rmse:" + NUMBER + ".*",
        )
    )
    start = time.perf_counter()
    points = [p for k in range(0, len(text), 2**20) for p in scanner.feed(text[k : k + 2**20], 0.0)]
    elapsed = time.perf_counter() - start
    assert len(points) == sum(1 for line in text.splitlines() if not line.startswith("INFO"))
    assert elapsed < 20, elapsed  # about 2.5 s on one idle core: this catches a quadratic blow-up
