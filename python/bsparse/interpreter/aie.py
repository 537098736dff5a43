"""The ``aie`` dialect on numpy: device programs run core by core, and their cost in cycles and bytes.

An ``aie.device`` runs when the host program reaches it. Tiles, buffers
and DMA descriptors set up the array; each ``aie.core`` then runs its
micro-kernel once over its whole work unit (the kernel's ``params``), all
its tiles at once, vectorised: numerically the same as the tile loop the
DMA streams describe. A kernel reads and writes host memory through its L1
buffers: each buffer is traced along the DMA transfers that feed it (or that
it feeds) to the L3 buffer at the end of the chain, and the work unit says
which part of it.

Host memory is numpy arrays: ``memref.alloc`` gives a fresh zeroed array,
``bufferization.to_buffer`` the tensor's array (read only),
``bufferization.to_tensor`` a copy.

The cost of a device (`device_cost`) follows DESIGN.md's model, every
constant a field of the device's target:

- a core's compute: its share's format says it
  (`bsparse.patterns.format.Format.compute_cycles`: for BSR its MACs on stored
  blocks at ``macs_per_cycle x kernel_efficiency`` plus
  ``block_index_overhead_cycles`` per stored block per output tile; for the
  indexed formats what the target's core can skip, or the expansion to dense
  at each load), plus ``kernel_call_overhead_cycles`` per call. The report's
  MACs are the stored entries at real weight positions
  (`bsparse.patterns.format.Format.macs_per_position`);
- its DMA: bytes into L1 over ``core_dma_in_channels x
  stream_bytes_per_cycle`` (out likewise) plus ``dma_setup_cycles`` per
  transfer; double-buffered, so a core takes ``max(compute, in, out)`` plus
  the first load and the last store of one call (fill and drain); a core
  that runs two work units (two phases) adds up their compute, DMA and calls;
- each memory tile: bytes read and written at its bandwidths;
- DDR: L3 bytes read and written at the ``ddr_*`` bandwidths, summed with
  the array's time unless ``ddr_transfers_overlap``;
- the layer: the slowest core or memory tile (so imbalance shows), with DDR.

Bytes are counted at the costed type's width (index entries at
``block_index_bytes``); a DMA moves ``repeat`` boxes and counts at both of
its levels; a box streamed identically from one buffer to several tiles is a
multicast, read once.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

import numpy as np
import torch_mlir.ir as ir

from bsparse import targets
from bsparse.dialects.aie import Conv2dBsrOp, Conv2dSparseOp, MatmulBsrOp, MatmulSparseOp, element_bytes
from bsparse.residency import memory_level
from bsparse.patterns import BsrData, SparseData, format_for
from bsparse.patterns.indexed import from_index_bytes
from bsparse.report import LayerReport

from .conv import conv_canonical
from .core import InterpreterError, dtype_of, impl
from .cost import CostModel, cost, ddr_cycles, layer_label

__all__ = ["DeviceCost", "device_cost", "device_cycles"]

_KERNELS = (MatmulBsrOp.OPERATION_NAME, Conv2dBsrOp.OPERATION_NAME,
            MatmulSparseOp.OPERATION_NAME, Conv2dSparseOp.OPERATION_NAME)
_SPARSE_KERNELS = (MatmulSparseOp.OPERATION_NAME, Conv2dSparseOp.OPERATION_NAME)
_MATMULS = (MatmulBsrOp.OPERATION_NAME, MatmulSparseOp.OPERATION_NAME)
_OPERAND_NAMES = ("input", "values", "row_ptr", "col_idx", "output", "bias")
_SPARSE_OPERAND_NAMES = ("input", "values", "index", "output", "bias")
_SETUP_OPS = ("aie.tile", "aie.buffer", "aie.dma")


# ----------------------------------------------------------------------------- host memory


@impl("memref.alloc")
def alloc(interp, op, args):
    type_ = op.results[0].type
    return (np.zeros(ir.ShapedType(type_).shape, dtype_of(type_)),)


@impl("bufferization.to_buffer")
def to_buffer(interp, op, args):
    return (args[0],)


@impl("bufferization.to_tensor")
def to_tensor(interp, op, args):
    return (np.array(args[0]),)


# ----------------------------------------------------------------------------- decoding a device


@dataclass
class _Kernel:
    """A kernel call, its core, and the host (L3) values at the ends of its buffers' DMA chains."""

    op: ir.OpView
    core: tuple[int, int]
    roots: dict[str, ir.Value]
    params: dict
    #: The core's dense weight share, expanded from its stored blocks on first use.
    weights: np.ndarray | None = None

    @property
    def sparse(self) -> bool:
        """Its share is in a non-block pattern's format (`bsparse.patterns.indexed`)."""
        return self.op.operation.name in _SPARSE_KERNELS

    @property
    def matmul(self) -> bool:
        return self.op.operation.name in _MATMULS

    @functools.cached_property
    def channel_index(self) -> slice | np.ndarray:
        """Its output channels: a slice for one run, else an index array."""
        return _channel_index(self.params)

    @property
    def share_key(self):
        """What identifies its weight share: the share's index constant (cores of a row share it)."""
        return self.roots.get("index" if self.sparse else "row_ptr", self.op)


