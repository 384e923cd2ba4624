"""Requests for hammering `trimtab serve`: drawn from botocore's own input shapes, seeded, and
signed as boto3 signs them, valid or broken on purpose; and what every answer must be.

A `Fuzzer` makes `Case`s: first VALID bodies (every member within its type, enum, length,
simple pattern and range; timestamps as epoch seconds; CloudWatch Logs' members camelCase, as
its model spells them), then MUTATED ones (a member of the wrong type, a required member
missing, an unknown member, 100 KB strings, 100,000-item lists, 1,000 levels of nesting,
numbers out of range or of 400 digits, NaN literals, broken JSON text, an empty body, a wrong
Content-Type or X-Amz-Target, a 5 MB body) and a share signed wrongly or not at all. Each is
raw HTTP, signed with botocore's `SigV4Auth` so that it reaches past the signature check.
`judge` says what is wrong with an answer: the server must never answer 5xx (botocore retries
those) and every refusal must be a 4xx `{"__type", "Message"}` with a code its client knows.

`seed_job` runs one tiny tuning job on a real `trimtab serve` (`trimtab.testing.serving`), so
that the fuzzer's strings can name things that exist (a tuning job, its training job, its log
stream) and reach past "not found".

Shared by tests/server/test_fuzz.py and benchmarks/api_fuzz.py; it needs botocore (a
development dependency, as boto3's), imported only here.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import json
import random
import re
import socket
import string
import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any, Final
from unittest import mock
from urllib.parse import urlsplit

import botocore.auth
import botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

SAGEMAKER: Final = "SageMaker"
LOGS: Final = "Logs_20140328"
PREFIXES: Final = (SAGEMAKER, LOGS)
SIGNING_NAMES: Final = {SAGEMAKER: "sagemaker", LOGS: "logs"}
CONTENT_TYPE: Final = "application/x-amz-json-1.1"
REGION: Final = "us-east-1"

# The codes the protocol itself answers with, whatever the service.
PROTOCOL_CODES: Final = frozenset(
    {
        "ValidationException",
        "UnknownOperationException",
        "SerializationException",
        "InvalidParameterException",
        "ResourceNotFoundException",
        "MissingAuthenticationToken",
        "IncompleteSignature",
        "InvalidSignatureException",
        "UnrecognizedClientException",
    }
)
# sigv4's answer to a signed X-Amz-Content-SHA256 that is not the body's (S3's code; boto3
# never sends the header to SageMaker or CloudWatch Logs): deliberate, and tested there.
SIGV4_OWN_CODES: Final = frozenset({"XAmzContentSHA256Mismatch"})

# Operations of each model that trimtab does not serve: they must be refused by name.
UNSERVED: Final = {
    SAGEMAKER: ("CreateTrainingJob", "ListEndpoints", "DescribeModel", "DeleteEndpoint"),
    LOGS: ("PutLogEvents", "CreateLogGroup", "DescribeLogGroups"),
}

HUGE_STRING: Final = 100_000  # characters
HUGE_LIST: Final = 100_000  # items (10,000 where an item is a structure)
DEEP: Final = 1_000  # levels of nesting
BIG_BODY: Final = 5 << 20  # bytes, over the server's 4 MiB limit

# Kind -> (its group, its weight in the draw). The valid bodies and the signature kinds send
# well-formed bodies of served operations; "unserved" well-formed ones of the others.
_KINDS: Final = {
    "valid": ("valid body", 30),
    "session-token": ("valid body", 2),
    "unserved": ("unserved operation", 4),
    "wrong-type": ("mutated member", 7),
    "missing-required": ("mutated member", 4),
    "unknown-member": ("mutated member", 4),
    "huge-string": ("mutated member", 3),
    "huge-list": ("mutated member", 2),
    "deep-object": ("mutated member", 2),
    "deep-list": ("mutated member", 2),
    "out-of-range": ("mutated member", 6),
    "huge-number": ("mutated member", 3),
    "nan-literal": ("mutated member", 2),
    "truncated": ("broken text", 2),
    "trailing-garbage": ("broken text", 2),
    "invalid-utf8": ("broken text", 2),
    "not-an-object": ("broken text", 2),
    "empty-body": ("broken text", 2),
    "content-type": ("headers, path, size", 2),
    "no-target": ("headers, path, size", 1),
    "bad-target": ("headers, path, size", 2),
    "big-body": ("headers, path, size", 1),
    "method-or-path": ("headers, path, size", 2),
    "unsigned": ("signature", 2),
    "wrong-secret": ("signature", 1),
    "unknown-key": ("signature", 1),
    "malformed-authorization": ("signature", 2),
    "stale-date": ("signature", 1),
    "wrong-scope": ("signature", 1),
    "tampered": ("signature", 1),
    "content-sha256": ("signature", 1),
}
KINDS: Final = {kind: weight for kind, (_, weight) in _KINDS.items()}
GROUPS: Final = {kind: group for kind, (group, _) in _KINDS.items()}
VALID_KINDS: Final = frozenset({"valid", "session-token"})
_NUMERIC: Final = ("integer", "long", "float", "double", "timestamp")


@cache
def service_model(prefix: str) -> Any:
    """botocore's service model for a target prefix."""
    return botocore.session.get_session().get_service_model(SIGNING_NAMES[prefix])


def allowed_codes(prefix: str | None) -> frozenset[str]:
    """The error codes a refusal of a call to `prefix` (None: no or an unknown target) may carry:
    the protocol's, and the modeled errors of that service."""
    codes = PROTOCOL_CODES | SIGV4_OWN_CODES
    if prefix in SIGNING_NAMES:
        codes |= {shape.name for shape in service_model(prefix).error_shapes}
    return codes


