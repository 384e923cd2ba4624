"""Golden runs: what trimtab decides, pinned exactly, so that a change of structure is seen to
change no behaviour.

Each scenario is a tuning job run through the service on a backend whose training jobs are
learning curves (one `loss=` line per poll), with a fixed seed. What is pinned, per scenario:
the configurations launched in order (every hyperparameter the job received, and its attempt),
how many epochs each training job reported before it ended or was stopped (Hyperband's rungs and
the median rule at work), `trimtab training-jobs NAME --json` and `trimtab describe NAME --json`;
and `trimtab list --json` over all of them. Times, durations and the random part of training
job names are masked; everything else must match to the character.

This file uses only the verbs every version has (`service.create_tuning_job`,
`service.run_tuning_job`, the CLI, the backend's `RunSpec`/`RunState`), so it can pass unchanged
across a restructuring. After an intended change of behaviour, regenerate the expectations with
`TRIMTAB_GOLDEN_WRITE=1 pytest tests/test_golden.py` and review the diff of tests/golden/.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from trimtab import cli, service
from trimtab.backends.base import RunSpec, RunState
from trimtab.store import open_store

GOLDEN = Path(__file__).parent / "golden"
WRITE = os.environ.get("TRIMTAB_GOLDEN_WRITE") == "1"

# The statuses a backend reports, taken from RunState itself: this file then needs no import
# of the module that defines them, which a restructuring may move.
_RUNNING = RunState()
Status = type(_RUNNING.status)
Secondary = type(_RUNNING.secondary_status)

TIME_KEYS = {
    "CreationTime",
    "LastModifiedTime",
    "HyperParameterTuningEndTime",
    "TrainingStartTime",
    "TrainingEndTime",
    "ConvergenceDetectedTime",
}


def mask(value: Any) -> Any:
    """Times, runtimes and the random suffix of training job names, replaced by placeholders."""
    if isinstance(value, dict):
        return {
            k: "<time>"
            if k in TIME_KEYS and v is not None
            else "<seconds>"
            if k == "RuntimeInSeconds"
            else mask(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [mask(v) for v in value]
    if isinstance(value, str):
        return re.sub(r"-(\d{3})-[0-9a-f]{8}\b", r"-\1-<hex>", value)
    return value


# --- training jobs as learning curves


def _number(hyperparameters: dict[str, str], name: str, default: float) -> float:
    return float(json.loads(hyperparameters[name])) if name in hyperparameters else default


def final_loss(hp: dict[str, str]) -> float:
    x, y = _number(hp, "x", 0.5), _number(hp, "y", 2.0)
    depth = _number(hp, "depth", 2.0)
    optimizer = json.loads(hp.get("optimizer", '"adam"'))
    offset = _number(hp, "offset", 0.0)
    penalty = {"adam": 0.0, "sgd": 0.1, "rmsprop": 0.05}[optimizer]
    return (x - 0.3) ** 2 + (y - 2) ** 2 / 10 + penalty + 0.05 * (depth - 2) ** 2 + offset


def loss_at(hp: dict[str, str], epoch: int) -> float:
    """Curves cross: a large x starts badly and learns slowly."""
    x = _number(hp, "x", 0.5)
    slowness: float = epoch ** (0.5 + x)
    return final_loss(hp) + (1 + x) / slowness


@dataclass
class _Run:
    run: RunSpec
    attempt: int
    epochs: int
    reported: int = 0
    stopped: bool = False


@dataclass
class CurveBackend:
    """Each poll of a running job reports its next epoch's loss; the job ends after its
    `epochs` (a static hyperparameter). Faults, by configuration: `y` = 5 diverges and fails at
    epoch 2, `y` = 0 reports NaN at its last epoch, `x` > 0.9 is killed by a signal on its
    first attempt (a retryable failure)."""

    launches: list[dict[str, Any]] = field(default_factory=list)
    epochs: dict[str, int] = field(default_factory=dict)
    _runs: dict[str, _Run] = field(default_factory=dict)

    def launch(self, run: RunSpec) -> str:
        name = run.training_job_name
        attempt = 1 + sum(launch["job"] == mask(name) for launch in self.launches)
        hp = dict(sorted(run.hyperparameters.items()))
        self.launches.append({"job": mask(name), "attempt": attempt, "hyperparameters": hp})
        handle = f"{name}#{attempt}"
        self._runs[handle] = _Run(run, attempt, int(json.loads(hp["epochs"])))
        return handle

    def poll(self, handle: str) -> RunState:
        job = self._runs[handle]
        hp = dict(job.run.hyperparameters)
        self.epochs[mask(job.run.training_job_name)] = job.reported
        if job.stopped:
            return RunState(
                finished=True, status=Status.STOPPED, secondary_status=Secondary.STOPPED
            )
        if job.attempt == 1 and _number(hp, "x", 0.5) > 0.9:
            return RunState(
                finished=True,
                status=Status.FAILED,
                secondary_status=Secondary.FAILED,
                failure_reason="AlgorithmError: training script was killed by signal SIGKILL",
                retryable=True,
                exit_code=-9,
            )
        if _number(hp, "y", 2.0) == 5 and job.reported == 2:
            return RunState(
                finished=True,
                status=Status.FAILED,
                secondary_status=Secondary.FAILED,
                failure_reason="AlgorithmError: loss diverged",
                exit_code=1,
            )
        if job.reported == job.epochs:
            return RunState(
                finished=True,
                status=Status.COMPLETED,
                secondary_status=Secondary.COMPLETED,
                exit_code=0,
            )
        job.reported += 1
        self.epochs[mask(job.run.training_job_name)] = job.reported
        value = loss_at(hp, job.reported)
        if _number(hp, "y", 2.0) == 0 and job.reported == job.epochs:
            value = math.nan
        return RunState(new_log=f"epoch {job.reported}\tloss={value!r}\n")

    def stop(self, handle: str) -> None:
        self._runs[handle].stopped = True

    def shutdown(self) -> None:
        for job in self._runs.values():
            job.stopped = True


# --- the scenarios


def request(
    name: str,
    strategy: str,
    max_jobs: int | None,
    parallel: int,
    ranges: dict[str, Any],
    epochs: int = 4,
    seed: int = 1,
    **config: Any,
) -> dict[str, Any]:
    limits = {"MaxParallelTrainingJobs": parallel}
    if max_jobs is not None:
        limits["MaxNumberOfTrainingJobs"] = max_jobs
    body: dict[str, Any] = {
        "HyperParameterTuningJobName": name,
        "HyperParameterTuningJobConfig": {
            "Strategy": strategy,
            "RandomSeed": seed,
            "HyperParameterTuningJobObjective": {"Type": "Minimize", "MetricName": "loss"},
            "ResourceLimits": limits,
            "ParameterRanges": ranges,
            **config,
        },
        "TrainingJobDefinition": definition(epochs),
    }
    return body


def definition(epochs: int, **extra: Any) -> dict[str, Any]:
    return {
        "StaticHyperParameters": {
            "epochs": str(epochs),
            "sagemaker_program": '"train.py"',
            "sagemaker_submit_directory": '"code"',
        },
        "AlgorithmSpecification": {
            "TrainingImage": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-pytorch:2.1",
            "TrainingInputMode": "File",
            "MetricDefinitions": [{"Name": "loss", "Regex": r"loss=([-+0-9.eEnaNinf]+)"}],
        },
        "RoleArn": "arn:aws:iam::000000000000:role/golden",
        "InputDataConfig": [
            {
                "ChannelName": "train",
                "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "data"}},
            }
        ],
        "OutputDataConfig": {"S3OutputPath": "output"},
        "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 1},
        "StoppingCondition": {"MaxRuntimeInSeconds": 600},
        "RetryStrategy": {"MaximumRetryAttempts": 1},
        **extra,
    }


X = {"Name": "x", "MinValue": "0", "MaxValue": "1"}
Y = {"Name": "y", "MinValue": "0", "MaxValue": "5"}
OPTIMIZER = {"Name": "optimizer", "Values": ['"adam"', '"sgd"', '"rmsprop"']}
MIXED = {
    "ContinuousParameterRanges": [X],
    "IntegerParameterRanges": [Y],
    "CategoricalParameterRanges": [OPTIMIZER],
}
XY = {"ContinuousParameterRanges": [X], "IntegerParameterRanges": [Y]}


def multi_definition() -> dict[str, Any]:
    body = request("random-multi", "Random", 14, 2, {}, seed=21)
    config = body["HyperParameterTuningJobConfig"]
    del config["HyperParameterTuningJobObjective"], config["ParameterRanges"]
    config["TuningJobCompletionCriteria"] = {
        "BestObjectiveNotImproving": {"MaxNumberOfTrainingJobsNotImproving": 4}
    }
    del body["TrainingJobDefinition"]
    objective = {"Type": "Minimize", "MetricName": "loss"}
    body["TrainingJobDefinitions"] = [
        definition(3, DefinitionName="a", TuningObjective=objective, HyperParameterRanges=XY),
        {
            **definition(5, DefinitionName="b", TuningObjective=objective),
            "HyperParameterRanges": {"ContinuousParameterRanges": [X]},
            "StaticHyperParameters": {**definition(5)["StaticHyperParameters"], "offset": "0.2"},
        },
    ]
    return body


def warm(name: str, kind: str, seed: int, max_jobs: int) -> dict[str, Any]:
    narrower = {**MIXED, "ContinuousParameterRanges": [{**X, "MaxValue": "0.8"}]}
    body = request(name, "Bayesian", max_jobs, 2, narrower, seed=seed)
    body["WarmStartConfig"] = {
        "ParentHyperParameterTuningJobs": [{"HyperParameterTuningJobName": "bayesian"}],
        "WarmStartType": kind,
    }
    return body


SCENARIOS: dict[str, Callable[[], dict[str, Any]]] = {
    "random-median": lambda: request(
        "random-median", "Random", 14, 3, MIXED, epochs=6, seed=11,
        TrainingJobEarlyStoppingType="Auto",
    ),
    "grid": lambda: request(
        "grid",
        "Grid",
        None,
        2,
        {
            "CategoricalParameterRanges": [
                OPTIMIZER,
                {"Name": "depth", "Values": ["1", "2", "3"]},
            ]
        },
        epochs=2,
    ),
    "bayesian": lambda: request(
        "bayesian", "Bayesian", 10, 2, MIXED, epochs=2, seed=5,
        TuningJobCompletionCriteria={
            "BestObjectiveNotImproving": {"MaxNumberOfTrainingJobsNotImproving": 50}
        },
    ),
    "bayesian-identical": lambda: warm("bayesian-identical", "IdenticalDataAndAlgorithm", 6, 5),
    "bayesian-transfer": lambda: warm("bayesian-transfer", "TransferLearning", 8, 4),
    "hyperband": lambda: request(
        "hyperband", "Hyperband", 26, 4, MIXED, epochs=9, seed=7,
        StrategyConfig={"HyperbandStrategyConfig": {"MinResource": 1}},
    ),
    "random-multi": multi_definition,
    "random-convergence": lambda: request(
        "random-convergence", "Random", 18, 2, XY, epochs=1, seed=31,
        TuningJobCompletionCriteria={
            "TargetObjectiveMetricValue": 1.275,
            "ConvergenceDetected": {"CompleteOnConvergence": "Enabled"},
        },
    ),
}  # fmt: skip


def cli_json(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    capsys.readouterr()
    assert cli.main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Every scenario run once, in order (the warm-started jobs need their parent)."""
    base = tmp_path_factory.mktemp("golden")
    (base / "code").mkdir()
    (base / "code" / "train.py").write_text("")
    (base / "data").mkdir()
    with pytest.MonkeyPatch.context() as env:
        env.setenv("TRIMTAB_HOME", str(base / "home"))
        env.delenv("AWS_REGION", raising=False)
        env.delenv("AWS_DEFAULT_REGION", raising=False)
        store = open_store()
        ran: dict[str, CurveBackend] = {}
        for name, make in SCENARIOS.items():
            service.create_tuning_job(store, make(), base)
            backend = CurveBackend()
            service.run_tuning_job(store, name, backend=backend)
            ran[name] = backend
        yield {"store": store, "backends": ran}


def observed(name: str, outcomes: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> Any:
    backend = outcomes["backends"][name]
    return {
        "launches": backend.launches,
        "epochs": backend.epochs,
        "training_jobs": mask(cli_json(capsys, "training-jobs", name, "--json")),
        "describe": mask(cli_json(capsys, "describe", name, "--json")),
    }


def compare(path: Path, actual: Any) -> None:
    text = json.dumps(actual, indent=1, sort_keys=True) + "\n"
    if WRITE:
        path.parent.mkdir(exist_ok=True)
        path.write_text(text)
    assert json.loads(text) == json.loads(path.read_text()), f"differs from {path}"


@pytest.mark.parametrize("name", SCENARIOS)
def test_a_seeded_tuning_job_decides_exactly_as_before(
    name: str,
    outcomes: dict[str, Any],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TRIMTAB_HOME", str(outcomes["store"].home))
    compare(GOLDEN / f"{name}.json", observed(name, outcomes, capsys))


def test_the_job_list_is_exactly_as_before(
    outcomes: dict[str, Any],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TRIMTAB_HOME", str(outcomes["store"].home))
    listing = cli_json(capsys, "list", "--json", "--sort-by", "CreationTime")
    compare(GOLDEN / "list.json", mask(listing))
