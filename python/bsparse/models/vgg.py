"""VGG-16 (configuration D, no BatchNorm) with torchvision's architecture and module names."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ._init import finish, seeded

# torchvision zeroes every bias; small random biases instead keep a compiler
# that drops a bias epilogue from passing unnoticed.
_BIAS_STD = 0.01

_CFG_D: list[int | str] = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]


def _make_features(cfg: list[int | str]) -> nn.Sequential:
    layers: list[nn.Module] = []
    in_channels = 3
    for v in cfg:
        if v == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
        else:
            assert isinstance(v, int)
            layers += [nn.Conv2d(in_channels, v, kernel_size=3, padding=1), nn.ReLU(inplace=True)]
            in_channels = v
    return nn.Sequential(*layers)


class VGG(nn.Module):
    def __init__(self, features: nn.Sequential, num_classes: int = 1000, dropout: float = 0.5) -> None:
        super().__init__()
        self.features = features
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(
            nn.Linear(512 * 7 * 7, 4096),
            nn.ReLU(True),
            nn.Dropout(p=dropout),
            nn.Linear(4096, 4096),
            nn.ReLU(True),
            nn.Dropout(p=dropout),
            nn.Linear(4096, num_classes),
        )
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                if m.bias is not None:
                    nn.init.normal_(m.bias, 0, _BIAS_STD)
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0, 0.01)
                nn.init.normal_(m.bias, 0, _BIAS_STD)

    def forward(self, x: Tensor) -> Tensor:
        x = self.avgpool(self.features(x))
        return self.classifier(torch.flatten(x, 1))


def vgg16(seed: int = 0, num_classes: int = 1000) -> VGG:
    """VGG-16 (138,357,544 parameters), seeded random weights, eval mode. Input N x 3 x 224 x 224.

    Weights follow torchvision's initialisation; biases are N(0, 0.01) instead of zero.
    """
    with seeded(seed):
        model = VGG(_make_features(_CFG_D), num_classes=num_classes)
        return finish(model, torch.randn(2, 3, 224, 224))
