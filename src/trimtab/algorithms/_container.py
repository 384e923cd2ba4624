"""The training job's side of the SageMaker container contract, once for every built-in.

A built-in algorithm is a process (`python -m <package>`) in a job's `/opt/ml` tree
(`MlPaths`): it reads `input/config/hyperparameters.json` and, for channels with content
types, `inputdataconfig.json`, trains, and when it fails writes why to `output/failure`
(which the platform reports as the training job's FailureReason) and exits non-zero: a
`ClientError` (the user's to fix) is worded by the error itself, anything else is
`AlgorithmError: <Type>: <message>`, a bug here. Each algorithm's `__main__` says only what is
its own: its exit code for our errors, its wording of a ClientError, and where it logs.
"""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

from trimtab.algorithms.errors import ClientError
from trimtab.opt_ml import MlPaths

CLIENT_ERROR_EXIT: Final = 1


def _read_object(path: Path, what: str) -> dict[str, Any]:
    """A JSON object from the config folder; {} when the file is not there."""
    if not path.is_file():
        return {}
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise ClientError(f"{path} is not valid JSON: {error}") from None
    if not isinstance(content, dict):
        raise ClientError(f"{path} must hold a JSON object of {what}")
    return content


def read_hyperparameters(paths: MlPaths) -> dict[str, Any]:
    """`hyperparameters.json`: name -> value (strings, as the platform writes them)."""
    return _read_object(paths.config / "hyperparameters.json", "hyperparameters")


def read_input_data_config(paths: MlPaths) -> dict[str, dict[str, str]]:
    """`inputdataconfig.json` (channel -> `ContentType`, `TrainingInputMode`, ...), or, without
    one, every folder under `input/data` as a channel with nothing said about it."""
    config = _read_object(paths.config / "inputdataconfig.json", "channels")
    if not config and paths.data.is_dir():
        config = {p.name: {} for p in paths.data.iterdir()}
    return config


def write_failure(paths: MlPaths, reason: str) -> None:
    """`output/failure`, best effort: when it cannot be written, stderr says so."""
    try:
        paths.failure.parent.mkdir(parents=True, exist_ok=True)
        paths.failure.write_text(reason + "\n", encoding="utf-8")
    except OSError as error:  # the reason is in the log at least
        print(f"cannot write {paths.failure}: {error}", file=sys.stderr, flush=True)


def _to_stderr(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _traceback_to_stderr(reason: str) -> None:
    traceback.print_exc()
    _to_stderr(reason)


def run(
    train: Callable[[], object],
    paths: MlPaths,
    *,
    algorithm_error_exit: int,
    client_reason: Callable[[ClientError], str] = ClientError.failure_reason,
    report: Callable[[str], None] = _to_stderr,
    report_crash: Callable[[str], None] = _traceback_to_stderr,
) -> int:
    """The body of an entry point's `main()`: `train()`, and the exit code (0 when it returns).

    A ClientError is worded by `client_reason`, told by `report`, written to `output/failure`,
    and exits `CLIENT_ERROR_EXIT`; any other exception is `AlgorithmError: <Type>: <message>`,
    told with its traceback by `report_crash` (inside the `except`), written, and exits
    `algorithm_error_exit`.
    """
    try:
        train()
    except ClientError as error:
        reason = client_reason(error)
        report(reason)
        write_failure(paths, reason)
        return CLIENT_ERROR_EXIT
    except Exception as error:
        reason = f"AlgorithmError: {type(error).__name__}: {error}"
        report_crash(reason)
        write_failure(paths, reason)
        return algorithm_error_exit
    return 0
