"""The interpreter core: an SSA environment, dispatch of ops to registered numpy implementations, listeners and per-op caches.

An op implementation is a function ``fn(interp, op, args) -> results``
registered by MLIR op name with :func:`impl`; it maps the op's operand values
(numpy arrays for tensors, numpy scalars for scalars) to a sequence of result
values. The walker knows no op: ``upstream.py``, ``bsparse.py`` and ``aie.py``
beside this module register the implementations of their dialects.

Values are immutable: an implementation never writes into an argument and may
return views of its arguments. Constants are cached read-only, and
:meth:`Interpreter.call` returns fresh arrays.

The environment maps ``ir.Value`` to values: in these bindings values,
operations and blocks hash and compare by the underlying MLIR pointer, so two
Python wrappers of one SSA value find the same entry.
"""

from __future__ import annotations

import ctypes
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

import numpy as np
import torch_mlir.ir as ir

from bsparse.errors import BsparseError
from bsparse.irutil import location_str

__all__ = [
    "IMPLS",
    "TERMINATORS",
    "Interpreter",
    "InterpreterError",
    "Listener",
    "Plan",
    "Step",
    "attribute_to_numpy",
    "dtype_of",
    "impl",
    "shape_of",
]

ImplFn = Callable[["Interpreter", Any, list], Sequence[Any]]

#: Op name -> implementation ``fn(interp, op, args) -> results``.
IMPLS: dict[str, ImplFn] = {}

#: Names of terminator ops: their operands are a block's results and they are never dispatched.
#: Ops with the ``IsTerminator`` trait are recognised without being listed.
TERMINATORS: set[str] = {
    "func.return", "linalg.yield", "tensor.yield", "aie.yield", "scf.yield", "scf.condition", "cf.br", "cf.cond_br",
}

_BRANCHES = ("cf.br", "cf.cond_br")

T = TypeVar("T")


def impl(*names: str) -> Callable[[ImplFn], ImplFn]:
    """Registers the decorated function as the implementation of the ops `names`.

    Example::

        @impl("arith.addf")
        def addf(interp, op, args):
            return (np.add(args[0], args[1]),)
    """

    def register(fn: ImplFn) -> ImplFn:
        for name in names:
            IMPLS[name] = fn
        return fn

    return register


class InterpreterError(BsparseError):
    """An op the interpreter cannot run, or inputs it cannot run on; located at the op when known.

    Attributes:
        op_name: The MLIR name of the offending op, if any.
    """

    def __init__(self, message: str, location: str | None = None, op_name: str | None = None):
        super().__init__(message, location)
        self.op_name = op_name


class Listener:
    """Hooks called around every op the interpreter runs (the cost model subclasses this).

    Payload regions of structured ops (``linalg.generic`` bodies, pad values)
    are evaluated once over whole arrays, not op by op, so their ops are not
    reported; the structured op itself is.
    """

    def will_run(self, op: ir.OpView, args: list) -> None:
        """Called before `op` runs on operand values `args`."""

    def did_run(self, op: ir.OpView, results: Sequence[Any]) -> None:
        """Called after `op` produced `results`."""


# ----------------------------------------------------------------------------- types


_DTYPES: dict[str, np.dtype] = {
    "f16": np.dtype(np.float16), "f32": np.dtype(np.float32), "f64": np.dtype(np.float64),
    "i1": np.dtype(np.bool_), "index": np.dtype(np.int64),
}
for _w in (8, 16, 32, 64):
    _DTYPES[f"i{_w}"] = _DTYPES[f"si{_w}"] = np.dtype(f"int{_w}")
    _DTYPES[f"ui{_w}"] = np.dtype(f"uint{_w}")


def dtype_of(type_: ir.Type) -> np.dtype:
    """The numpy dtype of an MLIR element type, or of a shaped type's elements.

    Signless integers are signed; ``i1`` is ``bool``; ``index`` is ``int64``.

    Raises:
        InterpreterError: the type has no numpy counterpart (e.g. ``bf16``, ``i4``).
    """
    if isinstance(type_, ir.ShapedType):
        type_ = type_.element_type
    key = str(type_)
    try:
        return _DTYPES[key]
    except KeyError:
        raise InterpreterError(f"element type '{key}' has no numpy counterpart") from None


