"""bsparse-pack: linalg ops with constant weights -> bsparse ops on packed weights.

Rewrite patterns, run by the greedy driver:

- ``pack_matmul``: ``linalg.matmul`` whose right operand is a constant
  (``[K, N]``, transposed ``[N, K]``, or through the ``linalg.transpose`` of
  ``nn.Linear``) -> ``bsparse.packed_weight`` + ``bsparse.matmul``; so is
  ``linalg.batch_matmul`` whose right operand is one constant matrix for
  every batch entry (broadcast, or a constant with equal entries), on its
  ``[batch, M, K]`` input. Batch entries that differ are not a weight.
- ``pack_conv``: every convolution in `bsparse.passes._weights.CONV_OPS`
  (NCHW/NHWC, grouped, depthwise) with a constant filter ->
  ``bsparse.conv2d``; a zero ``tensor.pad`` of its input becomes the op's
  padding and a broadcast per-channel constant as initial value its bias. A
  stride-1 convolution over a zero-inserted input (a transposed convolution)
  becomes one ``bsparse.conv2d`` per output phase over the real inputs
  (`bsparse.passes._phases`), interleaved by strided ``tensor.insert_slice``
  marked ``bsparse.phase``. A 3-D convolution becomes one ``bsparse.conv2d``
  over its input's depth windows (`_depth_windows`: a ``linalg.generic``
  gather to ``[N x Do, C x KD, H, W]``), its result expanded back to a depth
  (and, NCDHW, transposed); a 3-D transposed one stays unpacked.
- ``absorb_epilogue``: an elementwise ``linalg.generic`` right after a
  bsparse op with activation none (or after a reshape that keeps its
  channels: ``nn.Linear``'s rows expanded back to ``[batch, seq, N]``, a 1-D
  convolution's unit height collapsed), applying a per-output-channel constant
  (``+``, ``-``, ``*``, ``/``: bias and folded batch-norm) or relu, is folded
  into the op (weights scaled per channel, bias updated, activation set).
- ``sink_into_phases``: an elementwise ``linalg.generic`` of interleaved
  phases is applied to each phase instead, so that it folds into each.

Every weight is packed, dense ones included (all blocks stored). With a
`pattern` (any registered pattern, `bsparse.patterns.PATTERNS`), a weight that
the pattern's format holds (`bsparse.patterns.format.Format.holds`: a non-block
format when it stores fewer values than the dense weight has elements) is
packed in that format (a non-block one as a ``bsparse.packed_sparse``); the
others (dense layers kept by bsparse-sparsify, weights whose zeros do not fit
the pattern, e.g. three nonzeros in a 2:4 group) are packed in `block` blocks;
a block pattern packs every weight in its blocks. An initial
value that is neither zero nor a per-channel bias becomes an ``arith.addf``
after the op. Ops whose weight is not a readable constant are left as they are.
"""

from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import torch_mlir.ir as ir
from torch_mlir.dialects import arith, linalg, tensor
from torch_mlir.rewrite import RewritePatternSet, apply_patterns_and_fold_greedily

from bsparse.activations import ACTIVATIONS, apply
from bsparse.dialects.bsparse import PHASE_ATTRIBUTE, UNPACKED_ATTRIBUTE, Conv2dOp, MatmulOp, packed_type
from bsparse.irutil import dense_to_numpy, numpy_to_dense, reassociation, static_slice
from bsparse.packed import PACKED_OPS, packed_op, weight_data
from bsparse.passes._match import all_parallel, defining_op, is_zero, map_strings
from bsparse.passes._phases import Phase, phases
from bsparse.passes.fold import FOLDABLE, evaluate, fold_constant_op
from bsparse.passes._weights import CONV_OPS, constant_source, trace_constant, weight_use
from bsparse.passes.base import Pass, option, parse_bool, report_ops
from bsparse.errors import OptionError
from bsparse.patterns import BlockPattern, Format, Pattern, parse_pattern, pattern_syntax

__all__ = ["PackPass", "Packing", "build_packed_weight", "patterns", "unpacked_weights"]

_PACKED_NAMES = ("linalg.matmul", "linalg.batch_matmul", *CONV_OPS)
_CONTRACTION_PREFIXES = ("linalg.conv", "linalg.depthwise_conv", "linalg.matmul", "linalg.batch_matmul",
                         "linalg.matvec", "linalg.vecmat", "linalg.batch_matvec", "linalg.mmt4d", "linalg.contract")

_BSPARSE_OPS = ("bsparse.matmul", "bsparse.conv2d")


@dataclass(frozen=True)
class Packing:
    """How bsparse-pack packs a weight: in `preferred`'s format when it holds it (`Format.holds`),
    else in `block` blocks."""

    block: BlockPattern = BlockPattern()
    preferred: Format | None = None

    def pack(self, weight: np.ndarray):
        """The packed data of logical weight `weight`."""
        held = self.preferred.holds(weight) if self.preferred is not None else None
        return held if held is not None else self.block.pack(weight)


def build_packed_weight(weight: np.ndarray, packing: Packing, elt: ir.Type, loc: ir.Location):
    """Creates the packed weight op for logical weight `weight` at the insertion point."""
    return packed_op(packing.pack(weight), elt, loc)


def _element_type(value: ir.Value) -> ir.Type:
    return ir.ShapedType(value.type).element_type


def _float_tensors(*values: ir.Value) -> ir.Type | None:
    """The shared element type of `values` when it is f32 (the type bsparse packs and computes in), or None."""
    elt = _element_type(values[0])
    if not isinstance(elt, ir.F32Type) or any(_element_type(v) != elt for v in values):
        return None
    return elt


def _bias_constant(values: np.ndarray, elt: ir.Type, loc: ir.Location) -> ir.Value:
    return arith.ConstantOp(ir.RankedTensorType.get([values.shape[0]], elt), numpy_to_dense(values.astype(np.float32)), loc=loc).result


def _broadcast_bias(init: ir.Value, channel_dim: int, channels: int) -> np.ndarray | None:
    """The ``[C]`` constant broadcast into `init` along `channel_dim`, if it is one."""
    op = defining_op(init)
    if op is None:
        return None
    if op.operation.name == "tensor.expand_shape":
        return _broadcast_bias(op.operands[0], channel_dim, channels)
    if op.operation.name != "linalg.broadcast":
        return None
    kept = [d for d in range(len(ir.ShapedType(init.type).shape)) if d not in ir.DenseI64ArrayAttr(op.attributes["dimensions"])]
    values = trace_constant(op.operands[0])
    if kept != [channel_dim] or values is None or values.size != channels:
        return None
    return values.reshape(channels)


