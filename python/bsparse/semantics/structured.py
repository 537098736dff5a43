"""The engine behind ``linalg.generic`` and every structured op without a dedicated implementation.

A structured op is evaluated in *loop space*: one array axis per loop of its
iteration domain. Each operand becomes a zero-copy view of rank n_loops built
from its indexing map (permutations and projections by transposing, broadcast
dims as unit axes, constant indices by indexing, affine combinations such as
convolution windows ``d2 * 2 + d5`` by ``as_strided``; ``mod``/``floordiv``
by gathering). The payload block then runs *once* on these views with numpy
broadcasting, and ``linalg.index`` answers with broadcast ``arange``s.

How the payload is evaluated (once, as a numpy reduction, as an ``einsum``,
or one reduction step at a time) is decided by :mod:`.payload`.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch_mlir.ir as ir
from numpy.lib.stride_tricks import as_strided

from .core import InterpreterError, Plan, dtype_of
from .payload import ArgReduce, Contraction, Reduce, analyse

__all__ = ["Structured", "decode_structured", "linear_form", "run_structured"]

#: Above this many reduction steps, a payload that is not a recognised reduction is refused.
MAX_SEQUENTIAL_STEPS = 1 << 16

_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


# ----------------------------------------------------------------------------- indexing maps


def linear_form(expr: ir.AffineExpr, n_dims: int) -> tuple[list[int], int] | None:
    """``expr`` as (coefficient per dim, constant), or None if it is not linear in the dims."""
    if isinstance(expr, ir.AffineDimExpr):
        coeffs = [0] * n_dims
        coeffs[expr.position] = 1
        return coeffs, 0
    if isinstance(expr, ir.AffineConstantExpr):
        return [0] * n_dims, expr.value
    if isinstance(expr, ir.AffineAddExpr):
        lhs, rhs = linear_form(expr.lhs, n_dims), linear_form(expr.rhs, n_dims)
        if lhs is None or rhs is None:
            return None
        return [a + b for a, b in zip(lhs[0], rhs[0])], lhs[1] + rhs[1]
    if isinstance(expr, ir.AffineMulExpr):
        lhs, rhs = linear_form(expr.lhs, n_dims), linear_form(expr.rhs, n_dims)
        if lhs is None or rhs is None:
            return None
        if any(lhs[0]) and any(rhs[0]):
            return None
        (_, factor), (coeffs, const) = (lhs, rhs) if not any(lhs[0]) else (rhs, lhs)
        return [factor * x for x in coeffs], factor * const
    return None


def _evaluate_expr(expr: ir.AffineExpr, indices: Sequence[np.ndarray]) -> Any:
    """``expr`` over broadcast loop-index arrays (for maps with mod/floordiv/ceildiv)."""
    if isinstance(expr, ir.AffineDimExpr):
        return indices[expr.position]
    if isinstance(expr, ir.AffineConstantExpr):
        return np.int64(expr.value)
    lhs, rhs = _evaluate_expr(expr.lhs, indices), _evaluate_expr(expr.rhs, indices)
    if isinstance(expr, ir.AffineAddExpr):
        return lhs + rhs
    if isinstance(expr, ir.AffineMulExpr):
        return lhs * rhs
    if isinstance(expr, ir.AffineModExpr):
        return np.mod(lhs, rhs)
    if isinstance(expr, ir.AffineFloorDivExpr):
        return np.floor_divide(lhs, rhs)
    if isinstance(expr, ir.AffineCeilDivExpr):
        return -np.floor_divide(-lhs, rhs)
    raise InterpreterError(f"unsupported affine expression {expr}")


@dataclass
class Access:
    """How one operand is read (and, for outputs, written) in loop space.

    Kinds: ``scalar`` (not a tensor), ``view`` (each result a distinct loop
    dim or a constant), ``strided`` (linear combinations of dims), ``gather``.
    """

    kind: str
    n_loops: int
    #: view: loop dim per operand axis, or None where the map has a constant.
    dims: tuple[int | None, ...] = ()
    consts: tuple[int, ...] = ()
    #: strided: coefficient per (operand axis, loop dim) and constant per axis.
    coeffs: tuple[tuple[int, ...], ...] = ()
    offsets: tuple[int, ...] = ()
    exprs: tuple[ir.AffineExpr, ...] = ()

    @property
    def used(self) -> tuple[int, ...]:
        """Loop dims this operand depends on, ascending."""
        if self.kind == "view":
            return tuple(sorted(d for d in self.dims if d is not None))
        if self.kind == "strided":
            return tuple(k for k in range(self.n_loops) if any(row[k] for row in self.coeffs))
        return tuple(range(self.n_loops)) if self.kind == "gather" else ()

    def view(self, array: Any, sizes: Sequence[int], compact: bool = False) -> Any:
        """The operand in loop space (unit axes for unused dims), or over `used` dims only if `compact`."""
        if self.kind == "scalar":
            return array
        array = np.asarray(array)
        if self.kind == "view":
            return self._view(array, compact)
        if self.kind == "strided":
            return self._strided(array, sizes, compact)
        indices = _loop_indices(sizes)
        return array[tuple(np.asarray(_evaluate_expr(e, indices), np.int64) for e in self.exprs)]

    def _view(self, array: np.ndarray, compact: bool) -> np.ndarray:
        if any(d is None for d in self.dims):
            array = array[tuple(c if d is None else slice(None) for d, c in zip(self.dims, self.consts))]
        dims = [d for d in self.dims if d is not None]
        order = sorted(range(len(dims)), key=dims.__getitem__)
        if order != list(range(len(dims))):
            array = array.transpose(order)
        if compact:
            return array
        missing = tuple(k for k in range(self.n_loops) if k not in dims)
        return np.expand_dims(array, missing) if missing else array

    def _strided(self, array: np.ndarray, sizes: Sequence[int], compact: bool) -> np.ndarray:
        for axis, (row, offset) in enumerate(zip(self.coeffs, self.offsets)):
            low = offset + sum(min(0, c * (n - 1)) for c, n in zip(row, sizes))
            high = offset + sum(max(0, c * (n - 1)) for c, n in zip(row, sizes))
            if min(sizes, default=1) > 0 and (low < 0 or high >= array.shape[axis]):
                raise InterpreterError(
                    f"indexing map reads [{low}, {high}] on axis {axis} of an operand of shape {array.shape}"
                )
        base = array[tuple(slice(o, None) for o in self.offsets)]
        loops = self.used if compact else range(self.n_loops)
        shape = [sizes[k] if any(row[k] for row in self.coeffs) else 1 for k in loops]
        strides = [sum(s * row[k] for s, row in zip(array.strides, self.coeffs)) for k in loops]
        return as_strided(base, shape, strides, writeable=False)


def decode_access(amap: ir.AffineMap, type_: ir.Type) -> Access:
    n_loops = amap.n_dims
    if not isinstance(type_, ir.ShapedType):
        return Access("scalar", n_loops)
    if amap.n_symbols:
        raise InterpreterError(f"indexing map {amap} has symbols")
    linear = [linear_form(e, n_loops) for e in amap.results]
    if any(x is None for x in linear):
        return Access("gather", n_loops, exprs=tuple(amap.results))
    dims: list[int | None] = []
    consts: list[int] = []
    for coeffs, const in linear:
        if not any(coeffs):
            dims.append(None)
            consts.append(const)
        elif const == 0 and sorted(coeffs) == [0] * (n_loops - 1) + [1]:
            dims.append(coeffs.index(1))
            consts.append(0)
        else:
            break
    else:
        real = [d for d in dims if d is not None]
        if len(set(real)) == len(real):
            return Access("view", n_loops, dims=tuple(dims), consts=tuple(consts))
    return Access("strided", n_loops, coeffs=tuple(tuple(c) for c, _ in linear), offsets=tuple(o for _, o in linear))


def _loop_indices(sizes: Sequence[int]) -> list[np.ndarray]:
    n = len(sizes)
    return [np.arange(s, dtype=np.int64).reshape([-1 if i == d else 1 for i in range(n)]) for d, s in enumerate(sizes)]


class LoopContext:
    """Answers ``linalg.index`` while a payload runs: a broadcast arange, or a fixed step."""

    def __init__(self, sizes: Sequence[int], fixed: dict[int, int] | None = None, offsets: Sequence[int] | None = None):
        self.sizes = list(sizes)
        self.fixed = fixed or {}
        self.offsets = list(offsets) if offsets is not None else [0] * len(self.sizes)
        """Where each loop starts (a core's slice of the loops runs from there)."""

    def index(self, dim: int) -> Any:
        if dim in self.fixed:
            return np.int64(self.fixed[dim] + self.offsets[dim])
        shape = [1] * len(self.sizes)
        shape[dim] = self.sizes[dim]
        return np.arange(self.offsets[dim], self.offsets[dim] + self.sizes[dim], dtype=np.int64).reshape(shape)


# ----------------------------------------------------------------------------- decoding


@dataclass(eq=False)
class Structured:
    """A structured op decoded once: accesses, iterator kinds, payload and its reduction analysis."""

    n_inputs: int
    n_outputs: int
    accesses: list[Access]
    reduction: tuple[bool, ...]
    block: ir.Block
    #: Whether the payload block takes the outputs' current values (generic) or not (linalg.map).
    block_takes_outputs: bool
    #: (operand index, axis) giving the size of each loop.
    size_sources: list[tuple[int, int]]
    out_dtypes: list[np.dtype]
    analysis: Any = field(default=None)

    @property
    def parallel_dims(self) -> tuple[int, ...]:
        return tuple(k for k, r in enumerate(self.reduction) if not r)

    @property
    def reduction_dims(self) -> tuple[int, ...]:
        return tuple(k for k, r in enumerate(self.reduction) if r)


def decode_structured(
    op, maps: Sequence[ir.AffineMap], reduction: Sequence[bool] | None, n_inputs: int,
    block_takes_outputs: bool = True, out_dtypes: Sequence[np.dtype] | None = None,
) -> Structured:
    """Decodes a structured op given its indexing maps; `reduction` None infers it (dims absent from outputs);
    `out_dtypes` default to the op's results' (an op writing buffers has none)."""
    operands = list(op.operands)
    n_outputs = len(operands) - n_inputs
    accesses = [decode_access(m, v.type) for m, v in zip(maps, operands)]
    n_loops = maps[0].n_dims if maps else 0
    if reduction is None:
        in_outputs = {d for a in accesses[n_inputs:] for d in a.used}
        reduction = [k not in in_outputs for k in range(n_loops)]
    size_sources: list[tuple[int, int]] = []
    for k in range(n_loops):
        source = next(((i, axis) for i, a in enumerate(accesses) if a.kind == "view"
                       for axis, d in enumerate(a.dims) if d == k), None)
        if source is None:
            raise InterpreterError(f"cannot infer the extent of loop d{k} from the indexing maps")
        size_sources.append(source)
    for a in accesses[n_inputs:]:
        if a.kind != "view":
            raise InterpreterError("an output indexing map must be a projected permutation (with constants)")
    parallel = [k for k in range(n_loops) if not reduction[k]]
    for i, a in enumerate(accesses[n_inputs:]):
        if sorted(a.used) != parallel:
            raise InterpreterError(f"output {i} is not indexed by exactly the parallel loops {parallel}")
    return Structured(
        n_inputs=n_inputs, n_outputs=n_outputs, accesses=accesses, reduction=tuple(reduction),
        block=op.regions[0].blocks[0], block_takes_outputs=block_takes_outputs, size_sources=size_sources,
        out_dtypes=list(out_dtypes) if out_dtypes is not None else [dtype_of(r.type) for r in op.results],
    )


def affine_maps(attr: ir.Attribute) -> list[ir.AffineMap]:
    return [ir.AffineMapAttr(m).value for m in ir.ArrayAttr(attr)]


# ----------------------------------------------------------------------------- evaluation


def loop_sizes(info: Structured, args: Sequence[Any]) -> list[int]:
    return [int(np.shape(args[i])[axis]) for i, axis in info.size_sources]


def run_structured(interp, op, info: Structured, args: Sequence[Any], offsets: Sequence[int] | None = None) -> list[Any]:
    """Evaluates a decoded structured op on its operand values; returns its results. `offsets`: where
    each loop starts, for ``linalg.index`` (default 0)."""
    if info.analysis is None:
        info.analysis = analyse(info, interp.plan(info.block))
    analysis = info.analysis
    sizes = loop_sizes(info, args)
    outs = args[info.n_inputs:]
    if analysis.kind == "contraction":
        return [_run_contraction(info, analysis.contraction, args, sizes)]
    views = [a.view(x, sizes) for a, x in zip(info.accesses, args)]
    block_args = views if info.block_takes_outputs else views[:info.n_inputs]
    saved = interp.loop_context
    interp.loop_context = LoopContext(sizes, offsets=offsets)
    try:
        if analysis.kind == "parallel":
            values = interp.execute(analysis.plan, block_args, payload=True)
        elif analysis.kind == "reduce":
            values = _run_reduce(interp, info, analysis, block_args, views[info.n_inputs:], sizes)
        else:
            values = _run_sequential(interp, info, analysis.plan, views, sizes)
    finally:
        interp.loop_context = saved
    return [write_output(info, i, v, out, sizes) for i, (v, out) in enumerate(zip(values, outs))]


def _run_reduce(interp, info, analysis, block_args, out_views, sizes) -> list[Any]:
    values = interp.execute(analysis.plan, block_args, payload=True)
    axes = info.reduction_dims
    full = tuple(sizes)
    results: list[Any] = [None] * info.n_outputs
    for i, spec in enumerate(analysis.outputs):
        if isinstance(spec, Reduce):
            e = np.broadcast_to(values[i], full)
            results[i] = spec.ufunc(out_views[i], spec.ufunc.reduce(e, axis=axes, keepdims=True))
    for i, spec in enumerate(analysis.outputs):
        if isinstance(spec, ArgReduce):
            e = _reduction_last(np.broadcast_to(values[spec.of], full), axes)
            index = _reduction_last(np.broadcast_to(values[i], full), axes)
            if spec.which == "last":
                e, index = e[..., ::-1], index[..., ::-1]
            position = (np.argmax if spec.greater else np.argmin)(e, axis=-1)[..., None]
            found = np.take_along_axis(index, position, axis=-1)
            best = np.take_along_axis(e, position, axis=-1)
            keep_shape = [1 if r else n for r, n in zip(info.reduction, sizes)]
            found, best = found.reshape(keep_shape), best.reshape(keep_shape)
            init_value = out_views[spec.of]
            strict = spec.which == "first"
            if spec.greater:
                update = best > init_value if strict else best >= init_value
            else:
                update = best < init_value if strict else best <= init_value
            results[i] = np.where(update, found, out_views[i])
    return results


def _reduction_last(array: np.ndarray, axes: Sequence[int]) -> np.ndarray:
    """`array` with its reduction axes moved last and flattened into one (row-major: sequential order)."""
    parallel = [k for k in range(array.ndim) if k not in axes]
    moved = array.transpose(parallel + list(axes))
    return moved.reshape([array.shape[k] for k in parallel] + [-1])


def _run_contraction(info: Structured, contraction: Contraction, args, sizes) -> Any:
    out_access = info.accesses[info.n_inputs]
    out_dtype = info.out_dtypes[0]
    operands, subscripts = [], []
    for i in contraction.inputs:
        access = info.accesses[i]
        operands.append(np.asarray(access.view(args[i], sizes, compact=True)).astype(out_dtype, copy=False))
        subscripts.append("".join(_LETTERS[k] for k in access.used))
    present = set("".join(subscripts))
    result_dims = [k for k in out_access.used if _LETTERS[k] in present]
    spec = f"{subscripts[0]},{subscripts[1]}->{''.join(_LETTERS[k] for k in result_dims)}"
    product = np.einsum(spec, *operands, optimize=True)
    missing = tuple(k for k in range(len(sizes)) if k not in result_dims)
    product = np.expand_dims(product, missing) if missing else product
    init = out_access.view(args[info.n_inputs], sizes)
    return write_output(info, 0, np.add(init, product), args[info.n_inputs], sizes)


def _run_sequential(interp, info: Structured, plan: Plan, views, sizes) -> list[Any]:
    """One step per point of the reduction loops, vectorised over the parallel loops."""
    axes = info.reduction_dims
    steps = int(np.prod([sizes[k] for k in axes], dtype=np.int64))
    if steps > MAX_SEQUENTIAL_STEPS:
        raise InterpreterError(
            f"payload is not a recognised reduction and would take {steps} sequential steps "
            f"(more than {MAX_SEQUENTIAL_STEPS})"
        )
    keep_shape = [1 if r else n for r, n in zip(info.reduction, sizes)]
    accumulators = [np.array(np.broadcast_to(v, keep_shape), dtype=d)
                    for v, d in zip(views[info.n_inputs:], info.out_dtypes)]
    context = interp.loop_context
    for point in itertools.product(*(range(sizes[k]) for k in axes)):
        context.fixed = dict(zip(axes, point))
        index = [slice(None)] * len(sizes)
        for k, p in zip(axes, point):
            index[k] = slice(p, p + 1)
        ins = [v if not isinstance(v, np.ndarray) or v.ndim != len(sizes) else v[_clip(index, v.shape)]
               for v in views[:info.n_inputs]]
        values = interp.execute(plan, ins + accumulators, payload=True)
        accumulators = [np.array(np.broadcast_to(v, keep_shape), dtype=d) for v, d in zip(values, info.out_dtypes)]
    return accumulators


def _clip(index: list, shape: Sequence[int]) -> tuple:
    """Index unit (broadcast) axes at 0 rather than at the step."""
    return tuple(slice(None) if n == 1 else s for s, n in zip(index, shape))


def write_output(info: Structured, i: int, value: Any, init: np.ndarray, sizes: Sequence[int]) -> np.ndarray:
    """Turns a loop-space value (unit axes at reduction loops) into output `i` per its indexing map."""
    access = info.accesses[info.n_inputs + i]
    dtype = info.out_dtypes[i]
    value = np.asarray(value)
    if value.ndim != len(sizes):
        value = value.reshape((1,) * (len(sizes) - value.ndim) + value.shape)
    parallel = info.parallel_dims
    value = value.reshape([value.shape[k] for k in parallel])
    dims = [d for d in access.dims if d is not None]
    order = [parallel.index(d) for d in dims]
    if order != list(range(len(order))):
        value = value.transpose(order)
    target = tuple(sizes[d] for d in dims)
    if value.shape != target:
        value = np.broadcast_to(value, target)
    if len(dims) == len(access.dims):
        return value.astype(dtype, copy=False)
    result = np.array(init, dtype=dtype)
    result[tuple(c if d is None else slice(None) for d, c in zip(access.dims, access.consts))] = value
    return result
