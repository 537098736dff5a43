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
- ``aie.matmul_bsr`` / ``aie.conv2d_bsr``: a core's block-sparse micro-kernel
  over its L1 buffers, standing for its whole loop over one work unit.
- ``aie.generic``: a core's vector (or activation-by-activation matmul)
  kernel on its slice of a structured op, with the op's maps and payload.

Host memory (L3) is any memref defined outside the device (a function
argument, ``memref.alloc``, ``bufferization.to_buffer``) or an ``aie.buffer``
at level L3. A DMA moves a box ``repeat`` times (the tiles of a stream).

All ops print in MLIR's generic form.
"""

# No `from __future__ import annotations`: ext reads the field annotations as types.

from collections.abc import Sequence
from typing import Any

import torch_mlir.ir as ir  # must be imported before torch_mlir.dialects.ext
from torch_mlir.dialects.ext import Dialect, Operand, Result

from bsparse import targets
from bsparse.dialects._verify import Invalid, direct_constructors, i64_array, int_attr, static_shape, string_attr, verified
from bsparse.dialects.kernel import GenericParams, KernelParams
from bsparse.dtypes import COSTED_DTYPES
from bsparse.residency import memory_level

__all__ = [
    "AIE",
    "BufferOp",
    "CoreOp",
    "DeviceOp",
    "DmaOp",
    "GENERIC_INPUTS",
    "GENERIC_OUTPUTS",
    "GenericOp",
    "generic_operands",
    "ITERATOR_KINDS",
    "IndexOp",
    "Conv2dBsrOp",
    "Conv2dSparseOp",
    "MatmulBsrOp",
    "MatmulSparseOp",
    "LEVELS",
    "TileOp",
    "YieldOp",
    "buffer_level",
    "element_bytes",
    "is_byte_buffer",
    "is_index_buffer",
    "tile_kind",
]

LEVELS = ("L3", "L2", "L1")
"""Memory levels: DDR, memory tile, core-local data memory."""


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


def _buffer_bytes(op, device, target: targets.Target) -> int:
    """Bytes of a buffer (`element_bytes` each) in `device`, of `target`."""
    shape = static_shape(op.result, "result", kind=ir.MemRefType)
    count = 1
    for dim in shape:
        count *= dim
    return count * element_bytes(op.result.type, target, string_attr(device, "dtype"))


def is_index_buffer(memref_type: ir.Type) -> bool:
    """Block-index buffers (``row_ptr``, ``col_idx``) are ``i64`` memrefs (see `element_bytes`)."""
    element = ir.MemRefType(memref_type).element_type
    return isinstance(element, ir.IntegerType) and ir.IntegerType(element).width == 64


def is_byte_buffer(memref_type: ir.Type) -> bool:
    """The index of a non-block pattern's format is an ``i8`` memref of its bytes (see `element_bytes`)."""
    element = ir.MemRefType(memref_type).element_type
    return isinstance(element, ir.IntegerType) and ir.IntegerType(element).width == 8


def element_bytes(memref_type: ir.Type, target: targets.Target, dtype: str) -> int:
    """Bytes an element of a buffer costs: block-index entries (``i64``) at
    `Target.block_index_bytes`, format index bytes (``i8``) at 1, data (float memrefs) at the
    costed type's width."""
    if is_index_buffer(memref_type):
        return target.block_index_bytes
    if is_byte_buffer(memref_type):
        return 1
    return COSTED_DTYPES[dtype]


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
            target.macs_per_cycle_for(dtype, allow_emulated=True)  # f32 on AIE-ML: costed at the emulated rate
        except ValueError as err:
            raise Invalid(str(err)) from None
        buffers: list[ir.OpView] = []

        def collect(op: ir.Operation) -> ir.WalkResult:  # buffers anywhere in the device, cores included
            if op.name == "aie.buffer" and len(op.operands) == 1:
                buffers.append(op.opview)
            return ir.WalkResult.ADVANCE

        self.operation.walk(collect)  # (no raising in the callback: the walk would wrap the exception)
        used: dict[tuple[int, int], int] = {}
        for op in buffers:
            key = _tile_coords(op.operands[0])
            used[key] = used.get(key, 0) + _buffer_bytes(op, self, target)
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
        size = _buffer_bytes(self, device, target)
        tile = self.operation.operands[0] if len(self.operation.operands) else None
        if level == "L3":
            if tile is not None:
                raise Invalid("an L3 (DDR) buffer takes no tile")
            return True
        if tile is None:
            raise Invalid(f"an {level} buffer needs a tile")
        col, row = _tile_coords(tile)
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


