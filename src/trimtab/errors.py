"""The errors trimtab raises for bad input and missing things, named as SageMaker names them.

Each carries a SageMaker error code (`code`) so the CLI, the Python API and the HTTP API all
report the same thing: the CLI prints ``ValidationException: <message>`` and exits non-zero,
the HTTP API answers ``{"__type": code, "Message": message}``.
"""

from __future__ import annotations


class TrimtabError(Exception):
    """Root of every error trimtab raises on purpose."""

    code = "InternalFailure"

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""


class ValidationError(TrimtabError):
    """Bad input: a message naming the field path, the value and the rule it broke."""

    code = "ValidationException"


class ResourceNotFound(TrimtabError):
    code = "ResourceNotFound"


class ResourceInUse(TrimtabError):
    code = "ResourceInUse"


class ResourceLimitExceeded(TrimtabError):
    code = "ResourceLimitExceeded"


class MissingDependency(TrimtabError):
    """An optional dependency is not installed; the message names the extra to install."""

    code = "MissingDependency"


def tuning_job_not_found(name: str) -> ResourceNotFound:
    return ResourceNotFound(
        f"Amazon SageMaker can't find a tuning job called {name}. Type another name."
    )


def tuning_job_exists(name: str) -> ResourceInUse:
    return ResourceInUse(
        f"A hyperparameter tuning job with the name, {name}, already exists. "
        "Choose a different name."
    )


def training_job_not_found() -> ValidationError:
    # SageMaker answers an unknown training job with a ValidationException, not ResourceNotFound.
    return ValidationError("Requested resource not found.")


def tuning_job_not_ended(name: str, status: str) -> ResourceInUse:
    # DeleteHyperParameterTuningJob on a job that is still InProgress or Stopping.
    return ResourceInUse(
        f"The hyperparameter tuning job {name} is in status {status} and cannot be deleted. "
        "Stop the tuning job and wait for it to end, then delete it."
    )
