"""The ``aie`` dialect on numpy: device programs run core by core, costed by `bsparse.cost.device`.

An ``aie.device`` runs when the host program reaches it. It is read once
into its plan (`bsparse.plan.read_device`: buffers, DMA transfers, kernels
with their typed params and weight shares); each kernel then runs once over
its whole work unit, all its tiles at once, vectorised: numerically the
same as the tile loop the DMA streams describe. A kernel reads and writes
host memory through its L1 buffers: each buffer is traced along the DMA
transfers that feed it (or that it feeds) to the host buffer at the end of
the chain, and the work unit says which part of it.

Host memory is numpy arrays: ``memref.alloc`` gives a fresh zeroed array,
``bufferization.to_buffer`` the tensor's array (read only),
``bufferization.to_tensor`` a copy.

The cost of a device is its plan's (`bsparse.cost.device.device_cost`), reported per layer here.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

import numpy as np
import torch_mlir.ir as ir

from bsparse.activations import epilogue
from bsparse.cost.device import device_cost, layer_cycles
from bsparse.dialects.aie import generic_operands
from bsparse.dialects.kernel import KernelParams
from bsparse.plan import KernelCall, ReadDevice, read_device
from bsparse.report import LayerReport

from bsparse.semantics.conv import conv_canonical
from bsparse.semantics.core import InterpreterError, dtype_of, impl
from bsparse.semantics.structured import Structured, affine_maps, decode_structured, run_structured
from bsparse.passes._structured import Access, access_of, footprint, start, tile_map
from bsparse.cost.host import CostModel, cost, layer_label

__all__: list[str] = []


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


# ----------------------------------------------------------------------------- running a device


def _channel_index(runs: list[tuple[int, int]], offset: int = 0) -> slice | np.ndarray:
    """Output channels `runs` minus `offset`: a slice for one run, else an index array."""
    if len(runs) == 1:
        return slice(runs[0][0] - offset, runs[0][1] - offset)
    return np.concatenate([np.arange(lo, hi) for lo, hi in runs]) - offset


@dataclass
class _Kernel:
    """A kernel call of a read device, with the host values at the ends of its buffers' DMA chains."""

    call: KernelCall
    input_root: ir.Value
    output_root: ir.Value
    bias: ir.Value | None
    residual: ir.Value | None = None
    """The host value a DMA fills the output tiles from before the call: a residual the kernel adds."""
    weights: np.ndarray | None = None
    """The core's dense weight share, expanded from its stored entries on first use."""

    @property
    def params(self) -> KernelParams:
        return self.call.params

    @functools.cached_property
    def channel_index(self) -> slice | np.ndarray:
        """Its output channels: a slice for one run, else an index array."""
        return _channel_index(self.params.channel_runs)

    def channels_from(self, offset: int) -> slice | np.ndarray:
        return _channel_index(self.params.channel_runs, offset)

    def input(self, env) -> np.ndarray:
        return env[self.input_root]

    def output(self, env) -> np.ndarray:
        return env[self.output_root]

    def bias_of(self, env) -> np.ndarray | None:
        return None if self.bias is None else env[self.bias]

    def residual_of(self, env) -> np.ndarray | None:
        return None if self.residual is None else env[self.residual]


