"""Entry point of a training job: `python -m trimtab.algorithms.image_classification`.

Only the container glue (`_container`): the job's tree from `$SAGEMAKER_BASE_DIR`, its
hyperparameters (checked before torch is imported, so a bad value fails in a second) and its
channels (`inputdataconfig.json`), then `training.py`. The log is MXNet's, as SageMaker's
algorithm prints it (`[11/24/2026 10:15:00 INFO 140245] Epoch[0] Train-accuracy=0.5`), on
stdout where the metric regexes look. A failure is logged and written to `output/failure`
(a ClientError raised in a DataLoader worker unwrapped first), and the process exits 1.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from typing import Final

from trimtab.algorithms import _container
from trimtab.algorithms.errors import ClientError
from trimtab.algorithms.image_classification import hyperparameters
from trimtab.algorithms.image_classification.channels import channel_configs
from trimtab.algorithms.image_classification.errors import from_worker
from trimtab.opt_ml import MlPaths

logger = logging.getLogger(__name__)
ALGORITHM_ERROR_EXIT: Final = 1


def configure_logging() -> None:
    """MXNet-style lines on stdout, where the platform's metric regexes look."""
    logging.basicConfig(
        level=logging.INFO,
        format="[%(asctime)s %(levelname)s %(thread)d] %(message)s",
        datefmt="%m/%d/%Y %H:%M:%S",
        stream=sys.stdout,
        force=True,
    )


def _reason(error: ClientError) -> str:
    return (from_worker(error) or error).failure_reason()


def main(environ: Mapping[str, str] | None = None) -> int:
    """Train; the exit code: 0 done, 1 failed."""
    configure_logging()
    paths = MlPaths.from_environ(os.environ if environ is None else environ)

    def train() -> None:
        hp = hyperparameters.parse(_container.read_hyperparameters(paths))
        configs = channel_configs(_container.read_input_data_config(paths), paths.data)
        from trimtab.algorithms.image_classification.training import run_training  # torch

        run_training(hp, configs, paths.model, paths.checkpoints)

    return _container.run(
        train,
        paths,
        algorithm_error_exit=ALGORITHM_ERROR_EXIT,
        client_reason=_reason,
        report=lambda reason: logger.error("%s", reason),
        report_crash=lambda _: logger.exception("training failed"),
    )


if __name__ == "__main__":
    sys.exit(main())
