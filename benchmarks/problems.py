"""Offline tuning problems: synthetic functions with known optima and bayesmark-style models.

Every problem is a SageMaker `ParameterRanges` dict plus a loss over the configuration strings
a training job would receive, so every optimiser sees exactly the same problem. The
scikit-learn problems follow bayesmark (Turner et al. 2021, `bayesmark/sklearn_funcs.py`):
the same models and search spaces, on datasets that ship with scikit-learn, scored by 5-fold
cross-validation. bayesmark's `logit` ranges become `Linear` (SageMaker has no logit scaling),
and DT-mixed adds categorical hyperparameters, which bayesmark's spaces lack.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

Config = Mapping[str, str]


@dataclass(frozen=True)
class Problem:
    name: str
    ranges: Mapping[str, Any]  # SageMaker ParameterRanges
    loss: Callable[[Config], float]  # lower is better
    optimum: float | None = None  # known minimum; None: the best value any run found


def _continuous(name: str, low: float, high: float, scaling: str = "Linear") -> dict[str, str]:
    return {"Name": name, "MinValue": str(low), "MaxValue": str(high), "ScalingType": scaling}


def _integer(name: str, low: int, high: int, scaling: str = "Linear") -> dict[str, str]:
    return {"Name": name, "MinValue": str(low), "MaxValue": str(high), "ScalingType": scaling}


def _categorical(name: str, values: list[str]) -> dict[str, Any]:
    return {"Name": name, "Values": values}


def _ranges(
    continuous: list[dict[str, str]] | None = None,
    integer: list[dict[str, str]] | None = None,
    categorical: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return {
        "ContinuousParameterRanges": continuous or [],
        "IntegerParameterRanges": integer or [],
        "CategoricalParameterRanges": categorical or [],
    }


def _vector(config: Config, names: list[str]) -> np.ndarray:
    return np.array([float(config[n]) for n in names])


# Synthetic functions (standard definitions, e.g. Surjanovic & Bingham's library).


def branin_value(x1: float, x2: float) -> float:
    b, c, t = 5.1 / (4 * math.pi**2), 5 / math.pi, 1 / (8 * math.pi)
    return (x2 - b * x1**2 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


_H_A = np.array(
    [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8],
     [17, 8, 0.05, 10, 0.1, 14]]
)  # fmt: skip
_H_P = 1e-4 * np.array(
    [[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
     [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]]
)  # fmt: skip
_H_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])


def hartmann6_value(x: np.ndarray) -> float:
    return float(-_H_ALPHA @ np.exp(-np.sum(_H_A * (x - _H_P) ** 2, axis=1)))


def ackley_value(x: np.ndarray) -> float:
    d = len(x)
    return float(
        -20 * math.exp(-0.2 * math.sqrt(np.sum(x**2) / d))
        - math.exp(np.sum(np.cos(2 * math.pi * x)) / d)
        + 20
        + math.e
    )


def rosenbrock_value(x: np.ndarray) -> float:
    return float(np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2))


_OPTIMISERS = {
    "sgd": (0.4, -1.0),
    "adam": (0.0, -3.0),
    "rmsprop": (0.15, -2.5),
    "adagrad": (0.6, -1.5),
}
_ACTIVATIONS = {"relu": (0.0, 12), "tanh": (0.1, 20)}


def mixed_value(config: Config) -> float:
    """A small network's 'validation loss': a Branin bowl in two continuous knobs, a learning
    rate whose best value depends on the optimiser, a width whose best value depends on the
    activation, and offsets per categorical value. Minimum: branin's, / 50."""
    offset, best_log_lr = _OPTIMISERS[config["optimizer"]]
    act_offset, best_width = _ACTIVATIONS[config["activation"]]
    x1, x2 = 15 * float(config["x1"]) - 5, 15 * float(config["x2"])
    return (
        branin_value(x1, x2) / 50
        + offset
        + act_offset
        + (math.log10(float(config["lr"])) - best_log_lr) ** 2 / 4
        + ((int(config["width"]) - best_width) / 10) ** 2
    )


def synthetic() -> list[Problem]:
    hart = [f"x{i}" for i in range(6)]
    ack = [f"x{i}" for i in range(5)]
    ros = [f"x{i}" for i in range(4)]
    return [
        Problem(
            "Branin",
            _ranges([_continuous("x1", -5, 10), _continuous("x2", 0, 15)]),
            lambda c: branin_value(float(c["x1"]), float(c["x2"])),
            0.397887,
        ),
        Problem(
            "Hartmann6",
            _ranges([_continuous(n, 0, 1) for n in hart]),
            lambda c: hartmann6_value(_vector(c, hart)),
            -3.32237,
        ),
        Problem(
            "Ackley5",
            _ranges([_continuous(n, -32.768, 32.768) for n in ack]),
            lambda c: ackley_value(_vector(c, ack)),
            0.0,
        ),
        Problem(
            "Rosenbrock4",
            _ranges([_continuous(n, -5, 10) for n in ros]),
            lambda c: rosenbrock_value(_vector(c, ros)),
            0.0,
        ),
        Problem(
            "Mixed",
            _ranges(
                [
                    _continuous("x1", 0, 1),
                    _continuous("x2", 0, 1),
                    _continuous("lr", 1e-5, 1.0, "Logarithmic"),
                ],
                [_integer("width", 1, 64)],
                [
                    _categorical("optimizer", list(_OPTIMISERS)),
                    _categorical("activation", list(_ACTIVATIONS)),
                ],
            ),
            mixed_value,
            branin_value(math.pi, 2.275) / 50,
        ),
    ]


# bayesmark-style problems: scikit-learn models, bayesmark's spaces, 5-fold CV.


