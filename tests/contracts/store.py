"""The store contract (`trimtab.store.base`), written once for every store.

A store passes it by subclassing `StoreContract` in a test module with a `store` fixture that
opens a fresh, empty store whose home is the `home` fixture and whose time comes from the `clock`
fixture (tests/store/test_store_contract.py does so for every store trimtab has).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest

from trimtab.errors import ResourceInUse, ResourceNotFound, ValidationError
from trimtab.spec.enums import (
    HyperParameterTuningJobStatus,
    ObjectiveStatus,
    SecondaryStatus,
    TrainingJobStatus,
)
from trimtab.store import Finish, Store, TrialFinishedError, TuningJobRecord
from trimtab.types import MetricPoint

NOT_FOUND = "Amazon SageMaker can't find a tuning job called {}. Type another name."
TRAINING_NOT_FOUND = "^" + re.escape("Requested resource not found.") + "$"
COMPLETED = Finish(
    status=TrainingJobStatus.COMPLETED,
    secondary_status=SecondaryStatus.COMPLETED,
    objective_status=ObjectiveStatus.SUCCEEDED,
    end_time=50.0,
)


class FakeClock:
    """Wall-clock time the test sets by hand, so leases expire without sleeping."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def record(name: str = "my-job", **changes: object) -> TuningJobRecord:
    base = TuningJobRecord(
        name=name,
        arn=f"arn:aws:sagemaker:us-east-1:000000000000:hyper-parameter-tuning-job/{name.lower()}",
        request={"HyperParameterTuningJobName": name, "Nested": {"MaxJobs": 3, "L": [1, 2.5]}},
        base_dir="/somewhere",
        seed=2**40 + 1,
        status=HyperParameterTuningJobStatus.IN_PROGRESS,
        creation_time=10.0,
        last_modified_time=10.0,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def started(store: Store, job: str = "my-job") -> str:
    """A training job that was launched; its name."""
    name = store.add_trial(job, {"lr": "0.1"}, None, creation_time=20.0).training_job_name
    store.set_handle(name, "pid:1", start_time=21.0)
    return name


class StoreContract:
    """Every promise of `trimtab.store.base.Store`; subclass it with a `store` fixture."""

    @pytest.fixture
    def clock(self) -> FakeClock:
        return FakeClock()

    @pytest.fixture
    def home(self, tmp_path: Path) -> Path:
        return tmp_path / "home"

    @pytest.fixture
    def job(self, store: Store) -> str:
        store.create_tuning_job(record())
        return "my-job"

    # -- tuning jobs -------------------------------------------------------------------------

    def test_create_then_describe_round_trips(self, store: Store) -> None:
        original = record(completion_details={"NumberOfTrainingJobsObjectiveNotImproving": 2})
        store.create_tuning_job(original)
        assert store.tuning_job("my-job") == original
        assert store.tuning_job("MY-JOB").name == "my-job"  # case-insensitive, spelling kept

    def test_duplicate_name_in_any_case_is_in_use(self, store: Store) -> None:
        store.create_tuning_job(record("Job-A"))
        message = "A hyperparameter tuning job with the name, job-a, already exists."
        with pytest.raises(ResourceInUse, match=re.escape(message) + " Choose a different name.$"):
            store.create_tuning_job(record("job-a"))

    @pytest.mark.parametrize(
        "call",
        [
            lambda s: s.tuning_job("nope"),
            lambda s: s.update_tuning_job("nope", status=HyperParameterTuningJobStatus.FAILED),
            lambda s: s.request_stop("nope"),
            lambda s: s.acquire_lease("nope", "me", 10.0),
            lambda s: s.release_lease("nope", "me"),
            lambda s: s.add_trial("nope", {}, None, 1.0),
            lambda s: s.trials("nope"),
        ],
    )
    def test_unknown_tuning_job_is_not_found(
        self, store: Store, call: Callable[[Store], object]
    ) -> None:
        with pytest.raises(ResourceNotFound, match="^" + re.escape(NOT_FOUND.format("nope")) + "$"):
            call(store)

    def test_tuning_jobs_oldest_first(self, store: Store) -> None:
        for name, created in [("b", 3.0), ("a", 2.0), ("c", 5.0)]:
            store.create_tuning_job(record(name, creation_time=created))
        assert [j.name for j in store.tuning_jobs()] == ["a", "b", "c"]

    def test_update_sets_only_given_fields(self, store: Store, job: str, clock: FakeClock) -> None:
        clock.now = 99.0
        updated = store.update_tuning_job(
            job, status=HyperParameterTuningJobStatus.COMPLETED, runtime_seconds=7.5
        )
        assert updated == replace(
            record(),
            status=HyperParameterTuningJobStatus.COMPLETED,
            runtime_seconds=7.5,
            last_modified_time=99.0,
        )
        details = {"ConvergenceDetected": {"CompleteOnConvergence": "Enabled"}}
        final = store.update_tuning_job(
            job, end_time=100.0, failure_reason="boom", completion_details=details
        )
        assert (final.status, final.end_time, final.failure_reason) == (
            HyperParameterTuningJobStatus.COMPLETED,
            100.0,
            "boom",
        )
        assert final.completion_details == details
        assert store.tuning_job(job) == final

    def test_request_stop_of_running_job_sets_stopping(self, store: Store, job: str) -> None:
        stopped = store.request_stop(job)
        assert (stopped.stop_requested, stopped.status) == (
            True,
            HyperParameterTuningJobStatus.STOPPING,
        )
        assert (
            store.request_stop(job).status is HyperParameterTuningJobStatus.STOPPING
        )  # idempotent

    @pytest.mark.parametrize(
        "status", [s for s in HyperParameterTuningJobStatus if s.is_finished()]
    )
    def test_request_stop_leaves_finished_job_alone(
        self, store: Store, job: str, status: HyperParameterTuningJobStatus
    ) -> None:
        before = store.update_tuning_job(job, status=status)
        assert store.request_stop(job) == before

    def test_lease_is_exclusive_until_it_expires(
        self, store: Store, job: str, clock: FakeClock
    ) -> None:
        assert store.acquire_lease(job, "tuner-1", ttl_seconds=30.0)
        assert not store.acquire_lease(job, "tuner-2", ttl_seconds=30.0)
        clock.now += 20.0
        assert store.acquire_lease(job, "tuner-1", ttl_seconds=30.0)  # renewal: 30 s from now
        clock.now += 20.0
        assert not store.acquire_lease(job, "tuner-2", ttl_seconds=30.0)
        clock.now += 10.0
        assert store.acquire_lease(job, "tuner-2", ttl_seconds=30.0)  # tuner-1's lease expired
        assert not store.acquire_lease(job, "tuner-1", ttl_seconds=30.0)

    def test_release_frees_the_lease_only_for_its_owner(self, store: Store, job: str) -> None:
        assert store.acquire_lease(job, "tuner-1", ttl_seconds=30.0)
        store.release_lease(job, "tuner-2")
        assert not store.acquire_lease(job, "tuner-2", ttl_seconds=30.0)
        store.release_lease(job, "tuner-1")
        assert store.acquire_lease(job, "tuner-2", ttl_seconds=30.0)

    # -- training jobs -----------------------------------------------------------------------

    def test_add_trial_numbers_and_names_training_jobs(self, store: Store) -> None:
        name = "J" * 32  # the longest tuning job name SageMaker allows
        store.create_tuning_job(record(name))
        trials = [store.add_trial(name.lower(), {"x": str(i)}, "def-a", 5.0 + i) for i in range(3)]
        assert [t.index for t in trials] == [1, 2, 3]
        for i, t in enumerate(trials, start=1):
            assert re.fullmatch(rf"{name}-{i:03d}-[0-9a-f]{{8}}", t.training_job_name)
            assert len(t.training_job_name) <= 63
        first = trials[0]
        assert (first.tuning_job_name, first.hyperparameters, first.definition_name) == (
            name,
            {"x": "0"},
            "def-a",
        )
        assert (first.status, first.secondary_status, first.objective_status) == (
            TrainingJobStatus.IN_PROGRESS,
            SecondaryStatus.STARTING,
            ObjectiveStatus.PENDING,
        )
        assert (first.creation_time, first.last_modified_time, first.handle) == (5.0, 5.0, None)
        assert (first.objective, first.final_metrics, first.attempts) == (None, {}, 1)
        assert store.trial(first.training_job_name) == first

    def test_trials_are_per_job_and_by_index(self, store: Store) -> None:
        for name in ["a", "b"]:
            store.create_tuning_job(record(name))
        added = [store.add_trial(name, {}, None, 1.0) for name in ["a", "b", "a", "a", "b"]]
        assert [t.index for t in store.trials("a")] == [1, 2, 3]
        assert [t.index for t in store.trials("B")] == [1, 2]
        assert [t.training_job_name for t in store.trials("a")] == [
            t.training_job_name for t in added if t.tuning_job_name == "a"
        ]

    def test_threads_adding_trials_get_distinct_indexes(self, store: Store, job: str) -> None:
        def add_some() -> list[int]:
            return [store.add_trial(job, {}, None, 1.0).index for _ in range(25)]

        with ThreadPoolExecutor(max_workers=4) as pool:
            indexes = [
                i for done in [pool.submit(add_some) for _ in range(4)] for i in done.result()
            ]
        assert sorted(indexes) == list(range(1, 101))

    def test_trial_lookup_ignores_case(self, store: Store, job: str) -> None:
        name = started(store, job)
        assert store.trial(name.upper()).training_job_name == name

    @pytest.mark.parametrize(
        "call",
        [
            lambda s: s.trial("nope-001-00000000"),
            lambda s: s.set_handle("nope-001-00000000", "h", 1.0),
            lambda s: s.add_metrics("nope-001-00000000", [], "loss"),
            lambda s: s.metrics("nope-001-00000000"),
            lambda s: s.finish("nope-001-00000000", COMPLETED),
        ],
    )
    def test_unknown_training_job_is_a_validation_error(
        self, store: Store, call: Callable[[Store], object]
    ) -> None:
        with pytest.raises(ValidationError, match=TRAINING_NOT_FOUND):
            call(store)

    def test_set_handle_marks_training(self, store: Store, job: str, clock: FakeClock) -> None:
        name = store.add_trial(job, {}, None, creation_time=20.0).training_job_name
        clock.now = 30.0
        store.set_handle(name, "pid:42", start_time=21.0, attempts=2)
        trial = store.trial(name)
        assert (trial.handle, trial.start_time, trial.attempts) == ("pid:42", 21.0, 2)
        assert trial.secondary_status is SecondaryStatus.TRAINING
        assert trial.last_modified_time == 30.0

    def test_metrics_append_in_order(self, store: Store, job: str) -> None:
        name = started(store, job)
        first = [MetricPoint("loss", 3.0, 1.0), MetricPoint("acc", 0.1, 1.0)]
        second = [MetricPoint("loss", 2.0, 2.0), MetricPoint("loss", 1.5, 2.0)]
        store.add_metrics(name, first, objective_metric="loss")
        store.add_metrics(name, second, objective_metric="loss")
        assert store.metrics(name) == first + second
        assert store.metrics(name, "loss") == [first[0], *second]
        assert store.metrics(name, "other") == []

    def test_final_metrics_and_objective_are_the_latest_points(
        self, store: Store, job: str
    ) -> None:
        name = started(store, job)
        store.add_metrics(name, [MetricPoint("acc", 0.1, 1.0)], objective_metric="loss")
        assert store.trial(name).objective is None  # no objective point yet
        store.add_metrics(
            name,
            [MetricPoint("loss", 3.0, 2.0), MetricPoint("loss", 4.0, 3.0)],  # latest, not best
            objective_metric="loss",
        )
        store.add_metrics(name, [MetricPoint("acc", 0.7, 4.0)], objective_metric="loss")
        trial = store.trial(name)
        assert trial.objective == 4.0
        assert trial.final_metrics == {
            "acc": MetricPoint("acc", 0.7, 4.0),
            "loss": MetricPoint("loss", 4.0, 3.0),
        }

    @pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, 0.1, 1e308, 5e-324, -2.5])
    def test_metric_values_round_trip_exactly(self, store: Store, job: str, value: float) -> None:
        name = started(store, job)
        store.add_metrics(name, [MetricPoint("loss", value, 1.5)], objective_metric="loss")
        trial = store.trial(name)
        [point] = store.metrics(name)
        for got in [point.value, trial.final_metrics["loss"].value, trial.objective]:
            assert got is not None
            assert got == value or (math.isnan(got) and math.isnan(value))
        assert point.timestamp == trial.final_metrics["loss"].timestamp == 1.5

    def test_snapshots_never_change(self, store: Store, job: str) -> None:
        hyperparameters = {"lr": "0.1"}
        added = store.add_trial(job, hyperparameters, None, creation_time=20.0)
        hyperparameters["lr"] = "changed by the caller"
        name = added.training_job_name
        job_before = store.tuning_job(job)
        store.set_handle(name, "pid:1", start_time=21.0)
        running = store.trial(name)
        store.add_metrics(name, [MetricPoint("loss", 1.0, 1.0)], objective_metric="loss")
        store.finish(name, COMPLETED)
        store.request_stop(job)
        assert added.hyperparameters == {"lr": "0.1"}
        assert (added.handle, added.secondary_status) == (None, SecondaryStatus.STARTING)
        assert (running.objective, running.final_metrics, running.status) == (
            None,
            {},
            TrainingJobStatus.IN_PROGRESS,
        )
        assert job_before.status is HyperParameterTuningJobStatus.IN_PROGRESS
        running.final_metrics["x"] = MetricPoint("x", 1.0, 1.0)  # type: ignore[index]
        assert "x" not in store.trial(name).final_metrics  # a snapshot is a copy

    def test_finish_records_the_end(self, store: Store, job: str, clock: FakeClock) -> None:
        name = started(store, job)
        clock.now = 60.0
        failed = Finish(
            status=TrainingJobStatus.FAILED,
            secondary_status=SecondaryStatus.FAILED,
            objective_status=ObjectiveStatus.FAILED,
            end_time=55.0,
            failure_reason="AlgorithmError: exit code 1",
            retryable=True,
        )
        trial = store.finish(name, failed)
        assert trial == store.trial(name)
        assert (trial.status, trial.secondary_status, trial.objective_status) == (
            TrainingJobStatus.FAILED,
            SecondaryStatus.FAILED,
            ObjectiveStatus.FAILED,
        )
        assert (trial.end_time, trial.retryable) == (55.0, True)
        assert trial.failure_reason == "AlgorithmError: exit code 1"
        assert trial.last_modified_time == 60.0
        assert not trial.is_pending

    @pytest.mark.parametrize(
        "write",
        [
            lambda s, n: s.finish(n, COMPLETED),
            lambda s, n: s.set_handle(n, "pid:2", 1.0),
            lambda s, n: s.add_metrics(n, [MetricPoint("loss", 1.0, 1.0)], "loss"),
            lambda s, n: s.add_metrics(n, [], "loss"),
        ],
    )
    def test_finished_trial_is_never_written_again(
        self, store: Store, job: str, write: Callable[[Store, str], object]
    ) -> None:
        name = started(store, job)
        finished = store.finish(name, COMPLETED)
        with pytest.raises(TrialFinishedError, match=f"^Training job {name} already finished"):
            write(store, name)
        assert store.trial(name) == finished
        assert store.metrics(name) == []

    def test_finish_needs_a_final_status(self, store: Store, job: str) -> None:
        name = started(store, job)
        with pytest.raises(ValueError, match="must be Completed, Failed or Stopped, but got"):
            store.finish(name, replace(COMPLETED, status=TrainingJobStatus.STOPPING))
        assert store.trial(name).is_pending

    def test_paths_live_under_home(self, store: Store, home: Path) -> None:
        job_dir = home / "jobs" / "j-001-0a0b0c0d"
        assert store.job_dir("j-001-0a0b0c0d") == str(job_dir)
        assert store.log_path("j-001-0a0b0c0d") == str(job_dir / "training.log")
        assert not job_dir.parent.exists()  # paths only, no I/O
