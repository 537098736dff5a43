"""PyTorch -> linalg-on-tensors frontend: ``import_model`` plus location helpers to find each op's layer."""

from .names import layer_name, layer_names, param_name
from .torch import FrontendError, import_model

__all__ = ["FrontendError", "import_model", "layer_name", "layer_names", "param_name"]
