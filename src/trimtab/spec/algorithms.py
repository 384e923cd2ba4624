"""Which training images are SageMaker built-in algorithms that trimtab runs itself."""

from __future__ import annotations

BUILTIN_ALGORITHMS = frozenset({"seq2seq", "image-classification"})


def builtin_algorithm(training_image: str | None) -> str | None:
    """The built-in algorithm an image names, or None for any other image.

    The image's repository name (the last path segment, before its `:tag` or `@digest`) decides,
    so `seq2seq`, `image-classification:1` and
    `811284229777.dkr.ecr.us-east-1.amazonaws.com/seq2seq:1` are built-in in any account or region.
    Built-in algorithms bring their own metrics, so their objective need not be a MetricDefinition.
    """
    if not training_image:
        return None
    repository = training_image.rsplit("/", 1)[-1].split("@", 1)[0].split(":", 1)[0]
    return repository if repository in BUILTIN_ALGORITHMS else None
