"""ResNets of every depth SageMaker's algorithm offers, in plain torch (no torchvision).

ImageNet-style (18, 34: basic blocks; 50, 101, 152, 200: bottlenecks; 7x7 stem and max-pool,
four stages of 64-512 channels) as in He et al. 2016 and torchvision's `resnet*`, with the
same parameter names, so a torchvision state dict loads as pretrained weights. CIFAR-style
(20, 32, 44, 56, 110: 6n+2 layers of basic blocks, a 3x3 stem and three stages of 16, 32, 64
channels) as in the paper's CIFAR-10 section and MXNet's `resnet.py` for small images.
Global average pooling makes any image size work.
"""

from __future__ import annotations

from typing import Final

import torch
from torch import nn

from trimtab.algorithms.image_classification.hyperparameters import CIFAR_DEPTHS

# depth -> (bottleneck?, blocks per stage)
IMAGENET_LAYOUT: Final = {
    18: (False, (2, 2, 2, 2)),
    34: (False, (3, 4, 6, 3)),
    50: (True, (3, 4, 6, 3)),
    101: (True, (3, 4, 23, 3)),
    152: (True, (3, 8, 36, 3)),
    200: (True, (3, 24, 36, 3)),
}


def _conv3x3(inputs: int, outputs: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(inputs, outputs, 3, stride=stride, padding=1, bias=False)


def _conv1x1(inputs: int, outputs: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(inputs, outputs, 1, stride=stride, bias=False)


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, inputs: int, width: int, stride: int, downsample: nn.Module | None) -> None:
        super().__init__()
        self.conv1 = _conv3x3(inputs, width, stride)
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = _conv3x3(width, width)
        self.bn2 = nn.BatchNorm2d(width)
        self.downsample = downsample

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return torch.relu_(out + identity)


class Bottleneck(nn.Module):
    """1x1 reduce, 3x3 (carrying the stride, as torchvision's v1.5), 1x1 expand by 4."""

    expansion = 4

    def __init__(self, inputs: int, width: int, stride: int, downsample: nn.Module | None) -> None:
        super().__init__()
        self.conv1 = _conv1x1(inputs, width)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = _conv3x3(width, width, stride)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = _conv1x1(width, width * self.expansion)
        self.bn3 = nn.BatchNorm2d(width * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return torch.relu_(out + identity)


class ResNet(nn.Module):
    """A stem, stages of residual blocks (each after the first halves the resolution),
    global average pooling and a fully connected layer `fc` (the layer transfer learning
    replaces)."""

    def __init__(
        self,
        block: type[BasicBlock | Bottleneck],
        blocks: tuple[int, ...],
        widths: tuple[int, ...],
        num_classes: int,
        in_channels: int,
        imagenet_stem: bool,
    ) -> None:
        super().__init__()
        self.inputs = widths[0]
        if imagenet_stem:
            self.conv1 = nn.Conv2d(in_channels, widths[0], 7, stride=2, padding=3, bias=False)
            self.maxpool: nn.Module = nn.MaxPool2d(3, stride=2, padding=1)
        else:
            self.conv1 = _conv3x3(in_channels, widths[0])
            self.maxpool = nn.Identity()
        self.bn1 = nn.BatchNorm2d(widths[0])
        self.relu = nn.ReLU(inplace=True)
        stages = [
            self._stage(block, width, count, stride=1 if i == 0 else 2)
            for i, (width, count) in enumerate(zip(widths, blocks, strict=True))
        ]
        for i, stage in enumerate(stages, start=1):
            self.add_module(f"layer{i}", stage)
        self.stages = len(stages)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(widths[-1] * block.expansion, num_classes)
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(module, nn.BatchNorm2d):
                nn.init.ones_(module.weight)
                nn.init.zeros_(module.bias)

    def _stage(
        self, block: type[BasicBlock | Bottleneck], width: int, count: int, stride: int
    ) -> nn.Sequential:
        outputs = width * block.expansion
        downsample = None
        if stride != 1 or self.inputs != outputs:
            downsample = nn.Sequential(
                _conv1x1(self.inputs, outputs, stride), nn.BatchNorm2d(outputs)
            )
        layers = [block(self.inputs, width, stride, downsample)]
        self.inputs = outputs
        layers += [block(outputs, width, 1, None) for _ in range(1, count)]
        return nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        for i in range(1, self.stages + 1):
            x = getattr(self, f"layer{i}")(x)
        logits: torch.Tensor = self.fc(torch.flatten(self.avgpool(x), 1))
        return logits


def build(num_layers: int, num_classes: int, in_channels: int = 3) -> ResNet:
    """The ResNet SageMaker's `num_layers` names. Raises ValueError for any other depth."""
    if num_layers in CIFAR_DEPTHS:
        per_stage = (num_layers - 2) // 6
        return ResNet(BasicBlock, (per_stage,) * 3, (16, 32, 64), num_classes, in_channels, False)
    if num_layers not in IMAGENET_LAYOUT:
        raise ValueError(f"no ResNet with {num_layers} layers")
    bottleneck, blocks = IMAGENET_LAYOUT[num_layers]
    block = Bottleneck if bottleneck else BasicBlock
    return ResNet(block, blocks, (64, 128, 256, 512), num_classes, in_channels, True)
