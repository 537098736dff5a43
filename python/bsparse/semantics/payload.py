"""Classification of structured-op payloads: parallel maps, recognised reductions, contractions, the rest.

Given the decoded block of a structured op, decides how :mod:`.structured`
evaluates it: all-parallel payloads run once over whole arrays; a yielded
``combine(out, e)`` (add, mul, max, min, bitwise ops, or the
``select(cmpf(ogt, e, out), e, out)`` idiom) becomes a numpy reduction of
``e``; ``out + a * b`` (with optional casts) an ``einsum``; a max/min with its
index (``select(cmpf(ogt, e, out), index, out_index)``) an argmax/argmin;
everything else is evaluated one reduction step at a time. Payloads are also
peephole-optimised: ``select(cmpf(pred, x, y), x, y)`` (ReLU, clamps) becomes
one ``maximum``/``minimum``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import torch_mlir.ir as ir

from .arith import CMPF
from .core import Plan, Step

if TYPE_CHECKING:
    from .structured import Structured

__all__ = ["Analysis", "ArgReduce", "Contraction", "Reduce", "analyse", "fuse_compare_select"]

_COMBINERS = {
    "arith.addf": np.add, "arith.addi": np.add, "arith.mulf": np.multiply, "arith.muli": np.multiply,
    "arith.maximumf": np.maximum, "arith.minimumf": np.minimum, "arith.maxnumf": np.fmax,
    "arith.minnumf": np.fmin, "arith.maxsi": np.maximum, "arith.minsi": np.minimum,
    "arith.andi": np.bitwise_and, "arith.ori": np.bitwise_or, "arith.xori": np.bitwise_xor,
}
_CASTS = {"arith.extf", "arith.truncf", "arith.sitofp", "arith.extsi", "arith.uitofp", "arith.extui"}
_GREATER = {2: "first", 3: "last", 9: "first", 10: "last"}  # ogt, oge, ugt, uge
_LESS = {4: "first", 5: "last", 11: "first", 12: "last"}  # olt, ole, ult, ule


@dataclass
class Reduce:
    """Output i = combine(out_i, reduce(e_i over the reduction loops))."""

    ufunc: np.ufunc
    value: ir.Value


@dataclass
class ArgReduce:
    """Output i = the index expression at the first/last max (min) of output `of`'s reduced value."""

    of: int
    value: ir.Value
    greater: bool
    which: str


@dataclass
class Contraction:
    """The single output = out + einsum(a, b): a matmul, convolution or dot product."""

    inputs: tuple[int, int]


@dataclass
class Analysis:
    kind: str  # "parallel", "reduce", "contraction", "sequential"
    plan: Plan | None = None
    outputs: list[Any] = field(default_factory=list)
    contraction: Contraction | None = None


def _producers(plan: Plan) -> dict[ir.Value, Any]:
    return {r: step for step in plan.steps for r in step.results}


def _tainted(plan: Plan, sources: set[ir.Value]) -> set:
    """Steps whose results depend on `sources`."""
    tainted_values = set(sources)
    steps = set()
    for step in plan.steps:
        if any(v in tainted_values for v in step.operands):
            steps.add(step)
            tainted_values.update(step.results)
    return steps


def _match_select_max(step, producers, out_arg) -> tuple[np.ufunc, ir.Value] | None:
    """``select(cmpf(pred, x, y), x, y)`` with {x, y} = {e, out}: a max or min."""
    if step.name != "arith.select":
        return None
    cond, a, b = step.operands
    cmp = producers.get(cond)
    if cmp is None or cmp.name != "arith.cmpf":
        return None
    pred = int(cmp.op.attributes["predicate"].value)
    x, y = cmp.operands
    if (a, b) == (y, x):
        pred = {2: 4, 3: 5, 4: 2, 5: 3, 9: 11, 10: 12, 11: 9, 12: 10}.get(pred, -1)
    elif (a, b) != (x, y):
        return None
    if out_arg not in (x, y):
        return None
    e = y if x == out_arg else x
    if pred in _GREATER:
        return (np.fmax if pred < 8 else np.maximum), e
    if pred in _LESS:
        return (np.fmin if pred < 8 else np.minimum), e
    return None


def analyse(info: Structured, plan: Plan) -> Analysis:
    """Classifies the payload of a decoded structured op."""
    if not any(info.reduction) or not info.block_takes_outputs:
        return Analysis("parallel", fuse_compare_select(plan))
    out_args = list(plan.args[info.n_inputs:])
    producers = _producers(plan)
    contraction = _match_contraction(info, plan, producers)
    if contraction is not None:
        return Analysis("contraction", contraction=contraction)
    outputs: list[Any] = [None] * info.n_outputs
    combiners: dict[int, Any] = {}
    for i, (out_arg, value) in enumerate(zip(out_args, plan.yields)):
        step = producers.get(value)
        if step is None:
            continue
        if step.name in _COMBINERS and len(step.operands) == 2 and out_arg in step.operands:
            e = step.operands[1] if step.operands[0] == out_arg else step.operands[0]
            outputs[i] = Reduce(_COMBINERS[step.name], e)
            combiners[i] = (step,)
        elif (match := _match_select_max(step, producers, out_arg)) is not None:
            outputs[i] = Reduce(match[0], match[1])
            combiners[i] = (step, producers[step.operands[0]])
    for i, (out_arg, value) in enumerate(zip(out_args, plan.yields)):
        if outputs[i] is None and (arg := _match_arg_reduce(i, out_args, value, producers, outputs)) is not None:
            outputs[i] = arg
            combiners[i] = (producers[value], producers[producers[value].operands[0]])
    if any(o is None for o in outputs):
        return Analysis("sequential", plan)
    allowed = {s for steps in combiners.values() for s in steps}
    if not _tainted(plan, set(out_args)) <= allowed or any(
        o.value in out_args or any(o.value in s.results for s in allowed) for o in outputs
    ):
        return Analysis("sequential", plan)
    kept = [s for s in plan.steps if s not in allowed]
    values = tuple(o.value for o in outputs)
    return Analysis("reduce", fuse_compare_select(Plan(plan.args, kept, None, values)), outputs)


