"""This algorithm's ClientError, worded as SageMaker's Image Classification words it.

The user's mistakes (a bad hyperparameter, a missing channel, an unreadable image) are the
shared `ClientError`; this one adds the `Stage` that was being checked, which SageMaker's
FailureReason names (`Unable to initialize the algorithm. Failed to validate hyperparameters.
...`). Errors raised in DataLoader workers come back re-wrapped by torch: `from_worker`
recovers them.
"""

from __future__ import annotations

from enum import StrEnum

from trimtab.algorithms import errors


class Stage(StrEnum):
    """What was being checked when a ClientError was raised."""

    HYPERPARAMETERS = "Failed to validate hyperparameters."
    INPUT = "Failed to validate input data configuration."
    DATA = "Failed to read the training data."
    MODEL = "Failed to load the model channel."


class ClientError(errors.ClientError):
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
