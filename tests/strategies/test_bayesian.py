"""The Bayesian strategy beyond the shared contract: search quality, batches, failures,
direction, seeds, warm-start priors, and the pieces it is built from.

The contract suite (test_strategies.py) runs Bayesian too. Each model-based `suggest` here
costs a GP fit and a search (a few tenths of a second), so the tests keep their count small.
"""

from __future__ import annotations

import math
import statistics
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pytest
import torch

from trimtab.errors import MissingDependency
from trimtab.space import SearchSpace
from trimtab.spec.enums import ObjectiveStatus, ObjectiveType, SecondaryStatus, TrainingJobStatus
from trimtab.strategies import Prior, Problem, make_strategy
from trimtab.strategies._design import ConfigKey, design_size, fresh_design, space_size
from trimtab.strategies.bayesian import BayesianSearch
from trimtab.strategies.gp import Observation, propose
from trimtab.strategies.gp.model import subsample
from trimtab.strategies.gp.warping import warp
from trimtab.types import History, Suggestion, Trial

Loss = Callable[[Mapping[str, str]], float]

PLANE = SearchSpace.from_wire(
    {
        "ContinuousParameterRanges": [
            {"Name": "x", "MinValue": "0", "MaxValue": "1"},
            {"Name": "y", "MinValue": "0", "MaxValue": "1"},
        ]
    }
)
MIXED = SearchSpace.from_wire(
    {
        "ContinuousParameterRanges": [
            {"Name": "lr", "MinValue": "0.0001", "MaxValue": "1", "ScalingType": "Logarithmic"}
        ],
        "IntegerParameterRanges": [{"Name": "n", "MinValue": "1", "MaxValue": "20"}],
        "CategoricalParameterRanges": [{"Name": "c", "Values": ["a", "b", "c"]}],
    }
)
FINITE = SearchSpace.from_wire(
    {
        "IntegerParameterRanges": [{"Name": "n", "MinValue": "1", "MaxValue": "3"}],
        "CategoricalParameterRanges": [{"Name": "c", "Values": ["a", "b"]}],
    }
)


def bowl(config: Mapping[str, str]) -> float:
    return (float(config["x"]) - 0.7) ** 2 + (float(config["y"]) - 0.2) ** 2


def mixed_loss(config: Mapping[str, str]) -> float:
    return (
        (math.log10(float(config["lr"])) + 2) ** 2 / 4
        + ((int(config["n"]) - 7) / 10) ** 2
        + {"a": 0.3, "b": 0.0, "c": 0.5}[config["c"]]
    )


def trial(
    index: int,
    hyperparameters: Mapping[str, str],
    objective: float | None = None,
    status: TrainingJobStatus = TrainingJobStatus.COMPLETED,
    job: str = "job",
) -> Trial:
    pending = status is TrainingJobStatus.IN_PROGRESS
    if pending:
        objective_status = ObjectiveStatus.PENDING
    elif objective is None or status is TrainingJobStatus.FAILED:
        objective_status = ObjectiveStatus.FAILED
    else:
        objective_status = ObjectiveStatus.SUCCEEDED
    return Trial(
        tuning_job_name=job,
        index=index,
        training_job_name=f"{job}-{index:03d}",
        hyperparameters=dict(hyperparameters),
        definition_name=None,
        status=status,
        secondary_status=SecondaryStatus.TRAINING if pending else SecondaryStatus.COMPLETED,
        objective_status=objective_status,
        creation_time=float(index),
        objective=objective,
    )


def evaluated(
    suggestions: Sequence[Suggestion], loss: Loss, start: int = 0, sign: float = 1.0
) -> list[Trial]:
    return [
        trial(start + i + 1, s.hyperparameters, sign * loss(s.hyperparameters))
        for i, s in enumerate(suggestions)
    ]


def optimise(strategy: BayesianSearch, loss: Loss, rounds: int, batch: int = 4) -> list[Trial]:
    trials: list[Trial] = []
    for _ in range(rounds):
        trials += evaluated(strategy.suggest(History(trials), batch), loss, len(trials))
    return trials


def keys(items: Sequence[Suggestion] | Sequence[Trial]) -> list[frozenset[tuple[str, str]]]:
    return [frozenset(i.hyperparameters.items()) for i in items]


# Search quality.


def test_beats_random_search_on_a_cheap_function() -> None:
    """Best loss after 16 evaluations (batches of 4), median over 5 seeds."""
    bayes, rand = [], []
    for seed in range(5):
        found = optimise(BayesianSearch({None: PLANE}, seed), bowl, rounds=4)
        bayes.append(min(bowl(t.hyperparameters) for t in found))
        rng = np.random.default_rng(seed)
        rand.append(min(bowl(PLANE.sample(rng)) for _ in range(16)))
    # Random's median best here is about 3e-3; the model gets within 1e-3 of the optimum.
    assert statistics.median(bayes) < 1e-3 < statistics.median(rand)


