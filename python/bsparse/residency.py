"""Where activations live between layers: DDR (L3), or the memory tiles (L2) when they fit.

The Weight Block Sparsity paper keeps a layer's activations in the array's
memory tiles (one 512 KB memtile per column, "activations and weights
sharing it") rather than sending them back to DDR. bsparse does the same,
deciding on the whole set of tensors live at each point of the program
(`plan_residency`): a tensor that flows from one op to the next stays on
chip when, at every op between its definition and its last use, it fits
`activation_capacity` of the target together with the tensors already kept
there (the share of every memory tile that bsparse-to-aie gives a column's
input slice, ``l2_bytes // l2_shares`` of each, a target field). Tensors are
taken in program order, so a residual branch's input that stays live across
the branch takes its room for the whole branch, and a batch whose tensors do
not all fit spills only those that do not. A reshape is a view of the tensor
it reshapes (the same bytes), and so is a slice that only structured ops
read (their DMAs read it from its source); the program's inputs and
results, and constants, always live in DDR.

In the IR a resident tensor's producer carries `ON_CHIP_ATTRIBUTE` (the
indices of its results kept on chip) until bsparse-to-aie lowers it; a
lowered layer's result is then read from a host buffer in memory space
`L2_MEMORY_SPACE`. `tensor_level` reads either, so bsparse-to-aie and the
cost model (host ops on resident tensors at the memory tiles' bandwidth)
agree. A packed weight read by several layers (a recurrent weight over its
time steps) can live there too (`bsparse.passes.to_aie.resident_weights`):
its constants' buffers are in the same memory space, loaded from DDR once
(the report's ``stage`` rows).
"""

from __future__ import annotations

import math

import torch_mlir.ir as ir

from bsparse.dtypes import COSTED_DTYPES
from bsparse.targets import Target

__all__ = ["L2_MEMORY_SPACE", "ON_CHIP_ATTRIBUTE", "activation_capacity", "memory_level", "plan_residency",
           "tensor_level"]

L2_MEMORY_SPACE = 2
"""Memory space of a host memref that lives in the memory tiles (an integer memory space, as upstream)."""

ON_CHIP_ATTRIBUTE = "bsparse.on_chip"
"""A discardable ``array<i64>`` attribute `plan_residency` sets on an op: the indices of its results
that stay in the memory tiles."""

_VIEWS = ("tensor.expand_shape", "tensor.collapse_shape")
"""Ops whose result is a view of their operand: the same bytes, not a tensor of their own."""

_SLICE = "tensor.extract_slice"
"""A slice is a view of its source too when only structured (``linalg``) ops read it: bsparse-to-aie has
their DMAs read it from its source (`bsparse.passes.to_aie.structured_operands`)."""

_RESIDUAL_LAYERS = ("bsparse.matmul", "bsparse.conv2d")
"""Layers that may add a residual (their last operand)."""

_NOT_ACTIVATIONS = ("arith.constant", "tensor.empty", "linalg.fill")
"""Producers whose results are not activations moved between layers: constants (read from DDR where
they are used) and the initial values of outputs (made in place)."""


def activation_capacity(target: Target) -> int:
    """Bytes of activations the memory tiles keep between layers."""
    return target.num_memtiles * target.l2_bytes // target.l2_shares


def _is_view(op: ir.OpView) -> bool:
    name = op.operation.name
    if name == _SLICE:
        return _read_by_structured_ops(op.result)
    return name in _VIEWS


def _read_by_structured_ops(value: ir.Value) -> bool:
    """True if every use of `value`, through reshapes, is by a ``linalg`` op."""
    for use in value.uses:
        owner = use.owner
        if owner.name in _VIEWS:
            if not _read_by_structured_ops(owner.results[0]):
                return False
        elif not owner.name.startswith("linalg."):
            return False
    return True


def _root(value: ir.Value) -> ir.Value:
    """The tensor `value` is a view of (itself when it is none)."""
    while isinstance(value.owner, ir.OpView) and _is_view(value.owner):
        value = value.owner.operands[0]
    return value


def _bytes(value: ir.Value, dtype: str) -> int | None:
    if not isinstance(value.type, ir.RankedTensorType) or not ir.RankedTensorType(value.type).has_static_shape:
        return None
    return math.prod(ir.RankedTensorType(value.type).shape) * COSTED_DTYPES[dtype]


