"""Vectorised convolutions and poolings: the ``linalg`` conv, depthwise-conv and pooling named ops.

Each layout is first viewed (transposes, no copies) in a canonical one:
convolution input ``N G C *S``, filter ``G F C *K``, output ``N G F *O``;
depthwise input ``N C *S``, filter ``C M *K``, output ``N C M *O``; pooling
``N C *S``. Convolutions are im2col (one strided window view, one copy) and
one batched GEMM per group; depthwise convolutions and poolings accumulate
one strided slice per kernel position. Results are added to (max-ed with...)
the output operand, as the named ops define.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch_mlir.ir as ir
from numpy.lib.stride_tricks import as_strided

from .core import InterpreterError, impl

_SPATIAL = "dhw"

#: op name -> (input layout, filter layout, output layout); spatial dims are d, h, w.
_CONVS = {
    "linalg.conv_1d": ("w", "w", "w"),
    "linalg.conv_2d": ("hw", "hw", "hw"),
    "linalg.conv_3d": ("dhw", "dhw", "dhw"),
    "linalg.conv_1d_ncw_fcw": ("ncw", "fcw", "nfw"),
    "linalg.conv_1d_nwc_wcf": ("nwc", "wcf", "nwf"),
    "linalg.conv_2d_nchw_fchw": ("nchw", "fchw", "nfhw"),
    "linalg.conv_2d_nhwc_hwcf": ("nhwc", "hwcf", "nhwf"),
    "linalg.conv_2d_nhwc_fhwc": ("nhwc", "fhwc", "nhwf"),
    "linalg.conv_2d_ngchw_fgchw": ("ngchw", "fgchw", "ngfhw"),
    "linalg.conv_2d_ngchw_gfchw": ("ngchw", "gfchw", "ngfhw"),
    "linalg.conv_2d_nhwgc_gfhwc": ("nhwgc", "gfhwc", "nhwgf"),
    "linalg.conv_3d_ncdhw_fcdhw": ("ncdhw", "fcdhw", "nfdhw"),
    "linalg.conv_3d_ndhwc_dhwcf": ("ndhwc", "dhwcf", "ndhwf"),
}

_DEPTHWISE = {
    "linalg.depthwise_conv_1d_ncw_cw": ("ncw", "cw", "ncw"),
    "linalg.depthwise_conv_1d_nwc_wc": ("nwc", "wc", "nwc"),
    "linalg.depthwise_conv_1d_nwc_wcm": ("nwc", "wcm", "nwcm"),
    "linalg.depthwise_conv_2d_nchw_chw": ("nchw", "chw", "nchw"),
    "linalg.depthwise_conv_2d_nhwc_hwc": ("nhwc", "hwc", "nhwc"),
    "linalg.depthwise_conv_2d_nhwc_hwcm": ("nhwc", "hwcm", "nhwcm"),
    "linalg.depthwise_conv_3d_ncdhw_cdhw": ("ncdhw", "cdhw", "ncdhw"),
    "linalg.depthwise_conv_3d_ndhwc_dhwc": ("ndhwc", "dhwc", "ndhwc"),
    "linalg.depthwise_conv_3d_ndhwc_dhwcm": ("ndhwc", "dhwcm", "ndhwcm"),
}

_POOL_KINDS = {"max": np.maximum, "min": np.minimum, "sum": np.add}
_POOLS = {
    f"linalg.pooling_{layout}_{kind}": (layout, _POOL_KINDS[kind])
    for layout, kinds in [("nchw", "max sum"), ("nhwc", "max min sum"), ("ncw", "max sum"),
                          ("nwc", "max min sum"), ("ndhwc", "max min sum")]
    for kind in kinds.split()
}


# ----------------------------------------------------------------------------- layouts


def _spatial(layout: str) -> str:
    return "".join(c for c in layout if c in _SPATIAL)


def _to_canonical(array: np.ndarray, layout: str, canonical: str) -> np.ndarray:
    """A view of `array` (axes named by `layout`) with axes in `canonical` order; absent names get unit axes."""
    present = [c for c in canonical if c in layout]
    array = array.transpose([layout.index(c) for c in present])
    missing = tuple(i for i, c in enumerate(canonical) if c not in layout)
    return np.expand_dims(array, missing) if missing else array


def _from_canonical(array: np.ndarray, canonical: str, layout: str) -> np.ndarray:
    missing = tuple(i for i, c in enumerate(canonical) if c not in layout)
    if missing:
        array = array.reshape([n for i, n in enumerate(array.shape) if i not in missing])
    present = [c for c in canonical if c in layout]
    return array.transpose([present.index(c) for c in layout])


def _window_attrs(op) -> tuple[list[int] | None, list[int] | None]:
    def read(name):
        return [int(v) for v in ir.DenseIntElementsAttr(op.attributes[name])] if name in op.attributes else None

    return read("strides"), read("dilations")


def _windows(x: np.ndarray, kernel: Sequence[int], strides, dilations, out: Sequence[int]) -> np.ndarray:
    """The view ``x[..., o*s + k*d ...]`` of shape ``lead + out + kernel`` over the trailing spatial axes."""
    nd = len(kernel)
    lead, spatial = x.shape[:-nd], x.shape[-nd:]
    for i in range(nd):
        reach = (out[i] - 1) * strides[i] + (kernel[i] - 1) * dilations[i]
        if out[i] > 0 and kernel[i] > 0 and reach >= spatial[i]:
            raise InterpreterError(
                f"spatial dim {i}: output {out[i]} with kernel {kernel[i]}, stride {strides[i]} and dilation "
                f"{dilations[i]} reads index {reach} of an input of size {spatial[i]}"
            )
    sp = x.strides[-nd:]
    return as_strided(
        x, tuple(lead) + tuple(out) + tuple(kernel),
        x.strides[:-nd] + tuple(s * st for s, st in zip(sp, strides)) + tuple(s * d for s, d in zip(sp, dilations)),
        writeable=False,
    )


def _attrs_or_units(interp, op, nd: int) -> tuple[list[int], list[int]]:
    strides, dilations = interp.static(op, _window_attrs)
    return strides or [1] * nd, dilations or [1] * nd


# ----------------------------------------------------------------------------- convolution


def conv_canonical(x: np.ndarray, w: np.ndarray, strides, dilations, out_spatial: Sequence[int]) -> np.ndarray:
    """``out[n, g, f, o...] = sum_{c, k...} x[n, g, c, o*s + k*d ...] * w[g, f, c, k...]`` by im2col + GEMM."""
    n, g, c = x.shape[:3]
    f = w.shape[1]
    kernel = w.shape[3:]
    nd = len(kernel)
    positions = int(np.prod(out_spatial, dtype=np.int64))
    depth = c * int(np.prod(kernel, dtype=np.int64))
    windows = _windows(x, kernel, strides, dilations, out_spatial)  # N G C *O *K
    o_axes = list(range(3, 3 + nd))
    k_axes = list(range(3 + nd, 3 + 2 * nd))
    filters = w.reshape(g, f, depth)
    if positions >= f:  # the long dimension as GEMM rows suits BLAS best
        cols = windows.transpose([0, 1, *o_axes, 2, *k_axes]).reshape(n, g, positions, depth)
        product = np.matmul(cols, filters.transpose(0, 2, 1)).transpose(0, 1, 3, 2)
    else:
        cols = windows.transpose([0, 1, 2, *k_axes, *o_axes]).reshape(n, g, depth, positions)
        product = np.matmul(filters, cols)
    return product.reshape(n, g, f, *out_spatial)


def _conv(interp, op, args):
    x_layout, w_layout, o_layout = _CONVS[op.name]
    x, w, init = args
    dtype = init.dtype
    nd = len(_spatial(x_layout))
    s = _spatial(x_layout)
    strides, dilations = _attrs_or_units(interp, op, nd)
    x = _to_canonical(x, x_layout, "ngc" + s).astype(dtype, copy=False)
    w = _to_canonical(w, w_layout, "gfc" + s).astype(dtype, copy=False)
    out = _to_canonical(init, o_layout, "ngf" + s)
    result = conv_canonical(x, w, strides, dilations, out.shape[3:])
    return (np.add(_from_canonical(result, "ngf" + s, o_layout), init),)


for _name in _CONVS:
    impl(_name)(_conv)


# ----------------------------------------------------------------------------- depthwise and pooling


def _slices(kernel_position, strides, dilations, out_spatial) -> tuple[slice, ...]:
    return tuple(slice(k * d, k * d + (o - 1) * s + 1, s)
                 for k, s, d, o in zip(kernel_position, strides, dilations, out_spatial))


def _check_reach(x_spatial, kernel, strides, dilations, out_spatial) -> None:
    _windows(np.empty((0,) + tuple(x_spatial), np.int8), kernel, strides, dilations, out_spatial)


def _depthwise(interp, op, args):
    x_layout, w_layout, o_layout = _DEPTHWISE[op.name]
    x, w, init = args
    dtype = init.dtype
    s = _spatial(x_layout)
    strides, dilations = _attrs_or_units(interp, op, len(s))
    x = _to_canonical(x, x_layout, "nc" + s).astype(dtype, copy=False)
    w = _to_canonical(w, w_layout, "cm" + s).astype(dtype, copy=False)
    acc = np.array(_to_canonical(init, o_layout, "ncm" + s), dtype=dtype)  # N C M *O
    out_spatial = acc.shape[3:]
    kernel = w.shape[2:]
    _check_reach(x.shape[2:], kernel, strides, dilations, out_spatial)
    unit = (None,) * len(s)
    for position in np.ndindex(*kernel):
        window = x[(slice(None), slice(None)) + _slices(position, strides, dilations, out_spatial)]
        acc += window[:, :, None] * w[(None, slice(None), slice(None)) + position + unit]
    return (_from_canonical(acc, "ncm" + s, o_layout),)


for _name in _DEPTHWISE:
    impl(_name)(_depthwise)


def _pool(interp, op, args):
    layout, combine = _POOLS[op.name]
    x, window, init = args
    dtype = init.dtype
    s = _spatial(layout)
    strides, dilations = _attrs_or_units(interp, op, len(s))
    x = _to_canonical(x, layout, "nc" + s).astype(dtype, copy=False)
    acc = np.array(_to_canonical(init, layout, "nc" + s), dtype=dtype)
    out_spatial = acc.shape[2:]
    kernel = np.shape(window)
    _check_reach(x.shape[2:], kernel, strides, dilations, out_spatial)
    for position in np.ndindex(*kernel):
        combine(acc, x[(slice(None), slice(None)) + _slices(position, strides, dilations, out_spatial)], out=acc)
    return (_from_canonical(acc, "nc" + s, layout),)


for _name in _POOLS:
    impl(_name)(_pool)
