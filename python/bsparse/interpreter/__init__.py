"""Runs MLIR programs on numpy: linalg-on-tensors, the bsparse dialect and the aie dialect.

>>> from bsparse.interpreter import Interpreter
>>> (y,) = Interpreter(module).call("main", x)

Each dialect family registers its op implementations with
:func:`bsparse.interpreter.core.impl` when its module is imported below.
"""

from __future__ import annotations

import importlib

from . import upstream  # noqa: F401  (registers func, arith, math, tensor, linalg, cf, scf)
from .core import IMPLS, Interpreter, InterpreterError, Listener, impl

# The bsparse and aie dialect implementations, when present.
for _module in ("bsparse", "aie"):
    try:
        importlib.import_module(f"{__name__}.{_module}")
    except ModuleNotFoundError as _exc:
        if _exc.name != f"{__name__}.{_module}":
            raise

__all__ = ["IMPLS", "Interpreter", "InterpreterError", "Listener", "impl"]