# -- requests --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One request to send, and what it is.

    `prefix` and `operation` are the target's (prefix None: no or an unknown target); `expect`,
    when set, is the codes a refusal must carry (None: any allowed code, or a 200).
    """

    kind: str
    prefix: str | None
    operation: str
    served: bool
    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes
    expect: frozenset[str] | None = None
    variant: str = ""

    @property
    def target(self) -> str:
        return f"{self.prefix or '?'}.{self.operation}"


@dataclass(frozen=True)
class Answer:
    """What came back: status 0 with `failure` set when no HTTP answer did."""

    status: int
    headers: Mapping[str, str]  # lower-case names
    body: bytes
    seconds: float
    failure: str | None = None

    def json(self) -> Any:
        return json.loads(self.body)


class Signer:
    """Signs requests as botocore does for the server at `endpoint`."""

    def __init__(self, endpoint: str, key_id: str, secret: str) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.key_id, self.secret = key_id, secret

    def sign(
        self,
        headers: Mapping[str, str],
        body: bytes,
        *,
        service: str,
        method: str = "POST",
        path: str = "/",
        key_id: str | None = None,
        secret: str | None = None,
        token: str | None = None,
        at: datetime | None = None,
    ) -> dict[str, str]:
        """`headers` plus Host, X-Amz-Date and Authorization (and X-Amz-Security-Token with a
        `token`), signed for `service` with the server's key or the one given, now or `at`."""
        credentials = Credentials(key_id or self.key_id, secret or self.secret, token)
        request = AWSRequest(
            method=method, url=self.endpoint + path, data=body, headers=dict(headers)
        )
        auth = SigV4Auth(credentials, service, REGION)
        if at is None:
            auth.add_auth(request)
        else:
            with mock.patch.object(botocore.auth, "get_current_datetime", return_value=at):
                auth.add_auth(request)
        signed = {"Host": urlsplit(self.endpoint).netloc}
        signed.update({name: str(value) for name, value in request.headers.items()})
        return signed

    def call(self, prefix: str, operation: str, body: Mapping[str, Any]) -> Case:
        """A well-formed, well-signed call, as boto3 would send it."""
        text = json.dumps(body).encode()
        headers = {"X-Amz-Target": f"{prefix}.{operation}", "Content-Type": CONTENT_TYPE}
        return Case(
            "valid",
            prefix,
            operation,
            True,
            "POST",
            "/",
            self.sign(headers, text, service=SIGNING_NAMES[prefix]),
            text,
        )


class _Literal:
    """JSON text put as it is where this value stands (NaN, 10**5000, broken bytes, depth)."""

    def __init__(self, text: bytes) -> None:
        self.text = text


def encode(value: Any, ascii_only: bool = True) -> bytes:
    """JSON of `value`, with each `_Literal` in it replaced by its text."""
    literals: list[bytes] = []

    def mark(item: Any) -> str:
        if not isinstance(item, _Literal):
            raise TypeError(type(item).__name__)
        literals.append(item.text)
        return f"@@fuzz-literal-{len(literals) - 1}@@"

    text = json.dumps(value, default=mark, ensure_ascii=ascii_only, allow_nan=True).encode()
    for index, literal in enumerate(literals):
        text = text.replace(f'"@@fuzz-literal-{index}@@"'.encode(), literal, 1)
    return text


def nested(depth: int, kind: str) -> _Literal:
    """`depth` levels of `{"a": ...}` (kind "object") or `[...]` (kind "list"), as text: too
    deep for `json.dumps` to write."""
    if kind == "object":
        return _Literal(b'{"a":' * depth + b"1" + b"}" * depth)
    return _Literal(b"[" * depth + b"1" + b"]" * depth)


@dataclass
class _Slot:
    """Where a member value sits in a body: `parent[key]`, of `shape`."""

    parent: Any
    key: Any
    shape: Any
    name: str


_ALPHABETS: Final = (
    string.ascii_letters + string.digits,
    string.ascii_lowercase,
    string.ascii_letters,
    string.ascii_letters + string.digits + "-",
    string.ascii_letters + string.digits + "_",
)
_TEMPLATES: Final = (
    "s3://fuzz-bucket/fuzz/key",
    "arn:aws:iam::000000000000:role/fuzz",
    "arn:aws:sagemaker:us-east-1:000000000000:hyper-parameter-tuning-job/fuzz",
    "arn:aws:sagemaker:us-east-1:000000000000:training-job/fuzz-001-0a0b0c0d",
    "arn:aws:sagemaker:us-east-1:000000000000:training-plan/fuzz",
    "fs-0123abcd",
    "/aws/sagemaker/TrainingJobs",
    "a",
    "A1",
    "fuzz",
)
_ODD_TEXT: Final = "aZ9 é€𝄞\u0000\n\t\"\\/'<>{}[]%*?:~\u2028"


@cache
def _pattern(regex: str) -> re.Pattern[str] | None:
    """The model's pattern in Python's `re` (`\\p{L}` and friends as `\\w`), or None."""
    translated = re.sub(r"\\p\{[A-Za-z]+\}", r"\\w", regex)
    try:
        return re.compile(translated)
    except re.error:
        return None


