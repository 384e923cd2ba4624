"""SigV4 verification against signatures made by botocore itself, as boto3 makes them."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from unittest import mock
from urllib.parse import urlsplit

import boto3
import botocore.auth
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from trimtab.errors import TrimtabError
from trimtab.server.sigv4 import SignatureError, canonical_path, canonical_query, verify

KEY_ID = "TTAKEXAMPLE7Q2M4K9ZX"
SECRET = "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY00"
KEYS = {KEY_ID: SECRET}
SERVICES = {"sagemaker", "logs"}
SIGNED_AT = datetime(2026, 12, 4, 10, 35, tzinfo=UTC)
ENDPOINT = "http://127.0.0.1:8080"
DESCRIBE = "SageMaker.DescribeHyperParameterTuningJob"
DESCRIBE_BODY = json.dumps({"HyperParameterTuningJobName": "s2s-tune-1"}).encode()

MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method."
)


@dataclass(frozen=True)
class Request:
    """A request as the server receives it: raw path and query, headers, body."""

    method: str
    path: str
    query: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def with_headers(self, **changes: str | None) -> Request:
        """A copy with headers set (`x_amz_target="..."`) or removed (`=None`)."""
        headers = dict(self.headers)
        for key, value in changes.items():
            wanted = key.replace("_", "-")
            name = next((n for n in headers if n.lower() == wanted), wanted)
            headers.pop(name, None)
            if value is not None:
                headers[name] = value
        return replace(self, headers=headers)


def sign(
    *,
    target: str = DESCRIBE,
    body: bytes = DESCRIBE_BODY,
    service: str = "sagemaker",
    region: str = "us-east-1",
    key_id: str = KEY_ID,
    secret: str = SECRET,
    token: str | None = None,
    url: str = ENDPOINT + "/",
    at: datetime = SIGNED_AT,
) -> Request:
    """Sign a JSON 1.1 call with botocore's own SigV4Auth, on a fixed clock."""
    request = AWSRequest(
        method="POST",
        url=url,
        data=body,
        headers={"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": target},
    )
    signer = SigV4Auth(Credentials(key_id, secret, token), service, region)
    with mock.patch.object(botocore.auth, "get_current_datetime", return_value=at):
        signer.add_auth(request)
    return received(request.url, dict(request.headers.items()), body)


def received(url: str, headers: dict[str, str], body: bytes) -> Request:
    """What the server sees: the HTTP client adds `Host` (botocore signs it from the URL)."""
    parts = urlsplit(url)
    return Request("POST", parts.path, parts.query, {**headers, "Host": parts.netloc}, body)


def check(
    request: Request,
    *,
    now: datetime = SIGNED_AT + timedelta(seconds=2),
    keys: dict[str, str] = KEYS,
    services: set[str] = SERVICES,
) -> str:
    return verify(
        request.method,
        request.path,
        request.query,
        request.headers,
        request.body,
        credentials=keys,
        now=now,
        services=services,
    )


def refusal(request: Request, **kwargs: Any) -> SignatureError:
    with pytest.raises(SignatureError) as caught:
        check(request, **kwargs)
    return caught.value


# --- accepted -------------------------------------------------------------------------------


def test_sagemaker_call_signed_by_botocore_is_accepted() -> None:
    request = sign()
    assert (
        "SignedHeaders=content-type;host;x-amz-date;x-amz-target"
        in (request.headers["Authorization"])
    )
    assert check(request) == KEY_ID


def test_logs_call_is_accepted() -> None:
    body = json.dumps({"logGroupName": "/aws/sagemaker/TrainingJobs", "logStreamName": "a"})
    request = sign(target="Logs_20140328.GetLogEvents", body=body.encode(), service="logs")
    assert check(request) == KEY_ID


def test_call_with_session_token_is_accepted() -> None:
    request = sign(token="FQoGZXIvYXdzEXAMPLETOKEN//+=")
    assert "x-amz-security-token" in request.headers["Authorization"]
    assert check(request) == KEY_ID


def test_empty_body_other_region_and_several_keys_are_accepted() -> None:
    request = sign(body=b"{}", region="eu-west-1")
    assert check(request, keys={"TTAKOTHER00000000000": "other", **KEYS}) == KEY_ID


