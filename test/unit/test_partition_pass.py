"""bsparse-partition: optimal block-row split, coverage, the attribute, and the pass."""

import itertools

import numpy as np
import pytest
import torch_mlir.ir as ir
from hypothesis import given, settings
from hypothesis import strategies as st

from bsparse import targets
from bsparse.errors import BsparseError, OptionError
from bsparse.passes import PASSES
from bsparse.passes.partition import (
    ATTRIBUTE,
    Partition,
    PartitionPass,
    balanced_row_splits,
    even_splits,
    interleaved_row_sets,
    plan_partition,
)
from bsparse.pipeline import run_pipeline
from irtext import packed_weight


def range_sums(loads, splits):
    return [sum(loads[a:b]) for a, b in zip(splits, splits[1:])]


def brute_force_max_load(loads, parts):
    """The smallest largest sum over every split of `loads` into at most `parts` contiguous ranges."""
    n = len(loads)
    best = sum(loads)
    for count in range(1, min(parts, n) + 1):
        for cuts in itertools.combinations(range(1, n), count - 1):
            best = min(best, max(range_sums(loads, (0, *cuts, n))))
    return best


def assert_covers(splits, extent, parts):
    """`splits` cover range(extent) exactly once, in min(parts, extent) non-empty slices."""
    assert splits[0] == 0 and splits[-1] == extent
    assert len(splits) - 1 == min(parts, extent)
    assert all(b > a for a, b in zip(splits, splits[1:]))
    covered = np.concatenate([np.arange(a, b) for a, b in zip(splits, splits[1:])])
    np.testing.assert_array_equal(covered, np.arange(extent))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 9), min_size=1, max_size=9), st.integers(1, 8))
def test_row_split_is_optimal_and_covers_every_block_row(loads, parts):
    splits = balanced_row_splits(loads, parts)
    assert_covers(splits, len(loads), parts)
    assert max(range_sums(loads, splits)) == brute_force_max_load(loads, parts)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 200), st.integers(1, 16))
def test_spatial_slices_are_near_equal_and_cover_every_index(extent, parts):
    splits = even_splits(extent, parts)
    assert_covers(splits, extent, parts)
    sizes = np.diff(splits)
    assert sizes.max() - sizes.min() <= 1 and list(sizes) == sorted(sizes, reverse=True)


@pytest.mark.parametrize(
    ("loads", "parts", "expected"),
    [
        ([2, 2, 2, 2], 4, (0, 1, 2, 3, 4)),
        ([2, 2, 2, 2, 2, 2, 2, 2], 4, (0, 2, 4, 6, 8)),
        ([4, 1, 1, 1], 2, (0, 1, 4)),
        ([4, 4, 4, 1, 1, 1, 1, 0], 2, (0, 2, 8)),
        ([3, 5], 4, (0, 1, 2)),  # fewer block rows than cores: one core each
        ([0, 0, 0], 2, (0, 2, 3)),  # nothing stored: still non-empty ranges
    ],
)
def test_row_split_examples(loads, parts, expected):
    assert balanced_row_splits(loads, parts) == expected


def brute_force_any_max_load(loads, parts):
    """The smallest largest load over every assignment of `loads` to `parts` sets (rows in any order)."""
    return min(max(sum(l for l, p in zip(loads, owner) if p == part) for part in range(parts))
               for owner in itertools.product(range(parts), repeat=len(loads)))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 9), min_size=1, max_size=7), st.integers(1, 4))
