"""The machine's share between tuners: slots any process can hold, freed with their holder."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.contracts.backend import SCRIPTS, wait
from tests.jobs import make_request
from trimtab import service
from trimtab.backends.base import Channel, RunSpec
from trimtab.backends.capacity import Capacity
from trimtab.backends.local import LocalBackend
from trimtab.settings import Settings
from trimtab.store.base import Store
from trimtab.testing import FakeBackend, FakeClock, Script
from trimtab.tuner import Clock


def test_slots_are_taken_up_to_the_cap_and_come_back_when_released(tmp_path: Path) -> None:
    capacity = Capacity(tmp_path, jobs=2)
    first, second = capacity.take(), capacity.take()
    assert first is not None and second is not None
    assert capacity.take() is None and capacity.free() == 0
    first.release()
    assert capacity.free() == 1
    first.release()  # twice is harmless


def test_a_slot_held_by_another_process_is_freed_when_that_process_dies(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from pathlib import Path\n"
            "from trimtab.backends.capacity import Capacity\n"
            f"hold = Capacity(Path({str(tmp_path)!r}), 2).take()\n"
            "print('held', flush=True)\n"
            "time.sleep(60)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        capacity = Capacity(tmp_path, jobs=2)
        assert capacity.free() == 1
        holder.kill()
        holder.wait()
        assert capacity.free() == 2
    finally:
        if holder.poll() is None:
            holder.kill()
        holder.wait()
        assert holder.stdout is not None
        holder.stdout.close()


def test_the_tuner_runs_no_more_than_the_machine_has_room_for(store: Store, tmp_path: Path) -> None:
    capacity = Capacity(tmp_path / "machine", jobs=2)
    elsewhere = capacity.take()  # another tuner's training job
    backend = FakeBackend(plan=lambda run, attempt: Script(["loss=1\n"] * 3))
    created = service.create_tuning_job(store, make_request(max_jobs=6, max_parallel=3), tmp_path)
    clock = FakeClock()
    tuner = service.make_tuner(
        store,
        created.name,
        backend,
        Settings(poll_interval=1.0),
        Clock(clock.now, clock.sleep),
        capacity=capacity,
    )
    record = tuner.run()
    assert str(record.status) == "Completed" and len(store.trials(created.name)) == 6
    assert backend.max_running == 1  # one slot of two was someone else's
    assert capacity.free() == 1  # every slot the tuner took is back
    assert elsewhere is not None
    elsewhere.release()


def test_gpus_another_tuner_uses_are_given_out_last(tmp_path: Path) -> None:
    capacity = Capacity(tmp_path / "machine", jobs=4)
    theirs = capacity.mark_gpus(["0"])
    backend = LocalBackend(gpus=("0", "1"), capacity=capacity)
    run = RunSpec(
        training_job_name="gpu-job",
        training_job_arn="arn:aws:sagemaker:us-east-1:000000000000:training-job/gpu-job",
        job_dir=str(tmp_path / "gpu-job"),
        log_path=str(tmp_path / "gpu-job" / "log.txt"),
        hyperparameters={"sagemaker_program": '"show_contract.py"'},
        training_image="pytorch-training:2.1",
        code_dir=str(SCRIPTS),
        channels=(Channel("train", str(SCRIPTS)),),
        instance_type="ml.g4dn.xlarge",
    )
    try:
        state, _, _ = wait(backend, backend.launch(run))
        assert str(state.status) == "Completed"
        contract = (Path(run.job_dir) / "ml" / "model" / "contract.json").read_text()
        assert '"CUDA_VISIBLE_DEVICES": "1"' in contract
        assert capacity.busy_gpus(["0", "1"]) == {"0"}  # its own mark went with it
    finally:
        backend.shutdown()
        for hold in theirs:
            hold.release()


def test_a_job_that_finds_the_machine_full_waits_for_room(store: Store, tmp_path: Path) -> None:
    capacity = Capacity(tmp_path / "machine", jobs=1)
    elsewhere = capacity.take()
    assert elsewhere is not None
    created = service.create_tuning_job(store, make_request(max_jobs=3), tmp_path)
    clock = FakeClock()
    waited = []

    def tick(now: float) -> None:
        waited.append(now)
        if len(waited) == 5:
            elsewhere.release()  # the other tuner's job ends

    clock.on_sleep = tick
    tuner = service.make_tuner(
        store,
        created.name,
        FakeBackend(),
        Settings(poll_interval=1.0),
        Clock(clock.now, clock.sleep),
        capacity=capacity,
    )
    assert str(tuner.run().status) == "Completed"
    assert len(store.trials(created.name)) == 3 and len(waited) >= 5
    assert min(t.creation_time for t in store.trials(created.name)) >= waited[4]
