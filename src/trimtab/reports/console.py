"""Terminal rendering with rich: the live progress of `tune`, and the describe/list tables.

Only renders: every function takes data the service or `reports.responses` produced.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from trimtab.reports import responses
from trimtab.spec.enums import ObjectiveStatus, TrainingJobStatus
from trimtab.store.base import TuningJobRecord
from trimtab.types import Trial

STATUS_STYLE = {
    "InProgress": "cyan",
    "Completed": "green",
    "Failed": "red",
    "Stopping": "yellow",
    "Stopped": "yellow",
    "Succeeded": "green",
    "Pending": "cyan",
}
LIVE_ROWS = 12  # training jobs shown in the live view: the running ones, then the latest


def styled(status: str) -> Text:
    return Text(status, style=STATUS_STYLE.get(status, ""))


def _when(timestamp: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(timestamp)) if timestamp else ""


def _duration(start: float | None, end: float | None) -> str:
    if start is None:
        return ""
    seconds = int((end or time.time()) - start)
    return f"{seconds // 60}:{seconds % 60:02d}"


def _value(value: float | None) -> str:
    return "" if value is None else f"{value:.6g}"


def _params(hyperparameters: Mapping[str, str]) -> str:
    return " ".join(f"{k}={v}" for k, v in hyperparameters.items())


def counters_line(trials: Sequence[Trial]) -> Text:
    counts = responses.status_counters(trials)
    failed = counts["RetryableError"] + counts["NonRetryableError"]
    line = Text()
    for label, n, style in (
        ("running", counts["InProgress"], "cyan"),
        ("completed", counts["Completed"], "green"),
        ("failed", failed, "red"),
        ("stopped", counts["Stopped"], "yellow"),
    ):
        line.append(f"{n} {label}", style=style if n else "dim")
        line.append("  ")
    return line


def trials_table(
    record: TuningJobRecord, trials: Sequence[Trial], title: str | None = None
) -> Table:
    metric = {d: o.metric_name for d, o in responses.objectives_of(record).items()}
    table = Table(title=title, title_justify="left", expand=False)
    for column in ("Training job", "Status", "Objective", "Time", "Hyperparameters"):
        table.add_column(column, no_wrap=column != "Hyperparameters")
    for t in trials:
        objective = _value(t.objective)
        if t.objective_status is ObjectiveStatus.FAILED and t.status.is_finished():
            objective = "—"
        table.add_row(
            t.training_job_name,
            styled(str(t.status)),
            objective,
            _duration(t.start_time, t.end_time),
            _params(t.hyperparameters),
        )
    table.caption = f"objective: {', '.join(sorted(set(metric.values())))}"
    return table


def progress_view(record: TuningJobRecord, trials: Sequence[Trial]) -> Group:
    running = [t for t in trials if t.is_pending]
    shown = (
        running
        + [t for t in reversed(trials) if not t.is_pending][: max(0, LIVE_ROWS - len(running))]
    )
    shown.sort(key=lambda t: t.index)
    header = Text.assemble(
        (record.name, "bold"),
        "  ",
        styled(str(record.status)),
        "  ",
        f"{len(trials)}/{_max_jobs(record)} training jobs  ",
    )
    best = responses.best_trial(record, trials)
    parts: list[Any] = [header, counters_line(trials)]
    if best is not None:
        parts.append(
            Text.assemble(
                ("best so far: ", "bold"),
                f"{best.training_job_name}  objective {_value(best.objective)}  ",
                _params(best.hyperparameters),
            )
        )
    parts.append(trials_table(record, shown))
    return Group(*parts)


def _max_jobs(record: TuningJobRecord) -> str:
    limit = record.request["HyperParameterTuningJobConfig"]["ResourceLimits"].get(
        "MaxNumberOfTrainingJobs"
    )
    return str(limit) if limit else "?"


class Progress:
    """`Tuner.on_progress` for the terminal: a live table, or event lines when not a terminal."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.live: Live | None = None
        self.seen: dict[str, TrainingJobStatus] = {}
        self.last_refresh = 0.0

    def __enter__(self) -> Progress:
        if self.console.is_terminal:
            self.live = Live(console=self.console, auto_refresh=False, transient=False)
            self.live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.live is not None:
            self.live.__exit__(None, None, None)

    def __call__(self, record: TuningJobRecord, trials: Sequence[Trial]) -> None:
        if self.live is not None:
            now = time.monotonic()
            if now - self.last_refresh >= 0.25 or record.status.is_finished():
                self.live.update(progress_view(record, trials), refresh=True)
                self.last_refresh = now
            return
        for t in trials:
            if self.seen.get(t.training_job_name) != t.status:
                self.seen[t.training_job_name] = t.status
                detail = (
                    _params(t.hyperparameters)
                    if t.is_pending
                    else f"objective {_value(t.objective)}"
                )
                if t.status is TrainingJobStatus.FAILED and t.failure_reason:
                    detail = t.failure_reason.splitlines()[0][:200]
                self.console.print(
                    Text.assemble(t.training_job_name, " ", styled(str(t.status)), " ", detail)
                )


