"""SageMaker `ParameterRanges` <-> the unit cube: the one transform every strategy shares.

Strategies never look at ranges, scalings or value strings. They work in the box `[0, 1]^dim`
and call `SearchSpace.decode` to get a configuration, so Random is a uniform draw in the box,
Grid enumerates categoricals, and a GP-based Bayesian strategy fits and optimises in the box.

Encoding layout (`SearchSpace.dims`), parameters in wire order (integer ranges, then
continuous, then categorical, each list in the order given):

- an integer or continuous parameter is **one** dimension: its value warped by its scaling
  and mapped affinely onto `[0, 1]`;
- a categorical parameter is a **one-hot block** of `len(Values)` dimensions; `decode` takes
  the argmax of the block (first on ties), so a uniform draw in the block picks a value
  uniformly and a GP's continuous relaxation snaps to a valid value.

Scalings (`ScalingType`, resolved per parameter in `NumericRange.scaling`):

- `Linear`: uniform between MinValue and MaxValue.
- `Logarithmic`: uniform in `log(value)`; needs MinValue > 0.
- `ReverseLogarithmic` (continuous only, 0 <= values < 1): uniform in `log(1 - value)`, so
  values crowd towards 1 (momentum-like parameters).
- `Auto` (our rule; SageMaker does not publish its own): **Logarithmic when MinValue > 0 and
  MaxValue / MinValue >= 100**, i.e. the range spans at least two orders of magnitude; Linear
  otherwise.

Integers are warped over `[MinValue - 0.5, MaxValue + 0.5]` and rounded, so with Linear
scaling every integer, endpoints included, owns an equal share of the box (with Logarithmic,
an equal share in log space); an integer encodes at its own warped value.

Formatting (what the training job receives, as SageMaker hands values over: strings):
integers as `str(int)` (`"7"`); continuous values as `repr(float)`, the shortest string that
parses back to the same float (`"0.1015727388941435"`; below 1e-4 Python switches to exponent
form, `"5e-05"`, which `float()` and `json.loads` read alike); categorical values verbatim, so
the SDK's JSON-encoded `"\\"adam\\""` reaches the job unchanged.

Round trips: `decode(encode(v)) == v` for every configuration the space emits (`sample`,
`decode`, `grid`) and for every integer and categorical value. A continuous string typed by
hand (`"0.1"`) comes back as the nearest float the box can represent, usually unchanged, off
by a few ulps at worst: a float64 box cannot resolve every float of a wide range.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np

from trimtab.errors import ValidationError
from trimtab.spec.enums import ScalingType
from trimtab.spec.tuning import ParameterRanges

AUTO_LOG_RATIO = 100.0  # Auto resolves to Logarithmic when MaxValue / MinValue >= this


class DimKind(StrEnum):
    """What one dimension of the box holds, for strategies that treat them differently."""

    CONTINUOUS = "Continuous"
    INTEGER = "Integer"
    CATEGORICAL = "Categorical"  # one entry of a one-hot block


def resolve_scaling(scaling: ScalingType, low: float, high: float) -> ScalingType:
    """Apply our `Auto` rule; any explicit scaling stays as it is."""
    if scaling is not ScalingType.AUTO:
        return scaling
    if low > 0 and high / low >= AUTO_LOG_RATIO:
        return ScalingType.LOGARITHMIC
    return ScalingType.LINEAR


def _warp(scaling: ScalingType, x: float) -> float:
    if scaling is ScalingType.LOGARITHMIC:
        return math.log(x)
    if scaling is ScalingType.REVERSE_LOGARITHMIC:
        return -math.log1p(-x)  # increasing in x, so the box keeps the values' order
    return x


def _unwarp(scaling: ScalingType, w: float) -> float:
    if scaling is ScalingType.LOGARITHMIC:
        return math.exp(w)
    if scaling is ScalingType.REVERSE_LOGARITHMIC:
        return -math.expm1(-w)
    return w


@dataclass(frozen=True)
class NumericRange:
    """An integer or continuous range; `scaling` is already resolved (never `Auto`)."""

    name: str
    low: float
    high: float
    scaling: ScalingType
    integer: bool

    def _edges(self) -> tuple[float, float]:
        pad = 0.5 if self.integer else 0.0
        return _warp(self.scaling, self.low - pad), _warp(self.scaling, self.high + pad)

    def to_unit(self, value: float) -> float:
        """Position of `value` (clipped into the range) in `[0, 1]`."""
        a, b = self._edges()
        if b == a:  # MinValue == MaxValue: a constant, anywhere in the box means it
            return 0.5
        return (_warp(self.scaling, min(max(value, self.low), self.high)) - a) / (b - a)

    def from_unit(self, u: float) -> float:
        """The value at box position `u`: rounded for integers, always inside the range."""
        a, b = self._edges()
        x = _unwarp(self.scaling, a + u * (b - a))
        if self.integer:
            x = math.floor(x + 0.5)
        return min(max(x, self.low), self.high) + 0.0  # + 0.0 turns -0.0 into 0.0

    def stable_from_unit(self, u: float) -> float:
        """`from_unit`, made invertible: `stable_from_unit(to_unit(x)) == x` for its results.

        Float rounding makes `from_unit(to_unit(x))` drift by an ulp or so. Iterating that map
        from `from_unit(u)` reaches a short cycle (usually a fixed point); returning a fixed
        member of it (shortest repr, then smallest) makes re-encoding a decoded value a no-op.
        """
        x = self.from_unit(u)
        if self.integer:
            return x
        seen = [x]
        while (x := self.from_unit(self.to_unit(x))) not in seen and len(seen) < 32:
            seen.append(x)
        cycle = seen[seen.index(x) :] if x in seen else [x]
        return min(cycle, key=lambda c: (len(repr(c)), c))

    def format(self, value: float) -> str:
        return str(int(value)) if self.integer else repr(float(value))


@dataclass(frozen=True)
class CategoricalRange:
    name: str
    values: tuple[str, ...]


Range = NumericRange | CategoricalRange


def _number(text: Any, integer: bool) -> float:
    """A wire bound as a number; integers stay exact ints where `int()` reads them."""
    if integer:
        try:
            return int(text)
        except ValueError:
            return int(float(text))
    return float(text)


def _numeric(item: Mapping[str, Any], integer: bool, path: str) -> NumericRange:
    low, high = _number(item["MinValue"], integer), _number(item["MaxValue"], integer)
    scaling = resolve_scaling(ScalingType(item.get("ScalingType") or ScalingType.AUTO), low, high)
    # The spec layer checks these with SageMaker's messages; here they only guard the math.
    if low > high:
        raise ValidationError(f"Value '{high}' at '{path}.MaxValue' must be >= MinValue {low}")
    if scaling is ScalingType.LOGARITHMIC and low <= 0:
        raise ValidationError(
            f"Value '{low}' at '{path}.MinValue' must be > 0 when ScalingType is Logarithmic"
        )
    if scaling is ScalingType.REVERSE_LOGARITHMIC and (integer or not 0 <= low <= high < 1):
        raise ValidationError(
            f"Value '{item['MinValue']}'..'{item['MaxValue']}' at '{path}' does not allow "
            "ReverseLogarithmic: continuous ranges within 0 <= value < 1 only"
        )
    return NumericRange(str(item["Name"]), low, high, scaling, integer)


@dataclass(frozen=True)
class SearchSpace:
    """A definition's tunable hyperparameters and their encoding in `[0, 1]^dim`."""

    ranges: tuple[Range, ...]

    @classmethod
    def from_ranges(cls, ranges: ParameterRanges | None) -> SearchSpace:
        """Build from a request's parsed `ParameterRanges` (none: an empty space)."""
        return cls.from_wire(ranges.to_wire() if ranges is not None else {})

    @classmethod
    def from_wire(cls, parameter_ranges: Mapping[str, Any]) -> SearchSpace:
        """Build from SageMaker's `ParameterRanges` wire form (bounds as strings)."""
        ranges: list[Range] = []
        for key, integer in (
            ("IntegerParameterRanges", True),
            ("ContinuousParameterRanges", False),
        ):
            for i, item in enumerate(parameter_ranges.get(key) or []):
                ranges.append(_numeric(item, integer, f"ParameterRanges.{key}.{i}"))
        for item in parameter_ranges.get("CategoricalParameterRanges") or []:
            ranges.append(CategoricalRange(str(item["Name"]), tuple(map(str, item["Values"]))))
        return cls(tuple(ranges))

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(r.name for r in self.ranges)

    @property
    def dims(self) -> tuple[slice, ...]:
        """Per parameter (in `names` order), the slice of box dimensions that encodes it."""
        widths = [len(r.values) if isinstance(r, CategoricalRange) else 1 for r in self.ranges]
        starts = itertools.accumulate(widths, initial=0)
        return tuple(slice(s, s + w) for s, w in zip(starts, widths, strict=False))

    @property
    def dim(self) -> int:
        return sum(s.stop - s.start for s in self.dims)

    @property
    def kinds(self) -> tuple[DimKind, ...]:
        """Per box dimension, what it encodes (a BO may treat integers and one-hots apart)."""
        kinds: list[DimKind] = []
        for r in self.ranges:
            if isinstance(r, CategoricalRange):
                kinds += [DimKind.CATEGORICAL] * len(r.values)
            else:
                kinds.append(DimKind.INTEGER if r.integer else DimKind.CONTINUOUS)
        return tuple(kinds)

    @property
    def bounds(self) -> np.ndarray:
        """`2 x dim` array of lower and upper bounds (zeros, ones), as BoTorch expects."""
        return np.stack([np.zeros(self.dim), np.ones(self.dim)])

    @property
    def scalings(self) -> dict[str, ScalingType]:
        """Resolved scaling of every integer and continuous parameter (`Auto` applied)."""
        return {r.name: r.scaling for r in self.ranges if isinstance(r, NumericRange)}

    def sample(self, rng: np.random.Generator) -> dict[str, str]:
        """A configuration drawn uniformly in the box: scalings and one-hot blocks do the rest."""
        return self.decode(rng.random(self.dim))

    def encode(self, values: Mapping[str, str]) -> np.ndarray:
        """A configuration as a point of the box; numeric values outside their range are clipped.

        Raises `KeyError` for a missing parameter, `ValueError` for an unknown categorical value.
        """
        x = np.zeros(self.dim)
        for r, dims in zip(self.ranges, self.dims, strict=True):
            value = values[r.name]
            if isinstance(r, NumericRange):
                x[dims.start] = r.to_unit(float(value))
            elif value in r.values:
                x[dims.start + r.values.index(value)] = 1.0
            else:
                raise ValueError(f"{value!r} is not one of the values of {r.name!r}: {r.values}")
        return x

    def decode(self, x: Sequence[float] | np.ndarray) -> dict[str, str]:
        """The configuration at (or nearest to) a point: clip to the box, round, argmax blocks."""
        point = np.asarray(x, dtype=float)
        if point.shape != (self.dim,) or not np.all(np.isfinite(point)):
            raise ValueError(f"expected {self.dim} finite coordinates, got {x!r}")
        point = np.clip(point, 0.0, 1.0)
        config: dict[str, str] = {}
        for r, dims in zip(self.ranges, self.dims, strict=True):
            if isinstance(r, NumericRange):
                config[r.name] = r.format(r.stable_from_unit(float(point[dims.start])))
            else:
                config[r.name] = r.values[int(np.argmax(point[dims]))]
        return config

    def iter_grid(self) -> Iterator[dict[str, str]]:
        """Every categorical combination, lazily: `itertools.product` over ranges as given."""
        numeric = [r.name for r in self.ranges if isinstance(r, NumericRange)]
        if numeric:
            raise ValueError(f"Grid needs categorical ranges only, but {numeric} are numeric")
        categorical = [r for r in self.ranges if isinstance(r, CategoricalRange)]
        for combo in itertools.product(*(r.values for r in categorical)):
            yield {r.name: v for r, v in zip(categorical, combo, strict=True)}

    def grid(self) -> list[dict[str, str]]:
        return list(self.iter_grid())

    def grid_size(self) -> int:
        """Number of grid points (the product of category counts; numeric ranges count as 0)."""
        sizes = [len(r.values) if isinstance(r, CategoricalRange) else 0 for r in self.ranges]
        return math.prod(sizes)
