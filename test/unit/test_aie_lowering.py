"""bsparse-to-aie's devices read as structure: every L1 buffer within its role's budget, memory-tile
staging, output channel runs, channel groups, index chunks, and recorded partitions it must reject."""

from __future__ import annotations

import numpy as np
import pytest
import torch_mlir.ir as ir
from hypothesis import given
from hypothesis import strategies as st

from bsparse import targets
from bsparse.context import make_context
from bsparse.dtypes import COSTED_DTYPES
from bsparse.interpreter import run_program
from bsparse.patterns import BlockPattern
from bsparse.pipeline import run_pipeline
from irtext import ops_named
from aie_cases import CASES, LOWER, assert_close, bsparse_main, conv_attrs, dtypes_for, interleaving_loads, nbytes, partitions, target_names, tile_of, weight_with_loads

pytestmark = pytest.mark.filterwarnings("ignore")


def l1_roles(module: ir.Module, target: targets.Target, dtype: str) -> dict[tuple[int, int], dict[str, int]]:
    """Per core tile: bytes of each role's L1 buffers over its kernels (a ping/pong twin checked to match its buffer).

    Data buffers count at the costed type's width, block-index buffers at
    the target's ``block_index_bytes``.
    """
    width, index_width = COSTED_DTYPES[dtype], target.block_index_bytes
    l1 = {}
    for buffer in ops_named(module, "aie.buffer"):
        if ir.StringAttr(buffer.attributes["level"]).value == "L1":
            l1.setdefault(tile_of(buffer), []).append(buffer.result)
    roles = {}
    kernels: dict[tuple[int, int], list] = {}
    for kernel in ops_named(module, "aie.matmul_bsr") + ops_named(module, "aie.conv2d_bsr"):
        kernels.setdefault(tile_of(kernel.operands[0].owner), []).append(list(kernel.operands))
    copies = 1 if target.l1_double_buffer else 0
    for tile, calls in kernels.items():  # a core runs one work unit, or two (two phases): their buffers add up
        used = [operand for operands in calls for operand in operands]
        twins = [b for b in l1.pop(tile) if b not in used]
        assert sorted(str(b.type) for b in twins) == sorted(
            str(operands[i].type) for operands in calls for i in (0, 4) for _ in range(copies))
        role = {"input": 0, "output": 0, "weight": 0, "misc": 0, "total": 0}
        for operands in calls:
            role["input"] += nbytes(operands[0], width)
            role["output"] += nbytes(operands[4], width)
            role["weight"] += nbytes(operands[1], width)
            misc = (nbytes(operands[2], index_width) + nbytes(operands[3], index_width)
                    + (nbytes(operands[5], width) if len(operands) > 5 else 0))
            role["misc"] += misc
            role["total"] += (1 + copies) * (nbytes(operands[0], width) + nbytes(operands[4], width)) \
                + nbytes(operands[1], width) + misc
        roles[tile] = role
    assert not l1, f"L1 buffers on tiles without a kernel: {sorted(l1)}"
    return roles


def lower_text(text: str, target: str, dtype: str) -> dict[tuple[int, int], dict[str, int]]:
    with make_context(), ir.Location.unknown():
        module = ir.Module.parse(text)
        run_pipeline(module, LOWER.format(t=target, d=dtype))
        assert module.operation.verify()
        return l1_roles(module, targets.get(target), dtype)


def budget_layer_text(c, weight, bias) -> str:
    """A matmul with `hw` rows, or a same-padded square conv2d of side `hw`."""
    if c["kind"] == "matmul":
        return bsparse_main("matmul", (c["hw"], c["cin"]), weight, c["block"], bias, (c["hw"], c["cout"]),
                            'activation = "relu"')
    pad = c["kernel"] // 2
    attrs = conv_attrs(dict(relu=False, dilations=(1, 1), groups=1, nhwc=c["nhwc"], padding=(pad,) * 4, strides=(1, 1)))
    side = c["hw"]
    x, y = (1, c["cin"], side, side), (1, c["cout"], side, side)
    if c["nhwc"]:
        x, y = (1, side, side, c["cin"]), (1, side, side, c["cout"])
    return bsparse_main("conv2d", x, weight, c["block"], bias, y, attrs)


@st.composite
def budget_cases(draw):
    """Layers large enough for the plan to tile the output, chunk the weight and split input channels."""
    target = draw(target_names)
    return dict(
        kind=draw(st.sampled_from(["matmul", "conv2d"])), cin=draw(st.sampled_from([16, 64, 200, 512])),
        cout=draw(st.sampled_from([8, 48, 256])), hw=draw(st.integers(1, 24)), kernel=draw(st.sampled_from([1, 3])),
        block=draw(st.sampled_from([(8, 8), (4, 16), (1, 8), (16, 1), (3, 5)])), nhwc=draw(st.booleans()),
        sparsity=draw(st.sampled_from([0.0, 0.5])), target=target, dtype=draw(st.sampled_from(dtypes_for[target])),
        seed=draw(st.integers(0, 2**16)),
    )


