"""bsparse-to-aie: each packed layer becomes a program of the AIE-like array (the `aie` dialect).

A rewrite pattern per layer kind (``lower_matmul``, ``lower_conv``, run by
the greedy driver) replaces a ``bsparse.matmul`` / ``bsparse.conv2d`` by:

- host side: the input as a host buffer (``bufferization.to_buffer``) in DDR,
  or in the memory tiles when it stays on chip (`bsparse.residency`),
  each core row's share of the packed weight as L3 constants (values,
  ``row_ptr`` rebased to the share, ``col_idx``) and bias, and the output
  (``memref.alloc``, read back with ``bufferization.to_tensor``);
- an ``aie.device`` on the target: the tiles used; per column, L2 buffers on
  its memory tile staging the column's input slice, its output slice and the
  weights of one core row (weights go along rows: core row ``r`` reads them
  from memtile ``r mod columns``); per core, L1 buffers within the target's
  budgets (input and output tiles, ping/pong when the target double-buffers;
  a weight chunk; the block index; the bias); the DMA transfers between them
  (``repeat`` = transfers of the stream); and an ``aie.core`` calling one
  micro-kernel (``aie.matmul_bsr`` / ``aie.conv2d_bsr``) for its work unit.

Every format is lowered the same way, asking the format
(`bsparse.patterns.format.Format`) for its block rows, each core row's share,
and the tile plan's view of the share. A weight in an indexed format
(``bsparse.packed_sparse``: N:M, unstructured, TW/TVW, GS, whose block rows are
the target's ``sparse_row_channels`` channels) has a share of two L3 constants,
its values and its index arrays as one byte string (``i8``,
`bsparse.patterns.indexed.index_bytes_of`),
streamed in proportional chunks, and the cores call ``aie.matmul_sparse`` /
``aie.conv2d_sparse``, whose ``params`` add ``pattern``, ``stored`` (values
of the share) and ``index_layout`` (how the bytes hold the arrays).

The work split is the layer's ``bsparse.partition`` (bsparse-partition; made
here on the fly for the target when missing or made for another target):
output channels (block rows) over the cores of a column, the spatial
dimension over the columns. With two phases (the partition's ``phase_order``)
each core runs two work units one after the other, each planned within half
of every L1 budget; the layer is lowered both ways and the device the cost
model finds faster (`bsparse.interpreter.aie.device_cycles`) is kept. Each
core streams its work unit in tiles
planned by `bsparse.passes._tiling.plan_tiles`; the kernel's ``params``
record the work unit and the plan. On targets without memory tiles (AIE1)
the cores' DMAs read and write DDR directly.

Kernel ``params``: ``block_rows`` and ``channels`` of the core as flat
``(first, end)`` pairs, one per contiguous run (one pair unless the
partition interleaves block rows; each run's outputs have their own DMA),
``spatial`` (first, end) along ``spatial_dim``, ``tile`` ``[t, tc]`` output
positions per call, ``output_tiles``, ``k_chunks``, ``weight_chunks``,
``weight_resident``, ``calls``, ``activation``, ``weight_shape``; for
convolutions also ``strides``, ``padding``, ``dilations``, ``groups``, ``layout``.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import torch_mlir.ir as ir
from torch_mlir.dialects import arith, bufferization, memref, tensor
from torch_mlir.rewrite import RewritePatternSet, apply_patterns_and_fold_greedily

from bsparse import targets
from bsparse.dialects.aie import Conv2dBsrOp, Conv2dSparseOp, MatmulBsrOp, MatmulSparseOp
from bsparse.dialects.bsparse import Conv2dOp, MatmulOp, packed_type
from bsparse.dtypes import COSTED_DTYPES, DEFAULT_DTYPE
from bsparse.errors import BsparseError, OptionError
from bsparse.irutil import numpy_to_dense
from bsparse.packed import PACKED_OPS, weight_data
from bsparse.passes._match import defining_op
from bsparse.passes._tiling import Axis, TilePlan, Work, plan_tiles
from bsparse.passes.base import Pass, option, parse_dtype, parse_target
from bsparse.passes.partition import ATTRIBUTE, Partition, columns_per_slice, halves, may_interleave, partition_layer
from bsparse.patterns.indexed import index_bytes_of, index_layout
from bsparse.residency import L2_MEMORY_SPACE, stays_on_chip

__all__ = ["ToAiePass", "patterns"]


# ----------------------------------------------------------------------------- IR building helpers


def _i64(value: int) -> ir.IntegerAttr:
    return ir.IntegerAttr.get(ir.IntegerType.get_signless(64), int(value))


def _array(values) -> ir.DenseI64ArrayAttr:
    return ir.DenseI64ArrayAttr.get([int(v) for v in values])


def _create(name: str, results=(), operands=(), attributes=None, regions: int = 0) -> ir.Operation:
    return ir.Operation.create(name, results=list(results), operands=list(operands),
                               attributes=attributes or {}, regions=regions)


def _memref(shape, elt: ir.Type, space: int | None = None) -> ir.MemRefType:
    memory_space = None if space is None else ir.IntegerAttr.get(ir.IntegerType.get_signless(64), space)
    return ir.MemRefType.get([int(d) for d in shape], elt, memory_space=memory_space)


class _Builder:
    """Emits the ops of one ``aie.device`` body, remembering tiles."""

    def __init__(self, target: targets.Target, elt: ir.Type):
        self.target = target
        self.elt = elt
        self.index_type = ir.IntegerType.get_signless(64)
        self.byte_type = ir.IntegerType.get_signless(8)
        self.tiles: dict[tuple[int, int], ir.Value] = {}

    def tile(self, col: int, row: int) -> ir.Value:
        key = (col, row)
        if key not in self.tiles:
            op = _create("aie.tile", [ir.IndexType.get()], attributes={"col": _i64(col), "row": _i64(row)})
            self.tiles[key] = op.result
        return self.tiles[key]

    def core_tile(self, col: int, row: int) -> ir.Value:
        return self.tile(col, self.target.shim_rows + self.target.memtile_rows + row)

    def memtile(self, col: int) -> ir.Value:
        return self.tile(col, self.target.shim_rows)

    def buffer(self, tile: ir.Value, level: str, shape, elt: ir.Type | None = None) -> ir.Value:
        shape = [max(1, int(d)) for d in shape]
        return _create(
            "aie.buffer", [_memref(shape, elt or self.elt)], [tile],
            {"level": ir.StringAttr.get(level), "operandSegmentSizes": ir.DenseI32ArrayAttr.get([1])},
        ).result

    def dma(self, src: ir.Value, dst: ir.Value, box, repeat: int, src_at=None, dst_at=None) -> None:
        """A transfer of `box` from `src` at `src_at` to `dst` at `dst_at` (default: their starts).

        The box is clipped to both buffers (a window's padding is not moved:
        the kernel pads, as a memtile DMA's zero padding would).
        """
        if repeat <= 0 or any(int(d) <= 0 for d in box):
            return
        src_shape = ir.ShapedType(src.type).shape
        dst_shape = ir.ShapedType(dst.type).shape
        src_at = [min(int(o), s - 1) for o, s in zip(src_at or [0] * len(box), src_shape)]
        dst_at = [min(int(o), d - 1) for o, d in zip(dst_at or [0] * len(box), dst_shape)]
        sizes = [max(1, min(int(b), s - so, d - do)) for b, s, d, so, do in zip(box, src_shape, dst_shape, src_at, dst_at)]
        _create("aie.dma", operands=[src, dst], attributes={
            "src_offsets": _array(src_at), "dst_offsets": _array(dst_at), "sizes": _array(sizes),
            "repeat": _i64(repeat),
        })


# ----------------------------------------------------------------------------- host side


def _host_constant(array: np.ndarray, elt: ir.Type, loc: ir.Location) -> ir.Value:
    """An L3 buffer holding a constant (a share of a packed weight, a bias)."""
    shape = list(array.shape)
    value = arith.ConstantOp(ir.RankedTensorType.get(shape, elt), numpy_to_dense(array, elt), loc=loc).result
    return _to_buffer(value, loc)


def _to_buffer(value: ir.Value, loc: ir.Location, space: int | None = None) -> ir.Value:
    ty = ir.RankedTensorType(value.type)
    return bufferization.ToBufferOp(_memref(ty.shape, ty.element_type, space), value, read_only=True, loc=loc).result


def _runs(rows) -> list[tuple[int, int]]:
    """The maximal runs ``(first, end)`` of consecutive integers in ascending `rows`."""
    runs: list[list[int]] = []
    for row in rows:
        if runs and runs[-1][1] == row:
            runs[-1][1] += 1
        else:
            runs.append([row, row + 1])
    return [(a, b) for a, b in runs]


@dataclass
class _Share:
    """One core row's share of the packed weight, in L3: its block rows, ascending, as contiguous runs.

    A share of a contiguous partition is one run; an interleaved one
    (bsparse-partition's ``row_order``) has several, its blocks gathered
    run after run. Its data is in the layer's format (`bsparse.patterns.format`);
    a BSR share has ``row_ptr`` and ``col_idx`` buffers, a share of an
    indexed format ``index``, the bytes of its index arrays laid out as
    ``layout`` says.
    """

    block_runs: list[tuple[int, int]]
    channel_runs: list[tuple[int, int]]
    data: object
    values: ir.Value
    bias: ir.Value | None
    row_ptr: ir.Value | None = None
    col_idx: ir.Value | None = None
    index: ir.Value | None = None
    layout: dict[str, str] | None = None

    @property
    def channels(self) -> int:
        return sum(hi - lo for lo, hi in self.channel_runs)

    @property
    def first_channel(self) -> int:
        return self.channel_runs[0][0]

    @property
    def sparse(self) -> bool:
        """Its weight is held by a ``bsparse.packed_sparse`` (values and index bytes)."""
        return self.data.format.ENCODING == "indexed"

    @property
    def stored(self) -> int:
        """Stored entries (blocks or values)."""
        return self.data.stored

    @property
    def entry_shape(self) -> list[int]:
        """Shape of one stored entry: a block ``[R, C, *window]``, or a value ``[]``."""
        return list(self.data.values.shape[1:])

    def index_chunk(self, entries: int) -> int:
        """Bytes of a sparse share's index that go with `entries` stored values (at least 1)."""
        return max(1, -(-entries * self.data.index_bytes // max(self.stored, 1)))


def _flat(runs: list[tuple[int, int]]) -> ir.DenseI64ArrayAttr:
    return _array([v for run in runs for v in run])


def _bias_share(bias: ir.Value, runs: list[tuple[int, int]], loc) -> ir.Value:
    """The host buffer of a core row's channels of the bias: constant slices, or slices of the bias tensor."""
    elt = ir.ShapedType(bias.type).element_type
    constant = defining_op(bias)
    if constant is not None and constant.operation.name == "arith.constant":
        values = np.asarray(ir.DenseElementsAttr(constant.attributes["value"])).reshape(-1)
        return _host_constant(np.concatenate([values[lo:hi] for lo, hi in runs]).astype(np.float32), elt, loc)
    pieces = [tensor.ExtractSliceOp(ir.RankedTensorType.get([hi - lo], elt), bias, [], [], [],
                                    _array([lo]), _array([hi - lo]), _array([1]), loc=loc).result
              for lo, hi in runs]
    if len(pieces) == 1:
        return _to_buffer(pieces[0], loc)
    total = sum(hi - lo for lo, hi in runs)
    return _to_buffer(tensor.ConcatOp(ir.RankedTensorType.get([total], elt), 0, pieces, loc=loc).result, loc)


def _values_constant(sub, elt: ir.Type, loc) -> ir.Value:
    """The L3 constant of a share's stored entries (one zero entry when it stores none)."""
    values = sub.values.astype(np.float32) if sub.stored else np.zeros((1, *sub.values.shape[1:]), np.float32)
    return _host_constant(values, elt, loc)


def _bsr_constants(sub, elt: ir.Type, loc) -> dict:
    index_type = ir.IntegerType.get_signless(64)
    cols = sub.col_idx if sub.nnzb else np.zeros(1, np.int64)
    return {"values": _values_constant(sub, elt, loc), "row_ptr": _host_constant(sub.row_ptr, index_type, loc),
            "col_idx": _host_constant(cols, index_type, loc)}


def _indexed_constants(sub, elt: ir.Type, loc) -> dict:
    raw = index_bytes_of(sub)
    raw = raw if raw.size else np.zeros(1, np.uint8)
    return {"values": _values_constant(sub, elt, loc), "layout": index_layout(sub),
            "index": _host_constant(raw.view(np.int8), ir.IntegerType.get_signless(8), loc)}


_HOST_CONSTANTS = {"bsr": _bsr_constants, "indexed": _indexed_constants}
"""Format encoding -> the L3 constants of a share: its values and index, as the kernels read them."""


def _shares(data, bias: ir.Value | None, partition: Partition, target: targets.Target, elt: ir.Type,
            loc) -> list[_Share]:
    fmt = data.format
    r = fmt.row_unit(target)
    shares = []
    for rows in partition.row_sets:
        block_runs = _runs(rows)
        channel_runs = [(first * r, min(end * r, data.shape[0])) for first, end in block_runs]
        bias_share = None if bias is None else _bias_share(bias, channel_runs, loc)
        sub = fmt.share(data, rows, target)
        shares.append(_Share(block_runs, channel_runs, sub, bias=bias_share,
                             **_HOST_CONSTANTS[fmt.ENCODING](sub, elt, loc)))
    return shares


# ----------------------------------------------------------------------------- layer geometry


@dataclass(frozen=True)
class _Layer:
    """What the device program of a layer needs to know, for matmul and conv alike.

    Activations are seen as ``[batch, channels, A, B]`` views named by `dims`
    (``"nchw"``, ``"nhwc"``, or ``"mk"`` for a matmul's ``[rows, K]``).
    """

    kind: str
    layout: str
    batch: int
    in_shape: tuple[int, ...]
    out_shape: tuple[int, ...]
    in_channels: int
    out_channels: int
    groups: int
    stream: Axis
    across: Axis
    split_dim: str
    across_pad: int = 0
    """Zero padding before the split dimension (top or left)."""

    def input_box(self, channels: int, stream_in: int, across_in: int) -> list[int]:
        """A box of the L3/L2/L1 input in its layout: `channels` x the two spatial extents."""
        if self.kind == "matmul":
            return [stream_in, channels]
        h, w = (stream_in, across_in) if self.split_dim == "width" else (across_in, stream_in)
        return [1, channels, h, w] if self.layout == "nchw" else [1, h, w, channels]

    def output_box(self, channels: int, t: int, tc: int) -> list[int]:
        if self.kind == "matmul":
            return [t, channels]
        h, w = (t, tc) if self.split_dim == "width" else (tc, t)
        return [1, channels, h, w] if self.layout == "nchw" else [1, h, w, channels]

    def with_batch(self, box: list[int], batch: int) -> list[int]:
        return box if self.kind == "matmul" else [batch, *box[1:]]

    def input_offset(self, across_out: int) -> list[int]:
        """Where the input a spatial slice starting at output `across_out` needs begins (padding clipped)."""
        start = max(0, across_out * self.across.stride - self.across_pad)
        if self.kind == "matmul":
            return [start, 0]
        h, w = (0, start) if self.split_dim == "width" else (start, 0)
        return [0, 0, h, w] if self.layout == "nchw" else [0, h, w, 0]

    def output_offset(self, channel: int, across_out: int) -> list[int]:
        """The output element at `channel` and output position `across_out` of the split dimension."""
        if self.kind == "matmul":
            return [across_out, channel]
        h, w = (0, across_out) if self.split_dim == "width" else (across_out, 0)
        return [0, channel, h, w] if self.layout == "nchw" else [0, h, w, channel]


def _conv_layer(op, weight_shape, partition: Partition) -> _Layer:
    attrs = op.attributes
    strides = list(ir.DenseI64ArrayAttr(attrs["strides"]))
    dilations = list(ir.DenseI64ArrayAttr(attrs["dilations"]))
    layout = ir.StringAttr(attrs["layout"]).value
    x = tuple(ir.ShapedType(op.input.type).shape)
    y = tuple(ir.ShapedType(op.result.type).shape)
    oh, ow = (y[1], y[2]) if layout == "nhwc" else (y[2], y[3])
    _, _, kh, kw = weight_shape
    height = Axis(oh, kh, strides[0], dilations[0])
    width = Axis(ow, kw, strides[1], dilations[1])
    stream, across = (height, width) if partition.spatial_dim == "width" else (width, height)
    padding = list(ir.DenseI64ArrayAttr(attrs["padding"]))  # top, left, bottom, right
    return _Layer("conv2d", layout, x[0], x, y, x[3] if layout == "nhwc" else x[1], weight_shape[0],
                  ir.IntegerAttr(attrs["groups"]).value, stream, across, partition.spatial_dim,
                  padding[1] if partition.spatial_dim == "width" else padding[0])


def _matmul_layer(x_shape, y_shape) -> _Layer:
    rows = math.prod(x_shape[:-1])
    return _Layer("matmul", "mk", 1, (rows, x_shape[-1]), (rows, y_shape[-1]), x_shape[-1], y_shape[-1], 1,
                  Axis(rows), Axis(1), "rows")


def _core_work(layer: _Layer, share: _Share, spatial: tuple[int, int], weight_shape, target, b: int) -> Work:
    co = share.channels
    if layer.kind == "matmul":
        stream, across, in_channels = Axis(spatial[1] - spatial[0]), Axis(1), layer.in_channels
    else:
        stream = layer.stream
        across = Axis(spatial[1] - spatial[0], layer.across.kernel, layer.across.stride, layer.across.dilation)
        per_group = layer.out_channels // layer.groups  # a grouped conv's share is one run (bsparse-partition)
        groups = -(-share.channel_runs[-1][1] // per_group) - share.first_channel // per_group
        in_channels = groups * weight_shape[1]
    bias_bytes = co * b if share.bias is not None else 0
    return Work(batch=layer.batch, stream=stream, across=across, in_channels=in_channels, out_channels=co,
                element_bytes=b, bias_bytes=bias_bytes, **share.data.format.tile_work(share.data, target))


# ----------------------------------------------------------------------------- the device program


def _stage(rows: int, row_bytes: int, batch: int, budget: int, minimum: int) -> tuple[int, int, int]:
    """How an L2 staging buffer holds `batch` images of `rows` rows: (images, rows, transfers).

    All of it if it fits `budget`; else whole images, as many as fit; else
    bands of one image's rows (at least `minimum`, the rows one core tile needs).
    """
    image = rows * row_bytes
    if batch * image <= budget:
        return batch, rows, 1
    if image <= budget:
        images = budget // image
        return images, rows, math.ceil(batch / images)
    band = max(minimum, budget // max(row_bytes, 1))
    return 1, band, batch * math.ceil(rows / band)


def _emit_device(layer: _Layer, partition: Partition, shares: list[_Share], x_l3, y_l3, weight_shape,
                 params_common: dict, target: targets.Target, dtype: str, elt: ir.Type, kernel: str) -> None:
    b = COSTED_DTYPES[dtype]
    build = _Builder(target, elt)
    has_l2 = target.memtile_rows > 0
    l2_share = target.l2_bytes // target.l2_shares if has_l2 else 0
    per_slice = columns_per_slice(partition.spatial_splits, target)
    # core (col, row) -> (spatial slice, share); see bsparse.passes.partition
    assignment: dict[tuple[int, int], tuple[int, int]] = {}
    for j in range(len(partition.spatial_ranges)):
        for i in range(len(shares)):
            assignment[j * per_slice + i // target.core_rows, i % target.core_rows] = (j, i)
    # each core's work units, run one after the other: (share, spatial range). Two phases: the first
    # half of the column's slice on its share, the second on share `phase_order` of it; each phase
    # plans within half of every L1 budget, so both sets of L1 buffers fit.
    units: dict[tuple[int, int], list[tuple[int, tuple[int, int]]]] = {}
    for core, (j, i) in assignment.items():
        if partition.phase_order:
            first, second = halves(*partition.spatial_ranges[j])
            units[core] = [(i, first), (partition.phase_order[i], second)]
        else:
            units[core] = [(i, partition.spatial_ranges[j])]
    phase_target = target if not partition.phase_order else dataclasses.replace(
        target, l1_input_bytes=target.l1_input_bytes // 2, l1_output_bytes=target.l1_output_bytes // 2,
        l1_weight_bytes=target.l1_weight_bytes // 2, l1_misc_bytes=target.l1_misc_bytes // 2)
    plans: dict[tuple[int, int, int], tuple[Work, TilePlan]] = {}  # (col, row, phase)
    for core, items in units.items():
        for phase, (i, spatial) in enumerate(items):
            work = _core_work(layer, shares[i], spatial, weight_shape, target, b)
            plans[(*core, phase)] = (work, plan_tiles(work, phase_target))

    # Per column: L2 staging of its input slice and of its cores' output channels on the slice.
    columns: dict[int, tuple[ir.Value, ir.Value]] = {}
    column_first_channel: dict[int, int] = {}

    def output_at(channel: int, column: int, spatial: tuple[int, int], slice_start: int) -> list[int]:
        """Where output `channel` at a core's first output position lands: the column's L2 slice, or the L3 output."""
        if has_l2:
            return layer.output_offset(channel - column_first_channel[column], spatial[0] - slice_start)
        return layer.output_offset(channel, spatial[0])

    for c in sorted({col for col, _ in assignment}):
        if not has_l2:
            columns[c] = (x_l3, y_l3)
            continue
        cores = [core for core in assignment if core[0] == c]
        j0 = assignment[cores[0]][0]
        slice_start = partition.spatial_ranges[j0][0]
        work0 = _core_work(layer, shares[assignment[cores[0]][1]], partition.spatial_ranges[j0], weight_shape,
                           target, b)  # the column's whole slice
        plan0 = plans[(*cores[0], 0)][1]
        out_channels = sum(shares[assignment[core][1]].channels for core in cores)
        first_channel = min(shares[assignment[core][1]].first_channel for core in cores)
        column_first_channel[c] = first_channel
        across_in = work0.across.input_extent(work0.across.extent)
        stream_in = work0.stream.input_extent(work0.stream.extent)
        row_in = math.prod(layer.input_box(layer.in_channels, 1, across_in)) * b
        images, band_in, transfers = _stage(stream_in, row_in, layer.batch, l2_share,
                                            work0.stream.input_extent(plan0.t))
        x_box = layer.with_batch(layer.input_box(layer.in_channels, band_in, across_in), images)
        x_l2 = build.buffer(build.memtile(c), "L2", x_box)
        build.dma(x_l3, x_l2, x_box, transfers, src_at=layer.input_offset(slice_start))
        out_rows = work0.stream.extent
        row_out = math.prod(layer.output_box(out_channels, 1, work0.across.extent)) * b
        images, band_out, transfers = _stage(out_rows, row_out, layer.batch, l2_share, plan0.t)
        y_box = layer.with_batch(layer.output_box(out_channels, band_out, work0.across.extent), images)
        y_l2 = build.buffer(build.memtile(c), "L2", y_box)
        build.dma(y_l2, y_l3, y_box, transfers, dst_at=layer.output_offset(first_channel, slice_start))
        columns[c] = (x_l2, y_l2)

    # Per share: staged in the memory tile of one of the columns that use it.
    staged = []
    homes = []  # weights go along rows: share i is staged in one of its columns, spread over the columns
    for share_index in range(len(shares)):
        users = sorted(col for (col, _), (_, i) in assignment.items() if i == share_index)
        homes.append(users[share_index % len(users)])
    for share_index, share in enumerate(shares):
        if not has_l2:
            staged.append((share.values, share.row_ptr, share.col_idx, share.index))
            continue
        mem = build.memtile(homes[share_index])
        stored = share.stored
        per_entry = share.data.format.chunk_index_bytes(share.data, target)
        entry_bytes = math.prod(share.entry_shape) * b + per_entry
        sharing = homes.count(homes[share_index])
        chunk2 = max(1, min(stored, int((l2_share // sharing) // entry_bytes)))
        values_box = [chunk2, *share.entry_shape]
        loads = max(plans[(*core, phase)][1].weight_loads(layer.batch) for core, items in units.items()
                    for phase, (i, _) in enumerate(items) if i == share_index)
        transfers = math.ceil(stored / chunk2) * (1 if chunk2 >= stored else loads)
        v_l2 = build.buffer(mem, "L2", values_box)
        build.dma(share.values, v_l2, values_box, transfers if stored else 0)
        if share.sparse:
            index_box = [share.index_chunk(chunk2)]
            idx_l2 = build.buffer(mem, "L2", index_box, build.byte_type)
            build.dma(share.index, idx_l2, index_box, transfers if share.data.index_bytes else 0)
            staged.append((v_l2, None, None, idx_l2))
            continue
        rp_l2 = build.buffer(mem, "L2", [len(share.data.row_ptr)], build.index_type)
        build.dma(share.row_ptr, rp_l2, [len(share.data.row_ptr)], 1)
        ci_l2 = build.buffer(mem, "L2", [chunk2], build.index_type)
        build.dma(share.col_idx, ci_l2, [chunk2], transfers if stored else 0)
        staged.append((v_l2, rp_l2, ci_l2, None))

    # Per core: L1 buffers, DMAs and a kernel call per work unit.
    pingpong = 2 if target.l1_double_buffer else 1
    for (c, r), items in units.items():
        j = assignment[c, r][0]
        slice_start = partition.spatial_ranges[j][0]
        tile = build.core_tile(c, r)
        x_src, y_dst = columns[c]
        kernels = []
        for phase, (share_index, spatial) in enumerate(items):
            work, plan = plans[c, r, phase]
            share = shares[share_index]
            v_src, rp_src, ci_src, idx_src = staged[share_index]
            x_box = layer.input_box(plan.k, work.stream.input_extent(plan.t), work.across.input_extent(plan.tc))
            y_box = layer.output_box(plan.co, plan.t, plan.tc)
            x_l1 = [build.buffer(tile, "L1", x_box) for _ in range(pingpong)]
            y_l1 = [build.buffer(tile, "L1", y_box) for _ in range(pingpong)]
            stored = share.stored
            v_box = [max(plan.chunk_blocks, 1), *share.entry_shape]
            v_l1 = build.buffer(tile, "L1", v_box)
            if share.sparse:
                index_box = [share.index_chunk(plan.chunk_blocks)]
                weight_operands = [v_l1, build.buffer(tile, "L1", index_box, build.byte_type)]
            else:
                weight_operands = [v_l1, build.buffer(tile, "L1", [plan.co_rows + 1], build.index_type),
                                   build.buffer(tile, "L1", [max(plan.chunk_blocks, 1)], build.index_type)]
            b_l1 = build.buffer(tile, "L1", [plan.co]) if share.bias is not None else None
            tiles = layer.batch * plan.output_tiles
            if has_l2:  # from the column's L2 slice, at the unit's first input
                x_at = [a - s for a, s in zip(layer.input_offset(spatial[0]), layer.input_offset(slice_start))]
            else:
                x_at = layer.input_offset(spatial[0])
            build.dma(x_src, x_l1[0], x_box, tiles * plan.n_k, src_at=x_at)
            weight_transfers = plan.chunks * plan.weight_loads(layer.batch)
            build.dma(v_src, v_l1, v_box, weight_transfers if stored else 0)
            if share.sparse:
                build.dma(idx_src, weight_operands[1], index_box, weight_transfers if share.data.index_bytes else 0)
            else:
                build.dma(rp_src, weight_operands[1], [plan.co_rows + 1], plan.n_co)
                build.dma(ci_src, weight_operands[2], [plan.chunk_blocks], weight_transfers if stored else 0)
            if b_l1 is not None:
                build.dma(share.bias, b_l1, [plan.co], plan.n_co)
            if len(share.channel_runs) == 1:
                build.dma(y_l1[0], y_dst, y_box, tiles, dst_at=output_at(share.first_channel, c, spatial, slice_start))
            else:  # each contiguous run of its channels, per channel group, is written by its own DMA
                local = 0  # the run's first channel among the core's
                for lo, hi in share.channel_runs:
                    start = local
                    while start < local + hi - lo:
                        end = min(local + hi - lo, (start // plan.co + 1) * plan.co)
                        build.dma(y_l1[0], y_dst, layer.output_box(end - start, plan.t, plan.tc),
                                  layer.batch * plan.n_t * plan.n_tc,
                                  src_at=layer.output_offset(start % plan.co, 0),
                                  dst_at=output_at(lo + start - local, c, spatial, slice_start))
                        start = end
                    local += hi - lo
            params = dict(params_common)
            params.update({
                "block_rows": _flat(share.block_runs), "channels": _flat(share.channel_runs),
                "spatial": _array(spatial), "spatial_dim": ir.StringAttr.get(partition.spatial_dim),
                "tile": _array([plan.t, plan.tc]), "output_tiles": _i64(tiles), "k_chunks": _i64(plan.n_k),
                "channel_groups": _i64(plan.n_co),
                "weight_chunks": _i64(plan.chunks), "weight_resident": ir.BoolAttr.get(plan.weight_resident),
                "calls": _i64(plan.calls(layer.batch)),
            })
            if share.sparse:
                params.update({
                    "pattern": ir.StringAttr.get(share.data.pattern), "stored": _i64(stored),
                    "index_layout": ir.DictAttr.get({k: ir.StringAttr.get(v) for k, v in share.layout.items()}),
                })
            operands = [x_l1[0], *weight_operands, y_l1[0]] + ([b_l1] if b_l1 is not None else [])
            segments = [1] * (len(weight_operands) + 2) + [1 if b_l1 is not None else 0]
            kernels.append((operands, params, segments))
        core = _create("aie.core", operands=[tile], regions=1)
        with ir.InsertionPoint(core.regions[0].blocks.append()):
            for operands, params, segments in kernels:
                _create(kernel, operands=operands, attributes={
                    "params": ir.DictAttr.get(params), "operandSegmentSizes": ir.DenseI32ArrayAttr.get(segments),
                })


# ----------------------------------------------------------------------------- patterns


def _partition(op, data, target: targets.Target) -> Partition:
    recorded = Partition.from_op(op)
    if recorded is None or recorded.target != target.name:
        return partition_layer(op, data, target)
    if recorded.row_order and not may_interleave(op, recorded.spatial_splits, target):
        err = BsparseError(f"'{ATTRIBUTE}' interleaves block rows (row_order) on a layer that needs contiguous "
                           "ranges (a grouped convolution, or a layer whose idle columns take channel ranges)")
        err.ir_location = op.location
        raise err
    return recorded


def _space(value: ir.Value, target: targets.Target, dtype: str) -> int | None:
    """The memory space of an activation's host buffer: the memory tiles when it stays on chip."""
    return L2_MEMORY_SPACE if target.memtile_rows and stays_on_chip(value, target, dtype) else None


def _lower(op, rewriter, target: targets.Target, dtype: str):
    packed = defining_op(op.weight)
    if packed is None or packed.operation.name not in PACKED_OPS:
        return True
    data = weight_data(packed)
    elt = packed_type(op.weight, "weight").value_type
    sparse = data.format.ENCODING == "indexed"
    bias = op.bias
    partition = _partition(op, data, target)
    weight_shape = tuple(data.shape)
    loc = op.location
    activation = ir.StringAttr(op.attributes["activation"])
    with rewriter.ip, loc:
        x = op.input
        result_type = ir.RankedTensorType(op.result.type)
        if op.operation.name == "bsparse.matmul":
            x_shape, y_shape = list(ir.ShapedType(x.type).shape), list(result_type.shape)
            layer = _matmul_layer(x_shape, y_shape)
            if len(x_shape) != 2:
                flat = ir.RankedTensorType.get(list(layer.in_shape), result_type.element_type)
                x = tensor.CollapseShapeOp(flat, x, [list(range(len(x_shape) - 1)), [len(x_shape) - 1]]).result
            common = {"weight_shape": _array(weight_shape), "activation": activation}
            kernel = MatmulSparseOp.OPERATION_NAME if sparse else MatmulBsrOp.OPERATION_NAME
        else:
            layer = _conv_layer(op, weight_shape, partition)
            a = op.attributes
            common = {"weight_shape": _array(weight_shape), "activation": activation, "strides": a["strides"],
                      "padding": a["padding"], "dilations": a["dilations"], "groups": a["groups"], "layout": a["layout"]}
            kernel = Conv2dSparseOp.OPERATION_NAME if sparse else Conv2dBsrOp.OPERATION_NAME
        x_l3 = _to_buffer(x, loc, _space(op.input, target, dtype))
        y_space = _space(op.result, target, dtype)
        y_l3 = memref.AllocOp(_memref(layer.out_shape, result_type.element_type, y_space), [], []).result
        shares = _shares(data, bias, partition, target, elt, loc)
        # Two phases (bsparse-partition's phase_order) balance compute but halve each core's L1 budgets
        # and double its calls: the cost model decides between them and one phase.
        variants = [partition] + ([dataclasses.replace(partition, phase_order=())] if partition.phase_order else [])
        devices = []
        for variant in variants:
            device = _create("aie.device", attributes={"target": ir.StringAttr.get(target.name),
                                                       "dtype": ir.StringAttr.get(dtype)}, regions=1)
            with ir.InsertionPoint(device.regions[0].blocks.append()):
                try:
                    _emit_device(layer, variant, shares, x_l3, y_l3, weight_shape, common, target, dtype, elt, kernel)
                except BsparseError as err:
                    if variant is not partition or len(variants) == 1:
                        err.ir_location = loc  # reported at the layer, not at the module
                        raise
                    device.erase()  # two phases do not fit: one phase
                    continue
            devices.append(device)
        if len(devices) > 1:
            from bsparse.interpreter.aie import device_cycles  # the cost model, below the passes

            costs = [device_cycles(device) for device in devices]
            for device in (devices[1:] if costs[0] <= costs[1] else devices[:1]):
                device.erase()
        y = bufferization.ToTensorOp(ir.RankedTensorType.get(list(layer.out_shape), result_type.element_type),
                                     y_l3, restrict=True).result
        if op.operation.name == "bsparse.matmul" and tuple(result_type.shape) != layer.out_shape:
            rank = len(result_type.shape)
            y = tensor.ExpandShapeOp(result_type, y, [list(range(rank - 1)), [rank - 1]], [], list(result_type.shape)).result
    rewriter.replace_op(op, [y])
    return False


def patterns(target: targets.Target, dtype: str) -> RewritePatternSet:
    """The rewrite patterns of bsparse-to-aie for `target`, costed in `dtype`."""
    # Each pattern function returns truthy for "no match".
    rewrites = RewritePatternSet()
    for op_class in (MatmulOp, Conv2dOp):
        rewrites.add(op_class, lambda op, rewriter: _lower(op, rewriter, target, dtype))
    return rewrites


@dataclass(frozen=True)
class ToAiePass(Pass):
    NAME: ClassVar[str] = "bsparse-to-aie"
    SUMMARY: ClassVar[str] = "lower packed layers to aie device programs: L3/L2/L1 buffers, DMA, per-core kernels"

    target: str = option(targets.DEFAULT_TARGET, "target the device programs are for", parse=parse_target)
    dtype: str = option(DEFAULT_DTYPE, "costed data type (i8, i16, bf16, f32)", parse=parse_dtype)

    def __post_init__(self):
        try:
            targets.get(self.target).macs_per_cycle_for(self.dtype, allow_emulated=True)
        except targets.TargetError as err:
            raise OptionError(str(err)) from None

    def run(self, module: ir.Operation) -> None:
        apply_patterns_and_fold_greedily(module, patterns(targets.get(self.target), self.dtype).freeze())
