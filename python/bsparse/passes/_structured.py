"""The device plan of a structured op on activations: bsparse-to-aie's planning half for everything
that is not a packed layer (elementwise ops, reductions, pooling, a matmul of two activations).

A structured op is a loop nest (`Nest`): loop extents, which loops are
reductions, and per operand its shape and its access, one linear form per
axis over the loops (``c . d + const``, from its indexing map). The plan
(`plan_nest`) splits one parallel loop over the cores, ``split``: the
outermost loop every operand reads along at most one of its axes with a
positive coefficient, and that has enough steps to keep the cores busy
(`split_loop`). Each core runs its contiguous slice of that loop and every
other loop whole, in tiles of loop steps that fit its L1 budgets
(`tile_steps`: the outermost parallel loop is halved first, so tiles stay
rows of the innermost dims; a reduction loop is never cut). Per core: one
L1 buffer per operand (two when the target double-buffers), a DMA per
operand the payload reads (its box the tile's footprint, `footprint`;
streamed once per tile, or once when the box does not move), the output's
initial value DMA'd into the output tile when the payload reads it (an
accumulator), and the output tile back. Host buffers are named
``input<i>``, ``init<j>``, ``output<j>``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch_mlir.ir as ir

from bsparse import targets
from bsparse.cost.payload import Payload
from bsparse.dialects.kernel import GenericParams
from bsparse.dtypes import COSTED_DTYPES
from bsparse.errors import BsparseError
from bsparse.passes.partition import even_splits
from bsparse.plan import Buffer, DevicePlan, KernelCall
from bsparse.semantics.structured import linear_form

__all__ = ["Access", "Nest", "access_of", "footprint", "form_expr", "host_names", "plan_nest", "split_loop", "start",
           "tile_map", "tile_steps"]


@dataclass(frozen=True)
class Access:
    """An operand of a nest: its shape, one ``(coefficients per loop, constant)`` form per axis, and
    whether the kernel reads it (an input the payload uses, or an output whose initial value it reads)."""

    shape: tuple[int, ...]
    forms: tuple[tuple[tuple[int, ...], int], ...]
    read: bool = True

    def uses(self, loop: int) -> bool:
        return any(coeffs[loop] for coeffs, _ in self.forms)


@dataclass(frozen=True)
class Nest:
    """A structured op's loop nest (module docstring). `kind` is what the report calls it."""

    kind: str
    extents: tuple[int, ...]
    reduction: tuple[bool, ...]
    inputs: tuple[Access, ...]
    outputs: tuple[Access, ...]
    payload: Payload

    @property
    def operands(self) -> tuple[Access, ...]:
        return self.inputs + self.outputs


def access_of(amap, shape, read: bool = True) -> Access | None:
    """The access of an operand of `shape` through affine map `amap`; None when a DMA cannot stream it
    (a result that is not linear in the loops, a negative coefficient or constant)."""
    forms = [linear_form(e, amap.n_dims) for e in amap.results]
    if any(f is None or f[1] < 0 or min(f[0], default=0) < 0 for f in forms):
        return None
    return Access(tuple(shape), tuple((tuple(c), k) for c, k in forms), read)


def footprint(access: Access, steps) -> list[int]:
    """The box of `access` that `steps` loop steps (from any start) read: per axis, the span of its form
    (its constant is where the box begins, `start`, not part of it)."""
    return [sum(c * (n - 1) for c, n in zip(coeffs, steps)) + 1 for coeffs, _ in access.forms]


def start(access: Access, loop: int, first: int) -> list[int]:
    """Where the box of `access` begins when loop `loop` starts at `first` (the others at 0): per axis,
    its form's constant plus the loop's steps before `first`."""
    return [coeffs[loop] * first + const for coeffs, const in access.forms]


def tile_map(amap):
    """`amap` as a kernel reads its L1 tile: the map without its constants, which the tile's DMA applies
    (its box begins there, `start`)."""
    forms = [linear_form(e, amap.n_dims) for e in amap.results]
    return ir.AffineMap.get(amap.n_dims, 0, [form_expr((coeffs, 0), amap.context) for coeffs, _ in forms],
                            context=amap.context)


def form_expr(form, context: ir.Context | None = None):
    """A linear form ``(coefficients per loop, constant)`` as an affine expression."""
    coeffs, const = form
    expr = None
    for k, c in enumerate(coeffs):
        if c:
            dim = ir.AffineDimExpr.get(k, context=context)
            term = dim if c == 1 else dim * c
            expr = term if expr is None else expr + term
    if expr is None:
        return ir.AffineConstantExpr.get(const, context=context)
    return expr + const if const else expr


