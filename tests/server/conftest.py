"""A real `trimtab serve` on 127.0.0.1 (an ephemeral port), and boto3 clients signed for it."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from tests.jobs import SCRIPTS

REGION = "us-east-1"


@dataclass
class Server:
    """One `trimtab serve` process; `stop` ends it as Ctrl-C would, `kill` as a crash would."""

    home: Path
    allowed: Path
    process: subprocess.Popen[bytes] | None = None
    log: Path | None = None
    endpoint: str = ""
    key_id: str = ""
    secret: str = ""

    def start(self, *extra: str) -> Server:
        env = {**os.environ, "TRIMTAB_HOME": str(self.home), "PYTHONUNBUFFERED": "1"}
        env["TRIMTAB_STOP_GRACE_SECONDS"] = "2"
        command = [sys.executable, "-m", "trimtab", "serve", "--port", "0"]
        command += ["--allow-path", str(self.allowed), *extra]
        self.endpoint = self.key_id = self.secret = ""
        self.home.mkdir(parents=True, exist_ok=True)
        self.log = self.home / f"serve-{len(list(self.home.glob('serve-*.log')))}.log"
        with self.log.open("w") as out:  # a file, not a pipe: nothing it writes can block it
            self.process = subprocess.Popen(
                command,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its tuners with it: the fixture ends them all
            )
        deadline = time.monotonic() + 30
        while not self.secret:
            text = self.log.read_text()
            assert self.process.poll() is None, text
            assert time.monotonic() < deadline, text
            if match := re.search(r"serving the SageMaker API at (\S+)", text):
                self.endpoint = match.group(1)
            key = re.search(r"^Access key id: (\S+)$", text, re.M)
            secret = re.search(r"^Secret access key: (\S+)$", text, re.M)
            if key and secret and self.endpoint:
                self.key_id, self.secret = key.group(1), secret.group(1)
            time.sleep(0.05)
        return self

    def client(self, service: str = "sagemaker", **config: Any) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=self.key_id,
            aws_secret_access_key=self.secret,
            config=Config(retries={"max_attempts": 1}, **config),
        )

    def stop(self, timeout: float = 60) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout)

    def kill(self) -> None:
        """The server dies at once (its tuners live on, as after a crash)."""
        assert self.process is not None
        self.process.kill()
        self.process.wait()

    def clean_up(self) -> None:
        """Stop the server if it runs, then anything of its process group that is left."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.stop()
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)


@pytest.fixture
def allowed(tmp_path: Path) -> Path:
    folder = tmp_path / "work"
    folder.mkdir()
    return folder


@pytest.fixture
def server(tmp_path: Path, allowed: Path) -> Iterator[Server]:
    running = Server(tmp_path / "home", allowed).start("--allow-path", str(SCRIPTS))
    yield running
    running.clean_up()


@pytest.fixture
def sagemaker(server: Server) -> Any:
    return server.client()


@pytest.fixture
def logs(server: Server) -> Any:
    return server.client("logs")
