"""The cost of lowered devices: sparsity moving fewer bytes, MACs on the real slots of a format, core
balance by what a core computes, one or two phases chosen by the cost model, and the transfers a
shim or memory tile's DMA channels issue one after another."""

from __future__ import annotations

import numpy as np
import pytest
import torch_mlir.ir as ir

from bsparse import targets
from bsparse.context import make_context
from bsparse.interpreter import run_program
from bsparse.cost.device import device_cost
from bsparse.patterns import BlockPattern
from bsparse.pipeline import run_pipeline
from bsparse.plan import DevicePlan
from irtext import ops_named
from aie_cases import LOWER, TARGETS, assert_close, bsparse_main, compile_and_run, conv_attrs, conv_reference, kernels_per_core

pytestmark = pytest.mark.filterwarnings("ignore")


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("layer", ["matmul", "conv2d"])
def test_pruning_half_the_blocks_moves_fewer_l3_bytes(target, layer):
    """A weight-heavy layer (few positions, many weights): half the blocks pruned, less DDR traffic and fewer MACs."""
    rng = np.random.default_rng(11)
    block = (4, 4)
    if layer == "matmul":
        x = rng.standard_normal((2, 96)).astype(np.float32)
        dense = rng.standard_normal((96, 96)).astype(np.float32)
        attrs, y_shape = 'activation = "none"', (2, 96)
    else:
        x = rng.standard_normal((1, 32, 3, 3)).astype(np.float32)
        dense = rng.standard_normal((64, 32, 3, 3)).astype(np.float32)
        c = dict(relu=False, dilations=(1, 1), groups=1, nhwc=False, padding=(0, 0, 0, 0), strides=(1, 1))
        attrs, y_shape = conv_attrs(c), (1, 64, 1, 1)
    reports = {}
    for sparsity in (0.0, 0.5):
        weight = BlockPattern(*block).prune(dense, sparsity)
        with make_context(), ir.Location.unknown():
            text = bsparse_main(layer, x.shape, weight, block, None, y_shape, attrs)
        _, report = compile_and_run(text, LOWER.format(t=target, d="i8"), x)
        reports[sparsity] = report
    dense_report, sparse_report = reports[0.0], reports[0.5]
    assert sparse_report.traffic["L3"] < dense_report.traffic["L3"]
    assert sparse_report.macs * 2 == dense_report.macs == dense_report.macs_dense == sparse_report.macs_dense


def test_tvw_macs_are_the_real_slots_of_its_format():
    """tvw's MACs: per tile, channels x the values its 2:4 groups store at real K positions."""
    from bsparse.patterns import parse_pattern
    from bsparse.patterns import format_for

    rng = np.random.default_rng(4)
    weight = parse_pattern("tvw:8").prune(rng.standard_normal((21, 30)).astype(np.float32), 0.75)
    data = format_for("tvw:8").pack(weight)
    x = rng.standard_normal((6, 30)).astype(np.float32)
    with make_context(), ir.Location.unknown():
        text = bsparse_main("matmul", x.shape, weight, "tvw:8", None, (6, 21), 'activation = "none"')
    got, report = compile_and_run(text, LOWER.format(t="aie2-4x4", d="i8"), x)
    assert_close(got, x @ weight.T)
    # each group of 4 slots stores 2 values; its real slots come before its padding, so it stores
    # min(2, real slots) values at real positions, for every channel of its tile
    real = sum(len(rows) * sum(min(2, int(np.sum(kept[g:g + 4] >= 0))) for g in range(0, len(kept), 4))
               for rows, kept in data.format.tiles(data))
    assert report.layers[0].macs == real * 6


def test_dense_executed_formats_balance_cores_by_channels():
    """Unstructured is computed densely on every AIE: its cores are balanced by channels x K, not by
    stored values; N:M is balanced by stored values where the core reads it compressed (AIE2) and by
    channels where it does not (AIE1)."""
    from bsparse.patterns import format_for

    rng = np.random.default_rng(3)
    weight = rng.standard_normal((20, 16)).astype(np.float32)
    weight[:8, 1:] = 0  # the first 8 channels store one value each
    csr = format_for("unstructured").pack(weight)
    for name in ("aie2-4x4", "aie1-vc1902"):
        assert csr.format.row_loads(csr, targets.get(name)).tolist() == [8 * 16, 8 * 16, 4 * 16]
    nm = weight.copy()
    nm[:, 2::4] = nm[:, 3::4] = 0
    data = format_for("nm:2:4").pack(nm)
    assert data.format.row_loads(data, targets.get("aie2-4x4")).tolist() == [8 * 8, 8 * 8, 4 * 8]  # 2 slots per group of 4
    assert data.format.row_loads(data, targets.get("aie1-vc1902")).tolist() == [8 * 16, 8 * 16, 4 * 16]


