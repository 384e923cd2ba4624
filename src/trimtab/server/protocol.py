"""AWS's JSON 1.1 protocol, as botocore speaks it: which operation a request calls, its body, and
how answers and errors are written.

Every call is `POST /` with `X-Amz-Target: <prefix>.<Operation>` and a JSON object body
(`{}` for an operation called without arguments). An answer is the JSON object of the output
shape (`{}` for operations without one); an error is `{"__type": <code>, "Message": <text>}`
with a 4xx status for anything the caller can fix, so that botocore raises it at once instead
of retrying, and 500 only for a fault of the server itself.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final

from trimtab.errors import TrimtabError
from trimtab.spec.parse import load_json

CONTENT_TYPE: Final = "application/x-amz-json-1.1"
SAGEMAKER: Final = "SageMaker"
LOGS: Final = "Logs_20140328"
SERVICES: Final = {SAGEMAKER: "sagemaker", LOGS: "logs"}  # target prefix -> signing name

MAX_DEPTH: Final = 64  # levels of objects and arrays; SageMaker's deepest input nests about 10

# 500 only for the server's own faults; every refusal is a 4xx botocore does not retry.
_STATUS: Final = {"InternalFailure": 500, "AccessDeniedException": 403}


class ProtocolError(TrimtabError):
    """A request that does not follow the protocol: no or unknown target, not JSON."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def read_target(headers: Mapping[str, str]) -> tuple[str, str]:
    """The service (target prefix) and operation a request calls. `headers` must be looked up
    case-insensitively (Starlette's are)."""
    target = headers.get("x-amz-target", "")
    service, dot, operation = target.partition(".")
    if not dot or service not in SERVICES or not operation:
        raise ProtocolError(
            "UnknownOperationException",
            f"X-Amz-Target '{target[:200]}' names no operation of this service: give "
            "SageMaker.<Operation> or Logs_20140328.<Operation>",
        )
    return service, operation


def read_body(headers: Mapping[str, str], body: bytes, operation: str) -> Any:
    """The decoded JSON body (`{}` when empty)."""
    content_type = headers.get("content-type", "").split(";")[0].strip()
    if content_type not in (CONTENT_TYPE, "application/x-amz-json-1.0"):
        raise ProtocolError(
            "SerializationException",
            f"Content-Type '{content_type[:200]}' is not {CONTENT_TYPE}",
        )
    if not body.strip():
        return {}
    try:
        # UTF-8 only (RFC 8259): bytes json.loads would read as UTF-16, or as surrogates, are not.
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ProtocolError(
            "SerializationException",
            f"Malformed JSON in the body of {operation}: not UTF-8 text (byte {error.start})",
        ) from None
    try:
        decoded = load_json(text, f"the body of {operation}")
    except TrimtabError as error:
        raise ProtocolError("SerializationException", error.message) from None
    if _deeper_than(decoded, MAX_DEPTH):
        raise ProtocolError(
            "SerializationException",
            f"The body of {operation} nests more than {MAX_DEPTH} levels deep; no operation's "
            "members nest that deep",
        )
    return decoded


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether objects and arrays in `value` nest more than `limit` levels (walked without
    recursion: the checks and messages after this one recurse, and would overflow the stack)."""
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            pending.extend((child, depth + 1) for child in children)
    return False


def status_of(code: str) -> int:
    return _STATUS.get(code, 400)


def encode(data: Mapping[str, Any] | None) -> bytes:
    return json.dumps(data if data is not None else {}, separators=(",", ":")).encode()


def error_body(code: str, message: str) -> bytes:
    """botocore takes the code from `__type` and the text from `Message` (with a capital M, so
    that modeled exceptions carry it too)."""
    return encode({"__type": code, "Message": message[:1024]})
