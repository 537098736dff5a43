"""Implementations of the ``linalg`` ops on tensors.

``linalg.generic``, ``linalg.map`` and ``linalg.reduce`` go through the
structured-op engine (:mod:`.structured`); so does every other structured
named op without a dedicated implementation here or in :mod:`.conv`, using
its indexing maps (``linalg.get_indexing_maps``) and its implicit payload.
"""

from __future__ import annotations

import numpy as np
import torch_mlir.ir as ir
from torch_mlir.dialects import _linalg_ops_gen, linalg

from .core import IMPLS, dtype_of, impl
from .structured import affine_maps, decode_structured, run_structured


def _n_inputs(op) -> int:
    return ir.DenseI32ArrayAttr(op.attributes["operandSegmentSizes"])[0]


def _out_dtype(op) -> np.dtype:
    return dtype_of(op.results[0].type)


def _i64_array(op, name: str) -> list[int]:
    return list(ir.DenseI64ArrayAttr(op.attributes[name]))


# ----------------------------------------------------------------------------- generic, map, reduce


def _decode_generic(op):
    iterators = [str(a) for a in ir.ArrayAttr(op.attributes["iterator_types"])]
    reduction = ["reduction" in s for s in iterators]
    return decode_structured(op, affine_maps(op.attributes["indexing_maps"]), reduction, _n_inputs(op))


@impl("linalg.generic")
def generic(interp, op, args):
    return run_structured(interp, op, interp.static(op, _decode_generic), args)


def _identity_maps(rank: int, count: int) -> list[ir.AffineMap]:
    return [ir.AffineMap.get_identity(rank) for _ in range(count)]


def _decode_map(op):
    with op.context:
        return _decode_map_in_context(op)


def _decode_map_in_context(op):
    rank = len(ir.ShapedType(op.operands[len(op.operands) - 1].type).shape)
    maps = _identity_maps(rank, len(op.operands))
    takes_output = len(op.regions[0].blocks[0].arguments) == len(op.operands)  # changed across MLIR versions
    return decode_structured(op, maps, [False] * rank, len(op.operands) - 1, block_takes_outputs=takes_output)


@impl("linalg.map")
def map_(interp, op, args):
    return run_structured(interp, op, interp.static(op, _decode_map), args)


def _decode_reduce(op):
    with op.context:
        return _decode_reduce_in_context(op)


def _decode_reduce_in_context(op):
    n_outputs = len(op.results)
    n_inputs = len(op.operands) - n_outputs
    rank = len(ir.ShapedType(op.operands[0].type).shape)
    reduced = set(_i64_array(op, "dimensions"))
    kept = [ir.AffineDimExpr.get(k) for k in range(rank) if k not in reduced]
    maps = _identity_maps(rank, n_inputs) + [ir.AffineMap.get(rank, 0, kept) for _ in range(n_outputs)]
    return decode_structured(op, maps, [k in reduced for k in range(rank)], n_inputs)


@impl("linalg.reduce")
def reduce_(interp, op, args):
    return run_structured(interp, op, interp.static(op, _decode_reduce), args)


def _index_dim(op) -> int:
    return int(ir.IntegerAttr(op.attributes["dim"]).value)


@impl("linalg.index", "aie.index")
def index(interp, op, args):
    if interp.loop_context is None:
        raise interp.error(op, "used outside the payload of a structured op")
    return (interp.loop_context.index(interp.static(op, _index_dim)),)


# ----------------------------------------------------------------------------- named ops


def _decode_named(op):
    maps = linalg.get_indexing_maps(op.operation)
    return None if maps is None else decode_structured(op, affine_maps(maps), None, _n_inputs(op))


def structured_fallback(interp, op, args):
    """Any structured named op, through its indexing maps and implicit payload."""
    info = interp.static(op, _decode_named)
    if info is None:
        raise interp.unsupported(op, "not a structured op")
    return run_structured(interp, op, info, args)


@impl("linalg.fill")
def fill(interp, op, args):
    value, out = args
    return (np.full(out.shape, value, dtype=out.dtype),)


@impl("linalg.copy")
def copy(interp, op, args):
    return (np.asarray(args[0]).astype(args[1].dtype, copy=False),)


@impl("linalg.transpose")
def transpose(interp, op, args):
    return (args[0].transpose(interp.static(op, _permutation)).astype(args[1].dtype, copy=False),)


def _permutation(op) -> list[int]:
    return _i64_array(op, "permutation")


def _dimensions(op) -> list[int]:
    return _i64_array(op, "dimensions")


@impl("linalg.broadcast")
def broadcast(interp, op, args):
    source, out = args
    expanded = np.expand_dims(source, tuple(interp.static(op, _dimensions)))
    return (np.broadcast_to(expanded, out.shape).astype(out.dtype, copy=False),)


_MATMUL_MAPS = {
    "linalg.matmul": "[affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, "
                     "affine_map<(d0, d1, d2) -> (d0, d1)>]",
    "linalg.batch_matmul": "[affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d3, d2)>, "
                           "affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>]",
}


def _has_default_maps(op) -> bool:
    return "indexing_maps" not in op.attributes or str(op.attributes["indexing_maps"]) == _MATMUL_MAPS[op.name]


@impl("linalg.matmul", "linalg.batch_matmul")
def matmul(interp, op, args):
    """``C + A @ B`` in the accumulator's type; transposed/broadcast variants go through the engine."""
    if not interp.static(op, _has_default_maps):
        return structured_fallback(interp, op, args)
    a, b, c = args
    if a.dtype != c.dtype or b.dtype != c.dtype:
        a, b = a.astype(c.dtype), b.astype(c.dtype)
    product = np.matmul(a, b)
    return (np.add(product, c, out=product),)


def _softmax_dim(op) -> int:
    return int(ir.IntegerAttr(op.attributes["dimension"]).value)


@impl("linalg.softmax")
def softmax(interp, op, args):
    x = args[0]
    axis = interp.static(op, _softmax_dim)
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return ((e / np.sum(e, axis=axis, keepdims=True)).astype(args[1].dtype, copy=False),)


# Every other linalg op the bindings know: run it as a structured op if it is one.
for _cls in vars(_linalg_ops_gen).values():
    _name = getattr(_cls, "OPERATION_NAME", None)
    if isinstance(_name, str) and _name.startswith("linalg.") and _name not in IMPLS and _name != "linalg.yield":
        IMPLS[_name] = structured_fallback
