"""The SageMaker Python SDK (2.x) pointed at a real `trimtab serve`, with no way out to AWS.

Every name lookup other than loopback fails at once and is recorded (`offline`), and every AWS
call the SDK makes is recorded by service and operation (`Recorded`), so these tests show both
what works against the server and, for what does not, exactly which S3, STS or CloudWatch call
the SDK insists on. docs/sagemaker-sdk.md is the user's page for the same facts.
"""

from __future__ import annotations

import re
import shutil
import socket
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import EndpointConnectionError

from tests.jobs import SCRIPTS, SKLEARN_IMAGE, make_request
from trimtab.testing.serving import REGION, Served

_excepthook = sys.excepthook  # sagemaker_core installs rich's at import: put it back
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # sagemaker 2.x warns at import that v2 is being retired
    pytest.importorskip(
        "sagemaker.tuner",
        reason="needs the SageMaker Python SDK 2.x (pip install -e '.[sdk-compat]'); "
        "3.x has no sagemaker.Session nor HyperparameterTuner.attach",
    )
    import sagemaker
    from sagemaker.analytics import HyperparameterTuningJobAnalytics, TrainingJobAnalytics
    from sagemaker.estimator import Estimator
    from sagemaker.tuner import ContinuousParameter, HyperparameterTuner, IntegerParameter
sys.excepthook = _excepthook

pytestmark = pytest.mark.slow

# Given, so that the SDK reads no config file; TelemetryOptOut keeps Estimator.fit() from
# sending its usage ping to S3 (after an STS GetCallerIdentity).
SDK_CONFIG = {
    "SchemaVersion": "1.0",
    "SageMaker": {"PythonSDK": {"Modules": {"TelemetryOptOut": True}}},
}
ROLE = "arn:aws:iam::000000000000:role/trimtab"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
RANGES = {"x": ContinuousParameter(0, 1), "y": IntegerParameter(0, 5)}
METRICS = [{"Name": "loss", "Regex": r"loss=([-+0-9.eE]+)"}]
LOG_GROUP = "/aws/sagemaker/TrainingJobs"


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Hosts something tried to reach: any name but loopback fails at once (nothing hangs on a
    machine without network, nothing reaches AWS on one with it)."""
    tried: list[str] = []
    real = socket.getaddrinfo

    def lookup(host: Any, *args: Any, **kwargs: Any) -> Any:
        if str(host) in LOOPBACK:
            return real(host, *args, **kwargs)
        tried.append(str(host))
        raise socket.gaierror(socket.EAI_NONAME, f"no network in this test: {host}")

    monkeypatch.setattr(socket, "getaddrinfo", lookup)
    return tried


def point_at(server: Served, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The environment docs/sagemaker-sdk.md gives: the server's credentials, a region, its
    endpoint for SageMaker and CloudWatch Logs; no AWS configuration of the user's, one attempt
    per call, and the SDK's v2 notice off."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", server.key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", server.secret)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SAGEMAKER", server.endpoint)
    monkeypatch.setenv("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", server.endpoint)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    monkeypatch.setenv("AWS_RETRY_MODE", "standard")
    monkeypatch.setenv("SAGEMAKER_SUPPRESS_V2_WARNING", "1")
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    for name in ("S3", "STS", "IAM", "CLOUDWATCH"):
        monkeypatch.delenv(f"AWS_ENDPOINT_URL_{name}", raising=False)


class Recorded:
    """(service, operation) of every call made through one boto3 session's clients."""

    def __init__(self, session: Any) -> None:
        self.calls: list[tuple[str, str]] = []
        session.events.register("before-call", self._record)

    def _record(self, model: Any, **_: Any) -> None:
        self.calls.append((model.service_model.service_name, model.name))

    def services(self) -> set[str]:
        return {service for service, _ in self.calls}


def sdk_session(server: Served, **options: Any) -> tuple[Any, Recorded]:
    """A sagemaker.Session whose SageMaker client is a boto3 client for the server. The SDK takes
    no Logs client: it makes one from the boto3 session, which AWS_ENDPOINT_URL_CLOUDWATCH_LOGS
    (see `point_at`) sends to the server."""
    boto_session = boto3.Session(
        aws_access_key_id=server.key_id,
        aws_secret_access_key=server.secret,
        region_name=REGION,
    )
    recorded = Recorded(boto_session)
    client = boto_session.client(
        "sagemaker",
        endpoint_url=server.endpoint,
        config=Config(connect_timeout=5, read_timeout=60, retries={"max_attempts": 1}),
    )
    settings: dict[str, Any] = {"default_bucket": "trimtab-unused", "sagemaker_config": SDK_CONFIG}
    settings.update(options)
    session = sagemaker.Session(boto_session=boto_session, sagemaker_client=client, **settings)
    return session, recorded