@CASES
@given(budget_cases())
def test_l1_data_buffers_stay_within_their_role_budgets(c):
    """Input and output tiles (each of a ping/pong pair) and the weight chunk fit their budgets; the tile fits L1."""
    rng = np.random.default_rng(c["seed"])
    target = targets.get(c["target"])
    k = c["kernel"]
    shape = (c["cout"], c["cin"], k, k) if c["kind"] == "conv2d" else (c["cout"], c["cin"])
    weight = BlockPattern(*c["block"]).prune(rng.standard_normal(shape).astype(np.float32), c["sparsity"])
    bias = rng.standard_normal(c["cout"]).astype(np.float32)
    with make_context(), ir.Location.unknown():
        text = budget_layer_text(c, weight, bias)
    for tile, used in lower_text(text, c["target"], c["dtype"]).items():
        assert used["input"] <= target.l1_input_bytes, (tile, used)
        assert used["output"] <= target.l1_output_bytes, (tile, used)
        assert used["weight"] <= target.l1_weight_bytes, (tile, used)
        assert used["total"] <= target.l1_bytes, (tile, used)


def test_l1_block_index_and_bias_stay_within_the_misc_budget():
    rng = np.random.default_rng(2)
    target = targets.get("aie2-2x2")
    weight = rng.standard_normal((1000, 2048)).astype(np.float32)
    bias = rng.standard_normal(1000).astype(np.float32)
    with make_context(), ir.Location.unknown():
        text = bsparse_main("matmul", (2, 2048), weight, (8, 8), bias, (2, 1000), 'activation = "none"')
    misc = {tile: used["misc"] for tile, used in lower_text(text, "aie2-2x2", "i8").items()}
    assert max(misc.values()) <= target.l1_misc_bytes, misc


def test_large_batch_is_staged_within_the_memtile():
    """A 1x1 conv on a batch of 32 images of 64 x 8 x 64: 1 MB of input, staged through 512 KB memtiles."""
    rng = np.random.default_rng(6)
    weight = rng.standard_normal((64, 64, 1, 1)).astype(np.float32)
    c = dict(relu=False, dilations=(1, 1), groups=1, nhwc=False, padding=(0, 0, 0, 0), strides=(1, 1))
    with make_context(), ir.Location.unknown():
        text = bsparse_main("conv2d", (32, 64, 8, 64), weight, (32, 64), None, (32, 64, 8, 64), conv_attrs(c))
        module = ir.Module.parse(text)
        run_pipeline(module, LOWER.format(t="aie2-2x2", d="i8"))
        assert module.operation.verify()


def test_each_channel_run_of_each_channel_group_is_written_once_per_output_tile():
    """Interleaved rows on cores whose outputs need several channel groups (a small L1 output buffer):
    a core's output DMAs cover its channels exactly, once per output tile, in boxes within one group."""
    import dataclasses

    from torch_mlir.rewrite import apply_patterns_and_fold_greedily, walk_and_apply_patterns

    from bsparse.passes import partition as partition_pass
    from bsparse.passes import to_aie

    rng = np.random.default_rng(5)
    t = dataclasses.replace(targets.get("aie2-4x4"), l1_output_bytes=8)  # one output row of 8 channels (2 block rows) at i8
    loads = interleaving_loads(t, 16, 8, rng)
    weight = weight_with_loads(loads, 64, 32, (), rng)
    x = rng.standard_normal((16, 32)).astype(np.float32)
    with make_context(), ir.Location.unknown():
        module = ir.Module.parse(bsparse_main("matmul", x.shape, weight, (4, 4), None, (16, 64), 'activation = "none"'))
        walk_and_apply_patterns(module.operation, partition_pass.patterns(t).freeze())
        (partition,) = partitions(module)
        assert partition.row_order
        apply_patterns_and_fold_greedily(module.operation, to_aie.patterns(t, "i8").freeze())
        assert module.operation.verify()
        written: dict[tuple[int, int], list] = {}
        for dma in ops_named(module, "aie.dma"):
            src = dma.operands[0].owner
            if isinstance(src, ir.OpView) and src.operation.name == "aie.buffer" and \
                    ir.StringAttr(src.attributes["level"]).value == "L1":
                tile = src.operands[0].owner
                core = (ir.IntegerAttr(tile.attributes["col"]).value, ir.IntegerAttr(tile.attributes["row"]).value)
                written.setdefault(core, []).append(dma)
        several = 0
        for kernel in ops_named(module, "aie.matmul_bsr"):
            p = ir.DictAttr(kernel.attributes["params"])
            tile = kernel.operands[0].owner.operands[0].owner
            core = (ir.IntegerAttr(tile.attributes["col"]).value, ir.IntegerAttr(tile.attributes["row"]).value)
            flat = list(ir.DenseI64ArrayAttr(p["channels"]))
            channels = [c for lo, hi in zip(flat[0::2], flat[1::2]) for c in range(lo, hi)]
            groups = ir.IntegerAttr(p["channel_groups"]).value
            tiles = ir.IntegerAttr(p["output_tiles"]).value // groups  # output tiles of one channel group
            co = ir.ShapedType(kernel.operands[4].type).shape[1]  # channels of one group in L1
            covered = []
            for dma in written[core]:
                sizes = list(ir.DenseI64ArrayAttr(dma.attributes["sizes"]))
                at = list(ir.DenseI64ArrayAttr(dma.attributes["dst_offsets"]))
                assert sizes[1] <= co and ir.IntegerAttr(dma.attributes["repeat"]).value == tiles
                covered += range(at[1], at[1] + sizes[1])
            assert sorted(covered) == channels  # each channel once (the column's L2 slice starts at channel 0)
            several += groups > 1 and len(flat) > 2
        assert several, "no core had several channel groups and several runs"
        (got,), _ = run_program(module, x)
    assert_close(got, x @ weight.T)