def shape_of(type_: ir.Type) -> tuple[int | None, ...] | None:
    """The shape of a ranked shaped type with None for dynamic sizes; None for scalars and unranked types."""
    if not isinstance(type_, ir.ShapedType) or not type_.has_rank:
        return None
    return tuple(None if type_.is_dynamic_dim(i) else size for i, size in enumerate(type_.shape))


# ----------------------------------------------------------------------------- constants


def attribute_to_numpy(attr: ir.Attribute, type_: ir.Type, op: ir.OpView | None = None) -> Any:
    """The value of a constant attribute: a read-only array for tensors, a numpy scalar otherwise.

    Handles float, integer and bool attributes, dense elements (splats
    expanded) and ``dense_resource`` blobs (read back through the printer).

    Raises:
        InterpreterError: the attribute kind is not supported.
    """
    if isinstance(attr, ir.DenseElementsAttr):
        array = np.array(attr)
        shape = ir.ShapedType(attr.type).shape
        array = array.reshape(shape).astype(dtype_of(attr.type), copy=False)
        array.flags.writeable = False
        return array
    if isinstance(attr, ir.BoolAttr):
        return np.bool_(attr.value)
    if isinstance(attr, (ir.FloatAttr, ir.IntegerAttr)):
        dtype = dtype_of(type_)
        value = attr.value
        if dtype == np.bool_:
            return np.bool_(value & 1)
        if dtype.kind in "iu":
            value = int(value) & ((1 << (8 * dtype.itemsize)) - 1)  # two's complement wrap
            return np.array(value, dtype=np.uint64).astype(dtype)[()]
        return dtype.type(value)
    if op is not None and str(attr).startswith("dense_resource<"):  # no typeid in these bindings
        return _resource_to_numpy(attr, op)
    raise InterpreterError(f"unsupported constant attribute {str(attr)[:80]}")


_RESOURCE_RE = re.compile(r'^\s*([\w.$-]+|"[^"]*"):\s*"0x([0-9A-Fa-f]*)"', re.MULTILINE)


def _resource_to_numpy(attr: ir.Attribute, op: ir.OpView) -> np.ndarray:
    """Reads a ``dense_resource`` blob by printing a clone of its op in a scratch module.

    The Python bindings cannot read resource blobs directly; the printer writes
    them as hex (a 4-byte alignment, then the data).
    """
    shaped = ir.ShapedType(attr.type)
    with op.context, ir.Location.unknown():
        scratch = ir.Module.create()
        with ir.InsertionPoint(scratch.body):
            op.operation.clone()
        text = scratch.operation.get_asm()
    match = _RESOURCE_RE.search(text.partition("{-#")[2])
    if match is None:
        raise InterpreterError(f"cannot read the data of {str(attr)[:80]} (elided or missing resource)")
    raw = bytes.fromhex(match.group(2))[4:]
    dtype = dtype_of(shaped)
    count = int(np.prod(shaped.shape))
    array = np.frombuffer(raw, dtype=np.uint8 if dtype == np.bool_ else dtype)
    if array.size == 1 and count != 1:
        array = np.broadcast_to(array, (count,))  # a splat blob holds one element
    if array.size != count:
        raise InterpreterError(f"resource of {str(attr)[:80]} holds {array.size} elements, expected {count}")
    array = array.astype(dtype).reshape(shaped.shape)
    array.flags.writeable = False
    return array


# ----------------------------------------------------------------------------- plans


@dataclass(frozen=True, eq=False)
class Step:
    """One op of a block, ready to dispatch."""

    op: ir.OpView
    name: str
    fn: ImplFn | None
    operands: tuple[ir.Value, ...]
    results: tuple[ir.Value, ...]
    #: (shape with None for dynamic sizes, or None for scalars; dtype or None) per result.
    result_specs: tuple[tuple[tuple[int | None, ...] | None, np.dtype | None], ...]
    #: Values of this block that nothing after this step uses: dropped from the frame after it runs.
    dead: tuple[ir.Value, ...] = ()


@dataclass(eq=False)
class Plan:
    """A block decoded once: its arguments, its non-terminator ops and the values it yields."""

    args: tuple[ir.Value, ...]
    steps: list[Step]
    terminator: ir.OpView | None
    yields: tuple[ir.Value, ...]


def _result_spec(type_: ir.Type) -> tuple[tuple[int | None, ...] | None, np.dtype | None]:
    try:
        dtype = dtype_of(type_)
    except InterpreterError:
        dtype = None
    return shape_of(type_), dtype