def test_mixed_space_finds_the_right_integer_and_category() -> None:
    """Two seeds of three must find category b and n within 2 of 7 in 20 evaluations."""
    hits = 0
    for seed in range(3):
        found = optimise(BayesianSearch({None: MIXED}, seed), mixed_loss, rounds=5)
        best = min(found, key=lambda t: mixed_loss(t.hyperparameters)).hyperparameters
        hits += best["c"] == "b" and abs(int(best["n"]) - 7) <= 2
        for t in found:
            assert t.hyperparameters == MIXED.decode(MIXED.encode(t.hyperparameters))
    assert hits >= 2


# Batches, duplicates, pending trials.


def test_a_finite_space_is_tried_once_each_then_exhausted() -> None:
    strategy = BayesianSearch({None: FINITE}, 0)
    trials = optimise(strategy, lambda c: int(c["n"]) + (c["c"] == "b"), rounds=2)
    trials += evaluated(strategy.suggest(History(trials), 4), lambda c: 0.0, len(trials))
    assert len(trials) == space_size(FINITE) == 6
    assert len(set(keys(trials))) == 6
    assert strategy.suggest(History(trials), 4) == []


def test_a_batch_spreads_out_and_pending_trials_move_the_next_pick() -> None:
    strategy = BayesianSearch({None: PLANE}, 1)
    trials = optimise(strategy, bowl, rounds=2)
    batch = strategy.suggest(History(trials), 4)
    assert len(set(keys(batch))) == 4
    points = np.array([PLANE.encode(s.hyperparameters) for s in batch])
    gaps = [np.linalg.norm(a - b) for i, a in enumerate(points) for b in points[i + 1 :]]
    assert min(gaps) > 1e-3  # not one point four times
    (alone,) = strategy.suggest(History(trials), 1)
    running = [trial(len(trials) + 1, alone.hyperparameters, status=TrainingJobStatus.IN_PROGRESS)]
    (beside,) = strategy.suggest(History(trials + running), 1)
    assert beside != alone


# Failures, direction, seeds.


def test_failed_jobs_count_as_bad_and_are_not_retried() -> None:
    """Jobs with x > 0.5 crash; the model learns to stay left of it."""

    def crash_right(config: Mapping[str, str]) -> float | None:
        return None if float(config["x"]) > 0.5 else bowl(config)

    strategy = BayesianSearch({None: PLANE}, 2)
    trials: list[Trial] = []
    for _ in range(3):
        for s in strategy.suggest(History(trials), 4):
            loss = crash_right(s.hyperparameters)
            status = TrainingJobStatus.FAILED if loss is None else TrainingJobStatus.COMPLETED
            trials.append(trial(len(trials) + 1, s.hyperparameters, loss, status))
    assert any(t.objective_status is ObjectiveStatus.FAILED for t in trials)
    following = strategy.suggest(History(trials), 4)
    assert sum(float(s.hyperparameters["x"]) <= 0.5 for s in following) >= 3
    assert not set(keys(following)) & set(keys(trials))


def test_maximize_is_minimize_of_the_negated_objective() -> None:
    minimise = BayesianSearch({None: PLANE}, 4)
    maximise = BayesianSearch({None: PLANE}, 4, directions={None: ObjectiveType.MAXIMIZE})
    start = minimise.suggest(History([]), 6)
    as_losses = evaluated(start, bowl)
    as_gains = evaluated(start, bowl, sign=-1.0)
    assert minimise.suggest(History(as_losses), 2) == maximise.suggest(History(as_gains), 2)


def test_a_seed_repeats_a_run_and_leaves_torch_alone() -> None:
    trials = evaluated(BayesianSearch({None: MIXED}, 5).suggest(History([]), 5), mixed_loss)
    history = History(trials)
    rng_state, threads = torch.get_rng_state(), torch.get_num_threads()
    first = BayesianSearch({None: MIXED}, 5).suggest(history, 2)
    assert torch.equal(torch.get_rng_state(), rng_state)
    assert torch.get_num_threads() == threads
    assert BayesianSearch({None: MIXED}, 5).suggest(history, 2) == first
    assert BayesianSearch({None: MIXED}, 6).suggest(history, 2) != first


# Warm-start priors.


def test_prior_results_replace_the_design_and_are_not_proposed_again() -> None:
    parent = optimise(BayesianSearch({None: PLANE}, 7), bowl, rounds=2)
    parents = tuple(trial(t.index, t.hyperparameters, t.objective, job="parent") for t in parent)
    warm = BayesianSearch({None: PLANE}, 8, prior=Prior(parents))
    first = warm.suggest(History([]), 2)
    cold = BayesianSearch({None: PLANE}, 8).suggest(History([]), 2)
    assert first != cold  # model-based from the start, not the Sobol design
    assert not set(keys(first)) & set(keys(parents))
    assert min(bowl(s.hyperparameters) for s in first) < 0.02  # near the parents' best


