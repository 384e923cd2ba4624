"""`trimtab serve` at start-up: what it refuses before it listens."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def serve(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "trimtab", "--home", str(home), "serve", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_listening_beyond_loopback_needs_keys_that_were_handed_out(tmp_path: Path) -> None:
    done = serve(tmp_path / "home", "--host", "0.0.0.0", "--port", "0")
    assert done.returncode == 1
    assert "ValidationException" in done.stderr and "'--host'" in done.stderr
    assert "TRIMTAB_ACCESS_KEY_ID" in done.stderr
    assert "serving" not in done.stdout


def test_credentials_half_given_are_refused(tmp_path: Path) -> None:
    done = serve(tmp_path / "home", "--port", "0", TRIMTAB_ACCESS_KEY_ID="TTAKONLYTHEKEY000000")
    assert done.returncode == 1
    assert "TRIMTAB_SECRET_ACCESS_KEY" in done.stderr
    assert "Traceback" not in done.stderr