def test_two_phases_are_dropped_when_the_cost_model_finds_them_slower():
    """Whatever the partition asks, bsparse-to-aie keeps the cheaper of two phases and one phase."""
    from bsparse.passes.partition import ATTRIBUTE, Partition

    rng = np.random.default_rng(9)
    weight = BlockPattern(8, 8).prune(rng.standard_normal((256, 256, 3, 3)).astype(np.float32), 0.5)
    c = dict(relu=False, dilations=(1, 1), groups=1, nhwc=False, padding=(1, 1, 1, 1), strides=(1, 1))
    x = rng.standard_normal((1, 256, 14, 14)).astype(np.float32)
    want = conv_reference(x, weight, None, c)
    cycles = {}
    with make_context(), ir.Location.unknown():
        text = bsparse_main("conv2d", x.shape, weight, (8, 8), None, want.shape, conv_attrs(c))
        for forced in ((), "paired"):
            module = ir.Module.parse(text)
            run_pipeline(module, "bsparse-partition{target=aie2-4x4}")
            (op,) = ops_named(module, "bsparse.conv2d")
            partition = Partition.from_op(op)
            import dataclasses

            order = tuple(reversed(range(len(partition.row_splits) - 1))) if forced else ()
            op.attributes[ATTRIBUTE] = dataclasses.replace(partition, phase_order=order, imbalance=1.0).to_attr()
            run_pipeline(module, "bsparse-to-aie{target=aie2-4x4 dtype=i8}")
            (got,), report = run_program(module, x)
            np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5 * np.abs(want).max())
            cycles[forced] = (report.layers[0].cycles, kernels_per_core(module))
    assert cycles["paired"][0] <= cycles[()][0]  # never worse than one phase
    assert cycles["paired"][1] == {1}  # here (movement bound, even loads) two phases are slower: dropped


def _fan_out(target: targets.Target, level: str, cores: int, elements: int) -> DevicePlan:
    """A host buffer of `elements` i8 values at `level` split into equal boxes, one to each of `cores`
    cores (filled column by column), and each core's box back to a host buffer in DDR."""
    plan = DevicePlan(target, "i8")
    source = plan.buffer(None, level, (1, elements))
    result = plan.buffer(None, "L3", (1, elements))
    box = elements // cores
    first_row = target.shim_rows + target.memtile_rows
    for k in range(cores):
        tile = (k // target.core_rows, first_row + k % target.core_rows)
        inside, out = plan.buffer(tile, "L1", (1, box)), plan.buffer(tile, "L1", (1, box))
        plan.dma(source, inside, (1, box), 1, src_at=(0, k * box))
        plan.dma(out, result, (1, box), 1, dst_at=(0, k * box))
    return plan


def test_a_fan_out_from_ddr_pays_each_transfer_on_the_shim_channels():
    """Each transfer occupies a shim channel for its bytes and its setup: hundreds of tiny transfers from
    DDR take at least their setups spread over the shim columns' channels, more than their bytes alone."""
    t = targets.get("aie2-ve2802")
    assert t.ddr_transfers_overlap
    for cores in (304, 38):
        elements = 304 * 8
        cost = device_cost(_fan_out(t, "L3", cores, elements))
        box = elements // cores
        reads = cores * (box / t.shim_bytes_per_cycle + t.dma_setup_cycles) / (t.shim_columns * t.shim_channels_in)
        writes = cores * (box / t.shim_bytes_per_cycle + t.dma_setup_cycles) / (t.shim_columns * t.shim_channels_out)
        bandwidth = elements / (t.ddr_read_bytes_per_s / t.clock_hz)
        assert cost.ddr == pytest.approx(max(reads, writes, bandwidth))
    wide, narrow = (device_cost(_fan_out(t, "L3", cores, 304 * 8)).ddr for cores in (304, 38))
    assert wide - narrow >= (304 - 38) * t.dma_setup_cycles / (t.shim_columns * t.shim_channels_in) - 1e-9


def test_a_fan_out_from_the_memory_tiles_pays_each_transfer_on_their_channels():
    """An activation on chip (host memory in the memory tiles) read by every core of a column: that
    column's memory tile issues one transfer per core over its ``memtile_dma_channels`` channels."""
    t = targets.get("aie2-ve2802")
    cores, elements = t.core_rows * 2, t.core_rows * 2 * 4
    cost = device_cost(_fan_out(t, "L2", cores, elements))
    per_column = t.core_rows * (4 / t.stream_bytes_per_cycle + t.dma_setup_cycles) / t.memtile_dma_channels
    bandwidth = t.core_rows * 4 / (t.memtile_read_bytes_per_s / t.clock_hz)
    assert sorted(cost.memtile) == [0, 1]
    assert all(cycles == pytest.approx(max(per_column, bandwidth)) for cycles in cost.memtile.values())
