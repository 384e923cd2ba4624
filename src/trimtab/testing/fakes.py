"""A scripted backend and a fake clock: the tuning loop without processes or sleeping."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from trimtab.backends.base import RunSpec, RunState
from trimtab.spec.enums import SecondaryStatus, TrainingJobStatus

COMPLETED = RunState(
    finished=True,
    status=TrainingJobStatus.COMPLETED,
    secondary_status=SecondaryStatus.COMPLETED,
    exit_code=0,
)
STOPPED = RunState(
    finished=True, status=TrainingJobStatus.STOPPED, secondary_status=SecondaryStatus.STOPPED
)


@dataclass
class Script:
    """What one fake training job prints, one chunk per poll, and how it ends. The chunks may
    come from a generator, which then runs as the job is polled (a job that trains as it goes)."""

    chunks: Iterable[str]
    end: RunState = COMPLETED


def quadratic(run: RunSpec) -> float:
    """A loss over the `x` (continuous) and `y` (integer) hyperparameters, best at (0.3, 2)."""
    x, y = float(run.hyperparameters["x"]), int(run.hyperparameters["y"])
    return (x - 0.3) ** 2 + (y - 2) ** 2 / 10


def one_report(run: RunSpec, attempt: int) -> Script:
    """The default training job: it reports `quadratic` once as `loss=` and completes."""
    return Script([f"loss={quadratic(run)}\n"])


@dataclass
class FakeBackend:
    """The `Backend` contract over scripts: `plan(run, attempt)` says what each launch prints.

    Each poll of a running job hands out its next chunk; when the chunks run out, the script's
    end. A stopped job ends Stopped at its next poll. What was launched, stopped and how many
    ran at once are kept for tests to look at.
    """

    plan: Callable[[RunSpec, int], Script] = one_report
    runs: dict[str, tuple[RunSpec, Script]] = field(default_factory=dict)
    launches: list[RunSpec] = field(default_factory=list)
    stopped: set[str] = field(default_factory=set)
    running: set[str] = field(default_factory=set)
    max_running: int = 0
    shut_down: bool = False
    _chunks: dict[str, Iterator[str]] = field(default_factory=dict)

    def launch(self, run: RunSpec) -> str:
        attempt = sum(r.training_job_name == run.training_job_name for r in self.launches) + 1
        self.launches.append(run)
        handle = f"{run.training_job_name}#{attempt}"
        script = self.plan(run, attempt)
        self.runs[handle] = (run, script)
        self._chunks[handle] = iter(script.chunks)
        self.running.add(handle)
        self.max_running = max(self.max_running, len(self.running))
        return handle

    def poll(self, handle: str) -> RunState:
        _, script = self.runs[handle]
        if handle in self.stopped:
            self.running.discard(handle)
            return STOPPED
        chunk = next(self._chunks[handle], None)
        if chunk is not None:
            return RunState(new_log=chunk)
        self.running.discard(handle)
        return script.end

    def stop(self, handle: str) -> None:
        if handle in self.running:
            self.stopped.add(handle)

    def shutdown(self) -> None:
        self.shut_down = True


@dataclass
class FakeClock:
    """Time that moves only when the tuner sleeps (`on_sleep` sees each new time)."""

    t: float = 1_000_000.0
    on_sleep: Callable[[float], None] | None = None

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.t += seconds
        if self.on_sleep is not None:
            self.on_sleep(self.t)
