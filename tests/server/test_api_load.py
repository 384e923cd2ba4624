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

    loaded, quiet = outcome.loaded, outcome.quiet
    assert outcome.failed == 0, loaded.calls.errors + loaded.idle.errors
    assert outcome.locked == 0, loaded.log_problems + quiet.log_problems
    assert outcome.completed, (loaded.statuses, quiet.statuses)
    assert (outcome.jobs, outcome.clients) == (api_load.SMOKE["jobs"], api_load.SMOKE["clients"])
    for operation in (api_load.DESCRIBE, api_load.LIST):
        assert loaded.calls.samples[operation], operation  # the clients did call it
    assert loaded.idle.answered >= 2 * api_load.IDLE_CALLS
    assert len(loaded.gaps) == len(quiet.gaps) == outcome.jobs - outcome.parallel
    assert outcome.ok()
    assert not written  # --smoke writes nothing
