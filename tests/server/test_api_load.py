"""benchmarks/api_load.py in its smoke mode: a tiny tuning job on a real `trimtab serve`, run
once under a few hammering boto3 clients and once without, ends with every call answered."""

from __future__ import annotations

from pathlib import Path

import pytest
from benchmarks import api_load


@pytest.mark.slow
def test_smoke_run_answers_every_call(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    written: list[str] = []
    monkeypatch.setattr(api_load, "write_section", lambda name, *rest: written.append(name))

    outcome = api_load.benchmark(["--smoke"], tmp_path)

    runs = outcome.runs
    assert outcome.failed == 0, [run.calls.errors + run.idle.errors for run in runs]
    assert outcome.locked == 0, [run.log_problems for run in runs]
    assert outcome.completed, [run.statuses for run in runs]
    assert (outcome.jobs, outcome.clients) == (api_load.SMOKE["jobs"], api_load.SMOKE["clients"])
    assert (outcome.paced.every, outcome.flat.every) == (1.0, 0.0)
    for run in outcome.loads:
        for operation in (api_load.DESCRIBE, api_load.LIST):
            assert run.calls.samples[operation], operation  # the clients did call it
        assert run.idle.answered >= 2 * api_load.IDLE_CALLS
    # paced clients call at most a round a second each; flat out, many more
    assert outcome.paced.rate <= outcome.clients * 2 < outcome.flat.rate
    assert {len(run.gaps) for run in runs} == {outcome.jobs - outcome.parallel}
    assert outcome.ok()
    assert not written  # --smoke writes nothing