@dataclass
class _Generic:
    """An ``aie.generic`` call of a read device: its decoded payload, the access of each operand on its
    host buffer, and the host values at the ends of its buffers' DMA chains."""

    call: KernelCall
    op: ir.OpView
    info: Structured
    accesses: list[Access]
    """Per operand (inputs, then outputs), on the host buffer at the end of its chain."""
    inputs: list[ir.Value | None]
    """Per input, its host value (None: never loaded, the payload does not read it)."""
    inits: list[ir.Value | None]
    """Per output, the host value its initial value comes from (None: the payload does not read it)."""
    outputs: list[ir.Value]

    @functools.cached_property
    def boxes(self) -> list[tuple[slice, ...]]:
        """Per operand, the box of its host buffer the core's slice reads or writes."""
        p = self.call.params
        return [tuple(slice(a, a + n) for a, n in zip(start(access, p.split, p.range[0]), footprint(access, p.steps)))
                for access in self.accesses]

    def run(self, interp, env) -> None:
        """The core's slice of the op: each operand's box for the slice, the payload over them, the
        outputs' boxes written back."""
        p = self.call.params
        boxes = self.boxes
        n_inputs = len(self.inputs)
        args = [np.zeros(footprint(self.accesses[i], p.steps), self.info.out_dtypes[0]) if root is None
                else env[root][boxes[i]] for i, root in enumerate(self.inputs)]
        for j, init in enumerate(self.inits):
            box = boxes[n_inputs + j]
            args.append(np.array(env[init][box] if init is not None else env[self.outputs[j]][box]))
        offsets = [p.range[0] if k == p.split else 0 for k in range(len(p.steps))]
        for j, value in enumerate(run_structured(interp, self.op, self.info, args, offsets)):
            env[self.outputs[j]][boxes[n_inputs + j]] = value


def _payload_key(kernel: ir.OpView) -> tuple:
    """What decoding an ``aie.generic`` depends on besides its operands' host buffers: its maps, iterators,
    payload (each op's name, attributes, operand sources and result types) and operand types. Equal for
    the cores of one device, which run clones of one payload."""
    ops = list(kernel.regions[0].blocks[0].operations)
    position = {op.operation: k for k, op in enumerate(ops)}

    def source(value: ir.Value) -> tuple:  # a payload argument's number, which payload op's which result,
        owner = value.owner                 # or a value from outside the kernel (itself)
        if isinstance(owner, ir.Block):
            return ("arg", ir.BlockArgument(value).arg_number) if owner == kernel.regions[0].blocks[0] else ("outer", value)
        if owner.operation not in position:
            return ("outer", value)
        return ("op", position[owner.operation], ir.OpResult(value).result_number)

    body = tuple((op.operation.name, tuple((name, str(op.operation.attributes[name])) for name in op.operation.attributes),
                  tuple(source(v) for v in op.operands), tuple(str(r.type) for r in op.results)) for op in ops)
    return (str(kernel.attributes["indexing_maps"]), str(kernel.attributes["iterator_types"]), body,
            tuple(str(v.type) for v in kernel.operands))


def _generic(call: KernelCall, kernel: ir.OpView, plan, values, decoded: dict) -> _Generic:
    """`decoded`: the payloads decoded so far in this device, by `_payload_key` (a payload is decoded and
    planned once, not once per core)."""
    n_inputs = len(generic_operands(kernel)[0])
    maps = affine_maps(kernel.attributes["indexing_maps"])
    reduction = [ir.StringAttr(a).value == "reduction" for a in ir.ArrayAttr(kernel.attributes["iterator_types"])]
    buffers = [buffer for _, buffer in call.operands]
    outputs = [values[plan.root(b, "drains")] for b in buffers[n_inputs:]]
    inputs = [values[plan.root(b)] if plan.fed(b) else None for b in buffers[:n_inputs]]
    inits = [values[plan.root(b)] if plan.fed(b) else None for b in buffers[n_inputs:]]
    roots = [v if v is not None else kernel.operands[i] for i, v in enumerate(inputs + outputs)]  # unread: its L1 buffer
    accesses = [access_of(m, ir.ShapedType(v.type).shape) for m, v in zip(maps, roots)]
    if any(a is None for a in accesses):
        raise ValueError("an aie.generic operand is read through a map a DMA cannot stream")
    key = _payload_key(kernel)
    if (info := decoded.get(key)) is None:
        info = decoded[key] = decode_structured(kernel, [tile_map(m) for m in maps], reduction, n_inputs,
                                                out_dtypes=[dtype_of(v.type) for v in list(kernel.operands)[n_inputs:]])
    return _Generic(call, kernel, info, accesses, inputs, inits, outputs)


