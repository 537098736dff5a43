"""The `aie` dialect: an AIE-like array at the hardware level.

Modelled on mlir-aie's concepts. An ``aie.device`` names a target (a file in
`bsparse.targets`) and the costed data type; inside it:

- ``aie.tile(col, row)``: a tile of the array. Row 0 up to ``shim_rows`` are
  shim (interface) tiles, then ``memtile_rows`` memory-tile rows, then the
  compute rows.
- ``aie.buffer``: a buffer at a memory level: ``L3`` (DDR, no tile), ``L2``
  (on a memory tile) or ``L1`` (on a compute tile). Sizes are checked against
  the level's capacity at the costed type's width.
- ``aie.dma``: moves a box of elements between two buffers.
- ``aie.core``: the program of one compute tile; it calls vector kernels.
- ``aie.kernel``: one invocation of a vector kernel over L1 buffers.

All ops print in MLIR's generic form.
"""

# No `from __future__ import annotations`: ext reads the field annotations as types.

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch_mlir.ir as ir  # must be imported before torch_mlir.dialects.ext
from torch_mlir.dialects.ext import Dialect, Operand, Result

from bsparse import targets
from bsparse.dialects._verify import Invalid, i64_array, int_attr, static_shape, string_attr, verified
from bsparse.dtypes import COSTED_DTYPES

__all__ = [
    "AIE",
    "BufferOp",
    "CoreOp",
    "DeviceOp",
    "DmaOp",
    "KERNELS",
    "KernelOp",
    "KernelSignature",
    "LEVELS",
    "TileOp",
    "tile_kind",
]

LEVELS = ("L3", "L2", "L1")
"""Memory levels: DDR, memory tile, core-local data memory."""


@dataclass(frozen=True)
class KernelSignature:
    """How many buffers a vector kernel takes, and what it computes."""

    min_operands: int
    max_operands: int
    doc: str


KERNELS: dict[str, KernelSignature] = {
    "matmul_bsr": KernelSignature(5, 6, "out = act(x @ W^T [+ bias]); W as values, row_ptr, col_idx"),
    "conv2d_bsr": KernelSignature(5, 6, "out = act(conv(x, W) [+ bias]); W as values, row_ptr, col_idx"),
    "add": KernelSignature(3, 3, "out = a + b"),
    "relu": KernelSignature(2, 2, "out = max(x, 0)"),
    "copy": KernelSignature(2, 2, "out = x"),
}
"""Vector kernels a core can call: name -> signature (buffers, outputs last)."""


class AIE(Dialect, name="aie"):
    """An AIE-like accelerator: tiles, buffers at L3/L2/L1, DMA, cores."""


def _device_of(op) -> "DeviceOp":
    parent = op.operation.parent
    while parent is not None:
        if parent.name == "aie.device":
            return parent.opview
        parent = parent.parent
    raise Invalid("must be nested in an 'aie.device'")


def _target_of(device) -> targets.Target:
    name = ir.StringAttr(device.attributes["target"]).value
    try:
        return targets.get(name)
    except targets.UnknownTargetError as err:
        raise Invalid(str(err)) from None


def tile_kind(target: targets.Target, row: int) -> str:
    """``"shim"``, ``"memtile"`` or ``"core"`` for a row of `target`'s array."""
    if row < target.shim_rows:
        return "shim"
    if row < target.shim_rows + target.memtile_rows:
        return "memtile"
    return "core"


def _tile_coords(value: ir.Value) -> tuple[int, int]:
    owner = value.owner
    if not isinstance(owner, ir.OpView) or owner.operation.name != "aie.tile":
        raise Invalid("tile operand must be the result of an 'aie.tile'")
    return int_attr(owner, "col"), int_attr(owner, "row")


def _buffer_bytes(op, device) -> int:
    shape = static_shape(op.result, "result", kind=ir.MemRefType)
    count = 1
    for dim in shape:
        count *= dim
    return count * COSTED_DTYPES[string_attr(device, "dtype")]