@cache
def _data(name: str) -> tuple[np.ndarray, np.ndarray]:
    from sklearn import datasets
    from sklearn.preprocessing import StandardScaler

    loader = {
        "breast": datasets.load_breast_cancer,
        "wine": datasets.load_wine,
        "digits": datasets.load_digits,
        "diabetes": datasets.load_diabetes,
        "iris": datasets.load_iris,
    }[name]
    x, y = loader(return_X_y=True)
    return StandardScaler().fit_transform(x), y


def _cv_loss(make: Callable[[Config], Any], data: str, metric: str) -> Callable[[Config], float]:
    """Loss = 5-fold CV of the model: 1 - accuracy, log loss, or mean squared error."""

    def loss(config: Config) -> float:
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.model_selection import cross_val_score

        x, y = _data(data)
        scoring = {"acc": "accuracy", "nll": "neg_log_loss", "mse": "neg_mean_squared_error"}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            warnings.simplefilter("ignore", UserWarning)
            warnings.simplefilter("ignore", FutureWarning)  # LogisticRegression(penalty=...)
            score = float(
                np.mean(cross_val_score(make(config), x, y, cv=5, scoring=scoring[metric]))
            )
        return 1.0 - score if metric == "acc" else -score

    return loss


def _tree_ranges(extra: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return _ranges(
        [
            _continuous("min_samples_split", 0.01, 0.99),
            _continuous("min_samples_leaf", 0.01, 0.49),
            _continuous("min_weight_fraction_leaf", 0.01, 0.49),
            _continuous("max_features", 0.01, 0.99),
            _continuous("min_impurity_decrease", 0.0, 0.5),
        ],
        [_integer("max_depth", 1, 15)],
        extra,
    )


def _tree_kwargs(c: Config) -> dict[str, Any]:
    return {
        "max_depth": int(c["max_depth"]),
        "min_samples_split": float(c["min_samples_split"]),
        "min_samples_leaf": float(c["min_samples_leaf"]),
        "min_weight_fraction_leaf": float(c["min_weight_fraction_leaf"]),
        "max_features": float(c["max_features"]),
        "min_impurity_decrease": float(c["min_impurity_decrease"]),
    }


def _dt(c: Config) -> Any:
    from sklearn.tree import DecisionTreeClassifier

    extra = {k: c[k] for k in ("criterion", "splitter") if k in c}
    return DecisionTreeClassifier(random_state=0, **_tree_kwargs(c), **extra)


def _rf(c: Config) -> Any:
    from sklearn.ensemble import RandomForestClassifier

    return RandomForestClassifier(n_estimators=10, random_state=0, **_tree_kwargs(c))


def _svm(c: Config) -> Any:
    from sklearn.svm import SVC

    return SVC(C=float(c["C"]), gamma=float(c["gamma"]), tol=float(c["tol"]), random_state=0)


def _ada(c: Config) -> Any:
    from sklearn.ensemble import AdaBoostClassifier

    return AdaBoostClassifier(
        n_estimators=int(c["n_estimators"]), learning_rate=float(c["learning_rate"]), random_state=0
    )


def _logistic(c: Config) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(
        penalty="l1",
        solver="liblinear",
        C=float(c["C"]),
        intercept_scaling=float(c["intercept_scaling"]),
        random_state=0,
    )


def _lasso(c: Config) -> Any:
    from sklearn.linear_model import Lasso

    return Lasso(
        alpha=float(c["alpha"]),
        fit_intercept=c["fit_intercept"] == "true",
        max_iter=int(c["max_iter"]),
        tol=float(c["tol"]),
        positive=c["positive"] == "true",
        random_state=0,
    )


def sklearn_problems() -> list[Problem]:
    log = "Logarithmic"
    return [
        Problem("DT-breast-acc", _tree_ranges(), _cv_loss(_dt, "breast", "acc")),
        Problem(
            "DT-digits-mixed",
            _tree_ranges(
                [
                    _categorical("criterion", ["gini", "entropy", "log_loss"]),
                    _categorical("splitter", ["best", "random"]),
                ]
            ),
            _cv_loss(_dt, "digits", "acc"),
        ),
        Problem("RF-wine-nll", _tree_ranges(), _cv_loss(_rf, "wine", "nll")),
        Problem(
            "SVM-digits-acc",
            _ranges(
                [
                    _continuous("C", 1.0, 1e3, log),
                    _continuous("gamma", 1e-4, 1e-3, log),
                    _continuous("tol", 1e-5, 1e-1, log),
                ]
            ),
            _cv_loss(_svm, "digits", "acc"),
        ),
        Problem(
            "ada-wine-acc",
            _ranges(
                [_continuous("learning_rate", 1e-4, 1e1, log)], [_integer("n_estimators", 10, 100)]
            ),
            _cv_loss(_ada, "wine", "acc"),
        ),
        Problem(
            "lasso-breast-nll",
            _ranges(
                [_continuous("C", 1e-2, 1e2, log), _continuous("intercept_scaling", 1e-2, 1e2, log)]
            ),
            _cv_loss(_logistic, "breast", "nll"),
        ),
        Problem(
            "lasso-diabetes-mse",
            _ranges(
                [_continuous("alpha", 1e-2, 1e2, log), _continuous("tol", 1e-5, 1e-1, log)],
                [_integer("max_iter", 10, 5000, log)],
                [
                    _categorical("fit_intercept", ["true", "false"]),
                    _categorical("positive", ["true", "false"]),
                ],
            ),
            _cv_loss(_lasso, "diabetes", "mse"),
        ),
    ]


def all_problems() -> list[Problem]:
    return synthetic() + sklearn_problems()