@dataclass
class _Device:
    """A device read once (`read_device`) and its kernels' host roots; per column of an ungrouped conv
    its cores' weights stacked in channel order (`_column_weights`)."""

    read: ReadDevice
    kernels: list[_Kernel]
    columns: dict = field(default_factory=dict)
    generics: list[_Generic] = field(default_factory=list)


def _read(op) -> _Device:
    try:
        read = read_device(op)
        plan, values = read.plan, read.values
        kernels, generics, decoded = [], [], {}
        generic_ops = [kernel for core in op.regions[0].blocks[0].operations if core.operation.name == "aie.core"
                       for kernel in core.regions[0].blocks[0].operations if kernel.operation.name == "aie.generic"]
        for call in plan.kernels:
            if call.kind == "generic":
                generics.append(_generic(call, generic_ops[len(generics)], plan, values, decoded))
                continue
            bias, output = call.operand("bias"), call.operand("output")
            kernels.append(_Kernel(call, values[plan.root(call.operand("input"))],
                                   values[plan.root(output, "drains")],
                                   values[plan.root(bias)] if bias is not None and plan.fed(bias) else None,
                                   values[plan.root(output)] if plan.fed(output) else None))
    except ValueError as err:
        raise InterpreterError(str(err), op_name="aie.device") from None
    return _Device(read, kernels, generics=generics)


def _run_matmul(kernel: _Kernel, env, weights: np.ndarray) -> None:  # noqa: D103
    p = kernel.params
    x, y = kernel.input(env), kernel.output(env)
    m0, m1 = p.spatial
    out = x[m0:m1].astype(y.dtype, copy=False) @ weights.T
    residual = kernel.residual_of(env)
    residual = None if residual is None else residual[m0:m1, kernel.channel_index]
    y[m0:m1, kernel.channel_index] = epilogue(out, kernel.bias_of(env), p.activation, 1, residual)


@dataclass(frozen=True)
class _ColumnWeights:
    """An ungrouped conv column's kernels as one: their weight shares stacked in channel order."""

    weights: np.ndarray  # [channels of the column, cin, kh, kw]
    order: np.ndarray  # the stack's rows in channel order (to order the kernels' biases alike)
    channels: slice | np.ndarray  # where the stack's outputs go


def _column_weights(kernels: list[_Kernel]) -> _ColumnWeights:
    channels = np.concatenate([np.arange(lo, hi) for k in kernels for lo, hi in k.params.channel_runs])
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
    x, y = kernels[0].input(env), kernels[0].output(env)
    nhwc = p.layout == "nhwc"
    x = x.transpose(0, 3, 1, 2) if nhwc else x
    y_nchw = y.transpose(0, 3, 1, 2) if nhwc else y  # a view: writes land in y
    r = kernels[0].residual_of(env)
    r_nchw = None if r is None else (r.transpose(0, 3, 1, 2) if nhwc else r)
    top, left, bottom, right = p.padding
    sh, sw = p.strides
    dh, dw = p.dilations
    cout, cin_g, kh, kw = p.weight_shape
    s0, s1 = p.spatial
    oh, ow = y_nchw.shape[2:]
    rows, cols = (range(oh), range(s0, s1)) if p.spatial_dim == "width" else (range(s0, s1), range(ow))
    r_in = slice(rows.start * sh, (rows.stop - 1) * sh + (kh - 1) * dh + 1)
    c_in = slice(cols.start * sw, (cols.stop - 1) * sw + (kw - 1) * dw + 1)
    window = _padded_window(x, (top, bottom, left, right), r_in, c_in).astype(y.dtype, copy=False)
    n = x.shape[0]
    groups = p.groups
    out_shape = (len(rows), len(cols))
    if groups == 1:
        key = (s0, s1)
        if key not in columns:
            columns[key] = _column_weights(kernels)
        column = columns[key]
        out = conv_canonical(window.reshape(n, 1, *window.shape[1:]), column.weights[None], (sh, sw), (dh, dw),
                             out_shape).reshape(n, -1, *out_shape)
        bias = None
        if kernels[0].bias is not None:
            bias = np.concatenate([k.bias_of(env).reshape(-1) for k in kernels])[column.order]
        box = (slice(None), column.channels, slice(rows.start, rows.stop), slice(cols.start, cols.stop))
        y_nchw[box] = epilogue(out, bias, p.activation, 1, None if r_nchw is None else r_nchw[box])
        return
    per_group = cout // groups
    for kernel in kernels:
        lo, hi = kernel.params.channels[0], kernel.params.channels[-1]
        g0, g1 = lo // per_group, -(-hi // per_group)
        weights = np.zeros(((g1 - g0) * per_group, cin_g, kh, kw), y.dtype)
        weights[kernel.channels_from(g0 * per_group)] = kernel.weights
        part = window[:, g0 * cin_g:g1 * cin_g]
        out = conv_canonical(
            part.reshape(n, g1 - g0, cin_g, *part.shape[2:]), weights.reshape(g1 - g0, per_group, cin_g, kh, kw),
            (sh, sw), (dh, dw), out_shape,
        ).reshape(n, (g1 - g0) * per_group, *out_shape)
        core_out = np.ascontiguousarray(out[:, kernel.channels_from(g0 * per_group)])
        bias = kernel.bias_of(env)
        box = (slice(None), kernel.channel_index, slice(rows.start, rows.stop), slice(cols.start, cols.stop))
        y_nchw[box] = epilogue(core_out, bias, kernel.params.activation, 1, None if r_nchw is None else r_nchw[box])


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



