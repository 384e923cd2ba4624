"""The failures the algorithm reports in `output/failure`, worded as SageMaker's built-ins do.

`ClientError` is the user's to fix (a bad hyperparameter, a missing channel, corrupt data);
anything else is an `AlgorithmError`, a bug here.
"""

from __future__ import annotations


class ClientError(Exception):
    """Bad input: the message says what was given and what is allowed."""

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""
