"""The unit-cube transform: scalings, the Auto rule, formatting, round trips and the grid."""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from trimtab.errors import ValidationError
from trimtab.space import CategoricalRange, DimKind, NumericRange, SearchSpace
from trimtab.spec.enums import ScalingType


def numeric(name: str, low: str, high: str, scaling: str | None = None) -> dict[str, str]:
    item = {"Name": name, "MinValue": low, "MaxValue": high}
    return item if scaling is None else {**item, "ScalingType": scaling}


def one_param(kind: str, low: str, high: str, scaling: str | None = None) -> SearchSpace:
    return SearchSpace.from_wire({f"{kind}ParameterRanges": [numeric("p", low, high, scaling)]})


def draws(space: SearchSpace, n: int, seed: int = 0) -> list[dict[str, str]]:
    rng = np.random.default_rng(seed)
    return [space.sample(rng) for _ in range(n)]


MIXED = SearchSpace.from_wire(
    {
        "IntegerParameterRanges": [numeric("epochs", "1", "500")],
        "ContinuousParameterRanges": [
            numeric("lr", "0.00001", "1.0", "Logarithmic"),
            numeric("momentum", "0.0", "0.999", "ReverseLogarithmic"),
        ],
        "CategoricalParameterRanges": [
            {"Name": "optimizer", "Values": ['"adam"', '"sgd"', '"rmsprop"']},
            {"Name": "fixed", "Values": ["only"]},
        ],
    }
)


def test_layout_one_dim_per_number_and_a_one_hot_block_per_categorical() -> None:
    assert MIXED.names == ("epochs", "lr", "momentum", "optimizer", "fixed")
    assert MIXED.dim == 7
    assert MIXED.dims == (slice(0, 1), slice(1, 2), slice(2, 3), slice(3, 6), slice(6, 7))
    assert MIXED.kinds == (
        DimKind.INTEGER,
        DimKind.CONTINUOUS,
        DimKind.CONTINUOUS,
        *[DimKind.CATEGORICAL] * 4,
    )
    assert MIXED.bounds.tolist() == [[0.0] * 7, [1.0] * 7]
    x = MIXED.encode({"epochs": "7", "lr": "0.01", "momentum": "0.9", **CATS})
    assert x.shape == (7,) and np.all((x >= 0) & (x <= 1))
    assert x[3:6].tolist() == [0.0, 1.0, 0.0] and x[6] == 1.0


CATS = {"optimizer": '"sgd"', "fixed": "only"}


@pytest.mark.parametrize(
    ("kind", "low", "high", "expected"),
    [
        ("Continuous", "0.001", "0.1", ScalingType.LOGARITHMIC),  # exactly two orders of magnitude
        ("Continuous", "0.001", "0.0999", ScalingType.LINEAR),
        ("Continuous", "0", "1000", ScalingType.LINEAR),  # MinValue not > 0
        ("Continuous", "-1", "1000", ScalingType.LINEAR),
        ("Integer", "1", "100", ScalingType.LOGARITHMIC),
        ("Integer", "1", "99", ScalingType.LINEAR),
        ("Integer", "5", "5", ScalingType.LINEAR),
    ],
)
def test_auto_rule(kind: str, low: str, high: str, expected: ScalingType) -> None:
    for scaling in (None, "Auto"):  # a missing ScalingType means Auto
        assert one_param(kind, low, high, scaling).scalings == {"p": expected}


def test_explicit_scaling_is_kept() -> None:
    assert one_param("Continuous", "0.001", "1000", "Linear").scalings == {"p": ScalingType.LINEAR}
    assert one_param("Integer", "1", "5", "Logarithmic").scalings == {"p": ScalingType.LOGARITHMIC}


def test_logarithmic_is_uniform_in_log_space() -> None:
    space = one_param("Continuous", "0.0001", "1", "Logarithmic")
    logs = np.log10([float(c["p"]) for c in draws(space, 4000)])
    per_decade = np.histogram(logs, bins=4, range=(-4, 0))[0] / len(logs)
    # binomial sd of a 1/4 share over 4000 draws is 0.007: 0.03 is above 4 sd
    assert np.all(np.abs(per_decade - 0.25) < 0.03), per_decade


def test_reverse_logarithmic_concentrates_near_one() -> None:
    space = one_param("Continuous", "0", "0.999", "ReverseLogarithmic")
    values = np.array([float(c["p"]) for c in draws(space, 4000)])
    # 1 - x is log-uniform on [0.001, 1]: P(x >= 0.9) = P(1 - x <= 0.1) = 2/3 (linear: 0.1)
    assert abs(np.mean(values >= 0.9) - 2 / 3) < 0.03
    assert values.min() >= 0 and values.max() <= 0.999


