"""Multi-fidelity benchmark: how many epochs each way of stopping losers needs to reach a target.

Problems (offline): `mlp-digits`, a scikit-learn MLP trained epoch by epoch on the digits data
that ships with scikit-learn (validation cross-entropy, minimised: accuracy on 540 images moves
in steps too coarse to tell methods apart), and `curves`, an analytic family of
learning curves whose final values follow Hartmann-3 (a loss, minimised). Methods, at the same
epoch budget: trimtab Random at full fidelity, trimtab Random with early stopping `Auto` (median
rule), trimtab Hyperband, and Optuna (TPE and random samplers, each with its Hyperband,
successive-halving and median pruners). trimtab runs through its real tuner, store and stoppers,
with an in-process backend that trains one epoch per job per poll (4 jobs in parallel); Optuna
runs its trials one after another, its best case.

Reported per problem: epochs until the best value so far reaches each target, and the final best.
The targets are the values that full-fidelity random search at the same budget reaches with
probability 1/2 (p50) and 1/10 (p90), so that one lucky full training rarely reaches them. They
come from all of its trainings pooled over the seeds (`targets`), not from each run's best: with
10 seeds the run bests put p90 between the best and second best of 10 numbers, and a few lucky
seeds moved it far (docs/multifidelity-experiments.md).

Usage: `python -m benchmarks.multifidelity [--seeds 10] [--workers N]` (runs spread over N
processes, one per core by default: the same tables, sooner); `--smoke` is the seconds-long run
the test suite makes.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import tempfile
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.report import write_section
from benchmarks.workers import one_thread
from trimtab import service
from trimtab.backends.base import RunSpec
from trimtab.settings import Settings
from trimtab.store import open_store
from trimtab.testing import FakeBackend, Script
from trimtab.tuner import Clock


class EpochRunner:
    """Trains one configuration, one epoch per `step`, returning the objective after it."""

    def step(self) -> float:
        raise NotImplementedError


# --- problems


class MlpDigits(EpochRunner):
    data: tuple[Any, ...] | None = None

    def __init__(self, config: dict[str, str]) -> None:
        from sklearn.neural_network import MLPClassifier

        if MlpDigits.data is None:
            from sklearn.datasets import load_digits
            from sklearn.model_selection import train_test_split

            digits = load_digits()
            MlpDigits.data = tuple(
                train_test_split(digits.data / 16.0, digits.target, test_size=0.3, random_state=0)
            )
        self.model = MLPClassifier(
            hidden_layer_sizes=(int(config["hidden-units"]),),
            activation=json.loads(config["activation"]),
            alpha=float(config["alpha"]),
            learning_rate_init=float(config["learning-rate"]),
            batch_size=64,
            random_state=0,
        )

    def step(self) -> float:
        assert MlpDigits.data is not None
        x_train, x_val, y_train, y_val = MlpDigits.data
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.model.partial_fit(x_train, y_train, classes=np.arange(10))
        probabilities = np.clip(self.model.predict_proba(x_val), 1e-12, 1.0)
        return float(-np.log(probabilities[np.arange(len(y_val)), y_val]).mean())


HARTMANN3_A = np.array([[3.0, 10, 30], [0.1, 10, 35], [3.0, 10, 30], [0.1, 10, 35]])
HARTMANN3_P = 1e-4 * np.array(
    [[3689, 1170, 2673], [4699, 4387, 7470], [1091, 8732, 5547], [381, 5743, 8828]]
)
HARTMANN3_C = np.array([1.0, 1.2, 3.0, 3.2])


class AnalyticCurve(EpochRunner):
    """loss(x, r) = hartmann3(x) + 3.86 + gap(x) * r^-rate(x): curves cross, so early values
    mislead a little, as real ones do."""

    def __init__(self, config: dict[str, str]) -> None:
        x = np.array([float(config[n]) for n in ("x1", "x2", "x3")])
        self.final = (
            float(-(HARTMANN3_C * np.exp(-(HARTMANN3_A * (x - HARTMANN3_P) ** 2).sum(1))).sum())
            + 3.86
        )
        self.gap = 1.0 + 2.0 * x[0]
        self.rate = 0.5 + 1.5 * x[1]
        self.epoch = 0

    def step(self) -> float:
        self.epoch += 1
        return float(self.final + self.gap * self.epoch**-self.rate)


@dataclass(frozen=True)
class Problem:
    name: str
    runner: Callable[[dict[str, str]], EpochRunner]
    ranges: dict[str, list[dict[str, Any]]]
    metric: str
    direction: str  # Maximize | Minimize
    max_epochs: int
    budget_runs: int  # epoch budget = budget_runs full trainings

    def better(self, a: float, b: float) -> bool:
        return a > b if self.direction == "Maximize" else a < b

    def best(self, values: Iterable[float]) -> float:
        """The best of `values`, diverged (NaN) epochs ignored; NaN when nothing else is left."""
        real = [v for v in values if not math.isnan(v)]
        if not real:
            return math.nan
        return max(real) if self.direction == "Maximize" else min(real)


PROBLEMS = [
    Problem(
        "mlp-digits",
        MlpDigits,
        {
            "ContinuousParameterRanges": [
                {
                    "Name": "learning-rate",
                    "MinValue": "0.0001",
                    "MaxValue": "0.1",
                    "ScalingType": "Logarithmic",
                },
                {
                    "Name": "alpha",
                    "MinValue": "0.000001",
                    "MaxValue": "0.01",
                    "ScalingType": "Logarithmic",
                },
            ],
            "IntegerParameterRanges": [
                {"Name": "hidden-units", "MinValue": "8", "MaxValue": "128"}
            ],
            "CategoricalParameterRanges": [
                {"Name": "activation", "Values": ['"relu"', '"tanh"', '"logistic"']}
            ],
        },
        "validation:loss",
        "Minimize",
        max_epochs=27,
        budget_runs=24,
    ),
    Problem(
        "curves",
        AnalyticCurve,
        {
            "ContinuousParameterRanges": [
                {"Name": f"x{i}", "MinValue": "0", "MaxValue": "1"} for i in (1, 2, 3)
            ]
        },
        "loss",
        "Minimize",
        max_epochs=81,
        budget_runs=40,
    ),
]


# --- trimtab through its tuner, with an in-process backend


@dataclass
class Trace:
    """Every report in order: (epochs spent so far, value), and the best value of each training
    job that ran all its epochs (what the targets are drawn from)."""

    reports: list[tuple[int, float]] = field(default_factory=list)
    full_trainings: list[float] = field(default_factory=list)

    @property
    def epochs(self) -> int:
        return self.reports[-1][0] if self.reports else 0


def epoch_lines(
    problem: Problem, run: RunSpec, budget: int, trace: Trace, on_budget: Callable[[], object]
) -> Iterator[str]:
    """One training job, one epoch per poll: it prints its objective after each; while the
    epoch budget is spent it prints nothing and asks the tuner to stop (as `trimtab stop`
    would)."""
    tuned = {k: v for k, v in run.hyperparameters.items() if not k.startswith(("sagemaker_", "_"))}
    runner = problem.runner(tuned)
    values: list[float] = []
    while len(values) < problem.max_epochs:
        if trace.epochs >= budget:
            on_budget()
            yield ""
            continue
        value = runner.step()
        values.append(value)
        if len(values) == problem.max_epochs:
            trace.full_trainings.append(problem.best(values))
        trace.reports.append((trace.epochs + 1, value))
        yield f"{problem.metric}={value!r}\n"


def trimtab_run(problem: Problem, method: str, seed: int, jobs: int | None = None) -> Trace:
    """One tuning job: until the epoch budget is spent or, when `jobs` is given, for that many
    training jobs whatever the epochs."""
    config: dict[str, Any] = {
        "Strategy": "Hyperband" if method == "trimtab Hyperband" else "Random",
        "RandomSeed": seed,
        "HyperParameterTuningJobObjective": {
            "Type": problem.direction,
            "MetricName": problem.metric,
        },
        "ResourceLimits": {
            "MaxNumberOfTrainingJobs": jobs or 750,
            "MaxParallelTrainingJobs": PARALLEL,
        },
        "ParameterRanges": problem.ranges,
        "TrainingJobEarlyStoppingType": "Auto" if method == "trimtab Random + median" else "Off",
    }
    request: dict[str, Any] = {
        "HyperParameterTuningJobName": "bench",
        "HyperParameterTuningJobConfig": config,
        "TrainingJobDefinition": {
            "StaticHyperParameters": {"epochs": str(problem.max_epochs)},
            "AlgorithmSpecification": {
                "TrainingImage": "bench",
                "TrainingInputMode": "File",
                "MetricDefinitions": [
                    {"Name": problem.metric, "Regex": f"{problem.metric}=([^ ]+)"}
                ],
            },
            "RoleArn": "arn:aws:iam::000000000000:role/bench",
            "OutputDataConfig": {"S3OutputPath": "output"},
            "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1},
            "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        },
    }
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "code").mkdir()
        (Path(folder) / "code" / "noop.py").write_text("")
        request["TrainingJobDefinition"]["StaticHyperParameters"].update(
            sagemaker_program='"noop.py"', sagemaker_submit_directory='"code"'
        )
        store = open_store(home=Path(folder) / "home")
        record = service.create_tuning_job(store, request, folder)
        trace = Trace()
        budget = problem.budget_runs * problem.max_epochs if jobs is None else 10**9

        def stop() -> None:
            service.stop_tuning_job(store, "bench")

        backend = FakeBackend(
            plan=lambda run, attempt: Script(epoch_lines(problem, run, budget, trace, stop))
        )
        clock = [0.0]
        tuner = service.make_tuner(
            store,
            record.name,
            backend,
            Settings(poll_interval=1.0),
            Clock(lambda: clock[0], lambda s: clock.__setitem__(0, clock[0] + s)),
        )
        tuner.run()
    return trace


# --- Optuna, one trial after another


def optuna_run(problem: Problem, method: str, seed: int) -> Trace:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler_name, pruner_name = method.removeprefix("Optuna ").split(" + ")
    sampler: optuna.samplers.BaseSampler = (
        optuna.samplers.TPESampler(seed=seed)
        if sampler_name == "TPE"
        else optuna.samplers.RandomSampler(seed=seed)
    )
    pruners: dict[str, Callable[[], optuna.pruners.BasePruner]] = {
        "Hyperband": lambda: optuna.pruners.HyperbandPruner(
            min_resource=1, max_resource=problem.max_epochs
        ),
        "SHA": lambda: optuna.pruners.SuccessiveHalvingPruner(),
        "median": lambda: optuna.pruners.MedianPruner(),
    }
    pruner = pruners[pruner_name]()
    study = optuna.create_study(
        study_name=f"{problem.name} {method} {seed}",  # the Hyperband pruner's brackets hash it
        direction="maximize" if problem.direction == "Maximize" else "minimize",
        sampler=sampler,
        pruner=pruner,
    )
    trace = Trace()
    budget = problem.budget_runs * problem.max_epochs

    def objective(trial: optuna.Trial) -> float:
        config = suggest_config(trial, problem.ranges)
        runner = problem.runner(config)
        value = math.nan
        for epoch in range(1, problem.max_epochs + 1):
            if trace.epochs >= budget:
                study.stop()
                break
            value = runner.step()
            trace.reports.append((trace.epochs + 1, value))
            trial.report(value, epoch)
            if trial.should_prune():
                raise optuna.TrialPruned
        return value

    while trace.epochs < budget:
        study.optimize(objective, n_trials=1)
    return trace


def suggest_config(trial: Any, ranges: dict[str, list[dict[str, Any]]]) -> dict[str, str]:
    config = {}
    for r in ranges.get("ContinuousParameterRanges", []):
        log = r.get("ScalingType") == "Logarithmic"
        config[r["Name"]] = repr(
            trial.suggest_float(r["Name"], float(r["MinValue"]), float(r["MaxValue"]), log=log)
        )
    for r in ranges.get("IntegerParameterRanges", []):
        config[r["Name"]] = str(
            trial.suggest_int(r["Name"], int(r["MinValue"]), int(r["MaxValue"]))
        )
    for r in ranges.get("CategoricalParameterRanges", []):
        config[r["Name"]] = trial.suggest_categorical(r["Name"], r["Values"])
    return config


# --- the report

PARALLEL = 4

METHODS = [
    "trimtab Random",
    "trimtab Random + median",
    "trimtab Hyperband",
    *(f"Optuna {s} + {p}" for s in ("TPE", "random") for p in ("Hyperband", "SHA", "median")),
]


def epochs_to(trace: Trace, target: float, problem: Problem) -> float:
    for epochs, value in trace.reports:
        if value == target or problem.better(value, target):
            return epochs
    return math.inf


def final_best(trace: Trace, problem: Problem) -> float:
    return problem.best(v for _, v in trace.reports)


QUANTILES = (0.5, 0.9)


def targets(problem: Problem, randoms: Sequence[Trace]) -> list[float]:
    """Per quantile q, the value that the best of `budget_runs` full trainings reaches with
    probability 1 - q, those trainings drawn without replacement from all of random search's.

    With the m pooled values sorted best first, the best of n draws is at least as good as the
    j-th with probability 1 - C(m - j, n) / C(m, n): exact, so the targets need no seed."""
    pooled = sorted(
        (v for t in randoms for v in t.full_trainings if not math.isnan(v)),
        reverse=problem.direction == "Maximize",
    )
    m = len(pooled)
    if not m:
        raise ValueError(f"{problem.name}: random search ran no training to its last epoch")
    n = min(problem.budget_runs, m)
    reached = [1 - math.comb(m - j, n) / math.comb(m, n) for j in range(1, m + 1)]
    return [pooled[next(j for j, p in enumerate(reached) if p >= 1 - q)] for q in QUANTILES]


def summarise(problem: Problem, traces: dict[str, list[Trace]]) -> str:
    goals = targets(problem, traces["trimtab Random"])
    head = " | ".join(
        f"epochs to p{int(q * 100)} ({t:.4g})" for q, t in zip(QUANTILES, goals, strict=True)
    )
    rows = [f"| method | {head} | final best (median) |", "| --- |" + " --- |" * (len(goals) + 1)]
    for method, runs in traces.items():
        cells = []
        for target in goals:
            needed = [epochs_to(t, target, problem) for t in runs]
            median = statistics.median(needed)
            reached = sum(math.isfinite(n) for n in needed)
            cells.append(
                f"{median:.0f} ({reached}/{len(runs)} reached)"
                if math.isfinite(median)
                else f"not reached ({reached}/{len(runs)})"
            )
        best = statistics.median(final_best(t, problem) for t in runs)
        rows.append(f"| {method} | {' | '.join(cells)} | {best:.4f} |")
    return "\n".join(rows)


SAVINGS_METHODS = ("trimtab Random", "trimtab Random + median")


def savings(problem: Problem, traces: dict[str, list[Trace]]) -> str:
    """Median stopping against none at the same number of training jobs: epochs and final best."""
    rows = [
        "| method | training jobs | epochs (median) | final best (median) |",
        "| --- | --- | --- | --- |",
    ]
    for method, runs in traces.items():
        epochs = statistics.median(t.epochs for t in runs)
        best = statistics.median(final_best(t, problem) for t in runs)
        rows.append(f"| {method} | {problem.budget_runs} | {epochs:.0f} | {best:.4f} |")
    return "\n".join(rows)


@dataclass(frozen=True)
class Task:
    """One run: at the problem's epoch budget, or for `jobs` training jobs (the savings table)."""

    problem: Problem
    method: str
    seed: int
    jobs: int | None = None


