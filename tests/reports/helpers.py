"""Tuning jobs with hand-written histories, in an in-memory store, for the readers' tests."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.jobs import make_request
from trimtab import service
from trimtab.spec.enums import ObjectiveStatus, SecondaryStatus, TrainingJobStatus
from trimtab.store.base import Finish, Store
from trimtab.store.memory import MemoryStore
from trimtab.types import MetricPoint, Trial


@dataclass(frozen=True)
class Ended:
    """One training job of a history: its x, how it ended, its last objective (if any)."""

    x: str
    status: TrainingJobStatus = TrainingJobStatus.COMPLETED
    objective: float | None = None
    retryable: bool = False


# Every kind of ending: a best job (index 1) tied later (3), failures retryable or not, a NaN
# objective, and one still running.
HISTORY = [
    Ended("0.1", objective=0.5),
    Ended("0.2", objective=0.2),
    Ended("0.3", TrainingJobStatus.FAILED, retryable=True),
    Ended("0.4", TrainingJobStatus.STOPPED, objective=0.2),
    Ended("0.5", TrainingJobStatus.FAILED),
    Ended("0.6", TrainingJobStatus.COMPLETED, objective=math.nan),
    Ended("0.7", TrainingJobStatus.IN_PROGRESS, objective=0.9),
]


def memory_store(tmp_path: Path) -> MemoryStore:
    return MemoryStore(tmp_path / "home", clock=lambda: 500.0)


def job_with(
    store: Store, history: Sequence[Ended], name: str = "t-job", **request: Any
) -> list[Trial]:
    """Create the job (over tests/scripts/) and record `history` as its training jobs; the
    last entry of a history may be InProgress."""
    service.create_tuning_job(store, make_request(name, **request), Path.cwd())
    for i, ended in enumerate(history):
        trial = store.add_trial(name, {"x": ended.x, "y": "2"}, None, 10.0 + i)
        store.set_handle(trial.training_job_name, "h", start_time=11.0 + i)
        if ended.objective is not None:
            point = MetricPoint("loss", ended.objective, 12.0 + i)
            store.add_metrics(trial.training_job_name, [point], "loss")
        if ended.status.is_finished():
            usable = ended.objective is not None and math.isfinite(ended.objective)
            objective = (
                ObjectiveStatus.SUCCEEDED
                if usable and ended.status is not TrainingJobStatus.FAILED
                else ObjectiveStatus.FAILED
            )
            store.finish(
                trial.training_job_name,
                Finish(
                    ended.status,
                    SecondaryStatus(str(ended.status)),
                    objective,
                    20.0 + i,
                    "AlgorithmError: boom" if ended.status is TrainingJobStatus.FAILED else None,
                    ended.retryable,
                ),
            )
    return store.trials(name)
