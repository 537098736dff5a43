"""What each upstream op computes, on numpy: the op implementations and the engine that runs them.

>>> from bsparse.semantics import Interpreter
>>> (y,) = Interpreter(module).call("main", x)

Each dialect family (func, arith, math, tensor, linalg, cf, scf) registers
its op implementations with :func:`bsparse.semantics.core.impl` when its
module is imported below. This package sits below the passes (bsparse-fold-
constants evaluates ops on constants with it) and below `bsparse.interpreter`,
which adds the bsparse and aie dialects' kernels and the cost model.
"""

from __future__ import annotations

from . import upstream  # noqa: F401  (registers func, arith, math, tensor, linalg, cf, scf)
from .core import IMPLS, Interpreter, InterpreterError, Listener, impl

__all__ = ["IMPLS", "Interpreter", "InterpreterError", "Listener", "impl"]