@dataclass(frozen=True)
class _End:
    """One end of a DMA transfer: its memory level, its tile (None for host memory), the bytes an
    element costs (`bsparse.dialects.aie.element_bytes`), and whether it is a host constant."""

    level: str
    tile: tuple[int, int] | None
    width: int
    constant: bool


@dataclass(frozen=True)
class _Transfer:
    """A DMA op, decoded: its ends, the bytes per element count, elements per box and boxes."""

    src: ir.Value
    dst: ir.Value
    src_end: _End
    dst_end: _End
    sizes: tuple[int, ...]
    repeat: int
    src_offsets: tuple[int, ...] = ()


@dataclass
class _Device:
    target: targets.Target
    dtype: str
    kernels: list[_Kernel] = field(default_factory=list)
    transfers: list[_Transfer] = field(default_factory=list)
    #: Per column of an ungrouped conv: its cores' weights stacked in channel order (`_column_weights`).
    columns: dict = field(default_factory=dict)


#: Kernel parameters that differ from core to core; the others are the layer's and read once.
_PER_CORE = ("block_rows", "channels", "spatial", "tile", "output_tiles", "k_chunks", "channel_groups",
             "weight_chunks", "weight_resident", "calls", "stored", "index_layout")


def _param_value(attr: ir.Attribute):
    if isinstance(attr, ir.DictAttr):
        return {named.name: _param_value(named.attr) for named in attr}
    if isinstance(attr, ir.DenseI64ArrayAttr):
        return [int(v) for v in attr]
    if isinstance(attr, ir.StringAttr):
        return attr.value
    if isinstance(attr, ir.BoolAttr):
        return bool(attr.value)
    if isinstance(attr, ir.IntegerAttr):
        return int(attr.value)
    return attr


def _params(op, layer: dict | None) -> dict:
    """The kernel's parameters; `layer` (the first kernel's) saves decoding the shared ones again."""
    attrs = ir.DictAttr(op.attributes["params"])
    if layer is None:
        return {named.name: _param_value(named.attr) for named in attrs}
    result = dict(layer)
    for name in _PER_CORE:
        if name in attrs:
            result[name] = _param_value(attrs[name])
    return result


def _tile_of(buffer: ir.Value) -> tuple[int, int]:
    tile = buffer.owner.operands[0].owner
    return ir.IntegerAttr(tile.attributes["col"]).value, ir.IntegerAttr(tile.attributes["row"]).value


def _host_end(value: ir.Value, device: _Device) -> _End:
    owner = value.owner
    constant = False
    if isinstance(owner, ir.OpView) and owner.operation.name == "bufferization.to_buffer":
        source = owner.operands[0].owner
        constant = isinstance(source, ir.OpView) and source.operation.name == "arith.constant"
    return _End(memory_level(value.type), None, element_bytes(value.type, device.target, device.dtype), constant)


