"""Small PyTorch blocks the tests compile, seeded: a layer, a batch norm with non-trivial statistics
(so that folding it is visible in the numbers), and an activation."""

from __future__ import annotations

import torch

nn = torch.nn


def batch_norm_for(layer: nn.Module, seed: int) -> nn.Module:
    """A batch norm of `layer`'s output channels (1-D or 2-D as the layer) with seeded statistics."""
    torch.manual_seed(seed)
    one_d = isinstance(layer, (nn.Conv1d, nn.ConvTranspose1d))
    bn = (nn.BatchNorm1d if one_d else nn.BatchNorm2d)(layer.out_channels)
    bn.running_mean.uniform_(-0.5, 0.5)
    bn.running_var.uniform_(0.5, 2.0)
    bn.weight.data.uniform_(0.5, 1.5)
    bn.bias.data.uniform_(-0.2, 0.2)
    return bn


def conv_block(conv: nn.Module, seed: int, activation: nn.Module | None = None) -> nn.Sequential:
    """conv, its batch norm, then `activation` (default relu), in eval mode."""
    return nn.Sequential(conv, batch_norm_for(conv, seed), activation or nn.ReLU()).eval()
