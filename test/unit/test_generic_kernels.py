"""Ops on activations on the array: softmax, LayerNorm, attention's two batch matmuls, pooling, reductions,
transposes and elementwise ops each become an ``aie.device`` of ``aie.generic`` kernels (a core's slice of
the op's loops, streamed through L1), computed by the interpreter and checked against PyTorch, on targets
with and without memory tiles, with odd sizes that leave ragged slices and tiles."""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")
nn = torch.nn
F = nn.functional

import bsparse  # noqa: E402
from torch_blocks import conv_block  # noqa: E402
from references import relative_error  # noqa: E402

TARGETS = ["aie2-4x4", "aie1-vc1902", "aie2-ve2802"]


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
    "attention": (lambda: Attention(24, 3, 3), (2, 19, 24), {"bmm", "reduce"}),
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
    assert relative_error(y, want) <= 1e-5
    generic = {layer.kind for layer in report.layers} - {"matmul", "conv2d"}
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
    assert sum(layer.macs_dense for layer in report.layers if layer.kind == "matmul") == linear
    batch = [layer for layer in report.layers if layer.kind == "bmm"]
    assert sum(layer.macs_dense for layer in batch) == attention
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
        assert relative_error(y, model(x).numpy()) <= 1e-5
    reasons = {layer.reason for layer in report.host_ops}
    assert any("more than" in reason and "L1" in reason for reason in reasons), reasons


class FusedHeads(nn.Module):
    """One projection to q, k and v (ViT's ``in_proj``, GPT-2's ``c_attn``), split by `cut`, each part
    viewed as heads of `head` and moved to ``[batch, heads, seq, head]``."""

    def __init__(self, d: int, cut, head: int, seed: int):
        super().__init__()
        torch.manual_seed(seed)
        self.fc, self.cut, self.head = nn.Linear(d, 3 * d), cut, head

    def forward(self, x):
        parts = self.cut(self.fc(x))
        return tuple(p.reshape(*p.shape[:-1], -1, self.head).transpose(1, 2).contiguous() for p in parts)


SLICES = {
    # q, k, v at offsets 0, d, 2d: each a box of the projection, read by the transposes' DMAs
    "qkv-chunks": (lambda: FusedHeads(24, lambda y: y.chunk(3, dim=-1), 8, 13), True),
    # a cut that is not a whole number of heads: its heads straddle rows of the split source
    "unaligned-heads": (lambda: FusedHeads(12, lambda y: (y[..., 5:17],), 3, 14), False),
    # every other column: the source's columns split in pairs, the box takes the first of each
    "strided": (lambda: FusedHeads(12, lambda y: (y[..., ::2],), 3, 15), True),
    # every fifth column as heads of 4: its heads' rows (20 columns apart) do not divide the 36 columns
    "stride-5": (lambda: FusedHeads(12, lambda y: (y[..., ::5],), 4, 16), False),
}


@pytest.mark.parametrize("target", ["aie2-4x4", "aie1-vc1902"])
@pytest.mark.parametrize("case", SLICES)
def test_a_slice_is_read_from_its_source_by_its_consumers_dma(case, target):
    """A slice that only array kernels read is no copy: their DMAs read its box from the slice's source
    (the heads of a fused q/k/v projection), moving exactly the slice's bytes; a slice no box of its
    source describes stays a host copy, with its reason. Either way the outputs are PyTorch's."""
    build, absorbed = SLICES[case]
    model = build().eval()
    x = torch.randn(2, 7, model.fc.in_features)
    program = bsparse.compile(model, x, target=target, sparsity=None)
    outputs, report = program.run(x.numpy())
    with torch.no_grad():
        want = model(x)
    for got, ref in zip(outputs, want):
        assert relative_error(got, ref.numpy()) <= 1e-6
    slices = [layer for layer in report.host_ops if "tensor.extract_slice" in layer.reason]
    copies = [layer for layer in report.layers if layer.kind == "copy" and layer not in report.host_ops]
    assert len(copies) == len(want)
    if absorbed:
        assert not slices and "tensor.extract_slice" not in program.stages["aie"]
        for copy, ref in zip(copies, want):  # i8: a byte per element in, a byte out
            assert copy.traffic["L1"] == 2 * ref.numel()
    else:
        assert len(slices) == len(want) and all("no lowering" in layer.reason for layer in slices)


def test_a_small_op_runs_on_the_fewest_cores_that_run_it_as_fast_as_all():
    """An elementwise product of 2 x 40 elements does not spread over all 304 cores of a VE2802: it runs on
    fewer, within `FEWER_CORES_SLACK` of the cycles on every core it can use (of the fastest), and exactly."""
    from bsparse import targets
    from bsparse.cost.device import device_cycles
    from bsparse.passes._structured import host_names, plan_nest
    from bsparse.passes.to_aie import FEWER_CORES_SLACK, structured_plan

    target = targets.get("aie2-ve2802")
    model = After(40, lambda y: y * y, 17).eval()
    x = torch.randn(2, 40)
    program = bsparse.compile(model, x, target=target.name, sparsity=None)
    (y,), report = program.run(x.numpy())
    with torch.no_grad():
        assert relative_error(y, model(x).numpy()) <= 1e-6
    (layer,) = [layer for layer in report.layers if layer.kind == "elementwise"]
    module = program.stages.module("partitioned")
    (op,) = [op for op in module.body.operations[0].regions[0].blocks[0].operations if op.name == "linalg.generic"]
    planned = structured_plan(op, target, "i8")
    every = plan_nest(planned.nest, planned.plan.buffers[:len(host_names(planned.nest))], target, "i8")
    assert len(planned.plan.kernels) == layer.cores < len(every.kernels)
    assert device_cycles(planned.plan) <= device_cycles(every) * (1 + FEWER_CORES_SLACK)


class LSTMCell(nn.Module):
    """One step of an LSTM cell, written out as GNMT-like writes it: the gates of two linear layers, then
    a chain of elementwise ops on their slices."""

    def __init__(self, d: int, seed: int):
        super().__init__()
        torch.manual_seed(seed)
        self.ih, self.hh = nn.Linear(d, 4 * d), nn.Linear(d, 4 * d)

    def forward(self, x, h, c):
        i, f, g, o = (self.ih(x) + self.hh(h)).chunk(4, dim=1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(c)


@pytest.mark.parametrize("target", TARGETS)
def test_an_elementwise_chain_runs_as_one_kernel(target):
    """bsparse-fuse-elementwise: the cell's sigmoids, tanhs, products and sum (one linalg.generic each
    after packing) run as one elementwise device, with the same outputs as PyTorch and as the unfused
    program."""
    d, batch = 24, 3
    model = LSTMCell(d, 11).eval()
    x, h, c = (torch.randn(batch, d) for _ in range(3))
    program = bsparse.compile(model, x, h, c, target=target, sparsity=None)
    with torch.no_grad():
        want = model(x, h, c).numpy()
    (unfused,), _ = program.run(x.numpy(), h.numpy(), c.numpy(), stage="partitioned")
    (y,), report = program.run(x.numpy(), h.numpy(), c.numpy())
    assert relative_error(unfused, want) <= 1e-5 and relative_error(y, want) <= 1e-5
    assert program.stages["partitioned"].count("linalg.generic") >= 6
    assert [layer.kind for layer in report.layers if layer.kind == "elementwise"] == ["elementwise"]
    assert not report.host_ops or all("tensor." in layer.reason for layer in report.host_ops)