def _decode(op) -> _Device:
    """Reads a device program once: tiles, buffers, DMA transfers and kernels with their host roots."""
    device = _Device(targets.get(ir.StringAttr(op.attributes["target"]).value),
                     ir.StringAttr(op.attributes["dtype"]).value)
    tiles: dict[ir.Value, tuple[int, int]] = {}
    ends: dict[ir.Value, _End] = {}
    feeds: dict[ir.Value, ir.Value] = {}  # dst -> src
    drains: dict[ir.Value, ir.Value] = {}  # src -> dst
    cores = []

    def end_of(value: ir.Value) -> _End:
        if value not in ends:
            ends[value] = _host_end(value, device)
        return ends[value]

    for inner in op.regions[0].blocks[0].operations:
        name = inner.operation.name
        if name == "aie.tile":
            tiles[inner.result] = (ir.IntegerAttr(inner.attributes["col"]).value,
                                   ir.IntegerAttr(inner.attributes["row"]).value)
        elif name == "aie.buffer":
            tile = tiles.get(inner.operands[0]) if len(inner.operands) else None
            ends[inner.result] = _End(ir.StringAttr(inner.attributes["level"]).value, tile,
                                      element_bytes(inner.result.type, device.target, device.dtype), False)
        elif name == "aie.dma":
            src, dst = inner.operands[0], inner.operands[1]
            device.transfers.append(_Transfer(
                src, dst, end_of(src), end_of(dst), tuple(ir.DenseI64ArrayAttr(inner.attributes["sizes"])),
                ir.IntegerAttr(inner.attributes["repeat"]).value,
                tuple(ir.DenseI64ArrayAttr(inner.attributes["src_offsets"])),
            ))
            feeds[dst] = src
            drains[src] = dst
        elif name == "aie.core":
            cores.append(inner)

    def root(value: ir.Value, links: dict) -> ir.Value:
        seen = 0
        while end_of(value).tile is not None:
            if value not in links or seen > 8:
                raise InterpreterError("a kernel buffer is not connected to host memory by DMA transfers",
                                       op_name="aie.device")
            value, seen = links[value], seen + 1
        return value

    layer_params = None
    for core in cores:
        for kernel in core.regions[0].blocks[0].operations:
            if kernel.operation.name not in _KERNELS:
                continue
            roots = {}
            names = _SPARSE_OPERAND_NAMES if kernel.operation.name in _SPARSE_KERNELS else _OPERAND_NAMES
            for name, value in zip(names, kernel.operands):
                if name in ("values", "col_idx", "index") and value not in feeds:
                    continue  # a share without stored blocks: nothing is ever loaded
                roots[name] = root(value, drains if name == "output" else feeds)
            params = _params(kernel, layer_params)
            layer_params = layer_params or params
            device.kernels.append(_Kernel(kernel, end_of(kernel.operands[0]).tile, roots, params))
    return device


# ----------------------------------------------------------------------------- running a device


def _channel_runs(params: dict) -> list[tuple[int, int]]:
    """A core's output channels: ``(first, end)`` runs, ascending (the kernel's flat ``channels``)."""
    flat = params["channels"]
    return list(zip(flat[0::2], flat[1::2]))


def _channel_count(params: dict) -> int:
    return sum(hi - lo for lo, hi in _channel_runs(params))


def _channel_index(params: dict, offset: int = 0) -> slice | np.ndarray:
    """A core's output channels minus `offset`: a slice for one run, else an index array."""
    runs = _channel_runs(params)
    if len(runs) == 1:
        return slice(runs[0][0] - offset, runs[0][1] - offset)
    return np.concatenate([np.arange(lo, hi) for lo, hi in runs]) - offset


def _share(kernel: _Kernel, env) -> BsrData | SparseData:
    """The core row's share of the packed weight (from its L3 constants)."""
    p = kernel.params
    shape = (_channel_count(p), *p["weight_shape"][1:])
    if kernel.sparse:
        stored = p["stored"]
        values = np.asarray(env[kernel.roots["values"]])[:stored] if stored else np.zeros(0, np.float32)
        raw = np.asarray(env[kernel.roots["index"]]) if "index" in kernel.roots else np.zeros(0, np.int8)
        return _sparse_share(p, shape, values, raw)
    row_ptr = np.asarray(env[kernel.roots["row_ptr"]], dtype=np.int64)
    nnzb = int(row_ptr[-1])
    values_shape = ir.ShapedType(kernel.op.operands[1].type).shape
    block = tuple(values_shape[1:3])
    if not nnzb:
        return BsrData(shape, block, np.zeros((0, *values_shape[1:]), np.float32), row_ptr, np.zeros(0, np.int64))
    values = np.asarray(env[kernel.roots["values"]])[:nnzb]
    col_idx = np.asarray(env[kernel.roots["col_idx"]], dtype=np.int64)[:nnzb]
    return BsrData(shape, block, values, row_ptr, col_idx)


