"""Rules for parameter ranges: names, counts, bounds and scaling types.

Bounds are strings on the wire; an integer range's must read as integers (`[+-]digits`, as Java's
`Integer.parseInt` reads them), a continuous range's as finite decimal numbers.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from itertools import chain

from trimtab.spec.enums import ScalingType
from trimtab.spec.hyperparameters import OBJECTIVE_METRIC
from trimtab.spec.messages import violation
from trimtab.spec.request import CreateHyperParameterTuningJobRequest
from trimtab.spec.tuning import (
    CategoricalParameterRange,
    ContinuousParameterRange,
    IntegerParameterRange,
    ParameterRanges,
)
from trimtab.spec.views import DefinitionView, duplicates

MAX_TUNABLE = 30  # integer + continuous + categorical ranges
MAX_HYPERPARAMETERS = 100  # static + tuned + the injected objective name

_Range = IntegerParameterRange | ContinuousParameterRange
_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")


def parse_integer(text: str) -> int | None:
    """An integer range bound, or None if it is not one."""
    return int(text) if _INTEGER.fullmatch(text) else None


def parse_continuous(text: str) -> float | None:
    """A continuous range bound, or None if it is not a finite decimal number."""
    if not _DECIMAL.fullmatch(text):
        return None
    value = float(text)
    return value if math.isfinite(value) else None


def _names(ranges: ParameterRanges, path: str) -> list[tuple[str, str]]:
    """(path of Name, name) of every tunable range, in wire order."""
    lists: tuple[tuple[str, Sequence[_Range | CategoricalParameterRange]], ...] = (
        ("IntegerParameterRanges", ranges.integer_parameter_ranges),
        ("ContinuousParameterRanges", ranges.continuous_parameter_ranges),
        ("CategoricalParameterRanges", ranges.categorical_parameter_ranges),
    )
    return [
        (f"{path}.{member}.{i}.Name", r.name)
        for member, items in lists
        for i, r in enumerate(items)
    ]


def _bounds(r: _Range, path: str, integer: bool) -> Iterator[str]:
    parse = parse_integer if integer else parse_continuous
    low, high = parse(r.min_value), parse(r.max_value)
    what = "an integer" if integer else "a finite decimal number"
    for member, text, value in (("MinValue", r.min_value, low), ("MaxValue", r.max_value, high)):
        if value is None:
            yield violation(f"{path}.{member}", text, f"must be {what}")
    reverse = r.scaling_type is ScalingType.REVERSE_LOGARITHMIC
    if integer and reverse:
        yield violation(
            f"{path}.ScalingType",
            r.scaling_type,
            "ReverseLogarithmic is only supported for ContinuousParameterRanges",
        )
    if low is None or high is None:
        return
    if low > high:
        yield violation(
            f"{path}.MinValue",
            r.min_value,
            f"must be less than or equal to MaxValue ({r.max_value})",
        )
    if r.scaling_type is ScalingType.LOGARITHMIC and low <= 0:
        yield violation(
            f"{path}.MinValue", r.min_value, "must be > 0 when ScalingType is Logarithmic"
        )
    if reverse and not integer:
        if low < 0:
            yield violation(
                f"{path}.MinValue",
                r.min_value,
                "must be >= 0 when ScalingType is ReverseLogarithmic",
            )
        if high >= 1:
            yield violation(
                f"{path}.MaxValue",
                r.max_value,
                "must be < 1 when ScalingType is ReverseLogarithmic",
            )


def _one_definition(view: DefinitionView, autotune: bool) -> Iterator[str]:
    ranges, path = view.ranges, view.ranges_path
    if ranges is None:
        return
    if ranges.auto_parameters is not None and not autotune:
        yield violation(
            f"{path}.AutoParameters",
            ranges.auto_parameters,
            "only allowed when Autotune.Mode is Enabled",
        )
    names = _names(ranges, path)
    yield from duplicates(names)
    static = view.definition.static_hyper_parameters or {}
    for name_path, name in names:
        if name in static:
            yield violation(
                name_path,
                name,
                f"is also in {view.path}.StaticHyperParameters; a hyperparameter is either "
                "static or tuned",
            )
    if len(names) > MAX_TUNABLE:
        yield violation(
            path,
            len(names),
            f"must have at most {MAX_TUNABLE} ranges in total (Integer, Continuous and "
            f"Categorical), not {len(names)}",
        )
    total = len(set(static) | {OBJECTIVE_METRIC}) + len(names)
    if total > MAX_HYPERPARAMETERS:
        yield violation(
            f"{view.path}.StaticHyperParameters",
            total,
            f"static and tuned hyperparameters plus {OBJECTIVE_METRIC} must be at most "
            f"{MAX_HYPERPARAMETERS}, not {total} ({len(static)} static, {len(names)} tuned)",
        )
    for i, categorical in enumerate(ranges.categorical_parameter_ranges):
        values_path = f"{path}.CategoricalParameterRanges.{i}.Values"
        yield from duplicates((f"{values_path}.{j}", v) for j, v in enumerate(categorical.values))
    yield from chain.from_iterable(
        _bounds(r, f"{path}.IntegerParameterRanges.{i}", integer=True)
        for i, r in enumerate(ranges.integer_parameter_ranges)
    )
    yield from chain.from_iterable(
        _bounds(r, f"{path}.ContinuousParameterRanges.{i}", integer=False)
        for i, r in enumerate(ranges.continuous_parameter_ranges)
    )


def range_rules(
    request: CreateHyperParameterTuningJobRequest, views: list[DefinitionView]
) -> Iterator[str]:
    """Every range rule, for every definition's ranges."""
    for view in views:
        yield from _one_definition(view, autotune=request.autotune is not None)
