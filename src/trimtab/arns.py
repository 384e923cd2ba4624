"""The ARNs trimtab gives its resources, as SageMaker spells them.

Every ARN names the region trimtab runs in (`AWS_REGION`, else `AWS_DEFAULT_REGION`, else
us-east-1) and one fixed account, and holds the resource name lower-cased, as SageMaker's do.
"""

from __future__ import annotations

import os
from typing import Final

ACCOUNT: Final = "000000000000"
_TUNING_JOB: Final = ":hyper-parameter-tuning-job/"


def region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"


def tuning_job_arn(name: str) -> str:
    return f"arn:aws:sagemaker:{region()}:{ACCOUNT}{_TUNING_JOB}{name.lower()}"


def training_job_arn(tuning_job_arn: str, training_job_name: str) -> str:
    """A training job's ARN, in the region and account of its tuning job's."""
    prefix = tuning_job_arn.split(_TUNING_JOB)[0]
    return f"{prefix}:training-job/{training_job_name.lower()}"


def region_of(arn: str) -> str:
    return arn.split(":")[3]
