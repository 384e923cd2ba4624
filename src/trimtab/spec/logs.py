"""CloudWatch Logs' requests and responses for the operations trimtab serves over training job
logs (GetLogEvents, DescribeLogStreams, FilterLogEvents), as its service model has them.

CloudWatch Logs names members in camelCase (`logGroupName`), unlike SageMaker; times are epoch
milliseconds. Only the log group SageMaker writes training jobs to exists here.
"""

from __future__ import annotations

from typing import Annotated, Final

from pydantic import ConfigDict, Field
from pydantic.alias_generators import to_camel

from trimtab.spec.base import WireModel
from trimtab.spec.fields import WireBool, WireInt, WireStr, pattern

TRAINING_JOBS_GROUP: Final = "/aws/sagemaker/TrainingJobs"

LogGroupName = Annotated[
    WireStr, Field(min_length=1, max_length=512), pattern(r"[\.\-_/#A-Za-z0-9]+")
]
LogGroupIdentifier = Annotated[
    WireStr, Field(min_length=1, max_length=2048), pattern(r"[\w#+=/:,.@-]*")
]
LogStreamName = Annotated[WireStr, Field(min_length=1, max_length=512), pattern(r"[^:*]*")]
Millis = Annotated[WireInt, Field(ge=0)]
LogsToken = Annotated[WireStr, Field(min_length=1)]


class LogsModel(WireModel):
    """A CloudWatch Logs structure: camelCase members, otherwise as strict as SageMaker's."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class _Events(LogsModel):
    log_group_name: LogGroupName | None = None
    log_group_identifier: LogGroupIdentifier | None = None
    start_time: Millis | None = None
    end_time: Millis | None = None
    next_token: LogsToken | None = None
    limit: Annotated[WireInt, Field(ge=1, le=10000)] | None = None
    start_from_head: WireBool | None = None
    unmask: WireBool | None = None


class GetLogEventsRequest(_Events):
    log_stream_name: LogStreamName


class FilterLogEventsRequest(_Events):
    log_stream_names: Annotated[list[LogStreamName], Field(min_length=1, max_length=100)] | None = (
        None
    )
    log_stream_name_prefix: LogStreamName | None = None
    filter_pattern: Annotated[WireStr, Field(max_length=1024)] | None = None
    interleaved: WireBool | None = None


class DescribeLogStreamsRequest(LogsModel):
    log_group_name: LogGroupName | None = None
    log_group_identifier: LogGroupIdentifier | None = None
    log_stream_name_prefix: LogStreamName | None = None
    order_by: Annotated[WireStr, pattern("LogStreamName|LastEventTime")] | None = None
    descending: WireBool | None = None
    next_token: LogsToken | None = None
    limit: Annotated[WireInt, Field(ge=1, le=50)] | None = None


class OutputLogEvent(LogsModel):
    timestamp: int
    message: str
    ingestion_time: int


class FilteredLogEvent(LogsModel):
    log_stream_name: str
    timestamp: int
    message: str
    ingestion_time: int
    event_id: str


class GetLogEventsResponse(LogsModel):
    events: list[OutputLogEvent]
    next_forward_token: str
    next_backward_token: str


class LogStream(LogsModel):
    log_stream_name: str
    creation_time: int
    first_event_timestamp: int | None = None
    last_event_timestamp: int | None = None
    last_ingestion_time: int | None = None
    arn: str
    stored_bytes: int = 0


class DescribeLogStreamsResponse(LogsModel):
    log_streams: list[LogStream]
    next_token: str | None = None


class SearchedLogStream(LogsModel):
    log_stream_name: str
    searched_completely: bool


class FilterLogEventsResponse(LogsModel):
    events: list[FilteredLogEvent]
    searched_log_streams: list[SearchedLogStream]
    next_token: str | None = None
