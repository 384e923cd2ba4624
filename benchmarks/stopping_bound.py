"""How much rung rules could save on a multi-fidelity problem: stopping policies in hindsight.

Hyperband, successive halving and the median rule judge a job by its value at a few epochs, so
what they can save over full-fidelity random search depends on the problem: on how well early
values pick out the configurations that end best. This measures it. It trains a pool of random
configurations (trimtab Random's draws) to their last epoch, once, then computes per target the
expected epochs until some configuration reaches it, configurations drawn at random and trained
one after another:

- by full-fidelity random search;
- by Hyperband's most aggressive bracket (η = 3, rungs from epoch 1, a third of the running
  configurations kept at each);
- by the best stopping policy of at most two cuts on a grid (a cut is an epoch and the share of
  the still-running configurations kept there).

Each cut's threshold is read off the pool, so it is known in advance, and no parallel job
wastes epochs: a rule that learns its thresholds while it runs saves less. With configurations
drawn at random, the best policy of the grid is therefore about the most a rung rule can save
(on mlp-digits, a finer grid of two cuts saved about 5% more and three cuts nothing more; see
docs/multifidelity-experiments.md); only a model that draws better configurations goes further.

A target is reached at the first epoch whose value reaches it. The expectation is exact for
draws from the pool: with p the share of configurations that reach the target by the epoch they
are stopped at, E = (1 - p) / p · (mean epochs of one that does not) + (mean epochs to the hit
of one that does). The targets are the multi-fidelity benchmark's: what the best of
`budget_runs` full trainings reaches with probability 1/2 and 1/10, here drawn from the pool.

Usage: `python -m benchmarks.stopping_bound [--configs 4000] [--workers N]` (mlp-digits trains
its pool in about 15 minutes on 2 cores; curves is analytic); `--smoke` is a seconds-long run.
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace

import numpy as np

from benchmarks.multifidelity import PROBLEMS, QUANTILES, Problem, Trace, targets
from benchmarks.report import write_section
from benchmarks.workers import one_thread
from trimtab.space import SearchSpace
from trimtab.strategies.hyperband import rung_levels
from trimtab.strategies.random_search import RandomSearch

SHARES = (1 / 2, 1 / 3, 1 / 5, 1 / 9, 1 / 27)  # of the running configurations, kept at a cut
ETA = 3  # trimtab Hyperband's η
POOL_SEED = 7

Cut = tuple[int, float]  # (epoch, share of the configurations still running kept there)


def train(task: tuple[Problem, int]) -> list[float]:
    """The learning curve of trimtab Random's configuration number `index`, all epochs."""
    problem, index = task
    space = SearchSpace.from_wire(problem.ranges)
    config = RandomSearch({None: space}, POOL_SEED).draw(index).hyperparameters
    runner = problem.runner(dict(config))
    return [runner.step() for _ in range(problem.max_epochs)]


def pool(problem: Problem, configs: int, workers: int) -> np.ndarray:
    """Learning curves (configurations x epochs) as losses: lower is better, a diverged (NaN)
    epoch worst of all."""
    tasks = [(problem, i) for i in range(configs)]
    if workers <= 1:
        curves = [train(t) for t in tasks]
    else:
        with ProcessPoolExecutor(workers, initializer=one_thread) as executor:
            curves = list(executor.map(train, tasks, chunksize=20))
    losses = np.array(curves) * (-1 if problem.direction == "Maximize" else 1)
    return np.where(np.isnan(losses), np.inf, losses)


def expected_epochs(losses: np.ndarray, cuts: Sequence[Cut], target: float) -> float:
    """Epochs until a loss reaches `target`, in expectation, under the stopping policy `cuts`
    (infinite when no configuration gets there before it is stopped)."""
    n, epochs = losses.shape
    stop = np.full(n, epochs)
    alive = np.ones(n, dtype=bool)
    for epoch, kept in cuts:
        values = losses[:, epoch - 1]
        dropped = alive & (values > np.quantile(values[alive], kept, method="inverted_cdf"))
        stop[dropped] = epoch
        alive &= ~dropped
    reached = losses <= target
    hit = np.where(reached.any(1), reached.argmax(1) + 1, epochs + 1)
    success = hit <= stop
    p = success.mean()
    if p == 0:
        return math.inf
    misses = (1 - p) / p * stop[~success].mean() if p < 1 else 0.0
    return float(misses + hit[success].mean())


