"""The cost of a program run: per-layer cycles, MACs and memory traffic, as an interpreter listener.

A cost function is registered by op name with :func:`cost`, beside the op's
value implementation, and maps a run op to a `LayerReport` (or None for ops
that cost nothing, like constants and reshapes of the host program). Costs
depend only on the op (its types, attributes and constant operands), so
each op is costed once and cached; the listener appends one layer per run.

What is costed, by level of the program:

- ``aie.device`` (a layer lowered by bsparse-to-aie; registered by
  `bsparse.interpreter.aie`): its plan's cost (`bsparse.cost.device`);
- ops left on the host of a lowered program: vector work on the array plus
  moving their tensors (through DDR unless they stay on chip);
- ``bsparse.matmul`` / ``bsparse.conv2d`` and linalg matmuls/convolutions not
  lowered yet: MACs only (stored-block and dense), no cycles: they have no
  hardware mapping until bsparse-to-aie has run.

`bsparse.interpreter.run_program` runs a program with this listener:

>>> outputs, report = run_program(module, x)
>>> report.total_cycles, report.to_dict()["layers"][0]["name"]
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch_mlir.ir as ir

from bsparse import targets
from bsparse.dialects.aie import element_bytes
from bsparse.dialects.bsparse import HOST_ATTRIBUTE, UNPACKED_ATTRIBUTE, packed_type
from bsparse.cost.device import ddr_cycles
from bsparse.cost.payload import Payload, payload_of
from bsparse.dtypes import COSTED_DTYPES, DEFAULT_DTYPE
from bsparse.names import layer_name, param_name
from bsparse.semantics.core import Interpreter, Listener
from bsparse.report import LayerReport, Report
from bsparse.residency import memory_level, tensor_level

__all__ = ["COSTS", "CostModel", "cost", "host_ops", "host_reason", "layer_label"]

CostFn = Callable[[ir.OpView, "CostModel"], LayerReport | None]

#: Op name -> cost function ``fn(op, model) -> LayerReport | None``.
COSTS: dict[str, CostFn] = {}


def cost(*names: str) -> Callable[[CostFn], CostFn]:
    """Registers the decorated function as the cost of the ops `names`."""

    def register(fn: CostFn) -> CostFn:
        for name in names:
            COSTS[name] = fn
        return fn

    return register


def layer_label(op: ir.OpView, kind: str, index: int) -> str:
    """A layer's report name: its PyTorch module path, else ``<kind>#<index>``."""
    return layer_name(op) or f"{kind}#{index}"


class CostModel(Listener):
    """Collects one `LayerReport` per costed op the interpreter runs.

    Args:
        target: The target costed ops without a device of their own are
            reported for (default `bsparse.targets.DEFAULT_TARGET`); an
            ``aie.device`` always uses its own target.
        dtype: The costed data type of such ops.
    """

    def __init__(self, target: targets.Target | None = None, dtype: str = DEFAULT_DTYPE):
        self.target = target or targets.get()
        self.dtype = dtype
        self.layers: list[LayerReport] = []
        self._cache: dict[Any, LayerReport | None] = {}
        self._costed = 0
        #: (target, dtype) of the first ``aie.device`` costed: the report's target.
        self.device: tuple[targets.Target, str] | None = None
        #: The interpreter running the program, when there is one: cost functions share its per-op caches.
        self.interpreter: Interpreter | None = None

    @classmethod
    def for_module(cls, module: ir.Module, target: targets.Target | None = None,
                   dtype: str = DEFAULT_DTYPE) -> "CostModel":
        """A model for `module`: a lowered program (one with ``aie.device`` ops) is costed on its device's target.

        In a lowered program every op left on the host (pooling, adds,
        concatenations, unlowered matmuls...) is costed too, as vector work on
        the array with its data through DDR; before lowering only MACs are counted.
        """
        model = cls(target, dtype)
        found: list[ir.OpView] = []

        def visit(op: ir.Operation) -> ir.WalkResult:
            if op.name == "aie.device":
                found.append(op.opview)
                return ir.WalkResult.INTERRUPT
            return ir.WalkResult.ADVANCE

        module.operation.walk(visit)
        if found:
            attrs = found[0].attributes
            model.device = (targets.get(ir.StringAttr(attrs["target"]).value), ir.StringAttr(attrs["dtype"]).value)
        return model

    @property
    def lowered(self) -> bool:
        """Whether the program runs on a device (host ops then cost cycles)."""
        return self.device is not None

    @property
    def costed(self) -> tuple[targets.Target, str]:
        """The target and data type host ops are costed for."""
        return self.device or (self.target, self.dtype)

    def did_run(self, op: ir.OpView, results: Sequence[Any]) -> None:
        fn = COSTS.get(op.name)
        if fn is None:
            return
        self._costed += 1
        if self.interpreter is not None:  # costs depend on the op only: cached with the interpreter's
            layer = self.interpreter.static(op, lambda o: fn(o, self), key=fn)
        else:
            try:
                layer = self._cache[op]
            except KeyError:
                layer = self._cache[op] = fn(op, self)
        if layer is None:
            return
        last = self.layers[-1] if self.layers else None
        if layer.kind == "stage" and last is not None and last.kind == "stage" and last.name == layer.name:
            self.layers[-1] = last.merged(layer)  # one row per staged weight, not one per constant of a share
        else:
            self.layers.append(layer)

    def next_index(self) -> int:
        """How many costed ops have run so far (for default layer names)."""
        return self._costed - 1

    def report(self) -> Report:
        """The report of everything run so far; the device's target wins when the program has one."""
        target, dtype = self.device or (self.target, self.dtype)
        return Report(target=target.name, dtype=dtype, clock_hz=target.clock_hz, layers=list(self.layers))