def _finish(rewriter, op, result: ir.Value, init: ir.Value, bias_handled: bool) -> None:
    """Adds a non-zero initial value (unless it became the bias) and replaces `op`."""
    if not bias_handled and not is_zero(init):
        result = arith.AddFOp(result, init, loc=op.location).result
    rewriter.replace_op(op, [result])


def pack_matmul(op, rewriter, pattern: Packing):
    """linalg.matmul / batch_matmul(x, const W) -> bsparse.matmul(x, packed(W)) [+ init]."""
    if (use := weight_use(op)) is None:
        return True
    lhs, init = op.inputs[0], op.outputs[0]
    if (elt := _float_tensors(lhs, op.inputs[1], init)) is None:
        return True
    weight = use.logical()
    channel_dim = len(ir.ShapedType(init.type).shape) - 1
    with rewriter.ip:
        packed = build_packed_weight(weight, pattern, elt, op.location)
        bias = _broadcast_bias(init, channel_dim, weight.shape[0])
        bias_value = None if bias is None else _bias_constant(bias, elt, op.location)
        result = MatmulOp(lhs, packed.result, ir.StringAttr.get("none"), op.result.type, bias=bias_value, loc=op.location).result
        _finish(rewriter, op, result, init, bias is not None)
    return False


def _i64_pair(op, name: str) -> list[int]:
    """A convolution's strides or dilations, one per spatial dim; a 1-D one's as height 1."""
    if name not in op.attributes:
        return [1, 1]
    values = [int(v) for v in dense_to_numpy(op.attributes[name]).reshape(-1)]
    return [1, *values] if len(values) == 1 else values


def _zero_pad(value: ir.Value, spatial: tuple[int, ...]) -> tuple[ir.Value, list[int], list[int]]:
    """Strips a zero ``tensor.pad`` of the dims `spatial` only; returns (input, low and high padding of each
    of `spatial`), all zeros if `value` is no such pad."""
    op = defining_op(value)
    none = (value, [0] * len(spatial), [0] * len(spatial))
    if op is None or op.operation.name != "tensor.pad" or len(op.operands) != 1:
        return none
    low = list(ir.DenseI64ArrayAttr(op.attributes["static_low"]))
    high = list(ir.DenseI64ArrayAttr(op.attributes["static_high"]))
    pad_value = op.regions[0].blocks[0].operations[0].operands[0]
    if any(low[d] or high[d] for d in range(len(low)) if d not in spatial) or not is_zero(pad_value):
        return none
    return op.operands[0], [low[d] for d in spatial], [high[d] for d in spatial]


def _zero_padding(value: ir.Value, layout: str) -> tuple[ir.Value, list[int]]:
    """Strips a zero ``tensor.pad`` of the spatial dims; returns (input, [t, l, b, r]).

    A rank-3 (1-D convolution) input has one spatial dim, the width: ``t = b = 0``.
    """
    spatial = _spatial_dims(layout, len(ir.ShapedType(value.type).shape))
    source, low, high = _zero_pad(value, spatial)
    if len(spatial) == 1:
        return source, [0, low[0], 0, high[0]]
    return source, [low[0], low[1], high[0], high[1]]


def _spatial_merge(layout: str) -> list[list[int]]:
    """The reassociation merging a rank-4 tensor's two spatial dims: between a 1-D convolution's
    rank-3 tensors and their rank-4 form (height or width 1)."""
    return [[0], [1], [2, 3]] if layout == "nchw" else [[0], [1, 2], [3]]


def _unit_height_type(type_: ir.Type, layout: str) -> ir.RankedTensorType:
    """``[N, C, W]`` -> ``[N, C, 1, W]`` (nchw) or ``[N, W, C]`` -> ``[N, 1, W, C]`` (nhwc)."""
    ty = ir.RankedTensorType(type_)
    shape = list(ty.shape)
    shape = shape[:2] + [1, shape[2]] if layout == "nchw" else shape[:1] + [1] + shape[1:]
    return ir.RankedTensorType.get(shape, ty.element_type)


def _with_unit_height(value: ir.Value, layout: str, loc: ir.Location) -> ir.Value:
    result = _unit_height_type(value.type, layout)
    return tensor.ExpandShapeOp(result, value, _spatial_merge(layout), [], list(result.shape), loc=loc).result


def _to_rank3(value: ir.Value, layout: str, loc: ir.Location) -> ir.Value:
    """A 1-D convolution's rank-4 result (height or width 1) back to rank 3."""
    ty = ir.RankedTensorType(value.type)
    shape = [int(np.prod([ty.shape[d] for d in group])) for group in _spatial_merge(layout)]
    return tensor.CollapseShapeOp(ir.RankedTensorType.get(shape, ty.element_type), value, _spatial_merge(layout),
                                  loc=loc).result


def _spatial_dims(layout: str, rank: int) -> tuple[int, ...]:
    """The spatial dims of a convolution's rank-`rank` activation (rank 3: 1-D, the width only; rank 5:
    3-D, depth, height and width)."""
    first = 2 if layout == "nchw" else 1
    return tuple(range(first, first + rank - 2))


@dataclass(frozen=True)
class _ZeroInserted:
    """A convolution input that is `source` with zeros between and around its elements (a transposed
    convolution's): real input ``i`` of spatial dim ``j`` at ``offsets[j] + strides[j] * i``."""

    source: ir.Value
    offsets: tuple[int, ...]
    strides: tuple[int, ...]


def _zero_inserted(value: ir.Value, spatial: tuple[int, ...]) -> _ZeroInserted | None:
    """`value` as a `_ZeroInserted` if it is a ``tensor.insert_slice`` into zeros, strided along `spatial`
    only, possibly cropped by a unit-stride ``tensor.extract_slice``; else None."""
    op = defining_op(value)
    rank = len(ir.ShapedType(value.type).shape)
    crop = [0] * rank
    if op is not None and op.operation.name == "tensor.extract_slice":
        if (sliced := static_slice(op)) is None or any(t != 1 for t in sliced[2]):
            return None
        full = ir.ShapedType(op.operands[0].type).shape
        if any(sliced[0][d] or sliced[1][d] != full[d] for d in range(rank) if d not in spatial):
            return None
        crop = sliced[0]
        op = defining_op(op.operands[0])
    if op is None or op.operation.name != "tensor.insert_slice" or (inserted := static_slice(op)) is None:
        return None
    offsets, sizes, strides = inserted
    source, dest = op.operands
    dest_shape = ir.ShapedType(dest.type).shape
    if not is_zero(dest) or list(ir.ShapedType(source.type).shape) != sizes:
        return None
    if any(offsets[d] or strides[d] != 1 or sizes[d] != dest_shape[d] for d in range(rank) if d not in spatial):
        return None
    return _ZeroInserted(source, tuple(offsets[d] - crop[d] for d in spatial), tuple(strides[d] for d in spatial))


