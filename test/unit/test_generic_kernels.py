"""Ops on activations on the array: softmax, LayerNorm, attention's two batch matmuls, pooling, reductions,
transposes and elementwise ops each become an ``aie.device`` of ``aie.generic`` kernels (a core's slice of
the op's loops, streamed through L1), computed by the interpreter and checked against PyTorch, on targets
with and without memory tiles, with odd sizes that leave ragged slices and tiles."""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
nn = torch.nn
F = nn.functional

import bsparse  # noqa: E402
from torch_blocks import conv_block  # noqa: E402

TARGETS = ["aie2-4x4", "aie1-vc1902", "aie2-ve2802"]


def _relative_error(got, want) -> float:
    return float(np.abs(got - want).max() / max(np.abs(want).max(), 1e-30))


class Attention(nn.Module):
    """Multi-head self-attention as BERT writes it: projections, heads split by view and permute, QK^T
    scaled, softmax, AV, heads merged, output projection."""

    def __init__(self, d: int, heads: int, seed: int):
        super().__init__()
        torch.manual_seed(seed)
        self.heads = heads
        self.q, self.k, self.v, self.o = (nn.Linear(d, d) for _ in range(4))

    def forward(self, x):
        b, s, d = x.shape
        split = lambda t: t.view(b, s, self.heads, d // self.heads).permute(0, 2, 1, 3)  # noqa: E731
        q, k, v = split(self.q(x)), split(self.k(x)), split(self.v(x))
        scores = q @ k.transpose(-1, -2) / math.sqrt(d // self.heads)
        out = F.softmax(scores, dim=-1) @ v
        return self.o(out.permute(0, 2, 1, 3).reshape(b, s, d))


class After(nn.Module):
    """A linear layer (something to pack) followed by `fn`."""

    def __init__(self, d: int, fn, seed: int, extra: nn.Module | None = None):
        super().__init__()
        torch.manual_seed(seed)
        self.fc, self.fn, self.extra = nn.Linear(d, d), fn, extra

    def forward(self, x):
        y = self.fc(x)
        return self.fn(self.extra(y)) if self.extra is not None else self.fn(y)


class ConvPool(nn.Module):
    def __init__(self, pool: nn.Module, seed: int):
        super().__init__()
        self.block, self.pool = conv_block(nn.Conv2d(6, 10, 3, padding=1), seed), pool

    def forward(self, x):
        return self.pool(self.block(x))


CASES = {
    "softmax": (lambda: After(37, lambda y: F.softmax(y, dim=-1), 1), (2, 5, 37), {"reduce", "elementwise"}),
    "layernorm": (lambda: After(37, lambda y: y, 2, nn.LayerNorm(37)), (3, 37), {"reduce", "elementwise"}),
    "attention": (lambda: Attention(24, 3, 3), (2, 19, 24), {"matmul", "reduce"}),
    "max-pool": (lambda: ConvPool(nn.MaxPool2d(3, 2, 1), 4), (2, 6, 11, 9), {"pool"}),
    "avg-pool": (lambda: ConvPool(nn.AvgPool2d(2), 5), (1, 6, 11, 9), {"pool"}),
    "global-mean": (lambda: ConvPool(nn.AdaptiveAvgPool2d(1), 6), (2, 6, 7, 5), {"reduce"}),
    "sum-max": (lambda: After(13, lambda y: y.sum(1) + y.amax(1), 7), (4, 6, 13), {"reduce"}),
    "transpose": (lambda: After(13, lambda y: y.transpose(0, 2).contiguous() * 2.0, 8), (3, 5, 13), {"copy"}),
    "exp-broadcast": (lambda: After(9, lambda y: torch.exp(y) * torch.linspace(0.5, 1.5, 9) + y, 9), (7, 9),
                      {"elementwise"}),
}


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("case", CASES)
def test_ops_on_activations_run_on_the_array_exactly(case, target):
    build, shape, kinds = CASES[case]
    model = build().eval()
    x = torch.randn(*shape)
    program = bsparse.compile(model, x, target=target, sparsity=None)
    aie = program.stages["aie"]
    assert "aie.generic" in aie and "aie.yield" in aie
    (y,), report = program.run(x.numpy())
    with torch.no_grad():
        want = model(x).numpy()
    assert _relative_error(y, want) <= 1e-5
    generic = {layer.kind for layer in report.layers} - {"matmul", "conv2d"} | (
        {"matmul"} if sum(layer.kind == "matmul" for layer in report.layers) > 1 else set())
    assert kinds <= generic, f"{kinds} on the array, got {generic}"
    left = [(layer.name, layer.reason) for layer in report.host_ops if "tensor." not in layer.reason]
    assert not left, left


def test_attention_matmuls_stream_both_operands_and_count_their_macs():
    """QK^T and AV are contractions on the cores: their MACs are the attention's (b * heads * s * s * d_head
    each), counted dense, and both operands come in by DMA."""
    b, s, d, heads = 2, 19, 24, 3
    model = Attention(d, heads, 10).eval()
    x = torch.randn(b, s, d)
    program = bsparse.compile(model, x, target="aie2-4x4", sparsity=None)
    _, report = program.run(x.numpy())
    linear = 4 * b * s * d * d
    attention = 2 * b * heads * s * s * (d // heads)
    assert sum(layer.macs_dense for layer in report.layers if layer.kind == "matmul") == linear + attention
    batch = [layer for layer in report.layers if layer.kind == "matmul" and layer.macs_dense in
             (b * heads * s * s * (d // heads),)]
    assert len(batch) == 2 and all(layer.cycles > 0 and layer.traffic["L1"] > 0 for layer in batch)


def test_an_elementwise_kernel_moves_each_element_once_and_costs_its_rated_ops():
    """An elementwise op's device moves its input and output once (no halo, nothing re-read: the
    L1 traffic is the tensors' bytes each way), and an exp costs more than a multiply by the target's
    measured exp rate."""
    rows, d = 40, 33

    def device_of(fn):
        model = After(d, fn, 11).eval()
        x = torch.randn(rows, d)
        _, report = bsparse.compile(model, x, target="aie2-4x4", sparsity=None).run(x.numpy())
        (layer,) = [layer for layer in report.layers if layer.kind == "elementwise"]
        return layer

    scale, exp = device_of(lambda y: y * 3.0), device_of(torch.exp)
    assert scale.traffic["L1"] == 2 * rows * d  # i8: one byte per element in, one out
    assert exp.cycles > scale.cycles


def test_a_row_too_wide_for_l1_stays_on_the_host_with_its_reason():
    """A softmax over a row that cannot fit a core's L1 is not cut: it stays on the host, and says why."""
    model = After(8, lambda y: F.softmax(y.reshape(1, -1), dim=-1), 12).eval()
    x = torch.randn(4096, 8)
    program = bsparse.compile(model, x, target="aie2-4x4", sparsity=None)
    (y,), report = program.run(x.numpy())
    with torch.no_grad():
        assert _relative_error(y, model(x).numpy()) <= 1e-5
    reasons = {layer.reason for layer in report.host_ops}
    assert any("more than" in reason and "L1" in reason for reason in reasons), reasons
