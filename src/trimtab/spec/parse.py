"""The one way in: JSON text or a mapping -> a checked `CreateHyperParameterTuningJobRequest`.

Whatever is wrong with the input surfaces as one `trimtab.errors.ValidationError` in SageMaker's
words; no pydantic or JSON exception escapes.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

import pydantic

from trimtab.errors import ValidationError
from trimtab.spec.base import WireModel
from trimtab.spec.messages import json_kind, shape_messages, validation_error
from trimtab.spec.request import CreateHyperParameterTuningJobRequest
from trimtab.spec.rules import check_rules

M = TypeVar("M", bound=WireModel)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value (numbers must be finite)")


def load_json(text: str | bytes, source: str = "request body") -> Any:
    """Parse JSON strictly (no NaN/Infinity); errors say where, by line and column."""
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        raise ValidationError(
            f"Malformed JSON in {source} at line {error.lineno}, column {error.colno}: {error.msg}"
        ) from None
    except UnicodeDecodeError as error:
        raise ValidationError(
            f"Malformed JSON in {source}: not UTF-8 text (byte {error.start})"
        ) from None
    except ValueError as error:
        raise ValidationError(f"Malformed JSON in {source}: {error}") from None
    except RecursionError:
        raise ValidationError(f"Malformed JSON in {source}: nested too deeply") from None


def parse_request(
    data: Mapping[str, Any] | str | bytes, source: str = "request body"
) -> CreateHyperParameterTuningJobRequest:
    """A CreateHyperParameterTuningJob request, checked as SageMaker checks it.

    Args:
        data: the JSON body (text or bytes) or the already-decoded object.
        source: what `data` is, for messages about malformed JSON.

    Raises:
        ValidationError: malformed JSON, a top level that is not an object, or any violated
            member constraint or cross-member rule (all of them, in one message).
    """
    if isinstance(data, str | bytes | bytearray):
        data = load_json(bytes(data) if isinstance(data, bytearray) else data, source)
    if not isinstance(data, Mapping):
        raise ValidationError(
            f"The {source} must be a JSON object of CreateHyperParameterTuningJob members, "
            f"not {json_kind(data)}"
        )
    try:
        request = CreateHyperParameterTuningJobRequest.model_validate(
            data, by_alias=True, by_name=False
        )
    except pydantic.ValidationError as error:
        raise validation_error(
            shape_messages(error, CreateHyperParameterTuningJobRequest)
        ) from None
    except RecursionError:
        raise ValidationError(f"The {source} is nested too deeply") from None
    problems = check_rules(request)
    if problems:
        raise validation_error(problems)
    return request


def parse_operation(model: type[M], data: Any, operation: str) -> M:
    """An operation's request body (already decoded JSON) checked against its shape, every
    violation in one ValidationError."""
    if not isinstance(data, Mapping):
        raise ValidationError(
            f"The body of {operation} must be a JSON object of its members, not {json_kind(data)}"
        )
    try:
        return model.model_validate(data, by_alias=True, by_name=False)
    except pydantic.ValidationError as error:
        raise validation_error(shape_messages(error, model)) from None
    except RecursionError:
        raise ValidationError(f"The body of {operation} is nested too deeply") from None


def read_stored(request: Mapping[str, Any]) -> CreateHyperParameterTuningJobRequest:
    """A request as the store keeps it: checked by `parse_request` when its job was created, so
    only its shapes are read here (a store's requests are trusted, and read often)."""
    return CreateHyperParameterTuningJobRequest.model_validate(
        request, by_alias=True, by_name=False
    )


def load_request_file(
    path: str | os.PathLike[str], name: str | None = None
) -> CreateHyperParameterTuningJobRequest:
    """`parse_request` of a JSON file, with a ValidationError if it cannot be read; `name`, when
    given, replaces the file's HyperParameterTuningJobName before the request is checked."""
    try:
        text = Path(path).read_bytes()
    except OSError as error:
        reason = error.strerror or str(error)
        raise ValidationError(f"Cannot read the request file '{path}': {reason}") from None
    source = f"'{path}'"
    data = load_json(text, source)
    if name is not None and isinstance(data, dict):
        data["HyperParameterTuningJobName"] = name
    return parse_request(data, source=source)