def test_interleaved_sets_cover_every_row_and_are_within_the_lpt_bound(loads, parts):
    order, splits = interleaved_row_sets(loads, parts)
    count = min(parts, len(loads))
    assert sorted(order) == list(range(len(loads))) and splits[0] == 0 and splits[-1] == len(loads)
    assert len(splits) - 1 == count and all(b > a for a, b in zip(splits, splits[1:]))
    sets = [order[a:b] for a, b in zip(splits, splits[1:])]
    assert all(list(rows) == sorted(rows) for rows in sets)
    assert [rows[0] for rows in sets] == sorted(rows[0] for rows in sets)
    largest = max(sum(loads[r] for r in rows) for rows in sets)
    optimum = brute_force_any_max_load(loads, count)
    assert largest <= (4 / 3 - 1 / (3 * count)) * optimum + 1e-9  # Graham's bound for LPT


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 9), min_size=1, max_size=12), st.sampled_from(["aie2-2x2", "aie2-4x4"]))
def test_interleaving_is_used_only_when_it_lowers_the_largest_load(loads, name):
    target = targets.get(name)
    ranges = plan_partition(loads, "width", 64, target)
    chosen = plan_partition(loads, "width", 64, target, interleave=True)
    assert ranges.row_order == ()
    assert [sum(loads[r] for r in rows) for rows in chosen.row_sets] == list(chosen.core_blocks)
    contiguous_max = max(range_sums(loads, balanced_row_splits(loads, target.core_rows)))
    assert max(chosen.core_blocks) <= contiguous_max
    assert bool(chosen.row_order) == (max(chosen.core_blocks) < contiguous_max)
    assert chosen.imbalance <= ranges.imbalance


def test_interleaving_example():
    # Loads [3, 3, 1, 1, 1, 1, 3, 3] over 4 cores: the best contiguous ranges have a
    # largest load of 5 ([3] [3, 1] [1, 1, 3] [3]); sets {0, 2} {1, 3} {4, 6} {5, 7} have 4 each.
    partition = plan_partition([3, 3, 1, 1, 1, 1, 3, 3], "width", 56, targets.get("aie2-4x4"), interleave=True)
    # heaviest first to the least loaded core: 0, 1, 6, 7 one each, then 2, 3, 4, 5 in turn
    assert partition.row_sets == [(0, 2), (1, 3), (4, 6), (5, 7)]
    assert partition.row_order == (0, 2, 1, 3, 4, 6, 5, 7) and partition.row_splits == (0, 2, 4, 6, 8)
    assert partition.core_blocks == (4, 4, 4, 4) and partition.imbalance == 1.0


def test_zero_extent_is_one_empty_slice():
    assert even_splits(0, 4) == (0, 0)


@pytest.mark.parametrize(
    ("loads", "dim", "extent", "name", "expected"),
    [
        ([2, 2, 2, 2], "rows", 8, "aie2-2x2", 1.0),
        ([4, 1, 1, 1], "rows", 4, "aie2-4x4", 16 / 7),  # 4 / mean(4, 1, 1, 1)
        ([4, 1, 1, 1], "rows", 3, "aie2-2x2", (4 / 3.5) * (2 / 1.5)),  # blocks 4|3, slices 2|1
        ([0, 0], "width", 5, "aie2-2x2", 1.0),  # no stored block: no imbalance
    ],
)
def test_imbalance_is_max_over_mean_macs_of_the_used_cores(loads, dim, extent, name, expected):
    partition = plan_partition(loads, dim, extent, targets.get(name))
    assert partition.imbalance == pytest.approx(expected)
    assert sum(partition.core_blocks) == sum(loads)


def test_partition_checks_its_fields():
    with pytest.raises(ValueError, match="row_splits"):
        Partition("aie2-2x2", (0, 2, 2), "rows", (0, 1), (1, 0), 1.0)
    with pytest.raises(ValueError, match="spatial_dim"):
        Partition("aie2-2x2", (0, 2), "depth", (0, 1), (1,), 1.0)
    with pytest.raises(ValueError, match="core_blocks"):
        Partition("aie2-2x2", (0, 1, 2), "rows", (0, 1), (1,), 1.0)
    with pytest.raises(ValueError, match="permutation"):
        Partition("aie2-2x2", (0, 1, 2), "rows", (0, 1), (1, 1), 1.0, row_order=(0, 0))
    with pytest.raises(ValueError, match="ascending"):
        Partition("aie2-2x2", (0, 2, 3), "rows", (0, 1), (1, 1), 1.0, row_order=(2, 0, 1))


