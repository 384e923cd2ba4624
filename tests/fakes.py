"""A scripted in-memory backend and a fake clock: the tuning loop without processes or sleeping."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trimtab import service
from trimtab.backends.base import RunSpec, RunState
from trimtab.job import Job, Settings
from trimtab.spec.enums import SecondaryStatus, TrainingJobStatus
from trimtab.store.base import Store
from trimtab.tuner import Clock, Tuner

COMPLETED = RunState(
    finished=True,
    status=TrainingJobStatus.COMPLETED,
    secondary_status=SecondaryStatus.COMPLETED,
    exit_code=0,
)


def loss_of(run: RunSpec) -> float:
    return (float(run.hyperparameters["x"]) - 0.3) ** 2 + (
        int(run.hyperparameters["y"]) - 2
    ) ** 2 / 10


@dataclass
class Script:
    """What one fake training job prints (one chunk per poll) and how it ends."""

    chunks: list[str]
    end: RunState = COMPLETED


@dataclass
class FakeBackend:
    plan: Callable[[RunSpec, int], Script] = lambda run, attempt: Script([f"loss={loss_of(run)}\n"])
    runs: dict[str, tuple[RunSpec, Script]] = field(default_factory=dict)
    launches: list[RunSpec] = field(default_factory=list)
    stopped: set[str] = field(default_factory=set)
    running: set[str] = field(default_factory=set)
    max_running: int = 0
    shut_down: bool = False

    def launch(self, run: RunSpec) -> str:
        attempt = sum(r.training_job_name == run.training_job_name for r in self.launches) + 1
        self.launches.append(run)
        handle = f"{run.training_job_name}#{attempt}"
        self.runs[handle] = (run, self.plan(run, attempt))
        self.running.add(handle)
        self.max_running = max(self.max_running, len(self.running))
        return handle

    def poll(self, handle: str) -> RunState:
        _, script = self.runs[handle]
        if handle in self.stopped:
            self.running.discard(handle)
            return RunState(
                finished=True,
                status=TrainingJobStatus.STOPPED,
                secondary_status=SecondaryStatus.STOPPED,
            )
        if script.chunks:
            return RunState(new_log=script.chunks.pop(0))
        self.running.discard(handle)
        return script.end

    def stop(self, handle: str) -> None:
        if handle in self.running:
            self.stopped.add(handle)

    def shutdown(self) -> None:
        self.shut_down = True


@dataclass
class FakeClock:
    t: float = 1_000_000.0
    on_sleep: Callable[[float], None] | None = None

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.t += seconds
        if self.on_sleep is not None:
            self.on_sleep(self.t)


def run(
    store: Store,
    request: dict[str, Any],
    backend: FakeBackend,
    clock: FakeClock | None = None,
    base: Path | None = None,
) -> Tuner:
    record = service.create_tuning_job(store, request, base or Path.cwd())
    clock = clock or FakeClock()
    tuner = Tuner(
        store,
        backend,
        Job.from_record(record),
        Settings(poll_interval=1.0),
        Clock(clock.now, clock.sleep),
    )
    tuner.run()
    return tuner
