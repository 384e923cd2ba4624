"""The categorical hyperparameters' values, as the strings SageMaker documents."""

from __future__ import annotations

from enum import StrEnum


class NetworkType(StrEnum):
    """`encoder_type` and `decoder_type`."""

    RNN = "rnn"
    CNN = "cnn"


class CellType(StrEnum):
    LSTM = "lstm"
    GRU = "gru"


class AttentionType(StrEnum):
    DOT = "dot"
    FIXED = "fixed"  # always the last encoder state: no attention at all
    MLP = "mlp"
    BILINEAR = "bilinear"


class StateInit(StrEnum):
    """`rnn_decoder_state_init`: where the decoder's first state comes from."""

    LAST = "last"
    AVG = "avg"
    ZERO = "zero"


class Activation(StrEnum):
    GLU = "glu"
    RELU = "relu"
    SOFTRELU = "softrelu"
    SIGMOID = "sigmoid"
    TANH = "tanh"


class Metric(StrEnum):
    """`optimized_metric` (all three) and `training_metric` (perplexity, accuracy)."""

    PERPLEXITY = "perplexity"
    ACCURACY = "accuracy"
    BLEU = "bleu"

    @property
    def higher_is_better(self) -> bool:
        return self is not Metric.PERPLEXITY


class OptimizerType(StrEnum):
    ADAM = "adam"
    SGD = "sgd"
    RMSPROP = "rmsprop"


class LrScheduler(StrEnum):
    PLATEAU_REDUCE = "plateau_reduce"
    FIXED_RATE_INV_T = "fixed_rate_inv_t"
    FIXED_RATE_INV_SQRT_T = "fixed_rate_inv_sqrt_t"


class WeightInit(StrEnum):
    XAVIER = "xavier"
    UNIFORM = "uniform"


class XavierFactor(StrEnum):
    IN = "in"
    OUT = "out"
    AVG = "avg"


class LossType(StrEnum):
    CROSS_ENTROPY = "cross-entropy"
