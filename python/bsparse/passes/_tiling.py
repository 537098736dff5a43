"""How one core streams its work unit through L1: the tile of outputs per kernel call and what each call loads.

A core computes output channels ``co`` over an output region ``stream x
across`` (x ``batch``): for a convolution, the rows (or columns) it streams
and the extent of its spatial slice; for a matmul, its slice of rows and 1.
Each kernel call computes an output tile ``t x tc`` (all ``co`` channels)
from an input tile holding the window's halo and ``k`` input channels. The
weight (the core's stored blocks) stays in L1 when it fits
(`Target.l1_weight_bytes`); otherwise it is streamed in equal chunks of
stored blocks once per output tile. The block index (``row_ptr`` and the
chunk's ``col_idx``) and the bias live in `Target.l1_misc_bytes`, which
also bounds the chunk. Input channels are split into ``n_k``
chunks only when one output position's input does not fit
`Target.l1_input_bytes` (partial sums stay in the output tile).

The plan picks the largest output tile that fits the L1 budgets, which
minimises the number of calls and weight reloads.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from bsparse.errors import BsparseError
from bsparse.targets import Target

__all__ = ["Axis", "TilePlan", "Work", "plan_tiles"]


@dataclass(frozen=True)
class Axis:
    """An output dimension: its extent and the window along it (1, 1, 1 for no window)."""

    extent: int
    kernel: int = 1
    stride: int = 1
    dilation: int = 1

    def input_extent(self, outputs: int) -> int:
        """Input positions ``outputs`` consecutive outputs read."""
        return (outputs - 1) * self.stride + (self.kernel - 1) * self.dilation + 1


@dataclass(frozen=True)
class Work:
    """A core's work unit, in the terms the plan needs.

    Attributes:
        batch: Independent images (1 for a matmul).
        stream: The output dimension streamed tile by tile.
        across: The other output dimension of the core's slice.
        in_channels: Input channels the core reads (its groups' channels).
        out_channels: Output channels it computes.
        blocks: Stored blocks of its weight share.
        block_elements: Elements of one stored block (``R x C x window``).
        index_entries: Block-index entries of its share (row pointers + columns).
        element_bytes: Bytes per element at the costed type.
        index_bytes: Bytes per block-index entry.
        block_rows: Block rows of its share (``row_ptr`` has one more entry).
        row_height: Output channels per block row (R; the last may have fewer); 0: derived.
        bias_bytes: Bytes of its bias (0 without one).
        chunk_index_bytes: Index bytes that move with each stored entry, kept in the
            weight buffer beside the values (a non-block format's index, read with the
            values: N:M masks, offsets); 0 for BSR, whose block columns (`index_bytes`
            each) sit in `Target.l1_misc_bytes`.
    """

    batch: int
    stream: Axis
    across: Axis
    in_channels: int
    out_channels: int
    blocks: int
    block_elements: int
    index_entries: int
    element_bytes: int
    index_bytes: int
    block_rows: int = 0
    row_height: int = 0
    bias_bytes: int = 0
    chunk_index_bytes: float = 0.0


@dataclass(frozen=True)
class TilePlan:
    """A core's loop: ``n_co`` channel groups x ``batch x n_t x n_tc`` output tiles, each ``n_k x chunks`` calls.

    ``co`` output channels (``co_rows`` block rows) are computed per tile;
    the block row pointers and the bias of one group sit in L1 at a time.
    """

    t: int
    tc: int
    n_t: int
    n_tc: int
    k: int
    n_k: int
    chunk_blocks: int
    chunks: int
    weight_resident: bool
    co: int = 0
    co_rows: int = 0
    n_co: int = 1

    @property
    def output_tiles(self) -> int:
        """Output tiles of one image, over all channel groups."""
        return self.n_t * self.n_tc * self.n_co

    def calls(self, batch: int) -> int:
        """Kernel invocations of the core: one per weight chunk (at least one per group and input chunk) per tile."""
        return batch * self.n_t * self.n_tc * max(self.chunks, self.n_co * self.n_k)

    def weight_loads(self, batch: int) -> int:
        """How many times the core's weight share is loaded into L1."""
        return 1 if self.weight_resident else batch * self.n_t * self.n_tc


def _input_tile_bytes(work: Work, t: int, tc: int, k: int) -> int:
    return k * work.stream.input_extent(t) * work.across.input_extent(tc) * work.element_bytes


def _fit_tile(work: Work, target: Target, k: int, co: int) -> tuple[int, int] | None:
    """The largest output tile ``(t, tc)`` whose input (with `k` channels) and output (`co` channels) fit L1, or None."""
    b = work.element_bytes
    tc = work.across.extent
    while tc > 1 and (_input_tile_bytes(work, 1, tc, k) > target.l1_input_bytes
                      or co * tc * b > target.l1_output_bytes):
        tc = math.ceil(tc / 2)
    if _input_tile_bytes(work, 1, tc, k) > target.l1_input_bytes or co * tc * b > target.l1_output_bytes:
        return None
    low, high = 1, work.stream.extent  # the largest t that fits, by bisection (fit is monotone in t)
    while low < high:
        mid = (low + high + 1) // 2
        if (_input_tile_bytes(work, mid, tc, k) <= target.l1_input_bytes
                and co * mid * tc * b <= target.l1_output_bytes):
            low = mid
        else:
            high = mid - 1
    return low, tc


def _channel_groups(work: Work, target: Target) -> tuple[int, int, int] | None:
    """The fewest groups of block rows whose output channels, row pointers and bias fit L1: (n_co, rows, co)."""
    rows = max(work.block_rows, 1)
    height = work.row_height or -(-work.out_channels // rows)  # R
    bias_per_channel = work.bias_bytes // max(work.out_channels, 1)
    for n_co in range(1, rows + 1):
        co_rows = -(-rows // n_co)
        co = min(co_rows * height, work.out_channels)
        fixed = (co_rows + 1) * work.index_bytes + co * bias_per_channel
        if fixed < target.l1_misc_bytes and co * work.element_bytes <= target.l1_output_bytes:
            return -(-rows // co_rows), co_rows, co
    return None


def plan_tiles(work: Work, target: Target) -> TilePlan:
    """The cheapest loop for the core's L1 budgets: fewest bytes moved into L1.

    Output channels are split into the fewest groups whose output, row
    pointers and bias fit L1. Candidates then split the input channels into
    ``n_k`` = 1, 2, 4, ... chunks (the output tile then grows: a weight that
    is not resident is reloaded once per output tile, so fewer, larger tiles
    can move fewer bytes).

    Raises:
        BsparseError: even one block row's output, one stored block or one input channel does not fit L1.
    """
    b = work.element_bytes
    block_bytes = work.block_elements * b
    if work.blocks and block_bytes > target.l1_weight_bytes:
        raise BsparseError(f"one stored block ({block_bytes} bytes) does not fit the {target.l1_weight_bytes}-byte L1 weight buffer")
    groups = _channel_groups(work, target)
    if groups is None:
        raise BsparseError(
            f"one block row of output channels does not fit L1 ({target.l1_output_bytes}-byte output buffer, "
            f"{target.l1_misc_bytes}-byte budget for block row pointers and bias)"
        )
    n_co, co_rows, co = groups
    weight_bytes = work.blocks * block_bytes + work.index_entries * work.index_bytes
    fixed = (co_rows + 1) * work.index_bytes + co * (work.bias_bytes // max(work.out_channels, 1))
    capacity = 1
    if work.blocks:
        if work.chunk_index_bytes:  # the index travels with the values in the weight buffer
            capacity = int(target.l1_weight_bytes // (block_bytes + work.chunk_index_bytes))
        else:
            capacity = min(target.l1_weight_bytes // block_bytes, (target.l1_misc_bytes - fixed) // work.index_bytes)
    best: tuple[int, TilePlan] | None = None
    n_k = 1
    while n_k <= max(work.in_channels, 1):
        k = math.ceil(work.in_channels / n_k)
        fit = _fit_tile(work, target, k, co)
        if fit is not None:
            t, tc = fit
            resident = work.blocks <= capacity and n_k == 1
            chunks = 0 if not work.blocks else (1 if resident else max(n_k * n_co, math.ceil(work.blocks / capacity)))
            plan = TilePlan(
                t=t, tc=tc, n_t=math.ceil(work.stream.extent / t), n_tc=math.ceil(work.across.extent / tc),
                k=k, n_k=n_k, chunk_blocks=0 if not work.blocks else math.ceil(work.blocks / chunks),
                chunks=chunks, weight_resident=resident, co=co, co_rows=co_rows, n_co=n_co,
            )
            tiles = work.batch * plan.output_tiles
            moved = tiles * n_k * _input_tile_bytes(work, t, tc, k) + plan.weight_loads(work.batch) * weight_bytes
            if best is None or moved < best[0]:
                best = (moved, plan)
        n_k *= 2
    if best is None:
        raise BsparseError("one input channel of one output position does not fit the L1 input buffer")
    return best[1]
