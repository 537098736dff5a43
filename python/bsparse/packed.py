"""`bsparse.packed_weight` ops <-> `BsrData`: the one reader and writer of their attributes.

Shared by the passes (which build and rewrite packed weights) and the
interpreter (which runs them), below both in the import layering.
"""

from __future__ import annotations

import numpy as np
import torch_mlir.ir as ir

from bsparse.dialects.bsparse import BsrType, PackedWeightOp
from bsparse.irutil import dense_to_numpy, numpy_to_dense
from bsparse.patterns import BsrData

__all__ = ["packed_data", "packed_weight_op"]


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
