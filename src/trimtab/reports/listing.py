"""What a List call asks for, and the page it gets: filters, order and paging, as SageMaker's
List operations have them.

Filters keep what matches every one given: a name that contains `name_contains` (whatever its
case), a status, creation and modification times strictly after or before the bounds. The order
is SageMaker's `SortBy` / `SortOrder`; ties fall back to the creation order, so pages never
overlap. A page is `limit` items from `offset`, with the offset of the next one (None at the
end): the HTTP API turns that into an opaque `NextToken`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from trimtab.store.base import TuningJobRecord
from trimtab.types import Trial

T = TypeVar("T")

TUNING_JOB_SORT_KEYS = ("Name", "Status", "CreationTime")
TRAINING_JOB_SORT_KEYS = ("Name", "CreationTime", "Status", "FinalObjectiveMetricValue")


@dataclass(frozen=True)
class Query:
    sort_by: str = "Name"
    descending: bool = False
    name_contains: str | None = None
    status: str | None = None
    created_after: float | None = None
    created_before: float | None = None
    modified_after: float | None = None
    modified_before: float | None = None
    offset: int = 0
    limit: int | None = None

    def admits(self, name: str, status: str, created: float, modified: float | None) -> bool:
        """Whether one resource passes every filter."""
        changed = created if modified is None else modified
        return (
            (self.name_contains is None or self.name_contains.lower() in name.lower())
            and (self.status is None or status == self.status)
            and (self.created_after is None or created > self.created_after)
            and (self.created_before is None or created < self.created_before)
            and (self.modified_after is None or changed > self.modified_after)
            and (self.modified_before is None or changed < self.modified_before)
        )


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next: int | None = None  # the offset of the next page; None when this is the last


def page(items: Sequence[T], query: Query) -> Page[T]:
    end = len(items) if query.limit is None else query.offset + query.limit
    return Page(list(items[query.offset : end]), end if end < len(items) else None)


def tuning_jobs(records: Sequence[TuningJobRecord], query: Query) -> Page[TuningJobRecord]:
    """ListHyperParameterTuningJobs' choice and order of jobs."""
    chosen = [
        r
        for r in records
        if query.admits(r.name, str(r.status), r.creation_time, r.last_modified_time)
    ]
    keys: dict[str, Callable[[TuningJobRecord], Any]] = {
        "Name": lambda r: (r.name, r.creation_time),
        "Status": lambda r: (str(r.status), r.name),
        "CreationTime": lambda r: (r.creation_time, r.name),
    }
    return page(sorted(chosen, key=keys[query.sort_by], reverse=query.descending), query)


def training_jobs(trials: Sequence[Trial], query: Query) -> Page[Trial]:
    """ListTrainingJobsForHyperParameterTuningJob's and ListTrainingJobs' choice and order.

    With `FinalObjectiveMetricValue`, jobs without an objective value are omitted and "best
    first" is what `descending` means for a Maximize objective, as SageMaker sorts raw values.
    """
    chosen = [
        t
        for t in trials
        if query.admits(t.training_job_name, str(t.status), t.creation_time, t.last_modified_time)
    ]
    if query.sort_by == "FinalObjectiveMetricValue":
        chosen = [t for t in chosen if t.objective is not None and math.isfinite(t.objective)]
    keys: dict[str, Callable[[Trial], Any]] = {
        "Name": lambda t: t.training_job_name,
        "CreationTime": lambda t: (t.creation_time, t.index),
        "Status": lambda t: (str(t.status), t.index),
        "FinalObjectiveMetricValue": lambda t: (t.objective, t.index),
    }
    return page(sorted(chosen, key=keys[query.sort_by], reverse=query.descending), query)