def test_header_names_in_any_case_are_accepted() -> None:
    request = sign()
    assert check(replace(request, headers={k.lower(): v for k, v in request.headers.items()}))
    assert check(replace(request, headers={k.upper(): v for k, v in request.headers.items()}))


def test_header_values_are_trimmed_and_inner_whitespace_collapsed() -> None:
    request = sign(target="SageMaker.DescribeHyperParameterTuningJob")
    spaced = request.with_headers(content_type="  application/x-amz-json-1.1  ")
    assert check(spaced) == KEY_ID


@pytest.mark.parametrize("skew", [timedelta(0), timedelta(minutes=15), -timedelta(minutes=15)])
def test_clock_skew_up_to_15_minutes_either_way_is_accepted(skew: timedelta) -> None:
    assert check(sign(), now=SIGNED_AT + skew) == KEY_ID


@pytest.mark.parametrize(
    "url",
    [
        ENDPOINT,  # empty path: `/`
        ENDPOINT + "/a/./b/../c//d/",
        ENDPOINT + "/with%20space/~tilde",
        ENDPOINT + "/?b=2&a=1&a=0&empty=&flag",
        # botocore signs a URL's query as written: encoded as AWS encodes, it matches.
        ENDPOINT + "/?name=a%2Fb%20c&x=~-_.",
    ],
)
def test_paths_and_query_strings_canonicalised_as_botocore_does(url: str) -> None:
    assert check(sign(url=url)) == KEY_ID


def test_canonical_path_and_query() -> None:
    assert canonical_path("") == "/"
    assert canonical_path("/a/./b/../c//d/") == "/a/c/d/"
    assert canonical_path("/a%20b") == "/a%2520b"  # encoded once more, as for all but S3
    assert canonical_query("") == ""
    assert canonical_query("b=2&a=1&a=0&flag") == "a=0&a=1&b=2&flag="
    assert canonical_query("k=a b&j=%7e") == "j=~&k=a%20b"


@pytest.mark.parametrize(
    ("service", "operation", "kwargs"),
    [
        ("sagemaker", "describe_hyper_parameter_tuning_job", {"HyperParameterTuningJobName": "t"}),
        ("sagemaker", "list_hyper_parameter_tuning_jobs", {}),
        ("logs", "get_log_events", {"logGroupName": "g", "logStreamName": "s"}),
    ],
)
def test_what_boto3_itself_sends_is_accepted(
    service: str, operation: str, kwargs: dict[str, Any]
) -> None:
    sent = send_with_boto3(service, operation, kwargs)
    signed_at = datetime.strptime(sent.headers["X-Amz-Date"], "%Y%m%dT%H%M%SZ")
    assert check(sent, now=signed_at.replace(tzinfo=UTC)) == KEY_ID
    assert refusal(replace(sent, body=sent.body + b" "), now=signed_at.replace(tzinfo=UTC))


class _Captured(Exception):
    def __init__(self, request: Request) -> None:
        super().__init__()
        self.request = request


def send_with_boto3(service: str, operation: str, kwargs: dict[str, Any]) -> Request:
    """Make a real boto3 call and catch the request just before it would go on the wire."""
    client = boto3.client(
        service,
        endpoint_url=ENDPOINT,
        region_name="us-west-2",
        aws_access_key_id=KEY_ID,
        aws_secret_access_key=SECRET,
    )

    def capture(request: Any, **_: Any) -> None:
        headers = {k: v.decode() if isinstance(v, bytes) else v for k, v in request.headers.items()}
        raise _Captured(received(request.url, headers, request.body or b""))

    client.meta.events.register("before-send", capture)
    with pytest.raises(_Captured) as caught:
        getattr(client, operation)(**kwargs)
    return caught.value.request


# --- refused --------------------------------------------------------------------------------


def test_error_is_a_trimtab_error_with_code_message_and_status() -> None:
    error = refusal(sign(secret="another-secret"))
    assert isinstance(error, TrimtabError)
    assert (error.code, error.message, error.status) == ("InvalidSignatureException", MISMATCH, 403)


def test_another_secret_is_refused() -> None:
    assert check(sign(), keys={KEY_ID: SECRET})
    error = refusal(sign(), keys={KEY_ID: SECRET + "x"})
    assert (error.code, error.status, error.message) == ("InvalidSignatureException", 403, MISMATCH)


