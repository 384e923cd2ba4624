"""Entry point of a Seq2Seq training job: `python -m trimtab.algorithms.seq2seq.train`.

Runs under the training-container contract: `$SAGEMAKER_BASE_DIR` (default `/opt/ml`) holds
`input/config/hyperparameters.json`, the channels under `input/data/` (or `SM_CHANNEL_*`),
the `model/` folder (or `SM_MODEL_DIR`) and `output/failure`. Hyperparameters are checked
before torch is even imported, so a bad value fails in a second. A failure is written to
`output/failure` as SageMaker's built-ins word it (`ClientError: ...` for the user's
mistakes, `AlgorithmError: ...` for ours) and the exit code is non-zero.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from trimtab.algorithms.seq2seq import prefer_sleeping_threads
from trimtab.algorithms.seq2seq.errors import ClientError
from trimtab.algorithms.seq2seq.hyperparameters import parse_hyperparameters

CLIENT_ERROR_EXIT = 1
ALGORITHM_ERROR_EXIT = 2


@dataclass(frozen=True)
class JobPaths:
    config: Path
    data: Path
    model: Path
    failure: Path

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> JobPaths:
        base = Path(environ.get("SAGEMAKER_BASE_DIR") or "/opt/ml")
        return cls(
            config=base / "input" / "config",
            data=base / "input" / "data",
            model=Path(environ.get("SM_MODEL_DIR") or base / "model"),
            failure=base / "output" / "failure",
        )


def read_hyperparameters(config: Path) -> dict[str, object]:
    path = config / "hyperparameters.json"
    if not path.exists():
        return {}
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise ClientError(f"{path} is not valid JSON: {error}") from None
    if not isinstance(content, dict):
        raise ClientError(f"{path} must hold a JSON object of hyperparameters")
    return content


def _fail(paths: JobPaths, reason: str) -> None:
    print(reason, file=sys.stderr, flush=True)
    try:
        paths.failure.parent.mkdir(parents=True, exist_ok=True)
        paths.failure.write_text(reason + "\n", encoding="utf-8")
    except OSError as error:  # the reason is in the log at least
        print(f"cannot write {paths.failure}: {error}", file=sys.stderr, flush=True)


def _emit(line: str) -> None:
    print(line, flush=True)


def main(environ: Mapping[str, str] | None = None) -> int:
    """Train; the exit code: 0 done, 1 the user's error, 2 ours."""
    environ = os.environ if environ is None else environ
    paths = JobPaths.from_environ(environ)
    try:
        hp = parse_hyperparameters(read_hyperparameters(paths.config))
        from trimtab.algorithms.seq2seq.training import run_training  # torch from here on

        run_training(hp, paths.data, paths.model, environ, _emit)
    except ClientError as error:
        _fail(paths, f"ClientError: {error.message}")
        return CLIENT_ERROR_EXIT
    except Exception as error:
        traceback.print_exc()
        _fail(paths, f"AlgorithmError: {type(error).__name__}: {error}")
        return ALGORITHM_ERROR_EXIT
    return 0


if __name__ == "__main__":
    prefer_sleeping_threads()
    sys.exit(main())
