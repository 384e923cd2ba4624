"""Fuzzing the HTTP API from the tests: generated requests against the `server` fixture.

The generator (valid and mutated bodies from botocore's input shapes, broken text, wrong
headers, bad signatures) and the rules every answer must meet live in `trimtab.testing.fuzz`,
which benchmarks/api_fuzz.py runs at scale too. The tests check one thing more: every 200 body
fits its operation's output shape in botocore's model (`shapes.problems`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.server.shapes import problems
from trimtab.server import logs, sagemaker
from trimtab.testing.fuzz import (
    LOGS,
    SAGEMAKER,
    Answer,
    Case,
    Connection,
    Fuzzer,
    Signer,
    judge,
    seed_job,
    service_model,
)
from trimtab.testing.serving import Served

SERVED = {SAGEMAKER: sorted(sagemaker.OPERATIONS), LOGS: sorted(logs.OPERATIONS)}


def check(case: Case, answer: Answer) -> list[str]:
    """`judge`, and for a 200 of a served operation, that its body fits the output shape."""
    found = judge(case, answer)
    if found or answer.status != 200 or not case.served or case.prefix is None:
        return found
    body: Any = answer.json()
    shape = service_model(case.prefix).operation_model(case.operation).output_shape
    if shape is None:
        return [] if body == {} else [f"{case.operation} has no output, answered {body}"]
    return problems(shape, body)


@dataclass
class Run:
    """What a run of cases met: how many of each kind, and each case an answer failed."""

    kinds: Counter[str] = field(default_factory=Counter)
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    failures: list[tuple[Case, Answer, list[str]]] = field(default_factory=list)

    def report(self, limit: int = 10) -> str:
        return "\n".join(
            f"{case.kind} {case.target[:80]} ({case.variant}): {found} {answer.body[:300]!r}"
            for case, answer, found in self.failures[:limit]
        )


def fuzzer_for(server: Served, seed: int, folder: Path) -> tuple[Fuzzer, Connection]:
    """A fuzzer for `server` whose strings may name the tiny job it has just run (under
    `folder`, one of the server's allowed folders), and a connection to send with."""
    signer = Signer(server.endpoint, server.key_id, server.secret)
    connection = Connection(server.endpoint)
    known = seed_job(signer, connection, folder)
    return Fuzzer(seed, signer, SERVED, known), connection


def hammer(fuzzer: Fuzzer, connection: Connection, count: int) -> Run:
    run = Run()
    for case in fuzzer.cases(count):
        answer = connection.send(case)
        run.kinds[case.kind] += 1
        run.statuses[case.kind, answer.status] += 1
        found = check(case, answer)
        if found:
            run.failures.append((case, answer, found))
    return run
