"""Conversions between MLIR attributes and numpy arrays, and the static attributes of tensor ops, in one place."""

from __future__ import annotations

import numpy as np
import torch_mlir.ir as ir

__all__ = ["dense_to_numpy", "numpy_to_dense", "location_str", "reassociation", "static_slice", "tensor_type"]

_NUMPY_ELEMENT_TYPES = {
    np.dtype(np.float32): ir.F32Type.get,
    np.dtype(np.float64): ir.F64Type.get,
    np.dtype(np.float16): ir.F16Type.get,
    np.dtype(np.int64): lambda: ir.IntegerType.get_signless(64),
    np.dtype(np.int32): lambda: ir.IntegerType.get_signless(32),
    np.dtype(np.int16): lambda: ir.IntegerType.get_signless(16),
    np.dtype(np.int8): lambda: ir.IntegerType.get_signless(8),
    np.dtype(np.bool_): lambda: ir.IntegerType.get_signless(1),
}


def dense_to_numpy(attr: ir.Attribute) -> np.ndarray:
    """Returns the values of a `DenseElementsAttr` as an array of its shape.

    Splat attributes are expanded. Raises `TypeError` for attributes whose
    values Python cannot read (e.g. ``dense_resource``).
    """
    if not isinstance(attr, ir.DenseElementsAttr):
        raise TypeError(f"expected dense elements, got {str(attr)[:80]}")
    return np.array(attr).reshape(ir.ShapedType(attr.type).shape)


def numpy_to_dense(array: np.ndarray, element_type: ir.Type | None = None) -> ir.DenseElementsAttr:
    """Builds a `DenseElementsAttr` holding `array` (shape and values kept)."""
    array = np.ascontiguousarray(array)
    if element_type is None:
        element_type = _NUMPY_ELEMENT_TYPES[array.dtype]()
    ty = ir.RankedTensorType.get(list(array.shape), element_type)
    return ir.DenseElementsAttr.get(array, type=ty)


def tensor_type(shape, element_type: ir.Type) -> ir.RankedTensorType:
    return ir.RankedTensorType.get(list(shape), element_type)


def reassociation(op) -> list[list[int]]:
    """The dimension groups of a ``tensor.expand_shape`` / ``collapse_shape``."""
    return [[int(ir.IntegerAttr(i).value) for i in ir.ArrayAttr(group)] for group in ir.ArrayAttr(op.attributes["reassociation"])]


def static_slice(op) -> tuple[list[int], list[int], list[int]] | None:
    """(offsets, sizes, strides) of a ``tensor.extract_slice`` / ``insert_slice`` that are all static;
    None when any is dynamic (an SSA operand)."""
    if len(op.operands) != (2 if op.operation.name == "tensor.insert_slice" else 1):
        return None
    return [list(ir.DenseI64ArrayAttr(op.attributes[f"static_{name}"])) for name in ("offsets", "sizes", "strides")]


def location_str(loc: ir.Location, line_offset: int = 0, filename: str | None = None) -> str | None:
    """Formats a location as ``file:line:col``, or None if it has no position.

    Looks through name and fused locations for the first file position.
    `line_offset` shifts line numbers (for ``--split-input-file`` chunks) and
    `filename` replaces the parser's placeholder name.
    """
    for candidate in _file_locations(loc):
        name = filename if filename is not None else candidate.filename
        return f"{name}:{candidate.start_line + line_offset}:{candidate.start_col}"
    return None


def _file_locations(loc: ir.Location):
    loc = ir.Location.from_attr(loc.attr, loc.context)  # downcast a generic Location
    if isinstance(loc, ir.FileLineColLoc):
        yield loc
    elif isinstance(loc, ir.NameLoc):
        yield from _file_locations(loc.child_loc)
    elif isinstance(loc, ir.FusedLoc):
        for inner in loc.locations:
            yield from _file_locations(inner)
    elif isinstance(loc, ir.CallSiteLoc):
        yield from _file_locations(loc.callee)
