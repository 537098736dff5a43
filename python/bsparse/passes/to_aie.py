"""bsparse-to-aie: each packed layer becomes a program of the AIE-like array (the `aie` dialect).

A rewrite pattern per layer kind (`lower_matmul`, `lower_conv`, run by the
greedy driver) reads the layer's geometry and calls the same three steps:

1. **host side** (IR): the input as a host buffer (``bufferization.to_buffer``)
   in DDR, or in the memory tiles when it stays on chip (`bsparse.residency`);
   each core row's share of the packed weight as host constants (its values
   and its index as its format's encoding holds them: BSR ``row_ptr`` rebased
   to the share and ``col_idx``; an indexed format's index arrays as one byte
   string, ``i8``, `bsparse.patterns.indexed.index_bytes_of`) and bias (a
   weight read by several layers, such as a recurrent weight over its time
   steps, in the memory tiles instead, put there once before its first user:
   `resident_weights`); the
   output (``memref.alloc``, read back with ``bufferization.to_tensor``);
2. **plan** (plain Python, `bsparse.passes._aie_plan.plan_device`): tiles,
   L2 staging, per-core L1 buffers, DMA transfers and kernel calls with
   their typed `bsparse.dialects.kernel.KernelParams`, as a
   `bsparse.plan.DevicePlan`. The work split is the layer's
   ``bsparse.partition`` (bsparse-partition; made here on the fly for the
   target when missing or made for another target). With two phases (the
   partition's ``phase_order``) the layer is planned both ways and the plan
   the cost model finds faster (`bsparse.cost.device.device_cycles`) is kept:
   plans are compared, never emitted IR;
3. **emit** (`emit_device`): the plan as an ``aie.device`` with the
   dialect's op classes, in a fixed order: tiles, buffers, DMAs, then each
   core with its kernel calls (``aie.matmul_bsr`` / ``aie.conv2d_bsr`` for
   BSR, ``aie.matmul_sparse`` / ``aie.conv2d_sparse`` for indexed formats).

A structured op on activations (`STRUCTURED_OPS`: elementwise, reductions,
pooling, transposes, a contraction of two activations) goes the same way with
`lower_structured`: its nest (`structured_nest`) planned by
`bsparse.passes._structured.plan_nest` on the fewest cores that run it within
`FEWER_CORES_SLACK` of the fastest core count, emitted as ``aie.generic`` kernels. An input that
is a static slice of another tensor is read from that tensor by the kernels'
DMAs (`structured_operands`): the slice is never copied.
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
from bsparse.cost.device import device_cycles
from bsparse.cost.host import host_ops
from bsparse.cost.payload import payload_of
from bsparse.dialects.aie import (GENERIC_INPUTS, GENERIC_OUTPUTS, BufferOp, Conv2dBsrOp, Conv2dSparseOp, CoreOp, DeviceOp, DmaOp, GenericOp, IndexOp, MatmulBsrOp,
                                  MatmulSparseOp, TileOp, YieldOp)
from bsparse.dialects.bsparse import HOST_ATTRIBUTE, UNPACKED_ATTRIBUTE, Conv2dOp, MatmulOp, packed_type
from bsparse.dtypes import COSTED_DTYPES, DEFAULT_DTYPE
from bsparse.errors import BsparseError, OptionError
from bsparse.irutil import numpy_to_dense, reassociation, static_slice
from bsparse.packed import PACKED_OPS, weight_data
from bsparse.passes._aie_plan import Layer, Share, host_names, matmul_layer, plan_device, runs_of
from bsparse.passes._match import defining_op, indexing_maps
from bsparse.passes._structured import Nest, access_of, footprint, form_expr, plan_nest
from bsparse.passes._structured import host_names as structured_names
from bsparse.passes._tiling import Axis
from bsparse.passes.base import Pass, option, parse_bool, parse_dtype, parse_target, report_ops
from bsparse.passes.partition import ATTRIBUTE, Partition, may_interleave, partition_layer
from bsparse.patterns.indexed import index_bytes_of
from bsparse.plan import Buffer, DevicePlan, host_buffer
from bsparse.residency import L2_MEMORY_SPACE, plan_residency, tensor_level
from bsparse.semantics.structured import linear_form

__all__ = ["STRUCTURED_OPS", "ToAiePass", "emit_device", "lower_conv", "lower_matmul", "lower_structured", "patterns",
           "Read", "resident_weights", "structured_nest", "structured_operands", "structured_plan"]


def _i64(value: int) -> ir.IntegerAttr:
    return ir.IntegerAttr.get(ir.IntegerType.get_signless(64), int(value))


def _array(values) -> ir.DenseI64ArrayAttr:
    return ir.DenseI64ArrayAttr.get([int(v) for v in values])


def _memref(shape, elt: ir.Type, space: int | None = None) -> ir.MemRefType:
    memory_space = None if space is None else ir.IntegerAttr.get(ir.IntegerType.get_signless(64), space)
    return ir.MemRefType.get([int(d) for d in shape], elt, memory_space=memory_space)


# ----------------------------------------------------------------------------- host side


def _host_constant(array: np.ndarray, elt: ir.Type, loc: ir.Location) -> ir.Value:
    """An L3 buffer holding a constant (a share of a packed weight, a bias)."""
    shape = list(array.shape)
    value = arith.ConstantOp(ir.RankedTensorType.get(shape, elt), numpy_to_dense(array, elt), loc=loc).result
    return _to_buffer(value, loc)


def _to_buffer(value: ir.Value, loc: ir.Location, space: int | None = None) -> ir.Value:
    ty = ir.RankedTensorType(value.type)
    return bufferization.ToBufferOp(_memref(ty.shape, ty.element_type, space), value, read_only=True, loc=loc).result


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


def _values_array(sub) -> np.ndarray:
    """A share's stored entries (one zero entry when it stores none)."""
    return sub.values.astype(np.float32) if sub.stored else np.zeros((1, *sub.values.shape[1:]), np.float32)