@dataclass(frozen=True)
class _ConvSpec:
    """What every bsparse.conv2d one linalg convolution becomes shares."""

    packing: Packing
    elt: ir.Type
    groups: int
    layout: str
    one_d: bool
    bias: ir.Value | None
    loc: ir.Location


def _conv2d(spec: _ConvSpec, x: ir.Value, weight: np.ndarray, strides: list[int], padding: list[int],
            dilations: list[int], result_type: ir.Type) -> ir.Value:
    """A bsparse.conv2d of `x` with logical `weight` packed, at the insertion point; a 1-D convolution's
    (rank-3 `x` and `result_type`) through a unit height."""
    packed = build_packed_weight(weight, spec.packing, spec.elt, spec.loc)
    if spec.one_d:
        x = _with_unit_height(x, spec.layout, spec.loc)
        result_type = _unit_height_type(result_type, spec.layout)
    conv = Conv2dOp(
        x, packed.result, ir.DenseI64ArrayAttr.get(strides), ir.DenseI64ArrayAttr.get(padding),
        ir.DenseI64ArrayAttr.get(dilations), ir.IntegerAttr.get(ir.IntegerType.get_signless(64), spec.groups),
        ir.StringAttr.get(spec.layout), ir.StringAttr.get("none"), result_type, bias=spec.bias, loc=spec.loc,
    )
    return _to_rank3(conv.result, spec.layout, spec.loc) if spec.one_d else conv.result


def _initial_phase(spec: _ConvSpec, shape: list[int]) -> ir.Value:
    """The outputs of a phase that meets no real input: the bias broadcast, or zeros."""
    empty = tensor.EmptyOp(shape, spec.elt, loc=spec.loc).result
    if spec.bias is None:
        zero = arith.ConstantOp(spec.elt, ir.FloatAttr.get(spec.elt, 0.0), loc=spec.loc).result
        return linalg.fill(zero, outs=[empty])
    channel = 1 if spec.layout == "nchw" else len(shape) - 1
    return linalg.broadcast(spec.bias, outs=[empty], dimensions=[d for d in range(len(shape)) if d != channel])


def _phase_convs(spec: _ConvSpec, inserted: _ZeroInserted, weight: np.ndarray, dilations: list[int],
                 result_type: ir.Type, rank3: bool = False) -> ir.Value:
    """A stride-1 convolution over `inserted` as one bsparse.conv2d per output phase over its real
    inputs (`bsparse.passes._phases`), interleaved into the result by strided ``tensor.insert_slice``
    (`rank3`: into its rank-3 form, a grouped 1-D convolution's, that the frontend gave a unit dim)."""
    shape = list(ir.ShapedType(result_type).shape)
    merge = _spatial_merge(spec.layout)

    def final(values: list[int]) -> list[int]:  # per rank-4 dim -> per dim of the result
        return values if not rank3 else [values[g[-1] if shape[g[0]] == 1 else g[0]] for g in merge]

    source_shape = list(ir.ShapedType(inserted.source.type).shape)
    spatial = _spatial_dims(spec.layout, len(shape))
    window = weight.shape[2:] if not spec.one_d else weight.shape[3:]
    per_dim = [phases(o, s, source_shape[d], shape[d], k, dl)
               for o, s, d, k, dl in zip(inserted.offsets, inserted.strides, spatial, window, dilations[-len(spatial):])]
    combos = list(itertools.product(*per_dim))
    result = None if len(combos) == 1 else tensor.EmptyOp(final(shape), spec.elt, loc=spec.loc).result
    for combo in combos:
        phase_shape = list(shape)
        for d, phase in zip(spatial, combo):
            phase_shape[d] = phase.count
        if any(phase.empty for phase in combo):
            value = _initial_phase(spec, phase_shape)
        else:
            x = inserted.source
            if any(p.start > 0 or p.stop < source_shape[d] for d, p in zip(spatial, combo)):
                offsets, sizes = [0] * len(shape), list(source_shape)
                for d, p in zip(spatial, combo):
                    offsets[d], sizes[d] = p.start, p.stop - p.start
                x = tensor.ExtractSliceOp(ir.RankedTensorType.get(sizes, spec.elt), x, [], [], [], offsets, sizes,
                                          [1] * len(shape), loc=spec.loc).result
            sub = weight
            for axis, phase in zip(range(weight.ndim - len(combo), weight.ndim), combo):
                sub = np.take(sub, list(phase.taps), axis=axis)
            height = combo[0] if not spec.one_d else Phase(0, 1, range(1), 1, 0, 1, 0, 0)
            width = combo[-1]
            value = _conv2d(spec, x, np.ascontiguousarray(sub), [1, 1],
                            [height.pad_low, width.pad_low, height.pad_high, width.pad_high],
                            [height.dilation, width.dilation], ir.RankedTensorType.get(phase_shape, spec.elt))
        if rank3:
            value = _to_rank3(value, spec.layout, spec.loc)
        if result is None:  # one phase (stride 1): the convolution itself
            return value
        offsets, strides = [0] * len(shape), [1] * len(shape)
        for d, phase, s in zip(spatial, combo, inserted.strides):
            offsets[d], strides[d] = phase.first, s
        result = _insert_phase(value, result, final(offsets), final(phase_shape), final(strides), spec.loc)
    return result


def _insert_phase(phase: ir.Value, into: ir.Value, offsets: list[int], sizes: list[int], strides: list[int],
                  loc: ir.Location) -> ir.Value:
    """``tensor.insert_slice`` of an output phase, marked as one (`PHASE_ATTRIBUTE`)."""
    op = tensor.InsertSliceOp(phase, into, [], [], [], offsets, sizes, strides, loc=loc)
    op.attributes[PHASE_ATTRIBUTE] = ir.UnitAttr.get()
    return op.result


