"""The optimisers compared, behind one ask/tell interface over configuration strings.

trimtab's strategies are driven directly with synthetic `Trial` objects (no store, no
processes), exactly as the tuner calls them: `suggest(trials, n)` with every earlier trial in
the history. The others run with their defaults: Optuna's TPESampler and GPSampler (ask n
trials, which stay RUNNING until told, so both see them as pending), and HEBO and SMAC3 when
they can be imported (neither installs cleanly next to torch 2.13/numpy 2: see docs/bayesian.md).
"""

from __future__ import annotations

import importlib.util
import math
import tempfile
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from trimtab.space import CategoricalRange, NumericRange, SearchSpace
from trimtab.spec.enums import ObjectiveStatus, ScalingType, SecondaryStatus, TrainingJobStatus
from trimtab.strategies import Problem, make_strategy
from trimtab.types import History, Trial

Config = dict[str, str]


class Optimizer(Protocol):
    def ask(self, n: int) -> list[Config]: ...

    def tell(self, configs: Sequence[Config], losses: Sequence[float]) -> None: ...

    def preload(self, configs: Sequence[Config], losses: Sequence[float]) -> None:
        """Add finished evaluations that were never asked for (a history to time asks on)."""


def finished_trial(index: int, config: Mapping[str, str], loss: float) -> Trial:
    """A completed training job whose objective (Minimize) is `loss`."""
    return Trial(
        tuning_job_name="bench",
        index=index,
        training_job_name=f"bench-{index:04d}",
        hyperparameters=dict(config),
        definition_name=None,
        status=TrainingJobStatus.COMPLETED,
        secondary_status=SecondaryStatus.COMPLETED,
        objective_status=ObjectiveStatus.SUCCEEDED,
        creation_time=float(index),
        objective=loss,
    )


class Trimtab:
    def __init__(self, strategy: str, ranges: Mapping[str, Any], seed: int) -> None:
        space = SearchSpace.from_wire(ranges)
        self._strategy = make_strategy(strategy, Problem({None: space}, seed))
        self._trials: list[Trial] = []

    def ask(self, n: int) -> list[Config]:
        return [dict(s.hyperparameters) for s in self._strategy.suggest(History(self._trials), n)]

    def tell(self, configs: Sequence[Config], losses: Sequence[float]) -> None:
        for config, loss in zip(configs, losses, strict=True):
            self._trials.append(finished_trial(len(self._trials) + 1, config, loss))

    preload = tell


def _format(r: NumericRange | CategoricalRange, value: Any) -> str:
    return str(value) if isinstance(r, CategoricalRange) else r.format(float(value))


class OptunaSampler:
    def __init__(self, sampler: str, ranges: Mapping[str, Any], seed: int) -> None:
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        self._space = SearchSpace.from_wire(ranges)
        self._distributions = {r.name: _optuna_distribution(r) for r in self._space.ranges}
        made: dict[str, Callable[[], optuna.samplers.BaseSampler]] = {
            "tpe": lambda: optuna.samplers.TPESampler(seed=seed),
            "gp": lambda: optuna.samplers.GPSampler(seed=seed),
        }
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            self._study = optuna.create_study(sampler=made[sampler]())
        self._asked: list[Any] = []

    def ask(self, n: int) -> list[Config]:
        import optuna

        configs = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            for _ in range(n):
                trial = self._study.ask(self._distributions)
                self._asked.append(trial)
                configs.append(
                    {r.name: _format(r, trial.params[r.name]) for r in self._space.ranges}
                )
        return configs

    def tell(self, configs: Sequence[Config], losses: Sequence[float]) -> None:
        for trial, loss in zip(self._asked, losses, strict=True):
            self._study.tell(trial, loss)
        self._asked = []

    def preload(self, configs: Sequence[Config], losses: Sequence[float]) -> None:
        import optuna

        for config, loss in zip(configs, losses, strict=True):
            params = {r.name: _native(r, config[r.name]) for r in self._space.ranges}
            self._study.add_trial(
                optuna.trial.create_trial(
                    params=params, distributions=self._distributions, value=loss
                )
            )


def _native(r: NumericRange | CategoricalRange, value: str) -> Any:
    if isinstance(r, CategoricalRange):
        return value
    return int(value) if r.integer else float(value)


def _optuna_distribution(r: NumericRange | CategoricalRange) -> Any:
    import optuna.distributions as d

    if isinstance(r, CategoricalRange):
        return d.CategoricalDistribution(list(r.values))
    log = r.scaling is ScalingType.LOGARITHMIC
    if r.integer:
        return d.IntDistribution(int(r.low), int(r.high), log=log)
    return d.FloatDistribution(r.low, r.high, log=log)