def _nested_uses(op: ir.OpView) -> list[ir.Value]:
    """The operands of `op` and of every op in its regions (a payload reads values from outside)."""
    if not len(op.regions):
        return list(op.operands)
    uses: list[ir.Value] = []

    def visit(inner: ir.Operation) -> ir.WalkResult:
        uses.extend(inner.operands)
        return ir.WalkResult.ADVANCE

    op.operation.walk(visit)
    return uses


def _with_dead_values(steps: list[Step], yields: Sequence[ir.Value]) -> list[Step]:
    """Marks on each step the results of the block's steps that are dead once it has run."""
    last_use: dict[ir.Value, int] = {}
    for i, step in enumerate(steps):
        for value in _nested_uses(step.op):
            last_use[value] = i
    for value in yields:
        last_use[value] = len(steps)
    dead: list[list[ir.Value]] = [[] for _ in steps]
    for i, step in enumerate(steps):
        for value in step.results:
            position = last_use.get(value, i)
            if position < len(steps):
                dead[position].append(value)
    return [replace(step, dead=tuple(d)) if d else step for step, d in zip(steps, dead)]


def _is_terminator(op: ir.OpView) -> bool:
    return op.name in TERMINATORS or op.operation.has_trait(ir.IsTerminatorTrait)


# ----------------------------------------------------------------------------- interpreter

_ALLOCATOR_TUNED = False


def tune_allocator() -> None:
    """Asks glibc to keep freed large blocks for reuse instead of unmapping them (once per process).

    Interpreting a network allocates and frees megabyte temporaries for every
    op; by default each one is a fresh ``mmap`` whose pages fault in on first
    touch, which makes elementwise ops ~1.5x slower. Set ``BSPARSE_MALLOPT=0``
    to leave the allocator alone. A no-op where ``mallopt`` is unavailable.
    """
    global _ALLOCATOR_TUNED
    if _ALLOCATOR_TUNED or os.environ.get("BSPARSE_MALLOPT", "1") == "0":
        return
    _ALLOCATOR_TUNED = True
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    m_trim_threshold, m_mmap_threshold = -1, -3
    mallopt(m_mmap_threshold, 1 << 29)
    mallopt(m_trim_threshold, 1 << 30)



