"""Implementations of the upstream MLIR ops that linalg-on-tensors programs use.

Importing this module registers them all: ``func`` and control flow (here),
``arith``/``math`` (:mod:`.arith`), ``tensor`` (:mod:`.tensor`), ``linalg``
(:mod:`.linalg`, :mod:`.structured`, :mod:`.conv`).
"""

from __future__ import annotations

import numpy as np
import torch_mlir.ir as ir

from . import arith, conv, linalg, tensor  # noqa: F401  (registration)
from .core import impl

# ----------------------------------------------------------------------------- func


def _callee(op) -> str:
    return ir.FlatSymbolRefAttr(op.attributes["callee"]).value


@impl("func.call")
def call(interp, op, args):
    symbol = interp.static(op, _callee)
    func = interp.functions.get(symbol)
    if func is None:
        raise interp.error(op, f"calls unknown function @{symbol}")
    return interp.call_function(func, args)


# ----------------------------------------------------------------------------- cf


def _message(op) -> str:
    return ir.StringAttr(op.attributes["msg"]).value


@impl("cf.assert")
def assert_(interp, op, args):
    if not np.all(args[0]):
        raise interp.error(op, f"assertion failed: {interp.static(op, _message)}")
    return ()


# ----------------------------------------------------------------------------- scf


@impl("scf.for")
def for_(interp, op, args):
    lower, upper, step, *state = args
    body = op.regions[0].blocks[0]
    iv_type = np.asarray(lower).dtype.type
    for iv in range(int(lower), int(upper), int(step)):
        state = interp.run_block(body, [iv_type(iv), *state])
    return state


@impl("scf.if")
def if_(interp, op, args):
    region = op.regions[0] if args[0] else op.regions[1]
    if not region.blocks:
        return ()
    return interp.run_region(region, [])


@impl("scf.while")
def while_(interp, op, args):
    before, after = op.regions[0].blocks[0], op.regions[1].blocks[0]
    values = list(args)
    while True:
        condition, *forwarded = interp.run_block(before, values)
        if not condition:
            return forwarded
        values = interp.run_block(after, forwarded)


@impl("scf.execute_region")
def execute_region(interp, op, args):
    return interp.run_region(op.regions[0], [])
