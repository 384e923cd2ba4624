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

from trimtab.arns import training_job_arn
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
            lambda s: s.lease_holder("nope"),
            lambda s: s.delete_tuning_job("nope"),
            lambda s: s.add_trial("nope", {}, None, 1.0),
            lambda s: s.trials("nope"),
            lambda s: s.training_job_stops("nope"),
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

    def test_lease_holder_is_the_owner_until_the_lease_expires(
        self, store: Store, job: str, clock: FakeClock
    ) -> None:
        assert store.lease_holder(job) is None
        assert store.acquire_lease(job, "tuner-1", ttl_seconds=30.0)
        assert store.lease_holder("MY-JOB") == "tuner-1"
        clock.now += 29.0
        assert store.lease_holder(job) == "tuner-1"
        clock.now += 1.0
        assert store.lease_holder(job) is None  # expired: free for anyone
        assert store.acquire_lease(job, "tuner-2", ttl_seconds=30.0)
        assert store.lease_holder(job) == "tuner-2"
        store.release_lease(job, "tuner-2")
        assert store.lease_holder(job) is None

    # -- deleting a tuning job ---------------------------------------------------------------

    @pytest.mark.parametrize(
        "status", [s for s in HyperParameterTuningJobStatus if s.is_finished()]
    )
    def test_delete_removes_the_job_and_all_it_holds(
        self, store: Store, job: str, home: Path, status: HyperParameterTuningJobStatus
    ) -> None:
        arn = record().arn
        names = [started(store, job) for _ in range(2)]
        store.add_metrics(names[0], [MetricPoint("loss", 1.0, 1.0)], objective_metric="loss")
        store.finish(names[0], COMPLETED)
        store.request_training_job_stop(names[1])
        store.add_tags(arn, {"team": "ml"})
        for name in names:
            store.add_tags(training_job_arn(arn, name), {"trial": name})
        job_dir = Path(store.job_dir(names[0]))
        job_dir.mkdir(parents=True)
        (job_dir / "training.log").write_text("a log")
        store.update_tuning_job(job, status=status, end_time=60.0)

        store.delete_tuning_job("MY-JOB")  # names compare case-insensitively

        with pytest.raises(ResourceNotFound, match=re.escape(NOT_FOUND.format(job))):
            store.tuning_job(job)
        assert store.tuning_jobs() == []
        for name in names:
            with pytest.raises(ValidationError, match=TRAINING_NOT_FOUND):
                store.trial(name)
            with pytest.raises(ValidationError, match=TRAINING_NOT_FOUND):
                store.metrics(name)
            assert store.tags(training_job_arn(arn, name)) == {}
        assert store.tags(arn) == {}
        assert (job_dir / "training.log").read_text() == "a log"  # files on disk stay

    def test_delete_leaves_other_jobs_alone(self, store: Store, job: str) -> None:
        store.create_tuning_job(record("other"))
        kept = started(store, "other")
        store.add_metrics(kept, [MetricPoint("loss", 2.0, 1.0)], objective_metric="loss")
        store.request_training_job_stop(kept)
        other_arn = record("other").arn
        store.add_tags(other_arn, {"team": "ml"})
        store.add_tags(training_job_arn(other_arn, kept), {"trial": "kept"})
        store.add_tags("arn:aws:sagemaker:us-east-1:000000000000:model/m", {"k": "v"})
        started(store, job)
        store.update_tuning_job(job, status=HyperParameterTuningJobStatus.COMPLETED)
        other_before, trials_before = store.tuning_job("other"), store.trials("other")

        store.delete_tuning_job(job)

        assert store.tuning_jobs() == [other_before]
        assert store.trials("other") == trials_before
        assert store.metrics(kept) == [MetricPoint("loss", 2.0, 1.0)]
        assert store.training_job_stops("other") == {kept}
        assert store.tags(other_arn) == {"team": "ml"}
        assert store.tags(training_job_arn(other_arn, kept)) == {"trial": "kept"}
        assert store.tags("arn:aws:sagemaker:us-east-1:000000000000:model/m") == {"k": "v"}

    def test_a_deleted_name_can_be_used_again(self, store: Store, job: str) -> None:
        name = started(store, job)
        store.request_training_job_stop(name)
        store.add_tags(record().arn, {"old": "tag"})
        store.update_tuning_job(job, status=HyperParameterTuningJobStatus.STOPPED)
        store.delete_tuning_job(job)
        store.create_tuning_job(record("My-Job"))
        assert store.tuning_job(job) == record("My-Job")
        assert store.trials(job) == []
        assert store.training_job_stops(job) == set()
        assert store.tags(record().arn) == {}
        assert store.add_trial(job, {}, None, 1.0).index == 1

    @pytest.mark.parametrize(
        "status",
        [HyperParameterTuningJobStatus.IN_PROGRESS, HyperParameterTuningJobStatus.STOPPING],
    )
    def test_a_job_that_has_not_ended_cannot_be_deleted(
        self, store: Store, status: HyperParameterTuningJobStatus
    ) -> None:
        store.create_tuning_job(record("Job-A", status=status))
        name = started(store, "Job-A")
        store.add_tags(record("Job-A").arn, {"team": "ml"})
        before, trials_before = store.tuning_job("job-a"), store.trials("job-a")
        message = (
            f"The hyperparameter tuning job Job-A is in status {status} and cannot be deleted. "
            "Stop the tuning job and wait for it to end, then delete it."
        )
        with pytest.raises(ResourceInUse, match="^" + re.escape(message) + "$"):
            store.delete_tuning_job("job-a")
        assert store.tuning_job("job-a") == before
        assert store.trials("job-a") == trials_before
        assert store.trial(name) == trials_before[0]
        assert store.tags(record("Job-A").arn) == {"team": "ml"}

    def test_trials_read_again_see_every_write_since(self, store: Store, job: str) -> None:
        first = started(store, job)
        assert [t.training_job_name for t in store.trials(job)] == [first]
        store.add_metrics(first, [MetricPoint("loss", 2.0, 1.0)], "loss")
        second = store.add_trial(job, {"lr": "0.2"}, None, creation_time=5.0)  # an old clock
        assert [t.objective for t in store.trials(job)] == [2.0, None]
        store.finish(first, COMPLETED)
        store.set_handle(second.training_job_name, "pid:2", start_time=6.0)
        now = store.trials(job)
        assert (now[0].status, now[1].handle) == (TrainingJobStatus.COMPLETED, "pid:2")
        assert now == [store.trial(t.training_job_name) for t in now]

    def test_a_trial_created_by_a_clock_ahead_hides_no_later_write(
        self, store: Store, job: str, clock: FakeClock
    ) -> None:
        ahead = store.add_trial(job, {"lr": "0.3"}, None, creation_time=clock() + 1000)
        assert [t.handle for t in store.trials(job)] == [None]
        store.set_handle(ahead.training_job_name, "pid:3", start_time=clock())
        assert [t.handle for t in store.trials(job)] == ["pid:3"]

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
            lambda s: s.request_training_job_stop("nope-001-00000000"),
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
        with pytest.raises(TypeError):  # a snapshot is read-only: nobody changes another's
            running.final_metrics["x"] = MetricPoint("x", 1.0, 1.0)  # type: ignore[index]
        with pytest.raises(TypeError):
            store.trials(job)[0].hyperparameters["lr"] = "0"  # type: ignore[index]
        assert "x" not in store.trial(name).final_metrics

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

    def test_request_training_job_stop_is_recorded_for_the_tuner(
        self, store: Store, job: str
    ) -> None:
        names = [started(store, job) for _ in range(3)]
        assert store.training_job_stops(job) == set()
        before = store.trial(names[1])
        assert store.request_training_job_stop(names[1].upper()) == before  # any case
        assert store.trial(names[1]) == before  # the request does not change the trial
        assert store.training_job_stops("MY-JOB") == {names[1]}
        assert store.request_training_job_stop(names[1]) == before  # idempotent
        store.request_training_job_stop(names[2])
        assert store.training_job_stops(job) == {names[1], names[2]}

    def test_training_job_stops_are_per_tuning_job(self, store: Store, job: str) -> None:
        store.create_tuning_job(record("other"))
        mine, theirs = started(store, job), started(store, "other")
        store.request_training_job_stop(mine)
        store.request_training_job_stop(theirs)
        assert store.training_job_stops(job) == {mine}
        assert store.training_job_stops("other") == {theirs}

    def test_a_stopped_training_job_leaves_the_stops_when_it_finishes(
        self, store: Store, job: str
    ) -> None:
        name = started(store, job)
        store.request_training_job_stop(name)
        stopped = Finish(
            status=TrainingJobStatus.STOPPED,
            secondary_status=SecondaryStatus.STOPPED,
            objective_status=ObjectiveStatus.FAILED,
            end_time=60.0,
        )
        finished = store.finish(name, stopped)
        assert store.training_job_stops(job) == set()
        assert store.request_training_job_stop(name) == finished  # finished: left alone
        assert store.training_job_stops(job) == set()

    def test_request_training_job_stop_leaves_a_finished_job_alone(
        self, store: Store, job: str
    ) -> None:
        name = started(store, job)
        finished = store.finish(name, COMPLETED)
        assert store.request_training_job_stop(name) == finished
        assert store.trial(name) == finished
        assert store.training_job_stops(job) == set()

    # -- tags --------------------------------------------------------------------------------

    def test_tags_keep_the_order_keys_were_added(self, store: Store) -> None:
        arn = record().arn  # no such job: the store keeps tags of any ARN
        assert store.tags(arn) == {}
        store.add_tags(arn, {"b": "1", "a": "2"})
        store.add_tags(arn, {"c": "3", "b": "overwritten"})
        tags = store.tags(arn)
        assert tags == {"b": "overwritten", "a": "2", "c": "3"}
        assert list(tags) == ["b", "a", "c"]  # an overwritten key keeps its place
        store.delete_tags(arn, ["b"])
        store.add_tags(arn, {"b": "again"})
        assert list(store.tags(arn).items()) == [("a", "2"), ("c", "3"), ("b", "again")]

    def test_tag_keys_are_case_sensitive(self, store: Store) -> None:
        arn = record().arn
        store.add_tags(arn, {"Team": "a", "team": "b", "TEAM": ""})  # a value may be empty
        assert store.tags(arn) == {"Team": "a", "team": "b", "TEAM": ""}
        store.delete_tags(arn, ["team"])
        assert store.tags(arn) == {"Team": "a", "TEAM": ""}

    def test_delete_tags_ignores_unknown_keys(self, store: Store) -> None:
        arn = record().arn
        store.delete_tags(arn, ["nothing", "here"])  # a resource without tags
        store.add_tags(arn, {"a": "1", "b": "2", "c": "3"})
        store.delete_tags(arn, ["c", "nope", "a"])
        assert store.tags(arn) == {"b": "2"}
        store.delete_tags(arn, [])
        store.add_tags(arn, {})
        assert store.tags(arn) == {"b": "2"}
        store.delete_tags(arn, ["b"])
        assert store.tags(arn) == {}

    def test_tags_are_per_resource(self, store: Store) -> None:
        job_arn = record().arn
        trial_arn = training_job_arn(job_arn, "my-job-001-0a0b0c0d")
        store.add_tags(job_arn, {"k": "job"})
        store.add_tags(trial_arn, {"k": "trial", "only": "trial"})
        store.add_tags(job_arn.upper(), {"k": "upper"})  # ARNs are compared as given
        store.delete_tags(trial_arn, ["only"])
        assert store.tags(job_arn) == {"k": "job"}
        assert store.tags(trial_arn) == {"k": "trial"}
        assert store.tags(job_arn.upper()) == {"k": "upper"}

    def test_tags_are_snapshots(self, store: Store) -> None:
        arn = record().arn
        given = {"a": "1"}
        store.add_tags(arn, given)
        given["a"] = "changed by the caller"
        tags = store.tags(arn)
        tags["b"] = "2"
        assert store.tags(arn) == {"a": "1"}

    def test_paths_live_under_home(self, store: Store, home: Path) -> None:
        job_dir = home / "jobs" / "j-001-0a0b0c0d"
        assert store.job_dir("j-001-0a0b0c0d") == str(job_dir)
        assert store.log_path("j-001-0a0b0c0d") == str(job_dir / "training.log")
        assert not job_dir.parent.exists()  # paths only, no I/O