def test_channel_groups_count_whole_block_rows():
    """A share of 13 channels in units of 8 (the last partial): a group of one unit holds 8 channels."""
    from bsparse.passes._tiling import Axis, Work, plan_tiles

    import dataclasses

    t = dataclasses.replace(targets.get("aie2-4x4"), l1_output_bytes=8)
    work = Work(batch=1, stream=Axis(4), across=Axis(1), in_channels=16, out_channels=13, blocks=40,
                block_elements=1, index_entries=60, element_bytes=1, index_bytes=1, block_rows=2, row_height=8,
                chunk_index_bytes=1.5)
    plan = plan_tiles(work, t)
    assert (plan.co, plan.co_rows, plan.n_co) == (8, 1, 2)


def test_recorded_interleaving_where_ranges_are_needed_is_an_error():
    """A hand-made partition that interleaves a layer whose idle columns take channel ranges is rejected."""
    from bsparse.errors import BsparseError
    from bsparse.passes.partition import ATTRIBUTE

    rng = np.random.default_rng(1)
    weight = rng.standard_normal((64, 32)).astype(np.float32)
    with make_context(), ir.Location.unknown():
        module = ir.Module.parse(bsparse_main("matmul", (2, 32), weight, (8, 8), None, (2, 64), 'activation = "none"'))
        (op,) = ops_named(module, "bsparse.matmul")
        op.attributes[ATTRIBUTE] = ir.Attribute.parse(
            '{core_blocks = array<i64: 8, 8, 8, 8>, imbalance = 1.0 : f64, '
            'row_order = array<i64: 0, 4, 1, 5, 2, 6, 3, 7>, row_splits = array<i64: 0, 2, 4, 6, 8>, '
            'spatial_dim = "rows", spatial_splits = array<i64: 0, 1, 2>, target = "aie2-4x4"}')
        with pytest.raises((BsparseError, ir.MLIRError), match="row_order"):
            run_pipeline(module, "bsparse-to-aie{target=aie2-4x4}")


def test_index_buffers_hold_exactly_the_bytes_of_their_chunk():
    """An unstructured share whose index bytes do not divide evenly by its values: no byte too many."""
    rng = np.random.default_rng(12)
    weight = rng.standard_normal((8, 64)).astype(np.float32)
    weight[rng.random(weight.shape) < 0.9] = 0
    with make_context(), ir.Location.unknown():
        module = ir.Module.parse(bsparse_main("matmul", (4, 64), weight, "unstructured", None, (4, 8),
                                              'activation = "none"'))
        run_pipeline(module, "bsparse-to-aie{target=aie2-4x4}")
        constants = [ir.ShapedType(op.result.type).shape[0] for op in ops_named(module, "arith.constant")
                     if "xi8>" in str(op.result.type)]
        buffers = [ir.ShapedType(op.result.type).shape[0] for op in ops_named(module, "aie.buffer")
                   if "xi8>" in str(op.result.type)]
    assert constants and buffers and max(buffers) <= max(constants)
