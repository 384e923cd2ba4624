"""The tuning loop: poll, parse, store, decide, suggest, launch, finish.

The store is the only memory that matters: the strategy reads the trial history from it on each
call ("tell" is writing to the store), so a tuner that is stopped and resumed continues exactly.
The tuner itself only remembers, for the training jobs it launched, the backend handle and the
log scanner that carries a half-received line, and the objective curves it has read.

It knows no strategy by name: the service hands it a `Strategy`, and a `Stopper` when training
jobs may be stopped early (the median rule, or Hyperband's rungs); `completion.Limits` says
when the whole tuning job has done enough.
"""

from __future__ import annotations

import logging
import math
import os
import socket
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from trimtab import arns
from trimtab.backends.base import Backend, RunState
from trimtab.backends.capacity import Capacity, Hold, release
from trimtab.completion.limits import Limits, outcome
from trimtab.errors import ResourceInUse, ValidationError
from trimtab.job import Job
from trimtab.metrics import LogScanner
from trimtab.settings import Settings
from trimtab.spec.enums import (
    HyperParameterTuningJobStatus,
    ObjectiveStatus,
    SecondaryStatus,
    TrainingJobStatus,
)
from trimtab.store.base import Finish, Store, TuningJobRecord
from trimtab.tuner.clock import Clock
from trimtab.tuner.curves import CurveBook
from trimtab.types import Decision, History, Suggestion, Trial

if TYPE_CHECKING:  # the contracts only: the tuner runs whatever strategy it is handed
    from trimtab.stopping.base import Stopper
    from trimtab.strategies.base import Strategy

logger = logging.getLogger(__name__)

LEASE_SECONDS = 30.0
Progress = Callable[[TuningJobRecord, Sequence[Trial]], None]


class Paused(Exception):
    """Raised into a running tuner (from a signal handler) to put its job aside: the training
    jobs are stopped and recorded, and the tuning job stays InProgress for the next tuner
    (a server shutting down, to start again later)."""


@dataclass
class _Running:
    handle: str
    scanner: LogScanner
    slot: Hold | None = None  # its share of the machine (`capacity`), freed when it ends


def judge_objective(
    trial: Trial, state: RunState, metric: str
) -> tuple[ObjectiveStatus, str | None]:
    """The ObjectiveStatus of an ended training job and, when it has none, why."""
    if state.status is TrainingJobStatus.FAILED:
        return ObjectiveStatus.FAILED, state.failure_reason
    if trial.objective is None:
        return ObjectiveStatus.FAILED, (
            f"The training job ended without reporting the objective metric '{metric}': no line "
            "of its log matched that metric's regex in MetricDefinitions."
        )
    if not math.isfinite(trial.objective):
        return ObjectiveStatus.FAILED, (
            f"The objective metric '{metric}' was {trial.objective} in the training job's last "
            "report, so the job cannot be ranked."
        )
    return ObjectiveStatus.SUCCEEDED, state.failure_reason


