"""How long a slot sits idle: from a training job's exit to the next job's launch.

Runs a Random tuning job of tiny script-mode training jobs (each prints its objective and the
time it exits, then exits) through the real local backend and SQLite store, and reports the
gap between one job's exit and the launch of the job that takes its slot, plus the tuner's
whole overhead per training job. Usage: python -m benchmarks.turnaround [--jobs 40]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.report import write_section
from trimtab import service
from trimtab.settings import Settings
from trimtab.store import open_store

SCRIPT = """\
import time
print("loss=1.0", flush=True)
print(f"exit_at={time.time():.6f}", flush=True)
"""


def request(jobs: int, parallel: int) -> dict[str, Any]:
    return {
        "HyperParameterTuningJobName": "turnaround",
        "HyperParameterTuningJobConfig": {
            "Strategy": "Random",
            "HyperParameterTuningJobObjective": {"Type": "Minimize", "MetricName": "loss"},
            "ResourceLimits": {
                "MaxNumberOfTrainingJobs": jobs,
                "MaxParallelTrainingJobs": parallel,
            },
            "ParameterRanges": {
                "ContinuousParameterRanges": [{"Name": "x", "MinValue": "0", "MaxValue": "1"}]
            },
        },
        "TrainingJobDefinition": {
            "StaticHyperParameters": {
                "sagemaker_program": json.dumps("quick.py"),
                "sagemaker_submit_directory": json.dumps("code"),
            },
            "AlgorithmSpecification": {
                "TrainingImage": "local/script-mode",
                "TrainingInputMode": "File",
                "MetricDefinitions": [
                    {"Name": "loss", "Regex": "loss=([0-9.]+)"},
                    {"Name": "exit_at", "Regex": "exit_at=([0-9.]+)"},
                ],
            },
            "RoleArn": "arn:aws:iam::000000000000:role/bench",
            "OutputDataConfig": {"S3OutputPath": "output"},
            "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1},
            "StoppingCondition": {"MaxRuntimeInSeconds": 60},
        },
    }


def measure(jobs: int, parallel: int) -> tuple[float, list[float]]:
    """(seconds for the whole tuning job, exit-to-next-launch gaps in seconds)."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "code").mkdir()
        (root / "code" / "quick.py").write_text(SCRIPT)
        store = open_store(home=root / "home")
        service.create_tuning_job(store, request(jobs, parallel), root)
        started = time.time()
        service.run_tuning_job(store, "turnaround", settings=Settings())
        elapsed = time.time() - started
        trials = store.trials("turnaround")
        exits = sorted(t.final_metrics["exit_at"].value for t in trials)
        starts = sorted(t.start_time for t in trials if t.start_time is not None)
        # with P slots, the job launched (k+P)-th takes the slot that the k-th exit freed
        return elapsed, [s - e for e, s in zip(exits, starts[parallel:], strict=False)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=40)
    args = parser.parse_args()
    rows = [
        "| parallel jobs | training jobs | whole tuning job | exit → next launch, median | max |",
        "| --- | --- | --- | --- | --- |",
    ]
    for parallel in (1, 4):
        elapsed, gaps = measure(args.jobs, parallel)
        rows.append(
            f"| {parallel} | {args.jobs} | {elapsed:.1f} s | "
            f"{statistics.median(gaps) * 1000:.0f} ms | {max(gaps) * 1000:.0f} ms |"
        )
    body = "\n".join(rows) + (
        f"\n\nThe tuner looks at running jobs every {Settings().poll_interval * 1000:.0f} ms "
        "(`Settings.poll_interval`); a freed slot is refilled on the next look."
    )
    print(body)
    write_section(
        "turnaround", "Idle slot time (exit → next launch)", "python -m benchmarks.turnaround", body
    )


if __name__ == "__main__":
    main()
