"""The Strategy contract, run for every strategy, then what is specific to Random and Grid.

Bayesian's own tests are in test_bayesian.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from trimtab.space import SearchSpace
from trimtab.spec.enums import ObjectiveStatus, SecondaryStatus, TrainingJobStatus
from trimtab.spec.enums import Strategy as StrategyName
from trimtab.strategies import (
    STRATEGIES,
    GridSearch,
    Hyperband,
    Problem,
    RandomSearch,
    Strategy,
    make_strategy,
)
from trimtab.types import History, Suggestion, Trial

Spaces = Mapping[str | None, SearchSpace]

MIXED = SearchSpace.from_wire(
    {
        "IntegerParameterRanges": [{"Name": "epochs", "MinValue": "1", "MaxValue": "50"}],
        "ContinuousParameterRanges": [
            {"Name": "lr", "MinValue": "0.0001", "MaxValue": "0.1", "ScalingType": "Logarithmic"}
        ],
        "CategoricalParameterRanges": [{"Name": "optimizer", "Values": ['"adam"', '"sgd"']}],
    }
)
CATEGORICAL = SearchSpace.from_wire(
    {
        "CategoricalParameterRanges": [
            {"Name": "optimizer", "Values": ['"adam"', '"sgd"']},
            {"Name": "layers", "Values": ["1", "2", "3"]},
        ]
    }
)
SMALL = SearchSpace.from_wire({"CategoricalParameterRanges": [{"Name": "act", "Values": ["relu"]}]})


@dataclass(frozen=True)
class Case:
    name: str
    spaces: Spaces  # single definition (key None)
    multi: Spaces  # two named definitions

    def make(self, seed: int = 7, multi: bool = False) -> Strategy:
        spaces = self.multi if multi else self.spaces
        epochs = dict.fromkeys(spaces, 9)  # Hyperband's MaxResource; the others ignore it
        return make_strategy(self.name, Problem(spaces, seed, max_resource=epochs))


CASES = {
    "Random": Case("Random", {None: MIXED}, {"mlp": MIXED, "tree": CATEGORICAL}),
    "Grid": Case("Grid", {None: CATEGORICAL}, {"mlp": CATEGORICAL, "tree": SMALL}),
    "Bayesian": Case("Bayesian", {None: MIXED}, {"mlp": MIXED, "tree": CATEGORICAL}),
    "Hyperband": Case("Hyperband", {None: MIXED}, {"mlp": MIXED, "tree": CATEGORICAL}),
}


@pytest.fixture(params=sorted(CASES))
def case(request: pytest.FixtureRequest) -> Case:
    return CASES[request.param]


def as_trials(suggestions: Sequence[Suggestion], status: TrainingJobStatus) -> list[Trial]:
    """Trials as the store would hold them after launching these suggestions."""
    return [
        Trial(
            tuning_job_name="job",
            index=i + 1,
            training_job_name=f"job-{i + 1:03d}",
            hyperparameters=s.hyperparameters,
            definition_name=s.definition_name,
            status=status,
            secondary_status=SecondaryStatus.TRAINING,
            objective_status=ObjectiveStatus.PENDING,
            creation_time=0.0,
        )
        for i, s in enumerate(suggestions)
    ]


def run_in_batches(strategy: Strategy, sizes: Sequence[int]) -> list[Suggestion]:
    """Suggest batch after batch, each launched (pending) before the next call."""
    done: list[Suggestion] = []
    for size in sizes:
        done += strategy.suggest(History(as_trials(done, TrainingJobStatus.IN_PROGRESS)), size)
    return done


# The contract: every strategy.


@pytest.mark.parametrize("multi", [False, True])
def test_suggestions_are_valid_string_configs(case: Case, multi: bool) -> None:
    spaces = case.multi if multi else case.spaces
    suggestions = case.make(multi=multi).suggest(History([]), 6)
    assert len(suggestions) == 6
    for s in suggestions:
        space = spaces[s.definition_name]
        assert tuple(s.hyperparameters) == space.names
        assert all(type(v) is str for v in s.hyperparameters.values())
        assert space.decode(space.encode(s.hyperparameters)) == s.hyperparameters  # in bounds


def test_same_seed_same_configs(case: Case) -> None:
    assert case.make(seed=3).suggest(History([]), 6) == case.make(seed=3).suggest(History([]), 6)


def test_batch_sizes_and_resume_do_not_change_the_sequence(case: Case) -> None:
    whole = case.make().suggest(History([]), 6)
    assert run_in_batches(case.make(), [1, 3, 2]) == whole
    assert run_in_batches(case.make(), [2, 0, 4]) == whole  # a fresh object: a resumed job


def test_no_slots_no_suggestions(case: Case) -> None:
    assert case.make().suggest(History([]), 0) == []


def _fingerprint() -> dict[str, list[list[object]]]:
    """What every strategy suggests for a fixed seed, as plain JSON data."""
    return {
        name: [
            [s.definition_name, dict(s.hyperparameters)]
            for s in case.make(seed=11, multi=True).suggest(History([]), 5)
        ]
        for name, case in sorted(CASES.items())
    }


@pytest.mark.slow  # a fresh interpreter importing trimtab: about a second
def test_reproducible_in_another_process() -> None:
    code = (
        "import json\n"
        "from tests.strategies.test_strategies import _fingerprint\n"
        "print(json.dumps(_fingerprint()))\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}  # catches set/dict-order leaks
    repo = Path(__file__).parents[2]
    argv = [sys.executable, "-c", code]
    out = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=repo, check=True).stdout
    assert json.loads(out) == _fingerprint()


def test_make_strategy_builds_by_sagemaker_name() -> None:
    assert isinstance(make_strategy("Random", Problem({None: MIXED}, 0)), RandomSearch)
    assert isinstance(make_strategy("Grid", Problem({None: CATEGORICAL}, 0)), GridSearch)
    hyperband = make_strategy("Hyperband", Problem({None: MIXED}, 0, max_resource={None: 9}))
    assert isinstance(hyperband, Hyperband) and hyperband.max_resource == {None: 9}


def test_every_strategy_sagemaker_names_is_in_the_registry() -> None:
    assert set(STRATEGIES) == {str(s) for s in StrategyName}


@pytest.mark.parametrize("name", ["Autotune", "random"])
def test_make_strategy_rejects_what_it_does_not_implement(name: str) -> None:
    with pytest.raises(NotImplementedError, match=f"Strategy '{name}' is not supported yet"):
        make_strategy(name, Problem({None: MIXED}, 0))


def test_hyperband_needs_a_max_resource_for_every_definition() -> None:
    with pytest.raises(ValueError, match="Hyperband needs a MaxResource for definition None"):
        make_strategy("Hyperband", Problem({None: MIXED}, 0, max_resource={None: None}))


# Random.


def test_random_config_k_comes_from_seed_and_k_alone() -> None:
    pending = as_trials(
        RandomSearch({None: MIXED}, 5).suggest(History([]), 4), TrainingJobStatus.FAILED
    )
    (fifth,) = RandomSearch({None: MIXED}, 5).suggest(History(pending), 1)
    assert fifth == Suggestion(MIXED.sample(np.random.default_rng([5, 4])), None)


def test_random_different_seeds_differ() -> None:
    assert RandomSearch({None: MIXED}, 1).suggest(History([]), 5) != RandomSearch(
        {None: MIXED}, 2
    ).suggest(History([]), 5)


def test_random_picks_definitions_uniformly() -> None:
    counts = Counter(
        s.definition_name for s in CASES["Random"].make(multi=True).suggest(History([]), 2000)
    )
    assert set(counts) == {"mlp", "tree"}
    assert abs(counts["mlp"] - 1000) < 120  # binomial sd 22


def test_random_rejects_bad_construction() -> None:
    with pytest.raises(ValueError, match="at least one search space"):
        RandomSearch({}, 0)
    with pytest.raises(ValueError, match="seed=-1"):
        RandomSearch({None: MIXED}, -1)


# Grid.

Configs = list[tuple[str | None, dict[str, str]]]


def configs(suggestions: Sequence[Suggestion]) -> Configs:
    return [(s.definition_name, dict(s.hyperparameters)) for s in suggestions]


def test_grid_gives_every_combination_once_in_a_stable_order() -> None:
    grid = GridSearch({None: CATEGORICAL}, 0)
    everything = grid.suggest(History([]), 100)
    assert configs(everything) == [(None, c) for c in CATEGORICAL.grid()]
    assert GridSearch({None: CATEGORICAL}, 99).suggest(History([]), 100) == everything  # seed-free


def test_grid_skips_what_was_tried_whatever_its_status_and_ends_with_nothing() -> None:
    grid = GridSearch({None: CATEGORICAL}, 0)
    first = grid.suggest(History([]), 2)
    tried = as_trials(first, TrainingJobStatus.FAILED)  # a failed grid point is not retried
    rest = grid.suggest(History(tried), 100)
    assert configs(rest) == [(None, c) for c in CATEGORICAL.grid()[2:]]
    assert grid.suggest(History(tried + as_trials(rest, TrainingJobStatus.COMPLETED)), 5) == []


def test_grid_skips_points_out_of_order() -> None:
    grid = GridSearch({None: CATEGORICAL}, 0)
    everything = grid.suggest(History([]), 100)
    tried = as_trials([everything[4], everything[0]], TrainingJobStatus.STOPPED)
    assert grid.suggest(History(tried), 3) == [everything[1], everything[2], everything[3]]


def test_grid_walks_definitions_in_order_and_tells_them_apart() -> None:
    grid = CASES["Grid"].make(multi=True)
    expected: Configs = [("mlp", c) for c in CATEGORICAL.grid()]
    expected.append(("tree", {"act": "relu"}))
    assert configs(grid.suggest(History([]), 100)) == expected
    same_values_other_definition = as_trials(
        [Suggestion({"act": "relu"}, "mlp")], TrainingJobStatus.COMPLETED
    )
    assert configs(grid.suggest(History(same_values_other_definition), 100)) == expected


def test_grid_refuses_numeric_ranges() -> None:
    with pytest.raises(ValueError, match="categorical ranges only"):
        GridSearch({None: MIXED}, 0)
