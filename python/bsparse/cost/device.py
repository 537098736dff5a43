"""The cost of a device program, from its plan (`bsparse.plan.DevicePlan`).

DESIGN.md's model, every constant a field of the device's target:

- a core's compute: for a generic kernel (a structured op on activations,
  `bsparse.passes._structured`) its payload on each loop point of its slice
  (`bsparse.cost.payload.Payload`: MACs at ``macs_per_cycle x
  kernel_efficiency`` for a contraction, else vector ops at
  ``vector_bytes_per_cycle`` and the rated ops at their rates) plus
  ``kernel_call_overhead_cycles`` per tile; for a packed layer its share's format says it
  (`bsparse.patterns.format.Format.compute_cycles`: for BSR its MACs on stored
  blocks at ``macs_per_cycle x kernel_efficiency`` plus
  ``block_index_overhead_cycles`` per stored block per output tile; for the
  indexed formats what the target's core can skip, or the expansion to dense
  at each load), plus its epilogue activation on each output
  (`bsparse.activations.Activation.cycles_per_element`), plus
  ``kernel_call_overhead_cycles`` per call. The report's
  MACs are the stored entries at real weight positions
  (`bsparse.patterns.format.Format.macs_per_position`);
- its DMA: bytes into L1 over ``core_dma_in_channels x
  stream_bytes_per_cycle`` (out likewise) plus ``dma_setup_cycles`` per
  transfer; double-buffered, so a core takes ``max(compute, in, out)`` plus
  the first load and the last store of one call (fill and drain); a core
  that runs two work units (two phases) adds up their compute, DMA and calls;
- each memory tile: bytes read and written at its bandwidths, and its DMA
  channels' occupancy: a channel issues its transfers one after another, each
  its bytes at ``stream_bytes_per_cycle`` plus ``dma_setup_cycles``, over
  ``memtile_dma_channels`` channels each way;
- DDR: L3 bytes read and written at the ``ddr_*`` bandwidths (`ddr_cycles`),
  and the shim DMAs' occupancy likewise (each transfer its bytes at
  ``shim_bytes_per_cycle`` plus ``dma_setup_cycles``, over the
  ``shim_columns x shim_channels_in`` / ``_out`` channels, as evenly as they
  can share them), summed with the array's time unless ``ddr_transfers_overlap``.
  So an op spread over hundreds of cores pays for the transfers its sources
  issue, not only for its bytes;
- the layer: the slowest core or memory tile (so imbalance shows), with DDR.

Bytes are counted at the plan's element widths (`bsparse.plan.DevicePlan.width`);
a DMA moves ``repeat`` boxes and counts at both of its levels; a box streamed
identically from one buffer to several tiles is a multicast, read once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from bsparse import targets
from bsparse.activations import activation
from bsparse.plan import DevicePlan, dense_macs, output_positions

__all__ = ["DeviceCost", "ddr_cycles", "device_cost", "device_cycles", "layer_cycles", "shim_cycles"]


@dataclass
class DeviceCost:
    """The per-core and per-memtile breakdown of a device's cycles and bytes."""

    compute: dict[tuple[int, int], float] = field(default_factory=dict)
    dma_in: dict[tuple[int, int], float] = field(default_factory=dict)
    dma_out: dict[tuple[int, int], float] = field(default_factory=dict)
    calls: dict[tuple[int, int], int] = field(default_factory=dict)
    memtile: dict[int, float] = field(default_factory=dict)
    ddr: float = 0.0
    macs: dict[tuple[int, int], int] = field(default_factory=dict)
    macs_dense: int = 0
    traffic: dict[str, int] = field(default_factory=lambda: {"L3": 0, "L2": 0, "L1": 0})
    weights: int = 0


