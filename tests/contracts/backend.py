"""The backend contract (`trimtab.backends.base`), written once for every backend.

A backend passes it by subclassing `BackendContract` in a test module with a `backend` fixture
(a fresh backend, shut down afterwards) that runs the training scripts in tests/scripts/ under
the training-container contract; tests/backends/test_local.py does so for `LocalBackend`.
"""

from __future__ import annotations

import json
import signal
import tarfile
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from trimtab.backends.base import Backend, Channel, RunSpec, RunState
from trimtab.errors import ValidationError
from trimtab.spec.enums import TrainingJobStatus

SCRIPTS = Path(__file__).parent.parent / "scripts"
MakeRun = Callable[..., RunSpec]


def wait(backend: Backend, handle: str, timeout: float = 10.0) -> tuple[RunState, str, int]:
    """Poll until finished: the final state, the whole log, the largest single `new_log`."""
    log, largest = [], 0
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = backend.poll(handle)
        log.append(state.new_log)
        largest = max(largest, len(state.new_log))
        if state.finished:
            return state, "".join(log), largest
        if not state.new_log:
            time.sleep(0.01)
    raise AssertionError(
        f"{handle} did not finish in {timeout} s; log so far: {''.join(log)[-500:]}"
    )


def wait_for_text(backend: Backend, handle: str, text: str, timeout: float = 10.0) -> None:
    log = ""
    deadline = time.monotonic() + timeout
    while text not in log:
        assert time.monotonic() < deadline, f"{text!r} not in log: {log[-500:]}"
        log += backend.poll(handle).new_log
        time.sleep(0.01)