def _inside(op: ir.Operation, ancestor: ir.Operation) -> bool:
    while op is not None:
        if op == ancestor:
            return True
        op = op.parent
    return False


def buffer_level(value: ir.Value, device) -> str:
    """The memory level of a DMA operand: an ``aie.buffer``'s level, or L3 for host memory.

    Host memory is a memref defined outside `device`: a function argument or
    the result of a host op (``memref.alloc``, ``bufferization.to_buffer``);
    it is L3 (DDR), or L2 when it is in `bsparse.residency.L2_MEMORY_SPACE`
    (an activation kept in the memory tiles between layers).
    """
    owner = value.owner
    if isinstance(owner, ir.OpView) and owner.operation.name == "aie.buffer":
        return string_attr(owner, "level")
    defining = owner.owner if isinstance(owner, ir.Block) else owner.operation
    if defining is not None and _inside(defining, device.operation):
        raise Invalid("DMA operands must be 'aie.buffer' results or host memory defined outside the device")
    return memory_level(value.type)


class DmaOp(AIE.Operation, name="dma"):
    """Copies the box ``sizes`` from `src` at `src_offsets` to `dst` at `dst_offsets`, `repeat` times.

    ``repeat`` > 1 is a stream: the same transfer descriptor issued once per
    tile of a loop (a buffer-descriptor chain); it moves ``repeat x box`` bytes.
    """

    src: Operand[ir.MemRefType]
    dst: Operand[ir.MemRefType]
    src_offsets: Any
    """``array<i64: ...>``, one per dimension of `src`."""
    dst_offsets: Any
    """``array<i64: ...>``, one per dimension of `dst`."""
    sizes: Any
    """``array<i64: ...>``, the box moved; `src` and `dst` have its rank."""
    repeat: ir.IntegerAttr
    """How many times the transfer is issued (>= 1)."""

    @verified
    def verify_invariants(self) -> bool:
        """Checks ranks agree, the box lies inside both buffers and the operands' levels."""
        device = _device_of(self)
        sizes = i64_array(self, "sizes", minimum=1)
        int_attr(self, "repeat", minimum=1)
        for value, offsets_name in ((self.src, "src_offsets"), (self.dst, "dst_offsets")):
            what = offsets_name.split("_")[0]
            shape = static_shape(value, what, kind=ir.MemRefType)
            offsets = i64_array(self, offsets_name, len(sizes), minimum=0)
            if len(shape) != len(sizes):
                raise Invalid(f"{what} has rank {len(shape)} but sizes has {len(sizes)} entries")
            if any(o + s > d for o, s, d in zip(offsets, sizes, shape)):
                raise Invalid(f"box at {offsets} of size {sizes} does not fit {what} of shape {shape}")
            buffer_level(value, device)
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


def _check_kernel_buffers(op, names: Sequence[str], values: Sequence[ir.Value] = ()) -> None:
    """Every named operand (and every one of `values`) is an L1 buffer of the tile of the enclosing ``aie.core``."""
    core = op.operation.parent
    if core is None or core.name != "aie.core":
        raise Invalid("must be nested directly in an 'aie.core'")
    core_tile = _tile_coords(core.opview.tile)
    named = [(f"operand '{name}'", getattr(op, name)) for name in names]
    for what, value in named + [(f"operand #{i}", v) for i, v in enumerate(values)]:
        if value is None:
            continue
        owner = value.owner
        if not (isinstance(owner, ir.OpView) and owner.operation.name == "aie.buffer"):
            raise Invalid(f"{what} must be an 'aie.buffer'")
        if string_attr(owner, "level") != "L1" or _tile_coords(owner.tile) != core_tile:
            raise Invalid(f"{what} must be an L1 buffer of the core's tile{core_tile}")


_KERNEL_OPERANDS = ("input", "values", "row_ptr", "col_idx", "output", "bias")