def _depth_windows(x: ir.Value, layout: str, out_depth: int, kd: int, stride: int, dilation: int,
                   loc: ir.Location) -> ir.Value:
    """A 3-D convolution's input `x` (``[N, C, D, H, W]`` or ``[N, D, H, W, C]``) as the input of the 2-D
    convolution over its depth windows: ``[N x Do, C x KD, H, W]`` (channel ``c x KD + kd``) or
    ``[N x Do, H, W, KD x C]`` (channel ``kd x C + c``), window ``do`` holding input depths
    ``do x stride + kd x dilation``. A ``linalg.generic`` gathers them, a ``tensor.collapse_shape`` merges
    the depth into the batch and the taps into the channels."""
    ty = ir.RankedTensorType(x.type)
    elt = ty.element_type
    if layout == "nchw":
        n, c, _, h, w = ty.shape
        shape, merge = [n, out_depth, c, kd, h, w], [[0, 1], [2, 3], [4], [5]]
        source = "(d0, d2, d1 * {s} + d3 * {d}, d4, d5)"
    else:
        n, _, h, w, c = ty.shape
        shape, merge = [n, out_depth, h, w, kd, c], [[0, 1], [2], [3], [4, 5]]
        source = "(d0, d1 * {s} + d4 * {d}, d2, d3, d5)"
    dims = "(d0, d1, d2, d3, d4, d5)"
    maps = ir.ArrayAttr.get([ir.Attribute.parse(f"affine_map<{dims} -> {source.format(s=stride, d=dilation)}>"),
                             ir.Attribute.parse(f"affine_map<{dims} -> {dims}>")])
    parallel = ir.Attribute.parse("#linalg.iterator_type<parallel>")
    empty = tensor.EmptyOp(shape, elt, loc=loc).result
    gather = linalg.GenericOp([ir.RankedTensorType.get(shape, elt)], [x], [empty], maps,
                              ir.ArrayAttr.get([parallel] * len(shape)), loc=loc)
    block = gather.regions[0].blocks.append(elt, elt)
    with ir.InsertionPoint(block):
        linalg.YieldOp([block.arguments[0]], loc=loc)
    merged = [int(np.prod([shape[d] for d in group])) for group in merge]
    return tensor.CollapseShapeOp(ir.RankedTensorType.get(merged, elt), gather.result, merge, loc=loc).result


def _pack_conv3d(op, rewriter, pattern: Packing, kind, use, elt: ir.Type) -> bool:
    """linalg 3-D conv(x, const W) -> bsparse.conv2d over x's depth windows (`_depth_windows`), its
    ``[N x Do, ...]`` result expanded to ``[N, Do, ...]`` and, for ncdhw, transposed to ``[N, F, Do, Ho, Wo]``.
    Zero padding of height and width is the 2-D convolution's; of the depth, a ``tensor.pad`` of the
    input's depth (its zeros are inputs of the windows). The MACs count every output position's window,
    padded taps included, as for the 2-D convolutions."""
    x, init, loc = op.inputs[0], op.outputs[0], op.location
    strides, dilations = _i64_pair(op, "strides"), _i64_pair(op, "dilations")
    if _transposed_3d(x, kind.layout):
        return True  # its windows would be mostly inserted zeros (`_unpacked_reason`)
    spatial = _spatial_dims(kind.layout, 5)
    x, low, high = _zero_pad(x, spatial)
    weight = use.logical()
    out_shape = list(ir.ShapedType(op.result.type).shape)
    channel_dim = 1 if kind.layout == "nchw" else 4
    filters = weight.shape[0]
    out_depth = out_shape[spatial[0]]
    kd = ir.ShapedType(op.inputs[1].type).shape[2 if kind.layout == "nchw" else 0]
    with rewriter.ip:
        bias = _broadcast_bias(init, channel_dim, filters)
        spec = _ConvSpec(pattern, elt, 1, kind.layout, False,
                         None if bias is None else _bias_constant(bias, elt, loc), loc)
        if low[0] or high[0]:  # the depth's padding stays an input's: the 2-D convolution pads height and width
            pad_low, pad_high = [0] * 5, [0] * 5
            pad_low[spatial[0]], pad_high[spatial[0]] = low[0], high[0]
            x = _zero_padded(x, pad_low, pad_high, loc)
        windows = _depth_windows(x, kind.layout, out_depth, kd, strides[0], dilations[0], loc)
        n = out_shape[0]
        flat = [n * out_depth, filters, *out_shape[3:]] if kind.layout == "nchw" else [n * out_depth, *out_shape[2:]]
        result = _conv2d(spec, windows, weight, strides[1:], [low[1], low[2], high[1], high[2]], dilations[1:],
                         ir.RankedTensorType.get(flat, elt))
        split = [n, out_depth, *flat[1:]]
        result = tensor.ExpandShapeOp(ir.RankedTensorType.get(split, elt), result, [[0, 1], [2], [3], [4]], [],
                                      split, loc=loc).result
        if kind.layout == "nchw":  # [N, Do, F, Ho, Wo] -> [N, F, Do, Ho, Wo]
            empty = tensor.EmptyOp(out_shape, elt, loc=loc).result
            result = linalg.transpose(result, outs=[empty], permutation=[0, 2, 1, 3, 4]).results[0]
        if bias is None and not is_zero(init):
            result = arith.AddFOp(result, init, loc=loc).result
    rewriter.replace_op(op, [result])
    return False


def _transposed_3d(x: ir.Value, layout: str) -> bool:
    """Whether a 3-D convolution's input `x` is zero-inserted (a transposed convolution's)."""
    return _zero_inserted(x, _spatial_dims(layout, 5)) is not None


def _zero_padded(x: ir.Value, low: list[int], high: list[int], loc: ir.Location) -> ir.Value:
    """``tensor.pad`` of `x` with zeros, `low` and `high` per dim."""
    ty = ir.RankedTensorType(x.type)
    elt = ty.element_type
    shape = [d + a + b for d, a, b in zip(ty.shape, low, high)]
    pad = tensor.PadOp(ir.RankedTensorType.get(shape, elt), x, [], [], low, high, loc=loc)
    block = pad.regions[0].blocks.append(*[ir.IndexType.get()] * len(shape))
    with ir.InsertionPoint(block):
        zero = arith.ConstantOp(elt, ir.FloatAttr.get(elt, 0.0), loc=loc).result
        tensor.YieldOp(zero, loc=loc)
    return pad.result


