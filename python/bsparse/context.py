"""The one way to get an MLIR context with every dialect bsparse needs."""

from __future__ import annotations

import torch_mlir.ir as ir  # must be imported before torch_mlir.dialects.ext

import sys

from torch_mlir.dialects.ext import DialectAlreadyLoadedError

from bsparse.dialects import aie as aie_module
from bsparse.dialects import bsparse as bsparse_module
from bsparse.dialects.aie import AIE
from bsparse.dialects.bsparse import BSparse

# The bindings look a dialect's Python module up as `torch_mlir.dialects.<name>`
# whenever they wrap one of its ops, and retry the (failing) import every time:
# ~40 us per op. Pointing the lookup at our dialect modules makes it succeed once.
for _name, _module in (("aie", aie_module), ("bsparse", bsparse_module)):
    sys.modules.setdefault(f"torch_mlir.dialects.{_name}", _module)

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