def _check_bsr_buffers(op) -> None:
    """The packed-weight buffers hold ``[blocks, R, C, *window]`` values and 1-D index arrays."""
    values = static_shape(op.values, "values", kind=ir.MemRefType)
    if len(values) not in (3, 5):
        raise Invalid(f"values must be [blocks, R, C] or [blocks, R, C, KH, KW], got shape {values}")
    for name in ("row_ptr", "col_idx"):
        if len(static_shape(getattr(op, name), name, kind=ir.MemRefType)) != 1:
            raise Invalid(f"{name} must be a 1-D buffer")


class MatmulBsrOp(AIE.Operation, name="matmul_bsr"):
    """A core's block-sparse matmul micro-kernel over L1 buffers: ``output = act(input @ W^T + bias)``.

    ``W`` is this core's share of a packed weight (``values``, ``row_ptr``,
    ``col_idx``). One op stands for the core's whole loop over its work unit
    (``params``: the output rows and channels it computes and the tiles it
    streams them in), never for one block. When a DMA fills the ``output``
    buffer before the call, what it brings is a residual (a skip connection)
    the kernel adds before the activation: ``act(input @ W^T + bias + output)``;
    so for every kernel op of this dialect.
    """

    input: Operand[ir.MemRefType]
    values: Operand[ir.MemRefType]
    row_ptr: Operand[ir.MemRefType]
    col_idx: Operand[ir.MemRefType]
    output: Operand[ir.MemRefType]
    params: ir.DictAttr
    """The work unit and its tiling: `bsparse.dialects.kernel.KernelParams`."""
    bias: Operand[ir.MemRefType] | None = None
    """Optional per-output-channel bias."""

    @verified
    def verify_invariants(self) -> bool:
        """Checks the buffers are the core's L1 buffers, the weight buffers' shapes and the params
        (`bsparse.dialects.kernel.KernelParams`)."""
        _check_kernel_buffers(self, _KERNEL_OPERANDS)
        _check_bsr_buffers(self)
        KernelParams.from_op(self, "matmul", indexed=False)
        return True


class Conv2dBsrOp(AIE.Operation, name="conv2d_bsr"):
    """A core's block-sparse 2-D convolution micro-kernel over L1 buffers.

    As `MatmulBsrOp`, for a convolution: ``params`` also carries strides,
    padding, dilations, groups, layout and activation.
    """

    input: Operand[ir.MemRefType]
    values: Operand[ir.MemRefType]
    row_ptr: Operand[ir.MemRefType]
    col_idx: Operand[ir.MemRefType]
    output: Operand[ir.MemRefType]
    params: ir.DictAttr
    """The convolution, the work unit and its tiling: `bsparse.dialects.kernel.KernelParams`."""
    bias: Operand[ir.MemRefType] | None = None
    """Optional per-output-channel bias."""

    @verified
    def verify_invariants(self) -> bool:
        """Checks the buffers are the core's L1 buffers, the weight buffers' shapes and the params
        (`bsparse.dialects.kernel.KernelParams`)."""
        _check_kernel_buffers(self, _KERNEL_OPERANDS)
        _check_bsr_buffers(self)
        KernelParams.from_op(self, "conv2d", indexed=False)
        return True


_SPARSE_KERNEL_OPERANDS = ("input", "values", "index", "output", "bias")


def _check_sparse_buffers(op) -> None:
    """The packed-weight buffers hold 1-D values and the 1-D index bytes of the pattern's format."""
    if len(static_shape(op.values, "values", kind=ir.MemRefType)) != 1:
        raise Invalid("values must be a 1-D buffer")
    index = static_shape(op.index, "index", kind=ir.MemRefType)
    if len(index) != 1 or not is_byte_buffer(op.index.type):
        raise Invalid("index must be a 1-D buffer of bytes (i8)")


class MatmulSparseOp(AIE.Operation, name="matmul_sparse"):
    """A core's matmul micro-kernel on a weight share in a non-block pattern's format.

    ``output = act(input @ W^T + bias)``, ``W`` this core's share: ``values``
    and ``index``, the bytes of the format's index arrays
    (`bsparse.patterns.indexed`; ``params`` says the pattern and the layout
    of the bytes). One op stands for the core's whole loop over its work unit.
    """

    input: Operand[ir.MemRefType]
    values: Operand[ir.MemRefType]
    index: Operand[ir.MemRefType]
    output: Operand[ir.MemRefType]
    params: ir.DictAttr
    """The work unit, its tiling and the format: `bsparse.dialects.kernel.KernelParams`."""
    bias: Operand[ir.MemRefType] | None = None
    """Optional per-output-channel bias."""

    @verified
    def verify_invariants(self) -> bool:
        """Checks the buffers are the core's L1 buffers, the weight buffers' shapes and the params
        (`bsparse.dialects.kernel.KernelParams`)."""
        _check_kernel_buffers(self, _SPARSE_KERNEL_OPERANDS)
        _check_sparse_buffers(self)
        KernelParams.from_op(self, "matmul", indexed=True)
        return True


