"""The built-in algorithms the spec lets a request name are exactly those trimtab can run."""

from __future__ import annotations

import importlib.util

from trimtab.algorithms import BUILTINS, builtin
from trimtab.spec import BUILTIN_ALGORITHMS


def test_every_built_in_the_spec_accepts_has_a_training_job_to_run() -> None:
    assert set(BUILTINS) == set(BUILTIN_ALGORITHMS)
    for name, algorithm in BUILTINS.items():
        assert algorithm.name == name
        entry_point = f"{algorithm.module}.__main__"  # run as `python -m <module>`
        assert importlib.util.find_spec(entry_point) is not None, entry_point


def test_a_built_in_is_found_from_any_registry_path_or_tag() -> None:
    image = "811284229777.dkr.ecr.us-east-1.amazonaws.com/image-classification:1"
    found = builtin(image)
    assert found is not None and found.name == "image-classification"
    assert builtin("seq2seq@sha256:0a1b") is BUILTINS["seq2seq"]
    assert builtin("683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-pytorch:2.1") is None
