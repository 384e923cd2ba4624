"""Entry point of a Seq2Seq training job: `python -m trimtab.algorithms.seq2seq`.

Only the container glue (`_container`): the job's tree from `$SAGEMAKER_BASE_DIR`, the
channels from `input/data/` or `SM_CHANNEL_*`, the model folder from `SM_MODEL_DIR`. The
hyperparameters are checked before torch is even imported, so a bad value fails in a second.
Metric lines go to stdout; a failure goes to stderr and `output/failure`, and the exit code is
1 for the user's error (`ClientError: ...`), 2 for ours (`AlgorithmError: ...`).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import Final

from trimtab.algorithms import _container
from trimtab.algorithms.seq2seq import prefer_sleeping_threads
from trimtab.algorithms.seq2seq.hyperparameters import parse_hyperparameters
from trimtab.opt_ml import MlPaths

ALGORITHM_ERROR_EXIT: Final = 2


def _emit(line: str) -> None:
    print(line, flush=True)


def main(environ: Mapping[str, str] | None = None) -> int:
    """Train; the exit code: 0 done, 1 the user's error, 2 ours."""
    environ = os.environ if environ is None else environ
    paths = MlPaths.from_environ(environ)

    def train() -> None:
        hp = parse_hyperparameters(_container.read_hyperparameters(paths))
        from trimtab.algorithms.seq2seq.training import run_training  # torch from here on

        run_training(hp, paths.data, paths.model, environ, _emit)

    return _container.run(train, paths, algorithm_error_exit=ALGORITHM_ERROR_EXIT)


if __name__ == "__main__":
    prefer_sleeping_threads()
    sys.exit(main())