class Fuzzer:
    """Cases for the operations served (`served`: prefix -> operation names), from `seed`.

    `known` maps member names (e.g. `HyperParameterTuningJobName`, `logStreamName`) to values
    that name something on the server; a valid string member draws from them half the time.
    """

    def __init__(
        self,
        seed: int,
        signer: Signer,
        served: Mapping[str, Collection[str]],
        known: Mapping[str, Sequence[str]] | None = None,
        kinds: Mapping[str, int] = KINDS,
    ) -> None:
        self.rng = random.Random(seed)
        self.signer = signer
        self.served = {prefix: sorted(ops) for prefix, ops in served.items()}
        self.known: dict[str, list[str]] = {k: list(v) for k, v in (known or {}).items()}
        self.kinds = dict(kinds)
        self._targets = [(p, op) for p, ops in self.served.items() for op in ops]

    # -- drawing cases ---------------------------------------------------------------------

    def cases(self, count: int) -> Iterator[Case]:
        """`count` cases: one of each kind first (in order), then kinds drawn by weight."""
        names, weights = list(self.kinds), list(self.kinds.values())
        for index in range(count):
            kind = names[index] if index < len(names) else self.rng.choices(names, weights)[0]
            yield self.case(kind)

    def case(self, kind: str) -> Case:
        make: Callable[[str], Case] = getattr(self, "_" + kind.replace("-", "_"))
        return make(kind)

    # -- valid values ----------------------------------------------------------------------

    def body(self, prefix: str, operation: str) -> dict[str, Any]:
        """A valid body for `operation`, as botocore would serialize it."""
        shape = service_model(prefix).operation_model(operation).input_shape
        if shape is None:
            return {}
        value: dict[str, Any] = self.valid(shape, operation=operation)
        return value

    def valid(self, shape: Any, name: str = "", depth: int = 0, operation: str = "") -> Any:
        """A JSON value that fits `shape`: every constraint of the model met, except patterns
        no simple draw satisfies."""
        rng, kind = self.rng, shape.type_name
        if kind == "structure":
            members = list(shape.members.items())
            if shape.metadata.get("union"):
                member, inner = rng.choice(members)
                return {member: self.valid(inner, member, depth + 1, operation)}
            keep = 0.6 / (1 + depth) if depth < 8 else 0.0
            return {
                member: self.valid(inner, member, depth + 1, operation)
                for member, inner in members
                if member in shape.required_members or rng.random() < keep
            }
        if kind == "list":
            low, high = self._bounds(shape, 0, 3)
            size = low if depth >= 8 else rng.randint(low, min(high, low + 3))
            return [self.valid(shape.member, name, depth + 1, operation) for _ in range(size)]
        if kind == "map":
            low, high = self._bounds(shape, 0, 3)
            size = rng.randint(low, min(high, low + 3))
            keys = {self.valid(shape.key, "", depth + 1, operation) for _ in range(size * 3)}
            chosen = sorted(keys)[: max(size, low)]
            return {k: self.valid(shape.value, name, depth + 1, operation) for k in chosen}
        if kind == "string":
            return self._string(shape, name, operation)
        if kind in ("integer", "long"):
            default = (-(2**31), 2**31 - 1) if kind == "integer" else (-(2**63), 2**63 - 1)
            low, high = self._bounds(shape, *default, "min", "max")
            if rng.random() < 0.2:
                return rng.choice((low, high))
            start = min(max(low, 0), high)
            return rng.randint(start, min(high, start + 1000))
        if kind in ("float", "double"):
            low_f = float(shape.metadata.get("min", -1e6))
            high_f = float(shape.metadata.get("max", max(low_f, 0) + 1e6))
            return round(rng.uniform(low_f, high_f), rng.randint(0, 6))
        if kind == "boolean":
            return rng.random() < 0.5
        if kind == "timestamp":  # requests carry integer epoch seconds
            return int(time.time()) + rng.randint(-10 * 365 * 86400, 365 * 86400)
        if kind == "blob":
            return "ZnV6eg=="
        return {}  # a document: any JSON

    def _bounds(
        self, shape: Any, low: int, high: int, low_key: str = "min", high_key: str = "max"
    ) -> tuple[int, int]:
        metadata = shape.metadata
        found_low, found_high = int(metadata.get(low_key, low)), int(metadata.get(high_key, high))
        if shape.type_name in ("list", "map", "string") and high_key not in metadata:
            found_high = max(found_low, high)
        return found_low, max(found_low, found_high)

    def _string(self, shape: Any, name: str, operation: str) -> str:
        rng, metadata = self.rng, shape.metadata
        if shape.enum:
            return str(rng.choice(shape.enum))
        low, high = int(metadata.get("min", 0)), int(metadata.get("max", 64))
        known = self.known.get(name)
        if known and operation != "DeleteHyperParameterTuningJob" and rng.random() < 0.5:
            return rng.choice(known)  # the seed job is not deleted: later calls still see it
        regex = metadata.get("pattern")
        matcher = _pattern(regex) if regex else None

        def fits(text: str) -> bool:
            if not low <= len(text) <= high:
                return False
            return matcher is None or matcher.fullmatch(text) is not None

        for _ in range(6):
            size = rng.randint(low, min(high, low + 24))
            if rng.random() < 0.05 and high <= 4096:
                size = high  # the longest the model allows
            alphabet = rng.choice(_ALPHABETS) if matcher is not None else _ODD_TEXT + "abcxyz"
            text = "".join(rng.choices(alphabet, k=size))
            if fits(text):
                return text
        for template in rng.sample(_TEMPLATES, len(_TEMPLATES)):
            if fits(template):
                return template
        return "x" * max(low, 1)  # a pattern no simple draw meets: the server may refuse it

    # -- building requests -----------------------------------------------------------------

    def _target(self, need: Callable[[Any], bool] | None = None) -> tuple[str, str]:
        """A served operation, whose input shape meets `need` where one does."""
        targets = self._targets
        if need is not None:
            fitting = [(p, op) for p, op in targets if need(self._input(p, op))]
            targets = fitting or targets
        return self.rng.choice(targets)

    @staticmethod
    def _input(prefix: str, operation: str) -> Any:
        return service_model(prefix).operation_model(operation).input_shape

    def _make(
        self,
        kind: str,
        prefix: str | None,
        operation: str,
        body: bytes,
        *,
        served: bool = True,
        expect: Collection[str] | None = None,
        variant: str = "",
        headers: Mapping[str, str] | None = None,
        method: str = "POST",
        path: str = "/",
        service: str | None = None,
        **signing: Any,
    ) -> Case:
        if headers is None:
            headers = {"X-Amz-Target": f"{prefix}.{operation}", "Content-Type": CONTENT_TYPE}
        service = service or SIGNING_NAMES.get(prefix or "", "sagemaker")
        signed = self.signer.sign(
            headers, body, service=service, method=method, path=path, **signing
        )
        return Case(
            kind,
            prefix,
            operation,
            served,
            method,
            path,
            signed,
            body,
            None if expect is None else frozenset(expect),
            variant,
        )

    def _valid_case(self, kind: str, **changes: Any) -> Case:
        prefix, operation = self._target()
        body = encode(self.body(prefix, operation), self.rng.random() < 0.7)
        return self._make(kind, prefix, operation, body, **changes)

    def _valid(self, kind: str) -> Case:
        return self._valid_case(kind)

    def _session_token(self, kind: str) -> Case:
        return self._valid_case(kind, token="fuzz-session-token")

    def _unserved(self, kind: str) -> Case:
        prefix = self.rng.choice(PREFIXES)
        operation = self.rng.choice(UNSERVED[prefix])
        body = encode(self.body(prefix, operation))
        return self._make(
            kind, prefix, operation, body, served=False, expect={"UnknownOperationException"}
        )

    # -- mutated members -------------------------------------------------------------------

    def _slots(self, value: Any, shape: Any, name: str = "") -> Iterator[_Slot]:
        """Every member value in `value` (a body of `shape`), depth first."""
        kind = shape.type_name
        if kind == "structure" and isinstance(value, dict):
            for member, item in value.items():
                if member in shape.members:
                    inner = shape.members[member]
                    yield _Slot(value, member, inner, member)
                    yield from self._slots(item, inner, member)
        elif kind == "list" and isinstance(value, list):
            for index, item in enumerate(value):
                yield _Slot(value, index, shape.member, name)
                yield from self._slots(item, shape.member, name)
        elif kind == "map" and isinstance(value, dict):
            for key, item in value.items():
                yield _Slot(value, key, shape.value, name)
                yield from self._slots(item, shape.value, name)

    def _structures(self, value: Any, shape: Any) -> list[tuple[dict[str, Any], Any]]:
        found = [(value, shape)] if isinstance(value, dict) else []
        found += [
            (slot.parent[slot.key], slot.shape)
            for slot in self._slots(value, shape)
            if slot.shape.type_name == "structure" and isinstance(slot.parent[slot.key], dict)
        ]
        return found

    def _mutated(
        self,
        kind: str,
        change: Callable[[dict[str, Any], Any], str | None],
        need: Callable[[Any], bool] | None = None,
        expect: Callable[[str], Collection[str] | None] = lambda prefix: None,
    ) -> Case:
        """A valid body of a served operation, changed by `change` (which says how, or None
        when the body offers it nothing to change: then another is drawn)."""
        for _ in range(20):
            prefix, operation = self._target(need)
            body = self.body(prefix, operation)
            variant = change(body, self._input(prefix, operation))
            if variant is not None:
                text = encode(body, self.rng.random() < 0.5)
                return self._make(
                    kind, prefix, operation, text, expect=expect(prefix), variant=variant
                )
        prefix, operation = self._target()
        return self._make(kind, prefix, operation, b"{}", variant="nothing to change")

    @staticmethod
    def _refusal(prefix: str) -> set[str]:
        """What a body the operation's shape refuses is answered with."""
        return {"InvalidParameterException" if prefix == LOGS else "ValidationException"}

    def _wrong_type(self, kind: str) -> Case:
        def change(body: dict[str, Any], shape: Any) -> str | None:
            slots = list(self._slots(body, shape))
            if not slots:  # nothing drawn: a member that was left out
                member = self.rng.choice(list(shape.members))
                slots = [_Slot(body, member, shape.members[member], member)]
            slot = self.rng.choice(slots)
            wrong = self._wrong_value(slot.shape.type_name)
            slot.parent[slot.key] = wrong
            return f"{slot.shape.type_name} <- {type(wrong).__name__}"

        return self._mutated(kind, change, lambda shape: bool(shape.members))

    def _wrong_value(self, type_name: str) -> Any:
        choices: list[Any] = ["7", 7, 1.5, True, None, ["x"], {"a": "b"}]
        if type_name == "string":
            choices = [7, 1.5, True, None, ["x"], {"a": "b"}]
        elif type_name in ("integer", "long"):
            choices = ["7", 1.5, 2.0, True, None, [7], {"a": 7}]
        elif type_name in ("float", "double"):
            choices = ["1.5", True, None, [1.5], {"a": 1}]
        elif type_name == "boolean":
            choices = ["true", 0, 1, None, [True], {"a": True}]
        elif type_name == "timestamp":
            choices = [True, None, [1], {"a": 1}, "yesterday"]
        elif type_name in ("structure", "map"):
            choices = ["x", 7, True, None, [{"a": "b"}], []]
        elif type_name == "list":
            choices = ["x", 7, True, None, {"a": ["x"]}, {}]
        return self.rng.choice(choices)

    def _missing_required(self, kind: str) -> Case:
        def change(body: dict[str, Any], shape: Any) -> str | None:
            required = [
                (value, member)
                for value, inner in self._structures(body, shape)
                for member in inner.required_members
                if member in value
            ]
            if not required:
                return None
            value, member = self.rng.choice(required)
            del value[member]
            return str(member)

        return self._mutated(
            kind, change, lambda shape: bool(shape.required_members), self._refusal
        )

    def _unknown_member(self, kind: str) -> Case:
        def change(body: dict[str, Any], shape: Any) -> str | None:
            value, inner = self.rng.choice(self._structures(body, shape))
            name = self.rng.choice(["Fuzz", "fuzz", "__proto__", "", "a" * 300, "Näme"])
            name += str(self.rng.randint(0, 99)) if name else ""
            while name in inner.members:
                name += "X"
            value[name] = self.rng.choice(["x", 1, [], {"a": 1}, True])  # null: left out
            return name[:40]

        return self._mutated(kind, change, expect=self._refusal)

    def _huge_string(self, kind: str) -> Case:
        def change(body: dict[str, Any], shape: Any) -> str | None:
            slots = [s for s in self._slots(body, shape) if s.shape.type_name == "string"]
            alphabet = self.rng.choice([string.ascii_letters, _ODD_TEXT, "a"])
            text = "".join(self.rng.choices(alphabet, k=HUGE_STRING))
            if slots:
                slot = self.rng.choice(slots)
                slot.parent[slot.key] = text
                return slot.name
            body[self.rng.choice(["Fuzz", "NameContains", text[:50]])] = text
            return "as a member"

        return self._mutated(kind, change)

    def _huge_list(self, kind: str) -> Case:
        def change(body: dict[str, Any], shape: Any) -> str | None:
            places = [
                (value, member, inner.members[member])
                for value, inner in self._structures(body, shape)
                for member in inner.members
                if inner.members[member].type_name == "list"
            ]
            if not places:
                body["Fuzz"] = ["x"] * HUGE_LIST
                return "unknown member"
            value, member, list_shape = self.rng.choice(places)
            item = self.valid(list_shape.member, member)
            size = HUGE_LIST // 10 if isinstance(item, dict) else HUGE_LIST
            value[member] = [item] * size
            return str(member)

        return self._mutated(kind, change)

    def _deep(self, kind: str, nesting: str) -> Case:
        def change(body: dict[str, Any], shape: Any) -> str | None:
            depth = self.rng.choice([DEEP, DEEP, DEEP, 990, 900, 500, 100, 5 * DEEP])
            deep = nested(depth, nesting)
            slots = list(self._slots(body, shape))
            where = self.rng.random()
            if slots and where < 0.5:
                slot = self.rng.choice(slots)
                slot.parent[slot.key] = deep
                return f"{depth} levels at {slot.name}"
            if where < 0.8:
                body["Fuzz"] = deep
                return f"{depth} levels as an unknown member"
            body.clear()
            body["a"] = deep
            return f"{depth} levels as the body"

        return self._mutated(kind, change)

    def _deep_object(self, kind: str) -> Case:
        return self._deep(kind, "object")

    def _deep_list(self, kind: str) -> Case:
        return self._deep(kind, "list")

    def _out_of_range(self, kind: str) -> Case:
        def change(body: dict[str, Any], shape: Any) -> str | None:
            options: list[tuple[_Slot, Any]] = []
            for slot in self._slots(body, shape):
                options += [(slot, bad) for bad in self._outside(slot.shape)]
            if not options:
                return None
            slot, bad = self.rng.choice(options)
            slot.parent[slot.key] = bad
            shown = bad if not isinstance(bad, str) else f"{len(bad)} chars"
            return f"{slot.name}={shown}"[:60]

        return self._mutated(kind, change)

    def _outside(self, shape: Any) -> list[Any]:
        """Values of the right JSON type that break the shape's limits."""
        metadata, kind = shape.metadata, shape.type_name
        bad: list[Any] = []
        if kind in ("integer", "long"):
            if "min" in metadata:
                bad.append(int(metadata["min"]) - 1)
            if "max" in metadata:
                bad.append(int(metadata["max"]) + 1)
            bad += [-(2**63) - 1, 2**64, -(2**31) - 1]
        elif kind in ("float", "double"):
            if "min" in metadata:
                bad.append(float(metadata["min"]) - 1)
            if "max" in metadata:
                bad.append(float(metadata["max"]) * 10 + 1)
            bad += [1.7e308, -1.7e308, 5e-324]
        elif kind == "timestamp":
            bad += [-(10**12), 10**15, 253402300800, -62135596801, 1.5e300]
        elif kind == "string":
            if shape.enum:
                bad += ["NotAnEnumValue", "", shape.enum[0].lower() + " "]
            if int(metadata.get("min", 0)) > 0:
                bad.append("x" * (int(metadata["min"]) - 1))
            if "max" in metadata and int(metadata["max"]) < HUGE_STRING:
                bad.append("y" * (int(metadata["max"]) + 1))
            if metadata.get("pattern"):
                matcher = _pattern(metadata["pattern"])
                odd = ["!! not the pattern !!", " ", "\u0000", "a\nb", "../../etc/passwd"]
                bad += [t for t in odd if matcher is None or not matcher.fullmatch(t)]
        elif kind in ("list", "map") and "max" in metadata and int(metadata["max"]) < 1000:
            item = self.valid(shape.member if kind == "list" else shape.value)
            size = int(metadata["max"]) + 1
            bad.append([item] * size if kind == "list" else {f"k{i}": item for i in range(size)})
        return bad

    def _huge_number(self, kind: str) -> Case:
        def change(body: dict[str, Any], shape: Any) -> str | None:
            slots = [s for s in self._slots(body, shape) if s.shape.type_name in _NUMERIC]
            if not slots:
                return None
            slot = self.rng.choice(slots)
            big = self.rng.choice(
                [10**400, -(10**400), _Literal(b"1" + b"0" * 5000), _Literal(b"1e400")]
            )
            slot.parent[slot.key] = big
            return f"{slot.name}: {'literal' if isinstance(big, _Literal) else '10**400'}"

        def numeric(shape: Any) -> bool:
            return any(m.type_name in _NUMERIC for m in shape.members.values())

        return self._mutated(kind, change, numeric)

    def _nan_literal(self, kind: str) -> Case:
        def change(body: dict[str, Any], shape: Any) -> str | None:
            literal = self.rng.choice([b"NaN", b"Infinity", b"-Infinity"])
            slots = list(self._slots(body, shape))
            if slots:
                slot = self.rng.choice(slots)
                slot.parent[slot.key] = _Literal(literal)
            else:
                body["Fuzz"] = _Literal(literal)
            return literal.decode()

        return self._mutated(kind, change, expect=lambda prefix: {"SerializationException"})

    # -- broken text -----------------------------------------------------------------------

    def _text_case(
        self, kind: str, text: Callable[[bytes], tuple[bytes, str]], **make: Any
    ) -> Case:
        prefix, operation = self._target()
        body = encode(self.body(prefix, operation))
        broken, variant = text(body)
        return self._make(kind, prefix, operation, broken, variant=variant, **make)

    def _truncated(self, kind: str) -> Case:
        def cut(body: bytes) -> tuple[bytes, str]:
            at = self.rng.randint(1, max(1, len(body) - 1))
            return body[:at], f"{at} of {len(body)} bytes"

        return self._text_case(kind, cut, expect={"SerializationException"})

    def _trailing_garbage(self, kind: str) -> Case:
        def add(body: bytes) -> tuple[bytes, str]:
            garbage = self.rng.choice([b"}", b"garbage", b"\x00", b"{}", b",", b"]", b" x"])
            return body + garbage, repr(garbage)

        return self._text_case(kind, add, expect={"SerializationException"})

    def _invalid_utf8(self, kind: str) -> Case:
        def spoil(body: bytes) -> tuple[bytes, str]:
            bad = self.rng.choice([b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xf8\x88\x80\x80"])
            if self.rng.random() < 0.5 and b'"' in body[1:]:
                at = body.index(b'"', 1) + 1  # inside the first member name or string
            else:
                at = self.rng.randint(0, len(body))
            return body[:at] + bad + body[at:], f"{bad!r} at {at}"

        return self._text_case(kind, spoil, expect={"SerializationException"})

    def _not_an_object(self, kind: str) -> Case:
        def wrap(body: bytes) -> tuple[bytes, str]:
            text = self.rng.choice(
                [b"[" + body + b"]", b"[]", b'"' + b"x" * 20 + b'"', b"42", b"null", b"true"]
            )
            return text, text[:20].decode(errors="replace")

        return self._text_case(
            kind, wrap, expect={"ValidationException", "InvalidParameterException"}
        )

    def _empty_body(self, kind: str) -> Case:
        prefix, operation = self._target()
        body = self.rng.choice([b"", b" ", b"\n\t "])
        return self._make(kind, prefix, operation, body, variant=repr(body))

    # -- headers, paths and sizes ----------------------------------------------------------

    def _content_type(self, kind: str) -> Case:
        prefix, operation = self._target()
        body = encode(self.body(prefix, operation))
        given = self.rng.choice(
            [None, "", "application/json", "text/plain", "application/x-amz-json-1.2",
             "multipart/form-data; boundary=x", "application/x-www-form-urlencoded"]
        )  # fmt: skip
        headers = {"X-Amz-Target": f"{prefix}.{operation}"}
        if given is not None:
            headers["Content-Type"] = given
        return self._make(
            kind,
            prefix,
            operation,
            body,
            headers=headers,
            expect={"SerializationException"},
            variant=repr(given),
        )

    def _no_target(self, kind: str) -> Case:
        body = encode(self.body(*self._target()))
        headers = {"Content-Type": CONTENT_TYPE}
        return self._make(
            kind, None, "", body, headers=headers, expect={"UnknownOperationException"}
        )

    def _bad_target(self, kind: str) -> Case:
        prefix, operation = self._target()
        other = LOGS if prefix == SAGEMAKER else SAGEMAKER
        choices: list[tuple[str | None, str, str]] = [
            (None, "", prefix),
            (prefix, "", f"{prefix}."),
            (None, operation, f".{operation}"),
            (None, operation, f"{prefix.lower()}.{operation}"),
            (other, operation, f"{other}.{operation}"),
            (None, operation, f"Foo.{operation}"),
            (prefix, operation.lower(), f"{prefix}.{operation.lower()}"),
            (prefix, "x" * 10_000, f"{prefix}.{'x' * 10_000}"),
            (prefix, f"{operation} ", f"{prefix}.{operation}.Extra"),
            (prefix, "Ünïcödé", f"{prefix}.Ünïcödé"),
        ]
        named, op, target = self.rng.choice(choices)
        body = encode(self.body(prefix, operation))
        headers = {"X-Amz-Target": target, "Content-Type": CONTENT_TYPE}
        return self._make(
            kind,
            named,
            op,
            body,
            served=False,
            headers=headers,
            expect={"UnknownOperationException"},
            variant=target[:40],
        )

    def _big_body(self, kind: str) -> Case:
        prefix, operation = self._target()
        under = self.rng.random() < 0.3  # just under the limit: read, then refused by shape
        size = (4 << 20) - 64 if under else BIG_BODY
        filler = b"x" * (size - 16)
        body = b'{"Fuzz":"' + filler + b'"}'
        return self._make(
            kind,
            prefix,
            operation,
            body,
            expect=None if under else {"SerializationException"},
            variant=f"{len(body)} bytes",
        )

    def _method_or_path(self, kind: str) -> Case:
        prefix, operation = self._target()
        method, path = self.rng.choice(
            [("GET", "/"), ("PUT", "/"), ("DELETE", "/"), ("PATCH", "/"), ("OPTIONS", "/"),
             ("HEAD", "/"), ("TRACE", "/"), ("FUZZ", "/"), ("POST", "/foo"),
             ("POST", "/2014-03-28/x"), ("GET", "/foo/bar"), ("POST", "//"), ("POST", "/%2e%2e/")]
        )  # fmt: skip
        body = encode(self.body(prefix, operation))
        return self._make(
            kind,
            prefix,
            operation,
            body,
            method=method,
            path=path,
            expect={"UnknownOperationException"},
            variant=f"{method} {path}",
        )

    # -- signatures ------------------------------------------------------------------------

    def _unsigned(self, kind: str) -> Case:
        case = self._valid_case(kind, expect={"MissingAuthenticationToken"})
        headers = {k: v for k, v in case.headers.items() if k.lower() != "authorization"}
        return _replace(case, headers=headers)

    def _wrong_secret(self, kind: str) -> Case:
        return self._valid_case(kind, secret="not-the-secret", expect={"InvalidSignatureException"})

    def _unknown_key(self, kind: str) -> Case:
        return self._valid_case(
            kind, key_id="AKIAFUZZUNKNOWN", expect={"UnrecognizedClientException"}
        )

    def _malformed_authorization(self, kind: str) -> Case:
        case = self._valid_case(kind)
        headers = dict(case.headers)
        header = headers["Authorization"]
        date = headers["X-Amz-Date"]
        incomplete, invalid = {"IncompleteSignature"}, {"InvalidSignatureException"}
        variants: list[tuple[str, str | None, str | None, set[str]]] = [
            ("empty", "", date, incomplete),
            ("bearer", "Bearer abc", date, incomplete),
            ("algorithm only", "AWS4-HMAC-SHA256", date, incomplete),
            ("four-part credential", header.replace("/aws4_request", ""), date, incomplete),
            ("short signature", re.sub(r"Signature=\w+", "Signature=abc", header), date,
             incomplete),
            ("upper-case signed headers", header.replace("SignedHeaders=content-type",
             "SignedHeaders=Content-Type"), date, incomplete),
            ("repeated parameter", header + ", Signature=" + "0" * 64, date, incomplete),
            ("bad terminator", header.replace("aws4_request", "aws5_request"), date, incomplete),
            ("header not sent", header.replace("SignedHeaders=", "SignedHeaders=x-not-sent;"),
             date, incomplete),
            ("no date", header, None, invalid),
            ("date month 13", header, date[:4] + "13" + date[6:], invalid),
            ("date garbage", header, "yesterday", invalid),
            ("date in year 9999", header, "99991231T235959Z", incomplete | invalid),
        ]  # fmt: skip
        variant, authorization, amz_date, expect = self.rng.choice(variants)
        headers["Authorization"] = authorization or ""
        if amz_date is None:
            del headers["X-Amz-Date"]
        else:
            headers["X-Amz-Date"] = amz_date
        return _replace(case, headers=headers, expect=frozenset(expect), variant=variant)

    def _stale_date(self, kind: str) -> Case:
        minutes = self.rng.choice([-20, 20, -60 * 24, 60 * 24 * 365])
        at = datetime.now(UTC) + timedelta(minutes=minutes)
        return self._valid_case(
            kind, at=at, expect={"InvalidSignatureException"}, variant=f"{minutes:+d} min"
        )

    def _wrong_scope(self, kind: str) -> Case:
        prefix, operation = self._target()
        wrong = self.rng.choice(
            [name for p, name in SIGNING_NAMES.items() if p != prefix] + ["s3", "iam"]
        )
        body = encode(self.body(prefix, operation))
        return self._make(
            kind,
            prefix,
            operation,
            body,
            service=wrong,
            expect={"InvalidSignatureException"},
            variant=wrong,
        )

    def _tampered(self, kind: str) -> Case:
        case = self._valid_case(kind, expect={"InvalidSignatureException"})
        if self.rng.random() < 0.5:
            return _replace(case, body=case.body + b" ", variant="body")
        headers = dict(case.headers)
        others = [op for op in self.served[case.prefix or ""] if op != case.operation]
        headers["X-Amz-Target"] = f"{case.prefix}.{self.rng.choice(others)}"
        return _replace(case, headers=headers, variant="target")

    def _content_sha256(self, kind: str) -> Case:
        prefix, operation = self._target()
        body = encode(self.body(prefix, operation))
        headers = {
            "X-Amz-Target": f"{prefix}.{operation}",
            "Content-Type": CONTENT_TYPE,
            "X-Amz-Content-SHA256": hashlib.sha256(b"another body").hexdigest(),
        }
        return self._make(kind, prefix, operation, body, headers=headers, expect=SIGV4_OWN_CODES)


def _replace(case: Case, **changes: Any) -> Case:
    fields = {**case.__dict__, **changes}
    if isinstance(fields.get("expect"), set):
        fields["expect"] = frozenset(fields["expect"])
    return Case(**fields)


# -- sending and judging -----------------------------------------------------------------------


IDLE_CLOSE: Final = 4.0  # seconds idle after which uvicorn (5 s) may close a connection


class Connection:
    """One kept-alive HTTP connection to the server, reopened when the server closes it. A
    connection dropped without an answer is a failure, unless it had been idle long enough for
    the server to close it (then the request is sent again on a new one)."""

    def __init__(self, endpoint: str, timeout: float = 30) -> None:
        parts = urlsplit(endpoint)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.timeout = timeout
        self._http: http.client.HTTPConnection | None = None
        self._used = time.monotonic()

    def send(self, case: Case) -> Answer:
        started = time.perf_counter()
        for attempt in range(2):
            try:
                if self._http is None:
                    self._http = self._connect()
                self._http.request(case.method, case.path, body=case.body, headers=case.headers)
                response = self._http.getresponse()
                body = response.read()
            except TimeoutError:
                self.close()
                return Answer(0, {}, b"", time.perf_counter() - started, "no answer in time")
            except (http.client.HTTPException, ConnectionError, OSError) as error:
                self.close()
                idle = time.monotonic() - self._used
                if attempt == 0 and isinstance(error, ConnectionError) and idle > IDLE_CLOSE:
                    continue  # a kept-alive connection the server closed while it was idle
                failure = f"{type(error).__name__}: {error}"
                return Answer(0, {}, b"", time.perf_counter() - started, failure)
            finally:
                self._used = time.monotonic()
            headers = {name.lower(): value for name, value in response.getheaders()}
            if response.will_close:
                self.close()
            return Answer(response.status, headers, body, time.perf_counter() - started)
        raise AssertionError("unreachable")

    def _connect(self) -> http.client.HTTPConnection:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        connection.connect()
        # Headers and body may go in two writes: without this, each waits out a delayed ACK.
        connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return connection

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def judge(case: Case, answer: Answer) -> list[str]:
    """What is wrong with `answer` to `case` ([] when nothing): a 5xx, no answer, a body that is
    not JSON, a refusal that is not exactly `{"__type", "Message"}` with an allowed code (the
    expected one, where the case has one), no request id."""
    if answer.failure is not None:
        return [f"no answer: {answer.failure}"]
    found: list[str] = []
    if answer.status >= 500:
        found.append(f"status {answer.status}")
    if answer.headers.get("content-type") != CONTENT_TYPE:
        found.append(f"Content-Type {answer.headers.get('content-type')!r}")
    if case.method == "HEAD":  # an answer to HEAD has no body
        return found + ([] if answer.status >= 400 else [f"HEAD answered {answer.status}"])
    try:
        body = answer.json()
    except ValueError:
        return [*found, f"status {answer.status}, not JSON: {answer.body[:120]!r}"]
    if answer.status >= 400:
        if not isinstance(body, dict) or set(body) != {"__type", "Message"}:
            found.append(f"error body {str(body)[:200]}")
        else:
            code = body["__type"]
            if code not in allowed_codes(case.prefix):
                found.append(f"code {code} not allowed for {case.target}")
            elif case.expect is not None and code not in case.expect:
                found.append(f"code {code}, expected {sorted(case.expect)}")
            if not isinstance(body["Message"], str):
                found.append(f"Message {body['Message']!r} is not text")
    elif answer.status == 200:
        if case.expect is not None:
            found.append(f"answered 200, expected {sorted(case.expect)}")
        if not isinstance(body, dict):
            found.append(f"answer {str(body)[:100]} is not an object")
    else:
        found.append(f"status {answer.status}")
    if not answer.headers.get("x-amzn-requestid"):
        found.append("no x-amzn-RequestId")
    return found


def error_code(answer: Answer) -> str | None:
    """The `__type` of a refusal, if it has one."""
    if answer.status < 400:
        return None
    with contextlib.suppress(ValueError, AttributeError, TypeError):
        code = answer.json().get("__type")
        return code if isinstance(code, str) else None
    return None


# -- a server to hammer ------------------------------------------------------------------------


SEED_SCRIPT: Final = """\
import time
for epoch in range(1, 4):
    print(f"epoch={epoch} loss={1.0 / epoch}", flush=True)
"""
SEED_JOB: Final = "fuzz-seed"


def seed_job(
    signer: Signer, connection: Connection, folder: Path, timeout: float = 60
) -> dict[str, list[str]]:
    """Run one tiny tuning job (a training job printing three lines) on the server, under
    `folder` (an allowed one); the names that now exist, by member name, for `Fuzzer.known`."""
    code = folder / "fuzz-code"
    code.mkdir(parents=True, exist_ok=True)
    (code / "quick.py").write_text(SEED_SCRIPT)
    request = {
        "HyperParameterTuningJobName": SEED_JOB,
        "HyperParameterTuningJobConfig": {
            "Strategy": "Random",
            "HyperParameterTuningJobObjective": {"Type": "Minimize", "MetricName": "loss"},
            "ResourceLimits": {"MaxNumberOfTrainingJobs": 1, "MaxParallelTrainingJobs": 1},
            "ParameterRanges": {
                "ContinuousParameterRanges": [{"Name": "x", "MinValue": "0", "MaxValue": "1"}]
            },
        },
        "TrainingJobDefinition": {
            "StaticHyperParameters": {
                "sagemaker_program": json.dumps("quick.py"),
                "sagemaker_submit_directory": json.dumps(str(code)),
            },
            "AlgorithmSpecification": {
                "TrainingImage": "local/script-mode",
                "TrainingInputMode": "File",
                "MetricDefinitions": [{"Name": "loss", "Regex": "loss=([0-9.]+)"}],
            },
            "RoleArn": "arn:aws:iam::000000000000:role/fuzz",
            "OutputDataConfig": {"S3OutputPath": str(folder / "output")},
            "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1},
            "StoppingCondition": {"MaxRuntimeInSeconds": 60},
        },
        "Tags": [{"Key": "fuzz", "Value": "seed"}],
    }

    def call(prefix: str, operation: str, body: Mapping[str, Any]) -> Any:
        answer = connection.send(signer.call(prefix, operation, body))
        if answer.status != 200:
            raise RuntimeError(f"{operation}: {answer.status} {answer.body[:500]!r}")
        return answer.json()

    arn = call(SAGEMAKER, "CreateHyperParameterTuningJob", request)["HyperParameterTuningJobArn"]
    deadline = time.monotonic() + timeout
    named = {"HyperParameterTuningJobName": SEED_JOB}
    while (status := call(SAGEMAKER, "DescribeHyperParameterTuningJob", named))[
        "HyperParameterTuningJobStatus"
    ] not in ("Completed", "Failed", "Stopped"):
        if time.monotonic() > deadline:
            raise RuntimeError(f"the seed job did not end in {timeout} s: {status}")
        time.sleep(0.1)
    jobs = call(SAGEMAKER, "ListTrainingJobsForHyperParameterTuningJob", named)
    training = [job["TrainingJobName"] for job in jobs["TrainingJobSummaries"]]
    group = "/aws/sagemaker/TrainingJobs"
    streams = call(LOGS, "DescribeLogStreams", {"logGroupName": group})["logStreams"]
    names = [stream["logStreamName"] for stream in streams]
    tokens = []
    if names:
        events = call(LOGS, "GetLogEvents", {"logGroupName": group, "logStreamName": names[0]})
        tokens = [events["nextForwardToken"], events["nextBackwardToken"]]
    odd_tokens = ["f/0/0", "b/0/0", "f/" + "9" * 30 + "/0", "f/1/" + "9" * 30, "f/-1/0"]
    arns = [arn, *(job["TrainingJobArn"] for job in jobs["TrainingJobSummaries"])]
    return {
        "HyperParameterTuningJobName": [SEED_JOB],
        "TrainingJobName": training,
        "NameContains": ["fuzz", SEED_JOB],
        "ResourceArn": arns,
        "TrainingJobArn": arns[1:],
        "logGroupName": [group],
        "logGroupIdentifier": [group, f"arn:aws:logs:us-east-1:000000000000:log-group:{group}"],
        "logStreamName": names,
        "logStreamNames": names,
        "logStreamNamePrefix": [name.split("/")[0] for name in names] + ["fuzz"],
        "nextToken": tokens + odd_tokens,
        "Key": ["fuzz"],
        "TagKeys": ["fuzz"],
    }