def test_transfer_learning_warps_each_parent_on_its_own() -> None:
    prior = Prior((trial(1, {"x": "0.1", "y": "0.1"}, 5.0, job="p1"),), transfer=True)
    assert prior.group(prior.trials[0]) == "p1"
    assert Prior(prior.trials).group(prior.trials[0]) == ""


# The pieces.


def test_propose_needs_two_results_and_skips_what_is_excluded() -> None:
    one = [Observation({"x": "0.5", "y": "0.5"}, 0.1)]
    assert propose(PLANE, one, [], 3, 0) == []
    configs = [{"n": str(n), "c": c} for n in (1, 2, 3) for c in "ab"]
    seen = [Observation(configs[0], 1.0), Observation(configs[1], None)]
    out = propose(FINITE, [*seen, Observation(configs[2], 0.5)], [configs[3]], 5, 0, [configs[4]])
    assert out == [configs[5]]  # the only configuration left


def test_a_proposal_without_local_search_still_goes_where_the_model_points() -> None:
    """Hyperband's proposals score a wide random sample only; that must still find the bowl."""
    rng = np.random.default_rng(0)
    points = [{"x": str(x), "y": str(y)} for x, y in rng.random((16, 2))]
    seen = [Observation(p, (float(p["x"]) - 0.7) ** 2 + (float(p["y"]) - 0.2) ** 2) for p in points]
    for seed in range(3):
        (out,) = propose(PLANE, seen, [], 1, seed, local=False)
        assert math.dist((float(out["x"]), float(out["y"])), (0.7, 0.2)) < 0.15
        assert propose(PLANE, seen, [], 1, seed, local=False) == [out]  # seeded


def test_warping_keeps_order_and_tames_outliers() -> None:
    losses = np.array([0.1, 0.2, 0.3, 0.25, 1e6])
    z = warp(losses)
    assert list(np.argsort(z)) == list(np.argsort(losses))
    assert z[1] - z[0] > 0.1  # the good end is still resolved despite the outlier
    assert not np.any(warp(np.array([3.0, 3.0, 3.0])))


def test_large_histories_are_subsampled_keeping_the_best() -> None:
    losses = np.random.default_rng(0).random(1000)
    chosen = subsample(losses, np.random.default_rng(1), limit=200)
    assert len(chosen) == 200 == len(set(chosen.tolist()))
    assert set(np.argsort(losses)[:50].tolist()) <= set(chosen.tolist())


def test_the_design_fills_the_space_and_continues_where_it_stopped() -> None:
    assert design_size(PLANE) == 4 and design_size(MIXED) == 4
    first = fresh_design(MIXED, 0, set(), 8)
    assert len({frozenset(c.items()) for c in first}) == 8
    assert {c["c"] for c in first} == {"a", "b", "c"}
    seen: set[ConfigKey] = {(None, frozenset(c.items())) for c in first[:3]}
    assert fresh_design(MIXED, 0, seen, 2) == first[3:5]


def test_made_by_name_with_its_options() -> None:
    problem = Problem({None: PLANE}, 0, directions={None: ObjectiveType.MAXIMIZE})
    strategy = make_strategy("Bayesian", problem)
    assert isinstance(strategy, BayesianSearch)


def test_missing_botorch_names_the_extra() -> None:
    code = (
        "import sys\n"
        "sys.modules['botorch'] = None\n"
        "from trimtab.space import SearchSpace\n"
        "from trimtab.strategies import Problem, make_strategy\n"
        "from trimtab.errors import MissingDependency\n"
        "try:\n"
        "    make_strategy('Bayesian', Problem({None: SearchSpace(())}, 0))\n"
        "except MissingDependency as error:\n"
        "    print(error.message)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "pip install 'trimtab[bayesian]'" in out.stdout
    assert MissingDependency.code == "MissingDependency"


@pytest.mark.parametrize("seed", [-1])
def test_rejects_a_negative_seed(seed: int) -> None:
    with pytest.raises(ValueError, match="seed=-1"):
        BayesianSearch({None: PLANE}, seed)


def test_the_benchmark_runs_in_miniature(capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks.bayesian import main

    main(["--smoke"])  # Random and Bayesian, Branin, 8 evaluations: writes nothing
    out = capsys.readouterr().out
    assert "| Branin |" in out and "trimtab-Bayesian" in out


def test_the_benchmark_states_the_margin_with_its_standard_error() -> None:
    from benchmarks.bayesian import margin_error

    # Two problems; per-problem standard errors 1 and 2 (ours), 2 and 4 (theirs).
    table = {
        "a": {"ours": [9.0, 11.0], "theirs": [8.0, 12.0]},
        "b": {"ours": [8.0, 12.0], "theirs": [6.0, 14.0]},
    }
    assert margin_error(table, "ours", "theirs") == pytest.approx((1 + 4 + 4 + 16) ** 0.5 / 2)
