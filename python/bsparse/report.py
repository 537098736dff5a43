"""Reports on compiled programs: tables and JSON."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import torch_mlir.ir as ir

from bsparse.dialects.bsparse import BsrType, block_grid
from bsparse.irutil import dense_to_numpy, location_str

__all__ = ["PackedWeightRow", "format_table", "packed_weights"]


@dataclass(frozen=True)
class PackedWeightRow:
    """One packed weight: where it is, its blocks and its storage."""

    name: str
    shape: tuple[int, ...]
    block: tuple[int, int]
    stored_blocks: int
    total_blocks: int
    dense_elements: int
    stored_elements: int
    index_entries: int

    @property
    def density(self) -> float:
        return self.stored_blocks / self.total_blocks if self.total_blocks else 0.0

    def to_dict(self) -> dict:
        return {**asdict(self), "density": self.density}


def _name(op, index: int) -> str:
    loc = op.location
    loc = ir.Location.from_attr(loc.attr, loc.context)
    if isinstance(loc, ir.NameLoc):
        return loc.name_str
    return location_str(loc) or f"weight{index}"


def packed_weights(module: ir.Module) -> list[PackedWeightRow]:
    """A row per ``bsparse.packed_weight`` in `module`, in program order."""
    rows: list[PackedWeightRow] = []

    def visit(op):
        if op.name == "bsparse.packed_weight":
            view = op.opview
            ty = BsrType(view.result.type)
            shape, block = ty.weight_shape, ty.block_shape
            grid = block_grid(shape, block)
            values_shape = ir.ShapedType(view.attributes["values"].type).shape
            rows.append(
                PackedWeightRow(
                    name=_name(view, len(rows)),
                    shape=tuple(shape),
                    block=tuple(block),
                    stored_blocks=int(values_shape[0]),
                    total_blocks=grid[0] * grid[1],
                    dense_elements=int(np.prod(shape, dtype=np.int64)),
                    stored_elements=int(np.prod(values_shape, dtype=np.int64)),
                    index_entries=len(dense_to_numpy(view.attributes["row_ptr"]))
                    + len(dense_to_numpy(view.attributes["col_idx"])),
                )
            )
        return ir.WalkResult.ADVANCE

    module.operation.walk(visit)
    return rows


def format_table(headers: list[str], rows: list[list], align: str | None = None) -> str:
    """A plain-text table; `align` has one of '<' or '>' per column."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    align = align or "<" + ">" * (len(headers) - 1)
    lines = []
    for index, row in enumerate(cells):
        lines.append("  ".join(f"{c:{a}{w}}" for c, a, w in zip(row, align, widths)).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)
