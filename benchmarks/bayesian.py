"""Bayesian optimisation against the other optimisers, at equal budget: the score table.

Every optimiser runs every problem (benchmarks/problems.py) with the same budget and batch
size, over several seeds: each round asks for a batch, evaluates it, and tells the results,
so a batch of 4 is four training jobs running side by side. The report gives, per problem and
overall, the bayesmark normalised score and the evaluations needed to reach random search's
final best (benchmarks/scoring.py), and the time to propose a batch of 4 after 16 and after
1,000 finished jobs. It writes its section of docs/benchmarks.md.

Usage:
    python -m benchmarks.bayesian                       # the full run (hours on 2 cores)
    python -m benchmarks.bayesian --seeds 3 --problems Branin,Mixed --settings 48x4
    python -m benchmarks.bayesian --load runs.jsonl --raw runs.jsonl   # resume an interrupted run
    python -m benchmarks.bayesian --smoke               # seconds; what the test suite runs
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from benchmarks import latency, scoring
from benchmarks.optimizers import available, make
from benchmarks.problems import Problem, all_problems
from benchmarks.report import write_section
from benchmarks.workers import one_thread

RANDOM = "trimtab-Random"
COMMAND = "python -m benchmarks.bayesian"


@dataclass(frozen=True)
class Task:
    problem: str
    optimizer: str
    seed: int
    budget: int
    batch: int


@dataclass(frozen=True)
class Run:
    task: Task
    losses: list[float]  # in evaluation order
    ask_seconds: list[float]  # per batch
    wall_seconds: float


def problems_by_name() -> dict[str, Problem]:
    return {p.name: p for p in all_problems()}


def run(task: Task) -> Run:
    problem = problems_by_name()[task.problem]
    optimizer = make(task.optimizer, problem.ranges, task.seed)
    losses: list[float] = []
    asks: list[float] = []
    started = time.perf_counter()
    while len(losses) < task.budget:
        n = min(task.batch, task.budget - len(losses))
        before = time.perf_counter()
        configs = optimizer.ask(n)
        asks.append(time.perf_counter() - before)
        if not configs:
            break  # a finite space, fully tried
        values = [problem.loss(c) for c in configs]
        optimizer.tell(configs, values)
        losses += values
    return Run(task, losses, asks, time.perf_counter() - started)


def run_all(tasks: Sequence[Task], workers: int, raw: Path | None = None) -> list[Run]:
    """Every task's run, in completion order; a run that raises is reported and left out.
    With `raw`, each run is appended to that JSON-lines file as it finishes, so a long run that
    is interrupted can be resumed with `--load`."""
    runs: list[Run] = []

    def keep(task: Task, outcome: Run | BaseException) -> None:
        if isinstance(outcome, BaseException):
            print(f"{task} failed: {outcome!r}", flush=True)
            return
        runs.append(outcome)
        if raw is not None:
            with raw.open("a") as out:
                out.write(json.dumps(asdict(outcome)) + "\n")

    if workers <= 1:
        for task in tasks:
            try:
                keep(task, run(task))
            except Exception as error:
                keep(task, error)
        return runs
    with ProcessPoolExecutor(workers, initializer=one_thread) as pool:
        futures = {pool.submit(run, task): task for task in tasks}
        for future in as_completed(futures):
            failure = future.exception()
            keep(futures[future], failure if failure is not None else future.result())
    return runs


# Tables.


def _fmt(value: float) -> str:
    return f"{value:.1f}"


Table = dict[str, dict[str, list[float]]]  # problem -> optimiser -> one value per seed


Measure = Callable[[Problem, list[Run], list[Run]], Callable[[Run], float]]


def tabulate(
    runs: Sequence[Run], optimizers: Sequence[str], problems: Sequence[Problem], measure: Measure
) -> Table:
    """One value per run, by problem and optimiser. `measure(problem, its runs, its random
    search runs)` gives the function that values a run; a problem without random search runs
    (nothing to measure against) is left out."""
    out: Table = {}
    for problem in problems:
        mine = [r for r in runs if r.task.problem == problem.name]
        randoms = [r for r in mine if r.task.optimizer == RANDOM]
        if not randoms:
            continue
        value = measure(problem, mine, randoms)
        out[problem.name] = {
            name: [value(r) for r in mine if r.task.optimizer == name] for name in optimizers
        }
    return out


def score(problem: Problem, mine: list[Run], randoms: list[Run]) -> Callable[[Run], float]:
    """A run's normalised score (benchmarks/scoring.py)."""
    optimum = problem.optimum
    if optimum is None:
        optimum = min(min(r.losses) for r in mine)
    reference = scoring.median([min(r.losses) for r in randoms])
    clip = scoring.median([loss for r in randoms for loss in r.losses])
    return lambda r: scoring.normalised_score(min(r.losses), optimum, reference, clip)


