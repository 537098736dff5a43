"""bsparse: weight block sparsity compiled for AI-Engine-like accelerators.

The public Python API (see README.md), loaded on first use so that
``import bsparse`` stays cheap and never imports PyTorch:

- ``bsparse.compile(model, *example_inputs, pattern=..., sparsity=..., target=...)`` -> `Program`
- ``bsparse.import_model(model, *example_inputs)`` -> ``ir.Module`` (linalg on tensors)
- `Program` (``.stages``, ``.module``, ``.run(*inputs) -> (outputs, report)``), `Report`
- the errors: `BsparseError`, `OptionError`, `BsparseCompilerError`
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_API = {"compile", "import_model", "Program", "Report"}
_ERRORS = {"BsparseError", "OptionError", "BsparseCompilerError"}

__all__ = sorted(_API | _ERRORS)


def __getattr__(name: str) -> Any:
    if name in _API:
        from bsparse import api

        return getattr(api, name)
    if name in _ERRORS:
        from bsparse import errors

        return getattr(errors, name)
    raise AttributeError(f"module 'bsparse' has no attribute {name!r}")
