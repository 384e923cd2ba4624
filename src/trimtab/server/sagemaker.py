"""The SageMaker operations the server answers: each parses its body with `spec`, calls
`service`, and returns the output shape as a wire dict (None for operations without one).

Nothing here decides anything a CLI user would not get the same way: the verbs are the
service's, the shapes `reports`'. What is the API's own: paging tokens, the folders a request
may name (`Roots`: no relative paths), and waking the supervisor when a job appears.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trimtab import service
from trimtab.locations import Roots
from trimtab.reports.listing import Query
from trimtab.server import paging
from trimtab.spec import responses
from trimtab.spec.base import checked
from trimtab.spec.enums import SortOrder
from trimtab.spec.operations import (
    AddTagsRequest,
    DeleteTagsRequest,
    ListHyperParameterTuningJobsRequest,
    ListTagsRequest,
    ListTrainingJobsForHyperParameterTuningJobRequest,
    ListTrainingJobsRequest,
    TrainingJobRequest,
    TuningJobRequest,
)
from trimtab.spec.parse import parse_operation, parse_request
from trimtab.store.base import Store

DEFAULT_PAGE = 10  # SageMaker's MaxResults default
TAGS_PAGE = 50


@dataclass(frozen=True)
class Context:
    """What every operation may use: the store, the folders requests may name, and a way to
    tell the supervisor that a tuning job wants running (or stopping)."""

    store: Store
    roots: Roots
    wake: Callable[[], None] = lambda: None


Body = Mapping[str, Any]
Handler = Callable[[Context, Body], Mapping[str, Any] | None]


def create_tuning_job(ctx: Context, body: Body) -> Mapping[str, Any]:
    record = service.create_tuning_job(ctx.store, parse_request(body), Path("/"), ctx.roots)
    ctx.wake()
    return {"HyperParameterTuningJobArn": record.arn}


def describe_tuning_job(ctx: Context, body: Body) -> Mapping[str, Any]:
    request = parse_operation(TuningJobRequest, body, "DescribeHyperParameterTuningJob")
    return service.describe_tuning_job(ctx.store, request.hyper_parameter_tuning_job_name)


def stop_tuning_job(ctx: Context, body: Body) -> None:
    request = parse_operation(TuningJobRequest, body, "StopHyperParameterTuningJob")
    service.stop_tuning_job(ctx.store, request.hyper_parameter_tuning_job_name)
    ctx.wake()


def delete_tuning_job(ctx: Context, body: Body) -> None:
    request = parse_operation(TuningJobRequest, body, "DeleteHyperParameterTuningJob")
    service.delete_tuning_job(ctx.store, request.hyper_parameter_tuning_job_name)


def _window(request: ListHyperParameterTuningJobsRequest | ListTrainingJobsRequest) -> Any:
    """A List request's creation and modification time bounds, as `Query` takes them."""
    return {
        "created_after": request.creation_time_after,
        "created_before": request.creation_time_before,
        "modified_after": request.last_modified_time_after,
        "modified_before": request.last_modified_time_before,
    }


def list_tuning_jobs(ctx: Context, body: Body) -> Mapping[str, Any]:
    request = parse_operation(
        ListHyperParameterTuningJobsRequest, body, "ListHyperParameterTuningJobs"
    )
    query = Query(
        sort_by=str(request.sort_by or "Name"),
        descending=request.sort_order is SortOrder.DESCENDING,
        name_contains=request.name_contains,
        status=request.status_equals,
        **_window(request),
        offset=paging.offset(request.next_token, body),
        limit=request.max_results or DEFAULT_PAGE,
    )
    page = service.list_tuning_jobs(ctx.store, query)
    return _listed("HyperParameterTuningJobSummaries", page.items, paging.token(page.next, body))


