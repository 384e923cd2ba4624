"""Decisions made while a tuning job runs: which training jobs stop early, and when the whole
tuning job has done enough.

The referee keeps every training job's objective curve (as losses, one per report) so that the
stopper (Hyperband's rungs or the median rule) can judge a job at each new report, and it checks
TuningJobCompletionCriteria whenever a job with a usable objective ends. The curves come from
the store when a tuner starts, so a restarted tuner judges exactly as the first one would.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from trimtab import convergence, limits
from trimtab.job import Job
from trimtab.limits import Completion
from trimtab.stopping.base import Decision, Stopper
from trimtab.store.base import Store
from trimtab.types import MetricPoint, Trial

logger = logging.getLogger(__name__)


@dataclass
class Referee:
    job: Job
    stopper: Stopper | None
    curves: dict[str, list[float]] = field(default_factory=dict)
    _scored: int = -1  # scored trials at the last completion check
    _last: Completion = field(default_factory=lambda: Completion(None, 0))

    def load(self, store: Store, trials: Sequence[Trial]) -> None:
        """Every trial's curve, from the store (only needed when something judges curves)."""
        if self.stopper is None:
            return
        for t in trials:
            metric = self.job.definition(t).objective.metric_name
            self.curves[t.training_job_name] = [
                self._loss(t, p.value) for p in store.metrics(t.training_job_name, metric)
            ]

    def record(self, trial: Trial, points: Sequence[MetricPoint]) -> range:
        """Add the trial's new objective values to its curve; returns the levels (report
        counts) they add, for `judge`."""
        if self.stopper is None:
            return range(0)
        metric = self.job.definition(trial).objective.metric_name
        curve = self.curves.setdefault(trial.training_job_name, [])
        before = len(curve)
        curve.extend(self._loss(trial, p.value) for p in points if p.name == metric)
        return range(before + 1, len(curve) + 1)

    def judge(self, trial: Trial, levels: range, trials: Sequence[Trial]) -> Decision:
        """The stopper's verdict on `trial` at each of `levels` in turn: the first that is not
        Continue. Judge after recording every job's news, so jobs reaching a level together
        are each other's peers there."""
        if self.stopper is None:
            return Decision.CONTINUE
        for level in levels:
            decision = self.stopper.decide(trial, level, self.curves, trials)
            if decision is not Decision.CONTINUE:
                logger.info("%s: %s at report %d", trial.training_job_name, decision, level)
                return decision
        return Decision.CONTINUE

    def _loss(self, trial: Trial, value: float) -> float:
        return self.job.definition(trial).objective.loss(value)

    def completion(self, trials: Sequence[Trial], now: float) -> Completion | None:
        """A new Completion when the count of scored trials changed since the last check."""
        criteria = self.job.completion
        scored = limits.scored(trials)
        if criteria is None or len(scored) == self._scored:
            return None
        self._scored = len(scored)
        stale = limits.not_improving(trials, self.job.loss)
        reason, converged_at = None, None
        patience = criteria.best_objective_not_improving
        limit = patience.max_number_of_training_jobs_not_improving if patience else None
        if criteria.target_objective_metric_value is not None and limits.target_reached(
            trials, self.job.loss, self.job.target_loss
        ):
            reason = "a training job reached TargetObjectiveMetricValue"
        elif limit is not None and stale >= limit:
            reason = f"{stale} training jobs in a row did not improve the best objective by 1%"
        elif criteria.convergence_detected and self._converged(scored):
            reason, converged_at = "the search converged (ConvergenceDetected)", now
        self._last = Completion(reason, stale, converged_at)
        return self._last

    def _converged(self, scored: Sequence[Trial]) -> bool:
        enabled = self.job.completion and self.job.completion.convergence_detected
        if not enabled or str(enabled.complete_on_convergence) != "Enabled":
            return False
        for name, definition in self.job.definitions.items():
            mine = [t for t in scored if t.definition_name == name]
            configs = [dict(t.hyperparameters) for t in mine]
            losses = [self.job.loss(t) for t in mine]
            if not convergence.converged(definition.space, configs, losses, self.job.seed):
                return False
        return True
