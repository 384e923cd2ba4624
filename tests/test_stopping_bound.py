"""The stopping-policy bound: exact expected epochs on pools small enough to count by hand."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from benchmarks.multifidelity import PROBLEMS
from benchmarks.stopping_bound import bound, expected_epochs, hyperband_cuts, main

# Four configurations, three epochs each; only the first ends at 0 (the target), at epoch 3.
TELLING = np.array([[1.0, 0.5, 0.0], [2.0, 1.5, 1.0], [3.0, 2.5, 2.0], [4.0, 3.5, 3.0]])


def test_random_search_needs_the_trainings_a_geometric_draw_needs() -> None:
    # p = 1/4: three misses of 3 epochs expected per hit, then the hit's own 3 epochs.
    assert expected_epochs(TELLING, [], 0.0) == pytest.approx(3 * 3 + 3)


def test_a_cut_at_an_epoch_that_ranks_like_the_last_one_costs_the_losers_one_epoch() -> None:
    assert expected_epochs(TELLING, [(1, 1 / 4)], 0.0) == pytest.approx(3 * 1 + 3)


def test_a_cut_at_an_epoch_that_ranks_the_other_way_never_reaches_the_target() -> None:
    misleading = TELLING.copy()
    misleading[:, 0] = misleading[::-1, 0]  # the eventual best looks worst at epoch 1
    assert expected_epochs(misleading, [(1, 1 / 4)], 0.0) == math.inf
    assert expected_epochs(misleading, [(1, 1 / 2), (2, 1 / 4)], 0.0) == math.inf
    assert expected_epochs(misleading, [(2, 1 / 4)], 0.0) == pytest.approx(3 * 2 + 3)


def test_a_target_reached_before_the_cut_counts_at_its_epoch() -> None:
    early = TELLING.copy()
    early[0] = [5.0, 0.0, 0.0]  # worst at epoch 1, but already at the target at epoch 2
    assert expected_epochs(early, [(2, 1 / 4)], 0.0) == pytest.approx(3 * 2 + 2)


def test_hyperband_cuts_keep_a_third_at_each_rung_below_the_last_epoch() -> None:
    assert hyperband_cuts(27) == [(1, 1 / 3), (3, 1 / 9), (9, 1 / 27)]
    assert hyperband_cuts(28) == [(1, 1 / 3), (3, 1 / 9), (9, 1 / 27), (27, 1 / 81)]


@pytest.mark.parametrize("direction", ["Minimize", "Maximize"])
def test_the_bound_finds_the_policy_that_cuts_where_early_values_tell(direction: str) -> None:
    """Curves that rank like their final values from epoch 3 on, and at random before it."""
    rng = np.random.default_rng(0)
    finals = rng.uniform(0, 1, 2000)
    losses = finals[:, None] + np.linspace(1, 0, 9)[None, :] ** 2
    losses[:, :2] = rng.permutation(losses[:, :2])
    problem = dataclasses.replace(PROBLEMS[1], max_epochs=9, budget_runs=20, direction=direction)
    sign = -1 if direction == "Maximize" else 1
    for row in bound(problem, losses):
        assert sign * row.target < np.quantile(finals, 0.05)  # targets in the problem's units
        (one_cost, one_cut), (two_cost, _) = row.best
        assert one_cut[0][0] >= 3  # never cuts where values are noise
        assert one_cost < row.random / 2 and two_cost < row.random / 2


def test_the_stopping_bound_runs_in_miniature(capsys: pytest.CaptureFixture[str]) -> None:
    main(["--smoke", "--workers", "1"])  # 300 analytic curves of 27 epochs: writes nothing
    out = capsys.readouterr().out
    assert "| p50 (" in out and "| p90 (" in out and "epoch 1 keeps" in out
