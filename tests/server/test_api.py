"""End to end: real boto3 against a real `trimtab serve` on 127.0.0.1, real training processes.

Every answer the server gives in these tests is checked, as it arrives, against the output
shape of its operation in botocore's own service model (`shapes.problems`), and every refusal
against the codes boto3 knows.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.jobs import make_request
from tests.server.shapes import problems
from trimtab.testing.serving import Served

pytestmark = pytest.mark.slow

COMMON_ERRORS = {
    "ValidationException",
    "UnknownOperationException",
    "SerializationException",
    "InvalidParameterException",
    "ResourceNotFoundException",
}


def checking(client: Any) -> Any:
    """`client`, with every answer it gets checked against the model before botocore parses."""

    def check(operation_model: Any, response_dict: dict[str, Any], **_: Any) -> None:
        body = json.loads(response_dict["body"] or b"{}")
        if response_dict["status_code"] == 200:
            shape = operation_model.output_shape
            found = problems(shape, body) if shape is not None else ([] if not body else [body])
            assert not found, (operation_model.name, found)
        else:
            modeled = {e.name for e in operation_model.service_model.error_shapes}
            assert set(body) == {"__type", "Message"}, body
            assert body["__type"] in modeled | COMMON_ERRORS, body
            assert response_dict["status_code"] < 500, body
        assert response_dict["headers"].get("x-amzn-requestid")

    client.meta.events.register("before-parse", check)
    return client


@pytest.fixture
def sagemaker(server: Served) -> Any:
    return checking(server.client())


@pytest.fixture
def logs(server: Served) -> Any:
    return checking(server.client("logs"))


def request(allowed: Path, name: str, **changes: Any) -> dict[str, Any]:
    body = make_request(name, **changes)
    body["TrainingJobDefinition"]["OutputDataConfig"]["S3OutputPath"] = str(allowed / "output")
    return body


def wait_for(describe: Callable[[], dict[str, Any]], *statuses: str, timeout: float = 240) -> Any:
    deadline = time.monotonic() + timeout
    while (found := describe())["HyperParameterTuningJobStatus"] not in statuses:
        assert time.monotonic() < deadline, found
        time.sleep(0.2)
    return found


def error_of(call: Callable[[], Any]) -> dict[str, Any]:
    with pytest.raises(ClientError) as raised:
        call()
    error: dict[str, Any] = raised.value.response["Error"]
    error["Status"] = raised.value.response["ResponseMetadata"]["HTTPStatusCode"]
    return error


def describe(sagemaker: Any, name: str) -> Callable[[], dict[str, Any]]:
    return lambda: sagemaker.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)


def test_a_random_and_a_bayesian_job_run_to_the_end(sagemaker: Any, allowed: Path) -> None:
    random_arn = sagemaker.create_hyper_parameter_tuning_job(
        **request(allowed, "random-job", max_jobs=4, max_parallel=2, static={"epochs": "2"})
    )["HyperParameterTuningJobArn"]
    assert random_arn.endswith(":hyper-parameter-tuning-job/random-job")
    sagemaker.create_hyper_parameter_tuning_job(
        **request(allowed, "bayes-job", strategy="Bayesian", max_jobs=5, max_parallel=2)
    )
    for name, count in [("random-job", 4), ("bayes-job", 5)]:
        done = wait_for(describe(sagemaker, name), "Completed", "Failed")
        assert done["HyperParameterTuningJobStatus"] == "Completed"
        assert done["TrainingJobStatusCounters"]["Completed"] == count
        assert done["BestTrainingJob"]["ObjectiveStatus"] == "Succeeded"
    best = sagemaker.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName="bayes-job")[
        "BestTrainingJob"
    ]
    job = sagemaker.describe_training_job(TrainingJobName=best["TrainingJobName"])
    assert job["TrainingJobStatus"] == "Completed" and job["SecondaryStatus"] == "Completed"
    assert job["HyperParameters"]["_tuning_objective_metric"] == "loss"
    assert job["HyperParameters"]["x"] == best["TunedHyperParameters"]["x"]
    assert job["TuningJobArn"].endswith("/bayes-job")
    assert [t["Status"] for t in job["SecondaryStatusTransitions"]] == [
        "Starting",
        "Training",
        "Completed",
    ]
    final = {m["MetricName"]: m["Value"] for m in job["FinalMetricDataList"]}
    assert final["loss"] == best["FinalHyperParameterTuningJobObjectiveMetric"]["Value"]
    artifact = job["ModelArtifacts"]["S3ModelArtifacts"]
    assert artifact == f"{allowed}/output/{best['TrainingJobName']}/output/model.tar.gz"
    assert Path(artifact).is_file()


def test_lists_filter_sort_and_page_as_sagemaker_does(sagemaker: Any, allowed: Path) -> None:
    for name in ["list-b", "list-a", "list-c"]:
        sagemaker.create_hyper_parameter_tuning_job(**request(allowed, name, max_jobs=3))
    for name in ["list-b", "list-a", "list-c"]:
        wait_for(describe(sagemaker, name), "Completed")

    def names(page: list[dict[str, Any]]) -> list[str]:
        return [s["HyperParameterTuningJobName"] for s in page]

    listed = sagemaker.list_hyper_parameter_tuning_jobs(SortBy="Name")
    assert names(listed["HyperParameterTuningJobSummaries"]) == ["list-a", "list-b", "list-c"]
    newest = sagemaker.list_hyper_parameter_tuning_jobs(
        SortBy="CreationTime", SortOrder="Descending", NameContains="LIST", MaxResults=2
    )
    assert names(newest["HyperParameterTuningJobSummaries"]) == ["list-c", "list-a"]
    assert "NextToken" in newest
    paged = sagemaker.get_paginator("list_hyper_parameter_tuning_jobs").paginate(
        SortBy="CreationTime", PaginationConfig={"PageSize": 1}
    )
    assert [n for page in paged for n in names(page["HyperParameterTuningJobSummaries"])] == [
        "list-b",
        "list-a",
        "list-c",
    ]
    assert (
        sagemaker.list_hyper_parameter_tuning_jobs(StatusEquals="Stopped")[
            "HyperParameterTuningJobSummaries"
        ]
        == []
    )
    later = sagemaker.list_hyper_parameter_tuning_jobs(CreationTimeAfter=time.time() + 60)
    assert later["HyperParameterTuningJobSummaries"] == []
    training = sagemaker.get_paginator("list_training_jobs_for_hyper_parameter_tuning_job")
    pages = training.paginate(
        HyperParameterTuningJobName="list-a",
        SortBy="FinalObjectiveMetricValue",
        SortOrder="Ascending",
        PaginationConfig={"PageSize": 2},
    )
    values = [
        s["FinalHyperParameterTuningJobObjectiveMetric"]["Value"]
        for page in pages
        for s in page["TrainingJobSummaries"]
    ]
    assert len(values) == 3 and values == sorted(values)
    every = sagemaker.list_training_jobs(NameContains="list-", MaxResults=100)
    assert len(every["TrainingJobSummaries"]) == 9
    token = newest["NextToken"]
    refused = error_of(lambda: sagemaker.list_hyper_parameter_tuning_jobs(NextToken=token))
    assert refused["Code"] == "ValidationException" and "NextToken" in refused["Message"]


def test_stopping_a_running_job_stops_its_training_jobs(sagemaker: Any, allowed: Path) -> None:
    sagemaker.create_hyper_parameter_tuning_job(
        **request(allowed, "stop-me", script="hang.py", max_jobs=4, max_parallel=2)
    )
    deadline = time.monotonic() + 60
    while describe(sagemaker, "stop-me")()["TrainingJobStatusCounters"]["InProgress"] < 2:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    sagemaker.stop_hyper_parameter_tuning_job(HyperParameterTuningJobName="stop-me")
    assert describe(sagemaker, "stop-me")()["HyperParameterTuningJobStatus"] in (
        "Stopping",
        "Stopped",
    )
    stopped = wait_for(describe(sagemaker, "stop-me"), "Stopped")
    assert stopped["TrainingJobStatusCounters"]["Stopped"] == 2
    jobs = sagemaker.list_training_jobs_for_hyper_parameter_tuning_job(
        HyperParameterTuningJobName="stop-me", StatusEquals="Stopped"
    )["TrainingJobSummaries"]
    assert len(jobs) == 2


def test_one_training_job_can_be_stopped_on_its_own(sagemaker: Any, allowed: Path) -> None:
    sagemaker.create_hyper_parameter_tuning_job(
        **request(allowed, "one-stop", script="hang.py", max_jobs=1, max_parallel=1)
    )
    listed: list[dict[str, Any]] = []
    deadline = time.monotonic() + 60
    while not listed or listed[0]["TrainingJobStatus"] != "InProgress":
        assert time.monotonic() < deadline
        time.sleep(0.2)
        listed = sagemaker.list_training_jobs_for_hyper_parameter_tuning_job(
            HyperParameterTuningJobName="one-stop"
        )["TrainingJobSummaries"]
    name = listed[0]["TrainingJobName"]
    sagemaker.stop_training_job(TrainingJobName=name)
    done = wait_for(describe(sagemaker, "one-stop"), "Completed", "Failed")
    assert done["TrainingJobStatusCounters"]["Stopped"] == 1
    assert sagemaker.describe_training_job(TrainingJobName=name)["TrainingJobStatus"] == "Stopped"


def test_training_job_logs_read_through_cloudwatch_logs(
    sagemaker: Any, logs: Any, allowed: Path
) -> None:
    sagemaker.create_hyper_parameter_tuning_job(
        **request(allowed, "logged", max_jobs=1, static={"epochs": "3"})
    )
    wait_for(describe(sagemaker, "logged"), "Completed")
    (job,) = sagemaker.list_training_jobs_for_hyper_parameter_tuning_job(
        HyperParameterTuningJobName="logged"
    )["TrainingJobSummaries"]
    group = "/aws/sagemaker/TrainingJobs"
    (stream,) = logs.describe_log_streams(
        logGroupName=group, logStreamNamePrefix=job["TrainingJobName"] + "/"
    )["logStreams"]
    assert stream["logStreamName"].startswith(job["TrainingJobName"] + "/algo-1-")
    first = logs.get_log_events(
        logGroupName=group, logStreamName=stream["logStreamName"], startFromHead=True, limit=2
    )
    rest = logs.get_log_events(
        logGroupName=group,
        logStreamName=stream["logStreamName"],
        nextToken=first["nextForwardToken"],
    )
    lines = [e["message"] for e in first["events"] + rest["events"]]
    assert lines[0].startswith("[trimtab] ") and lines[-1].startswith("epoch=3 loss=")
    again = logs.get_log_events(
        logGroupName=group,
        logStreamName=stream["logStreamName"],
        nextToken=rest["nextForwardToken"],
    )
    assert again["events"] == [] and again["nextForwardToken"] == rest["nextForwardToken"]
    found = logs.filter_log_events(logGroupName=group, filterPattern='"epoch=2"')["events"]
    assert [e["message"].split()[0] for e in found] == ["epoch=2"]
    missing = error_of(lambda: logs.get_log_events(logGroupName="/elsewhere", logStreamName="x"))
    assert missing["Code"] == "ResourceNotFoundException"


def test_tags_at_creation_and_after(sagemaker: Any, allowed: Path) -> None:
    body = request(allowed, "tagged", max_jobs=1)
    body["Tags"] = [{"Key": "team", "Value": "vision"}]
    arn = sagemaker.create_hyper_parameter_tuning_job(**body)["HyperParameterTuningJobArn"]
    sagemaker.add_tags(ResourceArn=arn, Tags=[{"Key": "stage", "Value": "dev"}])
    assert sagemaker.list_tags(ResourceArn=arn)["Tags"] == [
        {"Key": "team", "Value": "vision"},
        {"Key": "stage", "Value": "dev"},
    ]
    sagemaker.delete_tags(ResourceArn=arn, TagKeys=["team"])
    assert sagemaker.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "stage", "Value": "dev"}]
    wait_for(describe(sagemaker, "tagged"), "Completed")
    (job,) = sagemaker.list_training_jobs_for_hyper_parameter_tuning_job(
        HyperParameterTuningJobName="tagged"
    )["TrainingJobSummaries"]
    assert sagemaker.list_tags(ResourceArn=job["TrainingJobArn"])["Tags"] == [
        {"Key": "team", "Value": "vision"}
    ]


def test_an_ended_job_can_be_deleted_a_running_one_not(sagemaker: Any, allowed: Path) -> None:
    sagemaker.create_hyper_parameter_tuning_job(
        **request(allowed, "to-delete", script="hang.py", max_jobs=1)
    )
    refused = error_of(
        lambda: sagemaker.delete_hyper_parameter_tuning_job(HyperParameterTuningJobName="to-delete")
    )
    assert refused["Code"] == "ResourceInUse"
    sagemaker.stop_hyper_parameter_tuning_job(HyperParameterTuningJobName="to-delete")
    wait_for(describe(sagemaker, "to-delete"), "Stopped")
    sagemaker.delete_hyper_parameter_tuning_job(HyperParameterTuningJobName="to-delete")
    gone = error_of(describe(sagemaker, "to-delete"))
    assert gone["Code"] == "ResourceNotFound"


@pytest.mark.parametrize(
    ("change", "code", "words"),
    [
        (lambda b, a: b.update(HyperParameterTuningJobName="x" * 40), "ValidationException",
         "at 'HyperParameterTuningJobName' failed to satisfy constraint: Member must have length"),
        (lambda b, a: b["HyperParameterTuningJobConfig"]["ResourceLimits"].update(
            MaxParallelTrainingJobs=500), "ValidationException",
         "at 'HyperParameterTuningJobConfig.ResourceLimits.MaxParallelTrainingJobs'"),
        (lambda b, a: b["TrainingJobDefinition"]["OutputDataConfig"].update(S3OutputPath="out"),
         "ValidationException", "must give an absolute path"),
        (lambda b, a: b["TrainingJobDefinition"]["OutputDataConfig"].update(
            S3OutputPath=str(a / ".." / "escape")), "ValidationException",
         "is outside the folders this server may read and write"),
        (lambda b, a: b["TrainingJobDefinition"]["InputDataConfig"][0]["DataSource"][
            "S3DataSource"].update(S3Uri="/etc"), "ValidationException",
         "at 'TrainingJobDefinition.InputDataConfig.0.DataSource.S3DataSource.S3Uri'"),
    ],
)  # fmt: skip
def test_bad_requests_are_refused_by_field_and_write_nothing(
    sagemaker: Any, allowed: Path, change: Callable[..., Any], code: str, words: str
) -> None:
    body = request(allowed, "bad-job")
    change(body, allowed)
    error = error_of(lambda: sagemaker.create_hyper_parameter_tuning_job(**body))
    assert (error["Code"], error["Status"]) == (code, 400)
    assert words in error["Message"]
    assert sagemaker.list_hyper_parameter_tuning_jobs()["HyperParameterTuningJobSummaries"] == []


def test_a_symlink_out_of_the_allowed_folders_is_refused(sagemaker: Any, allowed: Path) -> None:
    (allowed / "data").symlink_to("/etc", target_is_directory=True)
    body = request(allowed, "linked")
    body["TrainingJobDefinition"]["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3Uri"] = (
        str(allowed / "data")
    )
    error = error_of(lambda: sagemaker.create_hyper_parameter_tuning_job(**body))
    assert "'/etc' is outside the folders" in error["Message"]


def test_known_errors_have_sagemakers_codes_and_words(sagemaker: Any, allowed: Path) -> None:
    missing = error_of(describe(sagemaker, "nope"))
    assert (missing["Code"], missing["Status"]) == ("ResourceNotFound", 400)
    assert missing["Message"] == (
        "Amazon SageMaker can't find a tuning job called nope. Type another name."
    )
    unknown = error_of(lambda: sagemaker.describe_training_job(TrainingJobName="nope-001-0a0b"))
    assert (unknown["Code"], unknown["Message"]) == (
        "ValidationException",
        "Requested resource not found.",
    )
    sagemaker.create_hyper_parameter_tuning_job(**request(allowed, "twice", max_jobs=1))
    again = error_of(
        lambda: sagemaker.create_hyper_parameter_tuning_job(**request(allowed, "TWICE"))
    )
    assert again["Code"] == "ResourceInUse"
    other = error_of(lambda: sagemaker.list_endpoints())
    assert (other["Code"], other["Status"]) == ("UnknownOperationException", 400)


def test_unsigned_and_wrongly_signed_requests_are_refused(server: Served) -> None:
    import botocore

    unsigned = server.client(signature_version=botocore.UNSIGNED)
    error = error_of(lambda: unsigned.list_hyper_parameter_tuning_jobs())
    assert (error["Code"], error["Status"]) == ("MissingAuthenticationToken", 403)
    server.secret = "not-the-secret"
    error = error_of(lambda: server.client().list_hyper_parameter_tuning_jobs())
    assert (error["Code"], error["Status"]) == ("InvalidSignatureException", 403)
