"""PyTorch -> linalg-on-tensors frontend: ``import_model``; the location helpers that find each op's layer (re-exported) live in `bsparse.names`.

``layer_name`` and friends need only ``torch_mlir.ir``; ``import_model`` and
``FrontendError`` load PyTorch on first use, so passes and the interpreter can
read layer names without importing torch.
"""

from __future__ import annotations

from typing import Any

from bsparse.names import layer_name, layer_names, param_name

_LAZY = {"FrontendError", "import_model"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from . import torch as torch_frontend

        return getattr(torch_frontend, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["FrontendError", "import_model", "layer_name", "layer_names", "param_name"]
