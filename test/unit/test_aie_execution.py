"""bsparse-to-aie checked by running its device programs: outputs against numpy / PyTorch.

Random matmul and conv2d layers (batch dims, edge blocks, strides, asymmetric padding, dilations,
groups, layouts, bias, relu, sparsity) on random targets: bsparse-pack (from linalg) or bsparse
text, then bsparse-partition and bsparse-to-aie, interpreted and compared on the pruned dense
weight, with the report's MACs against an independent count; interleaved block rows, two phases
and every non-block pattern exact; tiny_mlp and tiny_cnn through the whole pipeline, each stage
interpreting to the same outputs as the one before it.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch_mlir.ir as ir
from hypothesis import given
from hypothesis import strategies as st

from bsparse import models, targets
from bsparse.context import make_context
from bsparse.frontend import import_model
from bsparse.interpreter import run_program
from bsparse.passes.partition import even_splits
from bsparse.patterns import BlockPattern
from bsparse.pipeline import run_pipeline
from irtext import op_names, ops_named, packed_weight, tensor
from aie_cases import CASES, LOWER, TARGETS, assert_close, blocks, bsparse_main, check_report, compile_and_run, conv_attrs, conv_reference, dtypes_for, interleaving_loads, kernels_per_core, linalg_matmul_main, lower_and_run, sparsities, stored_per_position, target_names, weight_with_loads

pytestmark = pytest.mark.filterwarnings("ignore")


@st.composite
def matmul_cases(draw):
    from_linalg = draw(st.booleans())
    lead = [draw(st.integers(1, 12))] if from_linalg else draw(st.lists(st.integers(1, 5), min_size=1, max_size=3))
    target = draw(target_names)
    return dict(
        lead=lead, k=draw(st.integers(1, 40)), n=draw(st.integers(1, 40)), block=draw(blocks),
        sparsity=draw(sparsities), bias=draw(st.booleans()), relu=draw(st.booleans()), from_linalg=from_linalg,
        residual=not from_linalg and draw(st.booleans()), target=target, dtype=draw(st.sampled_from(dtypes_for[target])), seed=draw(st.integers(0, 2**16)),
    )


@CASES
@given(matmul_cases())
def test_lowered_matmul_matches_numpy(c):
    rng = np.random.default_rng(c["seed"])
    x = rng.standard_normal((*c["lead"], c["k"])).astype(np.float32)
    weight = BlockPattern(*c["block"]).prune(rng.standard_normal((c["n"], c["k"])).astype(np.float32), c["sparsity"])
    bias = rng.standard_normal(c["n"]).astype(np.float32) if c["bias"] else None
    want = x @ weight.T + (bias if bias is not None else 0)
    residual = rng.standard_normal(want.shape).astype(np.float32) if c["residual"] else None
    want = want + (residual if residual is not None else 0)
    want = np.maximum(want, 0) if c["relu"] else want
    lower = LOWER.format(t=c["target"], d=c["dtype"])
    with make_context(), ir.Location.unknown():
        if c["from_linalg"]:
            text = linalg_matmul_main(x.shape, weight, bias, c["relu"])
            pipeline = f"bsparse-pack{{block={c['block'][0]}x{c['block'][1]}}},canonicalize,cse,{lower}"
        else:
            text = bsparse_main("matmul", x.shape, weight, c["block"], bias, want.shape,
                                f'activation = "{"relu" if c["relu"] else "none"}"', residual)
            pipeline = lower
    got, report = compile_and_run(text, pipeline, x)
    assert_close(got, want.astype(np.float32))
    check_report(report, weight, c["block"], math.prod(c["lead"]), c["target"], c["dtype"])


@st.composite
def conv_cases(draw):
    kind = draw(st.sampled_from(["dense", "grouped", "depthwise"]))
    if kind == "depthwise":
        channels = draw(st.integers(1, 10))
        groups, cin, cout = channels, channels, channels * draw(st.integers(1, 2))
    else:
        groups = 1 if kind == "dense" else draw(st.integers(2, 3))
        cin, cout = groups * draw(st.integers(1, 6)), groups * draw(st.integers(1, 6))
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    strides = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilations = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = tuple(draw(st.integers(0, 2)) for _ in range(4))  # top, left, bottom, right
    reach = [d * (kk - 1) + 1 for d, kk in zip(dilations, kernel)]
    h = max(1, reach[0] - padding[0] - padding[2]) + draw(st.integers(0, 9))
    w = max(1, reach[1] - padding[1] - padding[3]) + draw(st.integers(0, 9))
    target = draw(target_names)
    return dict(
        n=draw(st.integers(1, 2)), cin=cin, cout=cout, groups=groups, hw=(h, w), kernel=kernel, strides=strides,
        dilations=dilations, padding=padding, nhwc=draw(st.booleans()), block=draw(blocks),
        sparsity=draw(sparsities), bias=draw(st.booleans()), relu=draw(st.booleans()), residual=draw(st.booleans()),
        target=target, dtype=draw(st.sampled_from(dtypes_for[target])), seed=draw(st.integers(0, 2**16)),
    )


def column_window_only_in_padding(c, out_hw) -> bool:
    """Whether a column's input window lies wholly in the padding (past one edge)."""
    cols = targets.get(c["target"]).cols
    oh, ow = out_hw
    axis = 0 if ow < cols and oh > ow else 1
    size, before = c["hw"][axis], c["padding"][axis]
    extent = (oh, ow)[axis]
    stride, reach = c["strides"][axis], (c["kernel"][axis] - 1) * c["dilations"][axis] + 1
    splits = even_splits(extent, cols)
    for s0, s1 in zip(splits, splits[1:]):
        first, length = s0 * stride - before, (s1 - 1 - s0) * stride + reach
        if first + length < 0 or first > size:
            return True
    return False