# ----------------------------------------------------------------------------- not yet lowered: MACs only

_CONTRACTIONS = (
    "linalg.conv_2d_nchw_fchw", "linalg.conv_2d_nhwc_hwcf", "linalg.conv_2d_nhwc_fhwc", "linalg.conv_2d_ngchw_gfchw",
    "linalg.conv_2d_ngchw_fgchw", "linalg.conv_2d_nhwgc_gfhwc", "linalg.depthwise_conv_2d_nchw_chw",
    "linalg.depthwise_conv_2d_nhwc_hwc", "linalg.depthwise_conv_2d_nhwc_hwcm",
    "linalg.conv_1d_ncw_fcw", "linalg.conv_1d_nwc_wcf", "linalg.depthwise_conv_1d_ncw_cw",
    "linalg.depthwise_conv_1d_nwc_wc", "linalg.depthwise_conv_1d_nwc_wcm",
    "linalg.conv_3d_ncdhw_fcdhw", "linalg.conv_3d_ndhwc_dhwcf", "linalg.depthwise_conv_3d_ndhwc_dhwc",
)
"""Linalg convolutions a report counts as layers (1-D, 2-D and 3-D: MACs before bsparse-pack, host work after)."""


def _positions(shape: Sequence[int], skip: Sequence[int]) -> int:
    return int(np.prod([d for i, d in enumerate(shape) if i not in skip], dtype=np.int64))


@cost("bsparse.matmul", "bsparse.conv2d")
def _bsparse_layer(op, model: CostModel) -> LayerReport:
    from bsparse.packed import PACKED_OPS, weight_data  # the one reader of packed weights

    kind = op.name.removeprefix("bsparse.")
    out_shape = ir.ShapedType(op.results[0].type).shape
    if kind == "matmul":
        positions = _positions(out_shape, [len(out_shape) - 1])
    else:
        channel = 3 if ir.StringAttr(op.attributes["layout"]).value == "nhwc" else 1
        positions = _positions(out_shape, [channel])
    ty = packed_type(op.operands[1], "weight")
    shape = ty.weight_shape
    packed = op.operands[1].owner
    dense = int(np.prod(shape, dtype=np.int64)) * positions
    if packed.name not in PACKED_OPS:
        macs = dense
    else:
        data = weight_data(packed)
        macs = data.format.macs_per_position(data) * positions
    return _contraction_layer(op, model, kind, macs, dense)


def _contraction_layer(op, model: CostModel, kind: str, macs: int, dense: int) -> LayerReport:
    """A matmul or convolution not on the array: MACs only before lowering; in a lowered program, host
    work (dense MACs on the whole array, data through memory) with its reason."""
    if model.lowered:
        target, dtype = model.costed
        rate = target.num_cores * target.macs_per_cycle_for(dtype, allow_emulated=True) * target.kernel_efficiency
        return _host_layer(op, model, kind, dense / rate, macs=dense)
    return LayerReport(name=layer_label(op, kind, model.next_index()), kind=kind, macs=macs, macs_dense=dense,
                       bound="unlowered")