def fuse_compare_select(plan: Plan) -> Plan:
    """Replaces ``select(cmpf(pred, x, y), x, y)`` (ReLU, clamps) by one max/min: no mask, no ``where``."""
    producers = _producers(plan)
    uses: dict[ir.Value, int] = {}
    for v in [v for s in plan.steps for v in s.operands] + list(plan.yields):
        uses[v] = uses.get(v, 0) + 1
    replaced: dict[Step, Step] = {}
    for step in plan.steps:
        cmp = producers.get(step.operands[0]) if step.name == "arith.select" else None
        if cmp is None or cmp.name != "arith.cmpf" or uses[cmp.results[0]] != 1:
            continue
        pred = int(cmp.op.attributes["predicate"].value)
        x, y = cmp.operands
        if pred not in _GREATER and pred not in _LESS or tuple(step.operands[1:]) not in ((x, y), (y, x)):
            continue
        fn = _extremum(pred, swapped=tuple(step.operands[1:]) == (y, x))
        replaced[step] = Step(step.op, step.name, fn, (x, y), step.results, step.result_specs)
        replaced[cmp] = None
    if not replaced:
        return plan
    steps = [replaced.get(s, s) for s in plan.steps]
    return Plan(plan.args, [s for s in steps if s is not None], plan.terminator, plan.yields)


def _extremum(pred: int, swapped: bool):
    """``select(pred(x, y), x, y)`` (or ``y, x`` if swapped) as a max/min with the same NaN behaviour.

    Exact when one side is a non-NaN scalar (a ReLU's zero, a clamp's bound);
    otherwise the compare and select run as written.
    """
    unordered = pred >= 8
    want_max = (pred in _GREATER) != swapped

    def run(interp, op, args):
        x, y = args
        x_array, y_array = isinstance(x, np.ndarray), isinstance(y, np.ndarray)
        if x_array and not y_array and not np.isnan(y):
            nan_keeps_array = unordered != swapped
        elif y_array and not x_array and not np.isnan(x):
            nan_keeps_array = unordered == swapped
        else:
            cond = CMPF[pred](x, y)
            return (np.where(cond, y, x) if swapped else np.where(cond, x, y),)
        if want_max:
            return ((np.maximum if nan_keeps_array else np.fmax)(x, y),)
        return ((np.minimum if nan_keeps_array else np.fmin)(x, y),)

    return run


def _match_arg_reduce(i, out_args, value, producers, outputs) -> ArgReduce | None:
    """``select(cmpf(pred, e, out_k), index, out_i)`` where output k reduces e by max or min."""
    step = producers.get(value)
    if step is None or step.name != "arith.select" or step.operands[2] != out_args[i]:
        return None
    cmp = producers.get(step.operands[0])
    if cmp is None or cmp.name != "arith.cmpf" or cmp.operands[1] not in out_args:
        return None
    k = out_args.index(cmp.operands[1])
    reduce_k = outputs[k]
    if not isinstance(reduce_k, Reduce) or reduce_k.value != cmp.operands[0]:
        return None
    pred = int(cmp.op.attributes["predicate"].value)
    if pred in _GREATER and reduce_k.ufunc in (np.maximum, np.fmax):
        return ArgReduce(k, step.operands[1], True, _GREATER[pred])
    if pred in _LESS and reduce_k.ufunc in (np.minimum, np.fmin):
        return ArgReduce(k, step.operands[1], False, _LESS[pred])
    return None


def _match_contraction(info: Structured, plan: Plan, producers) -> Contraction | None:
    if info.n_outputs != 1 or info.n_inputs != 2 or len(plan.yields) != 1:
        return None
    add = producers.get(plan.yields[0])
    out_arg = plan.args[info.n_inputs]
    if add is None or add.name not in ("arith.addf", "arith.addi") or out_arg not in add.operands:
        return None
    mul = producers.get(add.operands[1] if add.operands[0] == out_arg else add.operands[0])
    if mul is None or mul.name not in ("arith.mulf", "arith.muli"):
        return None
    inputs = []
    used = {add, mul}
    for v in mul.operands:
        cast = producers.get(v)
        if cast is not None and cast.name in _CASTS:
            used.add(cast)
            v = cast.operands[0]
        if v not in plan.args[:info.n_inputs]:
            return None
        inputs.append(plan.args.index(v))
    if len(used) != len(plan.steps) or inputs[0] == inputs[1]:
        return None
    if any(info.accesses[i].kind not in ("view", "strided") for i in inputs):
        return None
    return Contraction((inputs[0], inputs[1]))
