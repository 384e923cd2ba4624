"""The ASGI app: one `POST /` that answers SageMaker's and CloudWatch Logs' JSON 1.1 calls.

Each request is read in full (up to `MAX_BODY` bytes), its target read, its SigV4 signature
verified for that target's service, its body decoded, and the operation run in a worker thread
(the store is synchronous); the answer carries an `x-amzn-RequestId`. Whatever the caller can
fix is a 4xx with AWS's code; anything else is a 500 `InternalFailure` whose request id is in
the server's log with the traceback, and the server goes on serving.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from trimtab.errors import TrimtabError
from trimtab.server import logs, protocol, sagemaker, sigv4
from trimtab.server.sagemaker import Context, Handler

logger = logging.getLogger(__name__)

MAX_BODY = 4 << 20  # bytes; a CreateHyperParameterTuningJob body is a few kilobytes
OPERATIONS: dict[str, Mapping[str, Handler]] = {
    protocol.SAGEMAKER: sagemaker.OPERATIONS,
    protocol.LOGS: logs.OPERATIONS,
}


class _Refused(TrimtabError):
    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


async def _body(request: Request) -> bytes:
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise _Refused(
                "SerializationException",
                f"The request body is over {MAX_BODY} bytes, more than any operation takes",
                413,
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _answer(request_id: str, body: bytes, status: int = 200, code: str | None = None) -> Response:
    headers = {"x-amzn-RequestId": request_id}
    if code is not None:
        headers["x-amzn-ErrorType"] = code
    return Response(body, status, headers, media_type=protocol.CONTENT_TYPE)


def create_app(
    context: Context,
    credentials: Mapping[str, str],
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Starlette:
    """The app over `context` (the store, the allowed folders, the supervisor's wake-up);
    requests must be signed with one of `credentials` (access key id -> secret)."""

    async def endpoint(request: Request) -> Response:
        request_id = str(uuid.uuid4())
        try:
            body = await _body(request)
            service, operation = protocol.read_target(request.headers)
            sigv4.verify(
                request.method,
                request.url.path,
                request.url.query,
                request.headers,
                body,
                credentials=credentials,
                now=now(),
                services={protocol.SERVICES[service]},
            )
            handler = OPERATIONS[service].get(operation)
            if handler is None:
                raise _Refused(
                    "UnknownOperationException", f"trimtab does not serve {service}.{operation}"
                )
            decoded = protocol.read_body(request.headers, body, operation)
            result: Any = await run_in_threadpool(handler, context, decoded)
        except TrimtabError as error:
            status = getattr(error, "status", None) or protocol.status_of(error.code)
            logger.info("%s refused %s: %s", request_id, error.code, error.message)
            return _answer(
                request_id, protocol.error_body(error.code, error.message), status, error.code
            )
        except Exception:
            logger.exception("request %s failed", request_id)
            message = f"An internal error occurred; its request id is {request_id}."
            return _answer(
                request_id, protocol.error_body("InternalFailure", message), 500, "InternalFailure"
            )
        logger.debug("%s %s.%s", request_id, service, operation)
        return _answer(request_id, protocol.encode(result))

    elsewhere = _Elsewhere()
    return Starlette(
        routes=[
            Route("/", endpoint, methods=["POST"]),
            Route("/", elsewhere),
            Route("/{path:path}", elsewhere),
        ]
    )


class _Elsewhere:
    """What is not a POST to /: refused as AWS does. An ASGI app rather than a function, so that
    Starlette routes every method to it (TRACE, or one HTTP does not name), where a function gets
    only the methods listed and the rest a plain-text 405 that is not the protocol's."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        message = "Every operation is a POST to / with an X-Amz-Target header"
        body = protocol.error_body("UnknownOperationException", message)
        response = _answer(str(uuid.uuid4()), body, 404, "UnknownOperationException")
        await response(scope, receive, send)
