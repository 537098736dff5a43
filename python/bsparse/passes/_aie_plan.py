"""The device plan of one packed layer: bsparse-to-aie's planning half, plain Python, no IR.

`plan_device` turns a layer (`Layer`: its geometry), its partition and its
weight shares (`Share`: each core row's block rows in the layer's format)
into a `bsparse.plan.DevicePlan`: per column, L2 staging on its memory tile
of the column's input slice and output channels; per core row's share, its
values and index staged once in the memory tile of one of the columns that
use it (weights go along rows), unless they already live in the memory tiles
(a weight resident across the layers that use it, `bsparse.passes.to_aie.resident_weights`:
the cores read them there); per core, L1 buffers within the target's
budgets (input and output tiles, ping/pong when the target double-buffers;
a weight chunk; the index; the bias), the DMA transfers between them
(``repeat`` = transfers of the stream) and one kernel call per work unit
with its `bsparse.dialects.kernel.KernelParams`. Each core streams its work
unit in tiles planned by `bsparse.passes._tiling.plan_tiles`. On targets
without memory tiles (AIE1) the cores' DMAs read and write host memory
directly. With two phases (the partition's ``phase_order``) each core runs
two work units one after the other, each planned within half of every L1
budget.

How a share's index is moved depends on its format's encoding
(`bsparse.patterns.format.Format.ENCODING`): `WEIGHT_STREAMS` holds, per
encoding, the L2 staging and the L1 buffers and transfers of the index.

Host buffers of the plan are named (`host_names`): ``input``, ``output``,
``residual`` for a layer that adds one (its tiles are moved into the output
tiles before the kernel runs, which adds them before the activation) and, per share ``i``, ``share<i>.values`` / ``.row_ptr`` / ``.col_idx`` /
``.index`` / ``.bias``; the emitter maps them to the host values.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from bsparse import targets
from bsparse.dialects.kernel import KernelParams
from bsparse.dtypes import COSTED_DTYPES
from bsparse.passes._tiling import Axis, TilePlan, Work, plan_tiles
from bsparse.passes.partition import Partition, columns_per_slice, halves
from bsparse.patterns.indexed import index_layout
from bsparse.plan import Buffer, DevicePlan, KernelCall

__all__ = ["Layer", "Share", "WEIGHT_STREAMS", "core_work", "matmul_layer", "plan_device", "runs_of"]


def runs_of(rows) -> list[tuple[int, int]]:
    """The maximal runs ``(first, end)`` of consecutive integers in ascending `rows`."""
    runs: list[list[int]] = []
    for row in rows:
        if runs and runs[-1][1] == row:
            runs[-1][1] += 1
        else:
            runs.append([row, row + 1])
    return [(a, b) for a, b in runs]


@dataclass(frozen=True)
class Share:
    """One core row's share of the packed weight: its block rows, ascending, as contiguous runs.

    A share of a contiguous partition is one run; an interleaved one
    (bsparse-partition's ``row_order``) has several, its entries gathered run
    after run. `data` is in the layer's format (`bsparse.patterns.format`).
    """

    block_runs: tuple[tuple[int, int], ...]
    channel_runs: tuple[tuple[int, int], ...]
    data: object
    has_bias: bool

    @property
    def channels(self) -> int:
        return sum(hi - lo for lo, hi in self.channel_runs)

    @property
    def first_channel(self) -> int:
        return self.channel_runs[0][0]

    @property
    def stored(self) -> int:
        """Stored entries (blocks or values)."""
        return self.data.stored

    @property
    def entry_shape(self) -> list[int]:
        """Shape of one stored entry: a block ``[R, C, *window]``, or a value ``[]``."""
        return list(self.data.values.shape[1:])


@dataclass(frozen=True)
class Layer:
    """What the device program of a layer needs to know, for matmul and conv alike.

    Activations are seen as ``[batch, channels, A, B]`` views named by `dims`
    (``"nchw"``, ``"nhwc"``, or ``"mk"`` for a matmul's ``[rows, K]``).
    """

    kind: str
    layout: str
    batch: int
    in_shape: tuple[int, ...]
    out_shape: tuple[int, ...]
    in_channels: int
    out_channels: int
    groups: int
    stream: Axis
    across: Axis
    split_dim: str
    across_pad: int = 0
    """Zero padding before the split dimension (top or left)."""
    residual: bool = False
    """The layer adds a residual (a tensor of its output's shape, host buffer ``residual``) before its
    activation: each core's output tile is first filled with the residual's tile, which the kernel adds."""

    def input_box(self, channels: int, stream_in: int, across_in: int) -> list[int]:
        """A box of the L3/L2/L1 input in its layout: `channels` x the two spatial extents."""
        if self.kind == "matmul":
            return [stream_in, channels]
        h, w = (stream_in, across_in) if self.split_dim == "width" else (across_in, stream_in)
        return [1, channels, h, w] if self.layout == "nchw" else [1, h, w, channels]

    def output_box(self, channels: int, t: int, tc: int) -> list[int]:
        if self.kind == "matmul":
            return [t, channels]
        h, w = (t, tc) if self.split_dim == "width" else (tc, t)
        return [1, channels, h, w] if self.layout == "nchw" else [1, h, w, channels]

    def with_batch(self, box: list[int], batch: int) -> list[int]:
        return box if self.kind == "matmul" else [batch, *box[1:]]

    def input_offset(self, across_out: int) -> list[int]:
        """Where the input a spatial slice starting at output `across_out` needs begins (padding clipped)."""
        start = max(0, across_out * self.across.stride - self.across_pad)
        if self.kind == "matmul":
            return [start, 0]
        h, w = (0, start) if self.split_dim == "width" else (start, 0)
        return [0, 0, h, w] if self.layout == "nchw" else [0, h, w, 0]

    def output_offset(self, channel: int, across_out: int) -> list[int]:
        """The output element at `channel` and output position `across_out` of the split dimension."""
        if self.kind == "matmul":
            return [across_out, channel]
        h, w = (0, across_out) if self.split_dim == "width" else (across_out, 0)
        return [0, channel, h, w] if self.layout == "nchw" else [0, h, w, channel]


def matmul_layer(x_shape, y_shape) -> Layer:
    rows = math.prod(x_shape[:-1])
    return Layer("matmul", "mk", 1, (rows, x_shape[-1]), (rows, y_shape[-1]), x_shape[-1], y_shape[-1], 1,
                  Axis(rows), Axis(1), "rows")


def core_work(layer: Layer, share: Share, spatial: tuple[int, int], weight_shape, target, b: int) -> Work:
    co = share.channels
    if layer.kind == "matmul":
        stream, across, in_channels = Axis(spatial[1] - spatial[0]), Axis(1), layer.in_channels
    else:
        stream = layer.stream
        across = Axis(spatial[1] - spatial[0], layer.across.kernel, layer.across.stride, layer.across.dilation)
        per_group = layer.out_channels // layer.groups  # a grouped conv's share is one run (bsparse-partition)
        groups = -(-share.channel_runs[-1][1] // per_group) - share.first_channel // per_group
        in_channels = groups * weight_shape[1]
    bias_bytes = co * b if share.has_bias else 0
    return Work(batch=layer.batch, stream=stream, across=across, in_channels=in_channels, out_channels=co,
                element_bytes=b, bias_bytes=bias_bytes, **share.data.format.tile_work(share.data, target))


# ----------------------------------------------------------------------------- the index, per encoding


class _BsrStreams:
    """BSR: ``row_ptr`` (whole, once per channel group) and ``col_idx`` (chunked with the blocks)."""

    HOST = ("values", "row_ptr", "col_idx")

    def stage(self, plan: DevicePlan, mem, share: Share, host: dict[str, int], chunk2: int, transfers: int) -> dict:
        data = share.data
        rp_l2 = plan.buffer(mem, "L2", [len(data.row_ptr)], "index")
        plan.dma(host["row_ptr"], rp_l2, [len(data.row_ptr)], 1)
        ci_l2 = plan.buffer(mem, "L2", [chunk2], "index")
        plan.dma(host["col_idx"], ci_l2, [chunk2], transfers if share.stored else 0)
        return {"row_ptr": rp_l2, "col_idx": ci_l2}

    def l1(self, plan: DevicePlan, tile, share: Share, tplan: TilePlan) -> list[tuple[str, int]]:
        return [("row_ptr", plan.buffer(tile, "L1", [tplan.co_rows + 1], "index")),
                ("col_idx", plan.buffer(tile, "L1", [max(tplan.chunk_blocks, 1)], "index"))]

    def feed(self, plan: DevicePlan, share: Share, src: dict, dst: dict, tplan: TilePlan, transfers: int) -> None:
        plan.dma(src["row_ptr"], dst["row_ptr"], [tplan.co_rows + 1], tplan.n_co)
        plan.dma(src["col_idx"], dst["col_idx"], [tplan.chunk_blocks], transfers if share.stored else 0)

    def params(self, share: Share) -> dict:
        return {}


class _IndexedStreams:
    """Indexed formats: the index bytes, moved in proportion to the values they go with."""

    HOST = ("values", "index")

    @staticmethod
    def chunk(share: Share, entries: int) -> int:
        """Index bytes that go with `entries` stored values (at least 1)."""
        return max(1, -(-entries * share.data.index_bytes // max(share.stored, 1)))

    def stage(self, plan: DevicePlan, mem, share: Share, host: dict[str, int], chunk2: int, transfers: int) -> dict:
        box = [self.chunk(share, chunk2)]
        idx_l2 = plan.buffer(mem, "L2", box, "bytes")
        plan.dma(host["index"], idx_l2, box, transfers if share.data.index_bytes else 0)
        return {"index": idx_l2}

    def l1(self, plan: DevicePlan, tile, share: Share, tplan: TilePlan) -> list[tuple[str, int]]:
        return [("index", plan.buffer(tile, "L1", [self.chunk(share, tplan.chunk_blocks)], "bytes"))]

    def feed(self, plan: DevicePlan, share: Share, src: dict, dst: dict, tplan: TilePlan, transfers: int) -> None:
        plan.dma(src["index"], dst["index"], [self.chunk(share, tplan.chunk_blocks)],
                 transfers if share.data.index_bytes else 0)

    def params(self, share: Share) -> dict:
        return {"pattern": share.data.pattern, "stored": share.stored, "index_layout": index_layout(share.data)}


WEIGHT_STREAMS = {"bsr": _BsrStreams(), "indexed": _IndexedStreams()}
"""Format encoding -> how a share's index is staged, buffered and moved."""


def host_names(shares: list[Share], residual: bool = False) -> list[str]:
    """The names of a layer's host buffers, in order (module docstring)."""
    names = ["input", "output", *(["residual"] if residual else [])]
    for i, share in enumerate(shares):
        names += [f"share{i}.{name}" for name in WEIGHT_STREAMS[share.data.format.ENCODING].HOST]
        names += [f"share{i}.bias"] if share.has_bias else []
    return names


def _stage(rows: int, row_bytes: int, batch: int, budget: int, minimum: int) -> tuple[int, int, int]:
    """How an L2 staging buffer holds `batch` images of `rows` rows: (images, rows, transfers).

    All of it if it fits `budget`; else whole images, as many as fit; else
    bands of one image's rows (at least `minimum`, the rows one core tile needs).
    """
    image = rows * row_bytes
    if batch * image <= budget:
        return batch, rows, 1
    if image <= budget:
        images = budget // image
        return images, rows, math.ceil(batch / images)
    band = max(minimum, budget // max(row_bytes, 1))
    return 1, band, batch * math.ceil(rows / band)


# ----------------------------------------------------------------------------- the plan


def plan_device(layer: Layer, partition: Partition, shares: list[Share], host: list[Buffer], common: dict,
                target: targets.Target, dtype: str) -> DevicePlan:
    """The device plan of a layer (module docstring).

    Args:
        layer: Its geometry.
        partition: Its work split (one or two phases).
        shares: Each core row's weight share.
        host: The host buffers, in `host_names` order.
        common: The layer's `KernelParams` fields (``weight_shape``, ``activation``; a convolution's).
        target, dtype: The target and the costed type.

    Raises:
        BsparseError: a work unit has no tile plan within the L1 budgets.
    """
    b = COSTED_DTYPES[dtype]
    plan = DevicePlan(target, dtype, shares=[share.data for share in shares])
    named = {name: plan.buffers.__len__() + k for k, name in enumerate(host_names(shares, layer.residual))}
    plan.buffers.extend(host)
    has_l2 = target.memtile_rows > 0
    l2_share = target.l2_bytes // target.l2_shares if has_l2 else 0
    per_slice = columns_per_slice(partition.spatial_splits, target)
    memtile = lambda col: (col, target.shim_rows)  # noqa: E731
    core_tile = lambda col, row: (col, target.shim_rows + target.memtile_rows + row)  # noqa: E731
    # core (col, row) -> (spatial slice, share); see bsparse.passes.partition
    assignment: dict[tuple[int, int], tuple[int, int]] = {}
    for j in range(len(partition.spatial_ranges)):
        for i in range(len(shares)):
            assignment[j * per_slice + i // target.core_rows, i % target.core_rows] = (j, i)
    units = _work_units(partition, assignment)
    phase_target = target if not partition.phase_order else dataclasses.replace(
        target, l1_input_bytes=target.l1_input_bytes // 2, l1_output_bytes=target.l1_output_bytes // 2,
        l1_weight_bytes=target.l1_weight_bytes // 2, l1_misc_bytes=target.l1_misc_bytes // 2)
    plans: dict[tuple[int, int, int], tuple[Work, TilePlan]] = {}  # (col, row, phase)
    for core, items in units.items():
        for phase, (i, spatial) in enumerate(items):
            work = core_work(layer, shares[i], spatial, common["weight_shape"], target, b)
            plans[(*core, phase)] = (work, plan_tiles(work, phase_target))

    # Per column: L2 staging of its input slice and of its cores' output channels on the slice.
    columns: dict[int, tuple[int, int]] = {}
    column_first_channel: dict[int, int] = {}

    def output_at(channel: int, column: int, spatial: tuple[int, int], slice_start: int) -> list[int]:
        """Where output `channel` at a core's first output position lands: the column's L2 slice, or the L3 output."""
        if has_l2:
            return layer.output_offset(channel - column_first_channel[column], spatial[0] - slice_start)
        return layer.output_offset(channel, spatial[0])

    for c in sorted({col for col, _ in assignment}):
        if not has_l2:
            columns[c] = (named["input"], named["output"])
            continue
        cores = [core for core in assignment if core[0] == c]
        j0 = assignment[cores[0]][0]
        slice_start = partition.spatial_ranges[j0][0]
        work0 = core_work(layer, shares[assignment[cores[0]][1]], partition.spatial_ranges[j0],
                          common["weight_shape"], target, b)  # the column's whole slice
        plan0 = plans[(*cores[0], 0)][1]
        out_channels = sum(shares[assignment[core][1]].channels for core in cores)
        first_channel = min(shares[assignment[core][1]].first_channel for core in cores)
        column_first_channel[c] = first_channel
        across_in = work0.across.input_extent(work0.across.extent)
        stream_in = work0.stream.input_extent(work0.stream.extent)
        row_in = math.prod(layer.input_box(layer.in_channels, 1, across_in)) * b
        images, band_in, transfers = _stage(stream_in, row_in, layer.batch, l2_share,
                                            work0.stream.input_extent(plan0.t))
        x_box = layer.with_batch(layer.input_box(layer.in_channels, band_in, across_in), images)
        x_l2 = plan.buffer(memtile(c), "L2", x_box)
        plan.dma(named["input"], x_l2, x_box, transfers, src_at=layer.input_offset(slice_start))
        out_rows = work0.stream.extent
        row_out = math.prod(layer.output_box(out_channels, 1, work0.across.extent)) * b
        images, band_out, transfers = _stage(out_rows, row_out, layer.batch, l2_share, plan0.t)
        y_box = layer.with_batch(layer.output_box(out_channels, band_out, work0.across.extent), images)
        y_l2 = plan.buffer(memtile(c), "L2", y_box)
        plan.dma(y_l2, named["output"], y_box, transfers, dst_at=layer.output_offset(first_channel, slice_start))
        columns[c] = (x_l2, y_l2)

    # Per share: staged in the memory tile of one of the columns that use it (unless resident there).
    staged: list[dict[str, int]] = []
    homes = []  # weights go along rows: share i is staged in one of its columns, spread over the columns
    for share_index in range(len(shares)):
        users = sorted(col for (col, _), (_, i) in assignment.items() if i == share_index)
        homes.append(users[share_index % len(users)])
    for share_index, share in enumerate(shares):
        streams = WEIGHT_STREAMS[share.data.format.ENCODING]
        host = {name: named[f"share{share_index}.{name}"] for name in streams.HOST}
        if not has_l2 or plan.buffers[host["values"]].level == "L2":  # resident: the cores read it there
            staged.append(host)
            continue
        mem = memtile(homes[share_index])
        stored = share.stored
        per_entry = share.data.format.chunk_index_bytes(share.data, target)
        entry_bytes = math.prod(share.entry_shape) * b + per_entry
        sharing = homes.count(homes[share_index])
        chunk2 = max(1, min(stored, int((l2_share // sharing) // entry_bytes)))
        values_box = [chunk2, *share.entry_shape]
        loads = max(plans[(*core, phase)][1].weight_loads(layer.batch) for core, items in units.items()
                    for phase, (i, _) in enumerate(items) if i == share_index)
        transfers = math.ceil(stored / chunk2) * (1 if chunk2 >= stored else loads)
        v_l2 = plan.buffer(mem, "L2", values_box)
        plan.dma(host["values"], v_l2, values_box, transfers if stored else 0)
        staged.append({"values": v_l2, **streams.stage(plan, mem, share, host, chunk2, transfers)})

    # Per core: L1 buffers, DMAs and a kernel call per work unit.
    pingpong = 2 if target.l1_double_buffer else 1
    for (c, r), items in units.items():
        j = assignment[c, r][0]
        slice_start = partition.spatial_ranges[j][0]
        tile = core_tile(c, r)
        x_src, y_dst = columns[c]
        for phase, (share_index, spatial) in enumerate(items):
            work, tplan = plans[c, r, phase]
            share = shares[share_index]
            streams = WEIGHT_STREAMS[share.data.format.ENCODING]
            src = staged[share_index]
            x_box = layer.input_box(tplan.k, work.stream.input_extent(tplan.t), work.across.input_extent(tplan.tc))
            y_box = layer.output_box(tplan.co, tplan.t, tplan.tc)
            x_l1 = [plan.buffer(tile, "L1", x_box) for _ in range(pingpong)]
            y_l1 = [plan.buffer(tile, "L1", y_box) for _ in range(pingpong)]
            v_box = [max(tplan.chunk_blocks, 1), *share.entry_shape]
            weights = [("values", plan.buffer(tile, "L1", v_box)), *streams.l1(plan, tile, share, tplan)]
            b_l1 = plan.buffer(tile, "L1", [tplan.co]) if share.has_bias else None
            tiles = layer.batch * tplan.output_tiles
            if has_l2:  # from the column's L2 slice, at the unit's first input
                x_at = [a - s for a, s in zip(layer.input_offset(spatial[0]), layer.input_offset(slice_start))]
            else:
                x_at = layer.input_offset(spatial[0])
            plan.dma(x_src, x_l1[0], x_box, tiles * tplan.n_k, src_at=x_at)
            weight_transfers = tplan.chunks * tplan.weight_loads(layer.batch)
            plan.dma(src["values"], weights[0][1], v_box, weight_transfers if share.stored else 0)
            streams.feed(plan, share, src, dict(weights), tplan, weight_transfers)
            if b_l1 is not None:
                plan.dma(named[f"share{share_index}.bias"], b_l1, [tplan.co], tplan.n_co)
            if layer.residual:  # the residual's tile into the output tile, from where it lives (DDR or L2)
                _output_transfers(plan, layer, share, tplan, y_l1[0], named["residual"], tiles,
                                  lambda channel: layer.output_offset(channel, spatial[0]), into_l1=True)
            _output_transfers(plan, layer, share, tplan, y_l1[0], y_dst, tiles,
                              lambda channel: output_at(channel, c, spatial, slice_start))
            params = KernelParams(
                **common, block_rows=_flat(share.block_runs), channels=_flat(share.channel_runs),
                spatial=tuple(spatial), spatial_dim=partition.spatial_dim, tile=(tplan.t, tplan.tc),
                output_tiles=tiles, k_chunks=tplan.n_k, channel_groups=tplan.n_co, weight_chunks=tplan.chunks,
                weight_resident=tplan.weight_resident, calls=tplan.calls(layer.batch), **streams.params(share))
            operands = [("input", x_l1[0]), *weights, ("output", y_l1[0])] + ([("bias", b_l1)] if b_l1 is not None else [])
            plan.kernels.append(KernelCall(tile, layer.kind, share.data.format.ENCODING, tuple(operands), params,
                                           share_index))
    return plan


def _work_units(partition: Partition, assignment) -> dict[tuple[int, int], list[tuple[int, tuple[int, int]]]]:
    """Each core's work units, run one after the other: (share, spatial range). Two phases: the first
    half of the column's slice on its share, the second on share `phase_order` of it; each phase
    plans within half of every L1 budget, so both sets of L1 buffers fit."""
    units = {}
    for core, (j, i) in assignment.items():
        if partition.phase_order:
            first, second = halves(*partition.spatial_ranges[j])
            units[core] = [(i, first), (partition.phase_order[i], second)]
        else:
            units[core] = [(i, partition.spatial_ranges[j])]
    return units


def _output_transfers(plan: DevicePlan, layer: Layer, share: Share, tplan: TilePlan, y_l1: int, far: int,
                      tiles: int, output_at, into_l1: bool = False) -> None:
    """The output tile back to the column's slice (or the host), or with `into_l1` the residual's tile
    from buffer `far` into it: one DMA, or one per contiguous run of the core's channels per channel
    group. `output_at(channel)`: where a channel's first output is in `far`."""

    def move(box, repeat, l1_at=None, far_at=None):
        if into_l1:
            plan.dma(far, y_l1, box, repeat, src_at=far_at, dst_at=l1_at)
        else:
            plan.dma(y_l1, far, box, repeat, src_at=l1_at, dst_at=far_at)

    y_box = layer.output_box(tplan.co, tplan.t, tplan.tc)
    if len(share.channel_runs) == 1:
        move(y_box, tiles, far_at=output_at(share.first_channel))
        return
    local = 0  # the run's first channel among the core's
    for lo, hi in share.channel_runs:
        start = local
        while start < local + hi - lo:
            end = min(local + hi - lo, (start // tplan.co + 1) * tplan.co)
            move(layer.output_box(end - start, tplan.t, tplan.tc), layer.batch * tplan.n_t * tplan.n_tc,
                 l1_at=layer.output_offset(start % tplan.co, 0), far_at=output_at(lo + start - local))
            start = end
        local += hi - lo


def _flat(runs) -> tuple[int, ...]:
    return tuple(int(v) for run in runs for v in run)
