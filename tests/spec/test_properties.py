"""Properties: the wire round trip is the identity, and no input makes parse_request crash."""

from __future__ import annotations

import contextlib
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.spec.builders import script_mode, seq2seq
from trimtab.errors import ValidationError
from trimtab.spec import parse_request, to_wire

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    database=None,  # leave no .hypothesis folder in the checkout
    suppress_health_check=[HealthCheck.too_slow],
)

names = st.from_regex(r"[a-zA-Z0-9](-?[a-zA-Z0-9]){0,15}", fullmatch=True)  # <= 31 chars
keys = st.from_regex(r"[a-z_][a-z0-9_]{0,12}", fullmatch=True)
text = st.text(st.characters(blacklist_characters="\n", blacklist_categories=["Cs"]), max_size=12)
scaling = st.sampled_from(["Auto", "Linear", "Logarithmic"])


def maybe(key: str, values: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """{} or {key: value}: a member that may be left out."""
    return st.one_of(st.just({}), values.map(lambda v: {key: v}))


@st.composite
def integer_range(draw: st.DrawFn, name: str) -> dict[str, Any]:
    low = draw(st.integers(1, 1000))
    high = draw(st.integers(low, 10_000))
    return {
        "Name": name,
        "MinValue": str(low),
        "MaxValue": str(high),
        **draw(maybe("ScalingType", scaling)),
    }


@st.composite
def continuous_range(draw: st.DrawFn, name: str) -> dict[str, Any]:
    low = draw(st.floats(1e-6, 1.0))
    high = draw(st.floats(low, 1e3))
    bounds = {"MinValue": repr(low), "MaxValue": repr(high)}
    return {"Name": name, **bounds, **draw(maybe("ScalingType", scaling))}


@st.composite
def parameter_ranges(draw: st.DrawFn) -> dict[str, Any]:
    unique = draw(st.lists(keys, min_size=1, max_size=9, unique=True))
    kinds = [draw(st.sampled_from(["int", "cont", "cat"])) for _ in unique]
    ints = [draw(integer_range(n)) for n, k in zip(unique, kinds, strict=True) if k == "int"]
    conts = [draw(continuous_range(n)) for n, k in zip(unique, kinds, strict=True) if k == "cont"]
    cats = [
        {"Name": n, "Values": draw(st.lists(text, min_size=1, max_size=5, unique=True))}
        for n, k in zip(unique, kinds, strict=True)
        if k == "cat"
    ]
    out: dict[str, Any] = {}
    for member, items in (
        ("IntegerParameterRanges", ints),
        ("ContinuousParameterRanges", conts),
        ("CategoricalParameterRanges", cats),
    ):
        if items or draw(st.booleans()):
            out[member] = items
    return out


@st.composite
def requests(draw: st.DrawFn) -> dict[str, Any]:
    """Valid single-definition requests, with optional members present or left out."""
    body: dict[str, Any] = draw(st.sampled_from([seq2seq, script_mode]))()
    config = body["HyperParameterTuningJobConfig"]
    body["HyperParameterTuningJobName"] = draw(names)
    config["Strategy"] = draw(st.sampled_from(["Bayesian", "Random"]))
    config["ParameterRanges"] = draw(parameter_ranges())
    static = body["TrainingJobDefinition"]["StaticHyperParameters"]
    for name in [r["Name"] for rs in config["ParameterRanges"].values() for r in rs]:
        static.pop(name, None)
    config.pop("TrainingJobEarlyStoppingType", None)
    config.update(draw(maybe("TrainingJobEarlyStoppingType", st.sampled_from(["Off", "Auto"]))))
    config.update(draw(maybe("RandomSeed", st.integers(0, 2**31))))
    config.update(
        draw(
            maybe(
                "TuningJobCompletionCriteria",
                st.fixed_dictionaries(
                    {},
                    optional={
                        "TargetObjectiveMetricValue": st.floats(-1e6, 1e6),
                        "BestObjectiveNotImproving": st.fixed_dictionaries(
                            {"MaxNumberOfTrainingJobsNotImproving": st.integers(3, 100)}
                        ),
                        "ConvergenceDetected": st.fixed_dictionaries(
                            {"CompleteOnConvergence": st.sampled_from(["Disabled", "Enabled"])}
                        ),
                    },
                ),
            )
        )
    )
    body.update(
        draw(
            maybe(
                "Tags",
                st.lists(keys, max_size=3, unique=True).map(
                    lambda ks: [{"Key": k, "Value": k.upper()} for k in ks]
                ),
            )
        )
    )
    return body


@SETTINGS
@given(requests())
def test_wire_round_trip_is_identity(body: dict[str, Any]) -> None:
    request = parse_request(body)
    wire = to_wire(request)
    assert parse_request(wire) == request
    assert to_wire(parse_request(json.dumps(wire))) == wire
    for ranges in wire["HyperParameterTuningJobConfig"]["ParameterRanges"].values():
        for r in ranges:
            assert "Values" in r or r["ScalingType"] in ("Auto", "Linear", "Logarithmic")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
    max_leaves=8,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    items = (
        node.items()
        if isinstance(node, dict)
        else enumerate(node)
        if isinstance(node, list)
        else []
    )
    for key, child in items:
        found += _paths(child, (*prefix, key))
    return found


@SETTINGS
@given(st.data())
def test_any_broken_member_is_a_validation_error(data: st.DataObject) -> None:
    body = data.draw(st.sampled_from([seq2seq, script_mode]))()
    path = data.draw(st.sampled_from(_paths(body)))
    node = body
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = data.draw(json_values)
    try:
        parse_request(body)
    except ValidationError as error:
        assert "failed to satisfy constraint" in error.message or "not a member" in error.message


@SETTINGS
@given(st.binary(max_size=64) | text)
def test_garbage_is_a_validation_error(garbage: bytes | str) -> None:
    with contextlib.suppress(ValidationError):
        parse_request(garbage)
