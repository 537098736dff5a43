"""bsparse-partition: split each packed layer's work over the cores of a target.

The Weight Block Sparsity paper's work split for an array of ``cols`` columns
x ``core_rows`` cores per column (`bsparse.targets.Target`): every
``bsparse.matmul`` and ``bsparse.conv2d`` whose weight is defined by a
``bsparse.packed_weight`` gets

- its **output channels** (the block rows of the logical weight
  ``[out, in, *window]``; for grouped and depthwise convs too; for a weight in a
  non-block pattern's format, groups of the target's ``sparse_row_channels``
  channels loaded with their stored values: the format's ``row_loads``) split over the
  ``core_rows`` cores of a column so that the largest number of *stored*
  blocks any core gets is small: contiguous ranges of block rows that
  minimise it exactly (`balanced_row_splits`), or, when that is lower still
  and the layer allows it, any set of block rows per core
  (`interleaved_row_sets`; option ``assign``);
- its **spatial dimension** split over the ``cols`` columns as near-equal
  contiguous slices (`even_splits`, larger slices first): the output width of
  a conv (the paper's choice: one width slice per column and memtile), or its
  output height when the width is smaller than ``cols`` and the height is
  larger than the width; the flattened leading rows ``M`` (all result dims but
  the last) of a matmul.

Core ``(column c, row r)`` computes block rows
``row_order[row_splits[r]:row_splits[r+1]]`` (``row_order`` is the identity
for contiguous ranges) of the output channels on spatial slice
``spatial_splits[c]:spatial_splits[c+1]``. When there are fewer slices than
columns, the idle columns take more output-channel ranges
(`columns_per_slice`): slice ``j`` runs on columns ``j*k .. j*k+k-1`` and
channel range ``i`` on column ``j*k + i // core_rows``, row ``i % core_rows``.

**Load rule.** A block row's load is its number of stored blocks: each stored
block costs one full ``R x C x window`` micro-kernel call per output position
whatever its edge padding, and blocks that are not stored cost nothing, so
real output channels are not weighted (per-channel epilogue work such as bias
and activation is ignored). The split is exact: a binary search on the
largest load finds the smallest feasible maximum, then a greedy fill from the
first block row builds the ranges (ties are broken that way: earlier ranges
take as many block rows as fit). Ranges are never empty, so a layer with
fewer block rows than ``core_rows`` uses one core per block row; likewise a
spatial extent smaller than ``cols`` uses one column per index.

**Interleaved rows** (``assign=any``, the default). Per-layer pruning leaves
block rows with uneven loads, and a few large block rows (8 to 16 for a
ResNet-50 3x3 conv over 4 cores) cannot always be cut into contiguous
ranges of near-equal load. Longest-processing-time first (each block row,
heaviest first, to the least loaded core; ties to the core with fewer rows,
then the lower index) gives each core a set of block rows whose largest
load is within 4/3 of the optimum; it is used only when its largest load
is strictly lower than the contiguous split's, so balanced layers keep
their ranges. A core's rows are ascending, cores are ordered by their
first row. The price is paid in the lowering: a core writes each
contiguous run of its output channels with its own DMA. Grouped
convolutions (a core reads the input channels of every group its rows
touch) and layers whose idle columns take channel ranges (the column's
channels must stay contiguous, `columns_per_slice` > 1) keep contiguous
ranges; so does ``assign=ranges`` everywhere.

**Two phases** (``assign=any`` too). Whole block rows cannot always be
shared out evenly (ResNet-50's ``layer1.0.conv2`` at 50%: rows of 5, 4, 5, 2,
3, 3, 5, 5 blocks over 4 cores leave 9 against a mean of 8). Then each
column's spatial slice is cut in two halves (`halves`): core row ``r``
computes its row set on the first half and row set ``phase_order[r]`` on the
second, the heaviest set paired with the lightest (`pair_heavy_with_light`),
when that lowers the busiest core's work (stored blocks x output positions).
Two phases halve each work unit's L1 budgets and double its calls, so
bsparse-to-aie lowers both and keeps the one the cost model finds faster.

**The attribute** (this module is its only reader and writer: use
`Partition.from_op` and `Partition.to_attr`): the discardable attribute
``bsparse.partition`` on the op, a dictionary::

    bsparse.partition = {
      core_blocks = array<i64: ...>,    // stored blocks of each row range, len(row_splits) - 1
      imbalance = 1.0e+00 : f64,        // see below, >= 1
      phase_order = array<i64: ...>,    // optional: the row set each core row computes on the
                                        // second half of its slice; absent for one phase
      row_order = array<i64: ...>,      // optional: a permutation of the block rows, ascending
                                        // within each range; absent for contiguous ranges
      row_splits = array<i64: 0, ..., block_rows>,       // strictly increasing
      spatial_dim = "width",            // "width" | "height" (conv2d), "rows" (matmul)
      spatial_splits = array<i64: 0, ..., extent>,       // strictly increasing
      target = "aie2-4x4"}              // the target name the split was made for

A zero spatial extent (a tensor with a 0-sized dim) is the single empty slice
``array<i64: 0, 0>``.

**Imbalance** = the largest MAC count of any used core / the mean MAC count
over the used cores, where the used cores are the
``(len(row_splits) - 1) x (len(spatial_splits) - 1)`` cores the split assigns
work to (the cores this layer *could* use: a layer with 2 block rows is not
blamed for the other rows of cores). A core's MACs are its stored blocks x
its spatial slice x the MACs per block and output position, so imbalance =
``(max core_blocks / mean core_blocks) x (max slice / mean slice)``; 1.0 means
perfectly balanced, and a layer with no stored block has imbalance 1.0.

**Why a pattern that sets an attribute in place.** The per-op work is a
rewrite pattern (`partition_op`) applied by `walk_and_apply_patterns`, a
one-shot walk that neither folds nor revisits ops. The `PatternRewriter` of
this binding exposes only ``ip``, ``replace_op`` and ``erase_op`` (no
``modify_op_in_place``), so the pattern writes the attribute on the op
directly; the walk driver does not depend on modification notifications. The
pattern also declines when the op already carries the same partition, so it
would converge under the greedy driver too. The pass only adds metadata:
re-running it replaces the attribute and the program's semantics never change.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import torch_mlir.ir as ir
from torch_mlir.rewrite import RewritePatternSet, walk_and_apply_patterns

from bsparse import targets
from bsparse.dialects.bsparse import Conv2dOp, MatmulOp
from bsparse.errors import BsparseError, OptionError
from bsparse.passes._match import defining_op
from bsparse.passes.base import Pass, option, parse_choice, parse_target
from bsparse.packed import PACKED_OPS, weight_data
from bsparse.targets import Target, TargetError

__all__ = [
    "ATTRIBUTE",
    "SPATIAL_DIMS",
    "Partition",
    "PartitionPass",
    "ASSIGNMENTS",
    "balanced_row_splits",
    "even_splits",
    "halves",
    "interleaved_row_sets",
    "pair_heavy_with_light",
    "may_interleave",
    "partition_layer",
    "patterns",
    "plan_partition",
    "spatial_extent",
]

ATTRIBUTE = "bsparse.partition"
"""Name of the discardable attribute that holds a layer's partition."""