def test_linear_integers_give_every_value_a_fair_share() -> None:
    counts = Counter(c["p"] for c in draws(one_param("Integer", "1", "5", "Linear"), 5000))
    assert set(counts) == {"1", "2", "3", "4", "5"}  # endpoints included
    # each share is 1/5: sd of a count is 28, so +-120 is above 4 sd
    assert all(abs(n - 1000) < 120 for n in counts.values()), counts


def test_logarithmic_integers_cover_every_value_log_uniformly() -> None:
    n = 20000
    space = one_param("Integer", "1", "100", "Logarithmic")
    counts = Counter(int(c["p"]) for c in draws(space, n))
    assert min(counts) == 1 and max(counts) == 100
    total = math.log(100.5 / 0.5)
    for values in ([1], [2], range(10, 100), [100]):  # each integer owns [k - 0.5, k + 0.5]
        p = math.log((max(values) + 0.5) / (min(values) - 0.5)) / total
        observed = sum(counts[v] for v in values)
        assert abs(observed - n * p) < 5 * math.sqrt(n * p * (1 - p)) + 1, (values, observed)


def test_formatting_full_precision_python_strings_and_verbatim_categoricals() -> None:
    linear = one_param("Continuous", "0", "1", "Linear")
    assert linear.decode([0.1015727388941435]) == {"p": "0.1015727388941435"}
    tiny = one_param("Continuous", "0.000001", "0.00001", "Linear")
    assert tiny.decode([0.0]) == {"p": "1e-06"}  # repr(float): float() and json.loads read it
    for config in draws(MIXED, 200):
        assert all(type(v) is str for v in config.values())
        assert str(int(config["epochs"])) == config["epochs"]
        assert repr(float(config["lr"])) == config["lr"]
        assert "np." not in config["lr"] and "float" not in config["lr"]
        assert config["optimizer"] in ('"adam"', '"sgd"', '"rmsprop"')


def test_degenerate_ranges_are_constants() -> None:
    space = SearchSpace.from_wire(
        {
            "IntegerParameterRanges": [numeric("i", "3", "3")],
            "ContinuousParameterRanges": [numeric("c", "0.5", "0.5", "Logarithmic")],
            "CategoricalParameterRanges": [{"Name": "k", "Values": ["x"]}],
        }
    )
    assert {tuple(c.values()) for c in draws(space, 20)} == {("3", "0.5", "x")}
    for x in (np.zeros(space.dim), np.ones(space.dim)):
        assert space.decode(x) == {"i": "3", "c": "0.5", "k": "x"}
    assert space.decode(space.encode({"i": "3", "c": "0.5", "k": "x"})) == space.decode(x)


def test_encode_clips_numbers_and_rejects_unknown_categories() -> None:
    space = one_param("Continuous", "1", "2", "Linear")
    assert space.encode({"p": "5"}).tolist() == [1.0]
    assert space.encode({"p": "-5"}).tolist() == [0.0]
    with pytest.raises(ValueError, match="'adamw' is not one of the values of 'optimizer'"):
        MIXED.encode({"epochs": "1", "lr": "0.1", "momentum": "0.5", **CATS, "optimizer": "adamw"})
    with pytest.raises(KeyError, match="epochs"):
        MIXED.encode({})


def test_decode_clips_to_the_box_and_rejects_bad_points() -> None:
    space = one_param("Integer", "1", "10", "Linear")
    assert space.decode([-3.0]) == {"p": "1"} and space.decode([7.0]) == {"p": "10"}
    with pytest.raises(ValueError, match="expected 1 finite coordinates"):
        space.decode([math.nan])
    with pytest.raises(ValueError, match="expected 1 finite coordinates"):
        space.decode([0.5, 0.5])


def test_from_wire_accepts_sparse_input_and_guards_the_math() -> None:
    assert SearchSpace.from_wire({}).dim == 0
    assert SearchSpace.from_wire({"IntegerParameterRanges": None}).names == ()
    with pytest.raises(ValidationError, match=r"IntegerParameterRanges\.0\.MinValue.*> 0"):
        one_param("Integer", "0", "10", "Logarithmic")
    with pytest.raises(ValidationError, match="ReverseLogarithmic"):
        one_param("Integer", "0", "1", "ReverseLogarithmic")
    with pytest.raises(ValidationError, match="ReverseLogarithmic"):
        one_param("Continuous", "0.5", "1.0", "ReverseLogarithmic")
    with pytest.raises(ValidationError, match="MaxValue"):
        one_param("Continuous", "2", "1")


