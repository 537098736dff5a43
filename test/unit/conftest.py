"""Shared pytest fixtures."""

import pytest
import torch_mlir.ir as ir

from bsparse.context import make_context


@pytest.fixture
def ctx():
    """A fresh context with bsparse's dialects loaded, entered with an unknown location."""
    context = make_context()
    with context, ir.Location.unknown():
        yield context
