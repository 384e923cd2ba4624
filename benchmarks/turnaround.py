"""How long a slot sits idle: from a training job's exit to the next job's launch.

Runs a Random tuning job of tiny script-mode training jobs (each prints its objective and the
time it exits, then exits) through the real local backend and SQLite store, and reports the
gap between one job's exit and the launch of the job that takes its slot, plus the tuner's
whole overhead per training job. Usage: python benchmarks/turnaround.py [--jobs 40] [--parallel 1]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

from trimtab import service
from trimtab.job import Settings
from trimtab.store import open_store

SCRIPT = """\
import time
print("loss=1.0", flush=True)
print(f"exit_at={time.time():.6f}", flush=True)
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=40)
    parser.add_argument("--parallel", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "code").mkdir()
        (root / "code" / "quick.py").write_text(SCRIPT)
        request = {
            "HyperParameterTuningJobName": "turnaround",
            "HyperParameterTuningJobConfig": {
                "Strategy": "Random",
                "HyperParameterTuningJobObjective": {"Type": "Minimize", "MetricName": "loss"},
                "ResourceLimits": {
                    "MaxNumberOfTrainingJobs": args.jobs,
                    "MaxParallelTrainingJobs": args.parallel,
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
        store = open_store(home=root / "home")
        service.create_tuning_job(store, request, root)
        started = time.time()
        service.run_tuning_job(store, "turnaround", settings=Settings())
        elapsed = time.time() - started
        trials = store.trials("turnaround")
        exits = sorted(t.final_metrics["exit_at"].value for t in trials)
        starts = sorted(t.start_time for t in trials if t.start_time is not None)
        # with P slots, the job launched k+P-th takes the slot the k-th job's exit freed
        gaps = [s - e for e, s in zip(exits, starts[args.parallel :], strict=False)]
        print(
            f"machine: {platform.machine()}, {os.cpu_count()} CPUs, "
            f"Python {platform.python_version()}"
        )
        print(f"{args.jobs} jobs, {args.parallel} in parallel, {elapsed:.1f} s in all")
        print(
            f"exit -> next launch: median {statistics.median(gaps) * 1000:.0f} ms, "
            f"max {max(gaps) * 1000:.0f} ms "
            f"(poll interval {Settings().poll_interval * 1000:.0f} ms)"
        )


if __name__ == "__main__":
    main()
