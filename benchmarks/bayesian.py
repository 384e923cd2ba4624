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
    python -m benchmarks.bayesian --smoke               # seconds; what the test suite runs
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from benchmarks import latency, scoring
from benchmarks.optimizers import available, make
from benchmarks.problems import Problem, all_problems
from benchmarks.report import write_section

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


def _one_thread() -> None:
    """Worker setup: one thread per process, so parallel workers do not fight over cores."""
    os.environ["OMP_NUM_THREADS"] = "1"
    import torch

    torch.set_num_threads(1)


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
    with ProcessPoolExecutor(workers, initializer=_one_thread) as pool:
        futures = {pool.submit(run, task): task for task in tasks}
        for future in as_completed(futures):
            error = future.exception()
            keep(futures[future], error if error is not None else future.result())
    return runs


# Tables.


def _fmt(value: float) -> str:
    return f"{value:.1f}"


def score_table(runs: Sequence[Run], optimizers: Sequence[str], problems: Sequence[Problem]) -> str:
    """Mean normalised score (± standard error over seeds) per problem, and overall."""
    header = "| problem | " + " | ".join(optimizers) + " |"
    rows = [header, "|" + " --- |" * (len(optimizers) + 1)]
    per_opt: dict[str, list[float]] = defaultdict(list)
    for problem in problems:
        mine = [r for r in runs if r.task.problem == problem.name]
        if not mine:
            continue
        optimum = problem.optimum
        if optimum is None:
            optimum = min(min(r.losses) for r in mine)
        reference = scoring.median([min(r.losses) for r in mine if r.task.optimizer == RANDOM])
        cells = []
        for name in optimizers:
            scores = [
                scoring.normalised_score(min(r.losses), optimum, reference)
                for r in mine
                if r.task.optimizer == name
            ]
            if not scores:
                cells.append("-")
                continue
            mean, error = scoring.mean_and_error(scores)
            per_opt[name].append(mean)
            cells.append(f"{_fmt(mean)} ± {_fmt(error)}")
        rows.append(f"| {problem.name} | " + " | ".join(cells) + " |")
    overall = [
        f"**{_fmt(statistics.fmean(per_opt[n]))}**" if per_opt[n] else "-" for n in optimizers
    ]
    rows.append("| **mean over problems** | " + " | ".join(overall) + " |")
    return "\n".join(rows)


def reach_table(runs: Sequence[Run], optimizers: Sequence[str], problems: Sequence[Problem]) -> str:
    """Median evaluations to reach random search's median final best, per problem and pooled."""
    rows = [
        "| problem | " + " | ".join(optimizers) + " |",
        "|" + " --- |" * (len(optimizers) + 1),
    ]
    pooled: dict[str, list[int]] = defaultdict(list)
    budget = max((r.task.budget for r in runs), default=0)
    for problem in problems:
        mine = [r for r in runs if r.task.problem == problem.name]
        if not mine:
            continue
        target = scoring.median([min(r.losses) for r in mine if r.task.optimizer == RANDOM])
        cells = []
        for name in optimizers:
            counts = [
                scoring.evaluations_to_reach(r.losses, target)
                for r in mine
                if r.task.optimizer == name
            ]
            pooled[name] += counts
            cells.append(_reach(counts, budget))
        rows.append(f"| {problem.name} | " + " | ".join(cells) + " |")
    rows.append(
        "| **median, all problems and seeds** | "
        + " | ".join(f"**{_reach(pooled[n], budget)}**" for n in optimizers)
        + " |"
    )
    return "\n".join(rows)


def _reach(counts: Sequence[int], budget: int) -> str:
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
        parts += [
            f"### {budget} evaluations in batches of {batch} ({seeds} seeds)",
            "Normalised score (100 * (1 - normalised regret); random search's median = 0, "
            "the optimum = 100), mean ± standard error over seeds:",
            score_table(chosen, optimizers, problems),
            f"Evaluations to reach random search's median best after {budget} evaluations "
            "(median over seeds):",
            reach_table(chosen, optimizers, problems),
            "Time to propose one batch, over every round of every run:",
            ask_table(chosen, optimizers),
        ]
    if probe:
        parts += ["### Time to propose a batch of 4, by history size", probe]
    return "\n\n".join(parts)


# Command line.


def parse_settings(text: str) -> list[tuple[int, int]]:
    return [(int(b), int(q)) for b, q in (s.split("x") for s in text.split(","))]


def tasks_for(
    problems: Iterable[Problem],
    optimizers: Sequence[str],
    seeds: int,
    settings: Sequence[tuple[int, int]],
) -> list[Task]:
    tasks = [
        Task(p.name, o, seed, budget, batch)
        for budget, batch in settings
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
    parser.add_argument("--settings", default="48x4,128x8", help="BUDGETxBATCH,...")
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
        for t in tasks_for(problems, optimizers, args.seeds, parse_settings(args.settings))
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
