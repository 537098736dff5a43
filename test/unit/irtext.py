"""Helpers the unit tests share: MLIR text for types and packed weights, and finding ops in a module."""

from __future__ import annotations

import numpy as np
import torch_mlir.ir as ir

from bsparse.irutil import numpy_to_dense
from bsparse.patterns import BlockPattern


def tensor(shape) -> str:
    return f"tensor<{'x'.join(map(str, shape))}xf32>"


def array_attr(values) -> str:
    return f"array<i64: {', '.join(map(str, values))}>"


def op_names(module: ir.Module) -> list[str]:
    """Names of every op in `module`, in walk order."""
    names: list[str] = []

    def visit(op):
        names.append(op.name)
        return ir.WalkResult.ADVANCE

    module.operation.walk(visit)
    return names


def ops_named(module: ir.Module, name: str) -> list:
    """The ops called `name` in `module`, as OpViews."""
    found = []

    def visit(op):
        if op.name == name:
            found.append(op.opview)
        return ir.WalkResult.ADVANCE

    module.operation.walk(visit)
    return found


def packed_weight(weight: np.ndarray, block: tuple[int, int]) -> tuple[str, str]:
    """The generic-form ``%w = bsparse.packed_weight`` of `weight` and its type (needs a context)."""
    data = BlockPattern(*block).pack(weight)
    i64 = ir.IntegerType.get_signless(64)
    bsr = f"!bsparse.bsr<{array_attr(weight.shape)}, {array_attr(block)}, f32>"
    attrs = (f"col_idx = {numpy_to_dense(data.col_idx, i64)}, row_ptr = {numpy_to_dense(data.row_ptr, i64)}, "
             f"values = {numpy_to_dense(data.values)}")
    return f'%w = "bsparse.packed_weight"() {{{attrs}}} : () -> {bsr}', bsr


def packed_sparse(weight: np.ndarray, pattern: str) -> tuple[str, str]:
    """The generic-form ``%w = bsparse.packed_sparse`` of `weight` in `pattern`'s format and its type (needs a context)."""
    from bsparse.patterns import format_for

    data = format_for(pattern).pack(weight)
    index = []
    for name, array in sorted(data.index.items()):
        array = array.view(np.int8) if array.dtype == np.uint8 else array
        elt = ir.IntegerType.get_signless(array.dtype.itemsize * 8)
        index.append(f"{name} = {numpy_to_dense(array, elt)}")
    ty = f'!bsparse.sparse<{array_attr(weight.shape)}, "{data.pattern}", f32>'
    attrs = f"index = {{{', '.join(index)}}}, values = {numpy_to_dense(data.values.astype(np.float32))}"
    return f'%w = "bsparse.packed_sparse"() {{{attrs}}} : () -> {ty}', ty