def pack_conv(op, rewriter, pattern: Packing):
    """linalg conv(x, const W) -> bsparse.conv2d(x, packed(W)) [+ init].

    A 1-D convolution becomes a 2-D one of height 1 between a ``tensor.expand_shape``
    of its input and a ``tensor.collapse_shape`` of its result. A stride-1
    convolution over a zero-inserted input (a transposed convolution) becomes
    one per output phase over the real inputs (`_phase_convs`).
    """
    kind = CONV_OPS[op.operation.name]
    if (use := weight_use(op)) is None:
        return True
    x, init, result_op = op.inputs[0], op.outputs[0], op
    if (elt := _float_tensors(x, op.inputs[1], init)) is None:
        return True
    if kind.three_d:
        return _pack_conv3d(op, rewriter, pattern, kind, use, elt)
    if kind.grouped:  # [N, G, C/G, H, W] views: use the NCHW tensors around them
        users = list(op.result.uses)
        producer = defining_op(x)
        if len(users) != 1 or users[0].owner.name != "tensor.collapse_shape" or producer is None or producer.operation.name != "tensor.expand_shape":
            return True
        x, result_op = producer.operands[0], users[0].owner.opview  # a 1-D one's result collapses to rank 3
        init_producer = defining_op(init)
        if init_producer is None or init_producer.operation.name != "tensor.expand_shape":
            if not is_zero(init):
                return True
        else:
            init = init_producer.operands[0]
    strides, dilations = _i64_pair(op, "strides"), _i64_pair(op, "dilations")
    rank = len(ir.ShapedType(init.type).shape)
    inserted = _zero_inserted(x, _spatial_dims(kind.layout, rank)) if strides == [1, 1] else None
    if inserted is None:
        x, padding = _zero_padding(x, kind.layout)
    weight = use.logical()
    channel_dim = 1 if kind.layout == "nchw" else rank - 1
    with rewriter.ip:
        bias = _broadcast_bias(init, channel_dim, weight.shape[0])
        spec = _ConvSpec(pattern, elt, use.groups, kind.layout, kind.one_d,
                         None if bias is None else _bias_constant(bias, elt, op.location), op.location)
        result_type = result_op.result.type
        if kind.grouped:  # [N, G, F/G, H, W] -> [N, F, H, W]
            n, g, f, h, w = ir.ShapedType(op.result.type).shape
            result_type = ir.RankedTensorType.get([n, g * f, h, w], elt)
        rank3 = kind.grouped and len(ir.ShapedType(result_op.result.type).shape) == 3  # a grouped 1-D one, which
        if inserted is not None:                                                         # the frontend made 2-D
            result = _phase_convs(spec, inserted, weight, dilations, result_type, rank3)
        else:
            result = _conv2d(spec, x, weight, strides, padding, dilations, result_type)
            result = _to_rank3(result, kind.layout, op.location) if rank3 else result
        if bias is None and not is_zero(init):
            result = arith.AddFOp(result, init, loc=op.location).result
    rewriter.replace_op(result_op, [result])
    if result_op is not op:
        rewriter.erase_op(op)
    return False


# --- epilogues -------------------------------------------------------------

_BINARY = ("arith.addf", "arith.subf", "arith.mulf", "arith.divf")


def _channel_vector(generic, operand_index: int, channel_dim: int, channels: int) -> np.ndarray | None:
    """A constant operand that varies only along `channel_dim`, as ``[C]``."""
    values = trace_constant(generic.inputs[operand_index])
    if values is None:
        return None
    results = [r.strip() for r in map_strings(generic)[operand_index].strip("()").split(",") if r.strip()]
    varying = [r for r in results if r != "0"]
    if varying == [f"d{channel_dim}"] and values.size == channels:
        return values.reshape(channels).astype(np.float32)
    if not varying and values.size == 1:
        return np.full(channels, values.reshape(()), np.float32)
    return None


def _body(generic):
    block = generic.regions[0].blocks[0]
    return block, list(block.operations)


def _rebuild(rewriter, generic, producer, *, scale=None, shift=None, activation=None, residual=None,
             view=None) -> None:
    """Replaces `generic` by a copy of bsparse `producer` with the epilogue folded (`view`: the reshape
    between them, see `_bsparse_producer`, applied again to the copy; `residual`: a tensor of the
    generic's type to add before the activation, seen through the view)."""
    packed = defining_op(producer.weight)
    ty = packed_type(producer.weight, "weight")
    channels, elt = ty.weight_shape[0], ty.value_type
    bias = np.zeros(channels, np.float32) if producer.bias is None else trace_constant(producer.bias)
    with rewriter.ip:
        weight_value = producer.weight
        if scale is not None:  # repacked as it was: scaling channels keeps the zeros
            data = weight_data(packed)
            dense = (data.to_dense() * scale.reshape((-1,) + (1,) * (len(data.shape) - 1))).astype(np.float32)
            weight_value = packed_op(data.format.pack(dense), elt, producer.location).result
            bias = bias * scale
        if shift is not None:
            bias = bias + shift
        bias_value = producer.bias if (scale is None and shift is None) else _bias_constant(bias, elt, producer.location)
        act = ir.StringAttr.get(activation or ir.StringAttr(producer.attributes["activation"]).value)
        loc = producer.location
        result_type = producer.result.type if view is not None else generic.results[0].type
        if residual is not None and view is not None:
            residual = _undo_view(residual, view, result_type, loc)
        residual = producer.residual if residual is None else residual
        if producer.operation.name == "bsparse.matmul":
            new = MatmulOp(producer.input, weight_value, act, result_type, bias=bias_value, residual=residual, loc=loc)
        else:
            a = producer.attributes
            new = Conv2dOp(producer.input, weight_value, a["strides"], a["padding"], a["dilations"], a["groups"],
                           a["layout"], act, result_type, bias=bias_value, residual=residual, loc=loc)
        result = new.result
        if view is not None:
            clone = view.operation.clone()
            clone.operands[0] = result
            result = clone.results[0]
    rewriter.replace_op(generic, [result])


def _undo_view(value: ir.Value, view, result_type: ir.Type, loc: ir.Location) -> ir.Value:
    """`value` (of the view's result type) back to the bsparse op's result type: the view's inverse reshape."""
    groups = ir.ArrayAttr(view.attributes["reassociation"])
    if view.operation.name == "tensor.expand_shape":
        return tensor.CollapseShapeOp(result_type, value, groups, loc=loc).result
    shape = list(ir.ShapedType(result_type).shape)
    return tensor.ExpandShapeOp(result_type, value, groups, [], shape, loc=loc).result


def _is_add(generic) -> bool:
    """True if `generic`'s payload is the add of its two inputs."""
    block, ops = _body(generic)
    return len(ops) == 2 and ops[0].name == "arith.addf" and ops[-1].operands[0] == ops[0].result \
        and set(ops[0].operands) == set(block.arguments[:2]) and ops[0].operands[0] != ops[0].operands[1]


