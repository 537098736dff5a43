"""Activations on chip by live set: the tensors kept in the memory tiles never exceed their capacity at
any point of the program, and a tensor goes to DDR only when it does not fit beside those kept there.
Checked on the lowered IR (host buffers, their memory spaces and where they are read), not on the
residency planner's own bookkeeping; outputs against PyTorch."""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
nn = torch.nn

import torch_mlir.ir as ir  # noqa: E402

import bsparse  # noqa: E402
from bsparse import targets  # noqa: E402
from bsparse.dtypes import COSTED_DTYPES  # noqa: E402

TARGET = "aie2-2x2"
_FOLLOW = ("bufferization.to_tensor", "bufferization.to_buffer", "tensor.expand_shape", "tensor.collapse_shape")


class Branches(nn.Module):
    """A residual branch whose input stays live across two layers: each tensor fits the memory tiles
    alone, no two of them together."""

    def __init__(self, width: int):
        super().__init__()
        self.fc0, self.fc1, self.fc2, self.fc3 = (nn.Linear(width, width) for _ in range(4))

    def forward(self, x):
        h = torch.relu(self.fc0(x))
        a = torch.relu(self.fc1(h))
        return self.fc3(torch.tanh(self.fc2(a) * h))


def _position(ops, op) -> int:
    while op.operation not in ops:
        op = op.operation.parent
    return ops[op.operation]


def _live_buffers(module: ir.Module):
    """Each host buffer a device writes (``memref.alloc``): bytes, level, and the range of top-level ops
    from its allocation to its last reader (through to_tensor / to_buffer / reshapes); None for the
    program's results."""
    block = module.body.operations[0].regions[0].blocks[0]
    ops = {op.operation: k for k, op in enumerate(block.operations)}
    found = []
    for op in block.operations:
        if op.name != "memref.alloc":
            continue
        ty = ir.MemRefType(op.result.type)
        space = ty.memory_space
        level = "L2" if space is not None and ir.IntegerAttr(space).value == 2 else "L3"
        last, pending, result = ops[op.operation], [op.result], False
        while pending:
            for use in pending.pop().uses:
                owner = use.owner
                result |= owner.name == "func.return"
                last = max(last, _position(ops, owner))
                if owner.name in _FOLLOW:
                    pending.extend(owner.results)
        if not result:
            found.append((math.prod(ty.shape), level, ops[op.operation], last))
    return found


def test_tensors_kept_on_chip_fit_together_and_only_what_does_not_fit_spills():
    target = targets.get(TARGET)
    width = COSTED_DTYPES["i8"]
    capacity = target.num_memtiles * target.l2_bytes // target.l2_shares
    rows = capacity // (2 * 512 * width) + 8  # one [rows, 512] tensor fits, two do not
    assert rows * 512 * width <= capacity < 2 * rows * 512 * width
    torch.manual_seed(0)
    model = Branches(512).eval()
    x = torch.randn(rows, 512)
    program = bsparse.compile(model, x, target=TARGET, dtype="i8", sparsity=0.5)
    (y,), _ = program.run(x.numpy())
    buffers = _live_buffers(program.module)
    assert len(buffers) >= 4
    horizon = max(last for *_, last in buffers) + 1
    held = [0] * horizon
    for size, level, first, last in buffers:
        if level == "L2":
            for p in range(first, last + 1):
                held[p] += size * width
    assert max(held) <= capacity
    spilled = [b for b in buffers if b[1] == "L3"]
    assert spilled, "the live set does not fit: something must go to DDR"
    for size, _, first, last in spilled:  # it would not have fit beside what stayed
        assert any(held[p] + size * width > capacity for p in range(first, last + 1))
    assert any(level == "L2" for _, level, *_ in buffers)
    with torch.no_grad():  # the reference: the pruned model
        for fc in (model.fc0, model.fc1, model.fc2, model.fc3):
            fc.weight.copy_(torch.from_numpy(bsparse.patterns.BlockPattern(8, 8).prune(fc.weight.numpy(), 0.5)))
        want = model(x).numpy()
    assert np.abs(y - want).max() <= 1e-4 * np.abs(want).max()
