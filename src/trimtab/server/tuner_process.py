"""One tuning job's tuner, in a process of its own, as the server's supervisor runs it:
`python -m trimtab.server.tuner_process NAME --home HOME [--store URL]`.

A tuner in its own process can neither block the API nor take it down when it fails. SIGTERM
(the server shutting down) puts the job aside (`tuner.Paused`): its training jobs are stopped
and recorded, and the job stays InProgress, for the server to resume when it starts again.
A stop asked for through the API reaches the tuner through the store, as from the CLI. The
exit code is 0 when the job ended or was put aside, 1 when it could not be run (another tuner
holds it, or the job cannot be resolved any more): the supervisor then tries again later.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from collections.abc import Sequence
from types import FrameType

from trimtab import service
from trimtab.errors import TrimtabError
from trimtab.store import open_store
from trimtab.tuner import Paused

logger = logging.getLogger(__name__)


def _pause(signum: int, frame: FrameType | None) -> None:
    raise Paused


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m trimtab.server.tuner_process")
    parser.add_argument("name")
    parser.add_argument("--home", required=True)
    parser.add_argument("--store")
    args = parser.parse_args(argv)
    os.environ["TRIMTAB_HOME"] = args.home  # the machine's slots live there too
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    signal.signal(signal.SIGTERM, _pause)
    signal.signal(signal.SIGINT, _pause)
    store = open_store(url=args.store, home=args.home)
    try:
        record = service.run_tuning_job(store, args.name)
    except Paused:  # before the tuner was running: nothing to put aside
        return 0
    except TrimtabError as error:
        logger.warning("tuning job %s not run: %s: %s", args.name, error.code, error.message)
        return 1
    logger.info("tuning job %s: %s", record.name, record.status)
    return 0


if __name__ == "__main__":
    sys.exit(main())
