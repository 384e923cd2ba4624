"""Every hyperparameter of SageMaker's Image Classification algorithm: default, range, meaning.

Built-in algorithms read `hyperparameters.json` (string values) themselves and refuse what
they do not know. `parse` does the same: each value is decoded as the training toolkit
decodes it (JSON, else the raw string, so `"\\"sgd\\""` and `"sgd"` are both `sgd`), checked
against its rule, and the whole set against the rules that tie values together. Any problem is
a `ClientError` naming the hyperparameter, the value and the rule.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import MISSING, asdict, dataclass, field, fields
from enum import StrEnum
from typing import Any, Final

from trimtab.algorithms.image_classification.errors import ClientError, Stage, hyperparameter_error

IMAGENET_DEPTHS: Final = (18, 34, 50, 101, 152, 200)
CIFAR_DEPTHS: Final = (20, 32, 44, 56, 110)
# Names the platform adds (AMT's objective) or the SDK may add; accepted and ignored.
IGNORED_NAMES: Final = frozenset({"_tuning_objective_metric"})
IGNORED_PREFIX: Final = "sagemaker_"


class Optimizer(StrEnum):
    SGD = "sgd"
    ADAM = "adam"
    RMSPROP = "rmsprop"
    NAG = "nag"


class Augmentation(StrEnum):
    CROP = "crop"  # random crop + horizontal flip
    CROP_COLOR = "crop_color"  # + hue, saturation and lightness shifts
    CROP_COLOR_TRANSFORM = "crop_color_transform"  # + rotation, shear and aspect ratio


class Precision(StrEnum):
    FLOAT32 = "float32"
    FLOAT16 = "float16"


class KvStore(StrEnum):
    DIST_SYNC = "dist_sync"
    DIST_ASYNC = "dist_async"


@dataclass(frozen=True)
class Rule:
    """How one hyperparameter's text becomes a value; `text` is the constraint, as reported."""

    text: str
    convert: Callable[[str], Any]

    def __call__(self, name: str, raw: str) -> Any:
        try:
            return self.convert(raw)
        except (ValueError, TypeError, OverflowError, LookupError):
            raise hyperparameter_error(name, raw, self.text) from None


def _number(raw: str) -> float:
    value = float(raw)
    if not math.isfinite(value):
        raise ValueError(raw)
    return value


def _integer(raw: str) -> int:
    """An integer, also when written as an integral float (`"32.0"`, as some tools send)."""
    value = _number(raw)
    if value != int(value):
        raise ValueError(raw)
    return int(value)


def _check(ok: Callable[[Any], bool], convert: Callable[[str], Any]) -> Callable[[str], Any]:
    def checked(raw: str) -> Any:
        value = convert(raw)
        if not ok(value):
            raise ValueError(raw)
        return value

    return checked


def int_above(bound: int) -> Rule:
    return Rule(f"must be an integer > {bound}", _check(lambda v: v > bound, _integer))


def unit_float() -> Rule:
    return Rule("must be a number in [0, 1]", _check(lambda v: 0.0 <= v <= 1.0, _number))


def choice(enum: type[StrEnum]) -> Rule:
    values = [str(v) for v in enum]
    return Rule(f"must be one of: {', '.join(values)}", enum)


def flag01() -> Rule:
    return Rule("must be 0 or 1", lambda raw: {"0": False, "1": True}[raw])


def true_false() -> Rule:
    return Rule("must be True or False", lambda raw: {"true": True, "false": False}[raw.lower()])


def _image_shape(raw: str) -> tuple[int, int, int]:
    parts = [_integer(p) for p in raw.split(",")]
    if len(parts) != 3 or parts[0] not in (1, 3) or min(parts[1:]) < 1:
        raise ValueError(raw)
    return parts[0], parts[1], parts[2]


def _epochs_list(raw: str) -> tuple[int, ...]:
    steps = tuple(_integer(p) for p in raw.split(","))
    if min(steps) < 1 or any(b <= a for a, b in itertools.pairwise(steps)):
        raise ValueError(raw)
    return steps


def _depth(raw: str) -> int:
    value = _integer(raw)
    if value not in IMAGENET_DEPTHS + CIFAR_DEPTHS:
        raise ValueError(raw)
    return value


IMAGE_SHAPE: Final = Rule(
    "must be 'channels,height,width' with 1 or 3 channels and a positive height and width, "
    "e.g. '3,224,224'",
    _image_shape,
)
EPOCHS: Final = Rule(
    "must be increasing epochs > 0, separated by commas, e.g. '10, 20'", _epochs_list
)
DEPTH: Final = Rule(
    "must be one of 18, 34, 50, 101, 152, 200 (ImageNet-style ResNets) "
    "or 20, 32, 44, 56, 110 (CIFAR-style ResNets)",
    _depth,
)


def _meta(rule: Rule) -> dict[str, Rule]:
    return {"rule": rule}