class Conv2dSparseOp(AIE.Operation, name="conv2d_sparse"):
    """A core's 2-D convolution micro-kernel on a weight share in a non-block pattern's format.

    As `MatmulSparseOp`, for a convolution: ``params`` also carries strides,
    padding, dilations, groups, layout and activation.
    """

    input: Operand[ir.MemRefType]
    values: Operand[ir.MemRefType]
    index: Operand[ir.MemRefType]
    output: Operand[ir.MemRefType]
    params: ir.DictAttr
    """The convolution, the work unit, its tiling and the format: `bsparse.dialects.kernel.KernelParams`."""
    bias: Operand[ir.MemRefType] | None = None
    """Optional per-output-channel bias."""

    @verified
    def verify_invariants(self) -> bool:
        """Checks the buffers are the core's L1 buffers, the weight buffers' shapes and the params
        (`bsparse.dialects.kernel.KernelParams`)."""
        _check_kernel_buffers(self, _SPARSE_KERNEL_OPERANDS)
        _check_sparse_buffers(self)
        KernelParams.from_op(self, "conv2d", indexed=True)
        return True


ITERATOR_KINDS = ("parallel", "reduction")
GENERIC_INPUTS, GENERIC_OUTPUTS = 8, 4
"""Operand slots of an ``aie.generic``: inputs, outputs."""


def generic_operands(op) -> tuple[list[ir.Value], list[ir.Value]]:
    """The inputs and outputs of an ``aie.generic``, each filled from slot 0 up.

    Raises:
        Invalid: a gap in the slots, or no output.
    """
    segments = list(ir.DenseI32ArrayAttr(op.attributes["operandSegmentSizes"]))
    if len(segments) != GENERIC_INPUTS + GENERIC_OUTPUTS or any(n not in (0, 1) for n in segments):
        raise Invalid(f"operandSegmentSizes must hold {GENERIC_INPUTS + GENERIC_OUTPUTS} entries of 0 or 1")
    n_in, n_out = sum(segments[:GENERIC_INPUTS]), sum(segments[GENERIC_INPUTS:])
    if segments[:n_in] != [1] * n_in or segments[GENERIC_INPUTS:GENERIC_INPUTS + n_out] != [1] * n_out:
        raise Invalid("inputs and outputs must fill their slots from input0 / output0 up")
    if not n_out:
        raise Invalid("needs at least one output")
    operands = list(op.operands)
    return operands[:n_in], operands[n_in:n_in + n_out]


