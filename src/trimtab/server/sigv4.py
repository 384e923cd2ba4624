"""Verify AWS Signature Version 4 on a request, exactly as botocore signs it.

boto3 signs every call, and trimtab's server checks the signature so that only holders of its
secret key can start jobs or read results, as on AWS, with an unchanged boto3 client. The
algorithm (canonical request, string to sign, HMAC key chain) follows AWS's specification and
botocore's `SigV4Auth`, and the refusals carry AWS's codes and messages so that boto3 users see
what they would see from AWS.

Only the key id and the secret are checked: an `X-Amz-Security-Token` (temporary credentials)
is accepted when it is signed, but its value is not checked, since there is no STS here.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final
from urllib.parse import quote, unquote

from trimtab.errors import TrimtabError

ALGORITHM: Final = "AWS4-HMAC-SHA256"
MAX_SKEW: Final = timedelta(minutes=15)
TIMESTAMP_FORMAT: Final = "%Y%m%dT%H%M%SZ"

_SIGNATURE_MISMATCH: Final = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method."
)
_REQUIRED_PARAMETERS: Final = ("Credential", "SignedHeaders", "Signature")


class SignatureError(TrimtabError):
    """A request refused for its signature, with AWS's error code and HTTP status."""

    def __init__(self, code: str, message: str, status: int) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


@dataclass(frozen=True)
class Authorization:
    """The parts of an `Authorization: AWS4-HMAC-SHA256 ...` header."""

    access_key_id: str
    date: str  # yyyymmdd, the scope's day
    region: str
    service: str
    signed_headers: tuple[str, ...]  # lower-case names, in the order the client signed them
    signature: str  # lower-case hex


def verify(
    method: str,
    path: str,
    query: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    credentials: Mapping[str, str],
    now: datetime,
    services: Collection[str],
) -> str:
    """Check a request's SigV4 signature and return the access key id that signed it.

    Args:
        method: the HTTP method, e.g. ``POST``.
        path: the path as sent on the request line (still percent-encoded), e.g. ``/``.
        query: the raw query string, without ``?`` (``""`` for none).
        headers: the request's headers. Their names may be in any case; a name given more than
            once by ``items()`` (as Starlette's headers do) has its values joined by ``,``.
        body: the request body, as received.
        credentials: the known keys, access key id -> secret access key.
        now: the current time (timezone-aware); a signature more than 15 minutes from it, either
            way, is refused, so a captured request cannot be replayed later.
        services: the signing names this server answers for (e.g. ``{"sagemaker", "logs"}``).

    Raises:
        SignatureError: with AWS's code and status for why the request is refused.
    """
    values = _header_values(headers)
    header = values.get("authorization")
    if header is None:
        raise SignatureError("MissingAuthenticationToken", "Missing Authentication Token", 403)
    auth = parse_authorization(header)
    amz_date = _check_date(values.get("x-amz-date"), now)
    _check_scope(auth, amz_date, values, services)
    secret = credentials.get(auth.access_key_id)
    if secret is None:
        raise SignatureError(
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
            403,
        )
    body_hash = hashlib.sha256(body).hexdigest()
    claimed_hash = None
    if "x-amz-content-sha256" in auth.signed_headers:
        claimed_hash = values.get("x-amz-content-sha256")
    canonical = canonical_request(
        method, path, query, values, auth.signed_headers, claimed_hash or body_hash
    )
    expected = signature(secret, auth, amz_date, canonical)
    if not hmac.compare_digest(expected.encode(), auth.signature.encode()):
        raise SignatureError("InvalidSignatureException", _SIGNATURE_MISMATCH, 403)
    # A signed X-Amz-Content-Sha256 stands for the body in the signature: it must be the body's.
    if claimed_hash is not None and claimed_hash != body_hash:
        raise SignatureError(
            "XAmzContentSHA256Mismatch",
            "The provided 'x-amz-content-sha256' header does not match what was computed.",
            400,
        )
    return auth.access_key_id


def parse_authorization(header: str) -> Authorization:
    """Split an `Authorization` header into its parts, refusing any malformed one.

    Raises:
        SignatureError: `IncompleteSignature` (400), naming what is wrong.
    """
    algorithm, _, rest = header.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise _incomplete(f"Unsupported AWS 'algorithm': '{algorithm}'. Use '{ALGORITHM}'.")
    parameters: dict[str, str] = {}
    for item in rest.split(","):
        if not item.strip():
            continue
        name, equals, value = item.strip().partition("=")
        if not equals or name in parameters:
            raise _incomplete(
                f"Authorization header has a malformed or repeated parameter '{item.strip()}'. "
                f"Authorization={header}"
            )
        parameters[name] = value
    missing = [name for name in _REQUIRED_PARAMETERS if not parameters.get(name)]
    if missing:
        raise _incomplete(
            "".join(f"Authorization header requires '{name}' parameter. " for name in missing)
            + f"Authorization={header}"
        )
    credential = parameters["Credential"]
    parts = credential.split("/")
    if len(parts) != 5 or not all(parts):
        raise _incomplete(
            "Credential must have exactly 5 slash-delimited elements, "
            f"e.g. keyid/date/region/service/term, got '{credential}'"
        )
    key_id, date, region, service, terminator = parts
    if terminator != "aws4_request":
        raise _incomplete(
            f"Credential should be scoped with a valid terminator: 'aws4_request', "
            f"not '{terminator}'."
        )
    signed_headers = tuple(parameters["SignedHeaders"].split(";"))
    if not all(signed_headers) or any(name != name.lower() for name in signed_headers):
        raise _incomplete(
            "SignedHeaders must be lower-case header names separated by ';', "
            f"got '{parameters['SignedHeaders']}'."
        )
    sig = parameters["Signature"]
    if not re.fullmatch(r"[0-9a-f]{64}", sig):
        raise _incomplete(f"Signature must be 64 lower-case hexadecimal digits, got '{sig}'.")
    return Authorization(key_id, date, region, service, signed_headers, sig)


