"""The requests of the SageMaker operations beside CreateHyperParameterTuningJob that trimtab
serves, member for member as the service model has them (limits, patterns, enums).

Timestamps arrive as epoch seconds (boto3 sends whole seconds); `parse.parse_operation` checks a
body against one of these shapes and reports every violation in SageMaker's words.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from trimtab.spec.base import WireModel
from trimtab.spec.enums import (
    HyperParameterTuningJobSortByOptions,
    HyperParameterTuningJobStatus,
    SortBy,
    SortOrder,
    TrainingJobSortByOptions,
    TrainingJobStatus,
    WarmPoolResourceStatus,
)
from trimtab.spec.fields import (
    AnyLine,
    HyperParameterTuningJobName,
    TagKey,
    TrainingPlanArn,
    WireFloat,
    WireInt,
    WireStr,
    pattern,
)
from trimtab.spec.request import Tag

TrainingJobName = Annotated[
    WireStr, Field(min_length=1, max_length=63), pattern("[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}")
]
NextToken = Annotated[WireStr, Field(max_length=8192), AnyLine]
MaxResults = Annotated[WireInt, Field(ge=1, le=100)]
NameContains = Annotated[WireStr, Field(max_length=63), pattern(r"[a-zA-Z0-9\-]+")]
Timestamp = WireFloat  # epoch seconds: a JSON number, int or float
ResourceArn = Annotated[
    WireStr,
    Field(max_length=256),
    pattern(r"arn:aws[a-z-]*:sagemaker:[a-z0-9-]*:[0-9]{12}:.+"),
]


class TuningJobRequest(WireModel):
    """Describe-, Stop- and DeleteHyperParameterTuningJob: one tuning job by name."""

    hyper_parameter_tuning_job_name: HyperParameterTuningJobName


class TrainingJobRequest(WireModel):
    """DescribeTrainingJob and StopTrainingJob: one training job by name."""

    training_job_name: TrainingJobName


class _Paged(WireModel):
    next_token: NextToken | None = None
    max_results: MaxResults | None = None
    sort_order: SortOrder | None = None


class _TimeRanges(WireModel):
    creation_time_after: Timestamp | None = None
    creation_time_before: Timestamp | None = None
    last_modified_time_after: Timestamp | None = None
    last_modified_time_before: Timestamp | None = None


class ListHyperParameterTuningJobsRequest(_Paged, _TimeRanges):
    sort_by: HyperParameterTuningJobSortByOptions | None = None
    name_contains: NameContains | None = None
    status_equals: HyperParameterTuningJobStatus | None = None


class ListTrainingJobsForHyperParameterTuningJobRequest(_Paged):
    hyper_parameter_tuning_job_name: HyperParameterTuningJobName
    status_equals: TrainingJobStatus | None = None
    sort_by: TrainingJobSortByOptions | None = None


class ListTrainingJobsRequest(_Paged, _TimeRanges):
    name_contains: NameContains | None = None
    status_equals: TrainingJobStatus | None = None
    sort_by: SortBy | None = None
    warm_pool_status_equals: WarmPoolResourceStatus | None = None
    training_plan_arn_equals: TrainingPlanArn | None = None


class AddTagsRequest(WireModel):
    resource_arn: ResourceArn
    tags: Annotated[list[Tag], Field(max_length=50)]


class ListTagsRequest(WireModel):
    resource_arn: ResourceArn
    next_token: NextToken | None = None
    max_results: Annotated[WireInt, Field(ge=50)] | None = None


class DeleteTagsRequest(WireModel):
    resource_arn: ResourceArn
    tag_keys: Annotated[list[TagKey], Field(min_length=1, max_length=50)]