ASSIGNMENTS = ("any", "ranges")
"""Values of the pass option ``assign``: any set of block rows per core, or contiguous ranges only."""

SPATIAL_DIMS = ("width", "height", "rows")
"""What `Partition.spatial_splits` splits: conv output width or height, matmul rows."""


def _i64_array(values: Sequence[int]) -> ir.DenseI64ArrayAttr:
    return ir.DenseI64ArrayAttr.get([int(v) for v in values])


def _check_splits(name: str, splits: tuple[int, ...], allow_empty: bool) -> None:
    if len(splits) < 2 or splits[0] != 0:
        raise ValueError(f"{name} must start at 0 and have at least 2 entries, got {list(splits)}")
    if allow_empty and splits == (0, 0):
        return
    if any(b <= a for a, b in zip(splits, splits[1:])):
        raise ValueError(f"{name} must be strictly increasing (no empty range), got {list(splits)}")


@dataclass(frozen=True)
class Partition:
    """A layer's split over the cores: the ``bsparse.partition`` attribute.

    Attributes:
        target: Name of the target the split was made for.
        row_splits: Block-row boundaries, one range per used core of a column.
        spatial_dim: ``"width"`` or ``"height"`` (conv2d) or ``"rows"`` (matmul).
        spatial_splits: Boundaries of the spatial slices, one per used column.
        core_blocks: Stored blocks of each block-row range.
        imbalance: Largest over mean MACs of the used cores (module docstring).
        row_order: The block rows in core order (`row_splits` index into it),
            or empty for the identity (contiguous ranges).
        phase_order: Empty for one phase; else core row ``r`` computes row set ``r``
            on the first half of each column's slice (`halves`) and row set
            ``phase_order[r]`` on the second.
    """

    target: str
    row_splits: tuple[int, ...]
    spatial_dim: str
    spatial_splits: tuple[int, ...]
    core_blocks: tuple[int, ...]
    imbalance: float
    row_order: tuple[int, ...] = ()
    phase_order: tuple[int, ...] = ()

    ATTRIBUTE: ClassVar[str] = ATTRIBUTE

    def __post_init__(self):
        _check_splits("row_splits", self.row_splits, allow_empty=False)
        _check_splits("spatial_splits", self.spatial_splits, allow_empty=True)
        if self.spatial_dim not in SPATIAL_DIMS:
            raise ValueError(f"spatial_dim must be one of {', '.join(SPATIAL_DIMS)}, got '{self.spatial_dim}'")
        if len(self.core_blocks) != len(self.row_splits) - 1 or any(b < 0 for b in self.core_blocks):
            raise ValueError(f"core_blocks must hold {len(self.row_splits) - 1} non-negative counts, got {list(self.core_blocks)}")
        if not self.imbalance >= 1.0:
            raise ValueError(f"imbalance must be at least 1, got {self.imbalance}")
        if self.row_order:
            if sorted(self.row_order) != list(range(self.row_splits[-1])):
                raise ValueError(f"row_order must be a permutation of the {self.row_splits[-1]} block rows, got {list(self.row_order)}")
            if any(list(rows) != sorted(rows) for rows in self.row_sets):
                raise ValueError(f"row_order must be ascending within each range, got {list(self.row_order)}")
        if self.phase_order:
            if sorted(self.phase_order) != list(range(len(self.row_splits) - 1)):
                raise ValueError(f"phase_order must be a permutation of the {len(self.row_splits) - 1} row sets, "
                                 f"got {list(self.phase_order)}")
            if min(np.diff(self.spatial_splits)) < 2:
                raise ValueError("two phases need spatial slices of at least 2")

    @property
    def row_sets(self) -> list[tuple[int, ...]]:
        """The block rows of each core row, ascending."""
        order = self.row_order or range(self.row_splits[-1])
        return [tuple(order[a:b]) for a, b in zip(self.row_splits, self.row_splits[1:])]

    @property
    def spatial_ranges(self) -> list[tuple[int, int]]:
        """``(first, end)`` spatial indices of each column."""
        return list(zip(self.spatial_splits, self.spatial_splits[1:]))

    def to_attr(self) -> ir.DictAttr:
        """The attribute, in the current context."""
        entries = {
            "target": ir.StringAttr.get(self.target),
            "row_splits": _i64_array(self.row_splits),
            "spatial_dim": ir.StringAttr.get(self.spatial_dim),
            "spatial_splits": _i64_array(self.spatial_splits),
            "core_blocks": _i64_array(self.core_blocks),
            "imbalance": ir.FloatAttr.get(ir.F64Type.get(), float(self.imbalance)),
        }
        if self.row_order:
            entries["row_order"] = _i64_array(self.row_order)
        if self.phase_order:
            entries["phase_order"] = _i64_array(self.phase_order)
        return ir.DictAttr.get(entries)

    @classmethod
    def from_op(cls, op) -> "Partition | None":
        """The partition recorded on `op` (an op or OpView), or None if it has none.

        Raises:
            BsparseError: The attribute is there but malformed.
        """
        attributes = op.operation.attributes
        if ATTRIBUTE not in attributes:
            return None
        try:
            entries = ir.DictAttr(attributes[ATTRIBUTE])
            if missing := [k for k in ("target", "row_splits", "spatial_dim", "spatial_splits", "core_blocks", "imbalance") if k not in entries]:
                raise ValueError(f"missing {', '.join(missing)}")
            return cls(
                target=ir.StringAttr(entries["target"]).value,
                row_splits=tuple(ir.DenseI64ArrayAttr(entries["row_splits"])),
                spatial_dim=ir.StringAttr(entries["spatial_dim"]).value,
                spatial_splits=tuple(ir.DenseI64ArrayAttr(entries["spatial_splits"])),
                core_blocks=tuple(ir.DenseI64ArrayAttr(entries["core_blocks"])),
                imbalance=ir.FloatAttr(entries["imbalance"]).value,
                row_order=tuple(ir.DenseI64ArrayAttr(entries["row_order"])) if "row_order" in entries else (),
                phase_order=tuple(ir.DenseI64ArrayAttr(entries["phase_order"])) if "phase_order" in entries else (),
            )
        except (ValueError, TypeError) as err:
            raise BsparseError(f"malformed '{ATTRIBUTE}' attribute on {op.operation.name}: {err}") from None

    def attach(self, op) -> None:
        """Sets (or replaces) the attribute on `op`."""
        op.operation.attributes[ATTRIBUTE] = self.to_attr()


