"""What the terminal shows: the describe view, the tables, the live progress and, when the output
is not a terminal, one line per change of a training job's status."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from tests.reports.helpers import Ended, job_with, memory_store
from trimtab import service
from trimtab.reports import console
from trimtab.spec.enums import TrainingJobStatus

HISTORY = [
    Ended("0.1", objective=0.5),
    Ended("0.2", objective=0.25),
    Ended("0.3", TrainingJobStatus.FAILED),
    Ended("0.4", TrainingJobStatus.IN_PROGRESS, objective=0.75),
]


def rendered(renderable: object, width: int = 160) -> str:
    out = Console(file=io.StringIO(), width=width, color_system=None)
    out.print(renderable)
    text = out.file.getvalue()  # type: ignore[attr-defined]
    assert isinstance(text, str)
    return text


def test_the_describe_view_shows_status_limits_counters_and_the_best_job(tmp_path: Path) -> None:
    store = memory_store(tmp_path)
    trials = job_with(store, HISTORY, max_jobs=8)
    text = rendered(console.describe_view(service.describe_tuning_job(store, "t-job")))
    assert "InProgress" in text and "Random" in text and "Minimize loss" in text
    assert "8 training jobs, 2 in parallel" in text
    assert "Completed 2  InProgress 1  RetryableError 0  NonRetryableError 1" in text
    assert trials[1].training_job_name in text and "0.25" in text


def test_the_training_jobs_table_has_a_row_per_job_with_its_reason(tmp_path: Path) -> None:
    store = memory_store(tmp_path)
    trials = job_with(store, HISTORY)
    text = rendered(console.training_jobs_table(service.list_training_jobs(store, "t-job").items))
    lines = [line for line in text.splitlines() if "t-job-" in line]
    assert [line.split()[1] for line in lines] == [t.training_job_name for t in trials]
    assert "AlgorithmError: boom" in lines[2] and "0.5" in lines[0]


def test_the_tuning_jobs_table_counts_each_jobs_training_jobs(tmp_path: Path) -> None:
    store = memory_store(tmp_path)
    job_with(store, HISTORY)
    text = rendered(console.tuning_jobs_table(service.list_tuning_jobs(store).items))
    assert "t-job" in text and "2 completed, 1 running, 1 failed, 0 stopped" in text


def test_the_live_view_shows_the_running_jobs_and_the_best_so_far(tmp_path: Path) -> None:
    store = memory_store(tmp_path)
    trials = job_with(store, HISTORY, max_jobs=8)
    text = rendered(console.progress_view(store.tuning_job("t-job"), trials))
    assert "4/8 training jobs" in text
    assert f"best so far: {trials[1].training_job_name}  objective 0.25" in text
    assert "1 running  2 completed  1 failed  0 stopped" in text


def test_piped_progress_prints_a_line_per_status_change(tmp_path: Path) -> None:
    store = memory_store(tmp_path)
    trials = job_with(store, HISTORY)
    out = Console(file=io.StringIO(), width=200, color_system=None)
    progress = console.Progress(out)
    with progress:
        progress(store.tuning_job("t-job"), trials)
        progress(store.tuning_job("t-job"), trials)  # nothing changed: nothing printed
    lines = out.file.getvalue().splitlines()  # type: ignore[attr-defined]
    assert len(lines) == 4
    assert lines[2] == f"{trials[2].training_job_name} Failed AlgorithmError: boom"
    assert lines[3] == f"{trials[3].training_job_name} InProgress x=0.4 y=2"
