"""The interpreter on the bsparse dialect, and bsparse-pack checked by running programs before and after it.

(a) ``bsparse.matmul`` / ``bsparse.conv2d`` against PyTorch on random shapes,
block shapes (edge blocks included), sparsities, strides, asymmetric padding,
dilations, groups, layouts, bias and relu; (b) bsparse-pack on imported
PyTorch models and on linalg text: same outputs before and after; (c) the
packing of ``linalg.batch_matmul`` with one weight shared by every batch entry.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
import torch.nn.functional as F
import torch_mlir.ir as ir
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from bsparse import models
from bsparse.context import make_context
from bsparse.frontend import import_model
from bsparse.interpreter import Interpreter
from bsparse.irutil import numpy_to_dense
from bsparse.patterns import BlockPattern
from bsparse.pipeline import run_pipeline
from irtext import array_attr, op_names, packed_weight, tensor

RTOL, ATOL = 1e-4, 1e-5

pytestmark = pytest.mark.filterwarnings("ignore")


# ----------------------------------------------------------------------------- helpers


def constants(module: ir.Module) -> list:
    found = []

    def visit(op):
        if op.name == "arith.constant":
            found.append(op.opview)
        return ir.WalkResult.ADVANCE

    module.operation.walk(visit)
    return found


def bsparse_main(op: str, x_shape, weight, block, bias, y_shape, attrs: str) -> str:
    """``@main(x[, bias])`` applying one bsparse op (generic form) with a packed `weight`."""
    w_op, bsr = packed_weight(weight, block)
    channels = weight.shape[0]
    params = f"%x: {tensor(x_shape)}" + (f", %b: {tensor([channels])}" if bias else "")
    operands = "%x, %w, %b" if bias else "%x, %w"
    types = f"{tensor(x_shape)}, {bsr}" + (f", {tensor([channels])}" if bias else "")
    segments = f"array<i32: 1, 1, {int(bias)}, 0>"
    return f"""