def _sparse_share(params: dict, shape, values: np.ndarray, raw: np.ndarray) -> SparseData:
    """A sparse share from its values and index bytes; an empty share (nothing stored) packs zeros."""
    if not params["stored"]:
        return format_for(params["pattern"]).pack(np.zeros(shape, np.float32))
    return from_index_bytes(params["pattern"], shape, values, raw, params["index_layout"])


def _epilogue(y: np.ndarray, bias, activation: str, axis: int) -> np.ndarray:
    if bias is not None:
        shape = [1] * y.ndim
        shape[axis] = -1
        y += bias.reshape(shape).astype(y.dtype, copy=False)
    if activation == "relu":
        np.maximum(y, 0, out=y)
    return y


def _run_matmul(kernel: _Kernel, env, weights: np.ndarray) -> None:  # noqa: D103
    p = kernel.params
    x, y = env[kernel.roots["input"]], env[kernel.roots["output"]]
    m0, m1 = p["spatial"]
    out = x[m0:m1].astype(y.dtype, copy=False) @ weights.T
    bias = env[kernel.roots["bias"]] if "bias" in kernel.roots else None
    y[m0:m1, kernel.channel_index] = _epilogue(out, bias, p["activation"], 1)


@dataclass(frozen=True)
class _ColumnWeights:
    """An ungrouped conv column's kernels as one: their weight shares stacked in channel order."""

    weights: np.ndarray  # [channels of the column, cin, kh, kw]
    order: np.ndarray  # the stack's rows in channel order (to order the kernels' biases alike)
    channels: slice | np.ndarray  # where the stack's outputs go


def _column_weights(kernels: list[_Kernel]) -> _ColumnWeights:
    channels = np.concatenate([np.arange(lo, hi) for k in kernels for lo, hi in _channel_runs(k.params)])
    order = np.argsort(channels, kind="stable")
    ordered = channels[order]
    contiguous = ordered.size and ordered[-1] - ordered[0] + 1 == ordered.size
    target = slice(int(ordered[0]), int(ordered[-1]) + 1) if contiguous else ordered
    return _ColumnWeights(np.ascontiguousarray(np.concatenate([k.weights for k in kernels])[order]), order, target)


