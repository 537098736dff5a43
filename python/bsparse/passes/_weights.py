"""Constant weights of linalg ops, seen in the logical layout ``[out, in, *window]``.

The one place that knows where each linalg op keeps its weight and how that
operand's layout maps to bsparse's logical layout. Used by bsparse-sparsify
(to prune the constant) and bsparse-pack (to pack it).

A weight operand may reach its ``arith.constant`` through layout-only ops
(``linalg.transpose``, ``tensor.expand_shape``, ``tensor.collapse_shape``),
as torch-mlir emits for ``nn.Linear``, grouped and depthwise convolutions, or
through the ``linalg.generic`` gather that flips and transposes the filter of
a transposed convolution (`gather_view`).
The ``[batch, K, N]`` operand of ``linalg.batch_matmul`` is a weight only if
every batch entry is the same matrix: a broadcast constant matrix, or a
constant whose entries are all equal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch_mlir.ir as ir

from bsparse.irutil import dense_to_numpy
from bsparse.passes._match import all_parallel, defining_op, map_strings

__all__ = ["CONV_OPS", "GatherView", "WeightUse", "constant_readers", "constant_source", "gather_view", "trace_constant", "weight_use"]

Transform = Callable[[np.ndarray], np.ndarray]


def _identity(array: np.ndarray) -> np.ndarray:
    return array


@dataclass(frozen=True)
class _ConvKind:
    """How a linalg convolution op stores its filter and activations."""

    layout: str  # activation layout: "nchw" | "nhwc"
    to_logical: Transform  # filter operand -> [COUT, CIN/groups, KH, KW]
    from_logical: Transform
    grouped: bool = False  # conv_2d_ngchw_gfchw: the group is an explicit dim
    depthwise: bool = False
    one_d: bool = False  # conv_1d_*: packed as a 2-D convolution of height 1 (filter [COUT, CIN, 1, K])
    three_d: bool = False  # conv_3d_*: packed as a 2-D convolution over depth windows (filter [COUT, CIN x KD, KH, KW])


CONV_OPS: dict[str, _ConvKind] = {
    "linalg.conv_2d_nchw_fchw": _ConvKind("nchw", _identity, _identity),
    "linalg.conv_2d_nhwc_hwcf": _ConvKind(
        "nhwc", lambda w: w.transpose(3, 2, 0, 1), lambda w: w.transpose(2, 3, 1, 0)
    ),
    "linalg.conv_2d_nhwc_fhwc": _ConvKind(
        "nhwc", lambda w: w.transpose(0, 3, 1, 2), lambda w: w.transpose(0, 2, 3, 1)
    ),
    "linalg.conv_2d_ngchw_gfchw": _ConvKind(
        "nchw", lambda w: w.reshape(-1, *w.shape[2:]), None, grouped=True
    ),
    "linalg.depthwise_conv_2d_nchw_chw": _ConvKind(
        "nchw", lambda w: w[:, None], lambda w: w[:, 0], depthwise=True
    ),
    "linalg.depthwise_conv_2d_nhwc_hwc": _ConvKind(
        "nhwc", lambda w: w.transpose(2, 0, 1)[:, None], lambda w: w[:, 0].transpose(1, 2, 0), depthwise=True
    ),
    "linalg.conv_1d_ncw_fcw": _ConvKind("nchw", lambda w: w[:, :, None], lambda w: w[:, :, 0], one_d=True),
    "linalg.conv_1d_nwc_wcf": _ConvKind(
        "nhwc", lambda w: w.transpose(2, 1, 0)[:, :, None], lambda w: w[:, :, 0].transpose(2, 1, 0), one_d=True
    ),
    # A 3-D convolution is a 2-D one over its input's depth windows (`bsparse.passes.pack`): channel
    # c x KD + kd (ncdhw) or kd x CIN + c (ndhwc) of the window at output depth do is input depth do x
    # stride + kd x dilation; the filter's channels are ordered alike. from_logical is set per filter shape.
    "linalg.conv_3d_ncdhw_fcdhw": _ConvKind(
        "nchw", lambda w: w.reshape(w.shape[0], -1, *w.shape[3:]), None, three_d=True
    ),
    "linalg.conv_3d_ndhwc_dhwcf": _ConvKind(
        "nhwc", lambda w: w.transpose(4, 0, 3, 1, 2).reshape(w.shape[4], -1, *w.shape[1:3]), None, three_d=True
    ),
}
"""Convolution ops whose constant filter bsparse packs."""

_A_MK, _B_KN, _B_NK, _C_MN = "(d0, d2)", "(d2, d1)", "(d1, d2)", "(d0, d1)"
_BATCH_A, _BATCH_C = "(d0, d1, d3)", "(d0, d1, d2)"
_BATCH_B_IS_KN = {"(d0, d3, d2)": True, "(d0, d2, d3)": False, "(d3, d2)": True}
"""``linalg.batch_matmul`` B maps -> True if B holds ``[K, N]`` (False: ``[N, K]``); ``(d3, d2)`` broadcasts a rank-2 B."""


@dataclass
class WeightUse:
    """The constant weight of one linalg op.

    Attributes:
        op: The consuming linalg op.
        kind: ``"matmul"`` or ``"conv2d"``.
        constant: The ``arith.constant`` holding the values.
        to_logical: Constant's array -> logical ``[out, in, *window]``.
        from_logical: Logical -> an array for a replacement constant.
        groups: Convolution groups (1 for matmul).
        layout: Activation layout of a convolution.
    """

    op: ir.OpView
    kind: str
    constant: ir.OpView
    to_logical: Transform
    from_logical: Transform
    groups: int = 1
    layout: str = "nchw"

    def logical(self) -> np.ndarray:
        """The weight in logical layout (a fresh array)."""
        return np.ascontiguousarray(self.to_logical(dense_to_numpy(self.constant.attributes["value"])))


@dataclass(frozen=True)
class GatherView:
    """A ``linalg.generic`` that only permutes and reverses the axes of one tensor.

    ``result[d] = source[e_0, ..., e_n]`` where ``e_j`` is ``d[perm[j]]``, or
    ``size_j - 1 - d[perm[j]]`` for the axes in `flipped` (``0`` for a unit axis): the filter of a
    transposed convolution as torch-mlir builds it (``tensor.extract`` of the
    ``[in, out, *window]`` weight at swapped channels and reversed taps).
    """

    source: ir.Value
    perm: tuple[int, ...]
    flipped: tuple[int, ...]

    def forward(self, array: np.ndarray) -> np.ndarray:
        """The source's array -> the view's array."""
        return np.flip(array, self.flipped).transpose(np.argsort(self.perm))

    def inverse(self, array: np.ndarray) -> np.ndarray:
        return np.flip(array.transpose(self.perm), self.flipped)


def _index_dim(value: ir.Value) -> int | None:
    """``k`` if `value` is ``linalg.index k``."""
    op = defining_op(value)
    return ir.IntegerAttr(op.attributes["dim"]).value if op is not None and op.operation.name == "linalg.index" else None


def _index_constant(value: ir.Value) -> int | None:
    op = defining_op(value)
    if op is None or op.operation.name != "arith.constant" or not isinstance(op.attributes["value"], ir.IntegerAttr):
        return None
    return ir.IntegerAttr(op.attributes["value"]).value


def gather_view(op) -> GatherView | None:
    """The `GatherView` `op` is, if it is one (see there), else None."""
    if op.operation.name != "linalg.generic" or len(op.inputs) != 0 or len(op.results) != 1:
        return None
    block = op.regions[0].blocks[0]
    body = list(block.operations)
    if not body or body[-1].name != "linalg.yield" or len(body) < 2 or body[-2].name != "tensor.extract":
        return None
    extract = body[-2]
    if list(body[-1].operands) != [extract.result] or any(
            inner.name not in ("linalg.index", "arith.subi") for inner in body[:-2]):
        return None
    source = extract.operands[0]
    shape = tuple(ir.ShapedType(source.type).shape)
    result_shape = tuple(ir.ShapedType(op.results[0].type).shape)
    perm, flipped, units = [], [], []
    for axis, index in enumerate(list(extract.operands)[1:]):
        dim = _index_dim(index)
        if dim is None and shape[axis] == 1 and _index_constant(index) == 0:  # a unit axis
            units.append(axis)
            perm.append(None)
            continue
        if dim is None:  # size - 1 - d[k]
            sub = defining_op(index)
            if sub is None or sub.operation.name != "arith.subi":
                return None
            dim = _index_dim(sub.operands[1])
            if dim is None or _index_constant(sub.operands[0]) != shape[axis] - 1:
                return None
            flipped.append(axis)
        perm.append(dim)
    unused = [k for k in range(len(result_shape)) if k not in perm]  # unit dims: read at the unit axes
    if len(unused) != len(units) or any(result_shape[k] != 1 for k in unused):
        return None
    for axis, k in zip(units, unused):
        perm[axis] = k
    if sorted(perm) != list(range(len(result_shape))) or any(result_shape[k] != shape[j] for j, k in enumerate(perm)):
        return None
    return GatherView(source, tuple(perm), tuple(flipped))


def _trace(value: ir.Value) -> tuple[ir.OpView, Transform, Transform] | None:
    """Follows layout-only ops back to a readable ``arith.constant``.

    Returns the constant and the maps constant-array -> value-array and back.
    """
    op = defining_op(value)
    if op is None:
        return None
    name = op.operation.name
    if name == "arith.constant":
        try:
            dense_to_numpy(op.attributes["value"])
        except TypeError:  # dense_resource and other unreadable forms
            return None
        return op, _identity, _identity
    if name == "linalg.transpose":
        inner = _trace(op.operands[0])
        if inner is None:
            return None
        const, fwd, inv = inner
        perm = list(ir.DenseI64ArrayAttr(op.attributes["permutation"]))
        back = list(np.argsort(perm))
        return const, lambda a: fwd(a).transpose(perm), lambda a: inv(a.transpose(back))
    if name in ("tensor.expand_shape", "tensor.collapse_shape"):
        inner = _trace(op.operands[0])
        if inner is None:
            return None
        const, fwd, inv = inner
        out_shape = tuple(ir.ShapedType(op.result.type).shape)
        in_shape = tuple(ir.ShapedType(op.operands[0].type).shape)
        return const, lambda a: fwd(a).reshape(out_shape), lambda a: inv(a.reshape(in_shape))
    if (view := gather_view(op)) is not None and (inner := _trace(view.source)) is not None:
        const, fwd, inv = inner
        return const, lambda a: view.forward(fwd(a)), lambda a: inv(view.inverse(a))
    return None


_LAYOUT_ONLY = ("linalg.transpose", "linalg.broadcast", "tensor.expand_shape", "tensor.collapse_shape")


def constant_source(value: ir.Value) -> ir.OpView | None:
    """The ``arith.constant`` `value` is, seen through layout-only ops (readable or not), else None."""
    op = defining_op(value)
    while op is not None and (op.operation.name in _LAYOUT_ONLY or gather_view(op) is not None):
        op = defining_op(op.operands[0] if op.operation.name in _LAYOUT_ONLY else gather_view(op).source)
    return op if op is not None and op.operation.name == "arith.constant" else None


def constant_readers(const: ir.OpView) -> list[ir.Operation]:
    """The ops that read `const`'s value, seen through layout-only ops and gather views (as `_trace`
    sees a weight use's constant): a weight use's op, or any other reader (an embedding's gather)."""
    readers: list[ir.Operation] = []
    pending = [const.result]
    while pending:
        value = pending.pop()
        for use in value.uses:
            owner = use.owner
            parent = owner.parent
            if owner.name in _LAYOUT_ONLY and owner.operands[0] == value:
                pending.append(owner.results[0])
            elif parent is not None and parent.name == "linalg.generic" and owner.name == "tensor.extract" \
                    and (view := gather_view(parent.opview)) is not None and view.source == value:
                pending.append(parent.results[0])
            else:
                while owner.parent is not None and owner.parent != const.operation.parent:
                    owner = owner.parent  # the op in the constant's block that holds the reader
                readers.append(owner)
    return readers


def trace_constant(value: ir.Value) -> np.ndarray | None:
    """The value of `value` if it is a constant seen through layout-only ops."""
    traced = _trace(value)
    if traced is None:
        return None
    const, fwd, _ = traced
    return np.ascontiguousarray(fwd(dense_to_numpy(const.attributes["value"])))


def _compose(outer: Transform, inner: Transform) -> Transform:
    return lambda a: outer(inner(a))


def _matrix_use(op, traced: tuple[ir.OpView, Transform, Transform] | None, b_is_kn: bool) -> WeightUse | None:
    """The weight of a matmul-like op whose B operand is the matrix `traced` leads to."""
    if traced is None:
        return None
    const, fwd, inv = traced
    if b_is_kn:  # B is [K, N]: logical [N, K] is its transpose
        return WeightUse(op, "matmul", const, _compose(np.transpose, fwd), _compose(inv, np.transpose))
    return WeightUse(op, "matmul", const, fwd, inv)


def _matmul_use(op) -> WeightUse | None:
    maps = map_strings(op)
    if maps[0] != _A_MK or maps[2] != _C_MN or maps[1] not in (_B_KN, _B_NK):
        return None
    return _matrix_use(op, _trace(op.inputs[1]), maps[1] == _B_KN)


def _broadcast_source(value: ir.Value) -> ir.Value | None:
    """The ``[P, Q]`` (or ``[1, P, Q]``) tensor that `value` ``[batch, P, Q]`` broadcasts, if it is one.

    Recognises ``linalg.broadcast`` over dim 0 and the copying ``linalg.generic``
    torch-mlir emits for ``Tensor.expand``.
    """
    op = defining_op(value)
    if op is None:
        return None
    if op.operation.name == "linalg.broadcast":
        return op.operands[0] if list(ir.DenseI64ArrayAttr(op.attributes["dimensions"])) == [0] else None
    if op.operation.name != "linalg.generic" or len(op.inputs) != 1 or len(op.results) != 1:
        return None
    if not all_parallel(op):
        return None
    block = op.regions[0].blocks[0]
    body = list(block.operations)
    if len(body) != 1 or list(body[0].operands) != [block.arguments[0]]:
        return None  # not a plain copy
    source_shape = ir.ShapedType(op.inputs[0].type).shape
    source_map, result_map = map_strings(op)
    broadcast = source_map == "(d1, d2)" or (source_map == "(0, d1, d2)" and source_shape[0] == 1)
    return op.inputs[0] if broadcast and result_map == "(d0, d1, d2)" else None


def _shared_matrix(value: ir.Value) -> tuple[ir.OpView, Transform, Transform] | None:
    """Follows a ``[batch, P, Q]`` operand to the one constant ``[P, Q]`` matrix of every batch entry.

    Returns the constant and the maps constant-array -> matrix and back, or
    None if the entries are not provably the same matrix.
    """
    shape = tuple(ir.ShapedType(value.type).shape)
    if (source := _broadcast_source(value)) is not None:
        if (traced := _trace(source)) is None:
            return None
        const, fwd, inv = traced
        source_shape = tuple(ir.ShapedType(source.type).shape)
        return const, lambda a: fwd(a).reshape(shape[1:]), lambda m: inv(m.reshape(source_shape))
    if (traced := _trace(value)) is None:
        return None
    const, fwd, inv = traced
    entries = fwd(dense_to_numpy(const.attributes["value"]))
    if not (entries == entries[:1]).all():  # distinct matrices (or NaNs): not one weight
        return None
    return const, lambda a: fwd(a)[0], lambda m: inv(np.broadcast_to(m, shape))


def _batch_matmul_use(op) -> WeightUse | None:
    maps = map_strings(op)
    if maps[0] != _BATCH_A or maps[2] != _BATCH_C or maps[1] not in _BATCH_B_IS_KN:
        return None
    rhs = op.inputs[1]
    traced = _trace(rhs) if len(ir.ShapedType(rhs.type).shape) == 2 else _shared_matrix(rhs)
    return _matrix_use(op, traced, _BATCH_B_IS_KN[maps[1]])


def _conv_use(op, kind: _ConvKind) -> WeightUse | None:
    traced = _trace(op.inputs[1])
    if traced is None:
        return None
    const, fwd, inv = traced
    filter_shape = tuple(ir.ShapedType(op.inputs[1].type).shape)
    if kind.grouped:
        groups = filter_shape[0]
        from_logical = lambda w: w.reshape(filter_shape)  # noqa: E731
    elif kind.depthwise:
        groups = filter_shape[0] if kind.layout == "nchw" else filter_shape[2]
        from_logical = kind.from_logical
    elif kind.three_d and kind.layout == "nchw":  # [F, C x KD, KH, KW] -> [F, C, KD, KH, KW]
        groups = 1
        from_logical = lambda w: w.reshape(filter_shape)  # noqa: E731
    elif kind.three_d:  # [F, KD x C, KH, KW] -> [F, KD, C, KH, KW] -> [KD, KH, KW, C, F]
        groups = 1
        kd, kh, kw, c, f = filter_shape
        from_logical = lambda w: w.reshape(f, kd, c, kh, kw).transpose(1, 3, 4, 2, 0)  # noqa: E731
    else:
        groups = 1
        from_logical = kind.from_logical
    return WeightUse(
        op, "conv2d", const, _compose(kind.to_logical, fwd), _compose(inv, from_logical), groups, kind.layout
    )


def weight_use(op) -> WeightUse | None:
    """The constant weight of `op` if it is a supported linalg op with one."""
    name = op.operation.name
    if name == "linalg.matmul":
        return _matmul_use(op)
    if name == "linalg.batch_matmul":
        return _batch_matmul_use(op)
    if (kind := CONV_OPS.get(name)) is not None:
        return _conv_use(op, kind)
    return None
