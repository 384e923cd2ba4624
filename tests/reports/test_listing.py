"""What a List call gets: filters, SageMaker's orders, and pages that neither overlap nor skip."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reports.helpers import HISTORY, job_with, memory_store
from trimtab.reports import listing
from trimtab.reports.listing import Query
from trimtab.store.memory import MemoryStore


@pytest.fixture
def store(tmp_path: Path) -> MemoryStore:
    return memory_store(tmp_path)


@pytest.mark.parametrize(
    ("sort_by", "descending", "status", "expected"),
    [
        ("Name", False, None, [0, 1, 2, 3, 4, 5, 6]),
        ("Name", True, None, [6, 5, 4, 3, 2, 1, 0]),
        ("CreationTime", True, None, [6, 5, 4, 3, 2, 1, 0]),
        ("Status", False, None, [0, 1, 5, 2, 4, 6, 3]),  # Completed, Failed, InProgress, Stopped
        ("FinalObjectiveMetricValue", False, None, [1, 3, 0, 6]),  # no NaN, none missing
        ("FinalObjectiveMetricValue", True, None, [6, 0, 3, 1]),
        ("Name", False, "Failed", [2, 4]),
    ],
)
def test_training_jobs_sort_and_filter_as_sagemaker_does(
    store: MemoryStore, sort_by: str, descending: bool, status: str | None, expected: list[int]
) -> None:
    trials = job_with(store, HISTORY)
    ordered = listing.training_jobs(trials, Query(sort_by, descending, status=status)).items
    assert [t.index - 1 for t in ordered] == expected


def test_pages_cover_the_list_once_in_order(store: MemoryStore) -> None:
    trials = job_with(store, HISTORY)
    seen, offset = [], 0
    while True:
        page = listing.training_jobs(trials, Query("CreationTime", offset=offset, limit=3))
        seen += [t.index for t in page.items]
        if page.next is None:
            break
        offset = page.next
    assert seen == [1, 2, 3, 4, 5, 6, 7]
    whole = listing.training_jobs(trials, Query())
    assert whole.next is None and len(whole.items) == 7


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (Query(created_after=12.0), [4, 5, 6, 7]),  # strictly after: job 3 was created at 12
        (Query(created_before=12.0), [1, 2]),
        (Query(name_contains="T-JOB-00"), [1, 2, 3, 4, 5, 6, 7]),  # any case
        (Query(status="Stopped"), [4]),
    ],
)
def test_filters_keep_what_matches_each_one(
    store: MemoryStore, query: Query, expected: list[int]
) -> None:
    trials = job_with(store, HISTORY)
    assert [t.index for t in listing.training_jobs(trials, query).items] == expected


def test_tuning_jobs_sort_by_status_then_name(store: MemoryStore) -> None:
    for name in ["b-job", "a-job", "c-job"]:
        job_with(store, [], name=name)
    store.request_stop("c-job")
    chosen = listing.tuning_jobs(store.tuning_jobs(), Query("Status"))
    assert [r.name for r in chosen.items] == ["a-job", "b-job", "c-job"]  # InProgress < Stopping
    newest = listing.tuning_jobs(store.tuning_jobs(), Query("CreationTime", descending=True))
    assert [r.name for r in newest.items] == ["c-job", "a-job", "b-job"]