def split_loop(nest: Nest, cores: int) -> int:
    """The loop whose steps are shared out among `cores` cores (module docstring).

    Raises:
        BsparseError: no parallel loop can be split (an operand reads one along two axes, or backwards).
    """
    def splittable(loop: int) -> bool:
        if nest.reduction[loop]:
            return False
        for access in nest.operands:
            along = [coeffs[loop] for coeffs, _ in access.forms if coeffs[loop]]
            if len(along) > 1 or any(c < 0 for c in along):
                return False
        return True

    candidates = [k for k in range(len(nest.extents)) if splittable(k)]
    if not candidates:
        raise BsparseError("no parallel loop of it can be split among the cores")
    busy = [k for k in candidates if nest.extents[k] >= cores]
    return busy[0] if busy else max(candidates, key=lambda k: nest.extents[k])


def _bytes(nest: Nest, accesses, steps, width: int) -> int:
    return sum(math.prod(footprint(a, steps)) for a in accesses) * width


def tile_steps(nest: Nest, steps: list[int], target: targets.Target, width: int) -> list[int]:
    """The loop steps of one kernel call on a core running `steps` (module docstring): inputs within
    ``l1_input_bytes`` (and the weight memory, which a vector kernel does not use), outputs within
    ``l1_output_bytes``, each per buffer set (two when the target double-buffers).

    Raises:
        BsparseError: one step of the parallel loops does not fit.
    """
    sets = 2 if target.l1_double_buffer else 1
    inputs_budget = (sets * target.l1_input_bytes + target.l1_weight_bytes) // sets
    tile = list(steps)
    while _bytes(nest, nest.inputs, tile, width) > inputs_budget or \
            _bytes(nest, nest.outputs, tile, width) > target.l1_output_bytes:
        cut = next((k for k, n in enumerate(tile) if n > 1 and not nest.reduction[k]), None)
        if cut is None:
            raise BsparseError(
                f"one step of its parallel loops needs {_bytes(nest, nest.inputs, tile, width)} B of inputs and "
                f"{_bytes(nest, nest.outputs, tile, width)} B of outputs in L1, more than the "
                f"{inputs_budget} B / {target.l1_output_bytes} B a core has for them on {target.name}")
        tile[cut] = -(-tile[cut] // 2)
    return tile


def host_names(nest: Nest) -> list[str]:
    """The names of a nest's host buffers, in order (module docstring)."""
    return ([f"input{i}" for i in range(len(nest.inputs))]
            + [f"init{j}" for j, a in enumerate(nest.outputs) if a.read]
            + [f"output{j}" for j in range(len(nest.outputs))])


def plan_nest(nest: Nest, host: list[Buffer], target: targets.Target, dtype: str,
              cores: int | None = None) -> DevicePlan:
    """The device plan of `nest` (module docstring) on `cores` cores (default: all of the target's);
    `host` holds its host buffers in `host_names` order.

    Raises:
        BsparseError: no loop splits among the cores, or a tile does not fit L1 (`split_loop`, `tile_steps`).
    """
    width = COSTED_DTYPES[dtype]
    plan = DevicePlan(target, dtype)
    named = {name: k for k, name in enumerate(host_names(nest))}
    plan.buffers.extend(host)
    cores = target.num_cores if cores is None else cores
    split = split_loop(nest, cores)
    bounds = even_splits(nest.extents[split], cores)
    sets = 2 if target.l1_double_buffer else 1
    first_row = target.shim_rows + target.memtile_rows
    tiling: dict[int, tuple] = {}  # per slice size (even splits have at most two): tile, counts, boxes
    for core_index, (lo, hi) in enumerate(zip(bounds, bounds[1:])):
        core = (core_index // target.core_rows, first_row + core_index % target.core_rows)
        if hi - lo not in tiling:
            steps = [hi - lo if k == split else n for k, n in enumerate(nest.extents)]
            tile = tile_steps(nest, steps, target, width)
            counts = [-(-s // t) for s, t in zip(steps, tile)]
            tiling[hi - lo] = tile, counts, [footprint(a, tile) for a in nest.operands]
        tile, counts, boxes = tiling[hi - lo]
        tiles = math.prod(counts)

        def moves(access: Access) -> int:  # streamed once per tile when its box moves, else loaded once
            return tiles if any(n > 1 and access.uses(k) for k, n in enumerate(counts)) else 1

        operands = []
        for i, access in enumerate(nest.inputs):
            box = boxes[i]
            l1 = [plan.buffer(core, "L1", box) for _ in range(sets)][0]
            if access.read:
                plan.dma(named[f"input{i}"], l1, box, moves(access), src_at=start(access, split, lo))
            operands.append((f"input{i}", l1))
        for j, access in enumerate(nest.outputs):
            box = boxes[len(nest.inputs) + j]
            l1 = [plan.buffer(core, "L1", box) for _ in range(sets)][0]
            at = start(access, split, lo)
            if access.read:
                plan.dma(named[f"init{j}"], l1, box, tiles, src_at=at)
            plan.dma(l1, named[f"output{j}"], box, tiles, dst_at=at)
            operands.append((f"output{j}", l1))
        params = GenericParams(nest.kind, tuple(nest.extents), split, (lo, hi), tuple(tile), tiles)
        plan.kernels.append(KernelCall(core, "generic", "", tuple(operands), params, -1, nest.payload))
    return plan