def _level_capacity(target: targets.Target, level: str) -> int | None:
    return {"L1": target.l1_bytes, "L2": target.l2_bytes}.get(level)


class DeviceOp(AIE.Operation, name="device", traits=[ir.NoTerminatorTrait]):
    """The array of a target, costed in data type `dtype`."""

    target: ir.StringAttr
    """Target name, e.g. ``"aie2-ve2802"`` (see ``bsparse targets``)."""
    dtype: ir.StringAttr
    """Costed data type: one of `bsparse.dtypes.COSTED_DTYPES`."""
    body: ir.Region

    @verified
    def verify_invariants(self) -> bool:
        """Checks the target and type exist and no tile's memory overflows."""
        target = _target_of(self)
        dtype = string_attr(self, "dtype", tuple(COSTED_DTYPES))
        try:
            target.macs_per_cycle_for(dtype)
        except ValueError as err:
            raise Invalid(str(err)) from None
        used: dict[tuple[int, int], int] = {}
        for block in self.body.blocks:
            for op in block.operations:
                if op.operation.name != "aie.buffer" or len(op.operands) != 1:
                    continue
                key = _tile_coords(op.operands[0])
                used[key] = used.get(key, 0) + _buffer_bytes(op, self)
        for (col, row), size in sorted(used.items()):
            level = "L1" if tile_kind(target, row) == "core" else "L2"
            capacity = _level_capacity(target, level)
            if size > capacity:
                raise Invalid(
                    f"buffers on tile({col}, {row}) need {size} bytes of {level} "
                    f"but {target.name} has {capacity}"
                )
        return True


class TileOp(AIE.Operation, name="tile"):
    """A tile of the array at (`col`, `row`)."""

    col: ir.IntegerAttr
    row: ir.IntegerAttr
    result: Result[ir.IndexType]

    @verified
    def verify_invariants(self) -> bool:
        """Checks the coordinates lie inside the target's array."""
        target = _target_of(_device_of(self))
        col, row = int_attr(self, "col", minimum=0), int_attr(self, "row", minimum=0)
        rows = target.shim_rows + target.memtile_rows + target.core_rows
        if col >= target.cols or row >= rows:
            raise Invalid(f"tile({col}, {row}) is outside the {target.cols}x{rows} array of {target.name}")
        return True


class BufferOp(AIE.Operation, name="buffer"):
    """A buffer at memory level `level`; L1 and L2 buffers sit on a tile."""

    level: ir.StringAttr
    """One of `LEVELS`."""
    result: Result[ir.MemRefType]
    tile: Operand[ir.IndexType] | None = None
    """The tile holding an L1 (compute tile) or L2 (memory tile) buffer."""

    @verified
    def verify_invariants(self) -> bool:
        """Checks the level, the tile kind and the level's capacity."""
        device = _device_of(self)
        target = _target_of(device)
        level = string_attr(self, "level", LEVELS)
        size = _buffer_bytes(self, device)
        if level == "L3":
            if self.tile is not None:
                raise Invalid("an L3 (DDR) buffer takes no tile")
            return True
        if self.tile is None:
            raise Invalid(f"an {level} buffer needs a tile")
        col, row = _tile_coords(self.tile)
        kind = tile_kind(target, row)
        wanted = "core" if level == "L1" else "memtile"
        if kind != wanted:
            if level == "L2" and target.memtile_rows == 0:
                raise Invalid(f"{target.name} has no memory tiles, so no L2 buffers")
            raise Invalid(f"an {level} buffer must be on a {wanted} tile, but tile({col}, {row}) is a {kind} tile")
        capacity = _level_capacity(target, level)
        if size > capacity:
            raise Invalid(f"buffer of {size} bytes exceeds the {capacity} bytes of {level} on {target.name}")
        return True


