"""LocalBackend: every training job a process on this machine, under the container contract.

There are no threads: `poll` does the work. It enforces the deadlines (SIGTERM to the job's
process group at MaxRuntimeInSeconds or on `stop`, SIGKILL after the grace period), notices the
exit, packs the artifacts, and hands out the log written since the last poll, at most
`poll_bytes` at a time, so a job flooding its log can neither stall the tuner nor fill its memory.
A job is reported finished only once its whole log has been handed out.

Each job runs in its own session (`start_new_session=True`): a Ctrl-C in the terminal reaches
trimtab, which stops the jobs (`shutdown`), and a stop signal reaches every process the script
started. When the script's main process ends, what is left of its group is killed, as the end of
a container would.
"""

from __future__ import annotations

import codecs
import contextlib
import json
import logging
import os
import shlex
import signal
import subprocess
import tarfile
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Final

from trimtab.backends.base import RunSpec, RunState
from trimtab.backends.capacity import Capacity, Hold, release
from trimtab.backends.contract import (
    FAILURE_REASON_LIMIT,
    build_command,
    build_environment,
    merge_environment,
    pack_artifacts,
    prepare_tree,
    read_failure_reason,
)
from trimtab.backends.resources import assign_gpus, gpus_wanted, local_gpus
from trimtab.errors import ValidationError
from trimtab.opt_ml import MlPaths
from trimtab.spec.enums import SecondaryStatus, TrainingJobStatus

logger = logging.getLogger(__name__)

POLL_BYTES: Final = 1 << 20
_TAIL_BYTES: Final = 4096
_TAIL_LINES: Final = 8
_SHUTDOWN_TICK: Final = 0.02


@dataclass
class _Job:
    """What the backend knows of one launch (one attempt) of a training job."""

    run: RunSpec
    log_start: int  # where this attempt's output starts in the (shared) log file
    offset: int  # how far `poll` has handed the log out
    decoder: codecs.IncrementalDecoder
    deadline: float  # monotonic time of MaxRuntimeInSeconds
    paths: MlPaths | None = None
    proc: subprocess.Popen[bytes] | None = None
    gpus: tuple[str, ...] = ()
    marks: list[Hold] = field(default_factory=list)  # its GPUs, marked for other tuners
    stop_reason: SecondaryStatus | None = None  # set once SIGTERM was sent
    kill_at: float | None = None  # monotonic time of the SIGKILL
    outcome: RunState | None = None  # set once the process has ended and artifacts are packed


