"""Hammering a real `trimtab serve` with generated requests (`tests/server/fuzz.py`): it never
answers 5xx, never dies, and every refusal is a 4xx `{"__type", "Message"}` with a code boto3
knows; then the bugs that fuzzing found, each pinned by a test of its own."""

from __future__ import annotations

import json
import socket
import statistics
from pathlib import Path
from typing import Any

import pytest

from tests.jobs import make_request
from tests.server.fuzz import SERVED, check, fuzzer_for, hammer
from tests.server.shapes import problems
from trimtab.server import listen
from trimtab.testing.fuzz import (
    CONTENT_TYPE,
    KINDS,
    LOGS,
    SAGEMAKER,
    SIGNING_NAMES,
    UNSERVED,
    VALID_KINDS,
    Answer,
    Case,
    Connection,
    Fuzzer,
    Signer,
    encode,
    nested,
    service_model,
)
from trimtab.testing.serving import Served

GROUP = "/aws/sagemaker/TrainingJobs"
OFFLINE = Signer("http://127.0.0.1:9", "AKIDEXAMPLE", "secret")  # signs; nothing is sent


def send(server: Served, prefix: str, operation: str, body: bytes, **headers: str) -> Answer:
    """`body` as one signed call of `operation`, answered."""
    signer = Signer(server.endpoint, server.key_id, server.secret)
    given = {"X-Amz-Target": f"{prefix}.{operation}", "Content-Type": CONTENT_TYPE, **headers}
    signed = signer.sign(given, body, service=SIGNING_NAMES[prefix])
    case = Case("regression", prefix, operation, True, "POST", "/", signed, body)
    with Connection(server.endpoint) as connection:
        answer = connection.send(case)
    assert not check(case, answer), (check(case, answer), answer.body[:300])
    return answer


def code_of(answer: Answer) -> tuple[int, str]:
    body: dict[str, Any] = answer.json()
    return answer.status, body["__type"]


# -- the generator -------------------------------------------------------------------------


def test_valid_bodies_fit_their_operations_input_shapes() -> None:
    fuzzer = Fuzzer(0, OFFLINE, SERVED)
    targets = [(p, op) for p, ops in SERVED.items() for op in ops]
    targets += [(p, op) for p, ops in UNSERVED.items() for op in ops]
    for prefix, operation in targets:
        shape = service_model(prefix).operation_model(operation).input_shape
        for _ in range(20):
            body = fuzzer.body(prefix, operation)
            assert not problems(shape, body), (operation, problems(shape, body))
            assert json.loads(encode(body)) == body


def test_the_same_seed_draws_the_same_requests() -> None:
    def drawn(seed: int) -> list[tuple[str, str, str, bytes]]:
        fuzzer = Fuzzer(seed, OFFLINE, SERVED)
        return [(c.kind, c.target, c.variant, c.body) for c in fuzzer.cases(80)]

    first = drawn(3)
    assert first == drawn(3)
    assert first != drawn(4)
    assert [kind for kind, *_ in first[: len(KINDS)]] == list(KINDS)  # every kind, first


def _refuse(constant: str) -> None:
    raise ValueError(constant)


def test_mutated_bodies_are_what_they_say() -> None:
    fuzzer = Fuzzer(1, OFFLINE, SERVED)
    for kind in ("truncated", "trailing-garbage", "nan-literal"):
        for _ in range(5):
            with pytest.raises(ValueError):
                json.loads(fuzzer.case(kind).body, parse_constant=_refuse)
    for _ in range(5):
        with pytest.raises(UnicodeDecodeError):
            fuzzer.case("invalid-utf8").body.decode()
    assert len(fuzzer.case("big-body").body) > (4 << 20) - 100
    deep = fuzzer.case("deep-object")
    assert b'{"a":' * 100 in deep.body
    assert len(fuzzer.case("huge-string").body) > 100_000
    assert "Authorization" not in fuzzer.case("unsigned").headers


# -- the server under fuzzing ----------------------------------------------------------------


@pytest.mark.slow
def test_hundreds_of_generated_requests_get_well_formed_answers(
    server: Served, allowed: Path
) -> None:
    fuzzer, connection = fuzzer_for(server, 0, allowed)
    with connection:
        run = hammer(fuzzer, connection, 300)
    assert not run.failures, f"{len(run.failures)} bad answers:\n{run.report()}"
    assert set(run.kinds) == set(KINDS)
    accepted = sum(n for (kind, status), n in run.statuses.items() if status == 200)
    valid = sum(run.kinds[kind] for kind in VALID_KINDS)
    assert accepted >= valid // 4, run.statuses  # the valid ones get past the checks often
    assert server.process is not None and server.process.poll() is None
    listed = server.client().list_hyper_parameter_tuning_jobs()
    assert [s["HyperParameterTuningJobName"] for s in listed["HyperParameterTuningJobSummaries"]]


@pytest.mark.slow
def test_the_benchmark_smoke_mode_runs_and_writes_nothing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from benchmarks import api_fuzz
    from benchmarks.report import REPORT

    before = REPORT.read_text() if REPORT.exists() else None
    assert api_fuzz.main(["--smoke", "--seed", "5"]) == 0
    out = capsys.readouterr().out
    assert "| valid |" in out and "5xx answers: 0" in out
    assert (REPORT.read_text() if REPORT.exists() else None) == before


