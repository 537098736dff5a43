"""What a structured op's payload costs per point of its loop space, on a host or on a core.

One vector op per payload op, but the ops a core evaluates at a measured
rate of its own (a target field: exp, tanh, erf, sqrt, rsqrt and a
division by a varying value) at that rate; a division by a constant or a
broadcast value is a multiply by its inverse. A payload that multiplies two
inputs and adds the product to its output is a contraction: a matmul's MAC,
costed at the target's MAC rate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import torch_mlir.ir as ir

from bsparse import targets
from bsparse.dtypes import COSTED_DTYPES

__all__ = ["Payload", "payload_of"]

RATES = {"math.exp": "exp_cycles_per_element", "math.tanh": "tanh_cycles_per_element",
         "math.erf": "erf_cycles_per_element", "math.rsqrt": "rsqrt_cycles_per_element",
         "math.sqrt": "sqrt_cycles_per_element", "arith.divf": "reciprocal_cycles_per_element"}
"""Payload ops a core evaluates at a measured rate of its own (a target field) rather than as one vector op."""

_CASTS = ("arith.extf", "arith.truncf", "arith.sitofp", "arith.extsi")
_MACS = (("arith.mulf", "arith.addf"), ("arith.muli", "arith.addi"))


@dataclass(frozen=True)
class Payload:
    """A payload's work per point of the loop space (module docstring)."""

    vector_ops: int
    rated: tuple[str, ...]
    """The target fields (`RATES`) of its rated ops, one per op."""
    contraction: bool = False

    def vector_cycles(self, target: targets.Target, dtype: str, points: float, lanes: int = 1) -> float:
        """Cycles of `points` points on `lanes` cores working side by side (not a contraction)."""
        ops = self.vector_ops if self.rated else max(self.vector_ops, 1)  # a copy still moves each element
        work = points * ops * COSTED_DTYPES[dtype] / target.vector_bytes_per_cycle
        return (work + points * sum(getattr(target, rate) for rate in self.rated)) / lanes

    def cycles(self, target: targets.Target, dtype: str, points: float) -> float:
        """One core's cycles for `points` points: MACs at the kernel's rate, else vector work."""
        if self.contraction:
            return points / (target.macs_per_cycle_for(dtype, allow_emulated=True) * target.kernel_efficiency)
        return self.vector_cycles(target, dtype, points)


def _varies(value: ir.Value, op) -> bool:
    """Whether a payload value changes with every element: not a constant or a broadcast input's element."""
    block = op.regions[0].blocks[0]
    arguments = list(block.arguments)
    if value in arguments:  # an input's element: varies unless its map leaves out some loop dims
        if "indexing_maps" not in op.attributes:
            return True
        maps = [ir.AffineMapAttr(m).value for m in ir.ArrayAttr(op.attributes["indexing_maps"])]
        amap = maps[arguments.index(value)]
        return len(set(re.findall(r"d\d+", str(amap).split("->")[1]))) == amap.n_dims
    producer = value.owner
    return isinstance(producer, ir.OpView) and producer.operation.parent == op.operation \
        and producer.operation.name != "arith.constant"


def _is_contraction(body: list, block: ir.Block) -> bool:
    """``out + a * b`` (casts aside), the add reading the output's element."""
    ops = [inner for inner in body if inner.name not in _CASTS]
    if len(ops) != 2 or (ops[0].name, ops[1].name) not in _MACS:
        return False
    out = block.arguments[len(block.arguments) - 1]
    return ops[0].result in list(ops[1].operands) and out in list(ops[1].operands)


def payload_of(op) -> Payload:
    """The payload of structured op `op` (its region's block; none: a copy)."""
    if not len(op.regions) or not op.regions[0].blocks:
        return Payload(0, ())
    block = op.regions[0].blocks[0]
    body = list(block.operations)[:-1]
    vector_ops, rated = 0, []
    for inner in body:
        rate = RATES.get(inner.name)
        if rate is not None and (inner.name != "arith.divf" or _varies(inner.operands[1], op)):
            rated.append(rate)
        else:
            vector_ops += 1
    return Payload(vector_ops, tuple(rated), _is_contraction(body, block))
