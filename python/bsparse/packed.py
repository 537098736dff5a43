"""Packed weight ops <-> their data, the one reader and writer of their attributes:
`bsparse.packed_weight` <-> `BsrData`, `bsparse.packed_sparse` <-> `SparseData`.

Shared by the passes (which build and rewrite packed weights) and the
interpreter (which runs them), below both in the import layering.
"""

from __future__ import annotations

import numpy as np
import torch_mlir.ir as ir

from bsparse.dialects.bsparse import BsrType, PackedSparseOp, PackedWeightOp, SparseType
from bsparse.irutil import dense_to_numpy, numpy_to_dense
from bsparse.patterns import BsrData, SparseData

__all__ = ["PACKED_OPS", "packed_data", "packed_op", "packed_sparse_data", "packed_sparse_op", "packed_weight_op",
           "weight_data"]

PACKED_OPS = (PackedWeightOp.OPERATION_NAME, PackedSparseOp.OPERATION_NAME)
"""Ops that define a packed weight."""


def weight_data(op):
    """The data of either packed weight op (`bsparse.patterns.format`: it carries its format)."""
    return _READERS[op.operation.name](op)


def packed_op(data, elt: ir.Type, loc: ir.Location):
    """Creates the packed weight op holding `data` (values of type `elt`) at the insertion point: the
    op of its format's encoding (``ENCODING``)."""
    return _WRITERS[data.format.ENCODING](data, elt, loc)


def packed_sparse_data(op: PackedSparseOp) -> SparseData:
    """The arrays of a `bsparse.packed_sparse` (bit masks, named ``mask``, as uint8)."""
    ty = SparseType(op.result.type)
    index = {}
    for named in ir.DictAttr(op.attributes["index"]):
        array = dense_to_numpy(named.attr)
        index[named.name] = array.view(np.uint8) if named.name == "mask" else array
    return SparseData(ty.pattern_name, tuple(ty.weight_shape), dense_to_numpy(op.attributes["values"]), index)


def packed_sparse_op(data: SparseData, elt: ir.Type, loc: ir.Location) -> PackedSparseOp:
    """Creates a `bsparse.packed_sparse` holding `data` (values of type `elt`) at the insertion point."""
    index = {}
    for name, array in data.index.items():
        array = array.view(np.int8) if array.dtype == np.uint8 else array
        index[name] = numpy_to_dense(array, ir.IntegerType.get_signless(array.dtype.itemsize * 8))
    op = ir.Operation.create(
        PackedSparseOp.OPERATION_NAME, results=[SparseType.build(data.shape, data.pattern, elt)],
        attributes={"values": numpy_to_dense(data.values.astype(np.float32, copy=False), elt),
                    "index": ir.DictAttr.get(index)},
        loc=loc,
    )
    return op.opview


def packed_data(op: PackedWeightOp) -> BsrData:
    """The BSR arrays of a `bsparse.packed_weight`."""
    ty = BsrType(op.result.type)
    return BsrData(
        tuple(ty.weight_shape), tuple(ty.block_shape), dense_to_numpy(op.attributes["values"]),
        dense_to_numpy(op.attributes["row_ptr"]), dense_to_numpy(op.attributes["col_idx"]),
    )


def packed_weight_op(data: BsrData, elt: ir.Type, loc: ir.Location) -> PackedWeightOp:
    """Creates a `bsparse.packed_weight` holding `data` (values of type `elt`) at the insertion point."""
    index_type = ir.IntegerType.get_signless(64)
    attributes = {
        "values": numpy_to_dense(data.values.astype(np.float32, copy=False), elt),
        "row_ptr": numpy_to_dense(data.row_ptr, index_type),
        "col_idx": numpy_to_dense(data.col_idx, index_type),
    }
    # Generic creation: the ext-generated constructor drops falsy attributes, and
    # the empty `values`/`col_idx` of a weight with no stored block are falsy.
    op = ir.Operation.create(
        PackedWeightOp.OPERATION_NAME, results=[BsrType.build(data.shape, data.block, elt)],
        attributes=attributes, loc=loc,
    )
    return op.opview


_READERS = {PackedWeightOp.OPERATION_NAME: packed_data, PackedSparseOp.OPERATION_NAME: packed_sparse_data}
"""Packed weight op name -> the reader of its data."""

_WRITERS = {"bsr": packed_weight_op, "indexed": packed_sparse_op}
"""Format encoding (`bsparse.patterns.format.Format.ENCODING`) -> the writer of its op."""
