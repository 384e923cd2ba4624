"""The HTTP API under load: how fast does `trimtab serve` answer while a tuning job runs, and
does the load slow the tuning job down?

Starts a real server on 127.0.0.1 (its own temporary home, an ephemeral port, requests allowed
under the test scripts and the output folder; `TRIMTAB_MAX_TRAINING_JOBS` set to the job's
parallelism so that the machine-wide cap does not hold it back), creates through boto3 a
Random tuning job over tests/scripts/converge.py (one epoch), and while it runs has `--clients`
threads, each with a boto3 client of its own (a kept-alive connection, retries off), call
DescribeHyperParameterTuningJob and ListTrainingJobsForHyperParameterTuningJob (100 a page,
sorted by FinalObjectiveMetricValue; now and then every page, through NextToken), timing every
call and counting every exception, until the tuning job ends. It does so twice: PACED, each
client a round every `--every` seconds (as dashboards and waiters poll), and FLAT OUT, each
client calling again as soon as it is answered (the most the server can be asked). Then the
same tuning job (same seed, same settings) runs on a fresh server without the clients, and the
three are compared: whole wall time and the median gap between a training job's end and the
next one's start. "database is locked" is looked for in every failed call's message and in the
server's and the tuners' logs.

Usage: python -m benchmarks.api_load [--jobs 500] [--parallel 4] [--clients 20] [--every 1]
       [--smoke]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import resource
import statistics
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from benchmarks.report import write_section
from trimtab.testing.serving import Served

SCRIPTS: Final = Path(__file__).resolve().parent.parent / "tests" / "scripts"
JOB: Final = "api-load"
SEED: Final = 7
PAGE: Final = 100
LOCKED: Final = "database is locked"
GOAL_P95: Final = 0.100  # seconds
DESCRIBE: Final = "DescribeHyperParameterTuningJob"
LIST: Final = "ListTrainingJobsForHyperParameterTuningJob"
LIST_NEXT: Final = f"{LIST} (NextToken)"
OPERATIONS: Final = (DESCRIBE, LIST, LIST_NEXT)
ENDED: Final = frozenset({"Completed", "Failed", "Stopped"})
SMOKE: Final = {"jobs": 8, "parallel": 2, "clients": 2}
IDLE_CALLS: Final = 100  # calls of each operation by one client once the job has ended


def tuning_request(jobs: int, parallel: int, output: Path) -> dict[str, Any]:
    """CreateHyperParameterTuningJob: Random over converge.py, one epoch (as tests/jobs.py's
    `make_request(static={"epochs": "1"})`, with absolute paths)."""
    return {
        "HyperParameterTuningJobName": JOB,
        "HyperParameterTuningJobConfig": {
            "Strategy": "Random",
            "RandomSeed": SEED,
            "HyperParameterTuningJobObjective": {"Type": "Minimize", "MetricName": "loss"},
            "ResourceLimits": {
                "MaxNumberOfTrainingJobs": jobs,
                "MaxParallelTrainingJobs": parallel,
            },
            "ParameterRanges": {
                "ContinuousParameterRanges": [{"Name": "x", "MinValue": "0", "MaxValue": "1"}],
                "IntegerParameterRanges": [{"Name": "y", "MinValue": "0", "MaxValue": "5"}],
            },
        },
        "TrainingJobDefinition": {
            "StaticHyperParameters": {
                "sagemaker_program": json.dumps("converge.py"),
                "sagemaker_submit_directory": json.dumps(str(SCRIPTS)),
                "epochs": "1",
            },
            "AlgorithmSpecification": {
                "TrainingImage": "local/script-mode",
                "TrainingInputMode": "File",
                "MetricDefinitions": [
                    {"Name": "loss", "Regex": r"loss=([-+0-9.eEnaNinf]+)"},
                ],
            },
            "RoleArn": "arn:aws:iam::000000000000:role/bench",
            "InputDataConfig": [
                {
                    "ChannelName": "train",
                    "DataSource": {
                        "S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": str(SCRIPTS)}
                    },
                }
            ],
            "OutputDataConfig": {"S3OutputPath": str(output)},
            "ResourceConfig": {
                "InstanceType": "ml.m5.large",
                "InstanceCount": 1,
                "VolumeSizeInGB": 1,
            },
            "StoppingCondition": {"MaxRuntimeInSeconds": 120},
        },
    }


# -- the load ----------------------------------------------------------------------------------


@dataclass
class Calls:
    """What one client's calls met: by operation, when each answered call began (seconds on
    `time.perf_counter`) and how long it took; and the failures."""

    samples: dict[str, list[tuple[float, float]]] = field(
        default_factory=lambda: {o: [] for o in OPERATIONS}
    )
    errors: Counter[str] = field(default_factory=Counter)  # "operation: Type: message"

    def add(self, other: Calls) -> None:
        for operation, samples in other.samples.items():
            self.samples[operation] += samples
        self.errors.update(other.errors)

    def latencies(self, operation: str | None = None) -> list[float]:
        """Of one operation's answered calls, or of every operation's."""
        chosen = OPERATIONS if operation is None else (operation,)
        return [seconds for o in chosen for _, seconds in self.samples[o]]

    @property
    def answered(self) -> int:
        return sum(map(len, self.samples.values()))

    @property
    def count(self) -> int:
        return self.answered + self.failed

    @property
    def failed(self) -> int:
        return sum(self.errors.values())

    @property
    def locked(self) -> int:
        return sum(n for message, n in self.errors.items() if LOCKED in message.lower())


def _call(client: Any, calls: Calls, operation: str, **body: Any) -> Any:
    """One timed call; None when it failed (recorded)."""
    name = LIST if operation == LIST_NEXT else operation
    method = getattr(client, re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower())
    started = time.perf_counter()
    try:
        answer = method(**body)
    except Exception as error:  # every failure counts, whatever it is
        calls.errors[f"{operation}: {type(error).__name__}: {str(error)[:300]}"] += 1
        return None
    calls.samples[operation].append((started, time.perf_counter() - started))
    return answer


def _list_body(token: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "HyperParameterTuningJobName": JOB,
        "MaxResults": PAGE,
        "SortBy": "FinalObjectiveMetricValue",
        "SortOrder": "Ascending",
    }
    if token is not None:
        body["NextToken"] = token
    return body


def hammer(client: Any, seed: int, stop: threading.Event, calls: Calls, every: float) -> None:
    """One client's rounds until `stop`, one every `every` seconds (0: each as soon as the last
    is answered): a Describe or a List, and one List in four followed through every
    NextToken. A paced client starts at a random phase and skips the rounds it is late for,
    rather than bursting to catch up."""
    draw = random.Random(seed)
    due = time.monotonic() + draw.uniform(0, every)
    while not stop.wait(max(0.0, due - time.monotonic())):
        due = max(due + every, time.monotonic())
        if draw.random() < 0.5:
            _call(client, calls, DESCRIBE, HyperParameterTuningJobName=JOB)
            continue
        page = _call(client, calls, LIST, **_list_body())
        if page is None or draw.random() >= 0.25:
            continue
        while (token := page.get("NextToken")) and not stop.is_set():
            page = _call(client, calls, LIST_NEXT, **_list_body(token))
            if page is None:
                break


# -- one run -----------------------------------------------------------------------------------


@dataclass
class Run:
    """One tuning job on a fresh server, with or without clients."""

    clients: int
    every: float = 0.0  # seconds between one client's rounds; 0: flat out
    wall: float = 0.0  # the tuning job's CreationTime to its end, seconds
    gaps: list[float] = field(default_factory=list)  # a training job's end to the next start
    statuses: Counter[str] = field(default_factory=Counter)  # of its training jobs
    status: str = ""  # of the tuning job
    calls: Calls = field(default_factory=Calls)
    load_started: float = 0.0  # time.perf_counter()
    load_seconds: float = 0.0
    server_cpu: float = math.nan  # CPU-seconds of the server process while the clients ran
    client_cpu: float = math.nan  # CPU-seconds of this process (the clients, the watcher)
    machine_cpu: float = math.nan  # CPU-seconds of the whole machine (every core)
    idle: Calls = field(default_factory=Calls)  # one client, once the job has ended
    locked_in_logs: int = 0
    log_problems: list[str] = field(default_factory=list)  # tracebacks and errors, first lines
    wal_bytes: int = 0  # the store's write-ahead log at its largest, as the watcher saw it

    @property
    def failed(self) -> int:
        return self.calls.failed + self.idle.failed

    @property
    def locked(self) -> int:
        return self.calls.locked + self.idle.locked + self.locked_in_logs

    @property
    def rate(self) -> float:
        return self.calls.answered / self.load_seconds if self.load_seconds else 0.0

    def quarter(self, k: int) -> list[float]:
        """Latencies of the calls begun in the k-th quarter (0-3) of the load."""
        low = self.load_started + self.load_seconds * k / 4
        high = self.load_started + self.load_seconds * (k + 1) / 4
        return [
            seconds
            for samples in self.calls.samples.values()
            for began, seconds in samples
            if low <= began < high
        ]


def _seconds(when: Any) -> float:
    return float(when.timestamp())


def _cpu_seconds(pid: int) -> float:
    """User and system time of a process so far (Linux's /proc; NaN elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return math.nan
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _machine_cpu_seconds() -> float:
    """CPU-seconds every core of the machine has been busy so far (Linux; NaN elsewhere)."""
    try:
        fields = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return math.nan
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle, iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _all_training_jobs(client: Any) -> list[dict[str, Any]]:
    jobs: list[dict[str, Any]] = []
    body: dict[str, Any] = {"HyperParameterTuningJobName": JOB, "MaxResults": PAGE}
    while True:
        page = client.list_training_jobs_for_hyper_parameter_tuning_job(**body)
        jobs += page["TrainingJobSummaries"]
        if not page.get("NextToken"):
            return jobs
        body["NextToken"] = page["NextToken"]


def _scan_logs(home: Path, run: Run) -> None:
    for log in [*sorted(home.glob("serve-*.log")), *sorted((home / "tuners").glob("*.log"))]:
        if not log.exists():
            continue
        for line in log.read_text(errors="replace").splitlines():
            lowered = line.lower()
            if LOCKED in lowered:
                run.locked_in_logs += 1
            if ("traceback" in lowered or "error" in lowered) and len(run.log_problems) < 10:
                run.log_problems.append(f"{log.name}: {line.strip()[:200]}")


def _idle_calls(client: Any, calls: Calls) -> None:
    """Each operation `IDLE_CALLS` times from one client, once the tuning job has ended."""
    for _ in range(IDLE_CALLS):
        _call(client, calls, DESCRIBE, HyperParameterTuningJobName=JOB)
        page = _call(client, calls, LIST, **_list_body())
        if page is not None and page.get("NextToken"):
            _call(client, calls, LIST_NEXT, **_list_body(page["NextToken"]))


def run_once(
    root: Path, jobs: int, parallel: int, clients: int, every: float, timeout: float
) -> Run:
    """The tuning job on a fresh server under `root`, with `clients` clients calling it, each
    a round every `every` seconds (0: flat out)."""
    output = root / "output"
    output.mkdir(parents=True)
    env = {"TRIMTAB_MAX_TRAINING_JOBS": str(parallel)}
    server = Served(root / "home", [SCRIPTS, output], env).start()
    assert server.process is not None
    run = Run(clients, every)
    wal = server.home / "trimtab.db-wal"
    try:
        watcher = server.client(max_pool_connections=1)
        loaders = [server.client(max_pool_connections=1) for _ in range(clients)]
        watcher.create_hyper_parameter_tuning_job(**tuning_request(jobs, parallel, output))
        stop = threading.Event()
        calls = [Calls() for _ in loaders]
        threads = [
            threading.Thread(target=hammer, args=(c, i, stop, calls[i], every), daemon=True)
            for i, c in enumerate(loaders)
        ]
        cpu = _cpu_seconds(server.process.pid), _own_cpu_seconds(), _machine_cpu_seconds()
        run.load_started = time.perf_counter()
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + timeout
        try:
            while (
                described := watcher.describe_hyper_parameter_tuning_job(
                    HyperParameterTuningJobName=JOB
                )
            )["HyperParameterTuningJobStatus"] not in ENDED:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the tuning job did not end in {timeout:.0f} s")
                run.wal_bytes = max(run.wal_bytes, _size(wal))
                time.sleep(0.5)
        finally:
            stop.set()
            for thread in threads:
                thread.join()
        run.load_seconds = time.perf_counter() - run.load_started
        run.server_cpu = _cpu_seconds(server.process.pid) - cpu[0]
        run.client_cpu = _own_cpu_seconds() - cpu[1]
        run.machine_cpu = _machine_cpu_seconds() - cpu[2]
        for one in calls:
            run.calls.add(one)
        run.status = described["HyperParameterTuningJobStatus"]
        run.wall = _seconds(described["HyperParameterTuningEndTime"]) - _seconds(
            described["CreationTime"]
        )
        summaries = _all_training_jobs(watcher)
        run.statuses = Counter(s["TrainingJobStatus"] for s in summaries)
        ends = sorted(_seconds(s["TrainingEndTime"]) for s in summaries if "TrainingEndTime" in s)
        starts = sorted(
            _seconds(s["TrainingStartTime"]) for s in summaries if "TrainingStartTime" in s
        )
        # with P slots, the job that started (k+P)-th took the slot that the k-th end freed
        run.gaps = [s - e for e, s in zip(ends, starts[parallel:], strict=False)]
        if clients:
            _idle_calls(watcher, run.idle)
    finally:
        server.clean_up()
    _scan_logs(server.home, run)
    return run


# -- the report --------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank percentile `q` (0-100) of `values`; NaN for none."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def _ms(seconds: float) -> str:
    return "-" if math.isnan(seconds) else f"{seconds * 1000:.0f} ms"


def _median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else math.nan


HEADER: Final = "\n".join(
    ["| operation | calls | failed | p50 | p95 | p99 | max |", "| --- |" + " --- |" * 6]
)


def _latency_row(label: str, values: Sequence[float], failed: int) -> str:
    cells = [_ms(percentile(values, q)) for q in (50, 95, 99)]
    worst = _ms(max(values)) if values else "-"
    return f"| {label} | {len(values)} | {failed} | {' | '.join(cells)} | {worst} |"


def _latency_table(calls: Calls) -> str:
    failed_by = Counter(message.split(":")[0] for message in calls.errors.elements())
    rows = [
        _latency_row(o, calls.latencies(o), failed_by[o])
        for o in OPERATIONS
        if calls.samples[o] or failed_by[o]
    ]
    rows.append(_latency_row("**all**", calls.latencies(), calls.failed))
    return "\n".join([HEADER, *rows])


def _share(run: Run) -> float:
    """How busy the machine's CPUs were, on average, while the run's load lasted (0-1)."""
    if not run.load_seconds:
        return math.nan
    return run.machine_cpu / (run.load_seconds * (os.cpu_count() or 1))


def _per_call(cpu_seconds: float, run: Run) -> float:
    return cpu_seconds / run.calls.answered if run.calls.answered else math.nan


def _label(run: Run) -> str:
    if not run.clients:
        return "without clients"
    pace = f"a round every {run.every:g} s each" if run.every else "flat out"
    return f"{run.clients} clients, {pace}"


@dataclass
class Outcome:
    jobs: int
    parallel: int
    clients: int
    paced: Run
    flat: Run
    quiet: Run

    @property
    def runs(self) -> tuple[Run, Run, Run]:
        return self.paced, self.flat, self.quiet

    @property
    def loads(self) -> tuple[Run, Run]:
        return self.paced, self.flat

    @property
    def failed(self) -> int:
        return sum(run.failed for run in self.runs)

    @property
    def locked(self) -> int:
        return sum(run.locked for run in self.runs)

    @property
    def completed(self) -> bool:
        return all(
            run.status == "Completed" and run.statuses["Completed"] == self.jobs
            for run in self.runs
        )

    def ok(self) -> bool:
        return self.failed == 0 and self.locked == 0 and self.completed


def _goal(run: Run) -> str:
    p95 = percentile(run.calls.latencies(), 95)
    met = "met" if p95 < GOAL_P95 else "**not met**"
    return f"{_label(run)}: {_ms(p95)}, {met}"


def _bound(outcome: Outcome) -> str:
    """Why flat-out clients queue whatever the server does: their own CPU per call, times how
    many wait at once, over the CPUs there are, is a floor under the mean latency."""
    flat = outcome.flat
    client = _per_call(flat.client_cpu, flat)
    cpus = os.cpu_count() or 1
    floor = client * outcome.clients / cpus
    queued = outcome.clients / flat.rate if flat.rate else math.nan
    verdict = (
        ", and p95 above it: no server could meet the goal flat out on this machine"
        if floor >= GOAL_P95
        else ""
    )
    return (
        f"Flat out, the calls queue: {outcome.clients} clients that each wait for their answer, "
        f"at {flat.rate:.0f} calls/s, spend {_ms(queued)} a call on average (Little's law). "
        f"boto3 alone spends {client * 1000:.1f} CPU-ms a call in the clients' process "
        "(signing, the connection, parsing the answer), so even a server that cost nothing "
        f"would leave a mean of at least {outcome.clients} x {client * 1000:.1f} ms / {cpus} "
        f"CPUs = {_ms(floor)} a call{verdict}. Paced, the same clients ask for "
        f"{outcome.paced.rate:.0f} calls/s."
    )


def _summary(outcome: Outcome) -> str:
    rows = [
        "| load | calls | calls/s | failed | p50 | p95 | p99 | max | server CPU-ms a call* |",
        "| --- |" + " --- |" * 8,
    ]
    for run in outcome.loads:
        values = run.calls.latencies()
        cells = [_ms(percentile(values, q)) for q in (50, 95, 99)]
        rows.append(
            f"| {_label(run)} | {run.calls.count} | {run.rate:.0f} | {run.calls.failed} | "
            f"{' | '.join(cells)} | {_ms(max(values) if values else math.nan)} | "
            f"{_per_call(run.server_cpu, run) * 1000:.1f} |"
        )
    return "\n".join(rows)


def _quarters(outcome: Outcome) -> str:
    rows = [
        "| quarter of the run | "
        + " | ".join(f"{_label(r)}: p50, p95" for r in outcome.loads)
        + " |",
        "| --- |" + " --- |" * len(outcome.loads),
    ]
    for k in range(4):
        cells = []
        for run in outcome.loads:
            q = run.quarter(k)
            cells.append(f"{_ms(percentile(q, 50))}, {_ms(percentile(q, 95))}")
        rows.append(f"| {k + 1} | {' | '.join(cells)} |")
    return "\n".join(rows)


def _progress(outcome: Outcome) -> str:
    quiet = outcome.quiet
    rows = [
        "| tuning job | wall time | vs without | exit → next launch, median | p95 | CPUs busy "
        "| training jobs |",
        "| --- |" + " --- |" * 6,
    ]
    for run in (quiet, *outcome.loads):
        done = ", ".join(f"{n} {s}" for s, n in sorted(run.statuses.items()))
        ratio = run.wall / quiet.wall if quiet.wall else math.nan
        rows.append(
            f"| {_label(run)} | {run.wall:.1f} s | {ratio:.2f}x | {_ms(_median(run.gaps))} | "
            f"{_ms(percentile(run.gaps, 95))} | {_share(run):.0%} | {done} (job {run.status}) |"
        )
    return "\n".join(rows)


def report(outcome: Outcome) -> str:
    paced, flat, quiet = outcome.runs
    lines = [
        _summary(outcome),
        "",
        "\\* the server process's CPU time while the clients ran, over their calls: its "
        "supervisor and the watcher's 2 calls/s included.",
        "",
        f"- Goal: p95 under {GOAL_P95 * 1000:.0f} ms over every call. {_goal(paced)}; "
        f"{_goal(flat)}.",
        f'- Failed calls: **{outcome.failed}**; "database is locked" in failed calls and in '
        f"the server's and the tuners' logs (all three runs): **{outcome.locked}**.",
        *([f"- {_bound(outcome)}"] if percentile(flat.calls.latencies(), 95) >= GOAL_P95 else []),
        "",
        "Per operation, paced:",
        "",
        _latency_table(paced.calls),
        "",
        "Per operation, flat out:",
        "",
        _latency_table(flat.calls),
        "",
        "Latency as the job grew (each load's duration in quarters; the job has ~"
        f"{outcome.jobs // 4} more training jobs each quarter, which Describe counts and List "
        "sorts):",
        "",
        _quarters(outcome),
        "",
        f"The same calls from one client once the job had ended (no other clients, no training "
        f"jobs; {IDLE_CALLS} rounds):",
        "",
        _latency_table(paced.idle),
        "",
        "The tuning job's own progress, without and with the clients (same seed, same "
        "settings, a fresh server each; CPUs busy: the whole machine, while the job ran):",
        "",
        _progress(outcome),
        "",
        "- The store's write-ahead log at its largest (looked at every 0.5 s): "
        + "; ".join(f"{_label(run)}, {run.wal_bytes / 1e6:.1f} MB" for run in outcome.runs)
        + ".",
    ]
    waits = ", so the job waits for every CPU-second the load takes" if _share(quiet) >= 0.8 else ""
    lines.append(
        f"- Without clients the job alone keeps the {os.cpu_count()} CPUs {_share(quiet):.0%} "
        f"busy (each training job is a new Python process){waits}. The load took "
        + "; ".join(
            f"{_label(run)}, {(run.server_cpu + run.client_cpu) / run.load_seconds:.2f} "
            "CPUs (server and clients)"
            for run in outcome.loads
        )
        + "."
    )
    errors = sum((run.calls.errors + run.idle.errors for run in outcome.runs), Counter[str]())
    if errors:
        lines.append("- Failed calls: " + "; ".join(f"{n}x {m}" for m, n in errors.most_common(5)))
    problems = [problem for run in outcome.runs for problem in run.log_problems]
    if problems:
        lines.append("- In the logs: " + "; ".join(problems[:5]))
    return "\n".join(lines)


def intro(outcome: Outcome) -> str:
    return (
        f"A real `trimtab serve` runs a Random tuning job of {outcome.jobs} training jobs "
        f"({outcome.parallel} at a time, `TRIMTAB_MAX_TRAINING_JOBS={outcome.parallel}`) over "
        f"tests/scripts/converge.py with one epoch, while {outcome.clients} threads, each with "
        "a boto3 client of its own (a kept-alive connection, retries off), call "
        "DescribeHyperParameterTuningJob and ListTrainingJobsForHyperParameterTuningJob "
        f"(MaxResults {PAGE}, sorted by FinalObjectiveMetricValue; one List in four then "
        "follows every NextToken), from the job's creation to its end: paced (each client a "
        f"round every {outcome.paced.every:g} s, as a dashboard or a waiter polls), then flat "
        "out (each client calls again as soon as it is answered). Latencies are boto3 calls as "
        "the clients see them: signing and parsing included, the clients in one Python process "
        "sharing the machine with the server, its tuner and the training jobs. Then the same "
        "job (same seed, same settings) runs on a fresh server without the clients, for its "
        "progress."
    )


def benchmark(argv: Sequence[str] | None, root: Path) -> Outcome:
    """Parse the command line, run the job paced, flat out and without clients under `root`,
    print the report and, unless --smoke, write it to docs/benchmarks.md."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--jobs", type=int, default=500)
    parser.add_argument("--parallel", type=int, default=4)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument(
        "--every", type=float, default=1.0, help="seconds between a paced client's rounds"
    )
    parser.add_argument(
        "--smoke", action="store_true", help=f"a tiny run ({SMOKE}); writes nothing"
    )
    args = parser.parse_args(argv)
    if args.every <= 0:
        parser.error(f"--every must be more than 0 seconds, but got {args.every}")
    size = SMOKE if args.smoke else {k: getattr(args, k) for k in SMOKE}
    jobs, parallel, clients = size["jobs"], size["parallel"], size["clients"]
    timeout = 60 + 5.0 * jobs
    paced = run_once(root / "paced", jobs, parallel, clients, args.every, timeout)
    flat = run_once(root / "flat", jobs, parallel, clients, 0.0, timeout)
    quiet = run_once(root / "quiet", jobs, parallel, 0, 0.0, timeout)
    outcome = Outcome(jobs, parallel, clients, paced, flat, quiet)
    body = report(outcome)
    print(body)
    if not args.smoke:
        command = (
            f"python -m benchmarks.api_load --jobs {jobs} --parallel {parallel} "
            f"--clients {clients} --every {args.every:g}"
        )
        write_section("api-load", "HTTP API under load", command, f"{intro(outcome)}\n\n{body}")
    return outcome


def main(argv: Sequence[str] | None = None) -> int:
    with tempfile.TemporaryDirectory(prefix="trimtab-load-") as folder:
        outcome = benchmark(argv, Path(folder))
    return 0 if outcome.ok() else 1


if __name__ == "__main__":
    raise SystemExit(main())