def _bsr_arrays(sub) -> dict[str, tuple[np.ndarray, str]]:
    cols = sub.col_idx if sub.nnzb else np.zeros(1, np.int64)
    return {"values": (_values_array(sub), "data"), "row_ptr": (sub.row_ptr, "index"), "col_idx": (cols, "index")}


def _indexed_arrays(sub) -> dict[str, tuple[np.ndarray, str]]:
    raw = index_bytes_of(sub)
    raw = raw if raw.size else np.zeros(1, np.uint8)
    return {"values": (_values_array(sub), "data"), "index": (raw.view(np.int8), "bytes")}


_SHARE_ARRAYS = {"bsr": _bsr_arrays, "indexed": _indexed_arrays}
"""Format encoding -> the host arrays of a share, each with its buffer kind (`bsparse.plan.Buffer.kind`):
its values and index, as the kernels read them (named as `bsparse.passes._aie_plan.WEIGHT_STREAMS` lists
them)."""


def _kind_type(kind: str, elt: ir.Type) -> ir.Type:
    """The element type of a buffer of `kind` (`bsparse.plan.Buffer.kind`); `elt` for data."""
    return {"data": elt, "index": ir.IntegerType.get_signless(64), "bytes": ir.IntegerType.get_signless(8)}[kind]


def _share_constants(sub, prefix: str, elt: ir.Type, loc, space: int | None = None) -> dict[str, ir.Value]:
    """The host buffers of a share's constants (`_SHARE_ARRAYS`), named ``<prefix>.<name>``: in DDR, or in
    the memory tiles (`space`) for a weight resident across its layers."""
    found = {}
    for name, (array, kind) in _SHARE_ARRAYS[sub.format.ENCODING](sub).items():
        ty = _kind_type(kind, elt)
        value = arith.ConstantOp(ir.RankedTensorType.get(list(array.shape), ty), numpy_to_dense(array, ty), loc=loc)
        found[f"{prefix}.{name}"] = _to_buffer(value.result, loc, space)
    return found


def _shares(data, bias: ir.Value | None, partition: Partition, target: targets.Target, elt: ir.Type,
            loc, resident: "Resident | None" = None) -> tuple[list[Share], dict[str, ir.Value]]:
    """Each core row's share, and the host values of their constants by plan name (`host_names`); a
    resident weight's constants are staged in the memory tiles once, before its first user."""
    fmt = data.format
    r = fmt.row_unit(target)
    shares, values = [], {}
    stage = resident is not None and not resident.staged
    for i, rows in enumerate(partition.row_sets):
        block_runs = tuple(runs_of(rows))
        channel_runs = tuple((first * r, min(end * r, data.shape[0])) for first, end in block_runs)
        sub = fmt.share(data, rows, target)
        shares.append(Share(block_runs, channel_runs, sub, bias is not None))
        if resident is None:
            values.update(_share_constants(sub, f"share{i}", elt, loc))
        elif stage:
            with ir.InsertionPoint(resident.first_user):
                resident.staged.update(_share_constants(sub, f"share{i}", elt, resident.location, L2_MEMORY_SPACE))
        if bias is not None:
            values[f"share{i}.bias"] = _bias_share(bias, channel_runs, loc)
    if resident is not None:
        values.update(resident.staged)
    return shares, values


# ----------------------------------------------------------------------------- emit


_KERNEL_OPS = {("matmul", "bsr"): MatmulBsrOp, ("conv2d", "bsr"): Conv2dBsrOp,
               ("matmul", "indexed"): MatmulSparseOp, ("conv2d", "indexed"): Conv2dSparseOp}
"""(layer kind, format encoding) -> the kernel op class."""