def test_changed_body_is_refused() -> None:
    request = sign()
    tampered = json.dumps({"HyperParameterTuningJobName": "someone-else"}).encode()
    error = refusal(replace(request, body=tampered))
    assert (error.code, error.status, error.message) == ("InvalidSignatureException", 403, MISMATCH)


@pytest.mark.parametrize(
    "changes",
    [
        {"x_amz_target": "SageMaker.DeleteHyperParameterTuningJob"},
        {"host": "127.0.0.1:9090"},
        {"content_type": "application/x-amz-json-1.0"},
        {"x_amz_date": (SIGNED_AT + timedelta(seconds=1)).strftime("%Y%m%dT%H%M%SZ")},
    ],
)
def test_changed_signed_header_is_refused(changes: dict[str, str]) -> None:
    error = refusal(sign().with_headers(**changes))
    assert (error.code, error.status, error.message) == ("InvalidSignatureException", 403, MISMATCH)


def test_changed_method_path_or_query_is_refused() -> None:
    request = sign()
    for changed in (
        replace(request, method="PUT"),
        replace(request, path="/other"),
        replace(request, query="a=1"),
    ):
        assert refusal(changed).code == "InvalidSignatureException"


def test_unsigned_header_may_change() -> None:
    assert check(sign().with_headers(user_agent="Boto3/1.44.8", amz_sdk_request="attempt=2"))


def test_stale_date_is_refused() -> None:
    error = refusal(sign(), now=SIGNED_AT + timedelta(minutes=16))
    assert (error.code, error.status) == ("InvalidSignatureException", 403)
    assert error.message == (
        "Signature expired: 20261204T103500Z is now earlier than 20261204T103600Z "
        "(20261204T105100Z - 15 min.)"
    )


def test_future_date_is_refused() -> None:
    error = refusal(sign(), now=SIGNED_AT - timedelta(minutes=16))
    assert (error.code, error.status) == ("InvalidSignatureException", 403)
    assert error.message == (
        "Signature not yet current: 20261204T103500Z is still later than 20261204T103400Z "
        "(20261204T101900Z + 15 min.)"
    )


def test_replay_after_the_window_is_refused() -> None:
    request = sign()
    assert check(request, now=SIGNED_AT + timedelta(minutes=1)) == KEY_ID
    assert check(request, now=SIGNED_AT + timedelta(minutes=10)) == KEY_ID
    error = refusal(request, now=SIGNED_AT + timedelta(minutes=15, seconds=1))
    assert error.code == "InvalidSignatureException"
    assert error.message.startswith("Signature expired: 20261204T103500Z")


def test_now_in_another_timezone_is_the_same_instant() -> None:
    tokyo = SIGNED_AT.astimezone(timezone(timedelta(hours=9)))
    assert check(sign(), now=tokyo) == KEY_ID
    with pytest.raises(ValueError, match="timezone-aware"):
        check(sign(), now=SIGNED_AT.replace(tzinfo=None))


def test_no_authorization_is_refused() -> None:
    error = refusal(sign().with_headers(authorization=None))
    assert (error.code, error.status, error.message) == (
        "MissingAuthenticationToken",
        403,
        "Missing Authentication Token",
    )


def _authorization(request: Request) -> str:
    return request.headers["Authorization"]


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (lambda a: "", "Unsupported AWS 'algorithm': ''"),
        (lambda a: "Bearer abc", "Unsupported AWS 'algorithm': 'Bearer'"),
        (lambda a: a.replace("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512"), "'AWS4-HMAC-SHA512'"),
        (lambda a: "AWS4-HMAC-SHA256", "requires 'Credential' parameter"),
        (lambda a: a.split(", Signature=")[0], "requires 'Signature' parameter"),
        (lambda a: a.replace("SignedHeaders=", "Headers="), "requires 'SignedHeaders' parameter"),
        (lambda a: a + ", Signature=" + "0" * 64, "repeated parameter"),
        (lambda a: a.replace(", SignedHeaders", " SignedHeaders"), "'SignedHeaders' parameter"),
        (lambda a: a.replace("/us-east-1/", "/"), "exactly 5 slash-delimited elements"),
        (lambda a: a.replace("/us-east-1/", "//"), "exactly 5 slash-delimited elements"),
        (lambda a: a.replace("aws4_request", "aws5_request"), "valid terminator"),
        (lambda a: a.replace("content-type;", "Content-Type;"), "lower-case header names"),
        (lambda a: a.replace(";host", ";;host"), "lower-case header names"),
        (lambda a: a[:-1], "64 lower-case hexadecimal digits"),
        (lambda a: a[:-1] + "g", "64 lower-case hexadecimal digits"),
        (lambda a: a[:-64] + a[-64:].upper(), "64 lower-case hexadecimal digits"),
        (lambda a: a.replace(";host", ""), "'host' must be a 'SignedHeader'"),
        (lambda a: a.replace(";x-amz-date", ""), "'x-amz-date' must be a 'SignedHeader'"),
        (lambda a: a.replace("x-amz-target", "x-amz-target;x-trace"), "'x-trace' is a 'Signed"),
        (lambda a: a.replace("/20261204/", "/20261203/"), "'20261203' != '20261204'"),
    ],
)
def test_malformed_authorization_is_refused(edit: Callable[[str], str], words: str) -> None:
    request = sign()
    edited = request.with_headers(authorization=edit(_authorization(request)))
    error = refusal(edited)
    assert (error.code, error.status) == ("IncompleteSignature", 400)
    assert words in error.message


