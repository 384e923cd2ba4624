"""CloudWatch Logs' operations over the training jobs' logs, on the same port as SageMaker's:
what `boto3.client("logs")` and the SageMaker SDK's log streaming call.

Only the group `/aws/sagemaker/TrainingJobs` exists; each training job of the store is one
stream of it (`reports.logs`). Forward tokens are `f/<offset>/<time>` and backward ones
`b/...`, so a reader that passes back the token it got reads on exactly where it stopped, and
gets the same token again when nothing new was written (which is how the SDK knows to wait).
`FilterLogEvents` understands CloudWatch's plain filter patterns: terms that must all appear,
`"quoted phrases"`, and `-term` for what must not; an empty pattern matches every line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from trimtab import arns
from trimtab.errors import TrimtabError, ValidationError
from trimtab.reports import logs
from trimtab.server import paging
from trimtab.server.sagemaker import Body, Context, Handler
from trimtab.spec.base import checked
from trimtab.spec.logs import (
    TRAINING_JOBS_GROUP,
    DescribeLogStreamsRequest,
    DescribeLogStreamsResponse,
    FilterLogEventsRequest,
    FilterLogEventsResponse,
    GetLogEventsRequest,
    GetLogEventsResponse,
)
from trimtab.spec.parse import parse_operation
from trimtab.types import Trial

_TOKEN = re.compile(r"([fb])/(\d{1,19})/(\d{1,19})")  # offset, time: as _token writes them


class LogsError(TrimtabError):
    """CloudWatch Logs' own error codes."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _parsed(model: Any, body: Body, operation: str) -> Any:
    """CloudWatch Logs calls a bad request InvalidParameterException, not ValidationException."""
    try:
        return parse_operation(model, body, operation)
    except ValidationError as error:
        raise LogsError("InvalidParameterException", error.message) from None


def _offset(given: str | None, body: Body) -> int:
    try:
        return paging.offset(given, body, "nextToken")
    except ValidationError as error:
        raise LogsError("InvalidParameterException", error.message) from None


def _group(name: str | None, identifier: str | None) -> None:
    given = name or (identifier or "").rsplit(":log-group:", 1)[-1]
    if given != TRAINING_JOBS_GROUP:
        raise LogsError("ResourceNotFoundException", "The specified log group does not exist.")


def _streams(ctx: Context) -> Iterator[tuple[Trial, Path]]:
    for record in ctx.store.tuning_jobs():
        for trial in ctx.store.trials(record.name):
            yield trial, Path(ctx.store.log_path(trial.training_job_name))


def _stream(ctx: Context, name: str) -> tuple[Trial, Path]:
    try:
        trial = ctx.store.trial(logs.training_job_of(name))
    except TrimtabError:
        trial = None
    if trial is None or logs.stream_name(trial) != name:
        raise LogsError("ResourceNotFoundException", "The specified log stream does not exist.")
    return trial, Path(ctx.store.log_path(trial.training_job_name))


def _position(
    given: str | None, trial: Trial, path: Path, member: str = "nextToken"
) -> logs.Position:
    if given is None:
        return logs.start_of(trial)
    match = _TOKEN.fullmatch(given)
    # A token this stream gave out points into its file, at a time a long holds; a made-up one
    # past them would make the read fail (a seek past what the OS allows).
    if (
        match is None
        or int(match.group(2)) > logs.stored_bytes(path)
        or int(match.group(3)) >= 2**63
    ):
        raise LogsError(
            "InvalidParameterException",
            f"The value of '{member}' is not a token this log stream gave out: {given[:100]}",
        )
    return logs.Position(int(match.group(2)), int(match.group(3)))


def _token(kind: str, at: logs.Position) -> str:
    return f"{kind}/{at.offset:019d}/{at.stamp}"


def _event(event: logs.Event, ingested: int) -> dict[str, Any]:
    return {"timestamp": event.timestamp, "message": event.message, "ingestionTime": ingested}


def get_log_events(ctx: Context, body: Body) -> Mapping[str, Any]:
    request: GetLogEventsRequest = _parsed(GetLogEventsRequest, body, "GetLogEvents")
    _group(request.log_group_name, request.log_group_identifier)
    trial, path = _stream(ctx, request.log_stream_name)
    at = _position(request.next_token, trial, path)
    if request.next_token is None and request.start_from_head is False:
        at = logs.Position(logs.stored_bytes(path), at.stamp)  # from the tail: what comes next
    events, after = logs.read(
        path,
        at,
        limit=request.limit or logs.MAX_EVENTS,
        since=request.start_time,
        until=request.end_time,
    )
    ingested = logs.last_event_time(path) or at.stamp
    return checked(
        GetLogEventsResponse,
        {
            "events": [_event(e, ingested) for e in events],
            "nextForwardToken": _token("f", after),
            "nextBackwardToken": _token("b", at),
        },
    )


