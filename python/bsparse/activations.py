"""The activations a bsparse op's epilogue applies after its bias: each defined once, here.

An activation is its function (what the interpreter computes at every stage,
bsparse and aie alike, and what bsparse-pack compares an elementwise op with
before folding it into the op before it) and its cost on a core
(`Activation.cycles_per_element`, from the target's sourced rates).

A core computes an epilogue on each output vector after the MAC loop, before
the store: ``relu`` and ``relu6`` are one or two vector max/min per output
vector in the output's type; the transcendental ones are evaluated in bf16 (AIE-ML
has no exp, tanh or erf instruction: mlir-aie evaluates them with lookup
tables and polynomials, 16 or 32 lanes at a time), at the target's measured
``tanh``/``sigmoid``/``erf`` rates plus their few vector multiplies and adds.
``gelu`` is PyTorch's exact (erf) GELU, ``gelu_tanh`` its tanh approximation.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from bsparse import targets
from bsparse.dtypes import COSTED_DTYPES

__all__ = ["ACTIVATIONS", "Activation", "activation", "apply", "epilogue", "erf"]


def erf(x):
    """numpy has no erf; PyTorch's is vectorised and matches the reference models."""
    array = np.asarray(x)
    if array.ndim == 0:
        return array.dtype.type(math.erf(float(array)))
    try:
        import torch
    except ImportError:  # exact but slow: one Python call per element
        return np.frompyfunc(math.erf, 1, 1)(array).astype(array.dtype)
    if not (array.flags.c_contiguous and array.flags.writeable):
        array = np.array(array)
    return torch.special.erf(torch.from_numpy(array)).numpy()


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return (1.0 / (1.0 + np.exp(-x))).astype(x.dtype, copy=False)


def _vector_op(t: targets.Target, dtype: str) -> float:
    """Cycles per element of one simple vector op (max, min, add, mul): the store port's rate."""
    return COSTED_DTYPES[dtype] / t.vector_bytes_per_cycle


_BF16 = "bf16"  # the type a core evaluates transcendental functions in


@dataclass(frozen=True)
class Activation:
    """One epilogue activation.

    Attributes:
        name: Its name in the ``activation`` attribute of bsparse ops and in kernel parameters.
        fn: Its function, elementwise on float32 arrays.
        cost: Cycles per output element on one core, for a target and the costed dtype.
    """

    name: str
    fn: Callable[[np.ndarray], np.ndarray]
    cost: Callable[[targets.Target, str], float]

    def cycles_per_element(self, t: targets.Target, dtype: str) -> float:
        """Cycles one core spends on the epilogue per output element (module docstring)."""
        return self.cost(t, dtype)


ACTIVATIONS: dict[str, Activation] = {a.name: a for a in (
    Activation("none", lambda x: x, lambda t, d: 0.0),
    Activation("relu", lambda x: np.maximum(x, 0).astype(x.dtype, copy=False), lambda t, d: _vector_op(t, d)),
    Activation("relu6", lambda x: np.minimum(np.maximum(x, 0), 6).astype(x.dtype, copy=False),
               lambda t, d: 2 * _vector_op(t, d)),
    Activation("sigmoid", _sigmoid, lambda t, d: t.sigmoid_cycles_per_element),
    Activation("tanh", np.tanh, lambda t, d: t.tanh_cycles_per_element),
    Activation("silu", lambda x: x * _sigmoid(x),  # x * sigmoid(x): one multiply more
               lambda t, d: t.sigmoid_cycles_per_element + _vector_op(t, _BF16)),
    Activation("gelu", lambda x: (0.5 * x * (1.0 + erf(x / np.float32(math.sqrt(2.0))))).astype(x.dtype, copy=False),
               lambda t, d: t.erf_cycles_per_element + 4 * _vector_op(t, _BF16)),  # x/sqrt2, +1, *0.5, *x
    Activation("gelu_tanh",
               lambda x: (0.5 * x * (1.0 + np.tanh(np.float32(math.sqrt(2.0 / math.pi)) * (x + 0.044715 * x ** 3))))
               .astype(x.dtype, copy=False),
               lambda t, d: t.tanh_cycles_per_element + 7 * _vector_op(t, _BF16)),  # x^3 (2), *c, +x, *c, +1, *0.5, *x
)}
"""Name -> activation, in the order bsparse-pack tries them."""


def activation(name: str) -> Activation:
    """The activation named `name` (a verified attribute names one)."""
    return ACTIVATIONS[name]


def apply(name: str, y: np.ndarray) -> np.ndarray:
    """`y` through activation `name`."""
    return ACTIVATIONS[name].fn(y)


def epilogue(y: np.ndarray, bias: np.ndarray | None, name: str, channel_axis: int,
             residual: np.ndarray | None = None) -> np.ndarray:
    """A kernel's epilogue on its fresh accumulator `y`: ``act(y + bias + residual)``, `bias` along
    `channel_axis`, `residual` (a skip connection) of `y`'s shape."""
    if bias is not None:
        shape = [1] * y.ndim
        shape[channel_axis] = -1
        y += bias.astype(y.dtype, copy=False).reshape(shape)
    if residual is not None:
        y += residual.astype(y.dtype, copy=False)
    if name == "relu":  # in place: the common case
        return np.maximum(y, 0, out=y)
    return apply(name, y)