def emit_device(plan: DevicePlan, host: dict[str, ir.Value], elt: ir.Type, payload=None,
                maps: list[ir.AffineMap] | None = None) -> DeviceOp:
    """Writes `plan` as an ``aie.device`` at the insertion point: tiles, buffers, DMAs, then the cores
    with their kernel calls; `host` maps the plan's host buffer names to their values, `elt` is the
    element type of data buffers, `payload` the structured op whose payload generic kernels copy and
    `maps` the maps they read their host buffers through (default: the payload op's)."""
    device = DeviceOp(ir.StringAttr.get(plan.target.name), ir.StringAttr.get(plan.dtype))
    with ir.InsertionPoint(device.regions[0].blocks.append()):
        used = sorted({b.tile for b in plan.buffers if b.tile is not None})
        tiles = {tile: TileOp(_i64(tile[0]), _i64(tile[1]), ir.IndexType.get()).result for tile in used}
        elements = _data_elements(plan, host)
        values = [host[b.name] if b.tile is None else
                  BufferOp(ir.StringAttr.get(b.level), _memref(b.shape, elements.get(k) or _kind_type(b.kind, elt)),
                           tile=tiles[b.tile]).result
                  for k, b in enumerate(plan.buffers)]
        for dma in plan.dmas:
            DmaOp(values[dma.src], values[dma.dst], _array(dma.src_offsets), _array(dma.dst_offsets),
                  _array(dma.sizes), _i64(dma.repeat))
        loops = _loop_attrs(payload, maps) if payload is not None else None  # the same for every core
        cores: dict[tuple[int, int], list] = {}
        for call in plan.kernels:
            cores.setdefault(call.core, []).append(call)
        for core, calls in cores.items():
            core_op = CoreOp(tiles[core])
            with ir.InsertionPoint(core_op.regions[0].blocks.append()):
                for call in calls:
                    operands = {name: values[buffer] for name, buffer in call.operands}
                    if call.kind == "generic":
                        _emit_generic(call, operands, payload, loops)
                        continue
                    bias = operands.pop("bias", None)
                    _KERNEL_OPS[call.kind, call.encoding](*operands.values(), call.params.to_attr(), bias=bias)
    return device


def _data_elements(plan: DevicePlan, host: dict[str, ir.Value]) -> dict[int, ir.Type]:
    """The element type of each tile buffer of a generic kernel's plan: its host buffer's, which the DMAs
    feed it from or drain it to (its operands may mix types: an ``f32`` input, an ``f64`` output)."""
    found = {}
    for call in plan.kernels:
        if call.kind != "generic":
            continue
        for _, buffer in call.operands:
            for direction in ("feeds", "drains"):
                try:
                    root = plan.root(buffer, direction)
                except ValueError:
                    continue
                found[buffer] = ir.MemRefType(host[plan.buffers[root].name].type).element_type
    return found


def _loop_attrs(source, maps: list[ir.AffineMap] | None = None) -> tuple[ir.ArrayAttr, ir.ArrayAttr]:
    """`maps` (default: `source`'s indexing maps) and `source`'s iterator kinds as the attributes of an
    ``aie.generic``."""
    maps = ir.ArrayAttr.get([ir.AffineMapAttr.get(m) for m in (maps or indexing_maps(source))])
    return maps, ir.ArrayAttr.get([ir.StringAttr.get("reduction" if r else "parallel") for r in _reductions(source)])


def _emit_generic(call, operands: dict[str, ir.Value], source, loops: tuple[ir.ArrayAttr, ir.ArrayAttr]) -> None:
    """An ``aie.generic`` at the insertion point: `loops` (`source`'s maps and iterators, `_loop_attrs`) and
    a copy of `source`'s payload (ended by ``aie.yield``) over the call's L1 buffers."""
    kernel = GenericOp(*loops, call.params.to_attr(), **operands)  # named input<i> / output<j>
    copy = source.operation.clone(ir.InsertionPoint(kernel))
    copy.regions[0].blocks[0].append_to(kernel.regions[0])
    copy.erase()
    block = kernel.regions[0].blocks[0]
    for inner in list(block.operations):  # linalg.index must sit in a linalg op: aie.index reads the same loop
        if inner.name == "linalg.index":
            with ir.InsertionPoint(inner):
                index = IndexOp(inner.attributes["dim"], ir.IndexType.get())
            inner.result.replace_all_uses_with(index.result)
            inner.erase()
    terminator = list(block.operations)[-1]
    with ir.InsertionPoint(terminator):
        YieldOp(**{f"value{j}": v for j, v in enumerate(terminator.operands)})
    terminator.erase()


# ----------------------------------------------------------------------------- patterns


def _conv_layer(op, weight_shape, partition: Partition) -> Layer:
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
    return Layer("conv2d", layout, x[0], x, y, x[3] if layout == "nhwc" else x[1], weight_shape[0],
                  ir.IntegerAttr(attrs["groups"]).value, stream, across, partition.spatial_dim,
                  padding[1] if partition.spatial_dim == "width" else padding[0])



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


def _space(value: ir.Value) -> int | None:
    """The memory space of an activation's host buffer: the memory tiles when it stays on chip
    (`bsparse.residency`)."""
    return L2_MEMORY_SPACE if tensor_level(value) == "L2" else None


def _best_plan(layer: Layer, partition: Partition, shares: list[Share], host: list, common: dict,
               target: targets.Target, dtype: str) -> DevicePlan:
    """The plan of the layer's partition; with two phases (bsparse-partition's ``phase_order``), which
    balance compute but halve each core's L1 budgets and double its calls, the cheaper of it and one
    phase (one phase when two do not fit)."""
    plan = None
    if partition.phase_order:
        try:
            plan = plan_device(layer, partition, shares, host, common, target, dtype)
        except BsparseError:
            plan = None  # two phases do not fit: one phase
        partition = dataclasses.replace(partition, phase_order=())
    single = plan_device(layer, partition, shares, host, common, target, dtype)
    return plan if plan is not None and device_cycles(plan) <= device_cycles(single) else single


