"""DescribeTrainingJob's answer has what the SageMaker Python SDK reads from it unconditionally.

`Estimator.attach` (and so `HyperparameterTuner.best_estimator()`) reads
`OutputDataConfig["KmsKeyId"]` without a default; SageMaker always sends it, "" when the request
gave none.
"""

from __future__ import annotations

from pathlib import Path

import botocore.session
import pytest

from tests.jobs import make_request, run
from tests.server.shapes import problems
from trimtab import service
from trimtab.store.memory import MemoryStore
from trimtab.testing import FakeBackend


@pytest.fixture
def store(tmp_path: Path) -> MemoryStore:
    return MemoryStore(tmp_path / "home")


def described(store: MemoryStore, kms_key_id: str | None) -> dict[str, object]:
    request = make_request(max_jobs=1, max_parallel=1)
    if kms_key_id is not None:
        request["TrainingJobDefinition"]["OutputDataConfig"]["KmsKeyId"] = kms_key_id
    run(store, request, FakeBackend())
    (trial,) = store.trials("t-job")
    answer = service.describe_training_job(store, trial.training_job_name)
    shape = (
        botocore.session.get_session()
        .get_service_model("sagemaker")
        .operation_model("DescribeTrainingJob")
        .output_shape
    )
    assert problems(shape, answer) == []
    return answer


def test_kms_key_id_is_empty_when_the_request_gave_none(store: MemoryStore) -> None:
    answer = described(store, None)
    assert answer["OutputDataConfig"] == {"KmsKeyId": "", "S3OutputPath": "output"}


def test_a_kms_key_id_the_request_gave_is_kept(store: MemoryStore) -> None:
    answer = described(store, "alias/models")
    assert answer["OutputDataConfig"] == {"KmsKeyId": "alias/models", "S3OutputPath": "output"}
