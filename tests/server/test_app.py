"""The app in process, one ASGI call at a time: what comes back for a fault of the server, a body
too large, a wrong method, target or content type; signed as boto3 signs."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from trimtab.locations import Roots
from trimtab.server.app import MAX_BODY, create_app
from trimtab.server.sagemaker import Context
from trimtab.store.memory import MemoryStore

KEYS = {"TTAKEXAMPLE000000000": "secret-of-the-example-key-00000000000000"}
NOW = datetime(2026, 12, 4, 12, 0, 0, tzinfo=UTC)


def signed(target: str, body: bytes, content_type: str = "application/x-amz-json-1.1") -> Any:
    request = AWSRequest(
        method="POST",
        url="http://127.0.0.1:8080/",
        data=body,
        headers={"Content-Type": content_type, "X-Amz-Target": target},
    )
    key, secret = next(iter(KEYS.items()))
    auth = SigV4Auth(Credentials(key, secret), "sagemaker", "us-east-1")
    with mock.patch("botocore.auth.get_current_datetime", lambda: NOW.replace(tzinfo=None)):
        auth.add_auth(request)
    return request


def call(app: Any, method: str, path: str, headers: dict[str, str], body: bytes) -> Any:
    """One request through the ASGI app: (status, headers, JSON body)."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "scheme": "http",
        "server": ("127.0.0.1", 8080),
        "client": ("127.0.0.1", 50000),
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
    }
    sent: list[dict[str, Any]] = []
    chunks = [body[i : i + 65536] for i in range(0, len(body), 65536)] or [b""]

    async def receive() -> dict[str, Any]:
        chunk = chunks.pop(0) if chunks else b""
        return {"type": "http.request", "body": chunk, "more_body": bool(chunks)}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    content = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    answer_headers = {k.decode(): v.decode() for k, v in start["headers"]}
    return start["status"], answer_headers, json.loads(content or b"{}")


def send(app: Any, request: Any) -> Any:
    headers = {k: v if isinstance(v, str) else v.decode() for k, v in request.headers.items()}
    headers["Host"] = "127.0.0.1:8080"
    return call(app, "POST", "/", headers, request.body or b"")


class BrokenStore(MemoryStore):
    def tuning_jobs(self) -> list[Any]:
        raise RuntimeError("the disk is on fire")


@pytest.fixture
def app(tmp_path: Path) -> Any:
    context = Context(BrokenStore(tmp_path / "home"), Roots.of([tmp_path]))
    return create_app(context, KEYS, now=lambda: NOW)


def test_a_fault_of_the_server_is_a_500_with_a_request_id_in_its_log(
    app: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="trimtab.server.app"):
        status, headers, body = send(app, signed("SageMaker.ListHyperParameterTuningJobs", b"{}"))
    request_id = headers["x-amzn-requestid"]
    assert (status, body["__type"]) == (500, "InternalFailure")
    assert request_id in body["Message"]
    assert any(request_id in r.getMessage() for r in caplog.records)
    assert "the disk is on fire" in caplog.text  # the traceback is in the log, not the answer
    assert "fire" not in body["Message"]
    status, _, body = send(
        app, signed("SageMaker.DescribeTrainingJob", b'{"TrainingJobName": "a"}')
    )
    assert (status, body["__type"]) == (400, "ValidationException")  # still serving


def test_a_body_larger_than_any_operation_takes_is_refused(app: Any) -> None:
    status, _, body = send(app, signed("SageMaker.ListTags", b" " * (MAX_BODY + 1)))
    assert (status, body["__type"]) == (413, "SerializationException")


def test_anything_but_a_post_to_the_root_is_refused_in_the_protocols_words(app: Any) -> None:
    for method, path in [("GET", "/"), ("POST", "/elsewhere"), ("DELETE", "/x/y")]:
        status, headers, body = call(app, method, path, {}, b"")
        assert (status, body["__type"]) == (404, "UnknownOperationException")
        assert headers["x-amzn-requestid"]


def test_the_target_is_checked_before_the_signature_and_the_body_after(app: Any) -> None:
    status, _, body = call(app, "POST", "/", {"X-Amz-Target": "Nope.Thing"}, b"{}")
    assert (status, body["__type"]) == (400, "UnknownOperationException")
    status, _, body = call(app, "POST", "/", {"X-Amz-Target": "SageMaker.ListTags"}, b"{")
    assert (status, body["__type"]) == (403, "MissingAuthenticationToken")
    status, _, body = send(app, signed("SageMaker.ListTags", b"{", "text/plain"))
    assert (status, body["__type"]) == (400, "SerializationException")
    status, _, body = send(app, signed("SageMaker.ListTags", b'{"ResourceArn": '))
    assert (status, body["__type"]) == (400, "SerializationException")
    status, _, body = send(app, signed("SageMaker.CreateEndpoint", b"{}"))
    assert (status, body["__type"]) == (400, "UnknownOperationException")