@CASES
@given(conv_cases())
def test_lowered_conv2d_matches_torch(c):
    rng = np.random.default_rng(c["seed"])
    x = rng.standard_normal((c["n"], c["cin"], *c["hw"])).astype(np.float32)
    dense = rng.standard_normal((c["cout"], c["cin"] // c["groups"], *c["kernel"])).astype(np.float32)
    weight = BlockPattern(*c["block"]).prune(dense, c["sparsity"])
    bias = rng.standard_normal(c["cout"]).astype(np.float32) if c["bias"] else None
    want = conv_reference(x, weight, bias, {**c, "relu": False})
    residual = rng.standard_normal(want.shape).astype(np.float32) if c["residual"] else None
    want = want + (residual if residual is not None else 0)  # a skip connection, added before the activation
    want = np.maximum(want, 0) if c["relu"] else want
    positions = want.shape[0] * want.shape[2] * want.shape[3]
    if c["nhwc"]:
        x, want = x.transpose(0, 2, 3, 1).copy(), want.transpose(0, 2, 3, 1).copy()
        residual = None if residual is None else residual.transpose(0, 2, 3, 1).copy()
    with make_context(), ir.Location.unknown():
        text = bsparse_main("conv2d", x.shape, weight, c["block"], bias, want.shape, conv_attrs(c), residual)
    got, report = compile_and_run(text, LOWER.format(t=c["target"], d=c["dtype"]), x)
    assert_close(got, want)
    check_report(report, weight, c["block"], positions, c["target"], c["dtype"])


def test_column_whose_window_is_all_padding():
    """1x1 conv, stride 2, 2 columns of left padding: output column 0 reads only padding."""
    x = np.array([[[[3.0, 4.0, 5.0]]]], np.float32)
    weight = np.ones((1, 1, 1, 1), np.float32)
    c = dict(relu=False, dilations=(1, 1), groups=1, nhwc=False, padding=(0, 2, 0, 0), strides=(1, 2), kernel=(1, 1),
             hw=(1, 3), target="aie2-4x4")
    assert column_window_only_in_padding(c, (1, 3))
    with make_context(), ir.Location.unknown():
        text = bsparse_main("conv2d", x.shape, weight, (1, 1), None, (1, 1, 1, 3), conv_attrs(c))
    got, _ = compile_and_run(text, LOWER.format(t="aie2-4x4", d="i8"), x)
    np.testing.assert_array_equal(got.ravel(), [0.0, 3.0, 5.0])


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("relu", [False, True])
def test_weight_without_stored_blocks_gives_the_bias(target, relu):
    """Every block pruned: no core loads values, the output is act(bias), and no MAC is counted."""
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, 20)).astype(np.float32)
    bias = rng.standard_normal(24).astype(np.float32)
    with make_context(), ir.Location.unknown():
        text = bsparse_main("matmul", x.shape, np.zeros((24, 20), np.float32), (8, 4), bias, (3, 24),
                            f'activation = "{"relu" if relu else "none"}"')
    got, report = compile_and_run(text, LOWER.format(t=target, d="i8"), x)
    want = np.broadcast_to(np.maximum(bias, 0) if relu else bias, (3, 24))
    np.testing.assert_array_equal(got, want)
    (layer,) = report.layers
    assert layer.macs == 0 and layer.macs_dense == 24 * 20 * 3 and layer.utilization == 0.0
    assert layer.cycles > 0 and layer.traffic["L3"] > 0