def _run_convs(kernels: list[_Kernel], env, columns: dict) -> None:
    """The conv kernels of one column (same input slice, same spatial range): one im2col, one GEMM.

    Grouped convolutions run kernel by kernel; the rest stack the cores'
    weight shares in channel order (each core's channels may be several
    runs), once per device (`columns` caches the stack), which is exactly
    each core's computation done side by side.
    """
    p = kernels[0].params
    x, y = env[kernels[0].roots["input"]], env[kernels[0].roots["output"]]
    nhwc = p["layout"] == "nhwc"
    x = x.transpose(0, 3, 1, 2) if nhwc else x
    y_nchw = y.transpose(0, 3, 1, 2) if nhwc else y  # a view: writes land in y
    top, left, bottom, right = p["padding"]
    sh, sw = p["strides"]
    dh, dw = p["dilations"]
    cout, cin_g, kh, kw = p["weight_shape"]
    s0, s1 = p["spatial"]
    oh, ow = y_nchw.shape[2:]
    rows, cols = (range(oh), range(s0, s1)) if p["spatial_dim"] == "width" else (range(s0, s1), range(ow))
    r_in = slice(rows.start * sh, (rows.stop - 1) * sh + (kh - 1) * dh + 1)
    c_in = slice(cols.start * sw, (cols.stop - 1) * sw + (kw - 1) * dw + 1)
    window = _padded_window(x, (top, bottom, left, right), r_in, c_in).astype(y.dtype, copy=False)
    n = x.shape[0]
    groups = p["groups"]
    out_shape = (len(rows), len(cols))
    if groups == 1:
        key = (s0, s1)
        if key not in columns:
            columns[key] = _column_weights(kernels)
        column = columns[key]
        out = conv_canonical(window.reshape(n, 1, *window.shape[1:]), column.weights[None], (sh, sw), (dh, dw),
                             out_shape).reshape(n, -1, *out_shape)
        bias = None
        if "bias" in kernels[0].roots:
            bias = np.concatenate([env[k.roots["bias"]].reshape(-1) for k in kernels])[column.order]
        y_nchw[:, column.channels, rows.start:rows.stop, cols.start:cols.stop] = _epilogue(out, bias, p["activation"], 1)
        return
    per_group = cout // groups
    for kernel in kernels:
        lo, hi = kernel.params["channels"][0], kernel.params["channels"][-1]
        g0, g1 = lo // per_group, -(-hi // per_group)
        weights = np.zeros(((g1 - g0) * per_group, cin_g, kh, kw), y.dtype)
        weights[_channel_index(kernel.params, g0 * per_group)] = kernel.weights
        part = window[:, g0 * cin_g:g1 * cin_g]
        out = conv_canonical(
            part.reshape(n, g1 - g0, cin_g, *part.shape[2:]), weights.reshape(g1 - g0, per_group, cin_g, kh, kw),
            (sh, sw), (dh, dw), out_shape,
        ).reshape(n, (g1 - g0) * per_group, *out_shape)
        core_out = np.ascontiguousarray(out[:, _channel_index(kernel.params, g0 * per_group)])
        bias = env[kernel.roots["bias"]] if "bias" in kernel.roots else None
        y_nchw[:, kernel.channel_index, rows.start:rows.stop, cols.start:cols.stop] = _epilogue(
            core_out, bias, kernel.params["activation"], 1)


def _padded_window(x: np.ndarray, padding, r_in: slice, c_in: slice) -> np.ndarray:
    """``pad(x)[:, :, r_in, c_in]`` (padded coordinates) without padding the whole input."""
    top, bottom, left, right = padding
    n, c, h, w = x.shape
    out_h, out_w = r_in.stop - r_in.start, c_in.stop - c_in.start
    r0, c0 = r_in.start - top, c_in.start - left
    r_lo, c_lo = max(r0, 0), max(c0, 0)
    src_r = slice(r_lo, max(min(r0 + out_h, h), r_lo))  # empty when the window lies in the padding
    src_c = slice(c_lo, max(min(c0 + out_w, w), c_lo))
    if src_r.start == r0 and src_c.start == c0 and src_r.stop - r0 == out_h and src_c.stop - c0 == out_w:
        return x[:, :, src_r, src_c]
    window = np.zeros((n, c, out_h, out_w), x.dtype)
    if src_r.stop > src_r.start and src_c.stop > src_c.start:
        window[:, :, src_r.start - r0:src_r.stop - r0, src_c.start - c0:src_c.stop - c0] = x[:, :, src_r, src_c]
    return window


def _dense_share(kernel: _Kernel, env, dtype) -> np.ndarray:
    return np.ascontiguousarray(_share(kernel, env).to_dense(), dtype=dtype)


@impl("aie.device")
def device(interp, op, args):
    decoded = interp.static(op, _decode)
    env = interp.env
    columns: dict[tuple, list[_Kernel]] = {}
    shares: dict[ir.Value, np.ndarray] = {}
    for kernel in decoded.kernels:
        if kernel.weights is None:
            share = kernel.share_key
            if share not in shares:
                shares[share] = _dense_share(kernel, env, env[kernel.roots["output"]].dtype)
            kernel.weights = shares[share]
        if kernel.matmul:
            _run_matmul(kernel, env, kernel.weights)
        else:
            columns.setdefault(tuple(kernel.params["spatial"]), []).append(kernel)
    for kernels in columns.values():
        _run_convs(sorted(kernels, key=lambda k: k.params["channels"][0]), env, decoded.columns)
    return ()


# ----------------------------------------------------------------------------- cost


