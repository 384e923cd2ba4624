"""The HTTP API under fuzzing: does `trimtab serve` ever answer 5xx, die or hang?

Starts a real server on 127.0.0.1 (its home and allowed folder in a temporary directory), runs
one tiny tuning job on it so that generated names can reach a real job, training job and log
stream, then sends requests drawn by `trimtab.testing.fuzz` (seeded: valid bodies from
botocore's input shapes, mutated members, broken JSON text, wrong headers, paths and sizes, bad
signatures; one of each kind first, then by weight) over one kept-alive connection, and judges
every answer as tests/server/test_fuzz.py does (less the output shapes, which the tests check).
Reports each kind's answers, the status and error codes seen, the 5xx answers, crashes (the
server process gone: it is started afresh so that the run goes on), hangs (no answer in 30 s),
and requests per second.

Usage: python -m benchmarks.api_fuzz [--requests 10000] [--seed 0] [--smoke]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.report import write_section
from trimtab.server import logs, sagemaker
from trimtab.testing.fuzz import (
    GROUPS,
    KINDS,
    LOGS,
    SAGEMAKER,
    UNSERVED,
    Connection,
    Fuzzer,
    Signer,
    error_code,
    judge,
    seed_job,
)
from trimtab.testing.serving import Served

SERVED = {SAGEMAKER: sorted(sagemaker.OPERATIONS), LOGS: sorted(logs.OPERATIONS)}
SMOKE_REQUESTS = 40
TIMEOUT = 30.0  # seconds without an answer: a hang


@dataclass
class Tally:
    """What the requests met."""

    kinds: Counter[str] = field(default_factory=Counter)
    answers: Counter[tuple[str, str]] = field(default_factory=Counter)  # (kind, class)
    statuses: Counter[int] = field(default_factory=Counter)
    codes: Counter[str] = field(default_factory=Counter)
    problems: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    crashes: int = 0
    hangs: int = 0
    sent_bytes: int = 0
    seconds: float = 0.0
    still_answering: bool = False

    @property
    def requests(self) -> int:
        return sum(self.kinds.values())

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)

    @property
    def broken(self) -> int:
        return sum(self.problems.values())

    def ok(self) -> bool:
        return not (self.server_errors or self.crashes or self.hangs or self.broken) and (
            self.still_answering
        )


def _answer_class(status: int) -> str:
    if status == 0:
        return "none"
    return "200" if status == 200 else f"{status // 100}xx"


class _Target:
    """The server being hammered, started afresh (and seeded again) if it dies."""

    server: Served
    signer: Signer
    connection: Connection
    known: dict[str, list[str]]

    def __init__(self, root: Path) -> None:
        self.root, self.starts = root, 0
        self.work = root / "work"
        self.work.mkdir()
        self.start()

    def start(self) -> None:
        self.starts += 1
        home = self.root / f"home-{self.starts}"
        server = Served(home, [self.work]).start()
        self.server = server
        self.signer = Signer(server.endpoint, server.key_id, server.secret)
        self.connection = Connection(server.endpoint, timeout=TIMEOUT)
        folder = self.work / f"seed-{self.starts}"
        self.known = seed_job(self.signer, self.connection, folder)

    def stop(self) -> None:
        self.connection.close()
        self.server.clean_up()


def hammer(requests: int, seed: int, root: Path) -> Tally:
    tally = Tally()
    target = _Target(root)
    fuzzer = Fuzzer(seed, target.signer, SERVED, target.known)
    try:
        started = time.perf_counter()
        for case in fuzzer.cases(requests):
            answer = target.connection.send(case)
            tally.kinds[case.kind] += 1
            tally.answers[case.kind, _answer_class(answer.status)] += 1
            tally.sent_bytes += len(case.body)
            tally.latencies.append(answer.seconds)
            if answer.status:
                tally.statuses[answer.status] += 1
            code = error_code(answer)
            if code is not None:
                tally.codes[code] += 1
            found = judge(case, answer)
            for problem in found:
                tally.problems[f"{case.kind}: {problem[:100]}"] += 1
            if found and len(tally.examples) < 10:
                tally.examples.append(f"{case.kind} {case.target[:60]} ({case.variant}): {found}")
            if answer.failure is not None:
                if "in time" in answer.failure:
                    tally.hangs += 1
                if not target.server.alive():
                    tally.crashes += 1
                    target.stop()
                    target.start()
                    fuzzer.signer, fuzzer.known = target.signer, target.known
        tally.seconds = time.perf_counter() - started
        last = target.connection.send(
            target.signer.call(SAGEMAKER, "ListHyperParameterTuningJobs", {})
        )
        tally.still_answering = last.status == 200 and target.server.alive()
    finally:
        target.stop()
    return tally


def _counts(counter: Counter[int] | Counter[str]) -> str:
    return ", ".join(f"{key}: {n}" for key, n in sorted(counter.items(), key=lambda kv: -kv[1]))


def report(tally: Tally, seed: int) -> str:
    header = (
        "| kind | group | requests | 200 | 4xx | 5xx | no answer | broke the rules |\n"
        "| --- | --- | --- | --- | --- | --- | --- | --- |"
    )
    rows = [header]
    broke = Counter(problem.split(":")[0] for problem in tally.problems.elements())
    groups = list(dict.fromkeys(GROUPS.values()))
    for kind in sorted(KINDS, key=lambda k: groups.index(GROUPS[k])):  # stable: KINDS' order
        cells = [str(tally.answers[kind, c]) for c in ("200", "4xx", "5xx", "none")]
        rows.append(
            f"| {kind} | {GROUPS[kind]} | {tally.kinds[kind]} | {' | '.join(cells)} "
            f"| {broke[kind]} |"
        )
    total = [str(sum(n for (_, c), n in tally.answers.items() if c == k)) for k in
             ("200", "4xx", "5xx", "none")]  # fmt: skip
    rows.append(f"| **all** | | {tally.requests} | {' | '.join(total)} | {tally.broken} |")
    latencies = sorted(tally.latencies)
    p99 = latencies[int(len(latencies) * 0.99) - 1] if latencies else 0.0
    rate = tally.requests / tally.seconds if tally.seconds else 0.0
    lines = [
        "\n".join(rows),
        "",
        f"- {tally.requests} requests (seed {seed}, {tally.sent_bytes / 1e6:.0f} MB of bodies) "
        f"in {tally.seconds:.1f} s: **{rate:.0f} requests/s** over one kept-alive connection, "
        "the client drawing and signing each on the same machine; answer time median "
        f"{statistics.median(latencies or [0]) * 1000:.1f} ms, p99 {p99 * 1000:.0f} ms.",
        f"- 5xx answers: {tally.server_errors}; server crashes: {tally.crashes}; hangs (no "
        f"answer in {TIMEOUT:.0f} s): {tally.hangs}; answers that broke the rules: "
        f"{tally.broken}; a valid call answered at the end: "
        f"{'yes' if tally.still_answering else 'NO'}.",
        f"- Status codes: {_counts(tally.statuses)}.",
        f"- Error codes: {_counts(tally.codes)}.",
    ]
    if tally.examples:
        lines.append("- First bad answers: " + "; ".join(tally.examples))
    return "\n".join(lines)


INTRO = (
    "Requests drawn by `trimtab.testing.fuzz` from botocore's own input shapes for the "
    f"{sum(map(len, SERVED.values()))} operations trimtab serves (and "
    f"{sum(map(len, UNSERVED.values()))} it does not), signed with SigV4 as boto3 signs them, "
    "sent to a real `trimtab serve` that has run one tiny tuning job (so that names reach a "
    "real job, training job and log stream). A *valid* body fits its shape (types, enums, "
    "lengths, simple patterns, ranges); the other kinds break one thing each. The rules: no "
    "5xx (botocore retries those), no crash or hang, every answer JSON, every refusal a 4xx "
    '`{"__type", "Message"}` with a code of the service\'s model or of the protocol, the '
    "expected one where a kind has one (e.g. `SerializationException` for broken JSON). "
    "What trimtab refuses in a valid body (names of nothing, every "
    "CreateHyperParameterTuningJob: no local paths) counts as a 4xx, as on SageMaker; a 200 "
    "to a mutated one is allowed where the mutation is one the model permits (a null member "
    "is an omitted one; timestamps and some counts have no upper bound)."
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--smoke", action="store_true", help=f"{SMOKE_REQUESTS} requests; writes nothing"
    )
    args = parser.parse_args(argv)
    requests = SMOKE_REQUESTS if args.smoke else args.requests
    with tempfile.TemporaryDirectory(prefix="trimtab-fuzz-") as folder:
        tally = hammer(requests, args.seed, Path(folder))
    body = report(tally, args.seed)
    print(body)
    if not args.smoke:
        command = f"python -m benchmarks.api_fuzz --requests {requests} --seed {args.seed}"
        write_section("api-fuzz", "HTTP API under fuzzing", command, f"{INTRO}\n\n{body}")
    return 0 if tally.ok() else 1


if __name__ == "__main__":
    raise SystemExit(main())
