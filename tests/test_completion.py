"""TuningJobCompletionCriteria: the predicates, the convergence test, and the loop ending early."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.jobs import make_request, run
from trimtab import service
from trimtab.backends.base import RunSpec
from trimtab.completion import Limits, convergence, criteria, outcome
from trimtab.job import Job
from trimtab.space import SearchSpace
from trimtab.spec import parse_request
from trimtab.spec.enums import (
    HyperParameterTuningJobStatus,
    ObjectiveStatus,
    SecondaryStatus,
    TrainingJobStatus,
)
from trimtab.store.base import Store, TuningJobRecord
from trimtab.testing import FakeBackend, Script
from trimtab.types import Trial


def scored_trial(index: int, loss: float) -> Trial:
    return Trial(
        tuning_job_name="j",
        index=index,
        training_job_name=f"j-{index:03d}-00000000",
        hyperparameters={},
        definition_name=None,
        status=TrainingJobStatus.COMPLETED,
        secondary_status=SecondaryStatus.COMPLETED,
        objective_status=ObjectiveStatus.SUCCEEDED,
        creation_time=0.0,
        end_time=float(index),
        objective=loss,
    )


def objective(t: Trial) -> float:
    assert t.objective is not None
    return t.objective


@pytest.mark.parametrize(
    ("losses", "count"),
    [
        ([], 0),
        ([1.0], 0),
        ([1.0, 1.0, 0.995, 2.0], 3),  # 0.5% better is not an improvement
        ([1.0, 1.1, 0.98, 1.2], 1),  # 2% better resets the count
        ([-1.0, -1.005, -1.02], 0),  # negative losses (Maximize): 1% of |best|
    ],
)
def test_not_improving_counts_jobs_in_a_row_without_a_1_percent_gain(
    losses: list[float], count: int
) -> None:
    trials = [scored_trial(i, v) for i, v in enumerate(losses, 1)]
    assert criteria.not_improving(trials, objective) == count


def test_target_reached_compares_losses() -> None:
    trials = [scored_trial(1, 0.5), scored_trial(2, 0.2)]
    assert criteria.target_reached(trials, objective, lambda t: 0.2)
    assert not criteria.target_reached(trials, objective, lambda t: 0.1)


def two_dim_space() -> SearchSpace:
    return SearchSpace.from_wire(
        {
            "ContinuousParameterRanges": [
                {"Name": "x", "MinValue": "0", "MaxValue": "1"},
                {"Name": "y", "MinValue": "0", "MaxValue": "1"},
            ]
        }
    )


def test_convergence_needs_enough_trials_and_then_a_small_regret_bound() -> None:
    space = two_dim_space()
    rng = np.random.default_rng(0)
    configs = [space.sample(rng) for _ in range(40)]
    flat = [10.0 + 0.001 * float(c["x"]) for c in configs]
    assert not convergence.converged(space, configs[:5], flat[:5], seed=1)
    assert convergence.converged(space, configs, flat, seed=1)
    steep = [10.0 * float(c["x"]) + 1.0 for c in configs[:12]]  # a lot left to gain near x=0
    assert convergence.regret_bound(space, configs[:12], steep, seed=1) > 0.01


def with_criteria(criteria: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    request = make_request(**kwargs)
    request["HyperParameterTuningJobConfig"]["TuningJobCompletionCriteria"] = criteria
    return request


def loss_plan(loss: Any) -> FakeBackend:
    return FakeBackend(plan=lambda r, a: Script([f"loss={loss(r)}\n"]))


def x_of(run: RunSpec) -> float:
    return float(run.hyperparameters["x"])


def test_target_objective_completes_the_job_and_stops_the_rest(
    store: Store, tmp_path: Path
) -> None:
    request = with_criteria({"TargetObjectiveMetricValue": 0.3}, max_jobs=50, max_parallel=1)
    run(store, request, loss_plan(x_of), base=tmp_path)
    trials = store.trials("t-job")
    described = service.describe_tuning_job(store, "t-job")
    assert described["HyperParameterTuningJobStatus"] == "Completed"
    assert len(trials) < 50 and min(float(t.hyperparameters["x"]) for t in trials) <= 0.3
    assert float(trials[-1].hyperparameters["x"]) <= 0.3  # it ended right after the hit
    assert "NumberOfTrainingJobsObjectiveNotImproving" in described["TuningJobCompletionDetails"]


def test_best_objective_not_improving_ends_a_stalled_search(store: Store, tmp_path: Path) -> None:
    request = with_criteria(
        {"BestObjectiveNotImproving": {"MaxNumberOfTrainingJobsNotImproving": 3}},
        max_jobs=40,
        max_parallel=1,
    )
    run(store, request, loss_plan(lambda r: 1.0), base=tmp_path)  # a flat objective never improves
    described = service.describe_tuning_job(store, "t-job")
    assert len(store.trials("t-job")) == 4
    assert described["TuningJobCompletionDetails"]["NumberOfTrainingJobsObjectiveNotImproving"] == 3


def test_convergence_detected_ends_the_job_and_records_the_time(
    store: Store, tmp_path: Path
) -> None:
    request = with_criteria(
        {"ConvergenceDetected": {"CompleteOnConvergence": "Enabled"}}, max_jobs=60, max_parallel=2
    )
    run(store, request, loss_plan(lambda r: 5.0 + 0.001 * x_of(r)), base=tmp_path)
    described = service.describe_tuning_job(store, "t-job")
    assert described["HyperParameterTuningJobStatus"] == "Completed"
    assert 10 <= len(store.trials("t-job")) < 60
    assert "ConvergenceDetectedTime" in described["TuningJobCompletionDetails"]
    assert store.tuning_job("t-job").status is HyperParameterTuningJobStatus.COMPLETED


def test_disabled_convergence_does_not_end_the_job(store: Store, tmp_path: Path) -> None:
    request = with_criteria(
        {"ConvergenceDetected": {"CompleteOnConvergence": "Disabled"}}, max_jobs=12, max_parallel=3
    )
    run(store, request, loss_plan(lambda r: 5.0), base=tmp_path)
    assert len(store.trials("t-job")) == 12


# --- the limits, checked between two polls


def limits_of(request: dict[str, Any]) -> Limits:
    return Limits(Job(parse_request(request), Path.cwd(), "arn:x:y:z:0:j/t-job", seed=1))


def record_of(request: dict[str, Any], **changes: Any) -> TuningJobRecord:
    record = Job(parse_request(request), Path.cwd(), "arn:x:y:z:0:j/t-job", 1).record(0.0)
    return replace(record, **changes)


def running_trial(index: int) -> Trial:
    return replace(
        scored_trial(index, 1.0),
        status=TrainingJobStatus.IN_PROGRESS,
        objective_status=ObjectiveStatus.PENDING,
        end_time=None,
    )


def test_a_stop_request_ends_the_job_before_its_runtime_or_criteria_are_looked_at() -> None:
    request = with_criteria({"TargetObjectiveMetricValue": 5.0})
    request["HyperParameterTuningJobConfig"]["ResourceLimits"]["MaxRuntimeInSeconds"] = 300
    limits = limits_of(request)
    scored = [scored_trial(1, 1.0)]
    stopping = record_of(request, stop_requested=True)
    assert (
        limits.check(stopping, scored, 1000.0, 0.0).status is HyperParameterTuningJobStatus.STOPPED
    )
    ending = limits.check(record_of(request), scored, 300.0, 0.0)
    assert (ending.status, ending.reason) == ("Completed", "it reached MaxRuntimeInSeconds")
    assert ending.details is None
    ending = limits.check(record_of(request), scored, 299.0, 0.0)
    assert ending.reason == "a training job reached TargetObjectiveMetricValue"
    assert ending.details == {"NumberOfTrainingJobsObjectiveNotImproving": 0}


def test_criteria_are_looked_at_again_only_when_another_job_was_scored() -> None:
    request = with_criteria(
        {"BestObjectiveNotImproving": {"MaxNumberOfTrainingJobsNotImproving": 3}}
    )
    limits = limits_of(request)
    record = record_of(request)
    trials = [scored_trial(1, 1.0), scored_trial(2, 1.0)]
    first = limits.check(record, trials, 0.0, 0.0)
    assert (first.status, first.details) == (None, {"NumberOfTrainingJobsObjectiveNotImproving": 1})
    assert limits.check(record, [*trials, running_trial(3)], 0.0, 0.0).details is None
    trials += [scored_trial(3, 1.0), scored_trial(4, 1.0)]
    stalled = limits.check(record, trials, 0.0, 0.0)
    assert stalled.status is HyperParameterTuningJobStatus.COMPLETED
    assert stalled.reason == "3 training jobs in a row did not improve the best objective by 1%"


def test_slots_respect_the_parallel_and_the_total_limits() -> None:
    limits = limits_of(make_request(max_jobs=4, max_parallel=3))
    assert limits.slots([]) == 3
    assert limits.slots([running_trial(1), scored_trial(2, 1.0)]) == 2
    assert limits.slots([running_trial(1), *(scored_trial(i, 1.0) for i in (2, 3))]) == 1
    assert limits.slots([scored_trial(i, 1.0) for i in range(1, 5)]) == 0


def test_the_job_is_exhausted_once_nothing_runs_and_nothing_more_will() -> None:
    limits = limits_of(make_request(max_jobs=2, max_parallel=1))
    assert not limits.exhausted([running_trial(1)], launched=0)
    assert not limits.exhausted([scored_trial(1, 1.0)], launched=1)
    assert limits.exhausted([scored_trial(1, 1.0)], launched=0)  # a slot and nothing to try
    assert limits.exhausted([scored_trial(1, 1.0), scored_trial(2, 1.0)], launched=0)


def test_completed_without_a_usable_objective_is_failed() -> None:
    failed = replace(scored_trial(1, 1.0), objective_status=ObjectiveStatus.FAILED)
    status, reason = outcome("t-job", HyperParameterTuningJobStatus.COMPLETED, [failed])
    assert status is HyperParameterTuningJobStatus.FAILED
    assert reason is not None and reason.startswith("None of the 1 training jobs reported")
    assert outcome("t-job", HyperParameterTuningJobStatus.STOPPED, [failed]) == ("Stopped", None)
    scored = [scored_trial(1, 1.0)]
    assert outcome("t-job", HyperParameterTuningJobStatus.COMPLETED, scored) == ("Completed", None)
