"""A Jasper-like acoustic model (Li et al. 2019): 1-D convolution blocks with residual connections.

Jasper BxR: a prologue convolution, B blocks of R sub-blocks (Conv1d, BatchNorm,
ReLU; dropout is inactive in eval mode), the block's input projected by a 1x1
convolution and BatchNorm added before the last ReLU, and an epilogue of a
dilated convolution, a 1x1 convolution and the 1x1 classifier over 29
characters. Module names follow NVIDIA NeMo's ``JasperBlock`` (``mconv``,
``res``). The gather-scatter paper's speech model.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ._init import finish, seeded

# (channels, kernel) of each block, Jasper 10x5's five distinct blocks
_BLOCKS = [(256, 11), (384, 13), (512, 17), (640, 21), (768, 25)]


def _conv_bn(inp: int, out: int, kernel: int, stride: int = 1, dilation: int = 1) -> list[nn.Module]:
    padding = dilation * (kernel - 1) // 2
    return [nn.Conv1d(inp, out, kernel, stride, padding, dilation, bias=False), nn.BatchNorm1d(out)]


class JasperBlock(nn.Module):
    """R sub-blocks; the input, projected, joins before the last ReLU."""

    def __init__(self, inp: int, out: int, kernel: int, repeat: int, residual: bool = True) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        for r in range(repeat):
            layers += _conv_bn(inp if r == 0 else out, out, kernel)
            if r < repeat - 1:
                layers.append(nn.ReLU())
        self.mconv = nn.ModuleList(layers)
        self.res = nn.ModuleList([nn.Sequential(*_conv_bn(inp, out, 1))]) if residual else None
        self.relu = nn.ReLU()

    def forward(self, x: Tensor) -> Tensor:
        y = x
        for layer in self.mconv:
            y = layer(y)
        if self.res is not None:
            y = y + self.res[0](x)
        return self.relu(y)


class JasperLike(nn.Module):
    def __init__(self, features: int = 64, repeat: int = 2, blocks=tuple(_BLOCKS), classes: int = 29) -> None:
        super().__init__()
        first = blocks[0][0]
        layers: list[nn.Module] = [JasperBlock(features, first, 11, 1, residual=False)]
        layers[0].mconv[0].stride = (2,)  # the prologue halves the frame rate
        channels = first
        for out, kernel in blocks:
            layers.append(JasperBlock(channels, out, kernel, repeat))
            channels = out
        self.encoder = nn.Sequential(*layers)
        last = blocks[-1][0]
        self.decoder = nn.Sequential(*_conv_bn(channels, last + 128, 29, dilation=2), nn.ReLU(),
                                     *_conv_bn(last + 128, last + 256, 1), nn.ReLU(),
                                     nn.Conv1d(last + 256, classes, 1))
        for m in self.modules():
            if isinstance(m, nn.Conv1d):
                nn.init.xavier_uniform_(m.weight)

    def forward(self, x: Tensor) -> Tensor:
        return self.decoder(self.encoder(x))


def jasper_like(seed: int = 0, repeat: int = 2, blocks=tuple(_BLOCKS), frames: int = 256) -> JasperLike:
    """Jasper 5x2-like (five blocks of two sub-blocks by default), seeded random weights, eval mode.
    Input N x 64 features x `frames`; output N x 29 x frames/2."""
    with seeded(seed):
        model = JasperLike(repeat=repeat, blocks=blocks)
        return finish(model, torch.randn(2, 64, frames))