def run_task(task: Task) -> Trace:
    if task.method.startswith("trimtab"):
        return trimtab_run(task.problem, task.method, task.seed, jobs=task.jobs)
    return optuna_run(task.problem, task.method, task.seed)


def run_all(tasks: Sequence[Task], workers: int) -> list[Trace]:
    """Every task's trace, in the order of `tasks`; each run is seeded, so the traces are the
    same whatever `workers` is."""
    if workers <= 1:
        return [run_task(t) for t in tasks]
    with ProcessPoolExecutor(workers, initializer=one_thread) as pool:
        return list(pool.map(run_task, tasks))


def report(
    problems: Sequence[Problem], methods: Sequence[str], seeds: int, workers: int = 1
) -> list[str]:
    """One section per problem: epochs to the targets, then the median rule's savings."""
    tasks = [Task(p, m, s) for p in problems for m in methods for s in range(seeds)]
    tasks += [
        Task(p, m, s, jobs=p.budget_runs)
        for p in problems
        for m in SAVINGS_METHODS
        for s in range(seeds)
    ]
    done = list(zip(tasks, run_all(tasks, workers), strict=True))
    sections = []
    for problem in problems:
        table = (
            summarise(problem, _traces(done, problem, methods, budgeted=True))
            + "\n\nSame training jobs, with and without the median rule:\n\n"
            + savings(problem, _traces(done, problem, SAVINGS_METHODS, budgeted=False))
        )
        budget = f"budget {problem.budget_runs} x {problem.max_epochs} epochs"
        print(f"\n{problem.name} ({budget})\n{table}")
        sections.append(
            f"### {problem.name}: {problem.metric} ({problem.direction}), {budget}, "
            f"{seeds} seeds\n\n{table}"
        )
    return sections


