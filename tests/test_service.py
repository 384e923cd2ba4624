"""The service's verbs: creating a job checks everything before it writes anything, running one
builds the strategy and the stopper the request asks for, listing filters and sorts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.jobs import make_request
from trimtab import service
from trimtab.errors import ResourceLimitExceeded, ValidationError
from trimtab.reports.listing import Query
from trimtab.spec import parse_request
from trimtab.spec.enums import HyperParameterTuningJobStatus
from trimtab.stopping import MedianStopper
from trimtab.store.memory import MemoryStore
from trimtab.strategies import Hyperband, RandomSearch
from trimtab.strategies.bayesian import BayesianSearch
from trimtab.testing import FakeBackend


@pytest.fixture
def store(tmp_path: Path) -> MemoryStore:
    return MemoryStore(tmp_path / "home")


def definition_with(**changes: Any) -> dict[str, Any]:
    request = make_request()
    request["TrainingJobDefinition"].update(changes)
    return request


def pipe_channel() -> dict[str, Any]:
    request = make_request()
    request["TrainingJobDefinition"]["InputDataConfig"][0]["InputMode"] = "Pipe"
    return request


def with_autotune() -> dict[str, Any]:
    request = make_request()
    request["Autotune"] = {"Mode": "Enabled"}
    return request


def warm_random() -> dict[str, Any]:
    request = make_request()
    request["WarmStartConfig"] = {
        "ParentHyperParameterTuningJobs": [{"HyperParameterTuningJobName": "parent"}],
        "WarmStartType": "TransferLearning",
    }
    return request


@pytest.mark.parametrize(
    ("request_body", "field"),
    [
        (with_autotune(), "Autotune.Mode"),
        (warm_random(), "HyperParameterTuningJobConfig.Strategy"),
        (
            definition_with(
                AlgorithmSpecification={
                    **make_request()["TrainingJobDefinition"]["AlgorithmSpecification"],
                    "TrainingInputMode": "Pipe",
                }
            ),
            "TrainingJobDefinition.AlgorithmSpecification.TrainingInputMode",
        ),
        (pipe_channel(), "TrainingJobDefinition.InputDataConfig.0.InputMode"),
        (
            definition_with(ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 2}),
            "TrainingJobDefinition.ResourceConfig.InstanceCount",
        ),
    ],
)
def test_what_this_version_does_not_run_is_refused_and_nothing_is_written(
    store: MemoryStore, request_body: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError, match=rf"at '{field}' .*not supported by trimtab yet"):
        service.create_tuning_job(store, request_body, Path.cwd())
    assert store.tuning_jobs() == []


def test_a_missing_code_folder_is_refused_at_creation(store: MemoryStore, tmp_path: Path) -> None:
    request = make_request(static={"sagemaker_submit_directory": json.dumps("nowhere")})
    with pytest.raises(ValidationError, match=r"the training code '.*nowhere' does not exist"):
        service.create_tuning_job(store, request, tmp_path)
    assert store.tuning_jobs() == []


def test_a_request_is_taken_as_text_a_mapping_or_parsed(store: MemoryStore) -> None:
    body = make_request("as-text")
    service.create_tuning_job(store, json.dumps(body), Path.cwd())
    service.create_tuning_job(store, make_request("as-dict"), Path.cwd())
    service.create_tuning_job(store, parse_request(make_request("as-model")), Path.cwd())
    records = store.tuning_jobs()
    assert [r.name for r in records] == ["as-text", "as-dict", "as-model"]
    assert records[0].request == parse_request(body).to_wire()  # with defaults filled
    assert records[0].status is HyperParameterTuningJobStatus.IN_PROGRESS
    assert records[0].arn.endswith(":hyper-parameter-tuning-job/as-text")


def test_a_seed_is_drawn_and_kept_when_the_request_has_none(store: MemoryStore) -> None:
    first = service.create_tuning_job(store, make_request("a", seed=None), Path.cwd())
    second = service.create_tuning_job(store, make_request("b", seed=None), Path.cwd())
    assert first.seed != second.seed
    assert store.tuning_job("a").seed == first.seed
    assert service.create_tuning_job(store, make_request("c", seed=42), Path.cwd()).seed == 42


def test_a_request_file_resolves_paths_against_its_folder(
    store: MemoryStore, tmp_path: Path
) -> None:
    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "converge.py").write_text("")
    request = make_request(static={"sagemaker_submit_directory": '"code"'})
    path = tmp_path / "job.json"
    path.write_text(json.dumps(request))
    record = service.create_from_file(store, path, name="renamed")
    assert record.name == "renamed" and record.base_dir == str(tmp_path)
    with pytest.raises(ValidationError, match="HyperParameterTuningJobName"):
        service.create_from_file(store, path, name="not a valid name!")


def test_a_finished_job_cannot_be_run_again(store: MemoryStore) -> None:
    service.create_tuning_job(store, make_request(), Path.cwd())
    store.update_tuning_job("t-job", status=HyperParameterTuningJobStatus.COMPLETED)
    with pytest.raises(ValidationError, match="has already ended with status Completed"):
        service.run_tuning_job(store, "t-job", backend=FakeBackend())


def hyperband() -> dict[str, Any]:
    return make_request(strategy="Hyperband", static={"epochs": "9"})


def median_rule() -> dict[str, Any]:
    request = make_request()
    request["HyperParameterTuningJobConfig"]["TrainingJobEarlyStoppingType"] = "Auto"
    return request


def bayesian_child() -> dict[str, Any]:
    request = make_request("child", strategy="Bayesian")
    request["WarmStartConfig"] = {
        "ParentHyperParameterTuningJobs": [{"HyperParameterTuningJobName": "t-job"}],
        "WarmStartType": "IdenticalDataAndAlgorithm",
    }
    return request


@pytest.mark.parametrize(
    ("request_body", "strategy", "stopper"),
    [
        (make_request(), RandomSearch, type(None)),
        (median_rule(), RandomSearch, MedianStopper),
        (hyperband(), Hyperband, Hyperband),
    ],
)
def test_the_tuner_gets_the_strategy_and_stopper_the_request_asks_for(
    store: MemoryStore, request_body: dict[str, Any], strategy: type, stopper: type
) -> None:
    service.create_tuning_job(store, request_body, Path.cwd())
    tuner = service.make_tuner(store, "t-job", FakeBackend())
    assert isinstance(tuner.strategy, strategy) and isinstance(tuner.stopper, stopper)
    if isinstance(tuner.strategy, Hyperband):
        assert tuner.stopper is tuner.strategy and tuner.strategy.max_resource == {None: 9}


def test_a_warm_started_strategy_learns_from_the_parents_results(store: MemoryStore) -> None:
    service.create_tuning_job(store, make_request(max_jobs=3), Path.cwd())
    service.run_tuning_job(store, "t-job", backend=FakeBackend())
    service.create_tuning_job(store, bayesian_child(), Path.cwd())
    tuner = service.make_tuner(store, "child", FakeBackend())
    assert isinstance(tuner.strategy, BayesianSearch)
    problem = service.problem(tuner.job, store)
    assert len(problem.prior.trials) == 3 and not problem.prior.transfer
    assert {str(d) for d in problem.directions.values()} == {"Minimize"}


def test_list_filters_by_name_and_status_and_sorts(store: MemoryStore) -> None:
    for name in ["beta-1", "alpha-2", "Beta-3"]:
        service.create_tuning_job(store, make_request(name), Path.cwd())
    service.stop_tuning_job(store, "alpha-2")

    def names(query: Query) -> list[str]:
        listed = service.list_tuning_jobs(store, query)
        return [s["HyperParameterTuningJobName"] for s in listed.items]

    assert names(Query()) == ["Beta-3", "alpha-2", "beta-1"]
    assert names(Query("CreationTime", name_contains="BETA")) == ["beta-1", "Beta-3"]
    assert names(Query(status="Stopping")) == ["alpha-2"]
    assert names(Query("CreationTime", descending=True))[0] == "Beta-3"
    first = service.list_tuning_jobs(store, Query(limit=2))
    assert first.next == 2 and len(first.items) == 2
    assert names(Query(offset=2, limit=2)) == ["beta-1"]


def test_more_concurrent_tuning_jobs_than_sagemakers_quota_are_refused(
    store: MemoryStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "CONCURRENT_TUNING_JOBS", 3)
    for i in range(3):
        service.create_tuning_job(store, make_request(f"job-{i}"), Path.cwd())
    with pytest.raises(ResourceLimitExceeded, match="is 3 Jobs, with current utilization of 3"):
        service.create_tuning_job(store, make_request("one-too-many"), Path.cwd())
    store.update_tuning_job("job-0", status=HyperParameterTuningJobStatus.COMPLETED)
    service.create_tuning_job(store, make_request("one-too-many"), Path.cwd())  # room again