def _bsparse_producer(value: ir.Value) -> tuple[ir.OpView, ir.OpView | None] | None:
    """The bsparse op whose only use yields `value`: directly, or through a reshape that keeps its
    channels (returned second): the collapse of a 1-D convolution's unit height, or the expand of a
    matmul's rows back to ``[batch, seq, N]`` (``nn.Linear`` on a rank-3 input)."""
    op = defining_op(value)
    if op is None:
        return None
    if op.operation.name in _BSPARSE_OPS:
        return op, None
    if op.operation.name == "tensor.expand_shape" and (matmul := defining_op(op.operands[0])) is not None \
            and matmul.operation.name == "bsparse.matmul" and len(list(matmul.result.uses)) == 1:
        groups = reassociation(op)
        return (matmul, op) if groups[-1] == [len(ir.ShapedType(op.result.type).shape) - 1] else None
    if op.operation.name != "tensor.collapse_shape" or (conv := defining_op(op.operands[0])) is None:
        return None
    if conv.operation.name != "bsparse.conv2d" or len(list(conv.result.uses)) != 1:
        return None
    groups = reassociation(op)
    layout = ir.StringAttr(conv.attributes["layout"]).value
    shape = ir.ShapedType(conv.result.type).shape
    spatial = [shape[d] for d in _spatial_merge(layout)[2 if layout == "nchw" else 1]]
    return (conv, op) if groups == _spatial_merge(layout) and 1 in spatial else None


_PROBES = np.concatenate([np.linspace(-12, 12, 2401), [0.0, -0.0, 1e-3, -1e-3, 6.0, 6.5, -6.5, 20.0, -20.0]]
                         ).astype(np.float32)
"""Inputs on which bsparse-pack compares an elementwise op with each activation (`_activation_of`)."""

_PLAIN_PAYLOAD = frozenset({
    "arith.addf", "arith.subf", "arith.mulf", "arith.divf", "arith.negf", "arith.maximumf", "arith.minimumf",
    "arith.maxnumf", "arith.minnumf", "arith.cmpf", "arith.select", "arith.constant", "arith.truncf", "arith.extf",
    "math.exp", "math.erf", "math.tanh", "math.fpowi", "math.powf", "math.sqrt", "math.rsqrt", "math.absf",
    "linalg.yield",
})
"""Payload ops of an elementwise op bsparse-pack may fold as an activation: float arithmetic, no indexing."""


def _elementwise_of(generic, sources: set) -> bool:
    """True if `generic` is an all-parallel elementwise op of plain float arithmetic (`_PLAIN_PAYLOAD`)
    whose inputs are `sources` (at the identity map) or scalar constants, the initial value unread."""
    if generic.operation.name != "linalg.generic" or len(generic.results) != 1 or len(generic.outputs) != 1:
        return False
    if not all_parallel(generic):
        return False
    block, ops = _body(generic)
    if list(block.arguments[len(generic.inputs)].uses) or any(op.name not in _PLAIN_PAYLOAD for op in ops):
        return False
    maps = map_strings(generic)
    return all((maps[i] == maps[-1] and v in sources) or (maps[i] != maps[-1] and _scalar_constant(v))
               for i, v in enumerate(generic.inputs))


def _in_program_order(ops: list) -> list:
    """`ops` (of one block) sorted as they stand in it."""
    return sorted(ops, key=functools.cmp_to_key(lambda a, b: -1 if a.operation.is_before_in_block(b.operation) else 1))


def _scalar_constant(value: ir.Value) -> bool:
    """True if `value` is a one-element constant (seen through layout-only ops)."""
    return int(np.prod(ir.ShapedType(value.type).shape)) == 1 and constant_source(value) is not None


def _epilogue_graph(sink) -> tuple[list, set]:
    """The ``linalg.generic`` ops behind `sink` (`sink` included) in program order, and the values they
    start from: what no generic defines, scalar constants left out."""
    found, leaves, pending = [], set(), [sink]
    while pending:
        op = pending.pop()
        if any(op == seen for seen in found):
            continue
        found.append(op)
        for value in op.inputs:
            producer = defining_op(value)
            if producer is not None and producer.operation.name == "linalg.generic":
                pending.append(producer)
            elif not _scalar_constant(value):
                leaves.add(value)
    return _in_program_order(found), leaves


def _closed(ops: list, x: ir.Value) -> bool:
    """True if `ops` (`_epilogue_graph`, the sink last) compute the sink from `x` alone: each is an
    elementwise op of `x`, of the others' results and of scalar constants, and every use of `x` and of
    their results but the sink's is inside them (as torch-mlir writes SiLU, ``x * sigmoid(x)``, or a
    hand-written GELU)."""
    values = {x, *(op.results[0] for op in ops)}
    if not all(_elementwise_of(op, values) for op in ops):
        return False
    members = [op.operation for op in ops]
    return all(use.owner in members for v in (x, *(op.results[0] for op in ops[:-1])) for use in v.uses)


def _on_probes(ops: list, x: ir.Value, before: str) -> np.ndarray:
    """The graph `ops` (`_epilogue_graph`) evaluated on `before`(`_PROBES`) as `x`: as many evaluations of the
    ops' own shape as the probes need; the sink's values."""
    shape = tuple(ir.ShapedType(x.type).shape)
    size = int(np.prod(shape))
    out = []
    for start in range(0, _PROBES.size, size):
        values = {x: apply(before, np.resize(_PROBES[start:start + size], shape))}
        for op in ops:
            operands = [values[v] if v in values else trace_constant(v).reshape(ir.ShapedType(v.type).shape)
                        for v in op.inputs]
            (values[op.results[0]],) = evaluate(op, operands + [np.empty(shape, np.float32)])
        out.append(np.asarray(values[ops[-1].results[0]]).reshape(-1)[:min(size, _PROBES.size - start)])
    return np.concatenate(out)


def _activation_of(outputs: np.ndarray) -> str | None:
    """The activation whose values on `_PROBES` are `outputs` (to float32 rounding), if one is."""
    expected = outputs.astype(np.float64)
    for name, act in ACTIVATIONS.items():
        if name != "none" and np.allclose(expected, act.fn(_PROBES).astype(np.float64), rtol=1e-5, atol=1e-6):
            return name
    return None