@dataclass
class Tuner:
    """Runs one tuning job to its end on one backend; `run` returns the final record."""

    store: Store
    backend: Backend
    job: Job
    strategy: Strategy
    stopper: Stopper | None = None
    settings: Settings = field(default_factory=Settings)
    clock: Clock = field(default_factory=Clock)
    on_progress: Progress | None = None
    capacity: Capacity | None = None  # what the machine runs at once, over every tuning job
    _running: dict[str, _Running] = field(default_factory=dict, init=False)
    _curves: CurveBook = field(init=False)
    _limits: Limits = field(init=False)
    _tags: dict[str, str] = field(init=False)
    _stopped_for: dict[str, Decision] = field(default_factory=dict, init=False)
    _trials: Sequence[Trial] = field(default=(), init=False)
    _renewed: float = field(default=0.0, init=False)
    _owner: str = field(
        default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    )

    def __post_init__(self) -> None:
        self._curves = CurveBook(self.job)
        self._limits = Limits(self.job)
        self._tags = {tag.key: tag.value for tag in self.job.request.tags or []}

    def run(self) -> TuningJobRecord:
        name = self.job.name
        if not self.store.acquire_lease(name, self._owner, LEASE_SECONDS):
            raise ResourceInUse(
                f"The tuning job {name} is being run by another trimtab process (if that process "
                f"died, its claim expires {LEASE_SECONDS:.0f} s after its last sign of life)."
            )
        self._renewed = self.clock.now()
        started = self.clock.now()
        before = self.store.tuning_job(name).runtime_seconds
        try:
            self._reconcile()
            self._trials = self.store.trials(name)
            self._curves.load(self.store, self._trials)
            try:
                status = self._loop(started, before)
            except KeyboardInterrupt:
                logger.info("interrupted: stopping %d training jobs", len(self._running))
                self.store.request_stop(name)
                self._drain(stop=True)
                status = HyperParameterTuningJobStatus.STOPPED
            except Paused:
                logger.info("paused: stopping %d training jobs", len(self._running))
                self._drain(stop=True)
                runtime = before + self.clock.now() - started
                return self.store.update_tuning_job(name, runtime_seconds=runtime)
            return self._finish(status, before + self.clock.now() - started)
        finally:
            self.backend.shutdown()
            release(running.slot for running in self._running.values())
            self.store.release_lease(name, self._owner)

    def _loop(self, started: float, before: float) -> HyperParameterTuningJobStatus:
        name = self.job.name
        while True:
            self._poll()
            self._stop_requested()
            self._renew_lease()
            record = self.store.tuning_job(name)
            trials = self._trials = self.store.trials(name)
            self._report(record, trials)
            now = self.clock.now()
            ending = self._limits.check(record, trials, before + now - started, now)
            if ending.details is not None:
                self.store.update_tuning_job(name, completion_details=ending.details)
            if ending.status is not None:
                logger.info("tuning job %s ends %s: %s", name, ending.status, ending.reason)
                self._drain(stop=True)
                return ending.status
            room = self._limits.slots(trials)
            free = room
            if self.capacity is not None and room > 0:  # the machine may be full: then wait
                free = min(room, self.capacity.free())
            history = History(trials, self._curves.curves)
            suggestions = self.strategy.suggest(history, free) if free > 0 else []
            for suggestion in suggestions:
                self._launch(suggestion)
            asked = free > 0 or room <= 0  # nothing asked while waiting for the machine
            if asked and self._limits.exhausted(trials, len(suggestions)):
                return HyperParameterTuningJobStatus.COMPLETED
            if not suggestions:
                self.clock.sleep(self.settings.poll_interval)

    def _stop_requested(self) -> None:
        """Stop the training jobs someone asked to stop (StopTrainingJob, from any process)."""
        for name in self.store.training_job_stops(self.job.name):
            running = self._running.get(name)
            if running is not None and name not in self._stopped_for:
                logger.info("%s: stopping it, as was asked", name)
                self._stopped_for[name] = Decision.STOP
                self.backend.stop(running.handle)

    def _renew_lease(self) -> None:
        now = self.clock.now()
        if now - self._renewed < LEASE_SECONDS / 6:
            return
        if not self.store.acquire_lease(self.job.name, self._owner, LEASE_SECONDS):
            raise ResourceInUse(
                f"Another trimtab process took over the tuning job {self.job.name}."
            )
        self._renewed = now

    def _report(self, record: TuningJobRecord, trials: Sequence[Trial]) -> None:
        if self.on_progress is not None:
            self.on_progress(record, trials)

    def _launch(self, suggestion: Suggestion) -> None:
        trial = self.store.add_trial(
            self.job.name, suggestion.hyperparameters, suggestion.definition_name, self.clock.now()
        )
        logger.info("launching %s with %s", trial.training_job_name, dict(trial.hyperparameters))
        if self._tags:  # a training job carries its tuning job's tags, as on SageMaker
            arn = arns.training_job_arn(self.job.arn, trial.training_job_name)
            self.store.add_tags(arn, self._tags)
        self._trials = [*self._trials, trial]  # judged with its batch-mates from its first report
        slot = self.capacity.take() if self.capacity is not None else None
        self._start(trial, attempts=1, slot=slot)

    def _start(self, trial: Trial, attempts: int, slot: Hold | None = None) -> None:
        name = trial.training_job_name
        run = self.job.run_spec(
            trial, self.store.job_dir(name), self.store.log_path(name), self.settings
        )
        try:
            handle = self.backend.launch(run)
        except ValidationError as error:
            logger.warning("could not launch %s: %s", name, error.message)
            release([slot])
            self._end(
                name,
                Finish(
                    TrainingJobStatus.FAILED,
                    SecondaryStatus.FAILED,
                    ObjectiveStatus.FAILED,
                    self.clock.now(),
                    error.message[:1024],
                ),
            )
            return
        self.store.set_handle(name, handle, self.clock.now(), attempts)
        scanner = LogScanner(self.job.definition(trial).metric_definitions)
        self._running[name] = _Running(handle, scanner, slot)

    def _poll(self, retry: bool = True) -> None:
        """Read every running job's news first, then judge and end them: jobs that reach a
        rung in the same poll are judged against each other, whatever order they were read in."""
        polled: list[tuple[str, _Running, RunState, Trial | None, range]] = []
        for name, running in list(self._running.items()):
            state = self.backend.poll(running.handle)
            now = self.clock.now()
            points = running.scanner.feed(state.new_log, now)
            if state.finished:
                points += running.scanner.flush(now)
            trial, levels = None, range(0)
            if points:
                trial = self.store.trial(name)
                metric = self.job.definition(trial).objective.metric_name
                self.store.add_metrics(name, points, metric)
                levels = self._curves.record(trial, points)
            polled.append((name, running, state, trial, levels))
        for name, running, state, trial, levels in polled:
            if trial is not None:
                self._judge(trial, levels, running.handle, state.finished)
            if state.finished:
                del self._running[name]
                self._ended(self.store.trial(name), state, retry, running.slot)

    def _judge(self, trial: Trial, levels: range, handle: str, finished: bool) -> None:
        """Stop a job its stopper rules out (or that has had all its resource): the first
        verdict at `levels`, in turn, that is not Continue. Judge after recording every job's
        news, so that jobs reaching a level together are each other's peers there."""
        name = trial.training_job_name
        if self.stopper is None or name in self._stopped_for:
            return
        history = History(self._trials, self._curves.curves)
        for level in levels:
            decision = self.stopper.decide(trial, level, history)
            if decision is not Decision.CONTINUE:
                logger.info("%s: %s at report %d", name, decision, level)
                self._stopped_for[name] = decision
                if not finished:
                    self.backend.stop(handle)
                return

    def _ended(self, trial: Trial, state: RunState, retry: bool, slot: Hold | None) -> None:
        if (
            retry
            and state.status is TrainingJobStatus.FAILED
            and state.retryable
            and trial.attempts < self.job.max_attempts(trial)
        ):
            logger.info("retrying %s after: %s", trial.training_job_name, state.failure_reason)
            self._start(trial, trial.attempts + 1, slot)  # the retry keeps the job's slot
            return
        release([slot])
        metric = self.job.definition(trial).objective.metric_name
        objective_status, reason = judge_objective(trial, state, metric)
        status, secondary = state.status, state.secondary_status
        if (
            status is TrainingJobStatus.STOPPED
            and self._stopped_for.get(trial.training_job_name) is Decision.COMPLETE
        ):  # stopped because it had all its resource: it ran to the end
            status, secondary = TrainingJobStatus.COMPLETED, SecondaryStatus.COMPLETED
        self._end(
            trial.training_job_name,
            Finish(
                status,
                secondary,
                objective_status,
                self.clock.now(),
                reason[:1024] if reason else None,
                state.retryable,
            ),
        )

    def _end(self, name: str, finish: Finish) -> None:
        trial = self.store.finish(name, finish)
        logger.info(
            "%s %s (objective %s%s)",
            name,
            finish.status,
            finish.objective_status,
            f" = {trial.objective}" if trial.objective is not None else "",
        )

    def _drain(self, stop: bool) -> None:
        """Stop (when asked) and wait for every running training job; no retries."""
        if stop:
            for running in self._running.values():
                self.backend.stop(running.handle)
        while self._running:
            try:
                self._poll(retry=False)
                if self._running:
                    self.clock.sleep(self.settings.poll_interval)
            except KeyboardInterrupt:
                logger.info("still stopping %d training jobs", len(self._running))

    def _reconcile(self) -> None:
        """Training jobs a previous tuner left unfinished cannot be re-attached: end them."""
        for trial in self.store.trials(self.job.name):
            if trial.is_pending:
                if trial.handle is not None:
                    self.backend.stop(trial.handle)
                self._end(
                    trial.training_job_name,
                    Finish(
                        TrainingJobStatus.FAILED,
                        SecondaryStatus.FAILED,
                        ObjectiveStatus.FAILED,
                        self.clock.now(),
                        "The trimtab process running this training job ended before the job did.",
                    ),
                )

    def _finish(self, status: HyperParameterTuningJobStatus, runtime: float) -> TuningJobRecord:
        trials = self.store.trials(self.job.name)
        status, reason = outcome(self.job.name, status, trials)
        record = self.store.update_tuning_job(
            self.job.name,
            status=status,
            end_time=self.clock.now(),
            failure_reason=reason,
            runtime_seconds=runtime,
        )
        self._report(record, trials)
        logger.info("tuning job %s %s", self.job.name, status)
        return record