def test_grid_is_the_product_in_the_order_given() -> None:
    space = SearchSpace.from_wire(
        {
            "CategoricalParameterRanges": [
                {"Name": "a", "Values": ["1", "2"]},
                {"Name": "b", "Values": ['"x"', '"y"', '"z"']},
            ]
        }
    )
    assert space.grid_size() == 6
    assert [(c["a"], c["b"]) for c in space.grid()] == [
        ("1", '"x"'),
        ("1", '"y"'),
        ("1", '"z"'),
        ("2", '"x"'),
        ("2", '"y"'),
        ("2", '"z"'),
    ]
    assert SearchSpace.from_wire({}).grid() == [{}]


def test_grid_refuses_numeric_ranges() -> None:
    assert MIXED.grid_size() == 0
    with pytest.raises(ValueError, match=r"categorical ranges only.*'epochs', 'lr', 'momentum'"):
        MIXED.grid()


# Property tests: arbitrary valid ranges, as the spec layer lets them through.


@st.composite
def numeric_ranges(draw: st.DrawFn, name: str) -> tuple[str, dict[str, Any]]:
    kind = draw(st.sampled_from(["int-linear", "int-log", "linear", "log", "reverse"]))
    low: float
    high: float
    if kind.startswith("int"):
        low = draw(st.integers(1 if kind == "int-log" else -(10**6), 10**6))
        high = low + draw(st.integers(0, 10**6))
    else:
        bounds = {  # floats with both bounds given are finite and never NaN
            "linear": st.floats(-1e12, 1e12),
            "log": st.floats(1e-12, 1e12),
            "reverse": st.floats(0.0, 0.999999),
        }[kind]
        low, high = sorted((draw(bounds), draw(bounds)))
    scaling = {"int-log": "Logarithmic", "log": "Logarithmic", "reverse": "ReverseLogarithmic"}
    item = numeric(name, repr(low), repr(high), scaling.get(kind, "Linear"))
    return ("Integer" if kind.startswith("int") else "Continuous"), item


@st.composite
def spaces(draw: st.DrawFn) -> SearchSpace:
    wire: dict[str, list[dict[str, Any]]] = {}
    for i in range(draw(st.integers(0, 4))):
        kind, item = draw(numeric_ranges(f"n{i}"))
        wire.setdefault(f"{kind}ParameterRanges", []).append(item)
    for i in range(draw(st.integers(0, 2))):
        text = st.text(alphabet='ab"\\ {}[]:,é', max_size=8)  # JSON-encoded values, too
        values = draw(st.lists(text, min_size=1, max_size=4, unique=True))
        wire.setdefault("CategoricalParameterRanges", []).append(
            {"Name": f"c{i}", "Values": values}
        )
    return SearchSpace.from_wire(wire)


@st.composite
def space_and_point(draw: st.DrawFn) -> tuple[SearchSpace, np.ndarray]:
    space = draw(spaces())
    point = draw(st.lists(st.floats(0.0, 1.0), min_size=space.dim, max_size=space.dim))
    return space, np.array(point, dtype=float)


def _in_range(space: SearchSpace, config: dict[str, str]) -> bool:
    return all(
        r.low <= float(config[r.name]) <= r.high
        if isinstance(r, NumericRange)
        else config[r.name] in r.values
        for r in space.ranges
    )


@given(space_and_point())
def test_decoded_configs_round_trip_exactly_and_stay_in_bounds(
    case: tuple[SearchSpace, np.ndarray],
) -> None:
    space, point = case
    config = space.decode(point)
    assert _in_range(space, config)
    assert all(type(v) is str for v in config.values())
    assert space.decode(space.encode(config)) == config


def _valid_value(data: st.DataObject, r: NumericRange | CategoricalRange) -> str:
    if isinstance(r, CategoricalRange):
        return data.draw(st.sampled_from(r.values))
    if r.integer:
        return str(data.draw(st.integers(int(r.low), int(r.high))))
    return repr(data.draw(st.floats(r.low, r.high)))


@given(st.data())
def test_any_valid_value_round_trips(data: st.DataObject) -> None:
    space = data.draw(spaces())
    config = {r.name: _valid_value(data, r) for r in space.ranges}
    decoded = space.decode(space.encode(config))
    for r in space.ranges:
        if isinstance(r, CategoricalRange) or r.integer:
            assert decoded[r.name] == config[r.name]
        else:  # a hand-written float comes back as the nearest float the box resolves
            written, back = float(config[r.name]), float(decoded[r.name])
            assert abs(back - written) <= 1e-13 * (abs(written) + r.high - r.low)
