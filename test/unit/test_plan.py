"""Device plans: the emitter writes exactly the plan, reading the IR back gives it again, and the typed
kernel contract round-trips."""

import dataclasses

import numpy as np
import pytest
import torch
import torch_mlir.ir as ir

import bsparse
from bsparse.cost.device import device_cost, device_cycles
from bsparse.dialects._verify import Invalid
from bsparse.dialects.kernel import KernelParams
from bsparse.passes import to_aie
from bsparse.plan import read_device


def _devices(module: ir.Module) -> list:
    found = []
    module.operation.walk(lambda op: (found.append(op.opview) if op.name == "aie.device" else None) or ir.WalkResult.ADVANCE)
    return found


class _SkipThenLinear(torch.nn.Module):
    """relu(conv(x) + x), then a linear: a layer with a residual (its tiles moved into the output tiles)."""

    def __init__(self):
        super().__init__()
        self.conv, self.fc = torch.nn.Conv2d(16, 16, 3, padding=1), torch.nn.Linear(16 * 6 * 6, 32)

    def forward(self, x):
        return self.fc(torch.flatten(torch.relu(self.conv(x) + x), 1))


@pytest.mark.parametrize("residual", [False, True])
@pytest.mark.parametrize("pattern,target", [("block:8x8", "aie2-4x4"), ("nm:2:4", "aie2-2x2"), ("block:4x8", "aie1-vc1902")])
def test_emitted_device_reads_back_as_its_plan(monkeypatch, pattern, target, residual):
    planned = []
    emit = to_aie.emit_device

    def recording(plan, host, elt):
        planned.append(plan)
        return emit(plan, host, elt)

    monkeypatch.setattr(to_aie, "emit_device", recording)
    torch.manual_seed(0)
    model = (_SkipThenLinear() if residual else torch.nn.Sequential(
        torch.nn.Conv2d(16, 24, 3, padding=1), torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(24 * 6 * 6, 32))).eval()
    program = bsparse.compile(model, torch.randn(1, 16, 6, 6), pattern=pattern, sparsity=0.5, target=target,
                              progress=False)
    module = program.stage_module("aie")  # kept alive while its ops are read
    devices = _devices(module)
    assert len(planned) == len(devices) == 2
    kind = lambda plan: plan.kernels[0].kind  # noqa: E731  (the greedy driver may lower either layer first)
    for plan, op in zip(sorted(planned, key=kind), sorted(devices, key=lambda op: kind(read_device(op).plan))):
        read = read_device(op).plan
        assert _canonical(plan) == _canonical(read)
        for mine, back in zip(plan.kernels, read.kernels):
            np.testing.assert_array_equal(plan.shares[mine.share].to_dense(), read.shares[back.share].to_dense())
        assert device_cycles(plan) == device_cycles(read)
        assert device_cost(plan).traffic == device_cost(read).traffic


def _canonical(plan):
    """A plan with its buffers numbered by first use (DMAs, then kernel operands) and host names dropped."""
    order: dict[int, int] = {}
    for dma in plan.dmas:
        for b in (dma.src, dma.dst):
            order.setdefault(b, len(order))
    for call in plan.kernels:
        for _, b in call.operands:
            order.setdefault(b, len(order))
    renumber = order.__getitem__
    buffers = [dataclasses.replace(plan.buffers[b], name="") for b in sorted(order, key=order.get)]
    dmas = [dataclasses.replace(d, src=renumber(d.src), dst=renumber(d.dst)) for d in plan.dmas]
    kernels = [(k.core, k.kind, k.encoding, tuple((n, renumber(b)) for n, b in k.operands), k.params) for k in plan.kernels]
    return buffers, dmas, kernels


def _params(**changes) -> KernelParams:
    base = KernelParams(weight_shape=(16, 16, 3, 3), activation="relu", block_rows=(0, 1, 2, 3), channels=(0, 8, 16, 24),
                        spatial=(2, 5), spatial_dim="width", tile=(4, 3), output_tiles=2, k_chunks=1, channel_groups=2,
                        weight_chunks=1, weight_resident=True, calls=2, strides=(1, 1), padding=(1, 1, 1, 1),
                        dilations=(1, 1), groups=1, layout="nhwc")
    return dataclasses.replace(base, **changes)


def test_kernel_params_round_trip(ctx):
    conv = _params()
    assert KernelParams.from_attr(conv.to_attr(), "conv2d", indexed=False) == conv
    assert conv.channel_runs == [(0, 8), (16, 24)] and conv.channel_count == 16
    indexed = _params(pattern="tvw:8", stored=40, index_layout={"k_idx": "i1:12", "mask": "u1:5"})
    assert KernelParams.from_attr(indexed.to_attr(), "conv2d", indexed=True) == indexed
    matmul = _params(weight_shape=(16, 64), spatial_dim="rows", strides=None, padding=None, dilations=None, groups=None,
                     layout=None)
    assert KernelParams.from_attr(matmul.to_attr(), "matmul", indexed=False) == matmul


def test_kernel_params_reject_what_the_kind_does_not_take(ctx):
    with pytest.raises(Invalid, match="unknown field.*strides"):
        KernelParams.from_attr(_params().to_attr(), "matmul", indexed=False)
    with pytest.raises(Invalid, match="missing 'pattern'"):
        KernelParams.from_attr(_params().to_attr(), "conv2d", indexed=True)