# -- what fuzzing found ----------------------------------------------------------------------


@pytest.mark.slow
def test_bodies_nested_too_deep_or_not_utf8_are_serialization_errors(server: Served) -> None:
    # 500 to 990 levels got past `json.loads` and overflowed the stack of the validation
    # messages (a 500); non-UTF-8 bytes were read as UTF-16 or surrogates (ValidationException).
    calls = [
        (SAGEMAKER, "DescribeHyperParameterTuningJob", "HyperParameterTuningJobName"),
        (LOGS, "DescribeLogStreams", "logStreamNamePrefix"),
    ]
    for depth in (65, 500, 900, 990, 5000):
        for kind in ("object", "list"):
            for prefix, operation, member in calls:
                for key in (member, "Unknown"):
                    body = encode({key: nested(depth - 1, kind)})
                    answer = send(server, prefix, operation, body)
                    assert code_of(answer) == (400, "SerializationException"), (depth, kind)
    at_limit = encode({"Unknown": nested(63, "object")})  # 64 levels: the shape refuses it
    answer = send(server, SAGEMAKER, "DescribeHyperParameterTuningJob", at_limit)
    assert code_of(answer) == (400, "ValidationException")
    for body in [
        b'{"\xed\xa0\x80HyperParameterTuningJobName": "x"}',  # a surrogate, UTF-8 encoded
        '{"HyperParameterTuningJobName": "x"}'.encode("utf-16"),
        b'{"HyperParameterTuningJobName": "\xff"}',
    ]:
        answer = send(server, SAGEMAKER, "DescribeHyperParameterTuningJob", body)
        assert code_of(answer) == (400, "SerializationException"), body
        assert "not UTF-8" in answer.json()["Message"]


@pytest.mark.slow
def test_made_up_log_tokens_are_refused_and_real_ones_read_on(
    server: Served, allowed: Path
) -> None:
    # An offset past what the OS seeks to was a 500 (OSError, ValueError from `seek`).
    fuzzer, connection = fuzzer_for(server, 0, allowed)
    connection.close()
    (stream,) = fuzzer.known["logStreamName"]
    where = {"logGroupName": GROUP, "logStreamName": stream}
    read = send(server, LOGS, "GetLogEvents", encode(where)).json()
    assert read["events"]
    (described,) = send(server, LOGS, "DescribeLogStreams", encode({"logGroupName": GROUP})).json()[
        "logStreams"
    ]
    size = described["storedBytes"]
    for token in [
        "f/9223372036854775807/0",
        "f/9223372036854775808/0",
        f"f/{size + 1}/0",
        "b/" + "9" * 5000 + "/0",
        "f/0/9223372036854775808",
    ]:
        answer = send(server, LOGS, "GetLogEvents", encode({**where, "nextToken": token}))
        assert code_of(answer) == (400, "InvalidParameterException"), token
    again = send(
        server, LOGS, "GetLogEvents", encode({**where, "nextToken": read["nextForwardToken"]})
    ).json()
    assert again["events"] == [] and again["nextForwardToken"] == read["nextForwardToken"]
    end = send(server, LOGS, "GetLogEvents", encode({**where, "nextToken": f"f/{size}/0"}))
    assert end.status == 200


@pytest.mark.slow
def test_every_method_but_post_gets_the_protocols_refusal(server: Served) -> None:
    # A method Starlette's route did not list (TRACE, one HTTP does not name) was a plain-text
    # 405, not JSON.
    with Connection(server.endpoint) as connection:
        for method in ("GET", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT", "FUZZ"):
            for path in ("/", "/elsewhere"):
                case = Case("regression", None, "", False, method, path, {"Host": "x"}, b"")
                answer = connection.send(case)
                assert code_of(answer) == (404, "UnknownOperationException"), (method, path)
                assert answer.headers["content-type"] == CONTENT_TYPE


def test_the_servers_connections_send_at_once() -> None:
    # Without TCP_NODELAY, each answer on a kept-alive connection waited ~40 ms for the client's
    # delayed ACK: 22 calls a second at most, every boto3 call after the first.
    with listen("127.0.0.1", 0) as listener, socket.create_connection(listener.getsockname()):
        accepted, _ = listener.accept()
        with accepted:
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)


@pytest.mark.slow
def test_kept_alive_calls_are_answered_without_a_delayed_ack_wait(server: Served) -> None:
    case = Case("regression", None, "", False, "GET", "/", {"Host": "x"}, b"")
    with Connection(server.endpoint) as connection:
        seconds = [connection.send(case).seconds for _ in range(30)]
    assert statistics.median(seconds) < 0.025, seconds


@pytest.mark.slow
def test_a_location_with_a_nul_or_a_glob_under_an_allowed_folder_is_refused(
    server: Served, allowed: Path
) -> None:
    for uri in [str(allowed / "data**"), str(allowed / "da\x00ta")]:
        body = make_request("odd-location", max_jobs=1)
        definition = body["TrainingJobDefinition"]
        definition["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3Uri"] = uri
        definition["OutputDataConfig"]["S3OutputPath"] = str(allowed / "output")
        answer = send(server, SAGEMAKER, "CreateHyperParameterTuningJob", encode(body))
        assert code_of(answer) == (400, "ValidationException"), uri
