"""The one failure of a built-in algorithm that is the user's to fix, and its FailureReason.

A `ClientError` is the user's mistake (a bad hyperparameter, a missing channel, corrupt data):
the message says what was given and what is allowed, and `failure_reason` is the text a
training job writes to `output/failure`, which the platform reports as its FailureReason.
Anything else a training job raises is an `AlgorithmError`, a bug here (see `_container`).
An algorithm whose built-in words its failures differently subclasses it.
"""

from __future__ import annotations


class ClientError(Exception):
    """Bad input; `str(error)` is the message.

    No `message` attribute on purpose: torch re-raises an exception from a DataLoader worker
    as `type(message=...)` when its class has one, which this constructor does not take.
    """

    def failure_reason(self) -> str:
        """The text of `output/failure`."""
        return f"ClientError: {self}"