def hyperband_cuts(epochs: int) -> list[Cut]:
    """Hyperband's most aggressive bracket: rungs at 1, η, η², ..., each keeping 1/η."""
    return [(rung, 1 / ETA) for rung in rung_levels(1, epochs, ETA, 0)]


def policies(epochs: int) -> list[list[Cut]]:
    """Every policy of one or two cuts at roughly geometric epochs below `epochs`."""
    levels = sorted({round(epochs ** (i / 8)) for i in range(8)} - {epochs})
    ones = [[(e, s)] for e in levels for s in SHARES]
    twos = [
        [(e1, s1), (e2, s2)]
        for (e1, e2), s1, s2 in itertools.product(itertools.combinations(levels, 2), SHARES, SHARES)
    ]
    return ones + twos


@dataclass(frozen=True)
class Bound:
    """One target (in the problem's units) and the expected epochs to reach it, three ways."""

    target: float
    random: float
    hyperband: float
    best: float
    policy: list[Cut]  # the best policy of at most two cuts


def bound(problem: Problem, losses: np.ndarray) -> list[Bound]:
    """Per target of the multi-fidelity benchmark (p50, then p90), drawn from `losses`."""
    sign = -1 if problem.direction == "Maximize" else 1
    bests = [float(sign * v) for v in losses.min(1) if math.isfinite(v)]
    rows = []
    for target in targets(problem, [Trace(full_trainings=bests)]):
        goal = sign * target
        best, policy = min(
            (
                (expected_epochs(losses, policy, goal), policy)
                for policy in policies(losses.shape[1])
            ),
            key=lambda scored: scored[0],
        )
        random = expected_epochs(losses, [], goal)
        hyperband = expected_epochs(losses, hyperband_cuts(losses.shape[1]), goal)
        rows.append(Bound(target, random, hyperband, best, policy))
    return rows


def _epochs(value: float, base: float) -> str:
    return f"{value:.0f} ({value / base:.2f}x)" if math.isfinite(value) else "never"


def _policy(cuts: Sequence[Cut]) -> str:
    return ", ".join(f"epoch {e} keeps 1/{round(1 / s)}" for e, s in cuts)


def table(problem: Problem, rows: Sequence[Bound]) -> str:
    lines = [
        "| target | random search | Hyperband's rungs | best policy of at most two cuts |",
        "| --- | --- | --- | --- |",
    ]
    for q, row in zip(QUANTILES, rows, strict=True):
        cells = [f"{row.random:.0f}", _epochs(row.hyperband, row.random)]
        cells.append(f"{_epochs(row.best, row.random)}: {_policy(row.policy)}")
        lines.append(f"| p{int(q * 100)} ({row.target:.4g}) | {' | '.join(cells)} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--configs", type=int, default=4000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="300 analytic curves, a seconds-long run: writes nothing",
    )
    args = parser.parse_args(argv)
    problems = [replace(PROBLEMS[1], max_epochs=27)] if args.smoke else PROBLEMS
    configs = 300 if args.smoke else args.configs
    sections = []
    for problem in problems:
        text = table(problem, bound(problem, pool(problem, configs, args.workers)))
        heading = (
            f"{problem.name}: {problem.metric} ({problem.direction}), {configs} configurations"
        )
        print(f"\n{heading}\n{text}")
        sections.append(f"### {heading} x {problem.max_epochs} epochs\n\n{text}")
    if args.smoke:
        return
    write_section(
        "stopping-bound",
        "Multi-fidelity: how much rung rules could save",
        f"python -m benchmarks.stopping_bound --configs {configs}",
        "Expected epochs until a configuration reaches the target, configurations drawn at random "
        "and trained one at a time, with each cut's threshold known in advance (see the module "
        "docstring); in brackets, the ratio to full-fidelity random search. Targets as in the "
        "multi-fidelity benchmark, from this pool. A cut keeps a share of the configurations "
        "still running. The best policy is about the most that a rule judging jobs by their "
        "values at a few epochs can save when it draws configurations at random (on mlp-digits a "
        "finer grid of two cuts saved about 5% more, three cuts nothing more: "
        "[multifidelity-experiments.md](multifidelity-experiments.md)); one that learns its "
        "thresholds while it runs, with jobs in parallel, saves less.\n\n" + "\n\n".join(sections),
    )


if __name__ == "__main__":
    main()
