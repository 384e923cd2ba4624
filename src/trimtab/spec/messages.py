"""SageMaker's ValidationException wording, for shape errors (from pydantic) and for `rules`.

Every message names the member path (dotted PascalCase member names, 0-based list indexes), the
value and the rule: ``Value 'Foo' at 'HyperParameterTuningJobConfig.Strategy' failed to satisfy
constraint: Member must satisfy enum value set: [Bayesian, Random, Hyperband, Grid]``. Several
are joined as ``N validation errors detected: ...; ...``.
"""

from __future__ import annotations

import json
import types
from collections.abc import Iterable, Sequence
from enum import Enum
from typing import Annotated, Any, Union, get_args, get_origin

import pydantic
from pydantic_core import ErrorDetails

from trimtab.errors import ValidationError
from trimtab.spec.base import WireModel

_MAX_VALUE_CHARS = 200

# Pydantic error type -> the rule, in AWS's words. `{...}` are filled from the error's ctx.
_RULES = {
    "missing": "Member must not be null",
    "string_too_short": "Member must have length greater than or equal to {min_length}",
    "too_short": "Member must have length greater than or equal to {min_length}",
    "string_too_long": "Member must have length less than or equal to {max_length}",
    "too_long": "Member must have length less than or equal to {max_length}",
    "greater_than_equal": "Member must have value greater than or equal to {ge}",
    "less_than_equal": "Member must have value less than or equal to {le}",
    "finite_number": "Member must be a finite number",
}
_EXPECTED_TYPE = {
    "string_type": "a string",
    "int_type": "an integer",
    "float_type": "a number",
    "bool_type": "a boolean",
    "list_type": "a list (JSON array)",
    "dict_type": "a map (JSON object)",
    "model_type": "a structure (JSON object)",
    "model_attributes_type": "a structure (JSON object)",
}


def _plain(value: Any) -> Any:
    """JSON-able data: shapes as their wire objects, enums as their values."""
    if isinstance(value, WireModel):
        return value.to_wire()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _printable(text: str) -> str:
    return "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text)


def render(value: Any) -> str:
    """A value as AWS quotes it: `null`, or the text in single quotes (JSON for structures)."""
    value = _plain(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str | int | float):
        text = str(value)
    elif isinstance(value, list | dict):
        try:
            text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=repr)
        except ValueError:  # a circular structure
            text = repr(value)
    else:  # not JSON at all: only a Python caller can pass it
        text = repr(value)
    text = _printable(text)
    if len(text) > _MAX_VALUE_CHARS:
        text = text[: _MAX_VALUE_CHARS - 3] + "..."
    return f"'{text}'"


def violation(path: str, value: Any, rule: str) -> str:
    """One constraint violation in AWS's words."""
    return f"Value {render(value)} at '{path}' failed to satisfy constraint: {rule}"


def validation_error(messages: Sequence[str]) -> ValidationError:
    """One ValidationError carrying every violation, as SageMaker reports them together."""
    count = len(messages)
    noun = "error" if count == 1 else "errors"
    return ValidationError(f"{count} validation {noun} detected: " + "; ".join(messages))


def json_kind(value: Any) -> str:
    """What a decoded JSON value was, for "Member must be a string, not a number"."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _strip(annotation: Any) -> Any:
    """The type inside `Annotated[...]` and `X | None`."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            annotation = next(a for a in get_args(annotation) if a is not type(None))
        else:
            return annotation


def _type_at(root: type[WireModel], loc: Iterable[int | str]) -> Any:
    """The (stripped) type of the member at `loc`, or None where `loc` leaves the shapes."""
    current: Any = root
    for part in loc:
        current = _strip(current)
        if isinstance(current, type) and issubclass(current, WireModel):
            fields = {f.alias or name: f for name, f in current.model_fields.items()}
            if part not in fields:
                return None
            current = fields[str(part)].annotation
        elif get_origin(current) in (list, dict):
            current = get_args(current)[-1]
        else:
            return None
    return _strip(current)


def _rule(error: ErrorDetails, loc: tuple[int | str, ...], root: type[WireModel]) -> str:
    kind = error["type"]
    value = error["input"]
    if kind == "extra_forbidden":
        owner = _type_at(root, loc[:-1])
        members = [f.alias or n for n, f in owner.model_fields.items()] if owner else []
        shape = owner.__name__ if owner else "this structure"
        return f"{loc[-1]} is not a member of {shape}; allowed members: [{', '.join(members)}]"
    if kind == "missing" or value is None:
        return _RULES["missing"]
    if kind == "enum":
        enum = _type_at(root, loc)
        allowed = (
            [m.value for m in enum] if isinstance(enum, type) and issubclass(enum, Enum) else []
        )
        return f"Member must satisfy enum value set: [{', '.join(allowed)}]"
    if kind in _EXPECTED_TYPE:
        return f"Member must be {_EXPECTED_TYPE[kind]}, not {json_kind(value)}"
    if kind in _RULES:
        return _RULES[kind].format(**(error.get("ctx") or {}))
    return error["msg"]  # our own PydanticCustomErrors are already in AWS's words


def _message(error: ErrorDetails, root: type[WireModel]) -> str:
    loc = tuple(error["loc"])
    if loc and loc[-1] == "[key]":  # a bad map key: reported against the map
        rule = _rule(error, loc[:-2], root)
        return violation(
            _path(loc[:-2]), error["input"], f"Map keys must satisfy constraint: [{rule}]"
        )
    value = None if error["type"] == "missing" else error["input"]
    return violation(_path(loc), value, _rule(error, loc, root))


def _path(loc: Sequence[int | str]) -> str:
    return ".".join(str(part) for part in loc)


def shape_messages(error: pydantic.ValidationError, root: type[WireModel]) -> list[str]:
    """One AWS-worded message per pydantic error of a `root.model_validate` call."""
    return [_message(e, root) for e in error.errors(include_url=False)]