# --- the split ---------------------------------------------------------------


def _parts_needed(loads: Sequence[int], limit: int) -> int:
    """Fewest contiguous ranges of `loads` with sums at most `limit` (>= max load)."""
    parts, current = 1, 0
    for load in loads:
        if current + load > limit:
            parts, current = parts + 1, load
        else:
            current += load
    return parts


def balanced_row_splits(loads: Sequence[int], parts: int) -> tuple[int, ...]:
    """Splits `loads` into ``min(parts, len(loads))`` non-empty contiguous ranges
    whose largest sum is as small as possible.

    Args:
        loads: Non-negative integer load of each block row.
        parts: Cores available.

    Returns:
        The boundaries ``(0, ..., len(loads))``.
    """
    loads = [int(x) for x in loads]
    if not loads or parts < 1 or min(loads) < 0:
        raise ValueError(f"need at least one non-negative load and one part, got {loads} and {parts}")
    count = min(parts, len(loads))
    low, high = max(loads), sum(loads)
    while low < high:  # smallest feasible largest sum
        middle = (low + high) // 2
        if _parts_needed(loads, middle) <= count:
            high = middle
        else:
            low = middle + 1
    splits, current = [0], 0
    for i, load in enumerate(loads):
        started = i > splits[-1]  # the current range already holds a row
        leave_one_each = len(loads) - i < count - (len(splits) - 1)  # rows left would not cover the other ranges
        if started and (current + load > low or leave_one_each):
            splits.append(i)
            current = 0
        current += load
    splits.append(len(loads))
    assert len(splits) == count + 1, (loads, parts, splits)
    return tuple(splits)


