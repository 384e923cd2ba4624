"""Every Sequence-to-Sequence hyperparameter with SageMaker's default and allowed values, and
their validation from `hyperparameters.json`.

The dataclass below is the schema: each field's metadata says how its string value is parsed
and what is allowed, so the list of names, the defaults and the checks cannot drift apart.
SageMaker's built-ins refuse unknown names ("Additional hyperparameters are not allowed") and
bad values before training starts; `parse_hyperparameters` does the same and raises
`ClientError` with the name, the value and what is allowed.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any, Final

from trimtab.algorithms.errors import ClientError
from trimtab.algorithms.seq2seq.options import (
    Activation,
    AttentionType,
    CellType,
    LossType,
    LrScheduler,
    Metric,
    NetworkType,
    OptimizerType,
    StateInit,
    WeightInit,
    XavierFactor,
)

Metadata = dict[str, object]
_SPEC: Final = "seq2seq"
TUNING_OBJECTIVE: Final = "_tuning_objective_metric"


class _Invalid(ValueError):
    """A value that does not parse or is out of range (the caller's message names it)."""


@dataclass(frozen=True)
class _Spec:
    parse: Callable[[str], object]  # raises _Invalid
    allowed: str  # "a positive integer", for the message
    wire_name: str | None = None  # when the JSON key is not the field's name


def _unquote(raw: str) -> str:
    """The SageMaker SDK JSON-encodes categorical values (`"\\"adam\\""`): take the string."""
    text = raw.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        try:
            decoded = json.loads(text)
        except ValueError:
            return text
        return decoded if isinstance(decoded, str) else text
    return text


def _to_int(raw: str) -> int:
    text = _unquote(raw)
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        raise _Invalid from None
    if not number.is_integer():
        raise _Invalid
    return int(number)


def _to_float(raw: str) -> float:
    try:
        number = float(_unquote(raw))
    except ValueError:
        raise _Invalid from None
    if not math.isfinite(number):
        raise _Invalid
    return number


def _checked(convert: Callable[[str], Any], ok: Callable[[Any], bool]) -> Callable[[str], object]:
    def parse(raw: str) -> object:
        value = convert(raw)
        if not ok(value):
            raise _Invalid
        return value

    return parse


def integer(minimum: int = 1, *, even: bool = False, or_minus_one: bool = False) -> Metadata:
    """An integer >= `minimum`; even ones only with `even`; -1 ("none") too with `or_minus_one`."""
    text = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
    if even:
        text = "an even positive integer (the encoder is bidirectional)"
    if or_minus_one:
        text = f"-1 or {text}"

    def ok(value: int) -> bool:
        return (value >= minimum and not (even and value % 2)) or (or_minus_one and value == -1)

    return {_SPEC: _Spec(_checked(_to_int, ok), text)}


def number(
    low: float | None = None, high: float | None = None, *, low_open: bool = False
) -> Metadata:
    """A finite float in [low, high] (`(low, high]` with `low_open`)."""

    def ok(value: float) -> bool:
        above = low is None or (value > low if low_open else value >= low)
        return above and (high is None or value <= high)

    if low is None:
        text = "a number"
    elif high is None:
        text = f"a number {'>' if low_open else '>='} {low:g}"
    else:
        text = f"a number between {low:g} ({'excluded' if low_open else 'included'}) and {high:g}"
    return {_SPEC: _Spec(_checked(_to_float, ok), text)}


def _to_bool(raw: str) -> bool:
    text = _unquote(raw).lower()
    if text not in ("true", "false"):
        raise _Invalid
    return text == "true"


def flag() -> Metadata:
    return {_SPEC: _Spec(_to_bool, "true or false")}


def one_of(values: Iterable[StrEnum]) -> Metadata:
    """One of these enum values."""
    by_text = {str(v): v for v in values}

    def parse(raw: str) -> object:
        text = _unquote(raw)
        if text not in by_text:
            raise _Invalid
        return by_text[text]

    return {_SPEC: _Spec(parse, f"one of {', '.join(by_text)}")}


POSITIVE: Final = integer()
FRACTION: Final = number(0, 1)
NUMBER: Final = number()
FLAG: Final = flag()


def text() -> Metadata:
    return {_SPEC: _Spec(_unquote, "a metric name", TUNING_OBJECTIVE)}


@dataclass(frozen=True)
class Hyperparameters:
    """SageMaker's table (reference §6.1), names, defaults and ranges as documented."""

    batch_size: int = field(default=64, metadata=POSITIVE)
    beam_size: int = field(default=5, metadata=POSITIVE)
    bleu_sample_size: int = field(default=0, metadata=integer(0, or_minus_one=True))  # -1: all
    bucket_width: int = field(default=10, metadata=POSITIVE)
    bucketing_enabled: bool = field(default=True, metadata=FLAG)
    checkpoint_frequency_num_batches: int = field(default=1000, metadata=POSITIVE)
    checkpoint_threshold: int = field(default=3, metadata=POSITIVE)
    clip_gradient: float = field(default=1.0, metadata=NUMBER)
    cnn_activation_type: Activation = field(default=Activation.GLU, metadata=one_of(Activation))
    cnn_hidden_dropout: float = field(default=0.0, metadata=FRACTION)
    cnn_kernel_width_decoder: int = field(default=5, metadata=POSITIVE)
    cnn_kernel_width_encoder: int = field(default=3, metadata=POSITIVE)
    cnn_num_hidden: int = field(default=512, metadata=POSITIVE)
    decoder_type: NetworkType = field(default=NetworkType.RNN, metadata=one_of(NetworkType))
    embed_dropout_source: float = field(default=0.0, metadata=FRACTION)
    embed_dropout_target: float = field(default=0.0, metadata=FRACTION)
    encoder_type: NetworkType = field(default=NetworkType.RNN, metadata=one_of(NetworkType))
    fixed_rate_lr_half_life: int = field(default=10, metadata=POSITIVE)
    learning_rate: float = field(default=0.0003, metadata=number(0, low_open=True))
    loss_type: LossType = field(default=LossType.CROSS_ENTROPY, metadata=one_of(LossType))
    lr_scheduler_type: LrScheduler = field(
        default=LrScheduler.PLATEAU_REDUCE, metadata=one_of(LrScheduler)
    )
    max_num_batches: int = field(default=-1, metadata=integer(or_minus_one=True))  # -1: no limit
    max_num_epochs: int | None = field(default=None, metadata=POSITIVE)
    max_seq_len_source: int = field(default=100, metadata=POSITIVE)
    max_seq_len_target: int = field(default=100, metadata=POSITIVE)
    min_num_epochs: int = field(default=0, metadata=integer(0))
    momentum: float | None = field(default=None, metadata=FRACTION)
    num_embed_source: int = field(default=512, metadata=POSITIVE)
    num_embed_target: int = field(default=512, metadata=POSITIVE)
    num_layers_decoder: int = field(default=1, metadata=POSITIVE)
    num_layers_encoder: int = field(default=1, metadata=POSITIVE)
    optimized_metric: Metric = field(default=Metric.PERPLEXITY, metadata=one_of(Metric))
    optimizer_type: OptimizerType = field(
        default=OptimizerType.ADAM, metadata=one_of(OptimizerType)
    )
    plateau_reduce_lr_factor: float = field(default=0.5, metadata=number(0, 1, low_open=True))
    plateau_reduce_lr_threshold: int = field(default=3, metadata=POSITIVE)
    rnn_attention_in_upper_layers: bool = field(default=True, metadata=FLAG)
    rnn_attention_num_hidden: int | None = field(default=None, metadata=POSITIVE)
    rnn_attention_type: AttentionType = field(
        default=AttentionType.MLP, metadata=one_of(AttentionType)
    )
    rnn_cell_type: CellType = field(default=CellType.LSTM, metadata=one_of(CellType))
    rnn_decoder_state_init: StateInit = field(default=StateInit.LAST, metadata=one_of(StateInit))
    rnn_first_residual_layer: int = field(default=2, metadata=POSITIVE)
    rnn_num_hidden: int = field(default=1024, metadata=integer(even=True))
    rnn_residual_connections: bool = field(default=False, metadata=FLAG)
    rnn_decoder_hidden_dropout: float = field(default=0.0, metadata=FRACTION)
    training_metric: Metric = field(
        default=Metric.PERPLEXITY, metadata=one_of((Metric.PERPLEXITY, Metric.ACCURACY))
    )
    weight_decay: float = field(default=0.0, metadata=number(0))
    weight_init_scale: float = field(default=2.34, metadata=NUMBER)
    weight_init_type: WeightInit = field(default=WeightInit.XAVIER, metadata=one_of(WeightInit))
    xavier_factor_type: XavierFactor = field(default=XavierFactor.IN, metadata=one_of(XavierFactor))
    # Set by the tuner on every training job it starts: the objective's metric name.
    tuning_objective_metric: str | None = field(default=None, metadata=text())

    @property
    def attention_num_hidden(self) -> int:
        """`rnn_attention_num_hidden`, which defaults to `rnn_num_hidden`."""
        return self.rnn_attention_num_hidden or self.rnn_num_hidden

    @property
    def bleu_enabled(self) -> bool:
        """BLEU is computed when asked for, or needed (Sockeye turns it on for a BLEU target)."""
        return self.bleu_sample_size != 0 or self.wants_bleu

    @property
    def wants_bleu(self) -> bool:
        return self.optimized_metric is Metric.BLEU or self.tuning_objective_metric == (
            "validation:bleu"
        )

    def notices(self) -> list[str]:
        """Accepted settings that do not do what a reader may expect; printed at start."""
        notes = []
        if self.momentum is not None and self.optimizer_type is not OptimizerType.SGD:
            notes.append(
                f"momentum={self.momentum:g} is used by optimizer_type sgd only; "
                f"ignored with {self.optimizer_type}"
            )
        if self.bleu_sample_size == 0 and self.wants_bleu:
            notes.append(
                "BLEU is the metric to optimize but bleu_sample_size is 0: computing BLEU on "
                "the whole validation set (set bleu_sample_size to use a sample)"
            )
        return notes


def _spec(f: Any) -> _Spec:
    spec: _Spec = f.metadata[_SPEC]
    return spec


WIRE_NAMES: Final = {(_spec(f).wire_name or f.name): f for f in fields(Hyperparameters)}


def _raw_text(value: object) -> str:
    """JSON may hold numbers and booleans, though SageMaker sends strings only."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value)


def parse_hyperparameters(raw: Mapping[str, object]) -> Hyperparameters:
    """Validate `hyperparameters.json` (string values): unknown names first, then each value,
    then the rules between values. Raises ClientError naming the first problem."""
    unknown = sorted(set(raw) - set(WIRE_NAMES))
    if unknown:
        names = ", ".join(repr(n) for n in unknown)
        verb = "was" if len(unknown) == 1 else "were"
        raise ClientError(f"Additional hyperparameters are not allowed ({names} {verb} unexpected)")
    values: dict[str, object] = {}
    for wire_name, value in raw.items():
        f = WIRE_NAMES[wire_name]
        spec = _spec(f)
        text = _raw_text(value)
        try:
            values[f.name] = spec.parse(text)
        except _Invalid:
            raise ClientError(
                f"Value '{text}' for hyperparameter '{wire_name}' failed to satisfy constraint: "
                f"must be {spec.allowed}"
            ) from None
    hyperparameters = Hyperparameters(**values)  # type: ignore[arg-type]  # built from fields
    _check_together(hyperparameters)
    return hyperparameters


def _check_together(hp: Hyperparameters) -> None:
    if hp.max_num_epochs is not None and hp.max_num_epochs < hp.min_num_epochs:
        raise ClientError(
            f"Value '{hp.max_num_epochs}' for hyperparameter 'max_num_epochs' failed to satisfy "
            f"constraint: must be >= min_num_epochs ({hp.min_num_epochs})"
        )
    if hp.weight_init_type is WeightInit.XAVIER and hp.weight_init_scale <= 0:
        raise ClientError(
            f"Value '{hp.weight_init_scale:g}' for hyperparameter 'weight_init_scale' failed to "
            "satisfy constraint: must be > 0 when weight_init_type is xavier (it is the "
            "magnitude under the square root)"
        )


def to_wire(hp: Hyperparameters) -> dict[str, str]:
    """The hyperparameters as `hyperparameters.json` holds them (unset optional ones left out):
    `parse_hyperparameters(to_wire(hp)) == hp`."""
    wire = {}
    for f in fields(hp):
        value = getattr(hp, f.name)
        if value is not None:
            wire[_spec(f).wire_name or f.name] = _raw_text(
                value if isinstance(value, bool | int | float) else str(value)
            )
    return wire
