"""`trimtab` on the command line: parse arguments, call the service, render, exit code.

The only module that configures logging. Errors trimtab raises on purpose print as
``<Code>: <message>`` (exit 1); they never print a traceback.
"""

from __future__ import annotations

import argparse
import csv
import importlib
import json
import logging
import os
import signal
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType
from typing import Any

from rich.console import Console
from rich.logging import RichHandler
from rich.text import Text

from trimtab import __version__, service
from trimtab.algorithms import BUILTINS
from trimtab.errors import TrimtabError, training_job_not_found
from trimtab.reports import console, listing, rows
from trimtab.reports.listing import Query
from trimtab.settings import Settings, default_home
from trimtab.spec.enums import HyperParameterTuningJobStatus, TrainingJobStatus
from trimtab.store import Store, open_store

EXIT_CODES = {
    HyperParameterTuningJobStatus.COMPLETED: 0,
    HyperParameterTuningJobStatus.FAILED: 1,
    HyperParameterTuningJobStatus.STOPPED: 130,
}

stdout = Console()
stderr = Console(stderr=True)


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, sort_keys=False) + "\n")


def _settings(args: argparse.Namespace) -> Settings:
    base = Settings.from_env()
    return Settings(
        python=args.python or base.python,
        stop_grace_seconds=args.stop_grace
        if args.stop_grace is not None
        else base.stop_grace_seconds,
        poll_interval=base.poll_interval,
    )


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _interruptible() -> None:
    """Ctrl-C (SIGINT) and SIGTERM both raise KeyboardInterrupt, however the process was
    started: one started in the background by a non-interactive shell inherits SIGINT ignored,
    and Python then leaves it ignored, so that `kill -INT` would do nothing."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _raise_interrupt)


def _run(store: Store, name: str, args: argparse.Namespace) -> int:
    """Run a tuning job with live progress; SIGTERM stops it as cleanly as Ctrl-C does."""
    _interruptible()
    with console.Progress(stdout) as progress:
        record = service.run_tuning_job(store, name, settings=_settings(args), on_progress=progress)
    response = service.describe_tuning_job(store, record.name)
    stdout.print(console.describe_view(response))
    if record.status is HyperParameterTuningJobStatus.COMPLETED:
        stdout.print(
            f"\nDetails: trimtab describe {record.name}   "
            f"All training jobs: trimtab training-jobs {record.name}"
        )
    return EXIT_CODES.get(record.status, 1)


def cmd_tune(store: Store, args: argparse.Namespace) -> int:
    record = service.create_from_file(store, args.job_file, name=args.name)
    stdout.print(f"Created tuning job [bold]{record.name}[/bold] (store: {default_home()})")
    return _run(store, record.name, args)


def cmd_resume(store: Store, args: argparse.Namespace) -> int:
    return _run(store, args.name, args)


def cmd_describe(store: Store, args: argparse.Namespace) -> int:
    response = service.describe_tuning_job(store, args.name)
    if args.json:
        _print_json(response)
    else:
        stdout.print(console.describe_view(response))
    return 0


def cmd_training_jobs(store: Store, args: argparse.Namespace) -> int:
    query = Query(args.sort_by, args.sort_order == "Descending", status=args.status)
    summaries = service.list_training_jobs(store, args.name, query).items
    if args.json:
        _print_json({"TrainingJobSummaries": summaries})
    else:
        stdout.print(console.training_jobs_table(summaries))
    return 0


def cmd_list(store: Store, args: argparse.Namespace) -> int:
    query = Query(args.sort_by, args.sort_order == "Descending", args.name_contains, args.status)
    summaries = service.list_tuning_jobs(store, query).items
    if args.json:
        _print_json({"HyperParameterTuningJobSummaries": summaries})
    else:
        stdout.print(console.tuning_jobs_table(summaries))
    return 0


def cmd_stop(store: Store, args: argparse.Namespace) -> int:
    record = service.stop_tuning_job(store, args.name)
    stdout.print(f"Tuning job {record.name}: {record.status}")
    return 0


def cmd_logs(store: Store, args: argparse.Namespace) -> int:
    trial = store.trial(args.training_job)
    path = Path(store.log_path(trial.training_job_name))
    if not path.exists():
        raise training_job_not_found()
    with path.open("rb") as log:
        while True:
            chunk = log.read(1 << 16)
            if chunk:
                sys.stdout.buffer.write(chunk)
                continue
            sys.stdout.flush()
            if not args.follow or not store.trial(trial.training_job_name).is_pending:
                return 0
            time.sleep(0.5)


def cmd_analytics(store: Store, args: argparse.Namespace) -> int:
    record = store.tuning_job(args.name)
    table = rows.analytics_rows(store.trials(record.name))
    columns = list(dict.fromkeys(key for row in table for key in row))
    out = sys.stdout if args.csv == "-" else open(args.csv, "w", newline="")  # noqa: SIM115
    try:
        writer = csv.DictWriter(out, fieldnames=columns)
        writer.writeheader()
        writer.writerows(table)
    finally:
        if out is not sys.stdout:
            out.close()
    return 0


def cmd_serve(store: Store, args: argparse.Namespace) -> int:
    """Serve until Ctrl-C or SIGTERM (a service manager's stop), which put the jobs aside
    alike. uvicorn shuts down on either and then raises the signal again under the handler it
    found, so neither may be the default one for SIGTERM (which would end the process before
    the supervisor puts the jobs aside) nor an ignored SIGINT (exit 0, as if asked to)."""
    from trimtab.server import serve

    _interruptible()
    serve(default_home(), args.store, args.host, args.port, args.allow_path)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="trimtab", description="SageMaker-style hyperparameter tuning on your own machine."
    )
    parser.add_argument("--version", action="version", version=f"trimtab {__version__}")
    parser.add_argument("--home", help="store folder (default: $TRIMTAB_HOME or ~/.trimtab)")
    parser.add_argument("--store", help="SQLAlchemy URL of the store (default: SQLite in --home)")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(
        name: str, handler: Callable[[Store, argparse.Namespace], int], help: str
    ) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help, description=help)
        sub.set_defaults(handler=handler)
        return sub

    def runner_options(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--python", help="interpreter for training scripts (default: this one)")
        sub.add_argument(
            "--stop-grace", type=float, help="seconds between SIGTERM and SIGKILL (default 120)"
        )

    tune = command(
        "tune",
        cmd_tune,
        "create a tuning job from a CreateHyperParameterTuningJob JSON file and run it",
    )
    tune.add_argument("job_file", help="request body, as boto3 would send it")
    tune.add_argument("--name", help="use this HyperParameterTuningJobName instead of the file's")
    runner_options(tune)
    resume = command("resume", cmd_resume, "run a tuning job whose tuner ended before the job did")
    resume.add_argument("name")
    runner_options(resume)
    describe = command("describe", cmd_describe, "DescribeHyperParameterTuningJob")
    describe.add_argument("name")
    describe.add_argument("--json", action="store_true", help="the API's JSON response")
    jobs = command("training-jobs", cmd_training_jobs, "ListTrainingJobsForHyperParameterTuningJob")
    jobs.add_argument("name")
    jobs.add_argument("--json", action="store_true", help="the API's JSON response")
    jobs.add_argument("--sort-by", choices=listing.TRAINING_JOB_SORT_KEYS, default="Name")
    jobs.add_argument("--sort-order", choices=("Ascending", "Descending"), default="Ascending")
    jobs.add_argument("--status", choices=[str(s) for s in TrainingJobStatus])
    tuning_jobs = command("list", cmd_list, "ListHyperParameterTuningJobs")
    tuning_jobs.add_argument("--json", action="store_true", help="the API's JSON response")
    tuning_jobs.add_argument("--sort-by", choices=listing.TUNING_JOB_SORT_KEYS, default="Name")
    tuning_jobs.add_argument(
        "--sort-order", choices=("Ascending", "Descending"), default="Ascending"
    )
    tuning_jobs.add_argument("--name-contains")
    tuning_jobs.add_argument("--status", choices=[str(s) for s in HyperParameterTuningJobStatus])
    stop = command("stop", cmd_stop, "stop a running tuning job and its training jobs")
    stop.add_argument("name")
    logs = command("logs", cmd_logs, "print a training job's log")
    logs.add_argument("training_job")
    logs.add_argument(
        "-f", "--follow", action="store_true", help="keep printing until the job ends"
    )
    server = command(
        "serve", cmd_serve, "serve the SageMaker API here, for boto3 and the SageMaker SDK"
    )
    server.add_argument("--host", default="127.0.0.1", help="address to listen on (loopback)")
    server.add_argument("--port", type=int, default=8080, help="port to listen on (0: any free)")
    server.add_argument(
        "--allow-path",
        action="append",
        default=[],
        metavar="DIR",
        help="a folder requests may read and write (repeatable; default: your home folder and "
        "$TRIMTAB_S3_ROOT)",
    )
    table = command("analytics", cmd_analytics, "one CSV row per training job")
    table.add_argument("name")
    table.add_argument("--csv", default="-", help="output file (default: standard output)")
    for algorithm in BUILTINS.values():  # `trimtab seq2seq prepare`, ...
        if algorithm.cli_module is not None:
            importlib.import_module(algorithm.cli_module).register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.home:
        os.environ["TRIMTAB_HOME"] = args.home
    level = logging.WARNING - 10 * args.verbose
    logging.basicConfig(
        level=level, format="%(message)s", handlers=[RichHandler(console=stderr, show_path=False)]
    )
    try:
        store = open_store(url=args.store)
        code: int = args.handler(store, args)
    except TrimtabError as error:
        stderr.print(
            Text.assemble((error.code, "bold red"), ": ", error.message),
            highlight=False,
            soft_wrap=True,
        )
        return 1
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