def ddr_cycles(t: targets.Target, read: dict[int, int], write: dict[int, int]) -> float:
    """Cycles to move `read` / `write` bytes per array column between DDR and the array.

    A column reads over ``shim_channels_in`` channels of ``shim_bytes_per_cycle``
    at once when ``ddr_transfers_overlap``; otherwise its loads are summed,
    one channel's rate at a time (the seed model). Writes use all
    ``shim_channels_out``. Reads and writes overlap only when transfers do.
    The whole array stays within ``ddr_read_bytes_per_s`` / ``ddr_write_bytes_per_s``.
    """
    clock = t.clock_hz
    read_rate = t.shim_bytes_per_cycle * (t.shim_channels_in if t.ddr_transfers_overlap else 1)
    write_rate = t.shim_bytes_per_cycle * t.shim_channels_out
    per_column = []
    for column in set(read) | set(write):
        r, w = read.get(column, 0) / read_rate, write.get(column, 0) / write_rate
        per_column.append(max(r, w) if t.ddr_transfers_overlap else r + w)
    total_r = sum(read.values()) / (t.ddr_read_bytes_per_s / clock)
    total_w = sum(write.values()) / (t.ddr_write_bytes_per_s / clock)
    total = max(total_r, total_w) if t.ddr_transfers_overlap else total_r + total_w
    return max(max(per_column, default=0.0), total)


def _movement(plan: DevicePlan, result: DeviceCost) -> None:
    """The DMA, memory tile and DDR parts of `result`, and its traffic."""
    t = plan.target
    clock = t.clock_hz
    stream_in = t.core_dma_in_channels * t.stream_bytes_per_cycle
    stream_out = t.core_dma_out_channels * t.stream_bytes_per_cycle
    mem_read: dict[int, int] = {}
    mem_write: dict[int, int] = {}
    ddr_read: dict[int, int] = {}
    ddr_write: dict[int, int] = {}
    multicast: set[tuple] = set()
    shim_busy = {"in": 0.0, "out": 0.0}  # cycles the shim DMA channels are busy, summed over transfers
    memtile_busy: dict[tuple[int, str], float] = {}  # (column, "in" | "out") -> cycles, likewise
    for dma in plan.dmas:
        src, dst = plan.buffers[dma.src], plan.buffers[dma.dst]
        nbytes = math.prod(dma.sizes) * dma.repeat * plan.width(dma.src)
        # The same box of one buffer streamed identically to several tiles is one
        # multicast stream (the stream switch broadcasts it): it is read once.
        stream_key = (dma.src, dma.src_offsets, dma.sizes, dma.repeat)
        first_read = src.level == "L1" or stream_key not in multicast
        multicast.add(stream_key)
        if first_read:
            result.traffic[src.level] += nbytes
        if dst.level != src.level or src.level != "L2":
            result.traffic[dst.level] += nbytes
        # the column an end is in: its tile's, or for host memory the other end's
        src_column = (src.tile or dst.tile)[0]
        dst_column = (dst.tile or src.tile)[0]
        setup = dma.repeat * t.dma_setup_cycles  # paid on each channel the transfer occupies
        if dst.level == "L1":
            result.dma_in[dst.tile] = result.dma_in.get(dst.tile, 0.0) + nbytes / stream_in + setup
        if src.level == "L1":
            result.dma_out[src.tile] = result.dma_out.get(src.tile, 0.0) + nbytes / stream_out + setup
        if src.level == "L2" and first_read:
            mem_read[src_column] = mem_read.get(src_column, 0) + nbytes
            key = (src_column, "out")
            memtile_busy[key] = memtile_busy.get(key, 0.0) + nbytes / t.stream_bytes_per_cycle + setup
        if dst.level == "L2":
            mem_write[dst_column] = mem_write.get(dst_column, 0) + nbytes
            key = (dst_column, "in")
            memtile_busy[key] = memtile_busy.get(key, 0.0) + nbytes / t.stream_bytes_per_cycle + setup
        if src.level == "L3" and first_read:
            ddr_read[src_column] = ddr_read.get(src_column, 0) + nbytes
            result.weights += nbytes if src.constant else 0
            shim_busy["in"] += nbytes / t.shim_bytes_per_cycle + setup
        if dst.level == "L3":
            ddr_write[dst_column] = ddr_write.get(dst_column, 0) + nbytes
            shim_busy["out"] += nbytes / t.shim_bytes_per_cycle + setup
    channels = max(t.memtile_dma_channels, 1)
    for column in set(mem_read) | set(mem_write):
        read = mem_read.get(column, 0) / (t.memtile_read_bytes_per_s / clock)
        write = mem_write.get(column, 0) / (t.memtile_write_bytes_per_s / clock)
        busy = max(memtile_busy.get((column, "out"), 0.0), memtile_busy.get((column, "in"), 0.0)) / channels
        result.memtile[column] = max(read, write, busy)
    result.ddr = max(ddr_cycles(t, ddr_read, ddr_write), shim_cycles(t, shim_busy["in"], shim_busy["out"]))