def list_training_jobs_for_tuning_job(ctx: Context, body: Body) -> Mapping[str, Any]:
    request = parse_operation(
        ListTrainingJobsForHyperParameterTuningJobRequest,
        body,
        "ListTrainingJobsForHyperParameterTuningJob",
    )
    query = Query(
        sort_by=str(request.sort_by or "Name"),
        descending=request.sort_order is SortOrder.DESCENDING,
        status=request.status_equals,
        offset=paging.offset(request.next_token, body),
        limit=request.max_results or DEFAULT_PAGE,
    )
    page = service.list_training_jobs(ctx.store, request.hyper_parameter_tuning_job_name, query)
    return _listed("TrainingJobSummaries", page.items, paging.token(page.next, body))


def describe_training_job(ctx: Context, body: Body) -> Mapping[str, Any]:
    request = parse_operation(TrainingJobRequest, body, "DescribeTrainingJob")
    return service.describe_training_job(ctx.store, request.training_job_name)


def stop_training_job(ctx: Context, body: Body) -> None:
    request = parse_operation(TrainingJobRequest, body, "StopTrainingJob")
    service.stop_training_job(ctx.store, request.training_job_name)


def list_training_jobs(ctx: Context, body: Body) -> Mapping[str, Any]:
    request = parse_operation(ListTrainingJobsRequest, body, "ListTrainingJobs")
    query = Query(
        sort_by=str(request.sort_by or "CreationTime"),
        descending=request.sort_order is not SortOrder.ASCENDING,  # SageMaker: newest first
        name_contains=request.name_contains,
        status=request.status_equals,
        **_window(request),
        offset=paging.offset(request.next_token, body),
        limit=request.max_results or DEFAULT_PAGE,
    )
    no_match = request.warm_pool_status_equals or request.training_plan_arn_equals
    page = service.list_all_training_jobs(ctx.store, query)
    items, after = ([], None) if no_match else (page.items, page.next)  # no warm pools, no plans
    return _listed("TrainingJobSummaries", items, paging.token(after, body))


def _listed(member: str, items: list[dict[str, Any]], token: str | None) -> dict[str, Any]:
    """A List response: its items as the service made them, each already checked against its
    shape (checking the page again would validate every item twice, a fifth of a List's cost),
    and the token of the next page, if there is one."""
    return {member: items} if token is None else {member: items, "NextToken": token}


def _pairs(tags: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in tags.items()]


def add_tags(ctx: Context, body: Body) -> Mapping[str, Any]:
    request = parse_operation(AddTagsRequest, body, "AddTags")
    added = {tag.key: tag.value for tag in request.tags}
    service.add_tags(ctx.store, request.resource_arn, added)
    return checked(responses.Tags, {"Tags": _pairs(added)})


def list_tags(ctx: Context, body: Body) -> Mapping[str, Any]:
    request = parse_operation(ListTagsRequest, body, "ListTags")
    pairs = _pairs(service.list_tags(ctx.store, request.resource_arn))
    start = paging.offset(request.next_token, body)
    end = start + (request.max_results or TAGS_PAGE)
    return checked(
        responses.Tags,
        {
            "Tags": pairs[start:end],
            "NextToken": paging.token(end if end < len(pairs) else None, body),
        },
    )


def delete_tags(ctx: Context, body: Body) -> None:
    request = parse_operation(DeleteTagsRequest, body, "DeleteTags")
    service.delete_tags(ctx.store, request.resource_arn, request.tag_keys)


OPERATIONS: dict[str, Handler] = {
    "CreateHyperParameterTuningJob": create_tuning_job,
    "DescribeHyperParameterTuningJob": describe_tuning_job,
    "ListHyperParameterTuningJobs": list_tuning_jobs,
    "ListTrainingJobsForHyperParameterTuningJob": list_training_jobs_for_tuning_job,
    "StopHyperParameterTuningJob": stop_tuning_job,
    "DeleteHyperParameterTuningJob": delete_tuning_job,
    "DescribeTrainingJob": describe_training_job,
    "ListTrainingJobs": list_training_jobs,
    "StopTrainingJob": stop_training_job,
    "AddTags": add_tags,
    "ListTags": list_tags,
    "DeleteTags": delete_tags,
}