def _loop_extents(op) -> list[int]:
    """Static extents of the loops of a structured linalg op, from its indexing maps and operand shapes."""
    from torch_mlir.dialects import linalg

    from bsparse.semantics.structured import affine_maps

    maps = affine_maps(linalg.get_indexing_maps(op.operation))
    shapes = [ir.ShapedType(v.type).shape for v in op.operands]
    extents: dict[int, int] = {}
    for amap, shape in zip(maps, shapes):
        for expr, size in zip(amap.results, shape):
            if isinstance(expr, ir.AffineDimExpr):
                extents.setdefault(expr.position, size)
    return [extents[d] for d in sorted(extents)]


@cost("linalg.matmul", "linalg.batch_matmul", *_CONTRACTIONS)
def _linalg_layer(op, model: CostModel) -> LayerReport:
    kind = "matmul" if "matmul" in op.name else next(f"conv{d}d" for d in (1, 2, 3) if f"conv_{d}d" in op.name)
    macs = int(np.prod(_loop_extents(op), dtype=np.int64))
    return _contraction_layer(op, model, kind, macs, macs)


# ----------------------------------------------------------------------------- host ops of a lowered program


def _elements(value: ir.Value) -> int:
    type_ = value.type
    if not isinstance(type_, ir.ShapedType) or not type_.has_static_shape:
        return 0
    return int(np.prod(type_.shape, dtype=np.int64))


def _read_values(op) -> list[ir.Value]:
    """The tensors an op reads: a DPS op's inputs, else every tensor operand."""
    if op.name.startswith("linalg."):
        segments = list(ir.DenseI32ArrayAttr(op.attributes["operandSegmentSizes"])) \
            if "operandSegmentSizes" in op.attributes else [len(op.operands) - len(op.results)]
        return [v for v in list(op.operands)[: segments[0]] if isinstance(v.type, ir.ShapedType)]
    return [v for v in op.operands if isinstance(v.type, ir.ShapedType)]


def host_reason(op) -> str:
    """Why `op` is on the host of a lowered program (bsparse-pack's record for an unpacked weight)."""
    if UNPACKED_ATTRIBUTE in op.attributes:
        return f"weight not packed: {ir.StringAttr(op.attributes[UNPACKED_ATTRIBUTE]).value}"
    if HOST_ATTRIBUTE in op.attributes:
        return f"bsparse-to-aie cannot put it on the array: {ir.StringAttr(op.attributes[HOST_ATTRIBUTE]).value}"
    if op.name in ("bsparse.matmul", "bsparse.conv2d"):
        return "bsparse-to-aie did not lower it (its weight is not a constant packed weight)"
    return f"bsparse-to-aie has no lowering for {op.name}: costed as vector work on the array"


_NOT_HOST = ("bufferization.to_buffer",)
"""Costed ops outside a device that are not host work: a constant staged in the memory tiles is a DMA."""


def host_ops(module: ir.Operation) -> list[tuple[ir.OpView, str]]:
    """The ops a lowered program runs on the host, with why (`host_reason`), in program order: every op
    outside an ``aie.device`` that the cost model costs (what a report's host ops list, before running)."""
    found: list[tuple[ir.OpView, str]] = []

    def visit(op: ir.Operation) -> ir.WalkResult:
        if op.name.startswith("aie."):
            return ir.WalkResult.SKIP
        if op.name in COSTS and op.name not in _NOT_HOST:
            found.append((op.opview, host_reason(op)))
        return ir.WalkResult.ADVANCE

    module.walk(visit, ir.WalkOrder.PRE_ORDER)
    return found


def _movement_cycles(target: targets.Target, read: dict[str, int], write: dict[str, int]) -> float:
    """Cycles to move `read` / `write` bytes per level (``L3``, ``L2``) between host memory and the array:
    DDR spread over the shim columns, the memory tiles all at their bandwidths."""
    columns = max(target.shim_columns, 1)
    ddr = ddr_cycles(target, {c: read["L3"] / columns for c in range(columns)},
                     {c: write["L3"] / columns for c in range(columns)})
    memtiles = max(target.num_memtiles, 1)
    l2 = max(read["L2"] / (memtiles * target.memtile_read_bytes_per_s / target.clock_hz) if read["L2"] else 0.0,
             write["L2"] / (memtiles * target.memtile_write_bytes_per_s / target.clock_hz) if write["L2"] else 0.0)
    return ddr + l2 if not target.ddr_transfers_overlap else max(ddr, l2)