func.func @main({params}) -> {tensor(y_shape)} {{
  {w_op}
  %y = "bsparse.{op}"({operands}) {{{attrs}, operandSegmentSizes = {segments}}} : ({types}) -> {tensor(y_shape)}
  return %y : {tensor(y_shape)}
}}"""


def run_text(build_text, *args) -> tuple[np.ndarray, ...]:
    """Parses the module `build_text()` returns, in a fresh context, and runs its ``@main``."""
    with make_context(), ir.Location.unknown():
        module = ir.Module.parse(build_text())
        assert module.operation.verify()
        return Interpreter(module).call("main", *args)


def run_pack(text: str, pipeline: str, *args) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...], list[str]]:
    """Outputs of ``@main`` before and after `pipeline`, and the op names after it."""
    with make_context(), ir.Location.unknown():
        module = ir.Module.parse(text)
        before = Interpreter(module).call("main", *args)
        run_pipeline(module, pipeline)
        assert module.operation.verify()
        return before, Interpreter(module).call("main", *args), op_names(module)


def assert_same(got, want) -> None:
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.shape == w.shape and g.dtype == w.dtype
        np.testing.assert_allclose(g, w, rtol=RTOL, atol=ATOL)


def epilogue_reference(y: torch.Tensor, relu: bool) -> np.ndarray:
    return (torch.relu(y) if relu else y).numpy()


blocks = st.tuples(st.integers(1, 9), st.integers(1, 9))
sparsities = st.sampled_from([0.0, 0.3, 0.6, 0.9, 1.0])


# ----------------------------------------------------------------------------- (a) ops against PyTorch


@st.composite
def matmul_cases(draw):
    lead = draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
    k, n = draw(st.integers(1, 20)), draw(st.integers(1, 20))
    return lead, k, n, draw(blocks), draw(sparsities), draw(st.booleans()), draw(st.booleans()), draw(st.integers(0, 2**16))


@settings(max_examples=100, deadline=None)
@given(matmul_cases())
def test_matmul_matches_torch_linear(case):
    lead, k, n, block, sparsity, has_bias, relu = case[:7]
    rng = np.random.default_rng(case[7])
    x = rng.standard_normal((*lead, k)).astype(np.float32)
    weight = BlockPattern(*block).prune(rng.standard_normal((n, k)).astype(np.float32), sparsity)
    bias = rng.standard_normal(n).astype(np.float32)
    attrs = f'activation = "{"relu" if relu else "none"}"'
    args = (x, bias) if has_bias else (x,)
    (got,) = run_text(lambda: bsparse_main("matmul", x.shape, weight, block, has_bias, (*lead, n), attrs), *args)
    want = F.linear(torch.from_numpy(x), torch.from_numpy(weight), torch.from_numpy(bias) if has_bias else None)
    assert_same((got,), (epilogue_reference(want, relu),))


@st.composite
def conv_cases(draw):
    kind = draw(st.sampled_from(["dense", "grouped", "depthwise"]))
    if kind == "depthwise":
        channels = draw(st.integers(1, 6))
        groups, cin, cout = channels, channels, channels * draw(st.integers(1, 2))
    else:
        groups = 1 if kind == "dense" else draw(st.integers(2, 3))
        cin, cout = groups * draw(st.integers(1, 5)), groups * draw(st.integers(1, 5))
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    strides = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilations = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = tuple(draw(st.integers(0, 2)) for _ in range(4))  # top, left, bottom, right
    reach = [d * (kk - 1) + 1 for d, kk in zip(dilations, kernel)]
    h = max(1, reach[0] - padding[0] - padding[2]) + draw(st.integers(0, 5))
    w = max(1, reach[1] - padding[1] - padding[3]) + draw(st.integers(0, 5))
    return dict(
        n=draw(st.integers(1, 2)), cin=cin, cout=cout, groups=groups, hw=(h, w), kernel=kernel, strides=strides,
        dilations=dilations, padding=padding, nhwc=draw(st.booleans()), block=draw(blocks),
        sparsity=draw(sparsities), bias=draw(st.booleans()), relu=draw(st.booleans()), seed=draw(st.integers(0, 2**16)),
    )


def conv_reference(x, weight, bias, c) -> torch.Tensor:
    top, left, bottom, right = c["padding"]
    padded = F.pad(torch.from_numpy(x), (left, right, top, bottom))
    b = torch.from_numpy(bias) if c["bias"] else None
    y = F.conv2d(padded, torch.from_numpy(weight), b, stride=c["strides"], dilation=c["dilations"], groups=c["groups"])
    return y


@settings(max_examples=150, deadline=None)
@given(conv_cases())
def test_conv2d_matches_torch_conv2d(c):
    rng = np.random.default_rng(c["seed"])
    x = rng.standard_normal((c["n"], c["cin"], *c["hw"])).astype(np.float32)
    dense = rng.standard_normal((c["cout"], c["cin"] // c["groups"], *c["kernel"])).astype(np.float32)
    weight = BlockPattern(*c["block"]).prune(dense, c["sparsity"])
    bias = rng.standard_normal(c["cout"]).astype(np.float32)
    want = epilogue_reference(conv_reference(x, weight, bias, c), c["relu"])
    if c["nhwc"]:
        x, want = x.transpose(0, 2, 3, 1).copy(), want.transpose(0, 2, 3, 1).copy()
    attrs = (
        f'activation = "{"relu" if c["relu"] else "none"}", dilations = {array_attr(c["dilations"])}, '
        f'groups = {c["groups"]} : i64, layout = "{"nhwc" if c["nhwc"] else "nchw"}", '
        f'padding = {array_attr(c["padding"])}, strides = {array_attr(c["strides"])}'
    )
    args = (x, bias) if c["bias"] else (x,)
    (got,) = run_text(lambda: bsparse_main("conv2d", x.shape, weight, c["block"], c["bias"], want.shape, attrs), *args)
    assert_same((got,), (want,))


def test_unpack_gives_the_dense_logical_weight():
    rng = np.random.default_rng(0)
    weight = BlockPattern(3, 2).prune(rng.standard_normal((7, 5, 3, 3)).astype(np.float32), 0.5)

    def text():
        w_op, bsr = packed_weight(weight, (3, 2))
        return f"""