# --- the pass on IR ------------------------------------------------------------


def layer_ops(module):
    found = []

    def visit(op):
        if op.name in ("bsparse.matmul", "bsparse.conv2d"):
            found.append(op.opview)
        return ir.WalkResult.ADVANCE

    module.operation.walk(visit)
    return found


def matmul_module(loads, rows=4, k=16, block=(8, 8)):
    """A bsparse.matmul on a packed weight with `loads[i]` stored blocks in block row i."""
    row_ptr = [0, *np.cumsum(loads).tolist()]
    n = (len(row_ptr) - 1) * block[0]
    block_cols = -(-k // block[1])
    col_idx = [c for a, b in zip(row_ptr, row_ptr[1:]) for c in range(b - a)]
    assert max(np.diff(row_ptr), default=0) <= block_cols
    bsr = f"!bsparse.bsr<array<i64: {n}, {k}>, array<i64: {block[0]}, {block[1]}>, f32>"
    return ir.Module.parse(f"""
func.func @f(%x: tensor<{rows}x{k}xf32>) -> tensor<{rows}x{n}xf32> {{
  %w = "bsparse.packed_weight"() {{col_idx = dense<{col_idx}> : tensor<{len(col_idx)}xi64>, row_ptr = dense<{row_ptr}> : tensor<{len(row_ptr)}xi64>, values = dense<1.0> : tensor<{row_ptr[-1]}x{block[0]}x{block[1]}xf32>}} : () -> {bsr}
  %y = "bsparse.matmul"(%x, %w) {{activation = "none", operandSegmentSizes = array<i32: 1, 1, 0, 0>}} : (tensor<{rows}x{k}xf32>, {bsr}) -> tensor<{rows}x{n}xf32>
  return %y : tensor<{rows}x{n}xf32>
}}""")


def conv_module(height, width, layout="nchw", cout=16, cin=16):
    """A 1x1 bsparse.conv2d on a dense packed weight with a `height` x `width` output."""
    blocks = (cout // 8) * (cin // 8)
    row_ptr = [i * (cin // 8) for i in range(cout // 8 + 1)]
    col_idx = [c for _ in range(cout // 8) for c in range(cin // 8)]
    x = f"tensor<1x{height}x{width}x{cin}xf32>" if layout == "nhwc" else f"tensor<1x{cin}x{height}x{width}xf32>"
    y = f"tensor<1x{height}x{width}x{cout}xf32>" if layout == "nhwc" else f"tensor<1x{cout}x{height}x{width}xf32>"
    bsr = f"!bsparse.bsr<array<i64: {cout}, {cin}, 1, 1>, array<i64: 8, 8>, f32>"
    return ir.Module.parse(f"""
func.func @f(%x: {x}) -> {y} {{
  %w = "bsparse.packed_weight"() {{col_idx = dense<{col_idx}> : tensor<{blocks}xi64>, row_ptr = dense<{row_ptr}> : tensor<{len(row_ptr)}xi64>, values = dense<1.0> : tensor<{blocks}x8x8x1x1xf32>}} : () -> {bsr}
  %y = "bsparse.conv2d"(%x, %w) {{activation = "none", dilations = array<i64: 1, 1>, groups = 1 : i64, layout = "{layout}", operandSegmentSizes = array<i32: 1, 1, 0, 0>, padding = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>}} : ({x}, {bsr}) -> {y}
  return %y : {y}
}}""")


def partition_of(module):
    (op,) = layer_ops(module)
    return Partition.from_op(op)


def test_pass_is_registered():
    assert PASSES["bsparse-partition"] is PartitionPass
    assert PartitionPass().target == "aie2-4x4"


def test_fewer_block_rows_than_cores(ctx):
    module = matmul_module([2, 1], rows=16)
    run_pipeline(module, "bsparse-partition{target=aie2-4x4}")
    # loads 2 | 1 on 4-row slices: two phases, each core 2 x 2 + 1 x 2 rows (phase_order [1, 0]), balanced
    assert partition_of(module) == Partition("aie2-4x4", (0, 1, 2), "rows", (0, 4, 8, 12, 16), (2, 1), 1.0,
                                             phase_order=(1, 0))


def test_fewer_rows_than_columns(ctx):
    module = matmul_module([2, 2], rows=3)
    run_pipeline(module, "bsparse-partition{target=aie2-8x8}")
    partition = partition_of(module)
    assert partition.spatial_dim == "rows" and partition.spatial_splits == (0, 1, 2, 3)


@pytest.mark.parametrize(
    ("height", "width", "layout", "dim", "splits"),
    [
        (2, 56, "nchw", "width", (0, 14, 28, 42, 56)),
        (1, 2, "nchw", "width", (0, 1, 2)),  # width < cols, height not larger: fewer columns
        (9, 2, "nhwc", "height", (0, 3, 5, 7, 9)),  # width < cols, height larger: split height
        (3, 3, "nhwc", "width", (0, 1, 2, 3)),
        (1, 1, "nchw", "width", (0, 1)),
    ],
)
def test_conv_spatial_dim_and_slices(ctx, height, width, layout, dim, splits):
    module = conv_module(height, width, layout)
    run_pipeline(module, "bsparse-partition{target=aie2-4x4}")
    partition = partition_of(module)
    assert (partition.spatial_dim, partition.spatial_splits) == (dim, splits)
    assert partition.row_splits == (0, 1, 2) and partition.core_blocks == (2, 2)


def without_partition(module):
    for op in layer_ops(module):
        if ATTRIBUTE in op.attributes:
            del op.attributes[ATTRIBUTE]
    return str(module)


def test_pass_is_idempotent_and_only_adds_metadata(ctx):
    module = matmul_module([2, 2, 2, 1], rows=6)
    before = str(module)
    run_pipeline(module, "bsparse-partition{target=aie2-2x2}")
    once = str(module)
    assert ATTRIBUTE in once
    run_pipeline(module, "bsparse-partition{target=aie2-2x2}")
    assert str(module) == once
    run_pipeline(module, "bsparse-partition{target=aie2-4x4}")
    assert partition_of(module).target == "aie2-4x4" and str(module).count(ATTRIBUTE) == 1
    assert without_partition(module) == before
    assert module.operation.verify()


def test_attribute_round_trips(ctx):
    module = matmul_module([2, 1, 2, 0], rows=5)
    run_pipeline(module, "bsparse-partition{target=aie2-3x3}")
    partition = partition_of(module)
    reparsed = ir.Module.parse(str(module))
    assert partition_of(reparsed) == partition
    assert partition.to_attr() == layer_ops(module)[0].attributes[ATTRIBUTE]
    assert partition.row_splits == (0, 1, 2, 4) and partition.core_blocks == (2, 1, 2)


def test_interleaved_partition_round_trips_and_assign_ranges_keeps_ranges(ctx):
    # 2 cores: ranges give 4 | 2; heaviest first (0, 1, 4, 5, then 2, 3) gives 3 | 3
    module = matmul_module([2, 2, 0, 0, 1, 1], rows=2)
    run_pipeline(module, "bsparse-partition{target=aie2-2x2}")
    partition = partition_of(module)
    assert partition.core_blocks == (3, 3) and partition.row_sets == [(0, 2, 4), (1, 3, 5)]
    assert partition_of(ir.Module.parse(str(module))) == partition
    assert "row_order = array<i64: 0, 2, 4, 1, 3, 5>" in str(module)
    run_pipeline(module, "bsparse-partition{target=aie2-2x2 assign=ranges}")
    assert partition_of(module).row_order == () and "row_order" not in str(module)
    assert max(partition_of(module).core_blocks) == 4


@pytest.mark.parametrize(("groups", "interleaved"), [(1, True), (2, False)])
def test_only_ungrouped_convs_interleave(ctx, groups, interleaved):
    """Loads [3, 3, 1, 1, 1, 1, 3, 3] (as test_interleaving_example) on a 1x1 conv with `groups` groups."""
    loads = [3, 3, 1, 1, 1, 1, 3, 3]
    weight = np.zeros((64, 32, 1, 1), np.float32)
    for row, load in enumerate(loads):
        weight[row * 8:(row + 1) * 8, :load * 8] = 1.0
    x, y = f"tensor<1x{32 * groups}x2x8xf32>", "tensor<1x64x2x8xf32>"
    w_op, bsr = packed_weight(weight, (8, 8))
    module = ir.Module.parse(f"""
func.func @f(%x: {x}) -> {y} {{
  {w_op}
  %y = "bsparse.conv2d"(%x, %w) {{activation = "none", dilations = array<i64: 1, 1>, groups = {groups} : i64, layout = "nchw", operandSegmentSizes = array<i32: 1, 1, 0, 0>, padding = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>}} : ({x}, {bsr}) -> {y}
  return %y : {y}
}}""")
    run_pipeline(module, "bsparse-partition{target=aie2-4x4}")
    partition = partition_of(module)
    assert bool(partition.row_order) == interleaved
    assert max(partition.core_blocks) == (4 if interleaved else 5)


def test_from_op_without_or_with_malformed_attribute(ctx):
    module = matmul_module([2])
    (op,) = layer_ops(module)
    assert Partition.from_op(op) is None
    op.attributes[ATTRIBUTE] = ir.DictAttr.get({"target": ir.StringAttr.get("aie2-2x2")})
    with pytest.raises(BsparseError, match="malformed 'bsparse.partition'.*missing row_splits"):
        Partition.from_op(op)


def test_unknown_target_lists_known_ones():
    with pytest.raises(OptionError, match=r"unknown target 'nope'; known targets: .*aie2-4x4"):
        PartitionPass.from_options({"target": "nope"})
    with pytest.raises(OptionError, match="aie2-2x2"):
        PartitionPass(target="nope")


def test_two_phases_pair_the_heaviest_row_set_with_the_lightest():
    # ResNet-50 layer1.0.conv2 at 50%: no 4 sets of whole block rows hold 8 blocks each (a core
    # needs one 5 and 3 more from 4, 2, 3, 3), so one phase leaves 9 against a mean of 8
    loads = [5, 4, 5, 2, 3, 3, 5, 5]
    partition = plan_partition(loads, "width", 56, targets.get("aie2-4x4"), interleave=True)
    sets = [sum(loads[r] for r in rows) for rows in partition.row_sets]
    assert max(sets) == 9 and sorted(sets) == [7, 8, 8, 9]
    # second phase: the 9 takes the 7 and vice versa, the two 8s swap: 16 blocks x 7 columns each
    assert [sets[r] + sets[partition.phase_order[r]] for r in range(4)] == [16, 16, 16, 16]
    assert partition.imbalance == 1.0
    assert plan_partition(loads, "width", 56, targets.get("aie2-4x4")).phase_order == ()  # ranges only: one phase
    assert plan_partition(loads, "width", 4, targets.get("aie2-4x4"), interleave=True).phase_order == ()  # 1-wide slices


def test_phase_order_is_checked_and_round_trips(ctx):
    with pytest.raises(ValueError, match="phase_order must be a permutation"):
        Partition("aie2-2x2", (0, 1, 2), "rows", (0, 2, 4), (1, 1), 1.0, phase_order=(0, 0))
    with pytest.raises(ValueError, match="two phases need spatial slices of at least 2"):
        Partition("aie2-2x2", (0, 1, 2), "rows", (0, 1, 2), (1, 1), 1.0, phase_order=(1, 0))
    module = matmul_module([4, 1, 1, 1], rows=4, k=32)
    run_pipeline(module, "bsparse-partition{target=aie2-2x2}")
    partition = partition_of(module)
    assert partition.phase_order == (1, 0)
    assert partition_of(ir.Module.parse(str(module))) == partition
