"""A real `trimtab serve` in a process of its own, as the tests and the benchmarks start it, and
boto3 clients signed for it.

It listens on an ephemeral port of 127.0.0.1, its home and the folders requests may name are
the caller's, and its output goes to a file (`log`): a pipe nobody reads could fill and block
it. It runs in a session of its own, so that `clean_up` ends its tuners with it.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

REGION: Final = "us-east-1"


def as_in_the_background() -> None:
    """A `preexec_fn` that starts a process with SIGINT ignored, as a non-interactive shell
    starts a background command (`cmd &`) and so, maybe, the test suite itself: trimtab must
    answer Ctrl-C and `kill -INT` all the same, whatever it inherits."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@dataclass
class Served:
    home: Path
    allowed: Sequence[Path]
    env: Mapping[str, str] = field(default_factory=dict)  # over os.environ and the defaults
    process: subprocess.Popen[bytes] | None = None
    log: Path | None = None
    endpoint: str = ""
    key_id: str = ""
    secret: str = field(default="", repr=False)

    def start(self, timeout: float = 60) -> Served:
        """Start it (again, after `stop` or `kill`: the same home, a new port and log)."""
        env = {**os.environ, "TRIMTAB_HOME": str(self.home), "PYTHONUNBUFFERED": "1"}
        env["TRIMTAB_STOP_GRACE_SECONDS"] = "2"
        env.pop("TRIMTAB_S3_ROOT", None)
        env.update(self.env)
        command = [sys.executable, "-m", "trimtab", "serve", "--port", "0"]
        for folder in self.allowed:
            command += ["--allow-path", str(folder)]
        self.home.mkdir(parents=True, exist_ok=True)
        self.log = self.home / f"serve-{len(list(self.home.glob('serve-*.log')))}.log"
        self.endpoint = self.key_id = self.secret = ""
        with self.log.open("w") as out:
            self.process = subprocess.Popen(
                command,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=as_in_the_background,
            )
        deadline = time.monotonic() + timeout
        while not self.secret:
            text = self.log.read_text()
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.clean_up()
                raise RuntimeError(f"trimtab serve did not start:\n{text}")
            endpoint = re.search(r"serving the SageMaker API at (\S+)", text)
            key = re.search(r"^Access key id: (\S+)$", text, re.M)
            secret = re.search(r"^Secret access key: (\S+)$", text, re.M)
            if endpoint and key and secret:
                self.endpoint, self.key_id = endpoint.group(1), key.group(1)
                self.secret = secret.group(1)
            time.sleep(0.05)
        return self

    def client(self, service: str = "sagemaker", **config: Any) -> Any:
        """A boto3 client of its own session (boto3's default one is not safe to share between
        threads), without retries, so that every failure is seen."""
        import boto3
        from botocore.config import Config

        return boto3.session.Session().client(
            service,
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=self.key_id,
            aws_secret_access_key=self.secret,
            config=Config(retries={"max_attempts": 1}, **config),
        )

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 60, how: signal.Signals = signal.SIGINT) -> int:
        """End it as Ctrl-C (or `how`: SIGTERM, as a service manager) would, its jobs put
        aside; its exit code."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(how)
        return self.process.wait(timeout)

    def kill(self) -> None:
        """It dies at once (its tuners live on, as after a crash of the server alone)."""
        assert self.process is not None
        self.process.kill()
        self.process.wait()

    def clean_up(self) -> None:
        """Stop it if it runs, then end whatever is left of its process group."""
        if self.process is None:
            return
        with contextlib.suppress(subprocess.TimeoutExpired):
            if self.process.poll() is None:
                self.stop(30)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(5)
