"""Time to propose a batch of 4 configurations after a given number of finished jobs.

The history is random configurations of two problems (Hartmann6: 6 continuous parameters;
Mixed: continuous, log-scaled, integer and categorical), loaded into each optimiser without
asking; each optimiser first answers one warm-up ask (imports, JIT), as a running tuner has.
Reported: the median over repeats (each a fresh optimiser with its own seed).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence

import numpy as np

from benchmarks.optimizers import make
from benchmarks.problems import Problem, synthetic
from trimtab.space import SearchSpace

SIZES = (16, 1000)
BATCH = 4
REPEATS = 3
LARGE_ONLY = ("trimtab-Bayesian", "Optuna-GP", "Optuna-TPE")  # others are not timed at 1,000


def history(problem: Problem, size: int) -> tuple[list[dict[str, str]], list[float]]:
    space = SearchSpace.from_wire(problem.ranges)
    rng = np.random.default_rng(size)
    configs = [space.sample(rng) for _ in range(size)]
    return configs, [problem.loss(c) for c in configs]


def ask_seconds(name: str, problem: Problem, size: int, repeats: int = REPEATS) -> float:
    configs, losses = history(problem, size)
    times = []
    for seed in range(repeats):
        optimizer = make(name, problem.ranges, seed)
        optimizer.preload(configs, losses)
        started = time.perf_counter()
        optimizer.ask(BATCH)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def table(optimizers: Sequence[str]) -> str:
    problems = [p for p in synthetic() if p.name in ("Hartmann6", "Mixed")]
    names = [n for n in optimizers if n != "SMAC3"]  # SMAC3 cannot be given a history
    header = "| optimiser | " + " | ".join(
        f"{p.name}, {size} finished" for size in SIZES for p in problems
    )
    rows = [header + " |", "|" + " --- |" * (1 + len(SIZES) * len(problems))]
    for name in names:
        ask_seconds(name, problems[0], SIZES[0], repeats=1)  # warm-up
        cells = []
        for size in SIZES:
            for problem in problems:
                if size > 100 and name not in LARGE_ONLY:
                    cells.append("not timed")
                else:
                    cells.append(f"{ask_seconds(name, problem, size):.2f} s")
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(rows)