@impl("aie.device")
def device(interp, op, args):
    decoded = interp.static(op, _read)
    env = interp.env
    plan = decoded.read.plan
    columns: dict[tuple, list[_Kernel]] = {}
    dense: dict[int, np.ndarray] = {}
    for kernel in decoded.kernels:
        if kernel.weights is None:
            share = kernel.call.share
            if share not in dense:
                dense[share] = np.ascontiguousarray(plan.shares[share].to_dense(), dtype=kernel.output(env).dtype)
            kernel.weights = dense[share]
        if kernel.call.kind == "matmul":
            _run_matmul(kernel, env, kernel.weights)
        else:
            columns.setdefault(tuple(kernel.params.spatial), []).append(kernel)
    for kernels in columns.values():
        _run_convs(sorted(kernels, key=lambda k: k.params.channels[0]), env, decoded.columns)
    for generic in decoded.generics:
        generic.run(interp, env)
    return ()


# ----------------------------------------------------------------------------- cost


@cost("aie.device")
def _device_layer(op, model: CostModel) -> LayerReport:
    decoded = model.interpreter.static(op, _read) if model.interpreter else _read(op)
    plan = decoded.read.plan
    breakdown = device_cost(plan)
    t = plan.target
    if model.device is None:
        model.device = (t, plan.dtype)
    cores = sorted(breakdown.compute)
    memtile_time = max(breakdown.memtile.values(), default=0.0)
    cycles = layer_cycles(t, breakdown)
    compute_time = max(breakdown.compute.values(), default=0.0)
    movement = max(max(breakdown.dma_in.values(), default=0.0), max(breakdown.dma_out.values(), default=0.0),
                   memtile_time, breakdown.ddr)
    macs = sum(breakdown.macs.values())
    loads = list(breakdown.macs.values())
    mean = sum(loads) / len(loads) if loads else 0.0
    kind = plan.kernels[0].kind if plan.kernels else "conv2d"
    kind = plan.kernels[0].params.kind if kind == "generic" else kind
    peak = t.num_cores * t.macs_per_cycle_for(plan.dtype, allow_emulated=True)
    return LayerReport(
        name=layer_label(op, kind, model.next_index()), kind=kind, cycles=int(math.ceil(cycles)), macs=macs,
        macs_dense=breakdown.macs_dense, traffic=dict(breakdown.traffic), weight_traffic=breakdown.weights,
        utilization=macs / (cycles * peak) if cycles and peak else 0.0,
        imbalance=max(loads) / mean if mean else 1.0,
        bound="compute" if compute_time >= movement else "movement", cores=len(cores),
    )
