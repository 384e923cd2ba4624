"""Hyperband's Parzen-estimator model: valid, new configurations that beat random search."""

from __future__ import annotations

import statistics

import numpy as np

from trimtab.space import SearchSpace
from trimtab.strategies import kde

SPACE = SearchSpace.from_wire(
    {
        "ContinuousParameterRanges": [
            {"Name": "x", "MinValue": "0", "MaxValue": "1"},
            {"Name": "lr", "MinValue": "0.0001", "MaxValue": "1", "ScalingType": "Logarithmic"},
        ],
        "IntegerParameterRanges": [{"Name": "n", "MinValue": "1", "MaxValue": "9"}],
        "CategoricalParameterRanges": [{"Name": "c", "Values": ["a", "b", "c"]}],
    }
)


def loss(config: dict[str, str]) -> float:
    return (
        (float(config["x"]) - 0.2) ** 2
        + (np.log10(float(config["lr"])) + 2) ** 2 / 16
        + (int(config["n"]) - 7) ** 2 / 64
        + (config["c"] != "b") * 0.3
    )


def key(config: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(config.items()))


def test_too_little_data_gives_no_proposal() -> None:
    rng = np.random.default_rng(0)
    configs = [SPACE.sample(rng) for _ in range(kde.min_points(SPACE) - 1)]
    assert kde.propose(SPACE, configs, [loss(c) for c in configs], rng, set()) is None


def test_proposals_are_new_valid_configurations_that_beat_random_search() -> None:
    model_best, random_best = [], []
    for seed in range(7):
        rng = np.random.default_rng(seed)
        configs = [SPACE.sample(rng) for _ in range(12)]
        while len(configs) < 60:
            seen = {key(c) for c in configs}
            config = kde.propose(SPACE, configs, [loss(c) for c in configs], rng, seen)
            if config is None:  # every candidate was taken: the caller draws at random
                config = SPACE.sample(rng)
            else:
                assert key(config) not in seen
                assert SPACE.decode(SPACE.encode(config)) == config
            configs.append(config)
        model_best.append(min(loss(c) for c in configs))
        random_best.append(min(loss(SPACE.sample(rng)) for _ in range(60)))
    assert statistics.median(model_best) < statistics.median(random_best)
