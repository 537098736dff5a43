"""Matchers shared by the passes: constant weights and zero initial values."""

from __future__ import annotations

import numpy as np
import torch_mlir.ir as ir
from torch_mlir.dialects import linalg

from bsparse.irutil import dense_to_numpy
from bsparse.semantics.structured import affine_maps

__all__ = ["all_parallel", "constant_array", "defining_op", "indexing_maps", "is_zero", "map_strings"]


def defining_op(value: ir.Value):
    """The op (as its OpView) that defines `value`, or None for a block argument."""
    owner = value.owner
    return owner if isinstance(owner, ir.OpView) else None


def constant_array(value: ir.Value) -> np.ndarray | None:
    """The numpy value of `value` if an ``arith.constant`` with readable dense elements defines it."""
    op = defining_op(value)
    if op is None or op.operation.name != "arith.constant":
        return None
    try:
        return dense_to_numpy(op.attributes["value"])
    except TypeError:  # dense_resource or another unreadable form
        return None


def is_zero(value: ir.Value) -> bool:
    """True if `value` is a constant zero tensor or a ``linalg.fill`` of zero."""
    op = defining_op(value)
    if op is None:
        return False
    if op.operation.name == "linalg.fill":
        return is_zero(op.operands[0])
    if op.operation.name != "arith.constant":
        return False
    attr = op.attributes["value"]
    if isinstance(attr, ir.FloatAttr | ir.IntegerAttr):
        return attr.value == 0
    array = constant_array(value)
    return array is not None and not array.any()


def all_parallel(op) -> bool:
    """True if every loop of the linalg op `op` is parallel (no reduction)."""
    return all("parallel" in str(t) for t in ir.ArrayAttr(op.attributes["iterator_types"]))


def indexing_maps(op) -> list[ir.AffineMap]:
    """The indexing maps of the linalg op `op` (a named op's implicit ones too), inputs then outputs."""
    return affine_maps(linalg.get_indexing_maps(op.operation))


def map_strings(op) -> list[str]:
    """The results of each of `op`'s ``indexing_maps`` as strings, e.g. ``(d0, d2)``."""
    attr = op.attributes["indexing_maps"]
    return [str(ir.AffineMapAttr(m).value).split("->")[1].strip() for m in ir.ArrayAttr(attr)]
