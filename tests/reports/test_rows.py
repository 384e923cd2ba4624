"""One row per training job, as the SageMaker SDK's tuner analytics has them."""

from __future__ import annotations

import math
from pathlib import Path

from tests.reports.helpers import Ended, job_with, memory_store
from trimtab.reports import rows
from trimtab.spec.enums import TrainingJobStatus

HISTORY = [
    Ended("0.1", objective=0.5),
    Ended("0.2", objective=0.25),
    Ended("0.3", TrainingJobStatus.FAILED),
    Ended("0.4", TrainingJobStatus.IN_PROGRESS, objective=0.75),
]


def test_analytics_rows_have_the_sdks_columns(tmp_path: Path) -> None:
    store = memory_store(tmp_path)
    trials = job_with(store, HISTORY)
    table = rows.analytics_rows(trials)
    assert list(table[0]) == [
        "x",
        "y",
        "TrainingJobName",
        "TrainingJobStatus",
        "ObjectiveStatus",
        "FinalObjectiveValue",
        "TrainingStartTime",
        "TrainingEndTime",
        "TrainingElapsedTimeSeconds",
    ]
    assert (table[1]["FinalObjectiveValue"], table[1]["TrainingElapsedTimeSeconds"]) == (0.25, 9.0)
    assert table[3]["TrainingEndTime"] is None and table[3]["TrainingElapsedTimeSeconds"] is None
    assert math.isclose(table[0]["TrainingStartTime"], 11.0)
