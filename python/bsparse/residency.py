"""Where activations live between layers: DDR (L3), or the memory tiles (L2) when they fit.

The Weight Block Sparsity paper keeps a layer's activations in the array's
memory tiles (one 512 KB memtile per column, "activations and weights
sharing it") rather than sending them back to DDR. bsparse does the same,
per tensor: a tensor that flows from one layer to the next stays on chip
when its bytes at the costed type fit `activation_capacity` of the target,
the share of every memory tile that bsparse-to-aie gives a column's input
slice (``l2_bytes // l2_shares`` of each, a target field). The program's inputs and results always live in DDR. (The rule looks
at each tensor alone, not at all tensors live at once: a residual branch's
input counts against the same capacity only through this per-tensor bound.)

In the IR a resident tensor's host buffer is a memref in memory space
`L2_MEMORY_SPACE`; bsparse-to-aie makes that choice and the cost model reads
it, and costs host ops on resident tensors at the memory tiles' bandwidth.
A packed weight read by several layers (a recurrent weight over its time
steps) can live there too (`bsparse.passes.to_aie.resident_weights`): its
constants' buffers are in the same memory space, loaded from DDR once (the
report's ``stage`` rows).
"""

from __future__ import annotations

import math

import torch_mlir.ir as ir

from bsparse.dtypes import COSTED_DTYPES
from bsparse.targets import Target

__all__ = ["L2_MEMORY_SPACE", "activation_capacity", "memory_level", "stays_on_chip"]

L2_MEMORY_SPACE = 2
"""Memory space of a host memref that lives in the memory tiles (an integer memory space, as upstream)."""


def activation_capacity(target: Target) -> int:
    """Bytes of activations the memory tiles keep between layers."""
    return target.num_memtiles * target.l2_bytes // target.l2_shares


def _feeds_return(value: ir.Value) -> bool:
    return any(use.owner.name == "func.return" for use in value.uses)


def stays_on_chip(value: ir.Value, target: Target, dtype: str) -> bool:
    """Whether tensor `value` stays in the memory tiles (not a program input or result, and it fits)."""
    if isinstance(value.owner, ir.Block) or _feeds_return(value):
        return False
    shaped = ir.ShapedType(value.type)
    if not shaped.has_static_shape:
        return False
    return math.prod(shaped.shape) * COSTED_DTYPES[dtype] <= activation_capacity(target)


def memory_level(memref_type: ir.Type) -> str:
    """``L2`` for a host memref in `L2_MEMORY_SPACE`, else ``L3``."""
    space = ir.MemRefType(memref_type).memory_space
    if space is not None and isinstance(space, ir.IntegerAttr) and space.value == L2_MEMORY_SPACE:
        return "L2"
    return "L3"
