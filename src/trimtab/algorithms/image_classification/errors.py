"""The two ways a training job of this algorithm fails, worded as SageMaker's built-ins word them.

A `ClientError` is the user's to fix (a bad hyperparameter, a missing channel, an unreadable
image); anything else is an `AlgorithmError`. Either way the text goes to `output/failure`
(the training job's FailureReason) and the process exits non-zero.
"""

from __future__ import annotations

from enum import StrEnum


class Stage(StrEnum):
    """What was being checked when a ClientError was raised."""

    HYPERPARAMETERS = "Failed to validate hyperparameters."
    INPUT = "Failed to validate input data configuration."
    DATA = "Failed to read the training data."
    MODEL = "Failed to load the model channel."


class ClientError(Exception):
    """A problem with the job's request or data; `detail` says which value broke which rule."""

    def __init__(self, detail: str, stage: Stage = Stage.DATA) -> None:
        super().__init__(detail)
        self.detail = detail
        self.stage = stage

    def failure_reason(self) -> str:
        return (
            f"ClientError: Unable to initialize the algorithm. {self.stage} "
            f"(caused by ValidationError)\n\nCaused by: {self.detail}"
        )


def hyperparameter_error(name: str, value: str, rule: str) -> ClientError:
    return ClientError(
        f"Value '{value}' for hyperparameter '{name}' failed to satisfy constraint: {rule}",
        Stage.HYPERPARAMETERS,
    )


def from_worker(error: Exception) -> ClientError | None:
    """The ClientError a DataLoader worker raised, which torch re-raises with the worker's
    traceback folded into the message; None when `error` is not one."""
    if not isinstance(error, ClientError):
        return None
    last = str(error).rstrip().splitlines()[-1]
    prefix = f"{ClientError.__module__}.{ClientError.__name__}: "
    detail = last.removeprefix(prefix).removeprefix(f"{ClientError.__name__}: ")
    return ClientError(detail, error.stage)