func.func @main() -> {tensor(weight.shape)} {{
  {w_op}
  %d = "bsparse.unpack"(%w) : ({bsr}) -> {tensor(weight.shape)}
  return %d : {tensor(weight.shape)}
}}"""

    (got,) = run_text(text)
    np.testing.assert_array_equal(got, weight)


@pytest.mark.parametrize("relu", [False, True])
def test_ops_without_stored_blocks_give_the_bias(relu):
    """A weight with no stored block: matmul and conv2d outputs are act(bias), broadcast."""
    bias = np.array([1.5, -2.0, 0.25], np.float32)
    act = f'activation = "{"relu" if relu else "none"}"'
    want = np.maximum(bias, 0) if relu else bias
    x = np.ones((2, 4, 5), np.float32)
    (got,) = run_text(lambda: bsparse_main("matmul", x.shape, np.zeros((3, 5), np.float32), (2, 2), True, (2, 4, 3), act), x, bias)
    np.testing.assert_array_equal(got, np.broadcast_to(want, (2, 4, 3)))
    x = np.ones((2, 4, 6, 6), np.float32)
    attrs = (f'{act}, dilations = array<i64: 1, 1>, groups = 1 : i64, layout = "nchw", '
             "padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>")
    weight = np.zeros((3, 4, 3, 3), np.float32)
    (got,) = run_text(lambda: bsparse_main("conv2d", x.shape, weight, (8, 8), True, (2, 3, 3, 3), attrs), x, bias)
    np.testing.assert_array_equal(got, np.broadcast_to(want[:, None, None], (2, 3, 3, 3)))


# ----------------------------------------------------------------------------- (b) bsparse-pack: before == after


@pytest.fixture(scope="module")
def imported_models() -> dict[str, tuple[str, nn.Module]]:
    """tiny_cnn and tiny_mlp as linalg text, pruned by bsparse-sparsify (4x4 blocks, half of them)."""
    found = {}
    for name in ("tiny_cnn", "tiny_mlp"):
        model = models.get(name)
        with make_context() as ctx, ir.Location.unknown():
            module = import_model(model, models.example_input(name, batch=2), context=ctx, progress=False)
            run_pipeline(module, "bsparse-sparsify{sparsity=0.5 pattern=block:4x4 keep-small=false}")
            found[name] = (str(module), model)
    return found


@pytest.mark.parametrize("block", ["8x8", "4x4", "3x5"])
@pytest.mark.parametrize("name", ["tiny_cnn", "tiny_mlp"])
def test_pack_keeps_imported_model_outputs(imported_models, name, block):
    text, _ = imported_models[name]
    x = models.example_input(name, batch=2, seed=1).numpy()
    before, after, names = run_pack(text, f"bsparse-pack{{block={block}}},canonicalize,cse", x)
    assert_same(after, before)
    assert "linalg.matmul" not in names and not any(n.startswith("linalg.conv") for n in names)
    assert names.count("bsparse.packed_weight") == (6 if name == "tiny_cnn" else 3)


def test_imported_model_runs_as_in_torch_before_pack(imported_models):
    """The reference side of the comparison above: the sparsified program computes the pruned model."""
    text, model = imported_models["tiny_mlp"]
    x = models.example_input("tiny_mlp", batch=2, seed=1)
    with make_context(), ir.Location.unknown():
        module = ir.Module.parse(text)
        (got,) = Interpreter(module).call("main", x.numpy())
        weights = {(w := np.array(c.attributes["value"])).shape: w for c in constants(module)}
    pruned = copy.deepcopy(model)
    with torch.no_grad():
        for layer in (pruned.fc1, pruned.fc2, pruned.fc3):
            weight = weights[tuple(layer.weight.shape)]
            assert (weight == 0).any()
            layer.weight.copy_(torch.from_numpy(weight))
        want = pruned(x).numpy()
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL)


def _nhwc_conv_text(kind: str, rng: np.random.Generator) -> str:
    """An NHWC convolution of `kind` with a zero tensor.pad, a bias as initial value and a relu generic."""
    c = 6
    # kind -> (filter shape, output channels, kernel, strides)
    filters, f, (kh, kw), (sh, sw) = {
        "linalg.conv_2d_nhwc_hwcf": ((3, 3, c, 10), 10, (3, 3), (2, 1)),
        "linalg.conv_2d_nhwc_fhwc": ((10, 3, 3, c), 10, (3, 3), (2, 1)),
        "linalg.depthwise_conv_2d_nhwc_hwc": ((3, 2, c), c, (3, 2), (1, 2)),
    }[kind]
    strides = f"dense<[{sh}, {sw}]> : tensor<2xi64>"
    x, padded = (2, 7, 8, c), (2, 10, 10, c)  # padded by tensor.pad below
    y = (2, (padded[1] - kh) // sh + 1, (padded[2] - kw) // sw + 1, f)
    weight = rng.standard_normal(filters).astype(np.float32)
    weight[..., : weight.shape[-1] // 2] = 0.0  # zero channels: empty blocks
    bias = rng.standard_normal(f).astype(np.float32)
    return f"""
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @main(%x: {tensor(x)}) -> {tensor(y)} {{
  %zero = arith.constant 0.0 : f32
  %p = tensor.pad %x low[0, 1, 0, 0] high[0, 2, 2, 0] {{
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  }} : {tensor(x)} to {tensor(padded)}
  %w = arith.constant {numpy_to_dense(weight)}
  %b = arith.constant {numpy_to_dense(bias)}
  %e = tensor.empty() : {tensor(y)}
  %init = linalg.broadcast ins(%b : {tensor([f])}) outs(%e : {tensor(y)}) dimensions = [0, 1, 2]
  %conv = {kind} {{dilations = dense<1> : tensor<2xi64>, strides = {strides}}}
    ins(%p, %w : {tensor(padded)}, {tensor(filters)}) outs(%init : {tensor(y)}) -> {tensor(y)}
  %r = linalg.generic {{indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}}
    ins(%conv : {tensor(y)}) outs(%e : {tensor(y)}) {{
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  }} -> {tensor(y)}
  return %r : {tensor(y)}
}}"""


@pytest.mark.parametrize("kind", ["linalg.conv_2d_nhwc_hwcf", "linalg.conv_2d_nhwc_fhwc", "linalg.depthwise_conv_2d_nhwc_hwc"])
def test_pack_keeps_nhwc_conv_outputs(kind):
    rng = np.random.default_rng(3)
    with make_context(), ir.Location.unknown():
        text = _nhwc_conv_text(kind, rng)
    x = rng.standard_normal((2, 7, 8, 6)).astype(np.float32)
    before, after, names = run_pack(text, "bsparse-pack{block=4x2},canonicalize,cse", x)
    assert_same(after, before)
    assert kind not in names and "tensor.pad" not in names and "linalg.generic" not in names
    assert names.count("bsparse.conv2d") == 1


def test_pack_of_zero_weight_keeps_outputs():
    """An all-zero weight packs to no stored block; the output is still the bias."""
    text = """