def _lower(op, rewriter, target: targets.Target, dtype: str, layer_of, residents: dict) -> bool:
    """Replaces bsparse layer `op` by its host side and device program (module docstring); `layer_of`
    gives ``(layer, common params, device input)`` for the op's kind, `residents` the weights kept in
    the memory tiles (`resident_weights`). True: no match."""
    packed = defining_op(op.weight)
    if packed is None or packed.operation.name not in PACKED_OPS:
        return True
    data = weight_data(packed)
    elt = packed_type(op.weight, "weight").value_type
    partition = _partition(op, data, target)
    loc = op.location
    result_type = ir.RankedTensorType(op.result.type)
    with rewriter.ip, loc:
        layer, common, x = layer_of(op, tuple(data.shape), partition)
        host = {"input": _to_buffer(x, loc, _space(op.input)),
                "output": memref.AllocOp(_memref(layer.out_shape, result_type.element_type,
                                                 _space(op.result)), [], []).result}
        if op.residual is not None:  # a matmul's leading dims flattened like its input
            layer = dataclasses.replace(layer, residual=True)
            residual = _rows(op.residual) if layer.kind == "matmul" else op.residual
            host["residual"] = _to_buffer(residual, loc, _space(op.residual))
        held = residents.get(weight_key(op))
        if held is not None and held.row_sets != partition.row_sets:
            held = None  # another split of the weight than the one staged: this layer streams its own
        shares, constants = _shares(data, op.bias, partition, target, elt, loc, held)
        host.update(constants)
        probe = DevicePlan(target, dtype)
        buffers = [probe.buffers[host_buffer(probe, host[name], name)] for name in host_names(shares, layer.residual)]
        try:
            plan = _best_plan(layer, partition, shares, buffers, common, target, dtype)
        except BsparseError as err:
            err.ir_location = loc  # reported at the layer, not at the module
            raise
        emit_device(plan, host, elt)
        y = bufferization.ToTensorOp(ir.RankedTensorType.get(list(layer.out_shape), result_type.element_type),
                                     host["output"], restrict=True).result
        if tuple(result_type.shape) != layer.out_shape:  # a matmul's leading dims, flattened for the device
            rank = len(result_type.shape)
            y = tensor.ExpandShapeOp(result_type, y, [list(range(rank - 1)), [rank - 1]], [], list(result_type.shape)).result
    rewriter.replace_op(op, [y])
    return False


def _matmul_of(op, weight_shape, partition: Partition):
    x = op.input
    result_type = ir.RankedTensorType(op.result.type)
    layer = matmul_layer(list(ir.ShapedType(x.type).shape), list(result_type.shape))
    return layer, {"weight_shape": weight_shape, "activation": ir.StringAttr(op.attributes["activation"]).value}, \
        _rows(x)


def _rows(value: ir.Value) -> ir.Value:
    """A matmul's ``[..., C]`` operand as the device sees it: ``[rows, C]``, its leading dims collapsed."""
    ty = ir.RankedTensorType(value.type)
    rank = len(ty.shape)
    if rank == 2:
        return value
    flat = ir.RankedTensorType.get([int(np.prod(ty.shape[:-1])), ty.shape[-1]], ty.element_type)
    return tensor.CollapseShapeOp(flat, value, [list(range(rank - 1)), [rank - 1]]).result


def _conv_of(op, weight_shape, partition: Partition):
    a = op.attributes
    common = {"weight_shape": weight_shape, "activation": ir.StringAttr(a["activation"]).value,
              "strides": tuple(ir.DenseI64ArrayAttr(a["strides"])), "padding": tuple(ir.DenseI64ArrayAttr(a["padding"])),
              "dilations": tuple(ir.DenseI64ArrayAttr(a["dilations"])), "groups": ir.IntegerAttr(a["groups"]).value,
              "layout": ir.StringAttr(a["layout"]).value}
    return _conv_layer(op, weight_shape, partition), common, op.input


def lower_matmul(op, rewriter, target: targets.Target, dtype: str, residents: dict | None = None) -> bool:
    """``bsparse.matmul`` on a packed weight -> host side + ``aie.device`` (a rank > 2 input is flattened)."""
    return _lower(op, rewriter, target, dtype, _matmul_of, residents or {})


def lower_conv(op, rewriter, target: targets.Target, dtype: str, residents: dict | None = None) -> bool:
    """``bsparse.conv2d`` on a packed weight -> host side + ``aie.device``."""
    return _lower(op, rewriter, target, dtype, _conv_of, residents or {})


# ----------------------------------------------------------------------------- weights resident across layers


@dataclass
class Resident:
    """A packed weight kept in the memory tiles across the layers that use it (`resident_weights`): split
    among the core rows as `row_sets`, `bytes` of share constants, staged before `first_user` at
    `location` (the packed weight's and the first user's); once staged, the L2 host buffers of its
    shares' constants by plan name."""

    first_user: ir.OpView
    location: ir.Location
    row_sets: tuple
    bytes: int
    staged: dict[str, ir.Value] = dataclasses.field(default_factory=dict)


def _layers_on_packed(module: ir.Operation) -> list[ir.OpView]:
    """The bsparse layers on a packed weight, in program order."""
    found = []

    def visit(op: ir.Operation) -> ir.WalkResult:
        if op.name in ("bsparse.matmul", "bsparse.conv2d"):
            packed = defining_op(op.operands[1])  # the weight
            if packed is not None and packed.operation.name in PACKED_OPS:
                found.append(op.opview)
        return ir.WalkResult.ADVANCE

    module.walk(visit, ir.WalkOrder.PRE_ORDER)
    return found


