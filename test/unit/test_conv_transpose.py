"""Transposed convolutions (ConvTranspose1d/2d): the filter gather torch-mlir builds is seen through (pruned
by bsparse-sparsify), and the stride-1 convolution over the zero-inserted input is packed as one
bsparse.conv2d per output phase over the real inputs, with batch norm and relu folded into each; run
exactly against PyTorch, MACs counted on the positions of the real inputs only."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest

torch = pytest.importorskip("torch")
nn = torch.nn

import bsparse  # noqa: E402
from bsparse.passes._phases import phases  # noqa: E402
from bsparse.patterns import BlockPattern  # noqa: E402

from torch_blocks import conv_block  # noqa: E402
from references import relative_error  # noqa: E402

TARGET = "aie2-2x2"


def _grid_pairs(conv, size: int, out: int, axis: int) -> int:
    """(output, tap) pairs of one spatial axis that land on the grid of real inputs of the zero-inserted
    input (the border beyond the last input included, as a padded convolution counts it), by brute force."""
    k, s, p, d = conv.kernel_size[axis], conv.stride[axis], conv.padding[axis], conv.dilation[axis]
    offset = d * (k - 1) - p  # where PyTorch's input 0 lands in the zero-inserted, padded input
    return sum(1 for y in range(out) for t in range(k) if (y + d * t - offset) % s == 0)


CONVS = {
    "s2-p1-op1": lambda: nn.ConvTranspose2d(16, 24, 3, stride=2, padding=1, output_padding=1),
    "s2-k4-p1-nobias": lambda: nn.ConvTranspose2d(16, 16, 4, stride=2, padding=1, bias=False),
    "s2-p0": lambda: nn.ConvTranspose2d(16, 8, 3, stride=2),
    "s3-k2-crop": lambda: nn.ConvTranspose2d(16, 8, 2, stride=3, padding=3),  # phases with no tap
    "s2-dilated": lambda: nn.ConvTranspose2d(16, 8, 3, stride=2, dilation=2),
    "s2x1": lambda: nn.ConvTranspose2d(16, 8, (3, 2), stride=(2, 1), padding=(1, 0)),
    "grouped": lambda: nn.ConvTranspose2d(16, 16, 3, stride=2, padding=1, groups=2),
    "s1": lambda: nn.ConvTranspose2d(16, 8, 3, stride=1, padding=1),
    "1d-s2-k4": lambda: nn.ConvTranspose1d(16, 24, 4, stride=2, padding=1),
    "1d-s4-edge": lambda: nn.ConvTranspose1d(12, 20, 8, stride=4, padding=2),
    "1d-grouped": lambda: nn.ConvTranspose1d(16, 16, 4, stride=2, padding=1, groups=2),
}


@pytest.mark.parametrize("name", CONVS)
def test_transposed_conv_packs_per_phase_and_runs_exactly(name):
    model = conv_block(CONVS[name](), seed=0)
    conv = model[0]
    spatial = (9, 7) if isinstance(conv, nn.ConvTranspose2d) else (13,)
    x = torch.randn(2, conv.in_channels, *spatial)
    program = bsparse.compile(model, x, target=TARGET, sparsity=None)
    packed = program.stages["packed"]
    assert '"bsparse.conv2d"' in packed
    assert "linalg.conv" not in packed
    assert "linalg.generic" not in packed, "batch norm and relu fold into every phase"
    (y,), report = program.run(x.numpy())
    want = model(x).detach().numpy()
    assert y.shape == want.shape and relative_error(y, want) <= 1e-4
    layers = [layer for layer in report.layers if layer.kind == "conv2d"]
    assert layers and all(layer.cycles > 0 for layer in layers)
    channels = conv.in_channels * conv.out_channels // conv.groups
    pairs = np.prod([_grid_pairs(conv, n, m, a) for a, (n, m) in enumerate(zip(spatial, want.shape[2:]))])
    assert sum(layer.macs_dense for layer in layers) == x.shape[0] * channels * pairs


def test_pruned_transposed_conv_halves_its_macs_and_matches_the_pruned_model():
    torch.manual_seed(3)
    model = conv_block(nn.ConvTranspose2d(32, 32, 4, stride=2, padding=1), seed=3)
    conv = model[0]
    x = torch.randn(1, 32, 6, 6)
    program = bsparse.compile(model, x, target=TARGET, sparsity=0.5)
    (y,), report = program.run(x.numpy())
    layers = [layer for layer in report.layers if layer.kind == "conv2d"]
    assert sum(layer.macs for layer in layers) * 2 == sum(layer.macs_dense for layer in layers)
    # The convolution's filter is PyTorch's [in, out, kh, kw] with channels swapped and taps reversed:
    # bsparse prunes 8x8 blocks of that [out, in, kh, kw] filter.
    weight = conv.weight.detach().numpy()
    logical = weight.transpose(1, 0, 2, 3)[:, :, ::-1, ::-1]
    pruned = BlockPattern(8, 8).prune(np.ascontiguousarray(logical), 0.5)
    with torch.no_grad():
        conv.weight.copy_(torch.from_numpy(np.ascontiguousarray(pruned[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))))
    kept = np.abs(pruned).reshape(4, 8, 4, 8, 16).sum(axis=(1, 3, 4)) > 0
    assert kept.sum() == 8, "half of the 16 blocks are kept"
    assert relative_error(y, model(x).detach().numpy()) <= 1e-4


def test_phases_cover_every_output_once_and_read_exactly_the_real_inputs():
    rng = random.Random(0)
    for _ in range(400):
        stride, kernel, dilation = rng.randint(1, 4), rng.randint(1, 6), rng.randint(1, 3)
        length = rng.randint(1, 9)
        offset = rng.randint(-3, dilation * (kernel - 1) + 2)
        span = offset + stride * (length - 1) + 1 + rng.randint(0, 3)  # zero-inserted input length
        outputs = span - dilation * (kernel - 1)
        if outputs < 1:
            continue
        want = {(y, t, (y + dilation * t - offset) // stride)
                for y, t in itertools.product(range(outputs), range(kernel))
                if (y + dilation * t - offset) % stride == 0 and 0 <= (y + dilation * t - offset) // stride < length}
        got, covered = set(), []
        for phase in phases(offset, stride, length, outputs, kernel, dilation):
            covered += list(range(phase.first, outputs, stride))[:phase.count]
            assert phase.count == len(range(phase.first, outputs, stride))
            if phase.empty:
                continue
            low = phase.start - phase.pad_low  # the (virtual) input output 0 of the phase reads at its first tap
            width = phase.pad_low + phase.stop - phase.start + phase.pad_high
            assert width - phase.dilation * (len(phase.taps) - 1) == phase.count  # a valid convolution
            for q, (j, t) in itertools.product(range(phase.count), enumerate(phase.taps)):
                i = low + q + phase.dilation * j
                if 0 <= i < length:
                    got.add((phase.first + stride * q, t, i))
        assert sorted(covered) == list(range(outputs))
        assert got == want, (offset, stride, length, outputs, kernel, dilation)