func.func @main(%x: tensor<2x8xf32>) -> tensor<2x16xf32> {
  %w = arith.constant dense<0.0> : tensor<8x16xf32>
  %b = arith.constant dense<0.5> : tensor<16xf32>
  %e = tensor.empty() : tensor<2x16xf32>
  %init = linalg.broadcast ins(%b : tensor<16xf32>) outs(%e : tensor<2x16xf32>) dimensions = [0]
  %y = linalg.matmul ins(%x, %w : tensor<2x8xf32>, tensor<8x16xf32>) outs(%init : tensor<2x16xf32>) -> tensor<2x16xf32>
  return %y : tensor<2x16xf32>
}"""
    x = np.arange(16, dtype=np.float32).reshape(2, 8)
    before, after, names = run_pack(text, "bsparse-pack", x)
    assert "bsparse.matmul" in names and "linalg.matmul" not in names
    assert_same(after, before)
    np.testing.assert_array_equal(after[0], np.full((2, 16), 0.5, np.float32))


# ----------------------------------------------------------------------------- (c) batch_matmul


def _batch_text(b_def: str, b_type: str, maps: str = "") -> str:
    return f"""
#bcast = affine_map<(d0, d1, d2) -> (d1, d2)>
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
func.func @main(%x: tensor<3x4x6xf32>) -> tensor<3x4x5xf32> {{
  {b_def}
  %bias = arith.constant dense<[0.5, -1.0, 2.0, 0.0, 1.0]> : tensor<5xf32>
  %e = tensor.empty() : tensor<3x4x5xf32>
  %init = linalg.broadcast ins(%bias : tensor<5xf32>) outs(%e : tensor<3x4x5xf32>) dimensions = [0, 1]
  %y = linalg.batch_matmul {maps} ins(%x, %b : tensor<3x4x6xf32>, {b_type}) outs(%init : tensor<3x4x5xf32>) -> tensor<3x4x5xf32>
  return %y : tensor<3x4x5xf32>
}}"""


def _batch_cases(matrix: np.ndarray) -> dict[str, str]:
    """Ways of giving every batch entry of a batch_matmul the [K, N] = [6, 5] `matrix` (needs a context)."""
    kn = numpy_to_dense(matrix)
    stacked = numpy_to_dense(np.stack([matrix] * 3))
    stacked_t = numpy_to_dense(np.stack([matrix.T] * 3))
    empty = "%eb = tensor.empty() : tensor<3x6x5xf32>"
    maps = "indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>, affine_map<(d0, d1, d2, d3) -> ({})>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>]"
    return {
        "broadcast": _batch_text(f"%w = arith.constant {kn}\n  {empty}\n  %b = linalg.broadcast ins(%w : tensor<6x5xf32>) outs(%eb : tensor<3x6x5xf32>) dimensions = [0]", "tensor<3x6x5xf32>"),
        "expand-generic": _batch_text(
            f"%w = arith.constant {kn}\n  {empty}\n  %b = linalg.generic {{indexing_maps = [#bcast, #id3], iterator_types = [\"parallel\", \"parallel\", \"parallel\"]}} "
            "ins(%w : tensor<6x5xf32>) outs(%eb : tensor<3x6x5xf32>) {\n  ^bb0(%in: f32, %out: f32):\n    linalg.yield %in : f32\n  } -> tensor<3x6x5xf32>",
            "tensor<3x6x5xf32>"),
        "equal-entries": _batch_text(f"%b = arith.constant {stacked}", "tensor<3x6x5xf32>"),
        "transposed-b": _batch_text(f"%b = arith.constant {stacked_t}", "tensor<3x5x6xf32>", maps.format("d0, d2, d3")),
        "rank2-b": _batch_text(f"%b = arith.constant {kn}", "tensor<6x5xf32>", maps.format("d3, d2")),
    }


@pytest.mark.parametrize("case", ["broadcast", "expand-generic", "equal-entries", "transposed-b", "rank2-b"])
def test_batch_matmul_with_shared_weight_packs_and_keeps_outputs(case):
    rng = np.random.default_rng(5)
    matrix = BlockPattern(2, 2).prune(rng.standard_normal((6, 5)).astype(np.float32), 0.5)
    with make_context(), ir.Location.unknown():
        text = _batch_cases(matrix)[case]
    x = rng.standard_normal((3, 4, 6)).astype(np.float32)
    before, after, names = run_pack(text, "bsparse-pack{block=2x2},canonicalize,cse", x)
    assert_same(after, before)
    assert "linalg.batch_matmul" not in names and names.count("bsparse.matmul") == 1
    assert "linalg.broadcast" not in names, "the bias and the weight broadcast should be folded"
    want = np.einsum("bmk,kn->bmn", x, matrix) + np.array([0.5, -1.0, 2.0, 0.0, 1.0], np.float32)
    np.testing.assert_allclose(after[0], want, rtol=RTOL, atol=ATOL)


def test_batch_matmul_with_distinct_entries_is_kept():
    rng = np.random.default_rng(6)
    entries = rng.standard_normal((3, 6, 5)).astype(np.float32)
    entries[1] = entries[0]  # two equal entries are not enough
    with make_context(), ir.Location.unknown():
        text = _batch_text(f"%b = arith.constant {numpy_to_dense(entries)}", "tensor<3x6x5xf32>")
    x = rng.standard_normal((3, 4, 6)).astype(np.float32)
    before, after, names = run_pack(text, "bsparse-pack", x)
    assert "linalg.batch_matmul" in names and "bsparse.matmul" not in names
    assert_same(after, before)


def test_sparsify_then_pack_a_shared_batch_weight():
    """bsparse-sparsify prunes the one shared matrix (all entries alike); bsparse-pack then packs it."""
    rng = np.random.default_rng(7)
    matrix = rng.standard_normal((6, 5)).astype(np.float32)
    with make_context(), ir.Location.unknown():
        text = _batch_cases(matrix)["equal-entries"]
    x = rng.standard_normal((3, 4, 6)).astype(np.float32)
    with make_context(), ir.Location.unknown():
        module = ir.Module.parse(text)
        run_pipeline(module, "bsparse-sparsify{sparsity=0.5 pattern=block:2x2}")
        (const,) = [c for c in constants(module) if ir.ShapedType(c.result.type).shape == [3, 6, 5]]
        entries = np.array(const.attributes["value"])
        sparsified = str(module)
    assert (entries == entries[:1]).all() and (entries == 0).any()
    before, after, names = run_pack(sparsified, "bsparse-pack{block=2x2}", x)
    assert "bsparse.matmul" in names
    assert_same(after, before)


class SharedWeightBmm(nn.Module):
    """``bmm(x, W.expand(batch, K, N)) + b`` then relu: torch-mlir's broadcast generic, bias and relu."""

    def __init__(self) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(12, 10) * 0.3)
        self.bias = nn.Parameter(torch.randn(10))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(torch.bmm(x, self.weight.expand(x.shape[0], 12, 10)) + self.bias)


def test_pack_imported_bmm_with_expanded_weight():
    torch.manual_seed(0)
    model = SharedWeightBmm().eval()
    x = torch.randn(3, 5, 12)
    with make_context() as ctx, ir.Location.unknown():
        text = str(import_model(model, x, context=ctx, progress=False))
    before, after, names = run_pack(text, "bsparse-pack{block=4x4},canonicalize,cse", x.numpy())
    assert "linalg.batch_matmul" not in names and "linalg.generic" not in names
    with torch.no_grad():
        want = model(x).numpy()
    np.testing.assert_allclose(before[0], want, rtol=RTOL, atol=ATOL)
    assert_same(after, before)