def weight_key(layer) -> tuple | None:
    """What identifies the packed weight of bsparse layer `layer` among the weights a function can keep
    resident: the function and the packing op's name and attributes (two packings of one constant are
    one weight; two functions each load their own). None for a layer nested in a region of the function
    (a staged weight must dominate all its users)."""
    parent = layer.operation.parent
    if parent is None or parent.name != "func.func":
        return None
    op = defining_op(layer.operands[1]).operation
    return ir.StringAttr(parent.attributes["sym_name"]).value, op.name, tuple((name, op.attributes[name])
                                                                                for name in op.attributes)


def _stored_bytes(shares, target: targets.Target, dtype: str) -> int:
    """Bytes of the host constants of weight shares (`_SHARE_ARRAYS`) at the plan's element widths."""
    width = {"data": COSTED_DTYPES[dtype], "index": target.block_index_bytes, "bytes": 1}
    return sum(array.size * width[kind] for sub in shares
               for array, kind in _SHARE_ARRAYS[sub.format.ENCODING](sub).values())


def resident_weights(module: ir.Operation, target: targets.Target, dtype: str) -> dict[tuple, Resident]:
    """The packed weights that stay in the memory tiles across the layers that use them (a recurrent
    weight over its time steps, a tied weight): read from DDR once, where their first user is. Keyed
    by `weight_key`.

    A weight used by two layers or more, split the same way for each, is a
    candidate; candidates are taken in order of first use while, at every layer
    between a candidate's first and last use, the weights resident there plus
    the weight staging of that layer (its weight's bytes, up to the share)
    fit the memory tiles' weight share (``l2_bytes // l2_shares`` of each
    memory tile, the part a layer stages its core rows' weights in). A
    resident weight's layers read it from the memory tiles instead of
    staging it from DDR. Targets without memory tiles keep none.
    """
    if not target.memtile_rows:
        return {}
    layers = _layers_on_packed(module)
    capacity = target.num_memtiles * (target.l2_bytes // target.l2_shares)
    keys = [weight_key(op) for op in layers]
    uses: dict[tuple, list[int]] = {}
    for position, key in enumerate(keys):
        uses.setdefault(key, []).append(position)
    uses.pop(None, None)
    data = {key: weight_data(defining_op(layers[positions[0]].operands[1])) for key, positions in uses.items()}
    staging = {key: min(capacity, _stored_bytes([data[key]], target, dtype)) for key in uses}  # L2 while it runs
    staged = [staging[key] if key is not None else
              min(capacity, _stored_bytes([weight_data(defining_op(layers[p].operands[1]))], target, dtype))
              for p, key in enumerate(keys)]
    candidates: dict[tuple, Resident] = {}
    for key, positions in uses.items():
        if len(positions) < 2:
            continue
        try:
            partitions = [_partition(layers[p], data[key], target) for p in positions]
        except BsparseError:
            continue
        row_sets = partitions[0].row_sets
        if any(tuple(map(tuple, p.row_sets)) != tuple(map(tuple, row_sets)) for p in partitions[1:]):
            continue
        shares = [data[key].format.share(data[key], rows, target) for rows in row_sets]
        first = layers[positions[0]]  # its report row: the weight's state_dict key, else the first user's layer
        location = ir.Location.fused([defining_op(first.operands[1]).location, first.location])
        candidates[key] = Resident(first, location, row_sets, _stored_bytes(shares, target, dtype))
    held = [0] * len(layers)  # resident bytes live at each layer
    chosen: dict[tuple, Resident] = {}
    for key, resident in sorted(candidates.items(), key=lambda item: uses[item[0]][0]):
        span = range(uses[key][0], uses[key][-1] + 1)
        if all(held[p] + resident.bytes + (0 if keys[p] == key or keys[p] in chosen else staged[p])
               <= capacity for p in span):
            chosen[key] = resident
            for p in span:
                held[p] += resident.bytes
    return chosen


# ----------------------------------------------------------------------------- structured ops on activations


STRUCTURED_OPS = ("linalg.generic", "linalg.reduce", "linalg.matmul", "linalg.batch_matmul", "linalg.transpose",
                  "linalg.copy", "linalg.broadcast", "linalg.pooling_nchw_max", "linalg.pooling_nchw_sum",
                  "linalg.pooling_nhwc_max", "linalg.pooling_nhwc_sum", "linalg.pooling_nhwc_min",
                  "linalg.pooling_nhwc_max_unsigned", "linalg.pooling_nhwc_min_unsigned")
"""Structured ops bsparse-to-aie puts on the array as ``aie.generic`` kernels (`lower_structured`)."""

_COPY_OPS = ("linalg.transpose", "linalg.copy", "linalg.broadcast")


def _reductions(op) -> list[bool]:
    """Per loop, whether it is a reduction: absent from every output's map."""
    maps = indexing_maps(op)
    used = {e.position for m in maps[len(op.operands) - len(op.results):] for e in m.results
            if isinstance(e, ir.AffineDimExpr)}
    return [k not in used for k in range(maps[0].n_dims)]


def _static_tensor(value: ir.Value) -> bool:
    return isinstance(value.type, ir.RankedTensorType) and ir.RankedTensorType(value.type).has_static_shape


@dataclass(frozen=True)
class Read:
    """An operand of a structured op as its DMAs address it: tensor `value`, seen as `shape` (its own,
    or its axes split as `groups` say, as a ``tensor.expand_shape`` would), through `map`."""

    value: ir.Value
    map: ir.AffineMap
    shape: tuple[int, ...]
    groups: tuple[tuple[int, ...], ...] | None = None


def _own(value: ir.Value, amap: ir.AffineMap) -> Read:
    return Read(value, amap, tuple(ir.ShapedType(value.type).shape) if _static_tensor(value) else ())


def _split_axes(shape, forms, extents) -> tuple[list[int], list[list[int]], list] | None:
    """`shape` with each axis whose form reads several loops split into one axis per loop (mixed radix:
    the form ``32 d1 + d3 + 128`` on an axis of 192 becomes ``d1 + 4`` and ``d3`` on axes of 6 and 32), so
    that a tile's box holds only what it reads: (shape, groups, forms), or None when a form's loops
    overlap or carry into each other over their `extents`."""
    n = len(extents)
    new_shape, groups, new_forms = [], [], []
    for size, (coeffs, const) in zip(shape, forms):
        terms = sorted(((c, k) for k, c in enumerate(coeffs) if c), reverse=True)
        if len(terms) <= 1:
            groups.append([len(new_shape)])
            new_shape.append(size)
            new_forms.append((list(coeffs), const))
            continue
        strides = [c for c, _ in terms]
        if size % strides[0] or any(a <= b or a % b for a, b in zip(strides, strides[1:])):
            return None
        radices = [size // strides[0]] + [a // b for a, b in zip(strides, strides[1:])]
        group, rest = [], const
        for (stride, loop), radix in zip(terms, radices):
            digit, rest = divmod(rest, stride)
            if digit + extents[loop] - 1 >= radix:
                return None
            group.append(len(new_shape))
            new_shape.append(radix)
            new_forms.append(([int(j == loop) for j in range(n)], digit))
        if strides[-1] > 1:  # the elements between a loop's steps
            group.append(len(new_shape))
            new_shape.append(strides[-1])
            new_forms.append(([0] * n, rest))
        groups.append(group)
    return new_shape, groups, new_forms


def _through_slices(read: Read, extents: tuple[int, ...]) -> Read:
    """An input, as the access pattern of the tensor it is a slice of: through each static, rank-keeping
    ``tensor.extract_slice`` (index ``i`` of an axis is ``offset + stride * i`` of its source) and
    ``tensor.expand_shape`` (an axis of the source is its group of axes, each at its stride in the group)
    down to the first op that is neither, the source's axes split where a form reads several loops
    (`_split_axes`). The DMA then reads the slice from its source, box by box: no copy of the slice.
    `read` itself when no slice is on the way (a reshape alone is a view of its buffer already), or when
    reading the source would move more than the slice (a strided slice, whose box has holes)."""
    n = read.map.n_dims
    forms = [linear_form(e, n) for e in read.map.results]
    if any(f is None for f in forms):
        return read
    root, sliced = read.value, False
    while (op := defining_op(root)) is not None:
        name = op.operation.name
        if name == "tensor.expand_shape":
            shape = ir.ShapedType(op.result.type).shape
            merged = []
            for group in reassociation(op):
                coeffs, const, stride = [0] * n, 0, 1
                for axis in reversed(group):
                    coeffs = [a + stride * b for a, b in zip(coeffs, forms[axis][0])]
                    const += stride * forms[axis][1]
                    stride *= shape[axis]
                merged.append((coeffs, const))
            forms = merged
        elif name == "tensor.extract_slice" and (bounds := static_slice(op)) is not None \
                and len(bounds[1]) == len(ir.ShapedType(op.result.type).shape):
            offsets, _, strides = bounds
            forms = [([t * c for c in coeffs], o + t * k) for (coeffs, k), o, t in zip(forms, offsets, strides)]
            sliced = True
        else:
            break
        root = op.operands[0]
    if not sliced or not _static_tensor(root):
        return read
    split = _split_axes(ir.ShapedType(root.type).shape, forms, extents)
    if split is None:
        return read
    shape, groups, forms = split
    amap = ir.AffineMap.get(n, 0, [form_expr(f) for f in forms])
    moved = access_of(amap, shape)
    if moved is None or math.prod(footprint(moved, extents)) > math.prod(footprint(access_of(read.map, read.shape), extents)):
        return read
    own = len(groups) == len(shape)
    return Read(root, amap, tuple(shape), None if own else tuple(tuple(g) for g in groups))


def structured_operands(op, extents: tuple[int, ...] | None = None) -> list[Read]:
    """Per operand of structured op `op` (inputs, then outputs), how its DMAs address it: the operand
    through its own map; given the loop `extents`, an input that is a slice is read from its source
    (`_through_slices`)."""
    maps = indexing_maps(op)
    n_inputs = len(op.operands) - len(op.results)
    reads = [_own(v, m) for v, m in zip(op.operands, maps)]
    if extents is not None:
        reads[:n_inputs] = [_through_slices(r, extents) if r.shape else r for r in reads[:n_inputs]]
    return reads


def structured_nest(op, reads: list[Read] | None = None, extents: tuple[int, ...] | None = None) -> Nest:
    """The loop nest of structured op `op` (`bsparse.passes._structured.Nest`) over `reads`
    (`structured_operands`; default: its own operands and maps); `extents`: its loops' extents, as
    its own operands give them (default: as `reads` give them; a slice's source is larger than the slice).

    Raises:
        BsparseError: why it cannot run as an ``aie.generic``: an operand that is not a static tensor,
            mixed element types, a payload reading loop indices, a gathered (non-affine) or backward
            access, a loop whose extent no operand gives.
    """
    reads = reads if reads is not None else structured_operands(op)
    results = list(op.results)
    if not results or not all(_static_tensor(v) for v in [r.value for r in reads] + results):
        raise BsparseError("an operand or result is not a tensor of static shape")
    if any(not r.shape for r in reads) or any(not ir.RankedTensorType(v.type).shape for v in results):
        raise BsparseError("an operand or result is a scalar (rank 0) tensor, which no DMA box describes")
    block = op.regions[0].blocks[0]
    if len(reads) - len(results) > GENERIC_INPUTS or len(results) > GENERIC_OUTPUTS:
        raise BsparseError(f"it has more than {GENERIC_INPUTS} inputs or {GENERIC_OUTPUTS} outputs")
    if len(block.arguments) != len(reads):
        raise BsparseError("its payload does not take one element per operand")
    n_loops = reads[0].map.n_dims
    accesses = []
    for i, (read, arg) in enumerate(zip(reads, block.arguments)):
        access = access_of(read.map, read.shape, bool(list(arg.uses)))
        if access is None:
            raise BsparseError(f"operand {i} is read through a map a DMA cannot stream ({read.map})")
        accesses.append(access)
    if extents is None:
        extents = []
        for k in range(n_loops):
            unit = tuple(int(j == k) for j in range(n_loops))
            found = [a.shape[axis] for a in accesses for axis, form in enumerate(a.forms) if form == (unit, 0)]
            if not found:
                raise BsparseError(f"no operand gives the extent of loop d{k}")
            extents.append(found[0])
    payload = payload_of(op)
    reduction = _reductions(op)
    if payload.contraction:
        kind = "bmm"
    elif op.name.startswith("linalg.pooling"):
        kind = "pool"
    elif op.name in _COPY_OPS or not payload.vector_ops and not payload.rated:
        kind = "copy"
    else:
        kind = "reduce" if any(reduction) else "elementwise"
    n_inputs = len(reads) - len(results)
    return Nest(kind, tuple(extents), tuple(reduction), tuple(accesses[:n_inputs]), tuple(accesses[n_inputs:]),
                payload)


def _activation_buffer(read: Read, name: str):
    """The plan's host buffer of `read`: in the memory tiles when its tensor stays on chip, a constant's
    reads counted as weight traffic."""
    producer = defining_op(read.value)
    constant = producer is not None and producer.operation.name == "arith.constant"
    return Buffer(None, tensor_level(read.value), read.shape, "data", constant, name)


@dataclass(frozen=True)
class StructuredPlan:
    """A structured op's device plan (`structured_plan`): how its DMAs address its operands
    (`structured_operands`), its nest, the operand behind each host buffer by plan name
    (`structured_names`: the inputs, the initial values the payload reads, the results) and the plan."""

    reads: list[Read]
    nest: Nest
    buffers: dict[str, Read]
    plan: DevicePlan


def _plan_structured(op, reads: list[Read], nest: Nest, target: targets.Target, dtype: str) -> StructuredPlan:
    n_inputs = len(nest.inputs)
    buffers = {f"input{i}": r for i, r in enumerate(reads[:n_inputs])}
    buffers.update({f"init{j}": r for j, r in enumerate(reads[n_inputs:]) if nest.outputs[j].read})
    buffers.update({f"output{j}": _own(v, r.map) for j, (v, r) in enumerate(zip(op.results, reads[n_inputs:]))})
    host = [_activation_buffer(buffers[name], name) for name in structured_names(nest)]
    return StructuredPlan(reads, nest, buffers, _fewest_cores(nest, host, target, dtype))


FEWER_CORES_SLACK = 0.01
"""The fraction of a structured op's cycles on all cores that bsparse-to-aie gives up, at most, to run it
on fewer cores (`_fewest_cores`)."""


def _fewest_cores(nest: Nest, host: list, target: targets.Target, dtype: str) -> DevicePlan:
    """The plan of `nest` on the fewest cores that run it about as fast as the fastest: halving the cores
    from all of them while the cost model's cycles (`device_cycles`) stay within `FEWER_CORES_SLACK` of
    the fewest cycles seen, then the fewest cores within it of those (spreading transfers from DDR over
    every core can be slower than fewer: each is issued by a shim channel). A small op (a gate of one LSTM step, a row
    of a few hundred elements), whose cycles are its kernel call's and its DMAs' fixed costs (on each core
    and on the shim and memory-tile channels that issue its transfers), then keeps a vector's work per
    core instead of a few elements on each of hundreds of cores, and its device is that much smaller to
    build, check and run."""
    first = plan_nest(nest, host, target, dtype)
    tried = [(device_cycles(first), first)]
    fastest = tried[0][0]
    cores = len(first.kernels) // 2
    while cores >= 1:
        fewer = plan_nest(nest, host, target, dtype, cores)
        cycles = device_cycles(fewer)
        if cycles > fastest * (1 + FEWER_CORES_SLACK):
            break
        tried.append((cycles, fewer))
        fastest, cores = min(fastest, cycles), cores // 2
    return next(plan for cycles, plan in reversed(tried) if cycles <= fastest * (1 + FEWER_CORES_SLACK))


def structured_plan(op, target: targets.Target, dtype: str) -> StructuredPlan:
    """`op`'s device plan, its input slices read from their sources (`structured_operands`) when that
    plans, else the slices themselves.

    Raises:
        BsparseError: why it stays on the host (`structured_nest`, `bsparse.passes._structured.plan_nest`).
    """
    plain = structured_operands(op)
    nest = structured_nest(op, plain)
    sliced = structured_operands(op, nest.extents)
    if sliced != plain:
        try:
            return _plan_structured(op, sliced, structured_nest(op, sliced, nest.extents), target, dtype)
        except BsparseError:
            pass  # it does not plan reading the sources: the kernel reads the slices
    return _plan_structured(op, plain, nest, target, dtype)


def lower_structured(op, rewriter, target: targets.Target, dtype: str) -> bool:
    """A structured op on activations (`STRUCTURED_OPS`) -> host buffers + an ``aie.device`` of
    ``aie.generic`` kernels, one per core; ops with an unpacked constant weight stay on the host
    (bsparse-pack said why). True: no match."""
    if UNPACKED_ATTRIBUTE in op.attributes:
        return True
    try:
        planned = structured_plan(op, target, dtype)
    except BsparseError:
        return True  # it stays on the host; ToAiePass.run records why
    loc = op.location
    with rewriter.ip, loc:
        host = {}
        for name, read in planned.buffers.items():
            space, ty = _space(read.value), ir.RankedTensorType(read.value.type)
            if name.startswith("output"):  # a fresh buffer the device writes
                host[name] = memref.AllocOp(_memref(ty.shape, ty.element_type, space), [], []).result
                continue
            value = read.value
            if read.groups is not None:  # the slice's source with its axes split (`_split_axes`): a view
                value = tensor.ExpandShapeOp(ir.RankedTensorType.get(list(read.shape), ty.element_type), value,
                                             [list(g) for g in read.groups], [], list(read.shape)).result
            host[name] = _to_buffer(value, loc, space)
        emit_device(planned.plan, host, ir.RankedTensorType(op.results[0].type).element_type, payload=op,
                    maps=[r.map for r in planned.reads])
        outputs = [bufferization.ToTensorOp(result.type, host[f"output{j}"], restrict=True).result
                   for j, result in enumerate(op.results)]
    rewriter.replace_op(op, outputs)
    return False


def patterns(target: targets.Target, dtype: str, residents: dict | None = None) -> RewritePatternSet:
    """The rewrite patterns of bsparse-to-aie for `target`, costed in `dtype`; `residents`: the weights kept
    in the memory tiles (`resident_weights`)."""
    # Each pattern function returns truthy for "no match".
    rewrites = RewritePatternSet()
    residents = residents or {}
    rewrites.add(MatmulOp, lambda op, rewriter: lower_matmul(op, rewriter, target, dtype, residents))
    rewrites.add(Conv2dOp, lambda op, rewriter: lower_conv(op, rewriter, target, dtype, residents))
    for name in STRUCTURED_OPS:
        rewrites.add(name, lambda op, rewriter: lower_structured(op, rewriter, target, dtype))
    return rewrites


@dataclass(frozen=True)
class ToAiePass(Pass):
    NAME: ClassVar[str] = "bsparse-to-aie"
    SUMMARY: ClassVar[str] = "lower packed layers to aie device programs: L3/L2/L1 buffers, DMA, per-core kernels"

    target: str = option(targets.DEFAULT_TARGET, "target the device programs are for", parse=parse_target)
    dtype: str = option(DEFAULT_DTYPE, f"costed data type ({', '.join(COSTED_DTYPES)})", parse=parse_dtype)
    strict: bool = option(False, "an op left on the host is an error, not a warning", parse=parse_bool)

    def __post_init__(self):
        try:
            targets.get(self.target).macs_per_cycle_for(self.dtype, allow_emulated=True)
        except targets.TargetError as err:
            raise OptionError(str(err)) from None

    def run(self, module: ir.Operation) -> None:
        target = targets.get(self.target)
        plan_residency(module, target, self.dtype)
        residents = resident_weights(module, target, self.dtype)
        apply_patterns_and_fold_greedily(module, patterns(target, self.dtype, residents).freeze())
        for op, _ in host_ops(module):  # why each structured op left stays on the host
            if op.name in STRUCTURED_OPS and UNPACKED_ATTRIBUTE not in op.attributes:
                try:
                    structured_plan(op, target, self.dtype)
                except BsparseError as err:
                    op.attributes[HOST_ATTRIBUTE] = ir.StringAttr.get(err.message)
        # bsparse-pack already said why it left its unpacked weights
        left = [(op, reason) for op, reason in host_ops(module) if UNPACKED_ATTRIBUTE not in op.attributes]
        report_ops(self.NAME, "host op", left, self.strict)