def reach(problem: Problem, mine: list[Run], randoms: list[Run]) -> Callable[[Run], float]:
    """Evaluations a run needed to reach random search's median final best."""
    target = scoring.median([min(r.losses) for r in randoms])
    return lambda r: float(scoring.evaluations_to_reach(r.losses, target))


def overall_means(table: Table, optimizers: Sequence[str]) -> dict[str, float]:
    """Per optimiser, the mean over problems of its mean score over seeds."""
    return {
        name: statistics.fmean(statistics.fmean(row[name]) for row in table.values())
        for name in optimizers
        if all(row[name] for row in table.values())
    }


def pooled_medians(table: Table, optimizers: Sequence[str]) -> dict[str, float]:
    return {
        name: scoring.median([v for row in table.values() for v in row[name]])
        for name in optimizers
        if any(row[name] for row in table.values())
    }


def score_table(table: Table, optimizers: Sequence[str]) -> str:
    """Mean normalised score (± standard error over seeds) per problem, and overall."""
    rows = ["| problem | " + " | ".join(optimizers) + " |", "|" + " --- |" * (len(optimizers) + 1)]
    for problem, row in table.items():
        cells = [
            "{} ± {}".format(*map(_fmt, scoring.mean_and_error(row[n]))) if row[n] else "-"
            for n in optimizers
        ]
        rows.append(f"| {problem} | " + " | ".join(cells) + " |")
    means = overall_means(table, optimizers)
    overall = [f"**{_fmt(means[n])}**" if n in means else "-" for n in optimizers]
    rows.append("| **mean over problems** | " + " | ".join(overall) + " |")
    return "\n".join(rows)


def reach_table(table: Table, optimizers: Sequence[str], budget: int) -> str:
    """Median evaluations to reach random search's median final best, per problem and pooled."""
    rows = ["| problem | " + " | ".join(optimizers) + " |", "|" + " --- |" * (len(optimizers) + 1)]
    for problem, row in table.items():
        rows.append(
            f"| {problem} | " + " | ".join(_reach(row[n], budget) for n in optimizers) + " |"
        )
    pooled = [_reach([v for row in table.values() for v in row[n]], budget) for n in optimizers]
    rows.append(
        "| **median, all problems and seeds** | " + " | ".join(f"**{p}**" for p in pooled) + " |"
    )
    return "\n".join(rows)


def summary(scored: Table, reached: Table, optimizers: Sequence[str]) -> str:
    """trimtab Bayesian against the best of the others, and against random search."""
    means, medians = overall_means(scored, optimizers), pooled_medians(reached, optimizers)
    ours = "trimtab-Bayesian"
    others = {n: m for n, m in means.items() if n != ours}
    if ours not in means or not others:
        return ""
    rival = max(others, key=others.__getitem__)
    return (
        f"Mean normalised score: {ours} {_fmt(means[ours])}, the best other ({rival}) "
        f"{_fmt(others[rival])}: a margin of {means[ours] - others[rival]:+.1f} "
        f"± {_fmt(margin_error(scored, ours, rival))} points (standard error over seeds). "
        f"Median evaluations to reach random search's best: {medians[ours]:g} against "
        f"{medians[RANDOM]:g} for random search ({medians[RANDOM] / medians[ours]:.1f}x fewer)."
    )


def margin_error(table: Table, first: str, second: str) -> float:
    """Standard error of the difference between two optimisers' mean over problems: the
    seeds of each are independent runs, so the per-problem errors add in quadrature."""
    squares = [
        scoring.mean_and_error(row[name])[1] ** 2
        for row in table.values()
        for name in (first, second)
    ]
    return math.sqrt(sum(squares)) / len(table)


def _reach(counts: Sequence[float], budget: int) -> str:
    if not counts:
        return "-"
    value = scoring.median(counts)
    return f"> {budget}" if value > budget else f"{value:g}"


def ask_table(runs: Sequence[Run], optimizers: Sequence[str]) -> str:
    """Median and 90th percentile time to propose one batch, over all runs."""
    rows = ["| optimiser | median per batch | 90th percentile | whole run, median |"]
    rows.append("| --- | --- | --- | --- |")
    for name in optimizers:
        asks = [a for r in runs if r.task.optimizer == name for a in r.ask_seconds]
        walls = [r.wall_seconds for r in runs if r.task.optimizer == name]
        if asks:
            rows.append(
                f"| {name} | {np.median(asks):.3f} s | {np.quantile(asks, 0.9):.3f} s | "
                f"{np.median(walls):.1f} s |"
            )
    return "\n".join(rows)