@dataclass
class DeviceCost:
    """The per-core and per-memtile breakdown behind a device's `LayerReport`."""

    compute: dict[tuple[int, int], float] = field(default_factory=dict)
    dma_in: dict[tuple[int, int], float] = field(default_factory=dict)
    dma_out: dict[tuple[int, int], float] = field(default_factory=dict)
    calls: dict[tuple[int, int], int] = field(default_factory=dict)
    memtile: dict[int, float] = field(default_factory=dict)
    ddr: float = 0.0
    macs: dict[tuple[int, int], int] = field(default_factory=dict)
    macs_dense: int = 0
    traffic: dict[str, int] = field(default_factory=lambda: {"L3": 0, "L2": 0, "L1": 0})
    weights: int = 0


def _positions(kernel: _Kernel) -> int:
    """Output positions of a kernel's work unit (rows of a matmul; batch x pixels of a convolution)."""
    p = kernel.params
    s0, s1 = p["spatial"]
    if kernel.matmul:
        return s1 - s0
    out = ir.ShapedType(kernel.roots["output"].type).shape
    oh, ow = (out[1], out[2]) if p["layout"] == "nhwc" else (out[2], out[3])
    return out[0] * (s1 - s0) * (oh if p["spatial_dim"] == "width" else ow)


def _constant_of(value: ir.Value) -> np.ndarray:
    """The array behind an L3 ``bufferization.to_buffer`` of an ``arith.constant``."""
    owner = value.owner
    if isinstance(owner, ir.OpView) and owner.operation.name == "bufferization.to_buffer":
        source = owner.operands[0].owner
        if isinstance(source, ir.OpView) and source.operation.name == "arith.constant":
            return np.asarray(ir.DenseElementsAttr(source.attributes["value"])).reshape(
                ir.ShapedType(source.results[0].type).shape)
    raise InterpreterError("a kernel's weight buffer must come from a constant in host memory", op_name="aie.device")


def device_cost(decoded: _Device) -> DeviceCost:
    """Cycles and bytes of a device program (see the module docstring)."""
    t, dtype = decoded.target, decoded.dtype
    clock = t.clock_hz
    result = DeviceCost()
    stream_in = t.core_dma_in_channels * t.stream_bytes_per_cycle
    stream_out = t.core_dma_out_channels * t.stream_bytes_per_cycle
    mem_read: dict[int, int] = {}
    mem_write: dict[int, int] = {}
    ddr_read: dict[int, int] = {}
    ddr_write: dict[int, int] = {}
    multicast: set[tuple] = set()
    for transfer in decoded.transfers:
        src, dst = transfer.src_end, transfer.dst_end
        width = src.width
        nbytes = math.prod(transfer.sizes) * transfer.repeat * width
        # The same box of one buffer streamed identically to several tiles is one
        # multicast stream (the stream switch broadcasts it): it is read once.
        stream_key = (transfer.src, transfer.src_offsets, transfer.sizes, transfer.repeat)
        first_read = src.level == "L1" or stream_key not in multicast
        multicast.add(stream_key)
        if first_read:
            result.traffic[src.level] += nbytes
        if dst.level != src.level or src.level != "L2":
            result.traffic[dst.level] += nbytes
        # the column an end is in: its tile's, or for host memory the other end's
        src_column = (src.tile or dst.tile)[0]
        dst_column = (dst.tile or src.tile)[0]
        if dst.level == "L1":
            result.dma_in[dst.tile] = (result.dma_in.get(dst.tile, 0.0) + nbytes / stream_in
                                       + transfer.repeat * t.dma_setup_cycles)
        if src.level == "L1":
            result.dma_out[src.tile] = (result.dma_out.get(src.tile, 0.0) + nbytes / stream_out
                                        + transfer.repeat * t.dma_setup_cycles)
        if src.level == "L2" and first_read:
            mem_read[src_column] = mem_read.get(src_column, 0) + nbytes
        if dst.level == "L2":
            mem_write[dst_column] = mem_write.get(dst_column, 0) + nbytes
        if src.level == "L3" and first_read:
            ddr_read[src_column] = ddr_read.get(src_column, 0) + nbytes
            result.weights += nbytes if src.constant else 0
        if dst.level == "L3":
            ddr_write[dst_column] = ddr_write.get(dst_column, 0) + nbytes
    for column in set(mem_read) | set(mem_write):
        read = mem_read.get(column, 0) / (t.memtile_read_bytes_per_s / clock)
        write = mem_write.get(column, 0) / (t.memtile_write_bytes_per_s / clock)
        result.memtile[column] = max(read, write)
    result.ddr = ddr_cycles(t, ddr_read, ddr_write)
    shares: dict = {}  # share key -> its data, from the kernel's L3 constants
    for kernel in decoded.kernels:
        p = kernel.params
        share = kernel.share_key
        positions = _positions(kernel)
        result.macs_dense += _channel_count(p) * math.prod(p["weight_shape"][1:]) * positions
        core = kernel.core  # a core may run several work units (two phases): they add up
        result.calls[core] = result.calls.get(core, 0) + p["calls"]
        if share not in shares:
            shares[share] = _constant_share(kernel)
        data = shares[share]
        index_passes = p["output_tiles"] // p["channel_groups"]
        loads = 1 if p["weight_resident"] else index_passes
        result.macs[core] = result.macs.get(core, 0) + data.format.macs_per_position(data) * positions
        result.compute[core] = (result.compute.get(core, 0.0)
                                + data.format.compute_cycles(data, positions, index_passes, loads, t, dtype)
                                + p["calls"] * t.kernel_call_overhead_cycles)
    return result


