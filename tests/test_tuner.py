"""The tuning loop over a scripted in-memory backend and a real SQLite store: no processes, no
sleeping. End-to-end runs with real processes live in tests/e2e/."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.jobs import make_request, run
from trimtab import service
from trimtab.backends.base import RunSpec, RunState
from trimtab.errors import ResourceInUse, ValidationError
from trimtab.settings import Settings
from trimtab.spec.enums import (
    HyperParameterTuningJobStatus,
    ObjectiveStatus,
    SecondaryStatus,
    TrainingJobStatus,
)
from trimtab.store import open_store
from trimtab.store.base import Store
from trimtab.strategies import Problem, Strategy, make_strategy
from trimtab.testing import FakeBackend, FakeClock, Script
from trimtab.testing.fakes import quadratic
from trimtab.tuner import Clock


def test_runs_every_job_within_the_parallel_limit_and_picks_the_best(
    store: Store, tmp_path: Path
) -> None:
    backend = FakeBackend(
        plan=lambda r, a: Script(
            ["epoch 1\n", f"loss={quadratic(r) + 1}\n", f"loss={quadratic(r)}\n"]
        )
    )
    run(store, make_request(max_jobs=7, max_parallel=3), backend, base=tmp_path)
    record = store.tuning_job("t-job")
    trials = store.trials("t-job")
    assert record.status is HyperParameterTuningJobStatus.COMPLETED
    assert len(trials) == 7 and backend.max_running == 3
    assert all(
        t.status is TrainingJobStatus.COMPLETED and t.objective_status is ObjectiveStatus.SUCCEEDED
        for t in trials
    )
    # the final objective is the last value reported, not the best one
    losses = {
        t.training_job_name: quadratic(
            next(r for r in backend.launches if r.training_job_name == t.training_job_name)
        )
        for t in trials
    }
    assert all(t.objective == pytest.approx(losses[t.training_job_name]) for t in trials)
    described = service.describe_tuning_job(store, "t-job")
    assert described["BestTrainingJob"]["TrainingJobName"] == min(losses, key=losses.__getitem__)
    assert described["TrainingJobStatusCounters"] == {
        "Completed": 7,
        "InProgress": 0,
        "RetryableError": 0,
        "NonRetryableError": 0,
        "Stopped": 0,
    }
    assert described["ObjectiveStatusCounters"] == {"Succeeded": 7, "Pending": 0, "Failed": 0}
    assert backend.shut_down


def test_maximize_picks_the_largest_objective(store: Store, tmp_path: Path) -> None:
    backend = FakeBackend()
    run(store, make_request(objective="Maximize", max_jobs=5), backend, base=tmp_path)
    trials = store.trials("t-job")
    best = service.describe_tuning_job(store, "t-job")["BestTrainingJob"]
    assert best["FinalHyperParameterTuningJobObjectiveMetric"]["Value"] == max(
        t.objective for t in trials if t.objective is not None
    )


def test_every_training_job_gets_the_contract_hyperparameters(store: Store, tmp_path: Path) -> None:
    backend = FakeBackend()
    run(store, make_request(max_jobs=2, static={"epochs": "3"}), backend, base=tmp_path)
    hps = backend.launches[0].hyperparameters
    assert hps["_tuning_objective_metric"] == "loss"
    assert hps["epochs"] == "3" and json.loads(hps["sagemaker_program"]) == "converge.py"
    assert set(store.trials("t-job")[0].hyperparameters) == {"x", "y"}


def test_failures_no_metric_and_nan_are_recorded_and_the_job_goes_on(
    store: Store, tmp_path: Path
) -> None:
    outcomes = [
        Script(
            ["Traceback...\n"],
            RunState(
                finished=True,
                status=TrainingJobStatus.FAILED,
                secondary_status=SecondaryStatus.FAILED,
                failure_reason="AlgorithmError: boom",
                exit_code=1,
            ),
        ),
        Script(["all done, no metric\n"]),
        Script(["loss=nan\n"]),
        Script(["loss=0.5"]),  # no trailing newline: the last line still counts
    ]
    backend = FakeBackend(plan=lambda r, a: outcomes[int(r.training_job_name.split("-")[2]) - 1])
    run(store, make_request(max_jobs=4, max_parallel=1), backend, base=tmp_path)
    crashed, silent, nan, good = store.trials("t-job")
    assert (crashed.status, crashed.objective_status, crashed.failure_reason) == (
        TrainingJobStatus.FAILED,
        ObjectiveStatus.FAILED,
        "AlgorithmError: boom",
    )
    assert (
        silent.status is TrainingJobStatus.COMPLETED
        and silent.objective_status is ObjectiveStatus.FAILED
    )
    assert "never" not in (
        silent.failure_reason or ""
    ) and "without reporting the objective metric 'loss'" in (silent.failure_reason or "")
    assert nan.objective_status is ObjectiveStatus.FAILED and "nan" in (nan.failure_reason or "")
    assert good.objective == 0.5 and good.objective_status is ObjectiveStatus.SUCCEEDED
    described = service.describe_tuning_job(store, "t-job")
    assert described["HyperParameterTuningJobStatus"] == "Completed"
    assert described["TrainingJobStatusCounters"]["NonRetryableError"] == 1
    assert described["ObjectiveStatusCounters"] == {"Succeeded": 1, "Pending": 0, "Failed": 3}
    assert described["BestTrainingJob"]["TrainingJobName"] == good.training_job_name


def test_a_tuning_job_whose_jobs_all_fail_ends_failed_with_a_reason(
    store: Store, tmp_path: Path
) -> None:
    backend = FakeBackend(plan=lambda r, a: Script(["nothing\n"]))
    run(store, make_request(max_jobs=3), backend, base=tmp_path)
    record = store.tuning_job("t-job")
    assert record.status is HyperParameterTuningJobStatus.FAILED
    assert "None of the 3 training jobs" in (record.failure_reason or "")


def test_retryable_failures_are_retried_up_to_the_retry_strategy(
    store: Store, tmp_path: Path
) -> None:
    lost = RunState(
        finished=True,
        status=TrainingJobStatus.FAILED,
        secondary_status=SecondaryStatus.FAILED,
        failure_reason="killed by SIGKILL",
        retryable=True,
    )
    backend = FakeBackend(plan=lambda r, a: Script([], lost) if a < 3 else Script(["loss=1\n"]))
    run(
        store,
        make_request(max_jobs=2, max_parallel=1, RetryStrategy={"MaximumRetryAttempts": 2}),
        backend,
        base=tmp_path,
    )
    assert len(backend.launches) == 6
    assert [t.attempts for t in store.trials("t-job")] == [3, 3]
    assert all(t.status is TrainingJobStatus.COMPLETED for t in store.trials("t-job"))


def test_retryable_failure_without_retry_strategy_counts_as_retryable_error(
    store: Store, tmp_path: Path
) -> None:
    lost = RunState(
        finished=True,
        status=TrainingJobStatus.FAILED,
        secondary_status=SecondaryStatus.FAILED,
        failure_reason="killed",
        retryable=True,
    )
    backend = FakeBackend(plan=lambda r, a: Script([], lost))
    run(store, make_request(max_jobs=1), backend, base=tmp_path)
    assert (
        service.describe_tuning_job(store, "t-job")["TrainingJobStatusCounters"]["RetryableError"]
        == 1
    )


def test_a_launch_error_fails_that_job_only(store: Store, tmp_path: Path) -> None:
    class Refusing(FakeBackend):
        def launch(self, run: RunSpec) -> str:
            if run.training_job_name.split("-")[2] == "001":
                raise ValidationError("the entry point is gone")
            return super().launch(run)

    run(store, make_request(max_jobs=3), Refusing(), base=tmp_path)
    first, *rest = store.trials("t-job")
    assert (
        first.status is TrainingJobStatus.FAILED
        and first.failure_reason == "the entry point is gone"
    )
    assert all(t.status is TrainingJobStatus.COMPLETED for t in rest)


def test_stop_request_from_another_process_stops_running_jobs(store: Store, tmp_path: Path) -> None:
    backend = FakeBackend(plan=lambda r, a: Script(["loss=1\n"] * 1000))
    other_terminal = open_store(home=tmp_path / "home")

    def stop_later(t: float) -> None:
        if t > 1_000_005:
            service.stop_tuning_job(other_terminal, "t-job")

    run(store, make_request(max_jobs=4), backend, FakeClock(on_sleep=stop_later), base=tmp_path)
    trials = store.trials("t-job")
    assert store.tuning_job("t-job").status is HyperParameterTuningJobStatus.STOPPED
    assert len(trials) == 2 and all(t.status is TrainingJobStatus.STOPPED for t in trials)
    # a stopped job that reported its objective keeps it
    assert all(t.objective == 1 and t.objective_status is ObjectiveStatus.SUCCEEDED for t in trials)


def test_ctrl_c_stops_every_training_job_and_records_stopped(store: Store, tmp_path: Path) -> None:
    backend = FakeBackend(plan=lambda r, a: Script(["epoch\n"] * 1000))
    calls = []

    def interrupt(t: float) -> None:
        calls.append(t)
        if len(calls) == 3:
            raise KeyboardInterrupt

    run(store, make_request(max_jobs=4), backend, FakeClock(on_sleep=interrupt), base=tmp_path)
    assert store.tuning_job("t-job").status is HyperParameterTuningJobStatus.STOPPED
    assert {t.status for t in store.trials("t-job")} == {TrainingJobStatus.STOPPED}
    assert backend.running == set()


def test_grid_runs_every_combination_once(store: Store, tmp_path: Path) -> None:
    ranges = {
        "CategoricalParameterRanges": [
            {"Name": "x", "Values": ["0.1", "0.3"]},
            {"Name": "y", "Values": ["1", "2", "3"]},
        ]
    }
    backend = FakeBackend()
    run(
        store,
        make_request(strategy="Grid", max_jobs=None, ranges=ranges, max_parallel=4),
        backend,
        base=tmp_path,
    )
    seen = [(t.hyperparameters["x"], t.hyperparameters["y"]) for t in store.trials("t-job")]
    assert sorted(seen) == sorted((x, y) for x in ("0.1", "0.3") for y in ("1", "2", "3"))
    assert store.tuning_job("t-job").status is HyperParameterTuningJobStatus.COMPLETED


def test_max_runtime_of_the_tuning_job_stops_it_completed(store: Store, tmp_path: Path) -> None:
    backend = FakeBackend(plan=lambda r, a: Script(["loss=1\n"] * 1000))
    request = make_request(max_jobs=10)
    request["HyperParameterTuningJobConfig"]["ResourceLimits"]["MaxRuntimeInSeconds"] = 120
    run(store, request, backend, base=tmp_path)
    record = store.tuning_job("t-job")
    assert (
        record.status is HyperParameterTuningJobStatus.COMPLETED
        and 120 <= record.runtime_seconds < 125
    )
    assert {t.status for t in store.trials("t-job")} == {TrainingJobStatus.STOPPED}


def test_resume_continues_with_the_same_random_configurations(store: Store, tmp_path: Path) -> None:
    """Interrupt after a few jobs, resume: the configurations match an uninterrupted run."""
    whole = open_store(home=tmp_path / "whole")
    run(whole, make_request(max_jobs=6, max_parallel=2), FakeBackend(), base=tmp_path)
    expected = [dict(t.hyperparameters) for t in whole.trials("t-job")]

    record = service.create_tuning_job(store, make_request(max_jobs=6, max_parallel=2), tmp_path)
    clock = FakeClock()
    backend = FakeBackend(plan=lambda r, a: Script(["loss=1\n"] * 3))

    def crash(t: float) -> None:
        if len(store.trials("t-job")) >= 3:
            raise SystemExit  # the tuner dies without cleaning up

    clock.on_sleep = crash
    tuner = service.make_tuner(
        store,
        record.name,
        backend,
        Settings(poll_interval=1.0),
        Clock(clock.now, clock.sleep),
    )
    with pytest.raises(SystemExit):
        tuner.run()
    assert store.tuning_job("t-job").status is HyperParameterTuningJobStatus.IN_PROGRESS
    service.run_tuning_job(
        store, "t-job", backend=FakeBackend(), settings=Settings(poll_interval=0.0)
    )
    trials = store.trials("t-job")
    assert [dict(t.hyperparameters) for t in trials] == expected
    assert any(
        t.status is TrainingJobStatus.FAILED
        and "ended before the job did" in (t.failure_reason or "")
        for t in trials
    )
    assert store.tuning_job("t-job").status is HyperParameterTuningJobStatus.COMPLETED


def test_a_second_tuner_cannot_run_the_same_job(store: Store, tmp_path: Path) -> None:
    record = service.create_tuning_job(store, make_request(), tmp_path)
    assert store.acquire_lease(record.name, "someone-else", 30.0)
    with pytest.raises(ResourceInUse, match="being run by another trimtab process"):
        service.run_tuning_job(store, record.name, backend=FakeBackend())


def test_a_finished_job_cannot_be_resumed(store: Store, tmp_path: Path) -> None:
    run(store, make_request(max_jobs=1), FakeBackend(), base=tmp_path)
    with pytest.raises(ValidationError, match="has already ended with status Completed"):
        service.run_tuning_job(store, "t-job", backend=FakeBackend())


def test_parallel_jobs_split_the_cores_unless_the_environment_says_otherwise(
    store: Store, tmp_path: Path
) -> None:
    backend = FakeBackend()
    run(store, make_request(max_jobs=1, max_parallel=2), backend, base=tmp_path)
    threads = backend.launches[0].environment["OMP_NUM_THREADS"]
    assert threads == str(max(1, (os.cpu_count() or 1) // 2))
    other = open_store(home=tmp_path / "other")
    backend = FakeBackend()
    run(
        other,
        make_request(max_jobs=1, Environment={"OMP_NUM_THREADS": "7"}),
        backend,
        base=tmp_path,
    )
    assert backend.launches[0].environment["OMP_NUM_THREADS"] == "7"


def test_warm_start_hands_the_parents_results_to_the_strategy(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run(store, make_request("parent", max_jobs=3), FakeBackend(), base=tmp_path)
    child = make_request("child", max_jobs=2, strategy="Bayesian")
    child["WarmStartConfig"] = {
        "ParentHyperParameterTuningJobs": [{"HyperParameterTuningJobName": "parent"}],
        "WarmStartType": "IdenticalDataAndAlgorithm",
    }
    seen: dict[str, Problem] = {}
    real = make_strategy

    def spy(name: str, problem: Problem) -> Strategy:
        seen["problem"] = problem
        return real(name, problem)

    monkeypatch.setattr(service, "make_strategy", spy)
    run(store, child, FakeBackend(), base=tmp_path)
    assert {t.tuning_job_name for t in seen["problem"].prior.trials} == {"parent"}
    assert len(seen["problem"].prior.trials) == 3


def test_warm_start_needs_a_strategy_that_learns(store: Store, tmp_path: Path) -> None:
    run(store, make_request("parent", max_jobs=1), FakeBackend(), base=tmp_path)
    child = make_request("child", max_jobs=2)
    child["WarmStartConfig"] = {
        "ParentHyperParameterTuningJobs": [{"HyperParameterTuningJobName": "parent"}],
        "WarmStartType": "TransferLearning",
    }
    with pytest.raises(
        ValidationError,
        match=r"Value 'Random' at 'HyperParameterTuningJobConfig.Strategy'.*use Bayesian",
    ):
        service.create_tuning_job(store, child, tmp_path)
