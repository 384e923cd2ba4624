"""Does a JSON value fit a botocore shape? Walked from the service model itself, so that every
response is checked against what boto3 expects, not against a hand-written list of keys."""

from __future__ import annotations

from typing import Any

from botocore.model import Shape


def problems(shape: Shape, value: Any, path: str = "") -> list[str]:
    """What is wrong with `value` as the JSON of `shape` ([] when it fits). Members the model
    does not have count as wrong too: botocore would drop them, and nobody should send them."""
    where = path or shape.name
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            return [f"{where}: a structure, not {type(value).__name__}"]
        found = [f"{where}: no member {m}" for m in shape.required_members if m not in value]
        found += [f"{where}: {k} is not a member" for k in value if k not in shape.members]
        for key, item in value.items():
            if key in shape.members:
                found += problems(shape.members[key], item, f"{where}.{key}")
        return found
    if kind == "list":
        if not isinstance(value, list):
            return [f"{where}: a list, not {type(value).__name__}"]
        return [p for i, v in enumerate(value) for p in problems(shape.member, v, f"{where}.{i}")]
    if kind == "map":
        if not isinstance(value, dict):
            return [f"{where}: a map, not {type(value).__name__}"]
        return [
            p
            for k, v in value.items()
            for p in problems(shape.key, k, f"{where}[key]")
            + problems(shape.value, v, f"{where}.{k}")
        ]
    return _scalar(shape, value, where)


def _scalar(shape: Shape, value: Any, where: str) -> list[str]:
    kind = shape.type_name
    limits = shape.metadata
    if kind == "string":
        if not isinstance(value, str):
            return [f"{where}: a string, not {type(value).__name__}"]
        if shape.enum and value not in shape.enum:
            return [f"{where}: {value!r} is not one of {shape.enum}"]
        if len(value) > limits.get("max", len(value)) or len(value) < limits.get("min", 0):
            return [f"{where}: length {len(value)} outside {limits}"]
        return []
    if kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            return [f"{where}: an integer, not {value!r}"]
        if not limits.get("min", value) <= value <= limits.get("max", value):
            return [f"{where}: {value} outside {limits}"]
        return []
    if kind in ("float", "double", "timestamp"):  # botocore reads epoch seconds as numbers
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return [] if ok else [f"{where}: a number, not {value!r}"]
    if kind == "boolean":
        return [] if isinstance(value, bool) else [f"{where}: a boolean, not {value!r}"]
    return [f"{where}: unchecked type {kind}"]