class GenericOp(AIE.Operation, name="generic"):
    """A core's kernel on its slice of a structured op (elementwise, reduction, pooling, a matmul of two
    activations): the linalg op's loops, maps and payload over L1 buffers.

    As ``linalg.generic`` on memrefs: loop ``d<k>`` of ``indexing_maps``
    runs over ``params.extents[k]``, except loop ``params.split``, which
    this core runs over ``params.range`` only (its slice of the op); the
    payload region takes one element per operand (inputs, then outputs)
    and yields the outputs' new elements (``aie.yield``). Every operand is
    an L1 buffer holding one tile (``params.tile`` loop steps); DMA
    transfers stream the tiles in and out, and a DMA that fills an output
    tile before the call brings the output's initial value (an
    accumulator's init) the payload reads. A map addresses the host buffer
    its tiles come from (a slice read from its source has its offset in the
    map's constants); a tile is the box of the host buffer its steps read,
    from the map's constants on, so the kernel reads its tile through the
    map without its constants.
    """

    indexing_maps: ir.ArrayAttr
    """One ``affine_map`` per operand, inputs then outputs."""
    iterator_types: ir.ArrayAttr
    """One string per loop: one of `ITERATOR_KINDS`."""
    params: ir.DictAttr
    """The core's slice and its tiling: `bsparse.dialects.kernel.GenericParams`."""
    body: ir.Region
    input0: Operand[ir.MemRefType] | None = None
    input1: Operand[ir.MemRefType] | None = None
    input2: Operand[ir.MemRefType] | None = None
    input3: Operand[ir.MemRefType] | None = None
    input4: Operand[ir.MemRefType] | None = None
    input5: Operand[ir.MemRefType] | None = None
    input6: Operand[ir.MemRefType] | None = None
    input7: Operand[ir.MemRefType] | None = None
    output0: Operand[ir.MemRefType] | None = None
    output1: Operand[ir.MemRefType] | None = None
    output2: Operand[ir.MemRefType] | None = None
    output3: Operand[ir.MemRefType] | None = None
    # One operand slot each (an IRDL variadic would make all its operands one type): inputs from input0
    # up, outputs from output0 up; `generic_operands` reads them.

    @verified
    def verify_invariants(self) -> bool:
        """Checks the buffers are the core's L1 buffers, one map per operand over the loops, the iterator
        kinds, the params (`GenericParams`, split on a parallel loop) and the payload's arguments."""
        inputs, outputs = generic_operands(self)
        operands = [*inputs, *outputs]
        _check_kernel_buffers(self, (), operands)
        kinds = [ir.StringAttr(a).value if isinstance(a, ir.StringAttr) else None for a in self.iterator_types]
        if any(k not in ITERATOR_KINDS for k in kinds):
            raise Invalid(f"iterator_types must be strings, each one of {', '.join(ITERATOR_KINDS)}")
        maps = [ir.AffineMapAttr(a).value if isinstance(a, ir.AffineMapAttr) else None for a in self.indexing_maps]
        if len(maps) != len(operands) or any(m is None or m.n_dims != len(kinds) for m in maps):
            raise Invalid(f"indexing_maps must hold {len(operands)} affine maps (one per operand) over "
                          f"{len(kinds)} loops")
        for m, value in zip(maps, operands):
            if len(m.results) != len(static_shape(value, "operand", kind=ir.MemRefType)):
                raise Invalid(f"indexing map {m} has {len(m.results)} results for an operand of rank "
                              f"{len(ir.ShapedType(value.type).shape)}")
        params = GenericParams.from_op(self, len(kinds))
        if kinds[params.split] != "parallel":
            raise Invalid(f"params 'split' is loop {params.split}, a reduction: a core's slice is of a parallel loop")
        blocks = list(self.body.blocks)
        if len(blocks) != 1 or len(blocks[0].arguments) != len(operands):
            raise Invalid(f"the payload must be one block taking {len(operands)} arguments (one per operand)")
        last = list(blocks[0].operations)[-1:] or [None]
        if last[0] is None or last[0].operation.name != "aie.yield" or len(last[0].operands) != len(outputs):
            raise Invalid(f"the payload must end in an 'aie.yield' of {len(outputs)} value(s)")
        return True


class YieldOp(AIE.Operation, name="yield", traits=[ir.IsTerminatorTrait]):
    """Ends an ``aie.generic`` payload: the outputs' new elements, one slot each from ``value0`` up."""

    value0: Operand[Any] | None = None
    value1: Operand[Any] | None = None
    value2: Operand[Any] | None = None
    value3: Operand[Any] | None = None



class IndexOp(AIE.Operation, name="index"):
    """In an ``aie.generic`` payload: the index of loop `dim` at the element computed (within the whole
    op's loops, not the core's slice), as ``linalg.index``."""

    dim: ir.IntegerAttr
    result: Result[ir.IndexType]

    @verified
    def verify_invariants(self) -> bool:
        """Checks it is in an ``aie.generic`` payload, `dim` one of its loops."""
        parent = self.operation.parent
        if parent is None or parent.name != "aie.generic":
            raise Invalid("must be in the payload of an 'aie.generic'")
        loops = len(ir.ArrayAttr(parent.attributes["iterator_types"]))
        int_attr(self, "dim", minimum=0)
        if ir.IntegerAttr(self.attributes["dim"]).value >= loops:
            raise Invalid(f"dim {ir.IntegerAttr(self.attributes['dim']).value} is not one of the {loops} loops")
        return True


direct_constructors(AIE)
