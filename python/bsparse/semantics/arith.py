"""Implementations of the ``arith`` and ``math`` ops, elementwise on numpy scalars and arrays alike.

The same functions run scalar code, tensor-typed arith ops and the payloads of
structured ops (evaluated once over broadcast arrays), so every one of them is
a numpy ufunc call that keeps the operands' dtype: float32 stays float32.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from bsparse.activations import erf

from .core import attribute_to_numpy, dtype_of, impl

# ----------------------------------------------------------------------------- helpers


def _cast(x: Any, dtype: np.dtype) -> Any:
    """`x` converted to `dtype` with C semantics (float->int truncates, int->int wraps)."""
    if isinstance(x, np.ndarray):
        return x.astype(dtype, copy=False)
    return np.asarray(x).astype(dtype)[()]


def _unsigned(x: Any) -> Any:
    """The same bits read as unsigned (``bool`` stays ``bool``)."""
    dtype = np.asarray(x).dtype
    if dtype.kind != "i":
        return x
    return _view(x, np.dtype(f"uint{8 * dtype.itemsize}"))


def _view(x: Any, dtype: np.dtype) -> Any:
    if isinstance(x, np.ndarray):
        return x.view(dtype)
    return np.asarray(x).view(dtype)[()]


def _result_dtype(op) -> np.dtype:
    return dtype_of(op.results[0].type)


def _elementwise(names: str, fn: Callable[..., Any]) -> None:
    """Registers ``fn(*args)`` as the implementation of each op in `names`."""

    def run(interp, op, args):
        return (fn(*args),)

    impl(*names.split())(run)


# ----------------------------------------------------------------------------- constants


def _constant_value(op) -> Any:
    return attribute_to_numpy(op.attributes["value"], op.results[0].type, op)


@impl("arith.constant")
def constant(interp, op, args):
    return (interp.static(op, _constant_value),)


# ----------------------------------------------------------------------------- float arithmetic

_elementwise("arith.addf", np.add)
_elementwise("arith.subf", np.subtract)
_elementwise("arith.mulf", np.multiply)
_elementwise("arith.divf", np.divide)
_elementwise("arith.remf", np.fmod)
_elementwise("arith.negf", np.negative)
_elementwise("arith.maximumf", np.maximum)  # NaN-propagating
_elementwise("arith.minimumf", np.minimum)
_elementwise("arith.maxnumf", np.fmax)  # NaN-ignoring
_elementwise("arith.minnumf", np.fmin)

# ----------------------------------------------------------------------------- integer arithmetic


def _divsi(a, b):
    """Division rounding toward zero (numpy's // rounds down)."""
    q = np.floor_divide(a, b)
    inexact = (np.remainder(a, b) != 0) & ((np.asarray(a) < 0) != (np.asarray(b) < 0))
    return q + inexact.astype(np.asarray(q).dtype)


def _ceildivsi(a, b):
    return -np.floor_divide(-a, b)


def _unsigned_op(fn):
    def run(a, b):
        a_dtype = np.asarray(a).dtype
        return _view(fn(_unsigned(a), _unsigned(b)), a_dtype) if a_dtype.kind == "i" else fn(a, b)

    return run


_elementwise("arith.addi", np.add)
_elementwise("arith.subi", np.subtract)
_elementwise("arith.muli", np.multiply)
_elementwise("arith.divsi", _divsi)
_elementwise("arith.ceildivsi", _ceildivsi)
_elementwise("arith.floordivsi", np.floor_divide)
_elementwise("arith.remsi", np.fmod)  # C remainder: the sign of the dividend
_elementwise("arith.divui", _unsigned_op(np.floor_divide))
_elementwise("arith.ceildivui", _unsigned_op(lambda a, b: a // b + (a % b != 0)))
_elementwise("arith.remui", _unsigned_op(np.remainder))
_elementwise("arith.maxsi", np.maximum)
_elementwise("arith.minsi", np.minimum)
_elementwise("arith.maxui", _unsigned_op(np.maximum))
_elementwise("arith.minui", _unsigned_op(np.minimum))
_elementwise("arith.andi", np.bitwise_and)
_elementwise("arith.ori", np.bitwise_or)
_elementwise("arith.xori", np.bitwise_xor)
_elementwise("arith.shli", np.left_shift)
_elementwise("arith.shrsi", np.right_shift)
_elementwise("arith.shrui", _unsigned_op(np.right_shift))

# ----------------------------------------------------------------------------- comparisons and select


def _isnan_either(a, b):
    return np.isnan(a) | np.isnan(b)


# Values of ``arith::CmpFPredicate`` and ``arith::CmpIPredicate``.
CMPF: dict[int, Callable[[Any, Any], Any]] = {
    0: lambda a, b: np.zeros(np.broadcast(a, b).shape, np.bool_)[()],
    1: np.equal,
    2: np.greater,
    3: np.greater_equal,
    4: np.less,
    5: np.less_equal,
    6: lambda a, b: np.less(a, b) | np.greater(a, b),
    7: lambda a, b: ~_isnan_either(a, b),
    8: lambda a, b: np.equal(a, b) | _isnan_either(a, b),
    9: lambda a, b: ~np.less_equal(a, b),
    10: lambda a, b: ~np.less(a, b),
    11: lambda a, b: ~np.greater_equal(a, b),
    12: lambda a, b: ~np.greater(a, b),
    13: np.not_equal,
    14: _isnan_either,
    15: lambda a, b: np.ones(np.broadcast(a, b).shape, np.bool_)[()],
}

_CMPI: dict[int, Callable[[Any, Any], Any]] = {
    0: np.equal,
    1: np.not_equal,
    2: np.less,
    3: np.less_equal,
    4: np.greater,
    5: np.greater_equal,
    6: lambda a, b: np.less(_unsigned(a), _unsigned(b)),
    7: lambda a, b: np.less_equal(_unsigned(a), _unsigned(b)),
    8: lambda a, b: np.greater(_unsigned(a), _unsigned(b)),
    9: lambda a, b: np.greater_equal(_unsigned(a), _unsigned(b)),
}


def _predicate(op) -> int:
    return int(op.attributes["predicate"].value)


@impl("arith.cmpf")
def cmpf(interp, op, args):
    return (CMPF[interp.static(op, _predicate)](args[0], args[1]),)


@impl("arith.cmpi")
def cmpi(interp, op, args):
    return (_CMPI[interp.static(op, _predicate)](args[0], args[1]),)


@impl("arith.select")
def select(interp, op, args):
    cond, a, b = args
    if not isinstance(cond, np.ndarray):
        return (a if cond else b,)
    return (np.where(cond, a, b),)


# ----------------------------------------------------------------------------- casts


def _to_result(convert: Callable[[Any, np.dtype], Any]):
    def run(interp, op, args):
        return (convert(args[0], interp.static(op, _result_dtype)),)

    return run


def _signed_value(x):
    """An ``i1`` read as a signed integer is 0 or -1."""
    return -np.asarray(x).astype(np.int8) if np.asarray(x).dtype == np.bool_ else x


def _to_bool_or(cast):
    def run(x, dtype):
        if dtype == np.bool_:  # truncation to i1 keeps the low bit
            return _cast(np.bitwise_and(x, 1), np.bool_)
        return cast(x, dtype)

    return run


def _extui(x, dtype):
    return _view(_cast(_unsigned(x), np.dtype(f"uint{8 * dtype.itemsize}")), dtype) if dtype.kind == "i" else _cast(x, dtype)


def _fptoui(x, dtype):
    if dtype.kind != "i":
        return _cast(x, dtype)
    return _view(_cast(x, np.dtype(f"uint{8 * dtype.itemsize}")), dtype)


impl("arith.extf", "arith.truncf", "arith.fptosi")(_to_result(_cast))
impl("arith.sitofp", "arith.extsi")(_to_result(lambda x, d: _cast(_signed_value(x), d)))
impl("arith.uitofp")(_to_result(lambda x, d: _cast(_unsigned(x), d)))
impl("arith.fptoui")(_to_result(_fptoui))
impl("arith.extui", "arith.index_castui")(_to_result(_to_bool_or(_extui)))
impl("arith.trunci", "arith.index_cast")(_to_result(_to_bool_or(_cast)))
impl("arith.bitcast")(_to_result(_view))

# ----------------------------------------------------------------------------- math


def _round_half_away(x):
    t = np.trunc(x)
    return t + np.where(np.abs(np.subtract(x, t)) >= 0.5, np.sign(x), 0).astype(np.asarray(x).dtype)


def _ipowi(a, b):
    return np.where(np.asarray(b) < 0, 0, np.power(a, np.maximum(b, 0)))


_elementwise("math.exp", np.exp)
_elementwise("math.exp2", np.exp2)
_elementwise("math.expm1", np.expm1)
_elementwise("math.log", np.log)
_elementwise("math.log2", np.log2)
_elementwise("math.log10", np.log10)
_elementwise("math.log1p", np.log1p)
_elementwise("math.sqrt", np.sqrt)
_elementwise("math.rsqrt", lambda x: np.reciprocal(np.sqrt(x)))
_elementwise("math.cbrt", np.cbrt)
_elementwise("math.tanh", np.tanh)
_elementwise("math.tan", np.tan)
_elementwise("math.sin", np.sin)
_elementwise("math.cos", np.cos)
_elementwise("math.sinh", np.sinh)
_elementwise("math.cosh", np.cosh)
_elementwise("math.asin", np.arcsin)
_elementwise("math.acos", np.arccos)
_elementwise("math.atan", np.arctan)
_elementwise("math.asinh", np.arcsinh)
_elementwise("math.acosh", np.arccosh)
_elementwise("math.atanh", np.arctanh)
_elementwise("math.atan2", np.arctan2)
_elementwise("math.erf", erf)
_elementwise("math.erfc", lambda x: np.subtract(np.ones_like(x), erf(x)))
_elementwise("math.absf", np.abs)
_elementwise("math.absi", np.abs)
_elementwise("math.ceil", np.ceil)
_elementwise("math.floor", np.floor)
_elementwise("math.trunc", np.trunc)
_elementwise("math.round", _round_half_away)
_elementwise("math.roundeven", np.rint)
_elementwise("math.powf", np.power)
_elementwise("math.fpowi", lambda a, b: np.power(a, _cast(b, np.asarray(a).dtype)))
_elementwise("math.ipowi", _ipowi)
_elementwise("math.copysign", np.copysign)
_elementwise("math.fma", lambda a, b, c: np.add(np.multiply(a, b), c))
_elementwise("math.isnan", np.isnan)
_elementwise("math.isinf", np.isinf)
_elementwise("math.isfinite", np.isfinite)