def report(
    runs: Sequence[Run],
    optimizers: Sequence[str],
    problems: Sequence[Problem],
    probe: str,
    note: str,
) -> str:
    parts = [note] if note else []
    settings = sorted({(r.task.budget, r.task.batch) for r in runs})
    for budget, batch in settings:
        chosen = [r for r in runs if (r.task.budget, r.task.batch) == (budget, batch)]
        seeds = len({r.task.seed for r in chosen})
        scored = tabulate(chosen, optimizers, problems, score)
        reached = tabulate(chosen, optimizers, problems, reach)
        parts += [
            f"### {budget} evaluations in batches of {batch} ({seeds} seeds)",
            summary(scored, reached, optimizers),
            "Normalised score (100 * (1 - normalised regret); random search's median = 0, "
            "the optimum = 100), mean ± standard error over seeds:",
            score_table(scored, optimizers),
            f"Evaluations to reach random search's median best after {budget} evaluations "
            "(median over seeds):",
            reach_table(reached, optimizers, budget),
            "Time to propose one batch, over every round of every scored run:",
            ask_table([r for r in chosen if r.task.problem in scored], optimizers),
        ]
    if probe:
        parts += ["### Time to propose a batch of 4, by history size", probe]
    return "\n\n".join(p for p in parts if p)


# Command line.


def parse_settings(text: str, seeds: int) -> list[tuple[int, int, int]]:
    """`48x4,128x8:5` -> (budget, batch, seeds) per setting; `:N` overrides `seeds`."""
    out = []
    for item in text.split(","):
        size, _, count = item.partition(":")
        budget, batch = size.split("x")
        out.append((int(budget), int(batch), int(count) if count else seeds))
    return out


def tasks_for(
    problems: Iterable[Problem],
    optimizers: Sequence[str],
    settings: Sequence[tuple[int, int, int]],
) -> list[Task]:
    tasks = [
        Task(p.name, o, seed, budget, batch)
        for budget, batch, seeds in settings
        for p in problems
        for o in optimizers
        for seed in range(seeds)
    ]
    slow = {"HEBO": 0, "SMAC3": 1, "trimtab-Bayesian": 2, "Optuna-GP": 3}
    return sorted(tasks, key=lambda t: (slow.get(t.optimizer, 9), -t.budget))  # slow first


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--problems", default="all", help="comma-separated names, or all")
    parser.add_argument("--optimizers", default="all", help="comma-separated names, or all")
    parser.add_argument(
        "--settings",
        default="48x4,128x8:5",
        help="BUDGETxBATCH[:SEEDS],... (default seeds: --seeds)",
    )
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--raw", type=Path, help="append every run here (JSON lines)")
    parser.add_argument("--load", type=Path, action="append", default=[], help="reuse raw runs")
    parser.add_argument("--probe", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--write", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--note", default="", help="a sentence to put above the tables")
    parser.add_argument("--smoke", action="store_true", help="a seconds-long sanity run")
    args = parser.parse_args(argv)
    if args.smoke:
        args.seeds, args.problems, args.settings = 1, "Branin", "8x4"
        args.optimizers, args.probe, args.write = "trimtab-Random,trimtab-Bayesian", False, False
        args.workers = 1

    problems = all_problems()
    if args.problems != "all":
        wanted = args.problems.split(",")
        problems = [p for p in problems if p.name in wanted]
    optimizers = available() if args.optimizers == "all" else args.optimizers.split(",")
    if RANDOM not in optimizers:
        optimizers = [RANDOM, *optimizers]  # the reference every score needs
    done = [r for path in args.load for r in load(path)]
    have = {r.task for r in done}
    todo = [
        t
        for t in tasks_for(problems, optimizers, parse_settings(args.settings, args.seeds))
        if t not in have
    ]
    print(f"{len(todo)} runs to do, {len(done)} loaded")
    runs = done + run_all(todo, args.workers, args.raw)
    probe = latency.table(optimizers) if args.probe else ""
    names = [p.name for p in problems]
    runs = [r for r in runs if r.task.problem in names and r.task.optimizer in optimizers]
    body = report(runs, optimizers, problems, probe, args.note)
    print(body)
    if args.write:
        write_section("bayesian", "Bayesian optimisation against other optimisers", COMMAND, body)


def load(path: Path) -> list[Run]:
    """Runs saved with `--raw` (JSON lines)."""
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [Run(Task(**r["task"]), r["losses"], r["ask_seconds"], r["wall_seconds"]) for r in rows]


if __name__ == "__main__":
    main()