def _in_place(use) -> int:
    """1 when `use` is a layer's residual, which the layer's output overwrites tile by tile (each output
    tile starts as the residual's tile, `bsparse.passes._aie_plan`): its room is the output's at that
    layer; else 0."""
    owner = use.owner
    if owner.name not in _RESIDUAL_LAYERS:
        return 0
    _, _, bias, residual = list(ir.DenseI32ArrayAttr(owner.attributes["operandSegmentSizes"]))
    if not residual or use.operand_number != 2 + bias:  # operands: input, weight, bias?, residual?
        return 0
    return 1 if owner.operands[use.operand_number].type == owner.results[0].type else 0


def plan_residency(module: ir.Operation, target: Target, dtype: str) -> None:
    """Marks the tensors of each function that stay on chip (module docstring) with `ON_CHIP_ATTRIBUTE`."""
    capacity = activation_capacity(target)
    if not target.memtile_rows or capacity <= 0:
        return
    for func in module.regions[0].blocks[0].operations:
        if func.operation.name == "func.func" and func.regions[0].blocks:
            _plan_block(func.regions[0].blocks[0], capacity, dtype)


def _plan_block(block: ir.Block, capacity: int, dtype: str) -> None:
    ops = list(block.operations)
    position = {op.operation: k for k, op in enumerate(ops)}

    def top(owner) -> int | None:  # the position of the top-level op a use sits in
        op = owner.operation if isinstance(owner, ir.OpView) else owner
        while op is not None and op not in position:
            op = op.parent.operation if op.parent is not None else None
        return position.get(op) if op is not None else None

    ranges: dict[ir.Value, list[int]] = {}  # root -> [defined, last used]
    leaves: set = set()  # roots a func.return reads
    for k, op in enumerate(ops):
        for result in op.results:
            root = _root(result)
            if root not in ranges:
                ranges[root] = [k, k]
            for use in result.uses:
                at = top(use.owner)
                if use.owner.name == "func.return":
                    leaves.add(root)
                if at is not None:
                    ranges[root][1] = max(ranges[root][1], at - _in_place(use))
    held = [0] * len(ops)
    for root, (first, last) in ranges.items():
        producer = root.owner
        if root in leaves or not isinstance(producer, ir.OpView) or producer.operation.name in _NOT_ACTIVATIONS:
            continue
        size = _bytes(root, dtype)
        if size is None or last == first:
            continue
        span = range(first, last + 1)
        if all(held[p] + size <= capacity for p in span):
            for p in span:
                held[p] += size
            index = list(producer.results).index(root)
            marked = list(ir.DenseI64ArrayAttr(producer.attributes[ON_CHIP_ATTRIBUTE])) \
                if ON_CHIP_ATTRIBUTE in producer.attributes else []
            producer.attributes[ON_CHIP_ATTRIBUTE] = ir.DenseI64ArrayAttr.get(sorted({*marked, index}))


def tensor_level(value: ir.Value) -> str:
    """Where tensor `value` lives between the ops that write and read it: ``L2`` when it stays on chip
    (its producer's `ON_CHIP_ATTRIBUTE`, or a lowered layer's host buffer in `L2_MEMORY_SPACE`), else
    ``L3``."""
    root = _root(value)
    producer = root.owner
    if not isinstance(producer, ir.OpView):
        return "L3"
    if producer.operation.name == "bufferization.to_tensor":
        return memory_level(producer.operands[0].type)
    if ON_CHIP_ATTRIBUTE in producer.attributes:
        index = list(producer.results).index(root)
        return "L2" if index in list(ir.DenseI64ArrayAttr(producer.attributes[ON_CHIP_ATTRIBUTE])) else "L3"
    return "L3"


def memory_level(memref_type: ir.Type) -> str:
    """``L2`` for a host memref in `L2_MEMORY_SPACE`, else ``L3``."""
    space = ir.MemRefType(memref_type).memory_space
    if space is not None and isinstance(space, ir.IntegerAttr) and space.value == L2_MEMORY_SPACE:
        return "L2"
    return "L3"
