"""Reports on compiled programs and program runs: packed weights, cycles, MACs, traffic; tables and JSON."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

import numpy as np
import torch_mlir.ir as ir

from bsparse.dialects.bsparse import BsrType, block_grid
from bsparse.irutil import dense_to_numpy, location_str

__all__ = ["LEVELS", "LayerReport", "PackedWeightRow", "Report", "format_table", "packed_weights"]


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


LEVELS = ("L3", "L2", "L1")
"""Memory levels whose traffic a report counts: DDR, memory tiles, core memory."""


def _traffic(values: dict[str, int] | None = None) -> dict[str, int]:
    values = values or {}
    return {level: int(values.get(level, 0)) for level in LEVELS}


@dataclass
class LayerReport:
    """The cost of one layer (one offloaded op or one host op) of a program run.

    Attributes:
        name: The PyTorch module path (``layer2.0.conv2``) when the program
            came from a module, else a name derived from the op.
        kind: ``matmul``, ``conv2d``, or the op kind (``add``, ``pool``...).
        cycles: Cycles at the target clock (the slowest core for a layer split over cores).
        macs: Multiply-accumulates actually performed: stored blocks, real weight positions only.
        macs_dense: Multiply-accumulates of the same layer with a dense weight.
        traffic: Bytes moved at each level (``L3``, ``L2``, ``L1``), index bytes included.
        weight_traffic: Of the L3 bytes, those of the packed weight (values and block index) and bias.
        utilization: ``macs / (cycles x cores x peak MACs per cycle)`` (0 for layers without MACs).
        imbalance: Slowest core's work over the mean work of the cores used (1.0 is balanced).
        bound: What limits the layer: ``compute``, ``movement`` (DMA/DDR) or ``host``.
        cores: Cores the layer ran on (0 for host ops).
        reason: For an op left on the host of a lowered program, why it is not on the array
            (empty for a lowered layer).
    """

    name: str
    kind: str
    cycles: int = 0
    macs: int = 0
    macs_dense: int = 0
    traffic: dict[str, int] = field(default_factory=_traffic)
    weight_traffic: int = 0
    utilization: float = 0.0
    imbalance: float = 1.0
    bound: str = "host"
    cores: int = 0
    reason: str = ""

    def __post_init__(self):
        self.traffic = _traffic(self.traffic)

    def to_dict(self) -> dict:
        return asdict(self)

    def merged(self, other: "LayerReport") -> "LayerReport":
        """This layer and `other` run one after the other as one row: cycles, MACs and bytes added."""
        return replace(self, cycles=self.cycles + other.cycles, macs=self.macs + other.macs,
                       macs_dense=self.macs_dense + other.macs_dense,
                       traffic={k: self.traffic[k] + other.traffic.get(k, 0) for k in self.traffic},
                       weight_traffic=self.weight_traffic + other.weight_traffic)


@dataclass
class Report:
    """What a program run cost: totals and one `LayerReport` per layer, in program order.

    ``to_dict()`` gives the JSON that ``bsparse run --report`` writes.
    """

    target: str
    dtype: str
    clock_hz: float
    layers: list[LayerReport] = field(default_factory=list)

    @property
    def total_cycles(self) -> int:
        return sum(layer.cycles for layer in self.layers)

    @property
    def time_s(self) -> float:
        return self.total_cycles / self.clock_hz if self.clock_hz else 0.0

    @property
    def macs(self) -> int:
        return sum(layer.macs for layer in self.layers)

    @property
    def macs_dense(self) -> int:
        return sum(layer.macs_dense for layer in self.layers)

    @property
    def traffic(self) -> dict[str, int]:
        return {level: sum(layer.traffic.get(level, 0) for layer in self.layers) for level in LEVELS}

    @property
    def weight_traffic(self) -> int:
        return sum(layer.weight_traffic for layer in self.layers)

    @property
    def host_ops(self) -> list[LayerReport]:
        """The layers left on the host of a lowered program, each with its reason."""
        return [layer for layer in self.layers if layer.reason]

    def host_summary(self) -> list[tuple[str, int, int]]:
        """``(reason, ops, cycles)`` per distinct reason, most cycles first."""
        grouped: dict[str, list[int]] = {}
        for layer in self.host_ops:
            grouped.setdefault(layer.reason, []).append(layer.cycles)
        return sorted(((r, len(c), sum(c)) for r, c in grouped.items()), key=lambda row: -row[2])

    def to_dict(self) -> dict:
        return {
            "target": self.target,
            "dtype": self.dtype,
            "clock_hz": self.clock_hz,
            "total_cycles": self.total_cycles,
            "time_s": self.time_s,
            "macs": self.macs,
            "macs_dense": self.macs_dense,
            "traffic": self.traffic,
            "weight_traffic": self.weight_traffic,
            "layers": [layer.to_dict() for layer in self.layers],
            "host_ops": [{"name": layer.name, "kind": layer.kind, "cycles": layer.cycles, "reason": layer.reason}
                         for layer in self.host_ops],
        }

    def format_table(self) -> str:
        """A per-layer table with a total row."""
        rows = [
            [layer.name, layer.kind, layer.cycles, layer.macs, layer.macs_dense,
             f"{layer.macs / layer.macs_dense:.2f}" if layer.macs_dense else "-",
             layer.traffic["L3"], layer.traffic["L2"], layer.traffic["L1"],
             f"{layer.utilization:.2f}", f"{layer.imbalance:.2f}", layer.bound]
            for layer in self.layers
        ]
        traffic = self.traffic
        dense = self.macs_dense
        rows.append(["total", "", self.total_cycles, self.macs, dense, f"{self.macs / dense:.2f}" if dense else "-",
                     traffic["L3"], traffic["L2"], traffic["L1"], "", "", ""])
        headers = ["layer", "kind", "cycles", "macs", "macs dense", "density", "L3 B", "L2 B", "L1 B", "util", "imbal", "bound"]
        table = format_table(headers, rows, "<<" + ">" * 9 + "<")
        if not self.host_ops:
            return table
        total = self.total_cycles or 1
        lines = [f"host ops: {len(self.host_ops)}, {100 * sum(h.cycles for h in self.host_ops) / total:.1f}% of cycles"]
        lines += [f"  {ops} op(s), {100 * cycles / total:.1f}%: {reason}" for reason, ops, cycles in self.host_summary()]
        return table + "\n" + "\n".join(lines)
