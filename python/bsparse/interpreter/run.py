"""Running a program with its cost: outputs and the cost report of one call."""

from __future__ import annotations

from typing import Any

import torch_mlir.ir as ir

from bsparse import targets
from bsparse.cost.host import CostModel
from bsparse.dtypes import DEFAULT_DTYPE
from bsparse.report import Report
from bsparse.semantics.core import Interpreter

__all__ = ["run_program"]


def run_program(module: ir.Module, *inputs: Any, target: str | None = None, dtype: str = DEFAULT_DTYPE,
                function: str = "main", interpreter: Interpreter | None = None) -> tuple[tuple[Any, ...], Report]:
    """Runs ``@function`` of `module` on `inputs` and returns its outputs and cost report.

    Args:
        module: A linalg, bsparse or aie program (any mix).
        *inputs: One numpy array per argument.
        target: Target name for ops that have no ``aie.device`` of their own.
        dtype: Costed data type for those ops.
        function: The function to run.
        interpreter: An interpreter of `module` from an earlier run, to reuse
            what it decoded and costed (a program's ops are decoded once).

    Raises:
        InterpreterError: bad inputs or an op that cannot be run.
        UnknownTargetError: `target` is not a shipped target.
    """
    model = CostModel.for_module(module, targets.get(target) if target else None, dtype)
    model.interpreter = interpreter if interpreter is not None else Interpreter(module)
    model.interpreter.listener = model
    try:
        outputs = model.interpreter.call(function, *inputs)
    finally:
        model.interpreter.listener = None
    return outputs, model.report()