class Hebo:
    def __init__(self, ranges: Mapping[str, Any], seed: int) -> None:
        import numpy as np
        from hebo.design_space.design_space import DesignSpace
        from hebo.optimizers.hebo import HEBO

        self._np = np
        self._space = SearchSpace.from_wire(ranges)
        params: list[dict[str, object]] = []
        for r in self._space.ranges:
            if isinstance(r, CategoricalRange):
                params.append({"name": r.name, "type": "cat", "categories": list(r.values)})
            else:
                log = r.scaling is ScalingType.LOGARITHMIC
                kind = ("pow_int" if log else "int") if r.integer else ("pow" if log else "num")
                params.append({"name": r.name, "type": kind, "lb": r.low, "ub": r.high})
        np.random.seed(seed)  # HEBO draws from numpy's and torch's global generators
        import torch

        torch.manual_seed(seed)
        self._opt = HEBO(DesignSpace().parse(params), scramble_seed=seed)
        self._asked: Any = None

    def ask(self, n: int) -> list[Config]:
        self._asked = self._opt.suggest(n_suggestions=n)
        rows = self._asked.to_dict("records")
        return [{r.name: _format(r, row[r.name]) for r in self._space.ranges} for row in rows]

    def tell(self, configs: Sequence[Config], losses: Sequence[float]) -> None:
        self._opt.observe(self._asked, self._np.array([[v] for v in losses]))

    def preload(self, configs: Sequence[Config], losses: Sequence[float]) -> None:
        import pandas as pd

        rows = [{r.name: _native(r, c[r.name]) for r in self._space.ranges} for c in configs]
        self._opt.observe(pd.DataFrame(rows), self._np.array([[v] for v in losses]))


class Smac:
    def __init__(self, ranges: Mapping[str, Any], seed: int) -> None:
        from ConfigSpace import Categorical, ConfigurationSpace, Float, Integer
        from smac import HyperparameterOptimizationFacade, Scenario

        self._space = SearchSpace.from_wire(ranges)
        cs = ConfigurationSpace(seed=seed)
        for r in self._space.ranges:
            if isinstance(r, CategoricalRange):
                cs.add(Categorical(r.name, list(r.values)))
            else:
                log = r.scaling is ScalingType.LOGARITHMIC
                kind = Integer if r.integer else Float
                bounds = (int(r.low), int(r.high)) if r.integer else (r.low, r.high)
                cs.add(kind(r.name, bounds, log=log))
        self._folder = tempfile.TemporaryDirectory()  # SMAC insists on writing its run
        scenario = Scenario(
            cs,
            deterministic=True,
            n_trials=10_000,
            seed=seed,
            output_directory=Path(self._folder.name),
        )
        self._smac = HyperparameterOptimizationFacade(
            scenario, lambda config, seed=0: 0.0, overwrite=True, logging_level=40
        )
        self._asked: list[Any] = []

    def ask(self, n: int) -> list[Config]:
        self._asked = [self._smac.ask() for _ in range(n)]
        return [
            {r.name: _format(r, info.config[r.name]) for r in self._space.ranges}
            for info in self._asked
        ]

    def tell(self, configs: Sequence[Config], losses: Sequence[float]) -> None:
        from smac.runhistory.dataclasses import TrialValue

        for info, loss in zip(self._asked, losses, strict=True):
            self._smac.tell(info, TrialValue(cost=loss if math.isfinite(loss) else 1e10))


OPTIMIZERS: dict[str, Any] = {
    "trimtab-Random": lambda ranges, seed: Trimtab("Random", ranges, seed),
    "trimtab-Bayesian": lambda ranges, seed: Trimtab("Bayesian", ranges, seed),
    "Optuna-TPE": lambda ranges, seed: OptunaSampler("tpe", ranges, seed),
    "Optuna-GP": lambda ranges, seed: OptunaSampler("gp", ranges, seed),
    "HEBO": Hebo,
    "SMAC3": Smac,
}
_NEEDS = {"Optuna-TPE": "optuna", "Optuna-GP": "optuna", "HEBO": "hebo", "SMAC3": "smac"}


def available() -> list[str]:
    """The optimisers whose packages import here, in table order."""
    return [
        name
        for name in OPTIMIZERS
        if name not in _NEEDS or importlib.util.find_spec(_NEEDS[name]) is not None
    ]


def make(name: str, ranges: Mapping[str, Any], seed: int) -> Optimizer:
    optimizer: Optimizer = OPTIMIZERS[name](ranges, seed)
    return optimizer
