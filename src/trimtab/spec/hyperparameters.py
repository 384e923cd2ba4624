"""Hyperparameter names that mean something to SageMaker, and how a value is read.

The SageMaker Python SDK passes a script-mode job's entry point and code location as
hyperparameters (`sagemaker_program`, `sagemaker_submit_directory`); a tuning job adds its
objective's metric name to every training job's (`_tuning_objective_metric`); the training
toolkit keeps these, and every other `sagemaker_*` name, out of the script's arguments. Values
are strings on the wire, which the toolkit JSON-decodes, keeping the raw string when that fails.
"""

from __future__ import annotations

import json
from typing import Final

PROGRAM: Final = "sagemaker_program"
SUBMIT_DIRECTORY: Final = "sagemaker_submit_directory"
OBJECTIVE_METRIC: Final = "_tuning_objective_metric"
# Hyperparameters the toolkit keeps from the script (besides every other `sagemaker_*` one).
RESERVED: Final = frozenset(
    {
        PROGRAM,
        SUBMIT_DIRECTORY,
        "sagemaker_enable_cloudwatch_metrics",
        "sagemaker_region",
        "sagemaker_container_log_level",
        "sagemaker_job_name",
        "default_user_module_name",
        OBJECTIVE_METRIC,
        "sagemaker_s3_output",
    }
)


def is_reserved(name: str) -> bool:
    """Whether the toolkit keeps `name` from the script's arguments."""
    return name in RESERVED or name.startswith("sagemaker_")


def decode(value: str) -> object:
    """A value as the toolkit decodes it: JSON, else the raw string."""
    try:
        return json.loads(value)
    except (ValueError, TypeError, RecursionError):
        return value


def decode_text(value: str) -> str:
    """A value that names something (a file, a folder): its JSON string, else the raw text."""
    decoded = decode(value)
    return decoded if isinstance(decoded, str) else value