PIPELINE_STAGES = {
    "sparsified": "bsparse-sparsify{sparsity=0.5}",
    "packed": "bsparse-pack,canonicalize,cse",
    "partitioned": "bsparse-partition{target=aie2-4x4}",
    "lowered": "bsparse-to-aie{target=aie2-4x4}",
}


@pytest.fixture(scope="module", params=["tiny_mlp", "tiny_cnn"])
def model_stages(request):
    """``name, torch output, {stage: (output, report, op names)}``: the model run after each stage of the pipeline."""
    name = request.param
    model = models.get(name)
    example = models.example_input(name, batch=2)
    x = models.example_input(name, batch=2, seed=1).numpy()
    stages = {}
    with make_context() as ctx, ir.Location.unknown():
        module = import_model(model, example, context=ctx, progress=False)
        (got,), report = run_program(module, x)
        stages["linalg"] = (got, report, op_names(module))
        for stage, pipeline in PIPELINE_STAGES.items():
            run_pipeline(module, pipeline)
            assert module.operation.verify()
            (got,), report = run_program(module, x)
            stages[stage] = (got, report, op_names(module))
    with torch.no_grad():
        reference = model(torch.from_numpy(x)).numpy()
    return name, reference, stages


def test_imported_model_matches_torch(model_stages):
    _, reference, stages = model_stages
    assert_close(stages["linalg"][0], reference)


def test_each_pass_keeps_the_model_outputs(model_stages):
    _, _, stages = model_stages
    packed = stages["packed"][0]
    assert_close(stages["packed"][0], stages["sparsified"][0])
    assert_close(stages["partitioned"][0], packed)
    assert_close(stages["lowered"][0], packed)
    assert not np.allclose(stages["sparsified"][0], stages["linalg"][0]), "half the blocks pruned should change the outputs"


def test_full_pipeline_matches_the_single_pipeline_text(model_stages):
    """The stage-by-stage run equals one run of the whole pipeline text."""
    name, _, stages = model_stages
    x = models.example_input(name, batch=2, seed=1).numpy()
    with make_context() as ctx, ir.Location.unknown():
        module = import_model(models.get(name), models.example_input(name, batch=2), context=ctx, progress=False)
        run_pipeline(module, "builtin.module(" + ",".join(PIPELINE_STAGES.values()) + ")")
        assert module.operation.verify()
        (got,), report = run_program(module, x)
    np.testing.assert_array_equal(got, stages["lowered"][0])
    assert report.to_dict() == stages["lowered"][1].to_dict()


