"""One row per training job, with the columns of the SageMaker SDK's tuner analytics: what the
CLI's `analytics` writes as CSV and the Python API's `dataframe()` holds."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from trimtab.types import Trial


def analytics_rows(trials: Sequence[Trial]) -> list[dict[str, Any]]:
    rows = []
    for t in trials:
        row: dict[str, Any] = dict(t.hyperparameters)
        if t.definition_name is not None:
            row["TrainingJobDefinitionName"] = t.definition_name
        row.update(
            TrainingJobName=t.training_job_name,
            TrainingJobStatus=str(t.status),
            ObjectiveStatus=str(t.objective_status),
            FinalObjectiveValue=t.objective,
            TrainingStartTime=t.start_time,
            TrainingEndTime=t.end_time,
            TrainingElapsedTimeSeconds=(
                t.end_time - t.start_time if t.end_time and t.start_time else None
            ),
        )
        rows.append(row)
    return rows