def create_job(server: Served, allowed: Path, name: str, **changes: Any) -> Any:
    """A small tuning job created through boto3, as test_api does; returns the boto3 client."""
    boto = server.client()
    body = make_request(name, **changes)
    body["TrainingJobDefinition"]["OutputDataConfig"]["S3OutputPath"] = str(allowed / "output")
    boto.create_hyper_parameter_tuning_job(**body)
    return boto


def without_metadata(response: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


def test_attach_describe_best_job_analytics_and_wait(
    server: Served,
    allowed: Path,
    offline: list[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    point_at(server, monkeypatch, tmp_path)
    static = {"epochs": "2", "sleep": "0.5"}  # 3 jobs one after another: a few seconds
    boto = create_job(server, allowed, "sdk-job", max_jobs=3, max_parallel=1, static=static)
    session, recorded = sdk_session(server)

    tuner = HyperparameterTuner.attach("sdk-job", sagemaker_session=session)
    assert tuner.describe()["HyperParameterTuningJobStatus"] == "InProgress"
    tuner.wait()  # polls DescribeHyperParameterTuningJob every 5 s until the job ends
    described = without_metadata(
        boto.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName="sdk-job")
    )
    assert described["HyperParameterTuningJobStatus"] == "Completed"
    waited = session.wait_for_tuning_job("sdk-job", poll=1)
    assert without_metadata(waited) == described

    assert without_metadata(tuner.describe()) == described
    best = described["BestTrainingJob"]
    assert tuner.best_training_job() == best["TrainingJobName"]
    assert tuner.latest_tuning_job.name == "sdk-job"
    assert (tuner.objective_metric_name, tuner.objective_type) == ("loss", "Minimize")
    assert (tuner.strategy, tuner.max_jobs, tuner.max_parallel_jobs) == ("Random", 3, 1)
    assert tuner.hyperparameter_ranges() == {
        "ContinuousParameterRanges": [
            {"Name": "x", "MinValue": "0.0", "MaxValue": "1.0", "ScalingType": "Auto"}
        ],
        "CategoricalParameterRanges": [],
        "IntegerParameterRanges": [
            {"Name": "y", "MinValue": "0", "MaxValue": "5", "ScalingType": "Auto"}
        ],
    }
    assert tuner.estimator.image_uri == SKLEARN_IMAGE
    assert tuner.estimator.output_path == str(allowed / "output")
    assert tuner.estimator.hyperparameters()["epochs"] == "2"
    assert tuner.estimator.hyperparameters()["sleep"] == "0.5"

    analytics = tuner.analytics()
    assert isinstance(analytics, HyperparameterTuningJobAnalytics)
    assert analytics.tuning_ranges == {
        "x": {"Name": "x", "MinValue": "0", "MaxValue": "1", "ScalingType": "Auto"},
        "y": {"Name": "y", "MinValue": "0", "MaxValue": "5", "ScalingType": "Auto"},
    }
    frame = analytics.dataframe()
    assert sorted(frame.columns) == [
        "FinalObjectiveValue",
        "TrainingElapsedTimeSeconds",
        "TrainingEndTime",
        "TrainingJobName",
        "TrainingJobStatus",
        "TrainingStartTime",
        "x",
        "y",
    ]
    summaries = boto.list_training_jobs_for_hyper_parameter_tuning_job(
        HyperParameterTuningJobName="sdk-job"
    )["TrainingJobSummaries"]
    rows = {row["TrainingJobName"]: row for row in frame.to_dict("records")}
    assert len(rows) == 3 and set(rows) == {s["TrainingJobName"] for s in summaries}
    for summary in summaries:
        row = rows[summary["TrainingJobName"]]
        assert row["x"] == float(summary["TunedHyperParameters"]["x"])
        assert row["y"] == float(summary["TunedHyperParameters"]["y"])
        assert row["TrainingJobStatus"] == summary["TrainingJobStatus"] == "Completed"
        objective = summary["FinalHyperParameterTuningJobObjectiveMetric"]["Value"]
        assert row["FinalObjectiveValue"] == objective
        assert row["TrainingStartTime"] == summary["TrainingStartTime"]
        assert row["TrainingEndTime"] == summary["TrainingEndTime"]
        elapsed = (summary["TrainingEndTime"] - summary["TrainingStartTime"]).total_seconds()
        assert row["TrainingElapsedTimeSeconds"] == pytest.approx(elapsed)
    lowest = min(rows.values(), key=lambda row: row["FinalObjectiveValue"])
    assert lowest["TrainingJobName"] == best["TrainingJobName"]
    assert (
        lowest["FinalObjectiveValue"]
        == best["FinalHyperParameterTuningJobObjectiveMetric"]["Value"]
    )

    assert recorded.services() == {"sagemaker"}
    assert offline == []


def test_best_estimator_and_training_job_logs(
    server: Served,
    allowed: Path,
    offline: list[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    point_at(server, monkeypatch, tmp_path)
    boto = create_job(server, allowed, "logged", max_jobs=1, static={"epochs": "3"})
    session, recorded = sdk_session(server)
    session.wait_for_tuning_job("logged", poll=1)
    tuner = HyperparameterTuner.attach("logged", sagemaker_session=session)
    name = tuner.best_training_job()
    job = boto.describe_training_job(TrainingJobName=name)

    estimator = tuner.best_estimator()  # Estimator.attach: DescribeTrainingJob, ListTags
    assert estimator.latest_training_job.name == name
    assert estimator.model_data == job["ModelArtifacts"]["S3ModelArtifacts"]
    assert Path(estimator.model_data).is_file()
    assert estimator.hyperparameters() == job["HyperParameters"]
    assert (estimator.output_path, estimator.output_kms_key) == (str(allowed / "output"), "")

    logs = server.client("logs")
    (stream,) = logs.describe_log_streams(logGroupName=LOG_GROUP, logStreamNamePrefix=name + "/")[
        "logStreams"
    ]
    events = logs.get_log_events(
        logGroupName=LOG_GROUP, logStreamName=stream["logStreamName"], startFromHead=True
    )["events"]
    lines = [e["message"] for e in events]
    assert lines[0].startswith("[trimtab] ") and lines[-1].startswith("epoch=3 loss=")
    capsys.readouterr()
    session.logs_for_job(name, wait=False)
    printed = capsys.readouterr().out
    # The SDK prints the secondary status with end="", so the first line follows it directly.
    assert f"Completed - Training job completed{lines[0]}\n" in printed
    assert printed.endswith("\n".join(lines) + "\n")
    session.logs_for_job(name, wait=True, poll=1)
    printed = capsys.readouterr().out
    seconds = job["TrainingTimeInSeconds"]
    tail = [*lines, f"Training seconds: {seconds}", f"Billable seconds: {seconds}"]
    assert printed.endswith("\n".join(tail) + "\n")
    assert ("logs", "DescribeLogStreams") in recorded.calls
    assert ("logs", "GetLogEvents") in recorded.calls
    assert recorded.services() == {"sagemaker", "logs"}
    assert offline == []

    # A training job's metric series come from CloudWatch's GetMetricStatistics, which trimtab
    # does not serve (the tuning job's analytics above need only SageMaker's API).
    with pytest.raises(EndpointConnectionError, match=r"monitoring\.us-east-1\.amazonaws\.com"):
        TrainingJobAnalytics(name, metric_names=["loss"], sagemaker_session=session).dataframe()
    assert recorded.calls[-1] == ("cloudwatch", "GetMetricStatistics")
    assert offline == ["monitoring.us-east-1.amazonaws.com"]


def test_stop_through_an_attached_tuner(
    server: Served,
    allowed: Path,
    offline: list[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    point_at(server, monkeypatch, tmp_path)
    boto = create_job(server, allowed, "stop-me", script="hang.py", max_jobs=2, max_parallel=1)
    session, recorded = sdk_session(server)
    tuner = HyperparameterTuner.attach("stop-me", sagemaker_session=session)
    deadline = time.monotonic() + 60
    while tuner.describe()["TrainingJobStatusCounters"]["InProgress"] < 1:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    tuner.stop_tuning_job()
    tuner.wait()  # a Stopped job only logs a warning
    described = boto.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName="stop-me")
    assert described["HyperParameterTuningJobStatus"] == "Stopped"
    assert described["TrainingJobStatusCounters"]["Stopped"] == 1
    assert ("sagemaker", "StopHyperParameterTuningJob") in recorded.calls
    assert offline == []


@pytest.fixture
def s3_server(
    tmp_path: Path, allowed: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Served, Path]]:
    """A server whose TRIMTAB_S3_ROOT mirrors buckets `code` (tests/scripts), `data` and
    `models`."""
    root = allowed / "s3"
    shutil.copytree(SCRIPTS, root / "code" / "scripts")
    shutil.copytree(SCRIPTS, root / "data" / "train")
    (root / "models").mkdir()
    monkeypatch.setenv("TRIMTAB_S3_ROOT", str(root))
    running = Served(tmp_path / "s3-home", [allowed], {"TRIMTAB_S3_ROOT": str(root)}).start()
    yield running, root
    running.clean_up()


def estimator(session: Any, **changes: Any) -> Any:
    """A script-mode Estimator whose code, data and output are all s3:// URIs."""
    options: dict[str, Any] = {
        "image_uri": SKLEARN_IMAGE,
        "role": ROLE,
        "instance_count": 1,
        "instance_type": "ml.m5.large",
        "entry_point": "converge.py",
        "source_dir": "s3://code/scripts",  # already "in S3": the SDK uploads nothing
        "output_path": "s3://models/tuning",
        "hyperparameters": {"epochs": 2},
        "sagemaker_session": session,
    }
    options.update(changes)
    return Estimator(**options)


def tuner_of(estimator: Any, max_jobs: int) -> Any:
    return HyperparameterTuner(
        estimator,
        "loss",
        RANGES,
        metric_definitions=METRICS,
        objective_type="Minimize",
        max_jobs=max_jobs,
        max_parallel_jobs=1,
        random_seed=3,
    )


def test_fit_runs_when_code_data_and_output_are_s3_uris_under_the_s3_root(
    s3_server: tuple[Served, Path],
    offline: list[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    server, root = s3_server
    point_at(server, monkeypatch, tmp_path)
    boto_session = boto3.Session()  # as docs/sagemaker-sdk.md: all from the environment
    recorded = Recorded(boto_session)
    session = sagemaker.Session(
        boto_session=boto_session, default_bucket="trimtab-unused", sagemaker_config=SDK_CONFIG
    )
    assert session.sagemaker_client.meta.endpoint_url == server.endpoint
    tuner = tuner_of(estimator(session), max_jobs=2)
    tuner.fit({"train": "s3://data/train"}, job_name="sdk-fit")  # and waits

    described = tuner.describe()
    assert described["HyperParameterTuningJobStatus"] == "Completed"
    assert described["TrainingJobStatusCounters"]["Completed"] == 2
    definition = described["TrainingJobDefinition"]
    assert definition["StaticHyperParameters"]["sagemaker_submit_directory"] == (
        '"s3://code/scripts"'
    )
    assert definition["StaticHyperParameters"]["sagemaker_program"] == '"converge.py"'
    assert definition["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3Uri"] == (
        "s3://data/train"
    )
    best = tuner.best_training_job()
    assert (root / "models" / "tuning" / best / "output" / "model.tar.gz").is_file()
    assert len(tuner.analytics().dataframe()) == 2
    assert ("sagemaker", "CreateHyperParameterTuningJob") in recorded.calls
    assert recorded.services() == {"sagemaker"}
    assert offline == []


def fit(session: Any, **changes: Any) -> None:
    tuner_of(estimator(session, **changes), max_jobs=1).fit(
        {"train": "s3://data/train"}, job_name="needs-aws", wait=False
    )


@pytest.mark.parametrize(
    ("call", "options", "calls", "host"),
    [
        # Code in a local folder: the SDK tars it and uploads
        # s3://<output_path's bucket>/<job>/source/sourcedir.tar.gz.
        (
            lambda s: fit(s, source_dir=str(SCRIPTS)),
            {},
            [("s3", "PutObject")],
            "models.s3.amazonaws.com",
        ),
        # No output_path: Session.default_bucket(), which looks the bucket up (and would create
        # it); the same for a local source_dir without code_location and no output_path.
        (lambda s: fit(s, output_path=None), {}, [("s3", "ListBuckets")], "s3.amazonaws.com"),
        # No default_bucket either: the default name, sagemaker-<region>-<account>, needs STS.
        (
            lambda s: s.default_bucket(),
            {"default_bucket": None},
            [("sts", "GetCallerIdentity")],
            "sts.us-east-1.amazonaws.com",
        ),
        (
            lambda s: sagemaker.get_execution_role(s),
            {},
            [("sts", "GetCallerIdentity")],
            "sts.us-east-1.amazonaws.com",
        ),
    ],
    ids=["local-source-dir", "no-output-path", "default-bucket", "execution-role"],
)
def test_what_needs_s3_or_sts_fails_at_once_naming_the_call(
    server: Served,
    offline: list[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    call: Callable[[Any], Any],
    options: dict[str, Any],
    calls: list[tuple[str, str]],
    host: str,
) -> None:
    point_at(server, monkeypatch, tmp_path)
    session, recorded = sdk_session(server, **options)
    started = time.monotonic()
    with pytest.raises(EndpointConnectionError, match=re.escape(host)):
        call(session)
    assert time.monotonic() - started < 30
    assert recorded.calls == calls
    assert offline == [host]
    boto = server.client()
    assert boto.list_hyper_parameter_tuning_jobs()["HyperParameterTuningJobSummaries"] == []