@dataclass(frozen=True)
class HyperParameters:
    """The algorithm's hyperparameters, with SageMaker's defaults (None = not set)."""

    num_classes: int = field(metadata=_meta(int_above(0)))
    num_training_samples: int = field(metadata=_meta(int_above(0)))
    augmentation_type: Augmentation | None = field(
        default=None, metadata=_meta(choice(Augmentation))
    )
    beta_1: float = field(default=0.9, metadata=_meta(unit_float()))
    beta_2: float = field(default=0.999, metadata=_meta(unit_float()))
    checkpoint_frequency: int | None = field(default=None, metadata=_meta(int_above(0)))
    early_stopping: bool = field(default=False, metadata=_meta(true_false()))
    early_stopping_min_epochs: int = field(default=10, metadata=_meta(int_above(0)))
    early_stopping_patience: int = field(default=5, metadata=_meta(int_above(0)))
    early_stopping_tolerance: float = field(default=0.0, metadata=_meta(unit_float()))
    epochs: int = field(default=30, metadata=_meta(int_above(0)))
    eps: float = field(default=1e-8, metadata=_meta(unit_float()))
    gamma: float = field(default=0.9, metadata=_meta(unit_float()))
    image_shape: tuple[int, int, int] = field(default=(3, 224, 224), metadata=_meta(IMAGE_SHAPE))
    kv_store: KvStore | None = field(default=None, metadata=_meta(choice(KvStore)))
    learning_rate: float = field(default=0.1, metadata=_meta(unit_float()))
    lr_scheduler_factor: float = field(default=0.1, metadata=_meta(unit_float()))
    lr_scheduler_step: tuple[int, ...] | None = field(default=None, metadata=_meta(EPOCHS))
    mini_batch_size: int = field(default=32, metadata=_meta(int_above(0)))
    momentum: float = field(default=0.9, metadata=_meta(unit_float()))
    multi_label: bool = field(default=False, metadata=_meta(flag01()))
    num_layers: int = field(default=152, metadata=_meta(DEPTH))
    optimizer: Optimizer = field(default=Optimizer.SGD, metadata=_meta(choice(Optimizer)))
    precision_dtype: Precision = field(default=Precision.FLOAT32, metadata=_meta(choice(Precision)))
    resize: int | None = field(default=None, metadata=_meta(int_above(0)))
    top_k: int | None = field(default=None, metadata=_meta(int_above(1)))
    use_pretrained_model: bool = field(default=False, metadata=_meta(flag01()))
    use_weighted_loss: bool = field(default=False, metadata=_meta(flag01()))
    weight_decay: float = field(default=0.0001, metadata=_meta(unit_float()))

    @property
    def channels(self) -> int:
        return self.image_shape[0]

    @property
    def height_width(self) -> tuple[int, int]:
        return self.image_shape[1], self.image_shape[2]

    def to_json(self) -> dict[str, Any]:
        """Plain JSON values (enums as their strings, tuples as lists)."""
        plain: dict[str, Any] = json.loads(json.dumps(asdict(self)))
        return plain


RULES: Final[Mapping[str, Rule]] = {f.name: f.metadata["rule"] for f in fields(HyperParameters)}
REQUIRED: Final = tuple(f.name for f in fields(HyperParameters) if f.default is MISSING)


def _text(raw: object) -> str:
    """A value's text, unwrapped when it is a JSON string (`"\\"sgd\\""` → `sgd`), as the
    training toolkit decodes it; other values keep the text they were written with."""
    if not isinstance(raw, str):
        return json.dumps(raw) if not isinstance(raw, bool) else str(raw)
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        return raw.strip()
    return value.strip() if isinstance(value, str) else raw.strip()


def parse(raw: Mapping[str, object]) -> HyperParameters:
    """Validate `hyperparameters.json` the way SageMaker's built-ins do.

    Raises:
        ClientError: an unknown name, a missing required one, a value outside its range, or
            values that contradict each other.
    """
    names = [n for n in raw if n not in IGNORED_NAMES and not n.startswith(IGNORED_PREFIX)]
    unknown = sorted(n for n in names if n not in RULES)
    if unknown:
        quoted = ", ".join(repr(n) for n in unknown)
        verb = "was" if len(unknown) == 1 else "were"
        raise ClientError(
            f"Additional hyperparameters are not allowed ({quoted} {verb} unexpected)",
            Stage.HYPERPARAMETERS,
        )
    missing = [n for n in REQUIRED if n not in raw]
    if missing:
        raise ClientError(f"'{missing[0]}' is a required hyperparameter", Stage.HYPERPARAMETERS)
    values = {name: RULES[name](name, _text(raw[name])) for name in names}
    hp = HyperParameters(**values)
    _check_together(hp, {name: _text(raw[name]) for name in names})
    return hp


def _check_together(hp: HyperParameters, text: Mapping[str, str]) -> None:
    """Rules that tie one hyperparameter to another."""
    if hp.checkpoint_frequency is not None and hp.checkpoint_frequency > hp.epochs:
        raise hyperparameter_error(
            "checkpoint_frequency",
            text["checkpoint_frequency"],
            f"must not exceed epochs ({hp.epochs})",
        )
    if hp.resize is not None and hp.resize < max(hp.height_width):
        raise hyperparameter_error(
            "resize",
            text["resize"],
            "must be at least the height and the width of image_shape "
            f"({hp.image_shape[1]}x{hp.image_shape[2]}), or images are too small to crop",
        )
    if hp.use_pretrained_model and hp.num_layers not in IMAGENET_DEPTHS:
        raise hyperparameter_error(
            "num_layers",
            text["num_layers"],
            "must be one of 18, 34, 50, 101, 152, 200 when use_pretrained_model is 1 "
            "(pretrained weights exist for the ImageNet-style ResNets only)",
        )
    if hp.optimizer is Optimizer.ADAM:
        for name in ("beta_1", "beta_2"):
            if getattr(hp, name) >= 1.0:
                raise hyperparameter_error(
                    name, text[name], "must be < 1 with optimizer adam (1 divides by zero)"
                )
