"""Starting weights from the `model` channel, which SageMaker calls incremental training.

With `use_pretrained_model=1` (transfer learning) every weight but the top layer `fc` is
loaded, which keeps its fresh initialisation for the job's classes (a first convolution for 3
channels is summed to serve a 1-channel `image_shape`). trimtab downloads nothing: the weights
come from the `model` channel, as a torchvision ResNet state dict (`resnet50-*.pth`) or a
`model.tar.gz` of this algorithm. Without it, the `model` channel must hold a previous
`model.tar.gz` whose `num_layers`, `image_shape` and `num_classes` match, and training goes on
from its weights.
"""

from __future__ import annotations

import logging
from pathlib import Path

from torch import nn

from trimtab.algorithms.image_classification.artifacts import (
    StateDict,
    model_channel_file,
    read_weights,
)
from trimtab.algorithms.image_classification.errors import ClientError, Stage
from trimtab.algorithms.image_classification.hyperparameters import HyperParameters

logger = logging.getLogger(__name__)


def apply(model: nn.Module, hp: HyperParameters, model_channel: Path | None) -> None:
    """Load the model channel's weights into `model` as the hyperparameters ask."""
    if model_channel is None:
        if hp.use_pretrained_model:
            raise ClientError(
                "use_pretrained_model=1 needs the pretrained weights in a 'model' channel "
                "(trimtab downloads nothing): a torchvision ResNet state dict (.pth) or a "
                "model.tar.gz of this algorithm",
                Stage.MODEL,
            )
        return
    path = model_channel_file(model_channel)
    settings, state = read_weights(path)
    if hp.use_pretrained_model:
        _load_pretrained(model, state, path.name, hp.channels)
        logger.info("transfer learning from %s: all layers but fc loaded", path.name)
        return
    if settings is None:
        raise ClientError(
            f"incremental training needs a model.tar.gz of this algorithm in the 'model' "
            f"channel, not {path.name} (for other weights set use_pretrained_model=1)",
            Stage.MODEL,
        )
    for name, ours in (
        ("num_layers", hp.num_layers),
        ("image_shape", hp.image_shape),
        ("num_classes", hp.num_classes),
    ):
        theirs = getattr(settings, name)
        if theirs != ours:
            raise ClientError(
                f"incremental training: the model in the 'model' channel has {name}="
                f"{_show(theirs)}, this job {_show(ours)}; they must match",
                Stage.MODEL,
            )
    _load(model, state, path.name, strict=True)
    logger.info("incremental training from %s (epoch %d)", path.name, settings.epoch)


def _show(value: object) -> str:
    return ",".join(map(str, value)) if isinstance(value, tuple) else str(value)


def _load_pretrained(model: nn.Module, state: StateDict, name: str, channels: int) -> None:
    state = {k: v for k, v in state.items() if not k.startswith("fc.")}
    first = state.get("conv1.weight")
    if first is not None and first.shape[1] != channels:
        if channels == 1:
            state["conv1.weight"] = first.sum(1, keepdim=True)
        else:
            state["conv1.weight"] = first.repeat(1, channels, 1, 1) / channels
    _load(model, state, name, strict=False)


def _load(model: nn.Module, state: StateDict, name: str, strict: bool) -> None:
    """Load, allowing only `fc` to be missing when not strict; a mismatch is a ClientError."""
    try:
        result = model.load_state_dict(state, strict=strict)
    except RuntimeError as error:
        detail = str(error).splitlines()[-1].strip() if str(error) else "shapes differ"
        raise ClientError(
            f"the weights in {name} do not fit the network: {detail}", Stage.MODEL
        ) from None
    missing = [k for k in result.missing_keys if not k.startswith("fc.")]
    if missing or result.unexpected_keys:
        extra = (missing + list(result.unexpected_keys))[:3]
        raise ClientError(
            f"the weights in {name} are not a ResNet of this depth: "
            f"{len(missing)} missing and {len(result.unexpected_keys)} unexpected tensors "
            f"(e.g. {', '.join(extra)})",
            Stage.MODEL,
        )
