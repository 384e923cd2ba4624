"""LocalBackend with real processes running the fixture scripts in tests/scripts/."""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.contracts.backend import BackendContract, MakeRun, wait, wait_for_text
from trimtab.backends.local import LocalBackend
from trimtab.backends.resources import assign_gpus, gpus_wanted, local_gpus
from trimtab.spec.enums import TrainingJobStatus


def pid_of(handle: str) -> int:
    pid = json.loads(handle)["pid"]
    assert isinstance(pid, int)
    return pid


class TestLocalBackend(BackendContract):
    """The contract, and what only a backend of local processes does."""

    @pytest.fixture
    def backend(self) -> Iterator[LocalBackend]:
        local = LocalBackend(gpus=())
        yield local
        local.shutdown()

    def test_a_signal_nobody_asked_for_is_a_retryable_failure(
        self, backend: LocalBackend, make_run: MakeRun
    ) -> None:
        handle = backend.launch(make_run("hang.py"))
        wait_for_text(backend, handle, "loss=1.0")
        os.killpg(pid_of(handle), signal.SIGKILL)  # as the OOM killer would
        state, _, _ = wait(backend, handle)
        assert (state.status, state.retryable, state.exit_code) == ("Failed", True, -signal.SIGKILL)
        assert (state.failure_reason or "").startswith(
            "AlgorithmError: training script was killed by signal SIGKILL"
        )

    def test_handles_from_another_process_poll_as_retryable_failures(
        self, backend: LocalBackend
    ) -> None:
        handle = json.dumps({"job": "old-job", "pid": os.getpid(), "launched": 0})
        backend.stop(handle)  # not a process running that job: left alone
        state = backend.poll(handle)
        assert (state.finished, state.status, state.retryable) == (True, "Failed", True)

    def test_stop_kills_a_job_left_running_by_an_earlier_backend(
        self, backend: LocalBackend, make_run: MakeRun
    ) -> None:
        handle = backend.launch(make_run("hang.py"))
        wait_for_text(backend, handle, "loss=1.0")
        LocalBackend(gpus=()).stop(handle)  # e.g. a restarted tuner reconciling its trials
        state, _, _ = wait(backend, handle)
        assert (state.status, state.exit_code) == ("Failed", -signal.SIGKILL)

    def test_a_noisy_log_is_decoded_leniently(self, make_run: MakeRun) -> None:
        backend = LocalBackend(gpus=(), poll_bytes=1001)  # odd pieces split multibyte characters
        run = make_run("noisy.py")
        state, log, largest = wait(backend, backend.launch(run))
        assert state.status is TrainingJobStatus.COMPLETED
        assert largest <= 1001
        written = Path(run.log_path).read_bytes().split(b"\n", 1)[1]  # after the header line
        assert log == written.decode("utf-8", errors="replace")
        assert "\ufffd" in log
        assert "split char: \u00e9 done" in log  # written in two pieces
        assert "col1\tcol2" in log and "warning: something on stderr" in log
        assert log.splitlines()[-1] == "epoch=1 loss=0.25"

    def test_a_flooded_log_arrives_in_capped_pieces(
        self, backend: LocalBackend, make_run: MakeRun
    ) -> None:
        state, log, largest = wait(backend, backend.launch(make_run("flood.py")), timeout=30)
        assert state.status is TrainingJobStatus.COMPLETED
        assert largest <= 1 << 20
        assert len(log) == 500_000 * 100 + len("epoch=1 loss=0.125\n")
        assert log.endswith("line 499999 " + "x" * 87 + "\nepoch=1 loss=0.125\n")

    def test_gpus_are_given_out_per_instance_type(self, make_run: MakeRun, tmp_path: Path) -> None:
        backend = LocalBackend(gpus=("0", "1"))
        try:
            hang = backend.launch(make_run("hang.py", instance_type="ml.p3.2xlarge"))
            runs = [
                make_run("show_contract.py", instance_type="ml.g4dn.xlarge"),
                make_run("show_contract.py", instance_type="ml.m5.large"),
            ]
            for run in runs:
                wait(backend, backend.launch(run))
            seen = [
                json.loads((Path(r.job_dir) / "ml" / "model" / "contract.json").read_text())["env"]
                for r in runs
            ]
            assert [(e["CUDA_VISIBLE_DEVICES"], e["SM_NUM_GPUS"]) for e in seen] == [
                ("1", "1"),
                ("", "0"),
            ]
            backend.stop(hang)
            wait(backend, hang)
        finally:
            backend.shutdown()


# --- resources: instance types to GPUs


def test_gpu_assignment_prefers_free_then_least_loaded() -> None:
    gpus = ("0", "1", "2")
    assert assign_gpus(1, gpus, [("0",)]) == ("1",)
    assert assign_gpus(2, gpus, [("1",)]) == ("0", "2")
    assert assign_gpus(2, gpus, [("0", "1", "2"), ("0",), ("2",)]) == ("0", "1")
    assert assign_gpus(8, gpus, []) == gpus
    assert assign_gpus(0, gpus, []) == ()
    assert assign_gpus(1, (), []) == ()


@pytest.mark.parametrize(
    ("instance_type", "wanted"),
    [
        ("ml.p3.2xlarge", 1),
        ("ml.p3.16xlarge", 8),
        ("ml.p4d.24xlarge", 8),
        ("ml.g5.12xlarge", 4),
        ("ml.g4dn.12xlarge", 4),
        ("ml.g6.xlarge", 1),
        ("ml.m5.xlarge", 0),
        ("local_gpu", 3),
    ],
)
def test_instance_types_map_to_gpu_counts(instance_type: str, wanted: int) -> None:
    assert gpus_wanted(instance_type, local_gpus=3) == wanted


def test_local_gpus_come_from_nvidia_smi_and_cuda_visible_devices(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    smi = tmp_path / "nvidia-smi"
    smi.write_text("#!/bin/sh\necho 'GPU 0: A (UUID: x)'\necho 'GPU 1: B (UUID: y)'\n")
    smi.chmod(0o755)
    local_gpus.cache_clear()
    try:
        monkeypatch.setenv("PATH", str(tmp_path / "empty"))
        assert local_gpus() == ()
        local_gpus.cache_clear()
        monkeypatch.setenv("PATH", str(tmp_path))
        monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
        assert local_gpus() == ("0", "1")
        local_gpus.cache_clear()
        monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "1")
        assert local_gpus() == ("1",)
    finally:
        local_gpus.cache_clear()
