"""The one way to get an MLIR context with every dialect bsparse needs."""

from __future__ import annotations

import torch_mlir.ir as ir  # must be imported before torch_mlir.dialects.ext

from torch_mlir.dialects.ext import DialectAlreadyLoadedError

from bsparse.dialects.aie import AIE
from bsparse.dialects.bsparse import BSparse

__all__ = ["load_dialects", "make_context"]


def load_dialects(ctx: ir.Context) -> None:
    """Loads the bsparse and aie dialects into `ctx` (idempotent)."""
    with ctx, ir.Location.unknown():
        for dialect in (BSparse, AIE):
            try:
                dialect.load()
            except DialectAlreadyLoadedError:
                pass


def make_context(*, allow_unregistered_dialects: bool = False) -> ir.Context:
    """Returns a new context with upstream, bsparse and aie dialects loaded."""
    ctx = ir.Context()
    ctx.allow_unregistered_dialects = allow_unregistered_dialects
    load_dialects(ctx)
    return ctx
