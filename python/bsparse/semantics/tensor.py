"""Implementations of the ``tensor`` ops: creation, slicing, reshaping, padding and element access."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch_mlir.ir as ir

from bsparse.irutil import reassociation

from .core import dtype_of, impl, shape_of

_DYNAMIC = ir.ShapedType.get_dynamic_size()


def _result_type(op) -> tuple[tuple[int | None, ...], np.dtype]:
    type_ = op.results[0].type
    return shape_of(type_), dtype_of(type_)


def _fill_dynamic(static: Sequence[int], dynamic: Sequence[Any]) -> list[int]:
    """Static sizes with each ``?`` replaced, in order, by the next dynamic operand."""
    values = iter(dynamic)
    return [int(next(values)) if s == _DYNAMIC or s is None else int(s) for s in static]


def _segments(op) -> list[int]:
    return list(ir.DenseI32ArrayAttr(op.attributes["operandSegmentSizes"]))


def _i64_array(op, name: str) -> list[int]:
    return list(ir.DenseI64ArrayAttr(op.attributes[name]))


# ----------------------------------------------------------------------------- creation


@impl("tensor.empty")
def empty(interp, op, args):
    shape, dtype = interp.static(op, _result_type)
    return (np.zeros(_fill_dynamic(shape, args), dtype),)


@impl("tensor.splat")
def splat(interp, op, args):
    shape, dtype = interp.static(op, _result_type)
    return (np.full(_fill_dynamic(shape, args[1:]), args[0], dtype),)


@impl("tensor.from_elements")
def from_elements(interp, op, args):
    shape, dtype = interp.static(op, _result_type)
    return (np.array(args, dtype=dtype).reshape(shape),)


@impl("tensor.generate")
def generate(interp, op, args):
    shape, dtype = interp.static(op, _result_type)
    shape = _fill_dynamic(shape, args)
    return (_evaluate_over_indices(interp, op, shape, dtype),)


def _evaluate_over_indices(interp, op, shape: Sequence[int], dtype: np.dtype) -> np.ndarray:
    """Runs the op's single-block body once over index arrays spanning `shape` and broadcasts its result."""
    plan = interp.plan(op.regions[0].blocks[0])
    if not plan.steps and plan.yields[0] not in plan.args:  # a value from outside: the common pad case
        return np.full(shape, interp.env[plan.yields[0]], dtype)
    indices = [np.arange(n, dtype=np.int64).reshape([-1 if i == d else 1 for i in range(len(shape))])
               for d, n in enumerate(shape)]
    (value,) = interp.execute(plan, indices, payload=True)
    return np.broadcast_to(np.asarray(value, dtype), shape).copy()


# ----------------------------------------------------------------------------- element access


@impl("tensor.extract")
def extract(interp, op, args):
    # Index arrays (inside a structured op's payload) gather; scalars read one element.
    return (args[0][tuple(args[1:])],)


@impl("tensor.insert")
def insert(interp, op, args):
    value, dest, *indices = args
    result = np.array(dest)
    result[tuple(int(i) for i in indices)] = value
    return (result,)


@impl("tensor.dim")
def dim(interp, op, args):
    return (np.int64(args[0].shape[int(args[1])]),)


@impl("tensor.rank")
def rank(interp, op, args):
    return (np.int64(np.ndim(args[0])),)


# ----------------------------------------------------------------------------- slices


def _slice_attrs(op) -> tuple[list[int], list[int], list[int], int]:
    first_dynamic = _segments(op)[0] + (_segments(op)[1] if op.name == "tensor.insert_slice" else 0)
    return (_i64_array(op, "static_offsets"), _i64_array(op, "static_sizes"),
            _i64_array(op, "static_strides"), first_dynamic)


def _slices(interp, op, args) -> tuple[tuple[slice, ...], list[int]]:
    offsets, sizes, strides, first = interp.static(op, _slice_attrs)
    segments = interp.static(op, _segments)
    n_off, n_size = segments[-3], segments[-2]
    dyn = args[first:]
    offsets = _fill_dynamic(offsets, dyn[:n_off])
    sizes = _fill_dynamic(sizes, dyn[n_off:n_off + n_size])
    strides = _fill_dynamic(strides, dyn[n_off + n_size:])
    return tuple(slice(o, o + (s - 1) * st + 1, st) if s else slice(o, o) for o, s, st in zip(offsets, sizes, strides)), sizes


def _rank_reduced(sizes: list[int], shape: Sequence[int | None]) -> list[int]:
    """`sizes` without the unit dimensions a rank-reducing slice drops to reach `shape`."""
    drops = len(sizes) - len(shape)
    if drops == 0:
        return sizes
    kept: list[int] = []
    for size in sizes:
        j = len(kept)
        if drops and size == 1 and (j >= len(shape) or shape[j] not in (None, 1)):
            drops -= 1
            continue
        kept.append(size)
    while len(kept) > len(shape):
        kept.remove(1)
    return kept


@impl("tensor.extract_slice")
def extract_slice(interp, op, args):
    index, sizes = _slices(interp, op, args)
    view = args[0][index]
    shape, _ = interp.static(op, _result_type)
    return (view.reshape(_rank_reduced(sizes, shape)),)


@impl("tensor.insert_slice")
def insert_slice(interp, op, args):
    source, dest = args[0], args[1]
    index, sizes = _slices(interp, op, args)
    result = np.array(dest)
    result[index] = np.reshape(source, sizes)
    return (result,)


# ----------------------------------------------------------------------------- reshapes


@impl("tensor.collapse_shape")
def collapse_shape(interp, op, args):
    groups = interp.static(op, reassociation)
    source = args[0]
    return (source.reshape([int(np.prod([source.shape[i] for i in g], dtype=np.int64)) for g in groups]),)


def _output_shape(op) -> list[int]:
    return _i64_array(op, "static_output_shape")


@impl("tensor.expand_shape")
def expand_shape(interp, op, args):
    static = interp.static(op, _output_shape)
    return (args[0].reshape(_fill_dynamic(static, args[1:])),)


@impl("tensor.reshape")
def reshape(interp, op, args):
    return (args[0].reshape([int(s) for s in args[1]]),)


@impl("tensor.cast")
def cast(interp, op, args):
    return (args[0],)


@impl("tensor.bitcast")
def bitcast(interp, op, args):
    _, dtype = interp.static(op, _result_type)
    return (args[0].view(dtype),)


def _concat_dim(op) -> int:
    return int(ir.IntegerAttr(op.attributes["dim"]).value)


@impl("tensor.concat")
def concat(interp, op, args):
    return (np.concatenate(args, axis=interp.static(op, _concat_dim)),)


# ----------------------------------------------------------------------------- padding


def _pad_attrs(op) -> tuple[list[int], list[int], int]:
    return _i64_array(op, "static_low"), _i64_array(op, "static_high"), _segments(op)[1]


@impl("tensor.pad")
def pad(interp, op, args):
    source = args[0]
    low, high, n_low = interp.static(op, _pad_attrs)
    low = _fill_dynamic(low, args[1:1 + n_low])
    high = _fill_dynamic(high, args[1 + n_low:])
    if min(low + high, default=0) < 0:
        raise interp.error(op, f"negative padding low={low} high={high} is not supported")
    shape = [lo + n + hi for lo, n, hi in zip(low, source.shape, high)]
    _, dtype = interp.static(op, _result_type)
    result = _evaluate_over_indices(interp, op, shape, dtype)
    result[tuple(slice(lo, lo + n) for lo, n in zip(low, source.shape))] = source
    return (result,)
