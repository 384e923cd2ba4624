"""The stopping-policy bound: exact expected epochs on pools small enough to count by hand."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from benchmarks.multifidelity import PROBLEMS, EpochRunner, Trace, targets
from benchmarks.stopping_bound import bound, expected_epochs, hyperband_cuts, main, pool

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
    early[0] = [0.0, 9.0, 9.0]  # at the target at epoch 1, then cut at epoch 2 as the worst
    # Misses: the two others cut at epoch 2 and the one kept (3 epochs): 7 epochs per hit.
    assert expected_epochs(early, [(2, 1 / 4)], 0.0) == pytest.approx(2 + 2 + 3 + 1)


def test_a_second_cut_keeps_a_share_of_the_jobs_still_running() -> None:
    # Nine configurations ranked alike at every epoch; only the first reaches -0.5, at epoch 3.
    # A third survive epoch 1, and a third of those (the first alone) epoch 2: the eight misses
    # cost 1 epoch (six) or 2 (two). A share of all nine at epoch 2 would keep three.
    losses = np.repeat(np.arange(9.0)[:, None], 3, axis=1)
    losses[0, 2] = -0.5
    assert expected_epochs(losses, [(1, 1 / 3), (2, 1 / 3)], -0.5) == pytest.approx(6 + 2 * 2 + 3)


def test_hyperband_cuts_keep_a_third_at_each_rung_below_the_last_epoch() -> None:
    assert hyperband_cuts(27) == [(1, 1 / 3), (3, 1 / 3), (9, 1 / 3)]
    assert hyperband_cuts(28) == [(1, 1 / 3), (3, 1 / 3), (9, 1 / 3), (27, 1 / 3)]


@pytest.mark.parametrize("direction", ["Minimize", "Maximize"])
def test_the_bound_finds_the_policy_that_cuts_where_early_values_tell(direction: str) -> None:
    """Curves that rank like their final values from epoch 3 on, and at random before it."""
    rng = np.random.default_rng(0)
    finals = rng.uniform(0, 1, 2000)
    losses = finals[:, None] + np.linspace(1, 0, 9)[None, :] ** 2
    losses[:, :2] = rng.permutation(losses[:, :2])
    problem = dataclasses.replace(PROBLEMS[1], max_epochs=9, budget_runs=20, direction=direction)
    sign = -1 if direction == "Maximize" else 1
    expected = targets(problem, [Trace(full_trainings=list(sign * losses.min(1)))])
    rows = bound(problem, losses)
    assert [row.target for row in rows] == expected  # in the problem's units
    for row in rows:
        assert all(epoch >= 3 for epoch, _ in row.policy)  # never cuts where values are noise
        assert row.best < row.random / 2


def test_the_stopping_bound_runs_in_miniature(capsys: pytest.CaptureFixture[str]) -> None:
    main(["--smoke", "--workers", "1"])  # 300 analytic curves of 27 epochs: writes nothing
    out = capsys.readouterr().out
    assert "| p50 (" in out and "| p90 (" in out and " keeps 1/" in out


@dataclasses.dataclass
class Scripted(EpochRunner):
    """A runner whose accuracy climbs by its `step` hyperparameter each epoch, or diverges."""

    config: dict[str, str]
    value: float = 0.0

    def step(self) -> float:
        self.value += float(self.config["step"])
        return math.nan if float(self.config["step"]) > 0.9 else self.value


def test_a_maximised_problem_is_pooled_as_losses_with_diverged_epochs_worst() -> None:
    ranges = {"ContinuousParameterRanges": [{"Name": "step", "MinValue": "0", "MaxValue": "1"}]}
    problem = dataclasses.replace(
        PROBLEMS[1], runner=Scripted, ranges=ranges, direction="Maximize", max_epochs=3
    )
    losses = pool(problem, 40, workers=1)
    diverged = np.isinf(losses).all(1)
    assert 0 < diverged.sum() < 40 and np.all(losses[diverged] > 0)
    steps = -losses[~diverged, 0]  # the first epoch's accuracy is the step itself
    assert np.allclose(losses[~diverged], -steps[:, None] * [1, 2, 3])
