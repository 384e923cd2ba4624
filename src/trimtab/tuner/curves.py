"""Every training job's objective curve, as losses: what stoppers and strategies judge by.

A curve holds one loss per report of the objective metric (the objective turned so that lower is
better), so its n-th value is the objective after n units of resource (epochs). The curves come
from the store when a tuner starts and grow as metric points arrive, so a restarted tuner sees
exactly what the first one saw.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from trimtab.job import Job
from trimtab.store.base import Store
from trimtab.types import Curves, MetricPoint, Trial


@dataclass
class CurveBook:
    job: Job
    _curves: dict[str, list[float]] = field(default_factory=dict)

    @property
    def curves(self) -> Curves:
        return self._curves

    def load(self, store: Store, trials: Sequence[Trial]) -> None:
        """Every trial's curve, from the points the store holds."""
        for t in trials:
            objective = self.job.definition(t).objective
            self._curves[t.training_job_name] = [
                objective.loss(p.value)
                for p in store.metrics(t.training_job_name, objective.metric_name)
            ]

    def record(self, trial: Trial, points: Sequence[MetricPoint]) -> range:
        """Add the trial's new objective values to its curve; returns the levels (report
        counts) they add."""
        objective = self.job.definition(trial).objective
        curve = self._curves.setdefault(trial.training_job_name, [])
        before = len(curve)
        curve.extend(objective.loss(p.value) for p in points if p.name == objective.metric_name)
        return range(before + 1, len(curve) + 1)
