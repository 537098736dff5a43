"""Constant weights of linalg ops, seen in the logical layout ``[out, in, *window]``.

The one place that knows where each linalg op keeps its weight and how that
operand's layout maps to bsparse's logical layout. Used by bsparse-sparsify
(to prune the constant) and bsparse-pack (to pack it).

A weight operand may reach its ``arith.constant`` through layout-only ops
(``linalg.transpose``, ``tensor.expand_shape``, ``tensor.collapse_shape``),
as torch-mlir emits for ``nn.Linear``, grouped and depthwise convolutions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch_mlir.ir as ir

from bsparse.irutil import dense_to_numpy
from bsparse.passes._match import defining_op, map_strings

__all__ = ["CONV_OPS", "WeightUse", "trace_constant", "weight_use"]

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
}
"""Convolution ops whose constant filter bsparse packs."""

_A_MK, _B_KN, _B_NK, _C_MN = "(d0, d2)", "(d2, d1)", "(d1, d2)", "(d0, d1)"


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
    return None


def trace_constant(value: ir.Value) -> np.ndarray | None:
    """The value of `value` if it is a constant seen through layout-only ops."""
    traced = _trace(value)
    if traced is None:
        return None
    const, fwd, _ = traced
    return np.ascontiguousarray(fwd(dense_to_numpy(const.attributes["value"])))


def _compose(outer: Transform, inner: Transform) -> Transform:
    return lambda a: outer(inner(a))


def _matmul_use(op) -> WeightUse | None:
    maps = map_strings(op)
    if maps[0] != _A_MK or maps[2] != _C_MN or maps[1] not in (_B_KN, _B_NK):
        return None
    traced = _trace(op.inputs[1])
    if traced is None:
        return None
    const, fwd, inv = traced
    if maps[1] == _B_KN:  # B is [K, N]: logical [N, K] is its transpose
        return WeightUse(op, "matmul", const, _compose(np.transpose, fwd), _compose(inv, np.transpose))
    return WeightUse(op, "matmul", const, fwd, inv)


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
    if (kind := CONV_OPS.get(name)) is not None:
        return _conv_use(op, kind)
    return None
