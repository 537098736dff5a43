"""Runs MLIR programs on numpy: linalg-on-tensors, the bsparse dialect and the aie dialect.

>>> from bsparse.interpreter import Interpreter
>>> (y,) = Interpreter(module).call("main", x)

The upstream ops' semantics and the engine are `bsparse.semantics`; the
bsparse and aie dialects register their kernels with
:func:`bsparse.semantics.core.impl` when their modules are imported below,
and `run_program` runs a program with its cost (`bsparse.cost`).
"""

from __future__ import annotations

import importlib

from bsparse.semantics import IMPLS, Interpreter, InterpreterError, Listener, impl

# The bsparse and aie dialect implementations, when present.
for _module in ("bsparse", "aie"):
    try:
        importlib.import_module(f"{__name__}.{_module}")
    except ModuleNotFoundError as _exc:
        if _exc.name != f"{__name__}.{_module}":
            raise

from bsparse.interpreter.run import run_program  # noqa: E402  (after the dialects it runs)

__all__ = ["IMPLS", "Interpreter", "InterpreterError", "Listener", "impl", "run_program"]
