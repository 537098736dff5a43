"""Recover the PyTorch module path ("layer2.0.conv2") that the frontend records in each op's location.

The frontend gives every imported op the location
``loc("<module path>"(<file location>))`` -- an MLIR ``NameLoc`` whose name is
the innermost ``nn.Module`` that ran the op, taken from the FX node's
``meta["nn_module_stack"]``. Weights also get the parameter's name:
``loc("layer2.0.conv2.weight"("layer2.0.conv2"(<file location>)))``.
Lowerings that fuse or wrap locations (``fused[...]``, ``callsite(...)``)
keep these names inside, so the helpers here search the whole location tree.
"""

from __future__ import annotations

from typing import Iterator

from torch_mlir import ir

#: Name-location prefix that marks a parameter/buffer name rather than a module path.
PARAM_PREFIX = "param:"


def _name_chains(loc: ir.Location) -> Iterator[list[str]]:
    """Yield, for every maximal chain of nested NameLocs in ``loc``, their names outermost first."""
    if isinstance(loc, ir.NameLoc):
        chain: list[str] = []
        child: ir.Location = loc
        while isinstance(child, ir.NameLoc):
            chain.append(child.name_str)
            child = child.child_loc
        yield chain
        yield from _name_chains(child)
    elif isinstance(loc, ir.FusedLoc):
        for sub in loc.locations:
            yield from _name_chains(sub)
    elif isinstance(loc, ir.CallSiteLoc):
        yield from _name_chains(loc.callee)
        yield from _name_chains(loc.caller)


def _location_of(op_or_loc: ir.Operation | ir.OpView | ir.Location) -> ir.Location:
    if isinstance(op_or_loc, ir.Location):
        return op_or_loc
    return op_or_loc.location


def layer_names(op_or_loc: ir.Operation | ir.OpView | ir.Location) -> list[str]:
    """All module paths recorded in an op's location, in location order, without duplicates.

    More than one appears when a pass fused ops from different layers.
    """
    found: list[str] = []
    for chain in _name_chains(_location_of(op_or_loc)):
        for name in chain:
            if not name.startswith(PARAM_PREFIX) and name not in found:
                found.append(name)
    return found


def layer_name(op_or_loc: ir.Operation | ir.OpView | ir.Location) -> str | None:
    """The PyTorch module path ("layer2.0.conv2") an op came from, or None if it has none.

    Ops run directly by the root module's ``forward`` (e.g. ``torch.flatten``
    in ResNet) and constants that MLIR's folder merged have no module path.
    """
    names = layer_names(op_or_loc)
    return names[0] if names else None


def param_name(op_or_loc: ir.Operation | ir.OpView | ir.Location) -> str | None:
    """The ``state_dict`` key ("layer2.0.conv2.weight") a weight constant was imported from, or None."""
    for chain in _name_chains(_location_of(op_or_loc)):
        for name in chain:
            if name.startswith(PARAM_PREFIX):
                return name[len(PARAM_PREFIX):]
    return None


def describe(op: ir.Operation | ir.OpView) -> str:
    """An op as a message names it: its layer (PyTorch module path), when known, and its name."""
    name = op.operation.name if isinstance(op, ir.OpView) else op.name
    return f"layer '{layer}' ({name})" if (layer := layer_name(op)) else name


def name_loc(path: str, child: ir.Location | None = None, context: ir.Context | None = None) -> ir.Location:
    """The location the frontend gives ops of module ``path``: ``loc("path"(child))``."""
    if child is None:
        return ir.Location.name(path, context=context)
    return ir.Location.name(path, childLoc=child, context=context or child.context)


def param_loc(key: str, child: ir.Location | None = None, context: ir.Context | None = None) -> ir.Location:
    """The location of a weight constant: ``loc("param:layer2.0.conv2.weight"(child))``."""
    return name_loc(PARAM_PREFIX + key, child, context)


__all__ = ["PARAM_PREFIX", "describe", "layer_name", "layer_names", "name_loc", "param_loc", "param_name"]