def shim_cycles(t: targets.Target, busy_in: float, busy_out: float) -> float:
    """The shim DMAs' share of a device's time: `busy_in` / `busy_out` cycles of channel occupancy (its
    transfers' bytes at ``shim_bytes_per_cycle`` plus ``dma_setup_cycles`` each) spread evenly over the
    ``shim_columns`` x ``shim_channels_in`` (``_out``) channels; as `ddr_cycles`, reads use one channel of
    a column at a time and add to the writes unless ``ddr_transfers_overlap``."""
    columns = max(t.shim_columns, 1)
    read = busy_in / (columns * (t.shim_channels_in if t.ddr_transfers_overlap else 1))
    write = busy_out / (columns * t.shim_channels_out)
    return max(read, write) if t.ddr_transfers_overlap else read + write


def _compute(plan: DevicePlan, result: DeviceCost) -> None:
    """The cores' compute, MACs and calls of `result`."""
    t, dtype = plan.target, plan.dtype
    for call in plan.kernels:
        p = call.params
        core = call.core  # a core may run several work units (two phases): they add up
        if call.kind == "generic":  # its payload on each point of its slice of the loops
            result.calls[core] = result.calls.get(core, 0) + p.tiles
            points = math.prod(p.steps)
            macs = points if call.payload.contraction else 0
            result.macs[core] = result.macs.get(core, 0) + macs
            result.macs_dense += macs
            result.compute[core] = (result.compute.get(core, 0.0) + call.payload.cycles(t, dtype, points)
                                    + p.tiles * t.kernel_call_overhead_cycles)
            continue
        result.calls[core] = result.calls.get(core, 0) + p.calls
        positions = output_positions(plan, call)
        result.macs_dense += dense_macs(call, positions)
        data = plan.shares[call.share]
        index_passes = p.output_tiles // p.channel_groups
        loads = 1 if p.weight_resident else index_passes
        result.macs[core] = result.macs.get(core, 0) + data.format.macs_per_position(data) * positions
        result.compute[core] = (result.compute.get(core, 0.0)
                                + data.format.compute_cycles(data, positions, index_passes, loads, t, dtype)
                                + p.channel_count * positions * activation(p.activation).cycles_per_element(t, dtype)
                                + p.calls * t.kernel_call_overhead_cycles)


def device_cost(plan: DevicePlan) -> DeviceCost:
    """Cycles and bytes of a device program (module docstring)."""
    result = DeviceCost()
    _movement(plan, result)
    _compute(plan, result)
    return result


def core_cycles(breakdown: DeviceCost, core) -> float:
    """A core's cycles: compute overlapped with its DMA, plus one call's fill and drain."""
    compute = breakdown.compute.get(core, 0.0)
    dma_in, dma_out = breakdown.dma_in.get(core, 0.0), breakdown.dma_out.get(core, 0.0)
    calls = max(breakdown.calls.get(core, 1), 1)
    return max(compute, dma_in, dma_out) + (dma_in + dma_out) / calls


def layer_cycles(t: targets.Target, breakdown: DeviceCost) -> float:
    """A device's cycles: its slowest core or memory tile, with DDR (module docstring)."""
    core_time = max((core_cycles(breakdown, c) for c in breakdown.compute), default=0.0)
    array_time = max(core_time, max(breakdown.memtile.values(), default=0.0))
    return max(array_time, breakdown.ddr) if t.ddr_transfers_overlap else array_time + breakdown.ddr


def device_cycles(plan: DevicePlan) -> float:
    """Cycles of a device plan (bsparse-to-aie compares candidate plans with it)."""
    return layer_cycles(plan.target, device_cost(plan))