class Interpreter:
    """Runs the functions of an MLIR module on numpy arrays.

    Args:
        module: The module; it must not change while the interpreter is in use
            (decoded blocks, attributes and constants are cached per op).
        listener: Receives ``will_run``/``did_run`` around every op.

    Example::

        interp = Interpreter(module)
        (y,) = interp.call("main", x)
    """

    def __init__(self, module: ir.Module | None, listener: Listener | None = None):
        self.module = module
        self.listener = listener
        self._plans: dict[ir.Block, Plan] = {}
        self._static: dict[tuple[Any, Any], Any] = {}
        self._frames: list[dict[ir.Value, Any]] = []
        self._functions: dict[str, ir.OpView] | None = None
        #: Set by structured ops while their payload runs: answers ``linalg.index``.
        self.loop_context: Any = None
        tune_allocator()

    # ------------------------------------------------------------------ functions

    @property
    def functions(self) -> dict[str, ir.OpView]:
        """The module's ``func.func`` ops by symbol name."""
        if self._functions is None:
            self._functions = {}
            for op in self.module.body.operations:
                if op.operation.name == "func.func":
                    self._functions[ir.StringAttr(op.attributes["sym_name"]).value] = op
        return self._functions

    def call(self, symbol: str, *args: Any) -> tuple[Any, ...]:
        """Runs ``func.func @symbol`` on `args` and returns its results as fresh arrays.

        Args:
            symbol: The function's name.
            *args: One numpy array per tensor argument (exact shape and dtype)
                and one number per scalar argument.

        Raises:
            InterpreterError: unknown function, wrong number, shape or dtype
                of arguments, or an op that cannot be run.
        """
        func = self.functions.get(symbol)
        if func is None:
            known = ", ".join(sorted(self.functions)) or "none"
            raise InterpreterError(f"no function @{symbol} in the module (functions: {known})")
        inputs = ir.FunctionType(ir.TypeAttr(func.attributes["function_type"]).value).inputs
        if len(args) != len(inputs):
            raise InterpreterError(
                f"@{symbol} takes {len(inputs)} argument(s), got {len(args)}", self._where(func), "func.func"
            )
        checked = [self._check_argument(symbol, i, arg, t) for i, (arg, t) in enumerate(zip(args, inputs))]
        with np.errstate(all="ignore"):  # IEEE semantics: 1/0 = inf, no warnings
            results = self.call_function(func, checked)
        return tuple(np.array(r) if isinstance(r, np.ndarray) else r for r in results)

    def call_function(self, func: ir.OpView, args: Sequence[Any]) -> list[Any]:
        """Runs a ``func.func`` op on already-checked values in a new frame."""
        region = func.regions[0]
        if not region.blocks:
            raise InterpreterError(
                f"function @{ir.StringAttr(func.attributes['sym_name']).value} has no body",
                self._where(func), "func.func",
            )
        self._frames.append({})
        try:
            return self.run_region(region, args)
        finally:
            self._frames.pop()

    def _check_argument(self, symbol: str, index: int, arg: Any, type_: ir.Type) -> Any:
        where = f"argument {index} of @{symbol}"
        dtype = dtype_of(type_)
        shape = shape_of(type_)
        if shape is None:
            if np.ndim(arg) != 0:
                raise InterpreterError(f"{where} must be a scalar of type {type_}, got shape {np.shape(arg)}")
            try:
                return dtype.type(arg)
            except (OverflowError, TypeError, ValueError) as exc:
                raise InterpreterError(f"{where} must be a {type_}, got {arg!r} ({exc})") from None
        array = np.asarray(arg)
        if array.dtype != dtype:
            raise InterpreterError(f"{where} must have dtype {dtype} for {type_}, got {array.dtype}")
        if array.ndim != len(shape) or any(s is not None and s != a for s, a in zip(shape, array.shape)):
            raise InterpreterError(f"{where} must have shape {_shape_text(shape)} for {type_}, got {array.shape}")
        return array

    def run_op(self, op: ir.OpView, args: Sequence[Any]) -> Sequence[Any]:
        """Runs one op on operand values `args` (e.g. to fold constants) and returns its results.

        Raises:
            InterpreterError: the op cannot be run.
        """
        fn = IMPLS.get(op.name)
        step = Step(op=op, name=op.name, fn=fn, operands=tuple(op.operands), results=tuple(op.results),
                    result_specs=tuple(_result_spec(r.type) for r in op.results))
        with np.errstate(all="ignore"):
            results = self._dispatch(step, list(args))
        self._check_results(step, results)
        return results

    # ------------------------------------------------------------------ regions and blocks

    @property
    def env(self) -> dict[ir.Value, Any]:
        """The SSA environment of the innermost running function."""
        if not self._frames:
            self._frames.append({})
        return self._frames[-1]

    def run_region(self, region: ir.Region, args: Sequence[Any]) -> list[Any]:
        """Runs `region` from its entry block, following ``cf.br``/``cf.cond_br``; returns the final terminator's operand values."""
        block = region.blocks[0]
        while True:
            plan = self.plan(block)
            values = self.execute(plan, args)
            term = plan.terminator
            if term is None or term.name not in _BRANCHES:
                return values
            block, args = self._branch(term, values)

    def _branch(self, term: ir.OpView, values: list[Any]) -> tuple[ir.Block, list[Any]]:
        successors = term.operation.successors
        if term.name == "cf.br":
            return successors[0], values
        sizes = list(ir.DenseI32ArrayAttr(term.attributes["operandSegmentSizes"]))
        n_true = sizes[1]
        if bool(values[0]):
            return successors[0], values[1:1 + n_true]
        return successors[1], values[1 + n_true:]

    def run_block(self, block: ir.Block, args: Sequence[Any], *, payload: bool = False) -> list[Any]:
        """Runs `block` once in the current frame and returns its terminator's operand values.

        Args:
            block: The block; values defined outside it are read from the frame.
            args: Values for the block arguments.
            payload: True for a structured op's payload evaluated over whole
                (broadcast) arrays: no listener calls, no result-type checks.
        """
        return self.execute(self.plan(block), args, payload=payload)

    def plan(self, block: ir.Block) -> Plan:
        """The decoded form of `block`, built once and cached."""
        plan = self._plans.get(block)
        if plan is None:
            plan = self._plans[block] = self._build_plan(block)
        return plan

    def _build_plan(self, block: ir.Block) -> Plan:
        steps: list[Step] = []
        terminator = None
        ops = list(block.operations)
        for i, op in enumerate(ops):
            if i == len(ops) - 1 and _is_terminator(op):
                terminator = op
                break
            results = tuple(op.results)
            steps.append(Step(
                op=op, name=op.name, fn=IMPLS.get(op.name), operands=tuple(op.operands), results=results,
                result_specs=tuple(_result_spec(r.type) for r in results),
            ))
        yields = tuple(terminator.operands) if terminator is not None else ()
        if len(block.region.blocks) == 1:  # with branches, a value may be used by a successor block
            steps = _with_dead_values(steps, yields)
        return Plan(args=tuple(block.arguments), steps=steps, terminator=terminator, yields=yields)

    def execute(self, plan: Plan, args: Sequence[Any], *, payload: bool = False) -> list[Any]:
        """Runs a (possibly filtered) plan in the current frame; returns the values of ``plan.yields``."""
        env = self.env
        for value, arg in zip(plan.args, args):
            env[value] = arg
        listener = None if payload else self.listener
        for step in plan.steps:
            try:
                operands = [env[v] for v in step.operands]
            except KeyError:
                raise self.error(step.op, "reads a value that was never computed (interpreter bug)") from None
            if listener is not None:
                listener.will_run(step.op, operands)
            results = self._dispatch(step, operands)
            if len(results) != len(step.results):
                raise self.error(step.op, f"produced {len(results)} result(s), expected {len(step.results)}")
            if not payload:
                self._check_results(step, results)
            for value, result in zip(step.results, results):
                env[value] = result
            if listener is not None:
                listener.did_run(step.op, results)
            if not payload:  # keeps memory at the live set; payload plans may be filtered copies
                for value in step.dead:
                    del env[value]
        return [env[v] for v in plan.yields]

    def _dispatch(self, step: Step, operands: list[Any]) -> Sequence[Any]:
        if step.fn is None:
            raise self.unsupported(step.op)
        try:
            return step.fn(self, step.op, operands)
        except InterpreterError as exc:
            if exc.location is None and exc.op_name is None:
                raise self.error(step.op, exc.message) from exc
            raise
        except Exception as exc:  # numpy's complaints about this op's inputs
            raise self.error(step.op, f"{type(exc).__name__}: {exc}") from exc

    def _check_results(self, step: Step, results: Sequence[Any]) -> None:
        """Catches implementation bugs early: every result must match its declared type."""
        for i, (result, (shape, dtype)) in enumerate(zip(results, step.result_specs)):
            got_dtype = getattr(result, "dtype", None)
            if dtype is not None and got_dtype != dtype:
                raise self.error(step.op, f"result {i} has dtype {got_dtype}, expected {dtype} (interpreter bug)")
            if shape is None:
                continue
            got = getattr(result, "shape", None)
            if got is None or len(got) != len(shape) or any(s is not None and s != g for s, g in zip(shape, got)):
                raise self.error(
                    step.op, f"result {i} has shape {got}, expected {_shape_text(shape)} (interpreter bug)"
                )

    # ------------------------------------------------------------------ helpers for implementations

    def static(self, op: ir.OpView, compute: Callable[[ir.OpView], T], key: Any = None) -> T:
        """``compute(op)``, computed once per (op, compute) and cached: parsed attributes, constants, maps.

        `key` replaces `compute` in the cache key when `compute` is a fresh closure.
        """
        key = (op, compute if key is None else key)
        try:
            return self._static[key]
        except KeyError:
            value = self._static[key] = compute(op)
            return value

    def unsupported(self, op: ir.OpView, detail: str = "") -> InterpreterError:
        """The located ``unsupported op 'x.y'`` error (to raise), with an optional explanation."""
        return InterpreterError(f"unsupported op '{op.name}'" + (f": {detail}" if detail else ""), self._where(op), op.name)

    def error(self, op: ir.OpView, message: str) -> InterpreterError:
        """An `InterpreterError` located at `op` (to raise), worded like MLIR's: ``'linalg.fill' op <message>``."""
        return InterpreterError(f"'{op.name}' op {message}", self._where(op), op.name)

    @staticmethod
    def _where(op: ir.OpView) -> str | None:
        return location_str(op.location)


def _shape_text(shape: Sequence[int | None]) -> str:
    return "x".join("?" if s is None else str(s) for s in shape) or "()"
