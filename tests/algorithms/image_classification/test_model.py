"""The ResNets, the optimizers and schedules, and the early-stopping rule."""

from __future__ import annotations

import pytest
import torch

from trimtab.algorithms.image_classification import resnet
from trimtab.algorithms.image_classification.hyperparameters import (
    CIFAR_DEPTHS,
    IMAGENET_DEPTHS,
    HyperParameters,
    Optimizer,
    parse,
)
from trimtab.algorithms.image_classification.optim import make_optimizer, make_scheduler
from trimtab.algorithms.image_classification.stopping import EarlyStopping

# Parameters of torchvision's resnet18/34/50/101/152 with 1000 classes, and of the CIFAR
# ResNets of He et al. (0.27M for 20 layers, 1.7M for 110).
IMAGENET_PARAMETERS = {
    18: 11_689_512,
    34: 21_797_672,
    50: 25_557_032,
    101: 44_549_160,
    152: 60_192_808,
}


def count(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize("depth", IMAGENET_DEPTHS + CIFAR_DEPTHS)
def test_every_depth_has_its_layers(depth: int) -> None:
    with torch.device("meta"):
        model = resnet.build(depth, 1000)
    convolutions = [
        m
        for n, m in model.named_modules()
        if isinstance(m, torch.nn.Conv2d) and "downsample" not in n
    ]
    assert len(convolutions) + 1 == depth  # weighted layers: convolutions and fc
    if depth in IMAGENET_PARAMETERS:
        assert count(model) == IMAGENET_PARAMETERS[depth]


def test_cifar_resnets_have_the_papers_size() -> None:
    with torch.device("meta"):
        assert round(count(resnet.build(20, 10)) / 1e6, 2) == 0.27
        assert round(count(resnet.build(110, 10)) / 1e6, 1) == 1.7


def test_parameter_names_are_torchvisions() -> None:
    with torch.device("meta"):
        names = set(resnet.build(50, 10).state_dict())
    assert {
        "conv1.weight",
        "bn1.running_var",
        "layer1.0.downsample.0.weight",
        "layer1.0.downsample.1.bias",
    } <= names
    assert {
        "layer4.2.conv3.weight",
        "layer4.2.bn3.num_batches_tracked",
        "fc.weight",
        "fc.bias",
    } <= names


@pytest.mark.parametrize(("depth", "channels", "size"), [(20, 1, 8), (20, 3, 5), (18, 3, 16)])
def test_any_image_size_gives_one_score_per_class(depth: int, channels: int, size: int) -> None:
    model = resnet.build(depth, 4, channels)
    assert model(torch.zeros(2, channels, size, size)).shape == (2, 4)


def test_an_unknown_depth() -> None:
    with pytest.raises(ValueError, match="no ResNet with 19 layers"):
        resnet.build(19, 2)


def hp(**values: str) -> HyperParameters:
    return parse({"num_classes": "3", "num_training_samples": "8"} | values)


@pytest.mark.parametrize("optimizer", list(Optimizer))
def test_each_optimizer_takes_a_step(optimizer: Optimizer) -> None:
    torch.manual_seed(0)
    model = resnet.build(20, 3, 1)
    settings = hp(optimizer=optimizer.value, learning_rate="0.01")
    opt = make_optimizer(model, settings)
    before = model.fc.weight.detach().clone()
    loss = torch.nn.functional.cross_entropy(
        model(torch.randn(4, 1, 8, 8)), torch.tensor([0, 1, 2, 0])
    )
    loss.backward()  # type: ignore[no-untyped-call]
    opt.step()
    assert not torch.equal(before, model.fc.weight)


def test_optimizer_settings_reach_torch() -> None:
    model = resnet.build(20, 3, 1)
    sgd = make_optimizer(model, hp(momentum="0.5", weight_decay="0.01", optimizer="nag"))
    assert isinstance(sgd, torch.optim.SGD)
    decay, rest = sgd.param_groups
    assert (decay["weight_decay"], rest["weight_decay"]) == (0.01, 0.0)  # no decay on biases and BN
    assert all(p.ndim > 1 for p in decay["params"]) and all(p.ndim == 1 for p in rest["params"])
    assert (decay["momentum"], decay["nesterov"]) == (0.5, True)
    assert (
        make_optimizer(model, hp(optimizer="nag", momentum="0")).param_groups[0]["nesterov"]
        is False
    )
    adam = make_optimizer(model, hp(optimizer="adam", beta_1="0.8", beta_2="0.99", eps="0.001"))
    assert (adam.param_groups[0]["betas"], adam.param_groups[0]["eps"]) == ((0.8, 0.99), 0.001)
    rmsprop = make_optimizer(model, hp(optimizer="rmsprop", gamma="0.7", eps="0.01"))
    assert (rmsprop.param_groups[0]["alpha"], rmsprop.param_groups[0]["eps"]) == (0.7, 0.01)


def test_the_learning_rate_falls_at_the_scheduled_epochs() -> None:
    model = torch.nn.Linear(2, 2)
    settings = hp(learning_rate="0.1", lr_scheduler_step="2,4", lr_scheduler_factor="0.5")
    opt = make_optimizer(model, settings)
    scheduler = make_scheduler(opt, settings)
    assert scheduler is not None
    rates = []
    for _ in range(5):
        rates.append(opt.param_groups[0]["lr"])
        opt.step()
        scheduler.step()
    assert rates == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025])
    assert make_scheduler(opt, hp()) is None


def test_early_stopping_waits_for_min_epochs_and_patience() -> None:
    rule = EarlyStopping(min_epochs=4, patience=2, tolerance=0.0)
    decisions = [rule.update(a) for a in (0.5, 0.6, 0.6, 0.55, 0.6, 0.7, 0.7, 0.7)]
    assert decisions == [False, False, False, True, True, False, False, True]


def test_early_stopping_tolerance_is_relative() -> None:
    rule = EarlyStopping(min_epochs=1, patience=1, tolerance=0.1)
    assert rule.update(0.5) is False
    assert rule.update(0.54) is True  # +8% < 10%: no improvement
    assert rule.update(0.56) is False  # +12%