def canonical_request(
    method: str,
    path: str,
    query: str,
    headers: Mapping[str, str],
    signed_headers: tuple[str, ...],
    payload_hash: str,
) -> str:
    """The canonical request the signature covers, as botocore's `SigV4Auth` builds it.

    `headers` maps lower-case names to values (repeated headers already joined with ``,``).
    """
    lines = [method.upper(), canonical_path(path), canonical_query(query)]
    lines += [f"{name}:{' '.join(headers[name].split())}" for name in signed_headers]
    lines += ["", ";".join(signed_headers), payload_hash]
    return "\n".join(lines)


def canonical_path(path: str) -> str:
    """The path with dot segments and empty segments removed (``""`` is ``/``), then URI-encoded
    once more, as AWS does for every service but S3."""
    segments: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if segments:
                segments.pop()
        elif segment and segment != ".":
            segments.append(segment)
    normalized = "/" + "/".join(segments)
    if segments and path.endswith("/"):
        normalized += "/"
    return quote(normalized, safe="/~")


def canonical_query(query: str) -> str:
    """Each name and value URI-encoded as AWS requires, pairs sorted by name, then value.

    botocore signs a query given in the URL as written, so the two agree whenever the client
    encoded it as AWS does (every SDK does; a JSON 1.1 call has no query at all).
    """
    if not query:
        return ""
    pairs = []
    for item in query.split("&"):
        name, _, value = item.partition("=")
        pairs.append((quote(unquote(name), safe="-_.~"), quote(unquote(value), safe="-_.~")))
    return "&".join(f"{name}={value}" for name, value in sorted(pairs))


def signature(secret: str, auth: Authorization, amz_date: str, canonical: str) -> str:
    """The hex signature of a canonical request, with the key derived for the auth's scope."""
    scope = f"{auth.date}/{auth.region}/{auth.service}/aws4_request"
    string_to_sign = "\n".join(
        [ALGORITHM, amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    key = f"AWS4{secret}".encode()
    for part in (auth.date, auth.region, auth.service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()


def _header_values(headers: Mapping[str, str]) -> dict[str, str]:
    """Lower-case names -> values, a repeated header's values joined by ``,`` as SigV4 does."""
    values: dict[str, list[str]] = {}
    for name, value in headers.items():
        values.setdefault(name.lower(), []).append(value)
    return {name: ",".join(" ".join(v.split()) for v in vs) for name, vs in values.items()}


def _check_date(amz_date: str | None, now: datetime) -> str:
    """Refuse a missing or malformed `X-Amz-Date`, or one more than 15 minutes from `now`."""
    if now.tzinfo is None:
        raise ValueError("now must be a timezone-aware datetime")
    if amz_date is None:
        raise SignatureError(
            "InvalidSignatureException",
            "Authorization header requires existence of a 'X-Amz-Date' header.",
            403,
        )
    try:
        if not re.fullmatch(r"\d{8}T\d{6}Z", amz_date):
            raise ValueError(amz_date)
        signed_at = datetime.strptime(amz_date, TIMESTAMP_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        raise SignatureError(
            "InvalidSignatureException",
            f"Date must be in ISO-8601 'basic format'. Got '{amz_date}'. "
            "See http://en.wikipedia.org/wiki/ISO_8601",
            403,
        ) from None
    now = now.astimezone(UTC)
    stamp = now.strftime(TIMESTAMP_FORMAT)
    if signed_at < now - MAX_SKEW:
        earliest = (now - MAX_SKEW).strftime(TIMESTAMP_FORMAT)
        raise SignatureError(
            "InvalidSignatureException",
            f"Signature expired: {amz_date} is now earlier than {earliest} ({stamp} - 15 min.)",
            403,
        )
    if signed_at > now + MAX_SKEW:
        latest = (now + MAX_SKEW).strftime(TIMESTAMP_FORMAT)
        raise SignatureError(
            "InvalidSignatureException",
            f"Signature not yet current: {amz_date} is still later than {latest} "
            f"({stamp} + 15 min.)",
            403,
        )
    return amz_date


def _check_scope(
    auth: Authorization, amz_date: str, headers: Mapping[str, str], services: Collection[str]
) -> None:
    """Refuse a scope or signed-headers list that does not fit the request."""
    if auth.date != amz_date[:8]:
        raise _incomplete(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
            f"from HTTP: '{auth.date}' != '{amz_date[:8]}', from '{amz_date}'."
        )
    required = ["host", "x-amz-date"]
    if "x-amz-security-token" in headers:
        required.append("x-amz-security-token")
    for name in required:
        if name not in auth.signed_headers:
            raise _incomplete(f"'{name}' must be a 'SignedHeader' in the AWS Authorization.")
    for name in auth.signed_headers:
        if name not in headers:
            raise _incomplete(
                f"'{name}' is a 'SignedHeader' in the AWS Authorization but is not in the request."
            )
    if auth.service not in services:
        wanted = " or ".join(f"'{service}'" for service in sorted(services))
        raise SignatureError(
            "InvalidSignatureException",
            f"Credential should be scoped to correct service: {wanted}.",
            403,
        )


def _incomplete(message: str) -> SignatureError:
    return SignatureError("IncompleteSignature", message, 400)