def _affine(generic, x_index: int, producer) -> dict | None:
    """``shift``/``scale`` of `_rebuild` if `generic` adds, subtracts, multiplies or divides the producer's
    result by a per-output-channel (or scalar) constant."""
    rank = len(ir.ShapedType(generic.results[0].type).shape)
    channel_dim = rank - 1 if producer.operation.name == "bsparse.matmul" or str(producer.attributes["layout"]) == '"nhwc"' else 1
    channels = packed_type(producer.weight, "weight").weight_shape[0]
    if (vector := _channel_vector(generic, 1 - x_index, channel_dim, channels)) is None:
        return None
    block, ops = _body(generic)
    if len(ops) != 2 or ops[0].name not in _BINARY or ops[-1].operands[0] != ops[0].result:
        return None
    x_arg, c_arg = block.arguments[x_index], block.arguments[1 - x_index]
    lhs, rhs = ops[0].operands
    name = ops[0].name
    if {lhs, rhs} != {x_arg, c_arg} or lhs == rhs:
        return None
    x_first = lhs == x_arg
    if name == "arith.addf":
        return {"shift": vector}
    if name == "arith.subf" and x_first:
        return {"shift": -vector}
    if name == "arith.mulf":
        return {"scale": vector}
    if name == "arith.divf" and x_first and np.all(vector != 0):
        return {"scale": (1.0 / vector).astype(np.float32)}
    return None


def absorb_epilogue(generic, rewriter):
    """Folds a per-channel affine op (bias, batch norm) right after a bsparse op with no activation into it,
    or the add of a tensor of its type (a skip connection) as its residual; of two bsparse ops added, the
    later one takes the other as its residual."""
    if any("reduction" in str(t) for t in ir.ArrayAttr(generic.attributes["iterator_types"])):
        return True
    if len(generic.results) != 1 or len(generic.inputs) not in (1, 2):
        return True
    maps = map_strings(generic)
    found = [
        (i, *producer) for i, v in enumerate(generic.inputs)
        if (producer := _bsparse_producer(v)) is not None and maps[i] == maps[-1]
    ]
    residual_add = len(generic.inputs) == 2 and maps[0] == maps[1] == maps[-1] and _is_add(generic)
    if len(found) == 2 and residual_add:  # two layers' sum: the later one adds the other as its residual
        later = _in_program_order([producer for _, producer, _ in found])[-1]
        found = [entry for entry in found if entry[1] == later]
    if len(found) != 1:
        return True
    x_index, producer, view = found[0]
    seen = producer if view is None else view
    if len(list(seen.result.uses)) != 1:
        return True
    packed = defining_op(producer.weight)
    if packed is None or packed.operation.name not in PACKED_OPS:
        return True
    if seen.result.type != generic.results[0].type or (producer.bias is not None and trace_constant(producer.bias) is None):
        return True
    if ir.StringAttr(producer.attributes["activation"]).value != "none" or len(generic.inputs) != 2:
        return True
    if producer.residual is not None:  # the epilogue adds the residual last, before the activation
        return True
    if residual_add and trace_constant(other := generic.inputs[1 - x_index]) is None:
        _rebuild(rewriter, generic, producer, residual=other, view=view)
        return False
    if (affine := _affine(generic, x_index, producer)) is None:
        return True
    _rebuild(rewriter, generic, producer, view=view, **affine)
    return False


def absorb_activation(sink, rewriter):
    """Folds the elementwise ops that compute `sink` from a bsparse op's result alone (`_closed`:
    one op, or a graph such as torch-mlir's SiLU ``x * sigmoid(x)``) into the op's activation, when,
    applied after its activation so far, they compute one of `bsparse.activations.ACTIVATIONS` on
    `_PROBES` (to float32 rounding): relu in any form, relu6 (a max with 0, then a min with 6), sigmoid,
    tanh, silu, gelu, gelu_tanh."""
    ops, leaves = _epilogue_graph(sink)
    if len(leaves) != 1 or (found := _bsparse_producer(x := leaves.pop())) is None:
        return True
    producer, view = found
    packed = defining_op(producer.weight)
    if packed is None or packed.operation.name not in PACKED_OPS or x.type != sink.results[0].type:
        return True
    if producer.bias is not None and trace_constant(producer.bias) is None:
        return True
    if not _closed(ops, x):
        return True
    before = ir.StringAttr(producer.attributes["activation"]).value
    if (name := _activation_of(_on_probes(ops, x, before))) is None:
        return True
    _rebuild(rewriter, sink, producer, activation=name, view=view)
    for op in reversed(ops[:-1]):  # the sink's inputs, now unused
        rewriter.erase_op(op)
    return False


def _dims_of(map_result: str) -> set[int]:
    """The loop dims an indexing map's results (as `map_strings` gives them) read."""
    return {int(d) for d in re.findall(r"d(\d+)", map_result)}


def _elementwise_copy(generic, operands: list[ir.Value], shape: list[int]) -> ir.Value:
    """`generic` cloned at the insertion point on `operands` (its inputs), with a result of `shape`."""
    elt = ir.ShapedType(generic.results[0].type).element_type
    clone = generic.operation.clone()
    for i, value in enumerate(operands):
        clone.operands[i] = value
    clone.operands[len(operands)] = tensor.EmptyOp(shape, elt, loc=generic.location).result
    clone.results[0].set_type(ir.RankedTensorType.get(shape, elt))
    return clone.results[0]


def _phase_links(value: ir.Value) -> tuple[list[ir.OpView], ir.Value]:
    """The ``tensor.insert_slice`` ops of phases (`PHASE_ATTRIBUTE`) `value` is built by, last first, each
    used only by the next; and what the first inserts into."""
    links = []
    while (op := defining_op(value)) is not None and op.operation.name == "tensor.insert_slice" \
            and PHASE_ATTRIBUTE in op.attributes and static_slice(op) is not None and len(list(op.result.uses)) == 1:
        links.append(op)
        value = op.operands[1]
    return links, value


