"""bsparse.semantics, the upstream ops (func, arith, math, tensor, linalg, scf, cf) as the interpreter runs them: differential tests against PyTorch and numpy."""

from __future__ import annotations

import collections
import warnings

import numpy as np
import pytest
import torch
import torch_mlir.ir as ir
from bsparse.context import make_context
from bsparse.interpreter import Interpreter, InterpreterError, Listener
from bsparse.semantics import arith as arith_impls
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch import nn
from torch_mlir import fx
from torch_mlir.compiler_utils import OutputType

RTOL, ATOL = 1e-4, 1e-5

pytestmark = pytest.mark.filterwarnings("ignore")


# ----------------------------------------------------------------------------- helpers


class Fn(nn.Module):
    """A module around a function, to import single PyTorch ops."""

    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, *xs):
        return self.fn(*xs)


def _seeded(model: nn.Module, seed: int = 0) -> nn.Module:
    """Random parameters and BatchNorm statistics, eval mode."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for tensor in list(model.parameters()) + [b for b in model.buffers() if b.is_floating_point()]:
            tensor.copy_(torch.rand(tensor.shape, generator=generator) + 0.5 if tensor.ndim == 1
                         else torch.randn(tensor.shape, generator=generator) * 0.3)
    return model.eval()


def import_torch(model: nn.Module, *inputs: torch.Tensor) -> ir.Module:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fx.export_and_import(model.eval(), *inputs, output_type=OutputType.LINALG_ON_TENSORS)


def assert_matches_torch(model: nn.Module, *inputs: torch.Tensor) -> None:
    module = import_torch(model, *inputs)
    results = Interpreter(module).call("main", *[x.numpy() for x in inputs])
    with torch.no_grad():
        expected = model(*inputs)
    expected = expected if isinstance(expected, tuple) else (expected,)
    assert len(results) == len(expected)
    for got, want in zip(results, expected):
        want = want.numpy()
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL)


def parse(text: str, allow_unregistered: bool = False) -> ir.Module:
    context = make_context(allow_unregistered_dialects=allow_unregistered)
    return ir.Module.parse(text, context)


def run(text: str, *args, symbol: str = "main", allow_unregistered: bool = False):
    return Interpreter(parse(text, allow_unregistered)).call(symbol, *args)


def randn(*shape: int, seed: int = 0) -> torch.Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed))


# ----------------------------------------------------------------------------- PyTorch models and ops

TORCH_CASES = {
    "conv": (lambda: nn.Conv2d(3, 8, 3), (1, 3, 9, 9)),
    "conv_stride_padding": (lambda: nn.Conv2d(3, 8, 3, stride=2, padding=1), (2, 3, 9, 9)),
    "conv_dilation": (lambda: nn.Conv2d(3, 4, 3, dilation=2, padding=2, bias=False), (1, 3, 10, 10)),
    "conv_rectangular": (lambda: nn.Conv2d(3, 4, (3, 5), stride=(2, 1), padding=(1, 2)), (1, 3, 8, 11)),
    "conv_groups": (lambda: nn.Conv2d(4, 6, 3, groups=2, padding=1), (1, 4, 7, 7)),
    "conv_depthwise": (lambda: nn.Conv2d(4, 4, 3, groups=4, padding=1, stride=2), (1, 4, 9, 9)),
    "conv_depthwise_multiplier": (lambda: nn.Conv2d(3, 6, 3, groups=3), (1, 3, 6, 6)),
    "conv_transpose": (lambda: nn.ConvTranspose2d(3, 4, 3, stride=2), (1, 3, 5, 5)),
    "maxpool_padding": (lambda: nn.MaxPool2d(3, 2, padding=1), (1, 3, 8, 8)),
    "maxpool_ceil": (lambda: nn.MaxPool2d(2, ceil_mode=True), (1, 2, 7, 7)),
    "avgpool": (lambda: nn.AvgPool2d(3, 2, padding=1), (1, 3, 8, 8)),
    "avgpool_exclude_pad": (lambda: nn.AvgPool2d(3, 2, padding=1, count_include_pad=False), (1, 3, 8, 8)),
    "adaptive_avgpool_global": (lambda: nn.AdaptiveAvgPool2d(1), (2, 3, 5, 5)),
    "adaptive_avgpool_uneven": (lambda: nn.AdaptiveAvgPool2d((2, 3)), (1, 3, 7, 8)),
    "linear": (lambda: nn.Linear(5, 3), (4, 5)),
    "batchnorm_eval": (lambda: nn.BatchNorm2d(3), (2, 3, 4, 4)),
    "relu": (lambda: nn.ReLU(), (2, 3, 4)),
    "relu6": (lambda: nn.ReLU6(), (2, 7)),
    "flatten": (lambda: nn.Flatten(), (2, 3, 2, 2)),
    "softmax": (lambda: nn.Softmax(dim=-1), (3, 7)),
    "log_softmax": (lambda: nn.LogSoftmax(dim=1), (3, 7)),
    "layernorm": (lambda: nn.LayerNorm(6), (2, 3, 6)),
    "gelu": (lambda: nn.GELU(), (3, 5)),
    "sigmoid_tanh": (lambda: Fn(lambda x: torch.sigmoid(x) * torch.tanh(x)), (3, 5)),
    "mean_keepdim": (lambda: Fn(lambda x: x.mean(dim=(2, 3), keepdim=True)), (1, 3, 4, 5)),
    "amax": (lambda: Fn(lambda x: x.amax(dim=1)), (3, 6)),
    "argmax": (lambda: Fn(lambda x: x.argmax(dim=1)), (3, 6)),
    "slice_permute_reshape": (lambda: Fn(lambda x: x[:, 1:4:2].permute(2, 0, 1).reshape(-1, 2) * 2), (2, 5, 3)),
}


@pytest.mark.parametrize("name", sorted(TORCH_CASES))
def test_module_matches_torch(name):
    build, shape = TORCH_CASES[name]
    assert_matches_torch(_seeded(build()), randn(*shape))


@pytest.mark.parametrize("name, fn, shapes", [
    ("add", torch.add, [(2, 3, 4), (3, 1)]),
    ("cat", lambda a, b: torch.cat([a, b], dim=1), [(2, 3), (2, 4)]),
    ("matmul", torch.matmul, [(3, 4), (4, 5)]),
    ("bmm", torch.bmm, [(2, 3, 4), (2, 4, 5)]),
    ("where", lambda a, b: torch.where(a > b, a, b * 2), [(4, 3), (4, 3)]),
])
def test_binary_op_matches_torch(name, fn, shapes):
    assert_matches_torch(Fn(fn), *[randn(*s, seed=i) for i, s in enumerate(shapes)])


def test_small_cnn_matches_torch():
    model = _seeded(nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 8, 3, padding=1, groups=8), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 4),
    ))
    assert_matches_torch(model, randn(2, 3, 12, 12))


class _Residual(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(4, 4, 3, padding=1)
        self.b = nn.Conv2d(4, 4, 1)

    def forward(self, x):
        return torch.relu(self.a(x) + self.b(x)), torch.cat([x, self.b(x)], dim=1)


def test_multiple_results_match_torch():
    assert_matches_torch(_seeded(_Residual()), randn(1, 4, 6, 6))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    channels=st.integers(1, 3), groups=st.sampled_from([1, 2]), kernel=st.integers(1, 4),
    stride=st.integers(1, 3), padding=st.integers(0, 2), dilation=st.integers(1, 2), extra=st.integers(0, 4),
)
def test_imported_conv_matches_torch(channels, groups, kernel, stride, padding, dilation, extra):
    model = _seeded(nn.Conv2d(channels * groups, 2 * groups, kernel, stride, padding, dilation, groups))
    size = (kernel - 1) * dilation + 1 + extra
    assert_matches_torch(model, randn(1, channels * groups, size, size))


# ----------------------------------------------------------------------------- convolutions from IR text


def _conv_ir(op: str, x_shape, w_shape, out_shape, stride: int, dilation: int) -> str:
    def t(shape):
        return "tensor<" + "x".join(map(str, shape)) + "xf32>"

    return f"""
    func.func @main(%x: {t(x_shape)}, %w: {t(w_shape)}, %init: {t(out_shape)}) -> {t(out_shape)} {{
      %0 = linalg.{op} {{dilations = dense<{dilation}> : tensor<2xi64>, strides = dense<{stride}> : tensor<2xi64>}}
             ins(%x, %w : {t(x_shape)}, {t(w_shape)}) outs(%init : {t(out_shape)}) -> {t(out_shape)}
      return %0 : {t(out_shape)}
    }}"""


@settings(max_examples=40, deadline=None)
@given(
    batch=st.integers(1, 2), c=st.integers(1, 4), f=st.integers(1, 5), kh=st.integers(1, 3), kw=st.integers(1, 3),
    stride=st.integers(1, 3), dilation=st.integers(1, 3), h=st.integers(0, 6), w=st.integers(0, 6),
    layout=st.sampled_from(["conv_2d_nchw_fchw", "conv_2d_nhwc_hwcf", "conv_2d_nhwc_fhwc"]),
)
def test_conv_ops_match_torch(batch, c, f, kh, kw, stride, dilation, h, w, layout):
    height, width = (kh - 1) * dilation + 1 + h, (kw - 1) * dilation + 1 + w
    x, weight = randn(batch, c, height, width, seed=1), randn(f, c, kh, kw, seed=2)
    init = randn(batch, f, (height - (kh - 1) * dilation - 1) // stride + 1,
                 (width - (kw - 1) * dilation - 1) // stride + 1, seed=3)
    expected = torch.nn.functional.conv2d(x, weight, stride=stride, dilation=dilation) + init
    to_nhwc = (0, 2, 3, 1)
    x_op, init_op, expected_op = x, init, expected
    w_op = weight
    if layout != "conv_2d_nchw_fchw":
        x_op, init_op, expected_op = x.permute(to_nhwc), init.permute(to_nhwc), expected.permute(to_nhwc)
        w_op = weight.permute(2, 3, 1, 0) if layout == "conv_2d_nhwc_hwcf" else weight.permute(0, 2, 3, 1)
    args = [np.ascontiguousarray(a.numpy()) for a in (x_op, w_op, init_op)]
    text = _conv_ir(layout, *[a.shape for a in args], stride, dilation)
    (got,) = run(text, *args)
    np.testing.assert_allclose(got, expected_op.numpy(), rtol=RTOL, atol=ATOL)


@settings(max_examples=25, deadline=None)
@given(c=st.integers(1, 4), k=st.integers(1, 3), stride=st.integers(1, 2), dilation=st.integers(1, 2),
       size=st.integers(0, 4), kind=st.sampled_from(["depthwise", "max", "sum"]))
def test_depthwise_and_pooling_ops_match_torch(c, k, stride, dilation, size, kind):
    n = (k - 1) * dilation + 1 + size
    x = randn(2, c, n, n, seed=4)
    out = (n - (k - 1) * dilation - 1) // stride + 1
    init = randn(2, c, out, out, seed=5)
    if kind == "depthwise":
        weight = randn(c, k, k, seed=6)
        expected = torch.nn.functional.conv2d(x, weight[:, None], stride=stride, dilation=dilation, groups=c) + init
        op, second = "depthwise_conv_2d_nchw_chw", weight.numpy()
    elif kind == "max":
        expected = torch.maximum(torch.nn.functional.max_pool2d(x, k, stride, dilation=dilation), init)
        op, second = "pooling_nchw_max", np.zeros((k, k), np.float32)
    else:
        unfold = torch.nn.functional.unfold(x, k, dilation=dilation, stride=stride).reshape(2, c, k * k, out, out)
        expected = unfold.sum(dim=2) + init
        op, second = "pooling_nchw_sum", np.zeros((k, k), np.float32)
    args = [x.numpy(), second, init.numpy()]
    (got,) = run(_conv_ir(op, *[a.shape for a in args], stride, dilation), *args)
    np.testing.assert_allclose(got, expected.numpy(), rtol=RTOL, atol=ATOL)


# ----------------------------------------------------------------------------- linalg.generic


def test_generic_reduction_with_permuted_input_and_constant_output_index():
    text = """
    func.func @main(%x: tensor<3x4xf32>, %init: tensor<4x1xf32>) -> tensor<4x1xf32> {
      %0 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1, d0)>, affine_map<(d0, d1) -> (d0, 0)>],
                           iterator_types = ["parallel", "reduction"]}
          ins(%x : tensor<3x4xf32>) outs(%init : tensor<4x1xf32>) {
      ^bb0(%in: f32, %out: f32):
        %sq = arith.mulf %in, %in : f32
        %s = arith.addf %out, %sq : f32
        linalg.yield %s : f32
      } -> tensor<4x1xf32>
      return %0 : tensor<4x1xf32>
    }"""
    x = np.arange(12, dtype=np.float32).reshape(3, 4)
    init = np.full((4, 1), 0.5, np.float32)
    (got,) = run(text, x, init)
    np.testing.assert_allclose(got, (x ** 2).sum(axis=0)[:, None] + 0.5)


@pytest.mark.parametrize("pred, reduce, which", [
    ("ogt", "maximumf", "first"), ("oge", "maximumf", "last"), ("olt", "minimumf", "first"),
])
def test_generic_arg_reduction_picks_the_right_tie(pred, reduce, which):
    text = f"""
    func.func @main(%x: tensor<2x5xf32>, %v: tensor<2xf32>, %i: tensor<2xi64>) -> (tensor<2xf32>, tensor<2xi64>) {{
      %0:2 = linalg.generic {{indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>,
                                               affine_map<(d0, d1) -> (d0)>],
                             iterator_types = ["parallel", "reduction"]}}
          ins(%x : tensor<2x5xf32>) outs(%v, %i : tensor<2xf32>, tensor<2xi64>) {{
      ^bb0(%in: f32, %out: f32, %out_i: i64):
        %idx = linalg.index 1 : index
        %idx64 = arith.index_cast %idx : index to i64
        %m = arith.{reduce} %in, %out : f32
        %c = arith.cmpf {pred}, %in, %out : f32
        %s = arith.select %c, %idx64, %out_i : i64
        linalg.yield %m, %s : f32, i64
      }} -> (tensor<2xf32>, tensor<2xi64>)
      return %0#0, %0#1 : tensor<2xf32>, tensor<2xi64>
    }}"""
    x = np.array([[1, 3, 0, 3, 2], [4, 4, -1, -1, 0]], np.float32)
    start = np.inf if reduce == "minimumf" else -np.inf
    values, indices = run(text, x, np.full(2, start, np.float32), np.full(2, -1, np.int64))
    y = -x if reduce == "minimumf" else x
    first = np.argmax(y, axis=1)
    last = y.shape[1] - 1 - np.argmax(y[:, ::-1], axis=1)
    np.testing.assert_array_equal(indices, first if which == "first" else last)
    np.testing.assert_array_equal(values, x.min(axis=1) if reduce == "minimumf" else x.max(axis=1))


def test_generic_unrecognised_reduction_runs_step_by_step():
    # A running average: out = out * 0.5 + in, order-dependent, so no numpy reduction applies.
    text = """
    func.func @main(%x: tensor<2x4xf32>, %init: tensor<2xf32>) -> tensor<2xf32> {
      %half = arith.constant 0.5 : f32
      %0 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>],
                           iterator_types = ["parallel", "reduction"]}
          ins(%x : tensor<2x4xf32>) outs(%init : tensor<2xf32>) {
      ^bb0(%in: f32, %out: f32):
        %h = arith.mulf %out, %half : f32
        %s = arith.addf %h, %in : f32
        linalg.yield %s : f32
      } -> tensor<2xf32>
      return %0 : tensor<2xf32>
    }"""
    x = np.arange(8, dtype=np.float32).reshape(2, 4)
    expected = np.ones(2, np.float32)
    for j in range(4):
        expected = expected * 0.5 + x[:, j]
    (got,) = run(text, x, np.ones(2, np.float32))
    np.testing.assert_allclose(got, expected)


def test_generic_mixed_precision_contraction():
    text = """
    func.func @main(%a: tensor<3x4xi8>, %b: tensor<5x4xi8>, %c: tensor<3x5xi32>) -> tensor<3x5xi32> {
      %0 = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>,
                                            affine_map<(m, n, k) -> (m, n)>],
                           iterator_types = ["parallel", "parallel", "reduction"]}
          ins(%a, %b : tensor<3x4xi8>, tensor<5x4xi8>) outs(%c : tensor<3x5xi32>) {
      ^bb0(%x: i8, %y: i8, %acc: i32):
        %x32 = arith.extsi %x : i8 to i32
        %y32 = arith.extsi %y : i8 to i32
        %p = arith.muli %x32, %y32 : i32
        %s = arith.addi %acc, %p : i32
        linalg.yield %s : i32
      } -> tensor<3x5xi32>
      return %0 : tensor<3x5xi32>
    }"""
    rng = np.random.default_rng(0)
    a, b = rng.integers(-128, 128, (3, 4), dtype=np.int8), rng.integers(-128, 128, (5, 4), dtype=np.int8)
    c = rng.integers(-1000, 1000, (3, 5), dtype=np.int32)
    (got,) = run(text, a, b, c)
    np.testing.assert_array_equal(got, a.astype(np.int32) @ b.T.astype(np.int32) + c)


def test_generic_convolution_map_reads_strided_windows():
    text = """
    func.func @main(%x: tensor<11xf32>, %w: tensor<3xf32>, %init: tensor<3xf32>) -> tensor<3xf32> {
      %0 = linalg.generic {indexing_maps = [affine_map<(o, k) -> (o * 3 + k * 2)>, affine_map<(o, k) -> (k)>,
                                            affine_map<(o, k) -> (o)>],
                           iterator_types = ["parallel", "reduction"]}
          ins(%x, %w : tensor<11xf32>, tensor<3xf32>) outs(%init : tensor<3xf32>) {
      ^bb0(%a: f32, %b: f32, %acc: f32):
        %p = arith.mulf %a, %b : f32
        %s = arith.addf %acc, %p : f32
        linalg.yield %s : f32
      } -> tensor<3xf32>
      return %0 : tensor<3xf32>
    }"""
    x, w = np.arange(11, dtype=np.float32), np.array([1, 10, 100], np.float32)
    (got,) = run(text, x, w, np.zeros(3, np.float32))
    expected = [sum(x[o * 3 + k * 2] * w[k] for k in range(3)) for o in range(3)]
    np.testing.assert_allclose(got, expected)


def test_generic_index_gather_and_floordiv_map():
    # out[i, j] = x[i floordiv 2] + table[j] + i: linalg.index, tensor.extract and a non-linear map.
    text = """
    func.func @main(%x: tensor<2xf32>, %table: tensor<3xf32>) -> tensor<4x3xf32> {
      %e = tensor.empty() : tensor<4x3xf32>
      %0 = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i floordiv 2)>, affine_map<(i, j) -> (i, j)>],
                           iterator_types = ["parallel", "parallel"]}
          ins(%x : tensor<2xf32>) outs(%e : tensor<4x3xf32>) {
      ^bb0(%in: f32, %out: f32):
        %i = linalg.index 0 : index
        %j = linalg.index 1 : index
        %t = tensor.extract %table[%j] : tensor<3xf32>
        %ii = arith.index_cast %i : index to i32
        %fi = arith.sitofp %ii : i32 to f32
        %s = arith.addf %in, %t : f32
        %r = arith.addf %s, %fi : f32
        linalg.yield %r : f32
      } -> tensor<4x3xf32>
      return %0 : tensor<4x3xf32>
    }"""
    x, table = np.array([1, 2], np.float32), np.array([10, 20, 30], np.float32)
    (got,) = run(text, x, table)
    i = np.arange(4)[:, None]
    np.testing.assert_allclose(got, x[i // 2] + table[None, :] + i)


def test_linalg_reduce_map_and_elementwise_named_ops():
    text = """
    func.func @main(%x: tensor<2x3xf32>) -> (tensor<2xf32>, tensor<2x3xf32>, tensor<2x3xf32>) {
      %e = tensor.empty() : tensor<2xf32>
      %zero = arith.constant 0.0 : f32
      %init = linalg.fill ins(%zero : f32) outs(%e : tensor<2xf32>) -> tensor<2xf32>
      %r = linalg.reduce ins(%x : tensor<2x3xf32>) outs(%init : tensor<2xf32>) dimensions = [1]
        (%in: f32, %acc: f32) {
          %s = arith.addf %in, %acc : f32
          linalg.yield %s : f32
        }
      %e2 = tensor.empty() : tensor<2x3xf32>
      %m = linalg.map ins(%x : tensor<2x3xf32>) outs(%e2 : tensor<2x3xf32>)
        (%in: f32, %out: f32) {
          %n = arith.negf %in : f32
          linalg.yield %n : f32
        }
      %a = linalg.add ins(%x, %m : tensor<2x3xf32>, tensor<2x3xf32>) outs(%e2 : tensor<2x3xf32>) -> tensor<2x3xf32>
      return %r, %m, %a : tensor<2xf32>, tensor<2x3xf32>, tensor<2x3xf32>
    }"""
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    r, m, a = run(text, x)
    np.testing.assert_allclose(r, x.sum(axis=1))
    np.testing.assert_allclose(m, -x)
    np.testing.assert_allclose(a, np.zeros_like(x))


def test_named_ops_without_dedicated_code_run_through_their_indexing_maps():
    # A transposed matmul (explicit maps), matvec and dot are contractions; pooling_nhwc_max_unsigned's
    # payload (arith.maxui) is not a recognised reduction and runs window position by window position.
    text = """
    func.func @main(%a: tensor<3x4xf32>, %b: tensor<5x4xf32>, %v: tensor<4xf32>, %q: tensor<1x4x4x2xi32>)
        -> (tensor<3x5xf32>, tensor<3xf32>, tensor<f32>, tensor<1x2x2x2xi32>) {
      %zero = arith.constant 0.0 : f32
      %e0 = tensor.empty() : tensor<3x5xf32>
      %c = linalg.fill ins(%zero : f32) outs(%e0 : tensor<3x5xf32>) -> tensor<3x5xf32>
      %mm = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>,
                                           affine_map<(m, n, k) -> (m, n)>]
          ins(%a, %b : tensor<3x4xf32>, tensor<5x4xf32>) outs(%c : tensor<3x5xf32>) -> tensor<3x5xf32>
      %e1 = tensor.empty() : tensor<3xf32>
      %c1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<3xf32>) -> tensor<3xf32>
      %mv = linalg.matvec ins(%a, %v : tensor<3x4xf32>, tensor<4xf32>) outs(%c1 : tensor<3xf32>) -> tensor<3xf32>
      %e2 = tensor.empty() : tensor<f32>
      %c2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<f32>) -> tensor<f32>
      %d = linalg.dot ins(%v, %v : tensor<4xf32>, tensor<4xf32>) outs(%c2 : tensor<f32>) -> tensor<f32>
      %k = tensor.empty() : tensor<2x2xi32>
      %min = arith.constant 0 : i32
      %e3 = tensor.empty() : tensor<1x2x2x2xi32>
      %c3 = linalg.fill ins(%min : i32) outs(%e3 : tensor<1x2x2x2xi32>) -> tensor<1x2x2x2xi32>
      %p = linalg.pooling_nhwc_max_unsigned {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
          ins(%q, %k : tensor<1x4x4x2xi32>, tensor<2x2xi32>) outs(%c3 : tensor<1x2x2x2xi32>) -> tensor<1x2x2x2xi32>
      return %mm, %mv, %d, %p : tensor<3x5xf32>, tensor<3xf32>, tensor<f32>, tensor<1x2x2x2xi32>
    }"""
    rng = np.random.default_rng(1)
    a, b, v = (rng.standard_normal(s).astype(np.float32) for s in [(3, 4), (5, 4), (4,)])
    q = rng.integers(-5, 5, (1, 4, 4, 2)).astype(np.int32)
    mm, mv, d, p = run(text, a, b, v, q)
    np.testing.assert_allclose(mm, a @ b.T, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(mv, a @ v, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(d, v @ v, rtol=RTOL, atol=ATOL)
    unsigned_max = q.view(np.uint32).reshape(1, 2, 2, 2, 2, 2).max(axis=(2, 4)).view(np.int32)
    np.testing.assert_array_equal(p, unsigned_max)


# ----------------------------------------------------------------------------- tensor ops


def test_tensor_slices_pad_and_reshapes():
    text = """
    func.func @main(%x: tensor<4x6xf32>, %off: index) -> (tensor<3xf32>, tensor<4x6xf32>, tensor<6x7xf32>, tensor<2x2x6xf32>) {
      %s = tensor.extract_slice %x[1, %off] [1, 3] [1, 2] : tensor<4x6xf32> to tensor<3xf32>
      %z = arith.constant dense<-1.0> : tensor<2x3xf32>
      %ins = tensor.insert_slice %z into %x[0, 1] [2, 3] [2, 2] : tensor<2x3xf32> into tensor<4x6xf32>
      %p = tensor.pad %x low[1, 0] high[1, 1] {
      ^bb0(%i: index, %j: index):
        %ij = arith.addi %i, %j : index
        %v = arith.index_cast %ij : index to i32
        %f = arith.sitofp %v : i32 to f32
        tensor.yield %f : f32
      } : tensor<4x6xf32> to tensor<6x7xf32>
      %e = tensor.expand_shape %x [[0, 1], [2]] output_shape [2, 2, 6] : tensor<4x6xf32> into tensor<2x2x6xf32>
      return %s, %ins, %p, %e : tensor<3xf32>, tensor<4x6xf32>, tensor<6x7xf32>, tensor<2x2x6xf32>
    }"""
    x = np.arange(24, dtype=np.float32).reshape(4, 6)
    s, ins, p, e = run(text, x, np.int64(1))
    np.testing.assert_array_equal(s, x[1, 1:6:2])
    expected = x.copy()
    expected[0:4:2, 1:7:2] = -1
    np.testing.assert_array_equal(ins, expected)
    expected_pad = np.add.outer(np.arange(6), np.arange(7)).astype(np.float32)
    expected_pad[1:5, 0:6] = x
    np.testing.assert_array_equal(p, expected_pad)
    np.testing.assert_array_equal(e, x.reshape(2, 2, 6))


def test_dynamic_shapes():
    text = """
    func.func @main(%x: tensor<?x3xf32>) -> (tensor<?x3xf32>, index) {
      %c0 = arith.constant 0 : index
      %n = tensor.dim %x, %c0 : tensor<?x3xf32>
      %e = tensor.empty(%n) : tensor<?x3xf32>
      %0 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                           iterator_types = ["parallel", "parallel"]}
          ins(%x : tensor<?x3xf32>) outs(%e : tensor<?x3xf32>) {
      ^bb0(%in: f32, %out: f32):
        %r = math.exp %in : f32
        linalg.yield %r : f32
      } -> tensor<?x3xf32>
      return %0, %n : tensor<?x3xf32>, index
    }"""
    x = np.linspace(-1, 1, 15, dtype=np.float32).reshape(5, 3)
    y, n = run(text, x)
    np.testing.assert_allclose(y, np.exp(x), rtol=RTOL)
    assert n == 5


# ----------------------------------------------------------------------------- scalars, control flow, calls


@pytest.mark.parametrize("op, type_, a, b, expected", [
    ("arith.divsi", "i32", -7, 2, -3),
    ("arith.remsi", "i32", -7, 2, -1),
    ("arith.floordivsi", "i32", -7, 2, -4),
    ("arith.ceildivsi", "i32", -7, 2, -3),
    ("arith.divui", "i8", -2, 2, 127),
    ("arith.maxui", "i8", -1, 1, -1),
    ("arith.shrui", "i8", -128, 7, 1),
    ("arith.shrsi", "i8", -128, 7, -1),
    ("arith.addi", "i8", 127, 1, -128),
    ("arith.divf", "f32", 1.0, 0.0, np.inf),
    ("arith.remf", "f32", -7.5, 2.0, -1.5),
    ("arith.maximumf", "f32", np.nan, 1.0, np.nan),
    ("arith.maxnumf", "f32", np.nan, 1.0, 1.0),
    ("math.powf", "f32", 2.0, 10.0, 1024.0),
])
def test_scalar_binary_ops(op, type_, a, b, expected):
    text = f"""
    func.func @main(%a: {type_}, %b: {type_}) -> {type_} {{
      %0 = {op} %a, %b : {type_}
      return %0 : {type_}
    }}"""
    (got,) = run(text, a, b)
    assert got.dtype == {"i8": np.int8, "i32": np.int32, "f32": np.float32}[type_]
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("cast, source, target, value, expected", [
    ("arith.extsi", "i1", "i32", True, -1),
    ("arith.extui", "i1", "i32", True, 1),
    ("arith.trunci", "i32", "i8", 300, 44),
    ("arith.trunci", "i32", "i1", 3, True),
    ("arith.fptosi", "f32", "i32", -2.7, -2),
    ("arith.sitofp", "i1", "f32", True, -1.0),
    ("arith.uitofp", "i8", "f32", -1, 255.0),
    ("arith.index_cast", "i32", "index", -5, -5),
    ("arith.bitcast", "f32", "i32", 1.0, 0x3F800000),
])
def test_scalar_casts(cast, source, target, value, expected):
    text = f"""
    func.func @main(%a: {source}) -> {target} {{
      %0 = {cast} %a : {source} to {target}
      return %0 : {target}
    }}"""
    (got,) = run(text, value)
    assert got == expected


@pytest.mark.parametrize("pred, a, b, expected", [
    ("ugt", np.nan, 0.0, True), ("ogt", np.nan, 0.0, False), ("one", 1.0, 1.0, False),
    ("une", np.nan, np.nan, True), ("ord", 1.0, np.nan, False), ("ule", 2.0, 1.0, False),
])
def test_cmpf_predicates(pred, a, b, expected):
    text = f"""
    func.func @main(%a: f32, %b: f32) -> i1 {{
      %0 = arith.cmpf {pred}, %a, %b : f32
      return %0 : i1
    }}"""
    assert run(text, a, b) == (expected,)


def test_scf_for_and_func_call():
    text = """
    func.func @square(%x: tensor<2xf32>) -> tensor<2xf32> {
      %0 = arith.mulf %x, %x : tensor<2xf32>
      return %0 : tensor<2xf32>
    }
    func.func @main(%x: tensor<2xf32>, %n: index) -> tensor<2xf32> {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %x) -> (tensor<2xf32>) {
        %sq = func.call @square(%acc) : (tensor<2xf32>) -> tensor<2xf32>
        scf.yield %sq : tensor<2xf32>
      }
      return %r : tensor<2xf32>
    }"""
    (got,) = run(text, np.array([2, 3], np.float32), 3)
    np.testing.assert_array_equal(got, [256, 6561])


# ----------------------------------------------------------------------------- errors


def test_unsupported_op_error_is_located():
    text = """
    func.func @main() -> tensor<2xf32> {
      %0 = "test.op"() : () -> tensor<2xf32> loc("model.mlir":12:5)
      return %0 : tensor<2xf32>
    }"""
    with pytest.raises(InterpreterError) as info:
        run(text, allow_unregistered=True)
    assert str(info.value) == "model.mlir:12:5: error: unsupported op 'test.op'"
    assert info.value.op_name == "test.op"


def test_failed_assert_is_located():
    text = """
    func.func @main(%x: f32) -> f32 {
      %zero = arith.constant 0.0 : f32
      %ok = arith.cmpf one, %x, %zero : f32
      cf.assert %ok, "x must not be zero" loc("model.mlir":3:7)
      return %x : f32
    }"""
    assert run(text, 1.0) == (1.0,)
    with pytest.raises(InterpreterError, match=r"^model.mlir:3:7: error: 'cf.assert' op assertion failed: x must not be zero$"):
        run(text, 0.0)


_IDENTITY = """
func.func @main(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  return %x : tensor<2x3xf32>
}"""


@pytest.mark.parametrize("symbol, args, message", [
    ("main", [], r"@main takes 1 argument\(s\), got 0"),
    ("main", [np.zeros((2, 3), np.float64)], r"argument 0 of @main must have dtype float32 for tensor<2x3xf32>, got float64"),
    ("main", [np.zeros((3, 2), np.float32)], r"argument 0 of @main must have shape 2x3 for tensor<2x3xf32>, got \(3, 2\)"),
    ("nope", [], r"no function @nope in the module \(functions: main\)"),
])
def test_bad_call_arguments(symbol, args, message):
    with pytest.raises(InterpreterError, match=message):
        run(_IDENTITY, *args, symbol=symbol)


def test_inconsistent_ir_is_reported_at_the_op():
    text = """
    func.func @main(%x: tensor<?xf32>, %i: index) -> f32 {
      %0 = tensor.extract %x[%i] : tensor<?xf32> loc("model.mlir":2:12)
      return %0 : f32
    }"""
    with pytest.raises(InterpreterError, match=r"^model.mlir:2:12: error: 'tensor.extract' op IndexError"):
        run(text, np.zeros(3, np.float32), 7)


# ----------------------------------------------------------------------------- listener and caching


class _Counter(Listener):
    def __init__(self):
        self.before = collections.Counter()
        self.after = collections.Counter()

    def will_run(self, op, args):
        self.before[op.name] += 1

    def did_run(self, op, results):
        self.after[op.name] += 1


def test_listener_sees_every_op_but_not_payloads():
    module = import_torch(_seeded(nn.Sequential(nn.Linear(4, 3), nn.ReLU())), randn(2, 4))
    listener = _Counter()
    Interpreter(module, listener).call("main", randn(2, 4).numpy())
    assert dict(listener.before) == dict(listener.after) == {
        "arith.constant": 3, "tensor.empty": 2, "linalg.transpose": 1, "linalg.fill": 1, "linalg.matmul": 1,
        "linalg.generic": 2,
    }


def test_second_call_reuses_constants_and_returns_fresh_arrays(monkeypatch):
    conversions = []
    convert = arith_impls.attribute_to_numpy
    monkeypatch.setattr(arith_impls, "attribute_to_numpy", lambda *a: conversions.append(1) or convert(*a))
    text = """
    func.func @main() -> tensor<3xf32> {
      %0 = arith.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
      return %0 : tensor<3xf32>
    }"""
    interp = Interpreter(parse(text))
    (first,) = interp.call("main")
    first[0] = 42  # the caller owns its results
    (second,) = interp.call("main")
    np.testing.assert_array_equal(second, [1, 2, 3])
    assert len(conversions) == 1