@cost("bufferization.to_buffer")
def _staged_constant(op, model: CostModel) -> LayerReport | None:
    """A constant put in the memory tiles (a packed weight resident across the layers that use it,
    `bsparse.passes.to_aie.resident_weights`): its one load from DDR. Other buffers of tensors cost
    nothing here (the layers that read them count their moves)."""
    source = op.operands[0].owner
    if not model.lowered or memory_level(op.result.type) != "L2" or not (
            isinstance(source, ir.OpView) and source.operation.name == "arith.constant"):
        return None
    target, dtype = model.costed
    nbytes = _elements(op.result) * element_bytes(op.result.type, target, dtype)
    cycles = _movement_cycles(target, {"L3": nbytes, "L2": 0}, {"L3": 0, "L2": nbytes})
    name = param_name(op) or layer_name(op) or "stage"  # the weight's state_dict key, else its first user's
    return LayerReport(name=name, kind="stage", cycles=int(math.ceil(cycles)),
                       traffic={"L3": nbytes, "L2": nbytes, "L1": 0}, weight_traffic=nbytes, bound="movement")


def _host_layer(op, model: CostModel, kind: str, compute_cycles: float, macs: int = 0) -> LayerReport:
    """A host op of a lowered program: `compute_cycles` on the array plus moving its tensors.

    Tensors that stay on chip (`bsparse.residency`) move at the memory tiles'
    bandwidth; the others through DDR.
    """
    target, dtype = model.costed
    width = COSTED_DTYPES[dtype]
    traffic = {"L3": 0, "L2": 0}
    read = {"L3": 0, "L2": 0}
    for value in _read_values(op):
        level = tensor_level(value)
        read[level] += _elements(value) * width
    write = {"L3": 0, "L2": 0}
    for value in op.results:
        level = tensor_level(value)
        write[level] += _elements(value) * width
    for level in traffic:
        traffic[level] = read[level] + write[level]
    movement = _movement_cycles(target, read, write)
    cycles = max(compute_cycles, movement) if target.ddr_transfers_overlap else compute_cycles + movement
    peak = target.num_cores * target.macs_per_cycle_for(dtype, allow_emulated=True)
    return LayerReport(
        name=layer_label(op, kind, model.next_index()), kind=kind, cycles=int(math.ceil(cycles)), macs=macs,
        macs_dense=macs, traffic=traffic, utilization=macs / (cycles * peak) if cycles and macs else 0.0,
        bound="compute" if compute_cycles >= movement else "movement", cores=target.num_cores,
        reason=host_reason(op),
    )


_POOLS = tuple(name for name in ("linalg.pooling_nchw_max", "linalg.pooling_nchw_sum", "linalg.pooling_nhwc_max",
                                 "linalg.pooling_nhwc_sum", "linalg.pooling_nhwc_min"))
_COPIES = ("linalg.transpose", "linalg.copy", "linalg.broadcast", "tensor.pad", "tensor.concat",
           "tensor.insert_slice", "tensor.extract_slice")


@cost("linalg.generic", "linalg.map", "linalg.reduce", "linalg.softmax", *_POOLS, *_COPIES)
def _vector_layer(op, model: CostModel) -> LayerReport | None:
    """Vector work left on the host, spread over the array's cores: elementwise, reductions, pooling,
    softmax and copies (`bsparse.cost.payload.Payload` per element)."""
    if not model.lowered:
        return None
    target, dtype = model.costed
    out = sum(_elements(r) for r in op.results)
    reads = max((_elements(v) for v in _read_values(op)), default=0)
    lanes = target.num_cores
    if op.name in _COPIES:
        kind, compute = "copy", Payload(0, ()).vector_cycles(target, dtype, out, lanes)
    elif op.name in _POOLS:
        kind, compute = "pool", Payload(1, ()).vector_cycles(target, dtype, out * _elements(op.operands[1]), lanes)
    elif op.name == "linalg.softmax":  # max, subtract, sum, multiply by the row's inverse; exp at its rate
        kind, compute = "softmax", Payload(4, ("exp_cycles_per_element",)).vector_cycles(target, dtype, out, lanes)
    else:
        kind, elements = ("reduce", reads) if reads > out else ("elementwise", out)
        compute = payload_of(op).vector_cycles(target, dtype, elements, lanes)
    return _host_layer(op, model, kind, compute)