def _traces(
    done: Sequence[tuple[Task, Trace]], problem: Problem, methods: Sequence[str], budgeted: bool
) -> dict[str, list[Trace]]:
    """Per method, the traces of `problem`'s runs at the epoch budget (or at a job count)."""
    return {
        method: [
            trace
            for task, trace in done
            if task.problem is problem and task.method == method and (task.jobs is None) == budgeted
        ]
        for method in methods
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--problems", nargs="*", default=[p.name for p in PROBLEMS])
    parser.add_argument("--methods", nargs="*", default=METHODS)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--smoke", action="store_true", help="a seconds-long sanity run")
    args = parser.parse_args(argv)
    if args.smoke:  # short curves, every kind of method once: prints, writes nothing
        short = replace(PROBLEMS[1], max_epochs=9, budget_runs=PARALLEL)
        report([short], [*METHODS[:3], "Optuna random + SHA"], seeds=1)
        return
    problems = [p for p in PROBLEMS if p.name in args.problems]
    sections = report(problems, args.methods, args.seeds, args.workers)
    write_section(
        "multifidelity",
        "Multi-fidelity: epochs to reach a target",
        f"python -m benchmarks.multifidelity --seeds {args.seeds}",
        "Medians over seeds. Targets: the values that full-fidelity random search at the same "
        "budget reaches with probability 1/2 (p50) and 1/10 (p90), from all its trainings over "
        "the seeds. trimtab runs 4 jobs in parallel through its tuner; Optuna runs one trial at "
        "a time. What was tried to make Hyperband better on mlp-digits, and what it measured: "
        "[multifidelity-experiments.md](multifidelity-experiments.md).\n\n" + "\n\n".join(sections),
    )


if __name__ == "__main__":
    main()