def _constant_share(kernel: _Kernel):
    """A kernel's weight share, from its L3 constants (`_share` on their arrays)."""
    return _share(kernel, _ConstantRoots())


class _ConstantRoots:
    """Reads a kernel's L3 roots as the constants behind them (`_constant_of`), like an interpreter env."""

    def __getitem__(self, value: ir.Value) -> np.ndarray:
        return _constant_of(value)


def _core_cycles(cost_: DeviceCost, core) -> float:
    compute = cost_.compute.get(core, 0.0)
    dma_in, dma_out = cost_.dma_in.get(core, 0.0), cost_.dma_out.get(core, 0.0)
    calls = max(cost_.calls.get(core, 1), 1)
    return max(compute, dma_in, dma_out) + (dma_in + dma_out) / calls


def _layer_cycles(t: targets.Target, breakdown: DeviceCost) -> float:
    """A device's cycles: its slowest core or memory tile, with DDR (module docstring)."""
    core_time = max((_core_cycles(breakdown, c) for c in breakdown.compute), default=0.0)
    array_time = max(core_time, max(breakdown.memtile.values(), default=0.0))
    return max(array_time, breakdown.ddr) if t.ddr_transfers_overlap else array_time + breakdown.ddr


def device_cycles(op) -> float:
    """Cycles of an ``aie.device`` op by the cost model (bsparse-to-aie compares work splits with it)."""
    decoded = _decode(op)
    return _layer_cycles(decoded.target, device_cost(decoded))


@cost("aie.device")
def _device_layer(op, model: CostModel) -> LayerReport:
    decoded = model.interpreter.static(op, _decode) if model.interpreter else _decode(op)
    breakdown = device_cost(decoded)
    t = decoded.target
    if model.device is None:
        model.device = (t, decoded.dtype)
    cores = sorted(breakdown.compute)
    memtile_time = max(breakdown.memtile.values(), default=0.0)
    cycles = _layer_cycles(t, breakdown)
    compute_time = max(breakdown.compute.values(), default=0.0)
    movement = max(max(breakdown.dma_in.values(), default=0.0), max(breakdown.dma_out.values(), default=0.0),
                   memtile_time, breakdown.ddr)
    macs = sum(breakdown.macs.values())
    loads = list(breakdown.macs.values())
    mean = sum(loads) / len(loads) if loads else 0.0
    kind = "matmul" if decoded.kernels and decoded.kernels[0].matmul else "conv2d"
    peak = t.num_cores * t.macs_per_cycle_for(decoded.dtype, allow_emulated=True)
    return LayerReport(
        name=layer_label(op, kind, model.next_index()), kind=kind, cycles=int(math.ceil(cycles)), macs=macs,
        macs_dense=breakdown.macs_dense, traffic=dict(breakdown.traffic), weight_traffic=breakdown.weights,
        utilization=macs / (cycles * peak) if cycles and peak else 0.0,
        imbalance=max(loads) / mean if mean else 1.0,
        bound="compute" if compute_time >= movement else "movement", cores=len(cores),
    )
