"""Skip connections folded into the layer before them: ``act(layer(x) + residual)`` is one bsparse op with
a ``residual`` operand, lowered as a DMA of each core's residual tile into its output tile, which the
kernel adds before the activation. Checked against PyTorch, and pruned against the linalg program the
interpreter runs with upstream semantics, on targets with and without memory tiles."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
nn = torch.nn

import bsparse  # noqa: E402
from torch_blocks import batch_norm_for  # noqa: E402
from references import relative_error  # noqa: E402

TARGETS = ["aie2-4x4", "aie1-vc1902", "aie2-ve2802"]


class BasicBlock(nn.Module):
    """ResNet's basic block: two 3x3 convs with batch norm, the input (or a strided 1x1 projection) added."""

    def __init__(self, channels: int, out: int, stride: int, seed: int):
        super().__init__()
        torch.manual_seed(seed)
        self.conv1 = nn.Conv2d(channels, out, 3, stride, 1, bias=False)
        self.conv2 = nn.Conv2d(out, out, 3, 1, 1, bias=False)
        self.bn1, self.bn2 = batch_norm_for(self.conv1, seed), batch_norm_for(self.conv2, seed + 1)
        self.downsample = None
        if stride != 1 or channels != out:
            conv = nn.Conv2d(channels, out, 1, stride, bias=False)
            self.downsample = nn.Sequential(conv, batch_norm_for(conv, seed + 2))

    def forward(self, x):
        y = self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))
        return torch.relu(y + (x if self.downsample is None else self.downsample(x)))


class Residual(nn.Module):
    """A transformer's sublayer: ``x + fc2(gelu(fc1(x)))`` on ``[batch, seq, d]``."""

    def __init__(self, d: int, hidden: int, seed: int):
        super().__init__()
        torch.manual_seed(seed)
        self.fc1, self.fc2 = nn.Linear(d, hidden), nn.Linear(hidden, d)

    def forward(self, x):
        return x + self.fc2(nn.functional.gelu(self.fc1(x)))


CASES = {
    "identity": (lambda: BasicBlock(16, 16, 1, 0), (2, 16, 9, 7)),
    "projection": (lambda: BasicBlock(16, 32, 2, 3), (2, 16, 9, 7)),
    "edge-channels": (lambda: BasicBlock(12, 20, 1, 6), (1, 12, 6, 6)),
    "sequence": (lambda: Residual(24, 40, 9), (2, 5, 24)),
}


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("case", CASES)
def test_skip_connection_folds_and_runs_exactly(case, target):
    build, shape = CASES[case]
    model = build().eval()
    x = torch.randn(*shape)
    program = bsparse.compile(model, x, target=target, sparsity=None)
    packed = program.stages["packed"]
    assert "linalg.generic" not in packed, "the add and the relu fold into the last layer"
    assert packed.count("operandSegmentSizes = array<i32: 1, 1, 1, 1>") == 1  # one op has the residual
    (y,), report = program.run(x.numpy())
    assert relative_error(y, model(x).detach().numpy()) <= 1e-5
    assert not report.host_ops


@pytest.mark.parametrize("assign", ["any", "ranges"])
def test_pruned_skip_connection_matches_the_pruned_program(assign):
    model = BasicBlock(32, 32, 1, 11).eval()
    x = torch.randn(2, 32, 10, 10)
    program = bsparse.compile(model, x, target="aie2-4x4", sparsity=0.5, assign=assign)
    (want,), _ = program.run(x.numpy(), stage="sparsified")  # the pruned linalg program, upstream semantics
    (y,), report = program.run(x.numpy())
    assert relative_error(y, want) <= 1e-5
    assert sum(layer.macs for layer in report.layers) * 2 == sum(layer.macs_dense for layer in report.layers)


def test_the_residual_is_read_once_more_than_a_layer_without_it():
    """The residual costs its bytes: the layer that adds it reads a tensor of its output's size more."""
    torch.manual_seed(13)
    conv = nn.Conv2d(16, 16, 3, padding=1)
    x = torch.randn(1, 16, 12, 12)

    class Plain(nn.Module):
        def forward(self, x):
            return conv(x)

    class Skip(nn.Module):
        def forward(self, x):
            return conv(x) + x

    reports = [bsparse.compile(m.eval(), x, target="aie1-vc1902", sparsity=None).run(x.numpy())[1]
               for m in (Plain(), Skip())]
    (plain,), (skip,) = (r.layers for r in reports)
    assert skip.traffic["L3"] - plain.traffic["L3"] == x.numel()  # i8: one byte per residual element