def test_signed_header_absent_from_the_request_is_refused() -> None:
    error = refusal(sign().with_headers(x_amz_target=None))
    assert (error.code, error.status) == ("IncompleteSignature", 400)
    assert "'x-amz-target' is a 'SignedHeader'" in error.message


def test_missing_date_is_refused() -> None:
    error = refusal(sign().with_headers(x_amz_date=None))
    assert (error.code, error.status) == ("InvalidSignatureException", 403)
    assert "'X-Amz-Date'" in error.message


@pytest.mark.parametrize(
    "date", ["", "2026-12-04T10:35:00Z", "20261204T1035Z", "20261304T103500Z", "20261204T103500"]
)
def test_unparsable_date_is_refused(date: str) -> None:
    error = refusal(sign().with_headers(x_amz_date=date))
    assert (error.code, error.status) == ("InvalidSignatureException", 403)
    assert error.message.startswith(f"Date must be in ISO-8601 'basic format'. Got '{date}'.")


def test_unknown_access_key_id_is_refused() -> None:
    error = refusal(sign(key_id="TTAKUNKNOWN000000000"))
    assert (error.code, error.status, error.message) == (
        "UnrecognizedClientException",
        403,
        "The security token included in the request is invalid.",
    )


def test_service_not_allowed_is_refused() -> None:
    error = refusal(sign(service="s3"))
    assert (error.code, error.status) == ("InvalidSignatureException", 403)
    assert error.message == "Credential should be scoped to correct service: 'logs' or 'sagemaker'."
    logs_call = sign(target="Logs_20140328.GetLogEvents", service="logs")
    assert refusal(logs_call, services={"sagemaker"}).code == "InvalidSignatureException"


def test_unsigned_security_token_is_refused() -> None:
    error = refusal(sign().with_headers(x_amz_security_token="added-after-signing"))
    assert (error.code, error.status) == ("IncompleteSignature", 400)
    assert "'x-amz-security-token' must be a 'SignedHeader'" in error.message


def test_changed_security_token_is_refused() -> None:
    request = sign(token="token-one")
    assert refusal(request.with_headers(x_amz_security_token="token-two")).code == (
        "InvalidSignatureException"
    )


def test_signed_content_sha256_must_be_the_body_hash() -> None:
    body = DESCRIBE_BODY
    request = AWSRequest(
        method="POST",
        url=ENDPOINT + "/",
        data=body,
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": DESCRIBE,
            "X-Amz-Content-SHA256": hashlib.sha256(body).hexdigest(),
        },
    )
    with mock.patch.object(botocore.auth, "get_current_datetime", return_value=SIGNED_AT):
        SigV4Auth(Credentials(KEY_ID, SECRET), "sagemaker", "us-east-1").add_auth(request)
    signed = received(request.url, dict(request.headers.items()), body)
    assert "x-amz-content-sha256" in _authorization(signed)
    assert check(signed) == KEY_ID
    # The header stands for the body in the signature: a new body under it must not pass.
    error = refusal(replace(signed, body=b'{"HyperParameterTuningJobName": "other"}'))
    assert (error.code, error.status) == ("XAmzContentSHA256Mismatch", 400)