def describe_view(response: Mapping[str, Any]) -> Group:
    config = response["HyperParameterTuningJobConfig"]
    objective = config.get("HyperParameterTuningJobObjective") or {}
    limits = config["ResourceLimits"]
    summary = Table.grid(padding=(0, 2))
    summary.add_column(style="bold")
    summary.add_column()
    rows: list[tuple[str, Any]] = [
        ("Name", response["HyperParameterTuningJobName"]),
        ("Status", styled(response["HyperParameterTuningJobStatus"])),
        ("Strategy", config["Strategy"]),
        (
            "Objective",
            f"{objective.get('Type', '')} {objective.get('MetricName', '(per definition)')}",
        ),
        (
            "Limits",
            f"{limits.get('MaxNumberOfTrainingJobs', '?')} training jobs, "
            f"{limits['MaxParallelTrainingJobs']} in parallel",
        ),
        ("Created", _when(response["CreationTime"])),
        ("Ended", _when(response.get("HyperParameterTuningEndTime"))),
        ("Runtime", f"{response.get('ConsumedResources', {}).get('RuntimeInSeconds', 0)} s"),
        (
            "Training jobs",
            "  ".join(f"{k} {v}" for k, v in response["TrainingJobStatusCounters"].items()),
        ),
        (
            "Objectives",
            "  ".join(f"{k} {v}" for k, v in response["ObjectiveStatusCounters"].items()),
        ),
    ]
    if "FailureReason" in response:
        rows.append(("Failure", Text(response["FailureReason"], style="red")))
    for key, value in rows:
        summary.add_row(key, value)
    parts: list[Any] = [summary]
    best = response.get("BestTrainingJob")
    if best is not None:
        table = Table(title="Best training job", title_justify="left")
        table.add_column("Hyperparameter", style="bold")
        table.add_column("Value")
        table.add_row("TrainingJobName", best["TrainingJobName"])
        final = best.get("FinalHyperParameterTuningJobObjectiveMetric", {})
        table.add_row(final.get("MetricName", "objective"), _value(final.get("Value")))
        for name, value in best["TunedHyperParameters"].items():
            table.add_row(name, value)
        parts.append(table)
    return Group(*parts)


def training_jobs_table(summaries: Sequence[Mapping[str, Any]]) -> Table:
    table = Table()
    for column in (
        "Training job",
        "Status",
        "Objective",
        "Started",
        "Time",
        "Hyperparameters",
        "Reason",
    ):
        table.add_column(column, no_wrap=column in ("Training job", "Started"))
    for s in summaries:
        final = s.get("FinalHyperParameterTuningJobObjectiveMetric")
        table.add_row(
            s["TrainingJobName"],
            styled(s["TrainingJobStatus"]),
            _value(final["Value"]) if final else "",
            _when(s.get("TrainingStartTime")),
            _duration(s.get("TrainingStartTime"), s.get("TrainingEndTime")),
            _params(s["TunedHyperParameters"]),
            (s.get("FailureReason") or "").splitlines()[0][:120] if s.get("FailureReason") else "",
        )
    return table


def tuning_jobs_table(summaries: Sequence[Mapping[str, Any]]) -> Table:
    table = Table()
    for column in ("Tuning job", "Status", "Strategy", "Created", "Training jobs", "Objectives"):
        table.add_column(column)
    for s in summaries:
        counts = s["TrainingJobStatusCounters"]
        table.add_row(
            s["HyperParameterTuningJobName"],
            styled(s["HyperParameterTuningJobStatus"]),
            s["Strategy"],
            _when(s["CreationTime"]),
            f"{counts['Completed']} completed, {counts['InProgress']} running, "
            f"{counts['RetryableError'] + counts['NonRetryableError']} failed, "
            f"{counts['Stopped']} stopped",
            f"{s['ObjectiveStatusCounters']['Succeeded']} succeeded",
        )
    return table
