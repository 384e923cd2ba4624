"""The built-in algorithms a `TrainingImage` can name, and what the tuner needs to know of them.

A built-in algorithm is a training job like any other: a process that reads the SageMaker
container contract (`hyperparameters.json`, the channels) and prints metric lines. This registry
only says which module runs it (`python -m <module>`) and which metrics it prints (SageMaker's
default `MetricDefinitions` for it), so importing it stays light: no torch here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from trimtab.spec import builtin_algorithm
from trimtab.spec.enums import ObjectiveType


@dataclass(frozen=True)
class BuiltinAlgorithm:
    name: str  # the image repository name: "seq2seq", "image-classification"
    module: str  # run as `python -m <module>` in the job's folder (a package's `__main__`)
    metrics: Mapping[str, tuple[str, ObjectiveType]]  # metric name -> (regex, direction)
    # a light module with `register(commands)`, adding `trimtab <name> ...` subcommands
    cli_module: str | None = None

    def metric_definitions(self) -> list[dict[str, str]]:
        """SageMaker's default MetricDefinitions for the algorithm."""
        return [{"Name": name, "Regex": regex} for name, (regex, _) in self.metrics.items()]


BUILTINS: dict[str, BuiltinAlgorithm] = {
    "seq2seq": BuiltinAlgorithm(
        name="seq2seq",
        module="trimtab.algorithms.seq2seq",
        metrics={
            "validation:accuracy": (r"validation:accuracy=([0-9.]+)", ObjectiveType.MAXIMIZE),
            "validation:bleu": (r"validation:bleu=([0-9.]+)", ObjectiveType.MAXIMIZE),
            "validation:perplexity": (
                r"validation:perplexity=([0-9.]+|inf)",
                ObjectiveType.MINIMIZE,
            ),
            "train:perplexity": (r"train:perplexity=([0-9.]+|inf)", ObjectiveType.MINIMIZE),
            "train:accuracy": (r"train:accuracy=([0-9.]+)", ObjectiveType.MAXIMIZE),
        },
        cli_module="trimtab.algorithms.seq2seq.cli",
    ),
    "image-classification": BuiltinAlgorithm(
        name="image-classification",
        module="trimtab.algorithms.image_classification",
        # MXNet-style lines, e.g. `Epoch[3] Validation-accuracy=0.981250`
        metrics={
            "validation:accuracy": (
                r"Epoch\[\d+\] Validation-accuracy=([0-9.]+)",
                ObjectiveType.MAXIMIZE,
            ),
            "train:accuracy": (r"Epoch\[\d+\] Train-accuracy=([0-9.]+)", ObjectiveType.MAXIMIZE),
            "validation:top_k_accuracy": (
                r"Epoch\[\d+\] Validation-top_k_accuracy_\d+=([0-9.]+)",
                ObjectiveType.MAXIMIZE,
            ),
            "train:top_k_accuracy": (
                r"Epoch\[\d+\] Train-top_k_accuracy_\d+=([0-9.]+)",
                ObjectiveType.MAXIMIZE,
            ),
        },
        cli_module="trimtab.algorithms.image_classification.cli",
    ),
}


def builtin(training_image: str | None) -> BuiltinAlgorithm | None:
    """The registered built-in algorithm an image names (any registry path or tag), if any."""
    name = builtin_algorithm(training_image)
    return BUILTINS.get(name) if name is not None else None
