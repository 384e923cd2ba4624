"""The SageMaker-compatible HTTP API (extra: server): `trimtab serve`.

boto3, the AWS CLI and the SageMaker SDK point their endpoint at it and work unchanged: the app
(`app`) speaks SageMaker's JSON protocol (`protocol`) with its operations (`sagemaker`) and
CloudWatch Logs' over the training jobs' logs (`logs`), checks every request's signature
(`sigv4`, against `credentials`), and the supervisor (`supervisor`) runs each tuning job in a
tuner process of its own. Starlette and uvicorn are imported only here.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import socket
import textwrap
from collections.abc import Sequence
from pathlib import Path

from trimtab import extras
from trimtab.errors import ValidationError
from trimtab.locations import Roots
from trimtab.server.credentials import load_credentials
from trimtab.server.supervisor import Supervisor
from trimtab.store import open_store

logger = logging.getLogger(__name__)


def default_roots() -> list[Path]:
    """What a request may name when `--allow-path` is not given: the user's home folder and
    the folder that stands for S3 (`TRIMTAB_S3_ROOT`)."""
    folders = [Path.home()]
    if os.environ.get("TRIMTAB_S3_ROOT"):
        folders.append(Path(os.environ["TRIMTAB_S3_ROOT"]))
    return folders


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def listen(host: str, port: int) -> socket.socket:
    """The server's listening socket, its connections set to send at once (TCP_NODELAY, which
    accepted sockets inherit). asyncio sets it only on sockets it made itself; without it, on a
    kept-alive connection (every boto3 call after the first) each answer's body waits ~40 ms
    for the client's delayed ACK of its headers."""
    listener = socket.create_server((host, port))
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return listener


def serve(
    home: Path,
    store_url: str | None = None,
    host: str = "127.0.0.1",
    port: int = 8080,
    allow_paths: Sequence[str | Path] = (),
) -> None:
    """Serve until interrupted (KeyboardInterrupt: Ctrl-C, and SIGTERM under `trimtab serve`);
    then put the running jobs aside."""
    try:
        import uvicorn

        from trimtab.server.app import create_app
        from trimtab.server.sagemaker import Context
    except ModuleNotFoundError as error:
        if not extras.lacks("server", error):
            raise
        raise extras.missing("server", "trimtab serve", error) from None
    credentials = load_credentials(home, os.environ)
    if credentials.created and not _loopback(host):
        raise ValidationError(
            f"Value '{host}' at '--host' failed to satisfy constraint: serving beyond this "
            "machine needs credentials you have handed out: set TRIMTAB_ACCESS_KEY_ID and "
            f"TRIMTAB_SECRET_ACCESS_KEY, or start once on 127.0.0.1 to create {home}/credentials"
        )
    roots = Roots.of(allow_paths or default_roots())
    store = open_store(url=store_url, home=home)
    listener = listen(host, port)
    bound = listener.getsockname()[1]
    supervisor = Supervisor(store, home, store_url)
    supervisor.start()
    app = create_app(Context(store, roots, supervisor.wake), credentials.as_mapping())
    print(_greeting(host, bound, credentials.access_key_id, credentials.secret_access_key, roots))
    print(flush=True)
    try:
        uvicorn.Server(uvicorn.Config(app, log_level="warning")).run(sockets=[listener])
    finally:
        supervisor.shutdown()
        store.close()


def _greeting(host: str, port: int, key_id: str, secret: str, roots: Roots) -> str:
    endpoint = f"http://{host}:{port}"
    folders = "\n".join(f"  {folder}" for folder in roots.folders)
    return textwrap.dedent(
        f"""\
        trimtab is serving the SageMaker API at {endpoint}
        Access key id: {key_id}
        Secret access key: {secret}
        Requests may name data, code and outputs under:
        {{folders}}

        export AWS_ENDPOINT_URL_SAGEMAKER={endpoint} AWS_ENDPOINT_URL_CLOUDWATCH_LOGS={endpoint}
        export AWS_ACCESS_KEY_ID={key_id} AWS_SECRET_ACCESS_KEY={secret}
        export AWS_DEFAULT_REGION=us-east-1

        import boto3
        sagemaker = boto3.client("sagemaker", endpoint_url="{endpoint}", region_name="us-east-1",
                                 aws_access_key_id="{key_id}", aws_secret_access_key="{secret}")
        print(sagemaker.list_hyper_parameter_tuning_jobs())"""
    ).replace("{folders}", folders)