def _buffer_level(value: ir.Value) -> str:
    owner = value.owner
    if isinstance(owner, ir.OpView) and owner.operation.name == "aie.buffer":
        return string_attr(owner, "level")
    if isinstance(owner, ir.Block):
        return "L3"  # a function argument: host memory
    raise Invalid("DMA operands must be 'aie.buffer' results or function arguments")


class DmaOp(AIE.Operation, name="dma"):
    """Copies the box ``sizes`` from `src` at `src_offsets` to `dst` at `dst_offsets`."""

    src: Operand[ir.MemRefType]
    dst: Operand[ir.MemRefType]
    src_offsets: Any
    """``array<i64: ...>``, one per dimension of `src`."""
    dst_offsets: Any
    """``array<i64: ...>``, one per dimension of `dst`."""
    sizes: Any
    """``array<i64: ...>``, the box moved; `src` and `dst` have its rank."""

    @verified
    def verify_invariants(self) -> bool:
        """Checks ranks agree and the box lies inside both buffers."""
        _device_of(self)
        sizes = i64_array(self, "sizes", minimum=1)
        for value, offsets_name in ((self.src, "src_offsets"), (self.dst, "dst_offsets")):
            shape = static_shape(value, offsets_name.split("_")[0], kind=ir.MemRefType)
            offsets = i64_array(self, offsets_name, len(sizes), minimum=0)
            if len(shape) != len(sizes):
                raise Invalid(f"{offsets_name.split('_')[0]} has rank {len(shape)} but sizes has {len(sizes)} entries")
            if any(o + s > d for o, s, d in zip(offsets, sizes, shape)):
                raise Invalid(f"box at {offsets} of size {sizes} does not fit {offsets_name.split('_')[0]} of shape {shape}")
            _buffer_level(value)
        if self.src == self.dst:
            raise Invalid("source and destination must differ")
        return True


class CoreOp(AIE.Operation, name="core", traits=[ir.NoTerminatorTrait]):
    """The program of the compute tile `tile`."""

    tile: Operand[ir.IndexType]
    body: ir.Region

    @verified
    def verify_invariants(self) -> bool:
        """Checks the tile is a compute tile."""
        target = _target_of(_device_of(self))
        col, row = _tile_coords(self.tile)
        if (kind := tile_kind(target, row)) != "core":
            raise Invalid(f"tile({col}, {row}) is a {kind} tile, not a compute tile")
        return True


class KernelOp(AIE.Operation, name="kernel"):
    """One call of vector kernel `kernel` over L1 buffers (outputs last)."""

    kernel: ir.StringAttr
    """A name in `KERNELS`."""
    params: ir.DictAttr
    """Kernel parameters (shapes, strides, activation ...)."""
    buffers: Sequence[Operand[ir.MemRefType]]

    @verified
    def verify_invariants(self) -> bool:
        """Checks the kernel exists, its arity, and that buffers are the core's L1."""
        name = string_attr(self, "kernel")
        if (signature := KERNELS.get(name)) is None:
            raise Invalid(f"unknown kernel '{name}' (known: {', '.join(sorted(KERNELS))})")
        count = len(self.buffers)
        if not signature.min_operands <= count <= signature.max_operands:
            wanted = (
                f"{signature.min_operands}"
                if signature.min_operands == signature.max_operands
                else f"{signature.min_operands} to {signature.max_operands}"
            )
            raise Invalid(f"kernel '{name}' takes {wanted} buffers, got {count}")
        core = self.operation.parent
        if core is None or core.name != "aie.core":
            raise Invalid("must be nested directly in an 'aie.core'")
        core_tile = _tile_coords(core.opview.tile)
        for index, value in enumerate(self.buffers):
            owner = value.owner
            if not (isinstance(owner, ir.OpView) and owner.operation.name == "aie.buffer"):
                raise Invalid(f"buffer #{index} must be an 'aie.buffer'")
            if string_attr(owner, "level") != "L1" or _tile_coords(owner.tile) != core_tile:
                raise Invalid(f"buffer #{index} must be an L1 buffer of the core's tile{core_tile}")
        return True