class BackendContract:
    """Every promise of `trimtab.backends.base.Backend`; subclass it with a `backend` fixture."""

    @pytest.fixture
    def make_run(self, tmp_path: Path) -> MakeRun:
        """A RunSpec for one of the fixture scripts; hyperparameters are given as strings."""
        data = tmp_path / "data" / "nested"
        data.mkdir(parents=True)
        (data / "rows.csv").write_text("1,2\n")
        counter = iter(range(1, 1000))

        def make(
            program: str, hyperparameters: dict[str, str] | None = None, **changes: object
        ) -> RunSpec:
            name = f"job-{next(counter):03d}"
            fields: dict[str, object] = {
                "training_job_name": name,
                "training_job_arn": f"arn:aws:sagemaker:us-east-1:123456789012:training-job/{name}",
                "job_dir": str(tmp_path / name),
                "log_path": str(tmp_path / name / "log.txt"),
                "hyperparameters": {
                    "sagemaker_program": json.dumps(program),
                    "_tuning_objective_metric": "loss",
                    **(hyperparameters or {}),
                },
                "training_image": "pytorch-training:2.1",
                "code_dir": str(SCRIPTS),
                "channels": (Channel("train", str(tmp_path / "data")),),
                "output_path": str(tmp_path / "out"),
                "stop_grace_seconds": 1.0,
            }
            fields.update(changes)
            return RunSpec(**fields)  # type: ignore[arg-type]

        return make

    def test_a_converging_job_completes_and_its_model_is_packed(
        self, backend: Backend, make_run: MakeRun, tmp_path: Path
    ) -> None:
        run = make_run("converge.py", {"x": "0.5", "y": "3", "epochs": "3"})
        state, log, _ = wait(backend, backend.launch(run))
        assert (state.status, state.secondary_status) == ("Completed", "Completed")
        assert (state.exit_code, state.failure_reason, state.retryable) == (0, None, False)
        assert "train channel" in log and "1 files" in log
        assert log.splitlines()[-1] == f"epoch=3 loss={(0.5 - 0.3) ** 2 + 1 / 10}"
        assert Path(run.log_path).read_text().startswith("[trimtab] ")
        with tarfile.open(
            tmp_path / "out" / run.training_job_name / "output" / "model.tar.gz"
        ) as tar:
            assert tar.getnames() == ["model.json"]
            model = tar.extractfile("model.json")
            assert model is not None and json.load(model)["y"] == 3

    def test_a_failure_file_becomes_the_failure_reason(
        self, backend: Backend, make_run: MakeRun
    ) -> None:
        state, log, _ = wait(backend, backend.launch(make_run("crash.py")))
        assert (state.status, state.secondary_status, state.exit_code) == ("Failed", "Failed", 1)
        assert state.failure_reason == "ValueError: learning rate too high, loss diverged"
        assert not state.retryable
        assert log == "epoch=1 loss=2.0\n"

    def test_without_a_failure_file_the_reason_is_the_exit_code_and_the_log_tail(
        self, backend: Backend, make_run: MakeRun
    ) -> None:
        state, log, _ = wait(backend, backend.launch(make_run("crash_no_failure_file.py")))
        assert (state.status, state.exit_code, state.retryable) == ("Failed", 1, False)
        reason = state.failure_reason or ""
        assert reason.startswith("AlgorithmError: training script exited with code 1: ")
        assert reason.endswith("RuntimeError: boom: out of cheese")
        assert len(reason) <= 1024
        assert "Traceback (most recent call last)" in log

    @pytest.mark.parametrize(
        ("program", "last_line"),
        [
            ("no_metric.py", "training done, nothing to report"),
            ("nan_metric.py", "epoch=1 loss=nan"),
            ("run.sh", "epoch=1 loss=0.5"),
        ],
    )
    def test_scripts_without_a_usable_metric_still_complete(
        self, backend: Backend, make_run: MakeRun, program: str, last_line: str
    ) -> None:
        state, log, _ = wait(backend, backend.launch(make_run(program, {"epochs": "2"})))
        assert state.status is TrainingJobStatus.COMPLETED
        assert log.splitlines()[-1] == last_line

    def test_max_runtime_stops_the_job(self, backend: Backend, make_run: MakeRun) -> None:
        handle = backend.launch(make_run("hang.py", max_runtime_seconds=0.3))
        state, log, _ = wait(backend, handle)
        assert (state.status, state.secondary_status) == ("Stopped", "MaxRuntimeExceeded")
        assert (state.failure_reason, state.exit_code) == (None, -signal.SIGTERM)
        assert log == "epoch=1 loss=1.0\n"

    def test_stop_ends_the_job_stopped_and_is_idempotent(
        self, backend: Backend, make_run: MakeRun
    ) -> None:
        handle = backend.launch(make_run("hang.py"))
        wait_for_text(backend, handle, "loss=1.0")
        backend.stop(handle)
        backend.stop(handle)
        assert backend.poll(handle).status in (
            TrainingJobStatus.STOPPING,
            TrainingJobStatus.STOPPED,
        )
        state, _, _ = wait(backend, handle)
        assert (state.status, state.secondary_status) == ("Stopped", "Stopped")
        backend.stop(handle)  # a finished job: nothing happens
        again = backend.poll(handle)
        assert again.finished and again.status is TrainingJobStatus.STOPPED and again.new_log == ""

    def test_a_job_ignoring_sigterm_is_killed_after_the_grace(
        self, backend: Backend, make_run: MakeRun
    ) -> None:
        handle = backend.launch(make_run("ignore_sigterm.py", stop_grace_seconds=0.5))
        wait_for_text(backend, handle, "ready")
        started = time.monotonic()
        backend.stop(handle)
        state, log, _ = wait(backend, handle)
        assert time.monotonic() - started >= 0.5
        assert (state.status, state.secondary_status, state.exit_code) == (
            "Stopped",
            "Stopped",
            -signal.SIGKILL,
        )
        assert "ignoring SIGTERM" in log

    def test_a_launch_that_cannot_start_is_a_retryable_failure(
        self, backend: Backend, make_run: MakeRun
    ) -> None:
        run = make_run("converge.py", python="/no/such/python3")
        Path(run.job_dir).mkdir()
        Path(run.log_path).write_text("an earlier attempt: loss=9\n")
        handle = backend.launch(run)
        backend.stop(handle)
        state = backend.poll(handle)
        assert (state.finished, state.status, state.retryable) == (True, "Failed", True)
        assert state.new_log == ""
        assert "could not start the training job" in (state.failure_reason or "")

    def test_a_missing_channel_is_refused_before_anything_starts(
        self, backend: Backend, make_run: MakeRun, tmp_path: Path
    ) -> None:
        run = make_run("converge.py", channels=(Channel("train", str(tmp_path / "nope")),))
        with pytest.raises(ValidationError, match="channel 'train'"):
            backend.launch(run)
        assert not Path(run.log_path).exists()

    def test_a_hyperparameter_that_cannot_be_an_environment_variable_is_refused(
        self, backend: Backend, make_run: MakeRun
    ) -> None:
        with pytest.raises(ValidationError, match="do not fit in a process environment"):
            backend.launch(make_run("converge.py", {"a=b": "1"}))

    def test_shutdown_stops_every_running_job(self, backend: Backend, make_run: MakeRun) -> None:
        handles = [
            backend.launch(make_run("hang.py")),
            backend.launch(make_run("ignore_sigterm.py", stop_grace_seconds=0.2)),
        ]
        backend.shutdown()
        for handle in handles:
            assert backend.poll(handle).status is TrainingJobStatus.STOPPED

    def test_checkpoints_are_restored_then_synced_back(
        self, backend: Backend, make_run: MakeRun, tmp_path: Path
    ) -> None:
        store = tmp_path / "checkpoint-store"
        store.mkdir()
        (store / "step.txt").write_text("4")
        run = make_run("checkpoint.py", checkpoint_s3_uri=str(store))
        _, log, _ = wait(backend, backend.launch(run))
        assert log == "step=5 loss=0.2\n"
        assert (store / "step.txt").read_text() == "5"
        _, log, _ = wait(backend, backend.launch(run))  # a retry of the same job resumes
        assert log == f"step=6 loss={1 / 6}\n"

    def test_the_script_sees_the_contract(
        self, backend: Backend, make_run: MakeRun, tmp_path: Path
    ) -> None:
        run = make_run(
            "show_contract.py",
            {"epochs": "10", "lr": "1e-3", "optimizer": '"adam"', "flag": "true", "x": "0.5"},
            environment={"MY_SETTING": "on"},
            compress_model=False,
        )
        state, _, _ = wait(backend, backend.launch(run))
        assert state.status is TrainingJobStatus.COMPLETED
        model = tmp_path / "out" / run.training_job_name / "output" / "model"
        contract = json.loads((model / "contract.json").read_text())
        base = Path(run.job_dir) / "ml"
        assert (
            " ".join(contract["argv"])
            == "--epochs 10 --flag True --lr 0.001 --optimizer adam -x 0.5"
        )
        assert contract["cwd"] == str(base / "code")
        assert contract["channels"] == {"train": ["nested/rows.csv"]}
        env = contract["env"]
        assert env["SM_MODEL_DIR"] == str(base / "model")
        assert env["SM_HP_OPTIMIZER"] == "adam"
        assert env["TRAINING_JOB_NAME"] == run.training_job_name
        assert env["PYTHONUNBUFFERED"] == "1"
        assert "CUDA_VISIBLE_DEVICES" not in env  # this machine "has no GPU"

    def test_jobs_run_concurrently(self, backend: Backend, make_run: MakeRun) -> None:
        args = {"x": "0.3", "y": "2", "epochs": "2", "sleep": "0.4"}
        started = time.monotonic()
        handles = [backend.launch(make_run("converge.py", args)) for _ in range(3)]
        states = [wait(backend, h)[0] for h in handles]
        assert all(s.status is TrainingJobStatus.COMPLETED for s in states)
        assert time.monotonic() - started < 3 * 0.8  # less than one after the other
