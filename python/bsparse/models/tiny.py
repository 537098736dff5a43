"""Small models for fast tests: an MLP and a CNN that touches every layer kind the big models use."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ._init import finish, seeded

TINY_MLP_INPUT = (64,)
TINY_CNN_INPUT = (3, 16, 16)


class TinyMLP(nn.Module):
    """Linear(64->128) ReLU Linear(128->64) ReLU Linear(64->10). Input N x 64."""

    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(64, 128)
        self.relu1 = nn.ReLU()
        self.fc2 = nn.Linear(128, 64)
        self.relu2 = nn.ReLU()
        self.fc3 = nn.Linear(64, 10)

    def forward(self, x: Tensor) -> Tensor:
        return self.fc3(self.relu2(self.fc2(self.relu1(self.fc1(x)))))


class ConvBNReLU(nn.Module):
    def __init__(self, cin: int, cout: int, kernel_size: int, stride: int = 1, padding: int = 0, groups: int = 1) -> None:
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, kernel_size, stride=stride, padding=padding, groups=groups, bias=False)
        self.bn = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: Tensor) -> Tensor:
        return self.relu(self.bn(self.conv(x)))


class TinyCNN(nn.Module):
    """Input N x 3 x 16 x 16 -> N x 10.

    stem: 3x3 conv with bias, stride 1, pad 1 (no BN) + ReLU       -> 16 x 16 x 16
    block1: 3x3 stride-2 pad-1 conv + BN + ReLU                    -> 32 x 8 x 8
    block2: grouped 3x3 (groups=4) conv + BN + ReLU                -> 32 x 8 x 8
    block3: depthwise 3x3 (groups=32) + BN + ReLU, then 1x1 conv   -> 64 x 8 x 8
    pool: 2x2 max pool                                             -> 64 x 4 x 4
    head: adaptive avg pool 1x1, flatten, Linear(64 -> 10)
    """

    def __init__(self, num_classes: int = 10) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 16, 3, stride=1, padding=1, bias=True)
        self.relu = nn.ReLU(inplace=True)
        self.block1 = ConvBNReLU(16, 32, 3, stride=2, padding=1)
        self.block2 = ConvBNReLU(32, 32, 3, padding=1, groups=4)
        self.block3 = ConvBNReLU(32, 32, 3, padding=1, groups=32)
        self.pointwise = ConvBNReLU(32, 64, 1)
        self.maxpool = nn.MaxPool2d(2, 2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(64, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                if m.bias is not None:
                    nn.init.normal_(m.bias, 0, 0.1)

    def forward(self, x: Tensor) -> Tensor:
        x = self.relu(self.stem(x))
        x = self.pointwise(self.block3(self.block2(self.block1(x))))
        x = self.avgpool(self.maxpool(x))
        return self.fc(torch.flatten(x, 1))


def tiny_mlp(seed: int = 0) -> TinyMLP:
    """A 3-layer MLP, seeded, eval mode. Input N x 64."""
    with seeded(seed):
        return TinyMLP().eval()


def tiny_cnn(seed: int = 0) -> TinyCNN:
    """A small CNN with stride/padding/groups variety, BN, pools and a linear head. Input N x 3 x 16 x 16."""
    with seeded(seed):
        model = TinyCNN()
        return finish(model, torch.randn(4, *TINY_CNN_INPUT))