def interleaved_row_sets(loads: Sequence[int], parts: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Assigns each of `loads` to one of ``min(parts, len(loads))`` non-empty sets,
    longest processing time first (module docstring).

    Returns:
        ``(row_order, row_splits)``: the rows of set ``i`` are
        ``row_order[row_splits[i]:row_splits[i + 1]]``, ascending; sets are
        ordered by their first row.
    """
    loads = [int(x) for x in loads]
    if not loads or parts < 1 or min(loads) < 0:
        raise ValueError(f"need at least one non-negative load and one part, got {loads} and {parts}")
    count = min(parts, len(loads))
    sets: list[list[int]] = [[] for _ in range(count)]
    totals = [0] * count
    for row in sorted(range(len(loads)), key=lambda i: (-loads[i], i)):
        target = min(range(count), key=lambda c: (totals[c], len(sets[c]), c))
        sets[target].append(row)
        totals[target] += loads[row]
    ordered = sorted((sorted(rows) for rows in sets), key=lambda rows: rows[0])
    return tuple(r for rows in ordered for r in rows), (0, *np.cumsum([len(rows) for rows in ordered]).tolist())


def even_splits(extent: int, parts: int) -> tuple[int, ...]:
    """``min(parts, extent)`` contiguous slices of ``range(extent)``, sizes within 1,
    larger first; ``(0, 0)`` for a zero extent."""
    if extent == 0:
        return (0, 0)
    count = min(parts, extent)
    base, extra = divmod(extent, count)
    sizes = [base + 1] * extra + [base] * (count - extra)
    return (0, *np.cumsum(sizes).tolist())


def halves(first: int, end: int) -> tuple[tuple[int, int], tuple[int, int]]:
    """The two phases of a spatial slice: its first ``ceil(n / 2)`` indices, then the rest."""
    middle = first + -(-(end - first) // 2)
    return (first, middle), (middle, end)


def _core_loads(core_blocks: Sequence[int], spatial_splits: Sequence[int], phase_order: Sequence[int]) -> np.ndarray:
    """``[columns, cores]``: stored blocks x output positions each used core computes."""
    blocks = np.asarray(core_blocks, dtype=np.int64)
    if not phase_order:
        return np.outer(np.diff(spatial_splits), blocks)
    work = []
    for a, b in zip(spatial_splits, spatial_splits[1:]):
        (a1, b1), (a2, b2) = halves(a, b)
        work.append(blocks * (b1 - a1) + blocks[list(phase_order)] * (b2 - a2))
    return np.asarray(work)


def _imbalance(core_blocks: Sequence[int], spatial_splits: Sequence[int], phase_order: Sequence[int] = ()) -> float:
    """Largest over mean MACs of the used cores (1.0 when there is no work)."""
    work = _core_loads(core_blocks, spatial_splits, phase_order)
    if not work.size or work.sum() == 0:
        return 1.0
    return float(work.max() / work.mean())


def pair_heavy_with_light(core_blocks: Sequence[int]) -> tuple[int, ...]:
    """The second phase's share of each core row: the heaviest share goes with the lightest."""
    ascending = sorted(range(len(core_blocks)), key=lambda i: (core_blocks[i], i))
    order = [0] * len(core_blocks)
    for i, row in enumerate(ascending):
        order[row] = ascending[len(ascending) - 1 - i]
    return tuple(order)


def columns_per_slice(spatial_splits: Sequence[int], target: Target) -> int:
    """Columns each spatial slice gets: 1, or more when there are fewer slices than columns.

    A layer with a spatial extent smaller than ``cols`` (a matmul over one row,
    such as a classifier at batch 1) would leave columns idle; they take more
    ranges of output channels instead, so its weights stream through every
    column's memory tile and shim DMA.
    """
    slices = max(len(spatial_splits) - 1, 1)
    return max(1, target.cols // slices)


def plan_partition(row_loads: Sequence[int], spatial_dim: str, extent: int, target: Target,
                   interleave: bool = False) -> Partition:
    """The partition of a layer with `row_loads` stored blocks per block row and
    `extent` spatial indices along `spatial_dim`, on `target`.

    With `interleave`, a core may take any set of block rows when that lowers
    the largest load and the columns do not split channels (module docstring).
    """
    spatial_splits = even_splits(extent, target.cols)
    per_slice = columns_per_slice(spatial_splits, target)
    loads = np.asarray(row_loads, dtype=np.int64)
    row_splits = balanced_row_splits(row_loads, target.core_rows * per_slice)
    core_blocks = tuple(int(loads[a:b].sum()) for a, b in zip(row_splits, row_splits[1:]))
    row_order: tuple[int, ...] = ()
    phase_order: tuple[int, ...] = ()
    if interleave and per_slice == 1 and len(core_blocks) > 1:
        order, splits = interleaved_row_sets(row_loads, target.core_rows)
        blocks = tuple(int(loads[list(order[a:b])].sum()) for a, b in zip(splits, splits[1:]))
        if max(blocks) < max(core_blocks):
            row_order, row_splits, core_blocks = order, splits, blocks
        if min(np.diff(spatial_splits)) >= 2:  # two phases when that lowers the busiest core's work
            paired = pair_heavy_with_light(core_blocks)
            if _core_loads(core_blocks, spatial_splits, paired).max() < _core_loads(core_blocks, spatial_splits, ()).max():
                phase_order = paired
    return Partition(target.name, row_splits, spatial_dim, spatial_splits, core_blocks,
                     _imbalance(core_blocks, spatial_splits, phase_order), row_order, phase_order)


def spatial_extent(op, cols: int) -> tuple[str, int]:
    """``(spatial_dim, extent)`` of a bsparse matmul or conv2d split over `cols` columns."""
    shape = ir.ShapedType(op.result.type).shape
    if op.operation.name == MatmulOp.OPERATION_NAME:
        return "rows", math.prod(shape[:-1])
    layout = ir.StringAttr(op.attributes["layout"]).value
    height, width = (shape[1], shape[2]) if layout == "nhwc" else (shape[2], shape[3])
    if width < cols and height > width:
        return "height", height
    return "width", width


def may_interleave(op, spatial_splits: Sequence[int], target: Target) -> bool:
    """Whether a layer may take interleaved block rows: not a grouped convolution (a core reads the
    input channels of every group its rows touch), and its columns do not split channels."""
    grouped = op.operation.name == Conv2dOp.OPERATION_NAME and ir.IntegerAttr(op.attributes["groups"]).value != 1
    return not grouped and columns_per_slice(spatial_splits, target) == 1


def partition_layer(op, data, target: Target, assign: str = "any") -> Partition:
    """The partition of a bsparse matmul or conv2d whose packed weight holds `data`: its format's
    block rows (`bsparse.patterns.format.Format.row_loads`) over the cores."""
    dim, extent = spatial_extent(op, target.cols)
    interleave = assign == "any" and may_interleave(op, even_splits(extent, target.cols), target)
    return plan_partition(data.format.row_loads(data, target), dim, extent, target, interleave=interleave)


# --- pattern and pass --------------------------------------------------------


def partition_op(op, rewriter, target: Target, assign: str):
    """Records `op`'s partition on `target` if its weight is a packed weight."""
    packed = defining_op(op.weight)
    if packed is None or packed.operation.name not in PACKED_OPS:
        return True
    attr = partition_layer(op, weight_data(packed), target, assign).to_attr()
    if ATTRIBUTE in op.attributes and op.attributes[ATTRIBUTE] == attr:
        return True  # already recorded: no change
    op.attributes[ATTRIBUTE] = attr  # in place: the rewriter has no modify_op_in_place (module docstring)
    return False


def patterns(target: Target, assign: str = "any") -> RewritePatternSet:
    """The rewrite patterns of bsparse-partition for `target` (`assign`: one of `ASSIGNMENTS`)."""
    # Each pattern function returns truthy for "no match".
    rewrites = RewritePatternSet()
    for op_class in (MatmulOp, Conv2dOp):
        rewrites.add(op_class, lambda op, rewriter: partition_op(op, rewriter, target, assign))
    return rewrites


@dataclass(frozen=True)
class PartitionPass(Pass):
    NAME: ClassVar[str] = "bsparse-partition"
    SUMMARY: ClassVar[str] = "split each packed layer over the target's cores, balancing stored blocks"

    target: str = option("aie2-4x4", "target whose cols x core_rows cores share each layer", parse=parse_target)
    assign: str = option("any", "block rows per core: any set when that balances better, or contiguous ranges (any|ranges)",
                         parse=parse_choice(ASSIGNMENTS))

    def __post_init__(self):
        try:
            targets.get(self.target)
        except TargetError as err:
            raise OptionError(str(err)) from None

    def run(self, module: ir.Operation) -> None:
        walk_and_apply_patterns(module, patterns(targets.get(self.target), self.assign).freeze())
