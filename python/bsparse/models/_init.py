"""Seeded weight initialisation shared by the model zoo (torchvision's rules plus non-trivial BatchNorm state)."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import torch
from torch import nn


@contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Run the body with torch's CPU RNG seeded, restoring the caller's RNG state afterwards."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


def randomize_batchnorm(model: nn.Module) -> None:
    """Give every BatchNorm random affine parameters (gamma in [0.5, 1.5], beta ~ N(0, 0.1)).

    torchvision initialises gamma=1, beta=0, which would hide a compiler that
    drops or swaps them when folding BatchNorm.
    """
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_(0.0, 0.1)


def calibrate_batchnorm(model: nn.Module, example: torch.Tensor) -> None:
    """Set running statistics from one forward pass, then perturb them.

    Running stats are set to the batch statistics of a random input so that
    activations stay well scaled through 50+ layers in eval mode (random stats
    alone make ResNet-50 activations explode); the perturbation (mean shifted by
    up to 0.1 std, variance scaled by 0.8..1.25) keeps every channel's folded
    scale and shift distinct from the exact batch statistics.
    """
    bns = [m for m in model.modules() if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d))]
    if not bns:
        return
    saved = [(m.momentum, m.track_running_stats) for m in bns]
    for m in bns:
        m.momentum = 1.0  # running stats := statistics of this batch
        m.track_running_stats = True
    model.train()
    with torch.no_grad():
        model(example)
        for m in bns:
            std = (m.running_var + m.eps).sqrt()
            m.running_mean.add_(torch.empty_like(std).uniform_(-0.1, 0.1) * std)
            m.running_var.mul_(torch.empty_like(std).uniform_(0.8, 1.25))
            m.num_batches_tracked.zero_()
    for m, (momentum, track) in zip(bns, saved):
        m.momentum = momentum
        m.track_running_stats = track
    model.eval()


def finish(model: nn.Module, example: torch.Tensor) -> nn.Module:
    """Randomise and calibrate BatchNorm state and return the model in eval mode."""
    randomize_batchnorm(model)
    calibrate_batchnorm(model, example)
    return model.eval()
