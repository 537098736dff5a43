"""bsparse-pack: linalg ops with constant weights -> bsparse ops on packed weights.

Rewrite patterns, run by the greedy driver. Each pattern matches one linalg
op whose weight operand is a readable constant, packs the weight's nonzero
blocks (all blocks of a dense weight are stored too: density 1) and replaces
the op with a `bsparse.packed_weight` + compute op. Ops whose weight is not
a constant are left as they are.

Covered: ``linalg.matmul`` with the constant as right operand, in either
``[K, N]`` or transposed ``[N, K]`` form (including through the
``linalg.transpose`` that ``nn.Linear`` produces). A non-zero initial value
becomes an ``arith.addf`` after the packed matmul.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import torch_mlir.ir as ir
from torch_mlir.dialects import arith, linalg
from torch_mlir.rewrite import RewritePatternSet, apply_patterns_and_fold_greedily

from bsparse.dialects.bsparse import BsrType, MatmulOp, PackedWeightOp
from bsparse.irutil import numpy_to_dense
from bsparse.passes._match import constant_array, defining_op, is_zero, map_strings
from bsparse.passes.base import Pass, option
from bsparse.patterns import BlockPattern

__all__ = ["PackPass", "build_packed_weight", "patterns"]

_A_MK, _B_KN, _B_NK, _C_MN = "(d0, d2)", "(d2, d1)", "(d1, d2)", "(d0, d1)"


def build_packed_weight(weight: np.ndarray, pattern: BlockPattern, elt: ir.Type, loc: ir.Location) -> PackedWeightOp:
    """Creates a `bsparse.packed_weight` for logical weight `weight` at the insertion point."""
    data = pattern.pack(weight)
    index_type = ir.IntegerType.get_signless(64)
    return PackedWeightOp(
        numpy_to_dense(data.values.astype(weight.dtype, copy=False), elt),
        numpy_to_dense(data.row_ptr, index_type),
        numpy_to_dense(data.col_idx, index_type),
        BsrType.build(weight.shape, pattern.block, elt),
        loc=loc,
    )


def _matmul_weight(op) -> np.ndarray | None:
    """The logical ``[N, K]`` weight of a linalg.matmul, if it is constant."""
    maps = map_strings(op)
    if maps[0] != _A_MK or maps[2] != _C_MN or maps[1] not in (_B_KN, _B_NK):
        return None
    rhs = op.inputs[1]
    transposed = maps[1] == _B_NK
    if (weight := constant_array(rhs)) is None:
        producer = defining_op(rhs)
        if producer is None or producer.operation.name != "linalg.transpose":
            return None
        if list(ir.DenseI64ArrayAttr(producer.attributes["permutation"])) != [1, 0]:
            return None
        if (weight := constant_array(producer.operands[0])) is None:
            return None
        transposed = not transposed
    return weight if transposed else weight.T


def _floating(*values: ir.Value) -> ir.Type | None:
    types = {str(ir.ShapedType(v.type).element_type) for v in values}
    elt = ir.ShapedType(values[0].type).element_type
    return elt if len(types) == 1 and isinstance(elt, ir.FloatType) else None


def pack_matmul(op, rewriter, pattern: BlockPattern):
    """linalg.matmul(x, const W) -> bsparse.matmul(x, packed(W)) [+ init]."""
    if (weight := _matmul_weight(op)) is None:
        return True
    lhs, init = op.inputs[0], op.outputs[0]
    if (elt := _floating(lhs, op.inputs[1], init)) is None:
        return True
    with rewriter.ip:
        packed = build_packed_weight(np.ascontiguousarray(weight), pattern, elt, op.location)
        result = MatmulOp(lhs, packed.result, ir.StringAttr.get("none"), op.result.type, loc=op.location).result
        if not is_zero(init):
            result = arith.AddFOp(result, init, loc=op.location).result
    rewriter.replace_op(op, [result])
    return False


def patterns(pattern: BlockPattern) -> RewritePatternSet:
    """The rewrite patterns of bsparse-pack for blocks of `pattern`."""
    # Each pattern function returns truthy for "no match".
    rewrites = RewritePatternSet()
    rewrites.add(linalg.MatmulOp, lambda op, rewriter: pack_matmul(op, rewriter, pattern))
    return rewrites


@dataclass(frozen=True)
class PackPass(Pass):
    NAME: ClassVar[str] = "bsparse-pack"
    SUMMARY: ClassVar[str] = "pack constant matmul/conv weights into block-sparse bsparse ops"

    block: BlockPattern = option(
        BlockPattern(), "block shape RxC over (out, in)", parse=BlockPattern.from_params, show=lambda p: f"{p.rows}x{p.cols}"
    )

    def run(self, module: ir.Operation) -> None:
        apply_patterns_and_fold_greedily(module, patterns(self.block).freeze())