def test_model_reports_by_stage(model_stages):
    name, _, stages = model_stages
    layers = 3 if name == "tiny_mlp" else 6  # tiny_mlp: 3 linears; tiny_cnn: 5 convs and the head
    lowered, packed = stages["lowered"], stages["packed"]
    packed_layers = [layer for layer in lowered[1].layers if layer.kind in ("matmul", "conv2d") and not layer.reason]
    assert len(packed_layers) == layers and lowered[2].count("aie.device") >= layers  # + ops on activations
    assert not {"bsparse.matmul", "bsparse.conv2d"} & set(lowered[2])
    assert lowered[1].target == "aie2-4x4"
    offloaded = [layer for layer in lowered[1].layers if layer.kind in ("matmul", "conv2d")]
    host = [layer for layer in lowered[1].layers if layer.kind not in ("matmul", "conv2d")]
    assert len(offloaded) == len(packed[1].layers) == layers
    assert all(layer.macs == layer.macs_dense == 0 for layer in host)  # pools of tiny_cnn, costed on the device's target
    for before, after in zip(packed[1].layers, offloaded):
        assert (after.kind, after.macs, after.macs_dense) == (before.kind, before.macs, before.macs_dense)
        assert before.cycles == 0 and before.bound == "unlowered"
        assert after.cycles > 0 and after.traffic["L3"] > 0 and after.imbalance >= 1.0
        assert 0.0 < after.utilization <= 1.0
    assert packed[1].macs < stages["linalg"][1].macs == packed[1].macs_dense


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("kind", ["matmul", "nchw", "nhwc"])
@pytest.mark.parametrize(("out", "inp"), [(46, 30), (48, 32)])
def test_interleaved_block_rows_give_the_same_outputs_and_a_lower_imbalance(target, kind, out, inp):
    """Uneven block rows that cores take as interleaved sets; 46 x 30 has edge blocks."""
    rng = np.random.default_rng(sum(map(ord, target + kind)) + out)
    t = targets.get(target)
    loads = interleaving_loads(t, 12, 8, rng)
    bias = rng.standard_normal(out).astype(np.float32)
    if kind == "matmul":
        weight = weight_with_loads(loads, out, inp, (), rng)
        x = rng.standard_normal((t.cols + 3, inp)).astype(np.float32)
        want = np.maximum(x @ weight.T + bias, 0)
        with make_context(), ir.Location.unknown():
            text = bsparse_main("matmul", x.shape, weight, (4, 4), bias, want.shape, 'activation = "relu"')
        positions = x.shape[0]
    else:
        weight = weight_with_loads(loads, out, inp, (3, 3), rng)
        c = dict(relu=True, dilations=(1, 1), groups=1, nhwc=kind == "nhwc", padding=(1, 1, 1, 1), strides=(1, 1))
        x = rng.standard_normal((2, inp, 3, t.cols + 2)).astype(np.float32)
        want = conv_reference(x, weight, bias, c)
        positions = want.shape[0] * want.shape[2] * want.shape[3]
        if kind == "nhwc":
            x, want = x.transpose(0, 2, 3, 1).copy(), want.transpose(0, 2, 3, 1).copy()
        with make_context(), ir.Location.unknown():
            text = bsparse_main("conv2d", x.shape, weight, (4, 4), bias, want.shape, conv_attrs(c))
    got, report, partition = lower_and_run(text, target, "any", x)
    assert partition.row_order, "the layer was meant to interleave"
    assert_close(got, want)
    check_report(report, weight, (4, 4), positions, target, "i8")
    got_ranges, report_ranges, ranges = lower_and_run(text, target, "ranges", x)
    assert not ranges.row_order
    assert_close(got_ranges, want)
    if (out, inp) == (48, 32):  # every stored block costs the same MACs (edge blocks have fewer real ones)
        assert report.layers[0].imbalance < report_ranges.layers[0].imbalance
    assert report.macs == report_ranges.macs and report.macs_dense == report_ranges.macs_dense


def test_interleaved_rows_with_a_bias_computed_at_run_time():
    """The bias is a function argument: each core's share of it is gathered from slices of the tensor."""
    rng = np.random.default_rng(11)
    t = targets.get("aie2-4x4")
    loads = interleaving_loads(t, 12, 8, rng)
    weight = weight_with_loads(loads, 48, 32, (), rng)
    x = rng.standard_normal((8, 32)).astype(np.float32)
    bias = rng.standard_normal(48).astype(np.float32)
    with make_context(), ir.Location.unknown():
        w_op, bsr = packed_weight(weight, (4, 4))
    text = f"""
func.func @main(%x: {tensor(x.shape)}, %b: {tensor([48])}) -> {tensor([8, 48])} {{
  {w_op}
  %y = "bsparse.matmul"(%x, %w, %b) {{activation = "none", operandSegmentSizes = array<i32: 1, 1, 1, 0>}} : ({tensor(x.shape)}, {bsr}, {tensor([48])}) -> {tensor([8, 48])}
  return %y : {tensor([8, 48])}
}}"""
    got, _, partition = lower_and_run(text, "aie2-4x4", "any", x, bias)
    assert partition.row_order
    assert_close(got, x @ weight.T + bias)


PATTERN_CASES = [("nm:2:4", 0.5), ("nm:1:4", 0.75), ("unstructured", 0.7), ("gs:4", 0.5), ("tw:8", 0.5),
                 ("tvw:8", 0.75)]