class LocalBackend:
    """Runs training jobs as local processes; see the module docstring.

    `gpus` overrides the GPU ids jobs may be given (default: detected, see `local_gpus`);
    `num_cpus` what `SM_NUM_CPUS` says (default: `os.cpu_count()`).

    Handles are JSON objects `{"job": <training job name>, "pid": <pid or null>, "launched":
    <ns>}`; the pid is also the job's process group id. A handle this backend did not launch
    (one from an earlier trimtab process) polls as a retryable failure, and `stop` kills its
    process group if that still runs the job.
    """

    def __init__(
        self,
        gpus: tuple[str, ...] | None = None,
        num_cpus: int | None = None,
        poll_bytes: int = POLL_BYTES,
        capacity: Capacity | None = None,
    ) -> None:
        self._gpus = local_gpus() if gpus is None else gpus
        self._capacity = capacity
        self._num_cpus = num_cpus or os.cpu_count() or 1
        self._poll_bytes = poll_bytes
        self._jobs: dict[str, _Job] = {}
        self._lock = threading.Lock()

    def launch(self, run: RunSpec) -> str:
        job = _Job(
            run=run,
            log_start=0,
            offset=0,
            decoder=codecs.getincrementaldecoder("utf-8")(errors="replace"),
            deadline=time.monotonic() + run.max_runtime_seconds,
        )
        with self._lock:
            try:
                self._start(job)
            except OSError as error:
                logger.warning("could not start training job %s: %s", run.training_job_name, error)
                job.outcome = RunState(
                    finished=True,
                    status=TrainingJobStatus.FAILED,
                    secondary_status=SecondaryStatus.FAILED,
                    failure_reason=f"InternalServerError: could not start the training job: "
                    f"{error}"[:FAILURE_REASON_LIMIT],
                    retryable=True,
                )
            pid = job.proc.pid if job.proc else None
            launched = time.time_ns()
            handle = json.dumps({"job": run.training_job_name, "pid": pid, "launched": launched})
            self._jobs[handle] = job
            return handle

    def _start(self, job: _Job) -> None:
        """Build the tree, then start the process with its output appended to the log."""
        run = job.run
        job.paths = paths = prepare_tree(run)
        command = build_command(run, paths)
        held = [j.gpus for j in self._jobs.values() if j.outcome is None]
        if self._capacity is not None and self._gpus:  # and those other tuners' jobs have
            held.append(tuple(self._capacity.busy_gpus(self._gpus)))
        job.gpus = assign_gpus(gpus_wanted(run.instance_type, len(self._gpus)), self._gpus, held)
        if self._capacity is not None:
            job.marks = self._capacity.mark_gpus(job.gpus)
        contract = build_environment(
            run, paths, gpus=job.gpus if self._gpus else None, num_cpus=self._num_cpus
        )
        env = merge_environment(os.environ, run, contract)
        log_path = Path(run.log_path)
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with log_path.open("ab") as log:
            stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            log.write(f"[trimtab] {stamp} starting {shlex.join(command)}\n".encode())
            log.flush()
            job.log_start = job.offset = log.tell()
            try:
                job.proc = subprocess.Popen(
                    command,
                    cwd=paths.code,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            except ValueError as error:  # a NUL in a value, a '=' in a hyperparameter name
                raise ValidationError(
                    f"Training job {run.training_job_name} cannot be started: its hyperparameters "
                    f"or Environment do not fit in a process environment ({error})"
                ) from None
        logger.info(
            "started training job %s (pid %d, GPUs %s)",
            run.training_job_name,
            job.proc.pid,
            ",".join(job.gpus) or "none",
        )

    def poll(self, handle: str) -> RunState:
        with self._lock:
            job = self._jobs.get(handle)
            if job is None:
                return _not_ours(handle)
            if job.outcome is None:
                self._advance(job)
            text, at_end = self._read_log(job)
            if job.outcome is not None and at_end:
                return replace(job.outcome, new_log=text)
            if job.stop_reason is not None:
                return RunState(
                    text,
                    status=TrainingJobStatus.STOPPING,
                    secondary_status=SecondaryStatus.STOPPING,
                )
            if job.outcome is not None:
                return RunState(text, secondary_status=SecondaryStatus.UPLOADING)
            return RunState(text)

    def stop(self, handle: str) -> None:
        with self._lock:
            job = self._jobs.get(handle)
            if job is None:
                _kill_orphan(handle)
            else:
                _terminate(job, SecondaryStatus.STOPPED)

    def shutdown(self) -> None:
        with self._lock:
            for job in self._jobs.values():
                _terminate(job, SecondaryStatus.STOPPED)
            while running := [j for j in self._jobs.values() if j.outcome is None]:
                for job in running:
                    self._advance(job)
                time.sleep(_SHUTDOWN_TICK)

    def _advance(self, job: _Job) -> None:
        """Enforce the deadlines; once the process has ended, record how and pack."""
        proc = job.proc
        if proc is None:
            return
        if job.stop_reason is None and time.monotonic() >= job.deadline:
            logger.info(
                "training job %s ran past MaxRuntimeInSeconds=%s: stopping it",
                job.run.training_job_name,
                job.run.max_runtime_seconds,
            )
            _terminate(job, SecondaryStatus.MAX_RUNTIME_EXCEEDED)
        if job.kill_at is not None and time.monotonic() >= job.kill_at:
            logger.info("training job %s outlived its grace: SIGKILL", job.run.training_job_name)
            _signal_group(proc.pid, signal.SIGKILL)
            job.kill_at = None
        if not _has_exited(proc.pid):
            return
        # Not yet reaped, so the group id cannot have been reused: end what is left of it.
        _signal_group(proc.pid, signal.SIGKILL)
        job.outcome = self._outcome(job, proc.wait())
        release(job.marks)
        logger.info(
            "training job %s ended %s (exit code %s)",
            job.run.training_job_name,
            job.outcome.status,
            job.outcome.exit_code,
        )

    def _outcome(self, job: _Job, code: int) -> RunState:
        assert job.paths is not None  # a started job has its tree
        if job.stop_reason is not None:
            state = RunState(
                finished=True,
                status=TrainingJobStatus.STOPPED,
                secondary_status=job.stop_reason,
                exit_code=code,
            )
        elif code == 0:
            state = RunState(
                finished=True,
                status=TrainingJobStatus.COMPLETED,
                secondary_status=SecondaryStatus.COMPLETED,
                exit_code=code,
            )
        else:
            state = RunState(
                finished=True,
                status=TrainingJobStatus.FAILED,
                secondary_status=SecondaryStatus.FAILED,
                failure_reason=read_failure_reason(job.paths) or self._exit_reason(job, code),
                retryable=code < 0,  # a signal nobody asked for (OOM killer, ...)
                exit_code=code,
            )
        try:
            pack_artifacts(job.run, job.paths)
        except (OSError, tarfile.TarError) as error:
            logger.warning("could not pack artifacts of %s: %s", job.run.training_job_name, error)
            if state.status is TrainingJobStatus.COMPLETED:
                reason = f"InternalServerError: could not save the model artifacts: {error}"
                return replace(
                    state,
                    status=TrainingJobStatus.FAILED,
                    secondary_status=SecondaryStatus.FAILED,
                    failure_reason=reason[:FAILURE_REASON_LIMIT],
                    retryable=True,
                )
        return state

    def _exit_reason(self, job: _Job, code: int) -> str:
        """`AlgorithmError: ...` naming the exit code or signal, then the end of the log."""
        if code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = str(-code)
            head = f"AlgorithmError: training script was killed by signal {name}"
        else:
            head = f"AlgorithmError: training script exited with code {code}"
        tail = _log_tail(Path(job.run.log_path), job.log_start)
        if not tail:
            return head
        room = FAILURE_REASON_LIMIT - len(head) - 2
        return f"{head}: {tail[-room:]}"

    def _read_log(self, job: _Job) -> tuple[str, bool]:
        """The next (at most `poll_bytes`) log bytes of this attempt, decoded; and whether that
        reached the end of the file."""
        if job.proc is None:  # never started: earlier attempts' output is not this one's
            return "", True
        try:
            with open(job.run.log_path, "rb") as log:
                log.seek(job.offset)
                data = log.read(self._poll_bytes)
                at_end = job.offset + len(data) >= os.fstat(log.fileno()).st_size
        except OSError:
            data, at_end = b"", True
        job.offset += len(data)
        return job.decoder.decode(data, final=at_end and job.outcome is not None), at_end


def _terminate(job: _Job, reason: SecondaryStatus) -> None:
    """SIGTERM the job's group once, and schedule the SIGKILL; no-op for an ended job."""
    if job.proc is None or job.outcome is not None or job.stop_reason is not None:
        return
    job.stop_reason = reason
    job.kill_at = time.monotonic() + job.run.stop_grace_seconds
    logger.info("stopping training job %s (%s)", job.run.training_job_name, reason)
    _signal_group(job.proc.pid, signal.SIGTERM)


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def _has_exited(pid: int) -> bool:
    """Whether our child `pid` has ended, without reaping it (WNOWAIT)."""
    try:
        return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:
        return True


def _log_tail(path: Path, start: int) -> str:
    """The last few non-blank lines of this attempt's log."""
    try:
        with path.open("rb") as log:
            size = os.fstat(log.fileno()).st_size
            log.seek(max(start, size - _TAIL_BYTES))
            data = log.read()
    except OSError:
        return ""
    lines = [line.rstrip() for line in data.decode("utf-8", errors="replace").splitlines()]
    return "\n".join([line for line in lines if line.strip()][-_TAIL_LINES:])


def _not_ours(handle: str) -> RunState:
    return RunState(
        finished=True,
        status=TrainingJobStatus.FAILED,
        secondary_status=SecondaryStatus.FAILED,
        failure_reason=(
            f"InternalServerError: training job handle {handle} was not launched by this trimtab "
            "process, so it cannot be followed"
        )[:FAILURE_REASON_LIMIT],
        retryable=True,
    )


def _kill_orphan(handle: str) -> None:
    """SIGKILL the process group behind a handle from an earlier trimtab process, if (and only
    if) its leader still runs that training job: a reused pid must never be signalled."""
    try:
        info = json.loads(handle)
        pid, name = int(info["pid"]), str(info["job"])
        with open(f"/proc/{pid}/environ", "rb") as environ:
            variables = environ.read().split(b"\0")
        ours = f"TRAINING_JOB_NAME={name}".encode() in variables and os.getpgid(pid) == pid
    except (ValueError, TypeError, LookupError, OSError):
        return
    if ours:
        logger.info("killing training job %s, left running by an earlier trimtab", name)
        _signal_group(pid, signal.SIGKILL)
