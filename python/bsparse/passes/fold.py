"""bsparse-fold-constants: evaluate linalg ops whose inputs are all constants, at compile time.

PyTorch's batch norm in eval mode imports as elementwise ops on its
parameters (``sqrt(running_var + eps)``, ``weight / ...``) that run on every
inference; once those are constants, bsparse-pack folds the whole batch norm
into the preceding convolution. The pattern ``fold_constant_op`` evaluates
such an op with `bsparse.semantics` (the one implementation of every op's
semantics, which the interpreter runs too) and replaces it by an ``arith.constant``. It is also part of
bsparse-pack's pattern set.

Only results up to `MAX_FOLDED_ELEMENTS` elements are folded: parameter
vectors, not activations or whole weights (folding those would copy them
into the IR for nothing); a larger slice of a constant only when it is the
constant's one use (the IR shrinks).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import torch_mlir.ir as ir
from torch_mlir.dialects import arith
from torch_mlir.rewrite import RewritePatternSet, apply_patterns_and_fold_greedily

from bsparse.irutil import numpy_to_dense
from bsparse.passes._match import defining_op
from bsparse.passes.base import Pass

__all__ = ["FoldConstantsPass", "MAX_FOLDED_ELEMENTS", "evaluate", "fold_constant_op", "patterns"]

MAX_FOLDED_ELEMENTS = 1 << 16
"""Largest result (in elements) evaluated at compile time: per-channel parameters fit easily."""

FOLDABLE = ("linalg.generic", "linalg.map", "linalg.broadcast", "linalg.transpose", "tensor.extract_slice")
"""The ops the pattern evaluates when all their inputs are constants (a slice of a constant, such as
GPT-2's causal mask cut to the sequence, also when larger, if the constant has no other use;
likewise what such a slice is the one use of)."""

_SOURCES = ("arith.constant", "tensor.empty", "linalg.fill")


def _captured(op) -> list[ir.Value]:
    """Values the op's regions read from outside the op (e.g. a scalar ``eps``)."""
    inside: set = set()
    captured: list[ir.Value] = []

    def visit(inner: ir.Operation) -> ir.WalkResult:  # pre-order: definitions come before their uses
        if inner != op.operation:
            captured.extend(v for v in inner.operands if v not in inside and v not in captured)
        for region in inner.regions:
            for block in region.blocks:
                inside.update(block.arguments)
        inside.update(inner.results)
        return ir.WalkResult.ADVANCE

    op.operation.walk(visit, ir.WalkOrder.PRE_ORDER)
    return captured


def _inputs(op) -> list[ir.Value]:
    """Every value `op` reads: its operands and what its regions capture."""
    return [*op.operands, *_captured(op)]


def _all_constant(values: list[ir.Value]) -> bool:
    for value in values:
        producer = defining_op(value)
        if producer is None or producer.operation.name not in _SOURCES:
            return False
        if producer.operation.name == "linalg.fill" and not _all_constant(_inputs(producer)):
            return False
    return True


def evaluate(op, operands: list[np.ndarray], interp=None) -> list[np.ndarray]:
    """`op`'s results on the operand values `operands` (what its regions capture, constants such as a
    scalar ``eps``, evaluated first), by `bsparse.semantics`."""
    from bsparse.semantics import Interpreter  # loaded on the first evaluation

    interp = interp or Interpreter(None)
    for value in _captured(op):
        interp.env[value] = interp.run_op(defining_op(value), [])[0]
    return list(interp.run_op(op, operands))


def _evaluate(op, interp) -> list[np.ndarray]:
    """`op`'s results, its constant inputs evaluated first (a fill from its value)."""
    values = []
    for value in op.operands:
        producer = defining_op(value)
        values.append(_evaluate(producer, interp)[0] if producer.operation.name == "linalg.fill"
                      else evaluate(producer, [], interp)[0])
    return evaluate(op, values, interp)


def _replaces_its_source(op) -> bool:
    """Folding `op` shrinks the IR whatever its size: a slice that is its constant source's only use, or
    an op whose one result has one use, such a slice (which folds next)."""
    if op.operation.name == "tensor.extract_slice":
        return len(list(op.operands[0].uses)) == 1
    if len(op.results) != 1:
        return False
    uses = list(op.results[0].uses)
    return len(uses) == 1 and uses[0].owner.name == "tensor.extract_slice"


def fold_constant_op(op, rewriter):
    """A linalg op on constants -> ``arith.constant`` of its (small) result."""
    from bsparse.semantics import Interpreter  # loaded on the first fold

    if any(not isinstance(r.type, ir.RankedTensorType) or not r.type.has_static_shape for r in op.results):
        return True
    elements = sum(int(np.prod(r.type.shape)) for r in op.results)
    if elements > MAX_FOLDED_ELEMENTS and not _replaces_its_source(op) or not _all_constant(_inputs(op)):
        return True
    results = _evaluate(op, Interpreter(None))
    with rewriter.ip:
        constants = [
            arith.ConstantOp(r.type, numpy_to_dense(np.asarray(v), ir.RankedTensorType(r.type).element_type),
                             loc=op.location).result
            for r, v in zip(op.results, results)
        ]
    rewriter.replace_op(op, constants)
    return False


def patterns() -> RewritePatternSet:
    """The rewrite patterns of bsparse-fold-constants."""
    # Each pattern function returns truthy for "no match".
    rewrites = RewritePatternSet()
    for name in FOLDABLE:
        rewrites.add(name, fold_constant_op)
    return rewrites


@dataclass(frozen=True)
class FoldConstantsPass(Pass):
    NAME: ClassVar[str] = "bsparse-fold-constants"
    SUMMARY: ClassVar[str] = "evaluate small linalg ops on constants (batch-norm parameters) at compile time"

    def run(self, module: ir.Operation) -> None:
        apply_patterns_and_fold_greedily(module, patterns().freeze())