@pytest.mark.parametrize("target", ["aie2-4x4", "aie1-vc1902"])
@pytest.mark.parametrize("kind", ["matmul", "nchw", "nhwc"])
@pytest.mark.parametrize(("pattern", "sparsity"), PATTERN_CASES)
def test_non_block_patterns_lower_and_run_exactly(pattern, sparsity, kind, target):
    """A pattern-pruned weight (edge groups: K not a multiple of M, B or G) through bsparse-to-aie:
    outputs against numpy / torch, MACs against the definitions, stored values only in the weight traffic."""
    from bsparse.patterns import parse_pattern

    rng = np.random.default_rng(sum(map(ord, pattern + kind + target)))
    t = targets.get(target)
    bias = rng.standard_normal(21).astype(np.float32)
    if kind == "matmul":
        weight = parse_pattern(pattern).prune(rng.standard_normal((21, 30)).astype(np.float32), sparsity)
        x = rng.standard_normal((t.cols + 2, 30)).astype(np.float32)
        want = np.maximum(x @ weight.T + bias, 0)
        with make_context(), ir.Location.unknown():
            text = bsparse_main("matmul", x.shape, weight, pattern, bias, want.shape, 'activation = "relu"')
        positions = x.shape[0]
    else:
        weight = parse_pattern(pattern).prune(rng.standard_normal((21, 6, 3, 3)).astype(np.float32), sparsity)
        c = dict(relu=True, dilations=(1, 1), groups=1, nhwc=kind == "nhwc", padding=(1, 0, 1, 2), strides=(1, 2))
        x = rng.standard_normal((2, 6, 5, 2 * t.cols + 1)).astype(np.float32)
        want = conv_reference(x, weight, bias, c)
        positions = want.shape[0] * want.shape[2] * want.shape[3]
        if kind == "nhwc":
            x, want = x.transpose(0, 2, 3, 1).copy(), want.transpose(0, 2, 3, 1).copy()
        with make_context(), ir.Location.unknown():
            text = bsparse_main("conv2d", x.shape, weight, pattern, bias, want.shape, conv_attrs(c))
    dtype = "i8"
    got, report = compile_and_run(text, LOWER.format(t=target, d=dtype), x)
    assert_close(got, want)
    (layer,) = report.layers
    if not pattern.startswith("tvw"):  # tvw's greedy 2:4 slots are checked against the format below
        assert layer.macs == stored_per_position(pattern, weight) * positions
    assert np.count_nonzero(weight) * positions <= layer.macs <= weight.size * positions
    assert layer.macs_dense == weight.size * positions
    assert layer.cycles > 0 and 1.0 <= layer.imbalance


def test_two_phases_balance_a_layer_whose_block_rows_cannot_be_split_evenly():
    """layer1.0.conv2-like (8 block rows of 5, 4, 5, 2, 3, 3, 5, 5 stored 8x8 blocks, 3x3): each core runs
    two work units, the layer is faster than with one phase, and outputs match torch."""
    from bsparse.passes.partition import ATTRIBUTE, Partition

    rng = np.random.default_rng(8)
    weight = np.zeros((64, 64, 3, 3), np.float32)
    for row, load in enumerate([5, 4, 5, 2, 3, 3, 5, 5]):
        for col in rng.choice(8, size=load, replace=False):
            weight[row * 8:row * 8 + 8, col * 8:col * 8 + 8] = rng.standard_normal((8, 8, 3, 3))
    c = dict(relu=True, dilations=(1, 1), groups=1, nhwc=False, padding=(1, 1, 1, 1), strides=(1, 1))
    x = rng.standard_normal((1, 64, 56, 56)).astype(np.float32)
    want = conv_reference(x, weight, None, c)
    with make_context(), ir.Location.unknown():
        text = bsparse_main("conv2d", x.shape, weight, (8, 8), None, want.shape, conv_attrs(c))
        reports = {}
        for phases in (True, False):
            module = ir.Module.parse(text)
            run_pipeline(module, "bsparse-partition{target=aie2-4x4}")
            (op,) = ops_named(module, "bsparse.conv2d")
            partition = Partition.from_op(op)
            assert partition.phase_order
            if not phases:  # the same split in one phase
                import dataclasses

                op.attributes[ATTRIBUTE] = dataclasses.replace(partition, phase_order=()).to_attr()
            run_pipeline(module, "bsparse-to-aie{target=aie2-4x4 dtype=i8}")
            assert kernels_per_core(module) == ({2} if phases else {1})
            (got,), reports[phases] = run_program(module, x)
            # sums of 576 products of O(1) terms: float32 rounding relative to the output's scale
            np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5 * np.abs(want).max())
    two, one = reports[True].layers[0], reports[False].layers[0]
    assert two.cycles < one.cycles and two.imbalance < one.imbalance
    assert two.macs == one.macs
