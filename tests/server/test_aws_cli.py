"""The AWS CLI against a real `trimtab serve`, switched over as the README says: the endpoint,
the keys and the region in the environment, nothing else (no config file, no profile)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.server.test_api import request
from trimtab.testing.serving import REGION, Served

pytestmark = pytest.mark.slow


def aws(server: Served, tmp_path: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    """`aws sagemaker ...` in a process of its own, configured only through the environment."""
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),  # no ~/.aws of the user's
        "AWS_CONFIG_FILE": str(tmp_path / "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_ENDPOINT_URL_SAGEMAKER": server.endpoint,
        "AWS_ACCESS_KEY_ID": server.key_id,
        "AWS_SECRET_ACCESS_KEY": server.secret,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_MAX_ATTEMPTS": "1",
    }
    command = [sys.executable, "-m", "awscli", "sagemaker", *arguments, "--output", "json"]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)


def answer(done: subprocess.CompletedProcess[str]) -> Any:
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_aws_cli_creates_lists_and_describes_a_tuning_job(
    server: Served, allowed: Path, tmp_path: Path
) -> None:
    body = tmp_path / "create.json"
    body.write_text(json.dumps(request(allowed, "from-the-cli", max_jobs=2)))

    created = answer(
        aws(
            server,
            tmp_path,
            "create-hyper-parameter-tuning-job",
            "--cli-input-json",
            f"file://{body}",
        )
    )
    assert created["HyperParameterTuningJobArn"].endswith(
        ":hyper-parameter-tuning-job/from-the-cli"
    )

    listed = answer(aws(server, tmp_path, "list-hyper-parameter-tuning-jobs"))
    assert [
        s["HyperParameterTuningJobName"] for s in listed["HyperParameterTuningJobSummaries"]
    ] == ["from-the-cli"]

    deadline = time.monotonic() + 240
    while True:
        described = answer(
            aws(
                server,
                tmp_path,
                "describe-hyper-parameter-tuning-job",
                "--hyper-parameter-tuning-job-name",
                "from-the-cli",
            )
        )
        if described["HyperParameterTuningJobStatus"] != "InProgress":
            break
        assert time.monotonic() < deadline, described
        time.sleep(0.5)
    assert described["HyperParameterTuningJobStatus"] == "Completed"
    assert described["TrainingJobStatusCounters"]["Completed"] == 2
    assert described["BestTrainingJob"]["TrainingJobStatus"] == "Completed"


def test_the_aws_cli_shows_sagemakers_error_and_exits_non_zero(
    server: Served, tmp_path: Path
) -> None:
    missing = aws(
        server,
        tmp_path,
        "describe-hyper-parameter-tuning-job",
        "--hyper-parameter-tuning-job-name",
        "nobody",
    )

    assert missing.returncode in (254, 255)  # a service error, in the AWS CLI v2's and v1's codes
    assert "An error occurred (ResourceNotFound) when calling the " in missing.stderr
    assert "can't find a tuning job called nobody" in missing.stderr
    assert "Traceback" not in missing.stderr