def sink_into_phases(generic, rewriter):
    """An elementwise ``linalg.generic`` of the interleaved output phases of a transposed convolution ->
    the same op on each phase, interleaved alike, so that it folds into each phase's bsparse op. The
    generic's other inputs are sliced alike, or taken whole when they do not vary along the sliced dims
    (a per-channel constant)."""
    if not all_parallel(generic):
        return True
    if len(generic.results) != 1 or len(generic.outputs) != 1:
        return True
    block = generic.regions[0].blocks[0]
    if list(block.arguments[len(generic.inputs)].uses):  # the payload reads the initial value
        return True
    maps = map_strings(generic)
    shape = list(ir.ShapedType(generic.results[0].type).shape)
    identity = maps[-1]
    if identity != "(" + ", ".join(f"d{d}" for d in range(len(shape))) + ")":
        return True
    found = [(i, *chain) for i, value in enumerate(generic.inputs)
             if maps[i] == identity and (chain := _phase_links(value))[0]]
    if len(found) != 1:
        return True
    index, links, base = found[0]
    sliced = {d for link in links for d, (o, n, t) in enumerate(zip(*static_slice(link)))
              if o or t != 1 or n != shape[d]}
    if any(maps[i] != identity and _dims_of(maps[i]) & sliced for i in range(len(generic.inputs)) if i != index):
        return True
    elt = ir.ShapedType(generic.results[0].type).element_type
    with rewriter.ip:
        if (base_op := defining_op(base)) is not None and base_op.operation.name == "tensor.empty":
            result = tensor.EmptyOp(shape, elt, loc=generic.location).result
        else:
            result = _elementwise_copy(generic, [base if i == index else v for i, v in enumerate(generic.inputs)], shape)
        for link in reversed(links):  # the first phase inserted first
            offsets, sizes, strides = static_slice(link)
            operands = [link.operands[0] if i == index else value if maps[i] != identity else
                        tensor.ExtractSliceOp(ir.RankedTensorType.get(sizes, ir.ShapedType(value.type).element_type),
                                              value, [], [], [], offsets, sizes, strides, loc=generic.location).result
                        for i, value in enumerate(generic.inputs)]
            phase = _elementwise_copy(generic, operands, sizes)
            result = _insert_phase(phase, result, offsets, sizes, strides, link.location)
    rewriter.replace_op(generic, [result])
    return False


def patterns(pattern: Packing) -> RewritePatternSet:
    """The rewrite patterns of bsparse-pack packing as `pattern` says."""
    # Each pattern function returns truthy for "no match".
    rewrites = RewritePatternSet()
    for matmul in (linalg.MatmulOp, linalg.BatchMatmulOp):
        rewrites.add(matmul, lambda op, rewriter: pack_matmul(op, rewriter, pattern))
    for name in CONV_OPS:
        rewrites.add(name, lambda op, rewriter: pack_conv(op, rewriter, pattern))
    rewrites.add(linalg.GenericOp, absorb_epilogue)
    rewrites.add(linalg.GenericOp, absorb_activation)
    rewrites.add(linalg.GenericOp, sink_into_phases)
    for name in FOLDABLE:  # batch-norm parameters become constants, so the epilogue folds into the op
        rewrites.add(name, fold_constant_op)
    return rewrites


def _unpacked_reason(op) -> str | None:
    """Why `op`, a contraction or convolution reading a constant, was left unpacked; None if it reads none."""
    name = op.operation.name
    contraction = name.startswith(_CONTRACTION_PREFIXES) or (
        name == "linalg.generic" and any("reduction" in str(t) for t in ir.ArrayAttr(op.attributes["iterator_types"])))
    constants = [v for v in op.operands if constant_source(v) is not None and len(ir.ShapedType(v.type).shape) >= 2] \
        if contraction else []
    if not constants:
        return None
    if name not in _PACKED_NAMES:
        return f"bsparse-pack has no packing for {name} (it packs {', '.join(_PACKED_NAMES)})"
    elt = ir.ShapedType(constants[0].type).element_type
    if not isinstance(elt, ir.FloatType):
        return f"its weight is {elt}: bsparse-pack packs floating-point weights"
    if not isinstance(elt, ir.F32Type):
        return f"its weight is {elt}: bsparse-pack packs f32 weights (bf16 and f16 are not supported yet)"
    if weight_use(op) is None:
        return "its weight is not a constant bsparse-pack can read as one weight (a dense resource, a layout " \
               "beyond transposes and reshapes, or batch entries that differ)"
    if _float_tensors(op.inputs[0], constants[0], op.outputs[0]) is None:
        return f"its operands are not of one float type (weight {elt})"
    kind = CONV_OPS.get(name)
    if kind is not None and kind.three_d and _transposed_3d(op.inputs[0], kind.layout):
        return ("its input is zero-inserted (a 3-D transposed convolution): bsparse-pack splits output phases "
                "for 2-D ones only, and over the inserted zeros its MACs would count them")
    return f"its {elt} operands and layout are not ones bsparse-pack matches"


def unpacked_weights(module: ir.Operation) -> list[tuple[ir.OpView, str]]:
    """Every op with a constant weight that is not packed, with the reason, in program order."""
    found = []

    def visit(op: ir.Operation) -> ir.WalkResult:
        if op.name.startswith("linalg.") and (reason := _unpacked_reason(op.opview)) is not None:
            found.append((op.opview, reason))
        return ir.WalkResult.ADVANCE

    module.walk(visit)
    return found


def _report_unpacked(module: ir.Operation, strict: bool) -> None:
    """Records each unpacked constant weight on its op and warns (strict: errors) at its location."""
    found = unpacked_weights(module)
    for op, reason in found:
        op.attributes[UNPACKED_ATTRIBUTE] = ir.StringAttr.get(reason)
    report_ops(PackPass.NAME, "weight not packed", found, strict)


def _parse_pack_pattern(text: str) -> Pattern | None:
    """A pattern string; empty for none."""
    return parse_pattern(text) if text.strip() else None


@dataclass(frozen=True)
class PackPass(Pass):
    NAME: ClassVar[str] = "bsparse-pack"
    SUMMARY: ClassVar[str] = "pack constant matmul/conv weights into block-sparse bsparse ops"

    block: BlockPattern = option(
        BlockPattern(), "block shape RxC over (out, in) of the weights packed in blocks", parse=BlockPattern.from_params,
        show=lambda p: f"{p.rows}x{p.cols}"
    )
    pattern: Pattern | None = option(None, f"the pattern whose format packs the weights it fits ({pattern_syntax()}); "
                                           "the others are packed in blocks; a block pattern sets the block shape",
                                     parse=_parse_pack_pattern, show=lambda p: "" if p is None else str(p))
    strict: bool = option(False, "a constant weight left unpacked is an error, not a warning", parse=parse_bool)

    def __post_init__(self):
        if isinstance(self.pattern, BlockPattern):  # its format is blocks of its shape: the block shape, said once
            if self.block not in (BlockPattern(), self.pattern):
                raise OptionError(f"block={self.block.rows}x{self.block.cols} contradicts pattern={self.pattern}")
            object.__setattr__(self, "block", self.pattern)
            object.__setattr__(self, "pattern", None)

    def packing(self) -> Packing:
        """How this pass packs: `pattern`'s format, in `block` blocks where it does not pay."""
        return Packing(self.block, self.pattern.format if self.pattern is not None else None)

    def run(self, module: ir.Operation) -> None:
        apply_patterns_and_fold_greedily(module, patterns(self.packing()).freeze())
        _report_unpacked(module, self.strict)
