"""Device plans: what an ``aie.device`` program does, as plain Python the cost model reads.

bsparse-to-aie plans each layer as a `DevicePlan` (its buffers on tiles and
in host memory, the DMA transfers between them in program order, and one
kernel call per core work unit with its typed `KernelParams` and its weight
share), compares plans by their cost (`bsparse.cost.device.device_cycles`),
and writes the chosen one as IR (`bsparse.passes.to_aie`). The interpreter
reads an ``aie.device`` back into the same plan (`read_device`), so a
program is costed by one function whether it was just planned or parsed
from a file.

A buffer is an index into `DevicePlan.buffers`. Host buffers (``tile`` None)
live in DDR (``L3``) or, for an activation kept on chip between layers, in
the memory tiles (``L2``, `bsparse.residency`); a planned host buffer has a
``name`` the emitter maps to the host value. An element of a buffer costs
the costed type's width, a block-index entry (``kind="index"``)
``block_index_bytes``, an index byte (``kind="bytes"``) one byte.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch_mlir.ir as ir

from bsparse import targets
from bsparse.dialects.aie import generic_operands, is_byte_buffer, is_index_buffer
from bsparse.cost.payload import payload_of
from bsparse.dialects.kernel import GenericParams, KernelParams
from bsparse.dtypes import COSTED_DTYPES
from bsparse.patterns import BsrData, format_for
from bsparse.patterns.indexed import from_index_bytes
from bsparse.residency import memory_level

__all__ = ["Buffer", "DevicePlan", "Dma", "KernelCall", "host_buffer", "read_device"]

KERNEL_OPERANDS = {
    "bsr": ("input", "values", "row_ptr", "col_idx", "output", "bias"),
    "indexed": ("input", "values", "index", "output", "bias"),
}
"""The operands of a kernel on a share of each format encoding, in order (`bsparse.dialects.aie`)."""

_WEIGHT_OPERANDS = ("values", "row_ptr", "col_idx", "index")


@dataclass(frozen=True)
class Buffer:
    """A buffer: on a tile (``L1`` on a core, ``L2`` on a memory tile), or in host memory (``tile`` None)."""

    tile: tuple[int, int] | None
    level: str
    shape: tuple[int, ...]
    kind: str = "data"
    """``data``, ``index`` (block-index entries) or ``bytes`` (a format's index bytes)."""
    constant: bool = False
    """A host constant (a weight share or a bias): its L3 reads are weight traffic."""
    name: str = ""
    """A planned host buffer's role (``input``, ``output``, ``share3.values``...), for the emitter."""


@dataclass(frozen=True)
class Dma:
    """The box `sizes` moved from `src` at `src_offsets` to `dst` at `dst_offsets`, `repeat` times."""

    src: int
    dst: int
    sizes: tuple[int, ...]
    repeat: int
    src_offsets: tuple[int, ...]
    dst_offsets: tuple[int, ...]


@dataclass(frozen=True)
class KernelCall:
    """One work unit of a core: a ``matmul`` or ``conv2d`` kernel on share `share` of the layer's weight,
    or (kind ``generic``, no share: -1) a core's slice of a structured op on activations, its `payload`'s
    work per loop point (`bsparse.passes._structured`)."""

    core: tuple[int, int]
    kind: str
    encoding: str
    operands: tuple[tuple[str, int], ...]
    """Operand name -> buffer, in the kernel's operand order (no ``bias`` without one)."""
    params: Any
    """`KernelParams`, or `bsparse.dialects.kernel.GenericParams` for a generic kernel."""
    share: int
    payload: Any = None
    """A generic kernel's `bsparse.cost.payload.Payload`."""

    def operand(self, name: str) -> int | None:
        return dict(self.operands).get(name)


@dataclass
class DevicePlan:
    """An ``aie.device`` program of one layer (module docstring)."""

    target: targets.Target
    dtype: str
    buffers: list[Buffer] = field(default_factory=list)
    dmas: list[Dma] = field(default_factory=list)
    kernels: list[KernelCall] = field(default_factory=list)
    shares: list[Any] = field(default_factory=list)
    """The weight share of each core row, in its format (`bsparse.patterns.format`)."""
    _link_cache: tuple | None = field(default=None, repr=False, compare=False)

    def buffer(self, tile: tuple[int, int] | None, level: str, shape, kind: str = "data",
               constant: bool = False, name: str = "") -> int:
        """Adds a buffer (sizes below 1 become 1) and returns it."""
        self.buffers.append(Buffer(tile, level, tuple(max(1, int(d)) for d in shape), kind, constant, name))
        return len(self.buffers) - 1

    def dma(self, src: int, dst: int, box, repeat: int, src_at=None, dst_at=None) -> None:
        """A transfer of `box` from `src` at `src_at` to `dst` at `dst_at` (default: their starts).

        Nothing for an empty box or no repeat. The box is clipped to both
        buffers (a window's padding is not moved: the kernel pads, as a
        memtile DMA's zero padding would).
        """
        if repeat <= 0 or any(int(d) <= 0 for d in box):
            return
        src_shape, dst_shape = self.buffers[src].shape, self.buffers[dst].shape
        src_at = [min(int(o), s - 1) for o, s in zip(src_at or [0] * len(box), src_shape)]
        dst_at = [min(int(o), d - 1) for o, d in zip(dst_at or [0] * len(box), dst_shape)]
        sizes = [max(1, min(int(b), s - so, d - do)) for b, s, d, so, do in zip(box, src_shape, dst_shape, src_at, dst_at)]
        self.dmas.append(Dma(src, dst, tuple(sizes), int(repeat), tuple(src_at), tuple(dst_at)))
        self._link_cache = None

    def width(self, buffer: int) -> int:
        """Bytes an element of `buffer` costs (module docstring)."""
        kind = self.buffers[buffer].kind
        if kind == "index":
            return self.target.block_index_bytes
        return 1 if kind == "bytes" else COSTED_DTYPES[self.dtype]

    def root(self, buffer: int, toward_host_from: str = "feeds") -> int:
        """The host buffer at the end of `buffer`'s DMA chain: what feeds it (``feeds``) or what it
        drains to (``drains``); `buffer` itself if it is a host buffer.

        Raises:
            ValueError: `buffer` is not connected to host memory.
        """
        links = self._links()[0 if toward_host_from == "feeds" else 1]
        seen = 0
        while self.buffers[buffer].tile is not None:
            if buffer not in links or seen > 8:
                raise ValueError("a kernel buffer is not connected to host memory by DMA transfers")
            buffer, seen = links[buffer], seen + 1
        return buffer

    def _links(self) -> tuple[dict[int, int], dict[int, int]]:
        if self._link_cache is None or self._link_cache[2] != len(self.dmas):
            self._link_cache = ({d.dst: d.src for d in self.dmas}, {d.src: d.dst for d in self.dmas}, len(self.dmas))
        return self._link_cache[0], self._link_cache[1]

    def fed(self, buffer: int) -> bool:
        """Whether a DMA writes `buffer`."""
        return buffer in self._links()[0]


def host_buffer(plan: DevicePlan, value: ir.Value, name: str = "") -> int:
    """Adds host memref `value` to `plan` (its level, kind and whether it is a constant) and returns it."""
    owner = value.owner
    constant = False
    if isinstance(owner, ir.OpView) and owner.operation.name == "bufferization.to_buffer":
        source = owner.operands[0].owner
        constant = isinstance(source, ir.OpView) and source.operation.name == "arith.constant"
    kind = "index" if is_index_buffer(value.type) else "bytes" if is_byte_buffer(value.type) else "data"
    return plan.buffer(None, memory_level(value.type), ir.ShapedType(value.type).shape, kind, constant, name)


# ----------------------------------------------------------------------------- reading a device back


@dataclass
class ReadDevice:
    """A device program read back: its plan, and the IR value of each of the plan's buffers."""

    plan: DevicePlan
    values: list[ir.Value]


def read_device(op) -> ReadDevice:
    """Reads an ``aie.device`` op into a `DevicePlan` (shares from their host constants)."""
    plan = DevicePlan(targets.get(ir.StringAttr(op.attributes["target"]).value), ir.StringAttr(op.attributes["dtype"]).value)
    index: dict[ir.Value, int] = {}
    values: list[ir.Value] = []
    tiles: dict[ir.Value, tuple[int, int]] = {}

    def buffer_of(value: ir.Value) -> int:
        if value not in index:
            index[value] = host_buffer(plan, value)
            values.append(value)
        return index[value]

    cores = []
    for inner in op.regions[0].blocks[0].operations:
        name = inner.operation.name
        if name == "aie.tile":
            tiles[inner.result] = (ir.IntegerAttr(inner.attributes["col"]).value, ir.IntegerAttr(inner.attributes["row"]).value)
        elif name == "aie.buffer":
            tile = tiles.get(inner.operands[0]) if len(inner.operands) else None
            ty = inner.result.type
            kind = "index" if is_index_buffer(ty) else "bytes" if is_byte_buffer(ty) else "data"
            index[inner.result] = plan.buffer(tile, ir.StringAttr(inner.attributes["level"]).value,
                                              ir.ShapedType(ty).shape, kind)
            values.append(inner.result)
        elif name == "aie.dma":
            plan.dmas.append(Dma(buffer_of(inner.operands[0]), buffer_of(inner.operands[1]),
                                 tuple(ir.DenseI64ArrayAttr(inner.attributes["sizes"])),
                                 ir.IntegerAttr(inner.attributes["repeat"]).value,
                                 tuple(ir.DenseI64ArrayAttr(inner.attributes["src_offsets"])),
                                 tuple(ir.DenseI64ArrayAttr(inner.attributes["dst_offsets"]))))
        elif name == "aie.core":
            cores.append(inner)
    shares: dict = {}  # the share's index constant (cores of a row share it) -> share
    for core in cores:
        for kernel in core.regions[0].blocks[0].operations:
            if kernel.operation.name == "aie.generic":
                plan.kernels.append(_generic_call(plan, kernel, index))
                continue
            spec = KERNEL_OPS.get(kernel.operation.name)
            if spec is None:
                continue
            kind, encoding = spec
            names = KERNEL_OPERANDS[encoding]
            segments = list(ir.DenseI32ArrayAttr(kernel.attributes["operandSegmentSizes"]))
            operands, at = [], 0
            for name, count in zip(names, segments):
                if count:
                    operands.append((name, index[kernel.operands[at]]))
                    at += count
            params = KernelParams.from_op(kernel, kind, encoding == "indexed")
            core_tile = plan.buffers[operands[0][1]].tile
            call = KernelCall(core_tile, kind, encoding, tuple(operands), params, -1)
            index_operand = call.operand("index" if encoding == "indexed" else "row_ptr")
            # an index never loaded (nothing stored) makes the share the kernel's own
            key = plan.root(index_operand) if plan.fed(index_operand) else ("kernel", len(plan.kernels))
            if key not in shares:
                shares[key] = len(plan.shares)
                plan.shares.append(_share_data(plan, call, values))
            plan.kernels.append(KernelCall(core_tile, kind, encoding, tuple(operands), params, shares[key]))
    return ReadDevice(plan, values)


def _generic_call(plan: DevicePlan, kernel, index: dict) -> KernelCall:
    """An ``aie.generic`` kernel read back: operands ``input<i>`` / ``output<j>``, params and payload."""
    inputs, outputs = generic_operands(kernel)
    operands = [(f"input{i}", index[v]) for i, v in enumerate(inputs)]
    operands += [(f"output{j}", index[v]) for j, v in enumerate(outputs)]
    params = GenericParams.from_op(kernel, len(ir.ArrayAttr(kernel.attributes["iterator_types"])))
    core = plan.buffers[operands[0][1]].tile
    return KernelCall(core, "generic", "", tuple(operands), params, -1, payload_of(kernel))


KERNEL_OPS = {
    "aie.matmul_bsr": ("matmul", "bsr"), "aie.conv2d_bsr": ("conv2d", "bsr"),
    "aie.matmul_sparse": ("matmul", "indexed"), "aie.conv2d_sparse": ("conv2d", "indexed"),
}
"""Kernel op name -> (kind, format encoding)."""


def _constant_of(value: ir.Value) -> np.ndarray:
    """The array behind a host ``bufferization.to_buffer`` of an ``arith.constant``."""
    owner = value.owner
    if isinstance(owner, ir.OpView) and owner.operation.name == "bufferization.to_buffer":
        source = owner.operands[0].owner
        if isinstance(source, ir.OpView) and source.operation.name == "arith.constant":
            return np.asarray(ir.DenseElementsAttr(source.attributes["value"])).reshape(
                ir.ShapedType(source.results[0].type).shape)
    raise ValueError("a kernel's weight buffer must come from a constant in host memory")


def _weights(plan: DevicePlan, call: KernelCall, values: list[ir.Value]) -> dict[str, np.ndarray]:
    """The host constants behind a kernel's weight operands (operands no DMA feeds are never loaded)."""
    found = {}
    for name in _WEIGHT_OPERANDS:
        buffer = call.operand(name)
        if buffer is not None and plan.fed(buffer):
            found[name] = _constant_of(values[plan.root(buffer)])
    return found


def _bsr_share(params: KernelParams, shape, arrays: dict[str, np.ndarray], values_shape) -> BsrData:
    row_ptr = np.asarray(arrays["row_ptr"], dtype=np.int64)
    nnzb = int(row_ptr[-1])
    block = tuple(values_shape[1:3])
    if not nnzb:
        return BsrData(shape, block, np.zeros((0, *values_shape[1:]), np.float32), row_ptr, np.zeros(0, np.int64))
    return BsrData(shape, block, np.asarray(arrays["values"])[:nnzb],
                   row_ptr, np.asarray(arrays["col_idx"], dtype=np.int64)[:nnzb])


def _indexed_share(params: KernelParams, shape, arrays: dict[str, np.ndarray], values_shape):
    if not params.stored:  # nothing stored: the format's packing of zeros
        return format_for(params.pattern).pack(np.zeros(shape, np.float32))
    raw = np.asarray(arrays["index"]).reshape(-1) if "index" in arrays else np.zeros(0, np.int8)
    return from_index_bytes(params.pattern, shape, np.asarray(arrays["values"]).reshape(-1)[:params.stored], raw,
                            params.index_layout)


_SHARE_READERS = {"bsr": _bsr_share, "indexed": _indexed_share}
"""Format encoding -> the share's data from its arrays."""


def share_from_arrays(call: KernelCall, arrays: dict[str, np.ndarray], values_shape) -> Any:
    """A kernel's weight share from the arrays of its weight operands' host buffers."""
    shape = (call.params.channel_count, *call.params.weight_shape[1:])
    return _SHARE_READERS[call.encoding](call.params, shape, arrays, values_shape)


def _share_data(plan: DevicePlan, call: KernelCall, values: list[ir.Value]):
    values_shape = plan.buffers[call.operand("values")].shape
    return share_from_arrays(call, _weights(plan, call, values), values_shape)


def output_positions(plan: DevicePlan, call: KernelCall) -> int:
    """Output positions of a kernel's work unit (rows of a matmul; batch x pixels of a convolution)."""
    p = call.params
    s0, s1 = p.spatial
    if call.kind == "matmul":
        return s1 - s0
    out = plan.buffers[plan.root(call.operand("output"), "drains")].shape
    oh, ow = (out[1], out[2]) if p.layout == "nhwc" else (out[2], out[3])
    return out[0] * (s1 - s0) * (oh if p.spatial_dim == "width" else ow)


def dense_macs(call: KernelCall, positions: int) -> int:
    """MACs of a kernel's work unit if its share were dense."""
    return call.params.channel_count * math.prod(call.params.weight_shape[1:]) * positions
