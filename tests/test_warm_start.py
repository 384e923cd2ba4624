"""Warm start: parents checked at creation, their results mapped into the new ranges, and
Describe's OverallBestTrainingJob."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.jobs import make_request
from tests.jobs import run as run_job
from trimtab import service, warm_start
from trimtab.errors import ValidationError
from trimtab.space import SearchSpace
from trimtab.spec.parse import read_stored
from trimtab.store.base import Store
from trimtab.testing import FakeBackend

RANGES = {
    "ContinuousParameterRanges": [{"Name": "x", "MinValue": "0", "MaxValue": "1"}],
    "IntegerParameterRanges": [{"Name": "y", "MinValue": "0", "MaxValue": "5"}],
}


def child(
    parents: list[str],
    kind: str = "IdenticalDataAndAlgorithm",
    ranges: dict[str, Any] | None = None,
    **options: Any,
) -> dict[str, Any]:
    options.setdefault("strategy", "Bayesian")  # warm start feeds the Bayesian strategy
    request = make_request("child", ranges=ranges or RANGES, **options)
    request["WarmStartConfig"] = {
        "ParentHyperParameterTuningJobs": [{"HyperParameterTuningJobName": p} for p in parents],
        "WarmStartType": kind,
    }
    return request


@pytest.fixture
def parent(store: Store) -> str:
    run_job(store, make_request("parent", max_jobs=6), FakeBackend())
    return "parent"


def test_a_parent_that_does_not_exist_is_refused(store: Store) -> None:
    with pytest.raises(
        ValidationError,
        match=r"Value 'nope' at 'WarmStartConfig\.ParentHyperParameterTuningJobs\.0\."
        r"HyperParameterTuningJobName' failed to satisfy constraint: no tuning job of that "
        "name exists",
    ):
        service.create_tuning_job(store, child(["nope"]), Path.cwd())


def test_a_parent_with_another_objective_is_refused(store: Store, parent: str) -> None:
    with pytest.raises(
        ValidationError,
        match="the parent's objective is Minimize 'loss' but this job's is Maximize 'loss'; "
        "warm start needs the same objective",
    ):
        service.create_tuning_job(store, child([parent], objective="Maximize"), Path.cwd())


def test_a_parent_still_running_is_refused(store: Store) -> None:
    service.create_tuning_job(store, make_request("running"), Path.cwd())
    with pytest.raises(
        ValidationError,
        match="the parent tuning job is InProgress; a parent must be Completed, Stopped or Failed",
    ):
        service.create_tuning_job(store, child(["running"]), Path.cwd())


def test_a_hyperparameter_that_changed_type_is_refused(store: Store, parent: str) -> None:
    ranges = {"IntegerParameterRanges": [{"Name": "x", "MinValue": "0", "MaxValue": "1"}]}
    with pytest.raises(
        ValidationError,
        match="hyperparameter 'x' is Continuous in the parent but Integer here",
    ):
        service.create_tuning_job(store, child([parent], ranges=ranges), Path.cwd())


def test_every_problem_is_reported_at_once(store: Store, parent: str) -> None:
    with pytest.raises(ValidationError, match=r"^2 validation errors detected: .*nope.*ghost"):
        service.create_tuning_job(store, child(["nope", parent, "ghost"]), Path.cwd())


def test_parent_configurations_outside_the_new_ranges_are_left_out(
    store: Store, parent: str
) -> None:
    narrower = {
        "ContinuousParameterRanges": [{"Name": "x", "MinValue": "0", "MaxValue": "0.5"}],
        "IntegerParameterRanges": [{"Name": "y", "MinValue": "0", "MaxValue": "5"}],
    }
    record = service.create_tuning_job(store, child([parent], ranges=narrower), Path.cwd())
    prior = warm_start.prior(store, read_stored(record.request))
    inside = [t for t in store.trials(parent) if float(t.hyperparameters["x"]) <= 0.5]
    assert 0 < len(inside) < 6
    assert [t.training_job_name for t in prior.trials] == [t.training_job_name for t in inside]
    assert not prior.transfer and prior.jobs == {parent}


def test_fit_into_takes_static_values_and_drops_what_does_not_fit() -> None:
    space = SearchSpace.from_wire(
        {
            "IntegerParameterRanges": [{"Name": "y", "MinValue": "1", "MaxValue": "3"}],
            "CategoricalParameterRanges": [{"Name": "opt", "Values": ["adam", "sgd"]}],
        }
    )
    fit = warm_start.fit_into
    assert fit(space, {"y": "2"}, {"opt": "sgd"}) == {"y": "2", "opt": "sgd"}  # was static
    assert fit(space, {"y": "2", "opt": "rmsprop"}, {}) is None  # value no longer listed
    assert fit(space, {"y": "7", "opt": "adam"}, {}) is None  # outside [1, 3]
    assert fit(space, {"y": "2.5", "opt": "adam"}, {}) is None  # not an integer
    assert fit(space, {"opt": "adam"}, {}) is None  # no value at all
    assert fit(space, {"y": "3", "opt": "adam", "gone": "1"}, {}) == {"y": "3", "opt": "adam"}


def test_transfer_learning_warps_each_parent_apart(store: Store, parent: str) -> None:
    record = service.create_tuning_job(store, child([parent], "TransferLearning"), Path.cwd())
    prior = warm_start.prior(store, read_stored(record.request))
    assert prior.transfer and len(prior.trials) == 6


def test_describe_shows_the_best_over_the_job_and_its_parents(store: Store, parent: str) -> None:
    worse = {
        "ContinuousParameterRanges": [{"Name": "x", "MinValue": "0.9", "MaxValue": "1"}],
        "IntegerParameterRanges": [{"Name": "y", "MinValue": "5", "MaxValue": "5"}],
    }
    run_job(store, child([parent], ranges=worse), FakeBackend())
    described = service.describe_tuning_job(store, "child")
    overall = described["OverallBestTrainingJob"]
    assert overall["TuningJobName"] == parent
    assert described["BestTrainingJob"]["TuningJobName"] == "child"
    best_parent = service.describe_tuning_job(store, parent)["BestTrainingJob"]
    assert overall["TrainingJobName"] == best_parent["TrainingJobName"]
    assert "OverallBestTrainingJob" not in best_parent


def test_transfer_learning_has_no_overall_best(store: Store, parent: str) -> None:
    run_job(store, child([parent], "TransferLearning"), FakeBackend())
    assert "OverallBestTrainingJob" not in service.describe_tuning_job(store, "child")
