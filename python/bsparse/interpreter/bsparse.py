"""Implementations of the ``bsparse`` dialect ops: packed weights, block-sparse matmul and conv2d on numpy.

A ``bsparse.packed_weight`` or ``bsparse.packed_sparse`` evaluates to its
packed data (`BsrData`, `SparseData`: data in its format). ``bsparse.matmul``
and ``bsparse.conv2d`` scatter the stored values once per op into the dense
logical weight (``to_dense``: what is not stored is zero),
cache it, and run one BLAS GEMM (matmul) or the im2col + per-group GEMM of
`conv_canonical` (conv2d), then the fused epilogue: bias, then activation.
Everything is computed in the result's element type.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch_mlir.ir as ir

from bsparse.activations import epilogue
from bsparse.packed import weight_data

from bsparse.semantics.conv import conv_canonical
from bsparse.semantics.core import dtype_of, impl

__all__ = ["conv2d", "matmul", "packed_weight", "unpack"]


# ----------------------------------------------------------------------------- packed weights


def _read_packed(op):
    """The op's packed data (`bsparse.packed.weight_data`), its arrays read only."""
    data = weight_data(op)
    for part in vars(data).values():
        for array in part.values() if isinstance(part, dict) else [part]:
            if isinstance(array, np.ndarray):
                array.flags.writeable = False
    return data


@impl("bsparse.packed_weight", "bsparse.packed_sparse")
def packed_weight(interp, op, args):
    return (interp.static(op, _read_packed),)


def _weight_slot(op) -> dict[str, Any]:
    return {}


def _dense_weight(interp, op, data, dtype: np.dtype) -> np.ndarray:
    """The dense logical weight of `data` in `dtype`, expanded once per op.

    Cached per op; expanded again only if the op sees different data
    (a weight that is not a packed weight constant).
    """
    slot = interp.static(op, _weight_slot)
    if slot.get("data") is not data:
        dense = np.ascontiguousarray(data.to_dense(), dtype=dtype)
        dense.flags.writeable = False
        slot["data"], slot["dense"] = data, dense
    return slot["dense"]


def _result_dtype(op) -> np.dtype:
    return dtype_of(op.results[0].type)


@impl("bsparse.unpack")
def unpack(interp, op, args):
    return (_dense_weight(interp, op, args[0], interp.static(op, _result_dtype)),)


# ----------------------------------------------------------------------------- epilogue


def _activation(op) -> str:
    return ir.StringAttr(op.attributes["activation"]).value


def _epilogue_operands(op, rest: list) -> tuple[Any, Any]:
    """(bias, residual) of a bsparse op from its operands after the weight (each optional)."""
    _, _, biases, residuals = ir.DenseI32ArrayAttr(op.attributes["operandSegmentSizes"])
    return (rest[0] if biases else None), (rest[biases] if residuals else None)


# ----------------------------------------------------------------------------- matmul


@dataclass(frozen=True)
class _MatmulAttrs:
    activation: str
    dtype: np.dtype


def _matmul_attrs(op) -> _MatmulAttrs:
    return _MatmulAttrs(_activation(op), _result_dtype(op))


@impl("bsparse.matmul")
def matmul(interp, op, args):
    """``act(input @ W^T + bias + residual)`` over any leading batch dims of the input."""
    attrs = interp.static(op, _matmul_attrs)
    x, data, *rest = args
    bias, residual = _epilogue_operands(op, rest)
    weight = _dense_weight(interp, op, data, attrs.dtype)  # [N, K]
    y = np.matmul(x.astype(attrs.dtype, copy=False), weight.T)
    return (epilogue(y, bias, attrs.activation, -1, residual),)


# ----------------------------------------------------------------------------- conv2d


@dataclass(frozen=True)
class _ConvAttrs:
    strides: tuple[int, ...]
    padding: tuple[int, ...]  # top, left, bottom, right
    dilations: tuple[int, ...]
    groups: int
    nhwc: bool
    activation: str
    out_spatial: tuple[int, int]
    dtype: np.dtype


def _conv_attrs(op) -> _ConvAttrs:
    def ints(name: str) -> tuple[int, ...]:
        return tuple(ir.DenseI64ArrayAttr(op.attributes[name]))

    nhwc = ir.StringAttr(op.attributes["layout"]).value == "nhwc"
    out = ir.ShapedType(op.results[0].type).shape
    return _ConvAttrs(
        strides=ints("strides"), padding=ints("padding"), dilations=ints("dilations"),
        groups=ir.IntegerAttr(op.attributes["groups"]).value, nhwc=nhwc, activation=_activation(op),
        out_spatial=tuple(out[1:3] if nhwc else out[2:4]), dtype=_result_dtype(op),
    )


def _padded_nchw(x: np.ndarray, attrs: _ConvAttrs) -> np.ndarray:
    """The input as NCHW (a view where possible) with the zero padding applied."""
    if attrs.nhwc:
        x = x.transpose(0, 3, 1, 2)
    top, left, bottom, right = attrs.padding
    if top or left or bottom or right:
        x = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))
    return x


@impl("bsparse.conv2d")
def conv2d(interp, op, args):
    """``act(conv(pad(input), W) + bias + residual)``, grouped, in NCHW or NHWC."""
    attrs = interp.static(op, _conv_attrs)
    x, data, *rest = args
    bias, residual = _epilogue_operands(op, rest)
    if residual is not None and attrs.nhwc:
        residual = residual.transpose(0, 3, 1, 2)  # y is computed NCHW
    x = _padded_nchw(x.astype(attrs.dtype, copy=False), attrs)
    weight = _dense_weight(interp, op, data, attrs.dtype)  # [COUT, CIN/G, KH, KW]
    n, channels, h, w = x.shape
    cout, g = weight.shape[0], attrs.groups
    y = conv_canonical(
        x.reshape(n, g, channels // g, h, w), weight.reshape(g, cout // g, *weight.shape[1:]),
        attrs.strides, attrs.dilations, attrs.out_spatial,
    ).reshape(n, cout, *attrs.out_spatial)
    y = epilogue(y, bias, attrs.activation, 1, residual)
    return (y.transpose(0, 2, 3, 1) if attrs.nhwc else y,)