def describe_log_streams(ctx: Context, body: Body) -> Mapping[str, Any]:
    request: DescribeLogStreamsRequest = _parsed(
        DescribeLogStreamsRequest, body, "DescribeLogStreams"
    )
    _group(request.log_group_name, request.log_group_identifier)
    prefix = request.log_stream_name_prefix or ""
    streams: list[dict[str, Any]] = []
    for trial, path in _streams(ctx):
        name = logs.stream_name(trial)
        if name.startswith(prefix):
            last = logs.last_event_time(path)
            streams.append(
                {
                    "logStreamName": name,
                    "creationTime": int(trial.creation_time * 1000),
                    "firstEventTimestamp": logs.start_of(trial).stamp if last else None,
                    "lastEventTimestamp": last,
                    "lastIngestionTime": last,
                    "arn": f"arn:aws:logs:{arns.region()}:{arns.ACCOUNT}:log-group:"
                    f"{TRAINING_JOBS_GROUP}:log-stream:{name}",
                    "storedBytes": logs.stored_bytes(path),
                }
            )
    if request.order_by == "LastEventTime":
        streams.sort(key=lambda s: s["lastEventTimestamp"] or 0, reverse=bool(request.descending))
    else:
        streams.sort(key=lambda s: s["logStreamName"], reverse=bool(request.descending))
    start = _offset(request.next_token, body)
    end = start + (request.limit or 50)
    return checked(
        DescribeLogStreamsResponse,
        {
            "logStreams": streams[start:end],
            "nextToken": paging.token(end if end < len(streams) else None, body),
        },
    )


def _matcher(pattern: str | None) -> Any:
    """CloudWatch's plain filter pattern as a predicate over a line."""
    terms = re.findall(r'(-?)"([^"]*)"|(-?)(\S+)', pattern or "")
    parts = [(phrase or word, (neg1 or neg2) == "-") for neg1, phrase, neg2, word in terms]

    def matches(line: str) -> bool:
        return all((part in line) != negated for part, negated in parts if part)

    return matches


def filter_log_events(ctx: Context, body: Body) -> Mapping[str, Any]:
    request: FilterLogEventsRequest = _parsed(FilterLogEventsRequest, body, "FilterLogEvents")
    _group(request.log_group_name, request.log_group_identifier)
    if request.log_stream_names and request.log_stream_name_prefix:
        raise LogsError(
            "InvalidParameterException",
            "logStreamNames and logStreamNamePrefix are mutually exclusive",
        )
    names = set(request.log_stream_names or [])
    prefix = request.log_stream_name_prefix or ""
    streams = sorted(
        (logs.stream_name(t), t, p)
        for t, p in _streams(ctx)
        if (not names or logs.stream_name(t) in names) and logs.stream_name(t).startswith(prefix)
    )
    first, skip = _filter_cursor(request.next_token, body)
    matches = _matcher(request.filter_pattern)
    limit = request.limit or logs.MAX_EVENTS
    found: list[dict[str, Any]] = []
    searched: list[dict[str, Any]] = []
    cursor: tuple[int, int] | None = None
    for index, (name, trial, path) in enumerate(streams[first:], start=first):
        at = logs.Position(skip, logs.start_of(trial).stamp) if index == first else None
        events, after = logs.read(
            path,
            at or logs.start_of(trial),
            limit=limit - len(found),
            since=request.start_time,
            until=request.end_time,
        )
        ingested = logs.last_event_time(path) or after.stamp
        found += [
            {**_event(e, ingested), "logStreamName": name, "eventId": f"{index}-{e.start}"}
            for e in events
            if matches(e.message)
        ]
        complete = after.offset >= logs.stored_bytes(path)
        searched.append({"logStreamName": name, "searchedCompletely": complete})
        if not complete:
            cursor = (index, after.offset)
            break
    next_token = None if cursor is None else paging.token(cursor[0] * 2**40 + cursor[1], body)
    return checked(
        FilterLogEventsResponse,
        {"events": found, "searchedLogStreams": searched, "nextToken": next_token},
    )


def _filter_cursor(given: str | None, body: Body) -> tuple[int, int]:
    """(stream index, byte offset) a FilterLogEvents token points at."""
    packed = _offset(given, body)
    return packed // 2**40, packed % 2**40


OPERATIONS: dict[str, Handler] = {
    "GetLogEvents": get_log_events,
    "DescribeLogStreams": describe_log_streams,
    "FilterLogEvents": filter_log_events,
}
