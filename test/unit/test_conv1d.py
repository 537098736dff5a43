"""1-D convolutions (Conv1d, Jasper-like) through the 2-D convolution path: packed as height-1 (or
width-1, when the frontend expands a grouped one) bsparse.conv2d ops with their batch norm and relu
folded, lowered to aie, and run exactly against PyTorch and a loop-written numpy reference."""

from __future__ import annotations

import numpy as np
import pytest
import torch_mlir.ir as ir

torch = pytest.importorskip("torch")
nn = torch.nn

import bsparse  # noqa: E402
from bsparse.interpreter import run_program  # noqa: E402
from bsparse.irutil import numpy_to_dense  # noqa: E402
from bsparse.patterns import BlockPattern  # noqa: E402
from bsparse.pipeline import run_pipeline  # noqa: E402
from torch_blocks import conv_block  # noqa: E402
from irtext import op_names, tensor  # noqa: E402
from references import relative_error  # noqa: E402

TARGET = "aie2-2x2"


@pytest.mark.parametrize(
    "conv",
    [
        lambda: nn.Conv1d(16, 24, 3, padding=1),
        lambda: nn.Conv1d(16, 32, 5, stride=2, padding=2),
        lambda: nn.Conv1d(16, 16, 3, padding=2, dilation=2, bias=False),
        lambda: nn.Conv1d(16, 32, 3, padding=1, groups=2),
        lambda: nn.Conv1d(16, 16, 11, padding=5, groups=16),
        lambda: nn.Conv1d(12, 20, 1),
    ],
    ids=["plain", "strided", "dilated", "grouped", "depthwise", "pointwise-edge-blocks"],
)
def test_conv1d_block_packs_folds_and_runs_exactly(conv):
    model = conv_block(conv(), seed=0)
    x = torch.randn(2, model[0].in_channels, 37)
    program = bsparse.compile(model, x, target=TARGET, sparsity=None)
    packed = program.stages["packed"]
    assert '"bsparse.conv2d"' in packed
    assert "linalg.conv_1d" not in packed and "linalg.conv_2d" not in packed
    assert "linalg.generic" not in packed, "batch norm and relu fold into the convolution"
    (y,), report = program.run(x.numpy())
    want = model(x).detach().numpy()
    assert y.shape == want.shape and relative_error(y, want) <= 1e-4
    (layer,) = report.layers
    assert layer.kind == "conv2d" and layer.cycles > 0
    assert layer.macs_dense == model[0].weight.numel() * 2 * want.shape[2]


def test_half_the_blocks_zero_halves_the_macs():
    conv = nn.Conv1d(32, 64, 3, padding=1)
    model = conv_block(conv, seed=1)
    with torch.no_grad():  # zero every other 8x8 block of the [64, 32, 3] weight (over out x in)
        for r in range(8):
            for c in range(4):
                if (r + c) % 2:
                    conv.weight[r * 8:(r + 1) * 8, c * 8:(c + 1) * 8] = 0
    x = torch.randn(1, 32, 40)
    program = bsparse.compile(model, x, target=TARGET, sparsity=None)
    (y,), report = program.run(x.numpy())
    assert relative_error(y, model(x).detach().numpy()) <= 1e-4
    (layer,) = report.layers
    assert layer.macs * 2 == layer.macs_dense == conv.weight.numel() * 40


def test_pruned_at_half_macs_halve():
    """bsparse-compile at 50% 8x8 prunes half of a Conv1d's blocks: half the dense MACs, and the outputs of
    the pruned weight (read back from the packed op) against PyTorch with that weight."""
    conv = nn.Conv1d(32, 64, 3, padding=1, bias=False)
    torch.manual_seed(2)
    model = nn.Sequential(conv).eval()
    x = torch.randn(1, 32, 40)
    program = bsparse.compile(model, x, target=TARGET, sparsity=0.5)
    (y,), report = program.run(x.numpy())
    (layer,) = report.layers
    assert layer.macs * 2 == layer.macs_dense
    pruned = BlockPattern(8, 8).prune(conv.weight.detach().numpy(), 0.5)
    want = torch.nn.functional.conv1d(x, torch.from_numpy(pruned), padding=1).numpy()
    assert relative_error(y, want) <= 1e-4


def _conv1d_nwc_reference(x: np.ndarray, w_wcf: np.ndarray, stride: int) -> np.ndarray:
    """Loop-written: y[n, o, f] = sum_{k, c} x[n, o * stride + k, c] * w[k, c, f]."""
    n, width, _ = x.shape
    k_size, _, f = w_wcf.shape
    out = (width - k_size) // stride + 1
    y = np.zeros((n, out, f), np.float64)
    for b in range(n):
        for o in range(out):
            for k in range(k_size):
                y[b, o] += x[b, o * stride + k].astype(np.float64) @ w_wcf[k].astype(np.float64)
    return y.astype(np.float32)


def test_channels_last_conv1d_packs_and_runs_exactly(ctx):
    """``linalg.conv_1d_nwc_wcf`` (channels last, filter [K, C, F]), strided, with edge blocks."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 29, 12)).astype(np.float32)
    w = rng.standard_normal((3, 12, 20)).astype(np.float32)
    out = (29 - 3) // 2 + 1
    weight = numpy_to_dense(w)
    text = f"""
    func.func @main(%x: {tensor(x.shape)}) -> {tensor((2, out, 20))} {{
      %w = arith.constant {weight}
      %zero = arith.constant 0.0 : f32
      %e = tensor.empty() : {tensor((2, out, 20))}
      %init = linalg.fill ins(%zero : f32) outs(%e : {tensor((2, out, 20))}) -> {tensor((2, out, 20))}
      %y = linalg.conv_1d_nwc_wcf {{dilations = dense<1> : vector<1xi64>, strides = dense<2> : vector<1xi64>}}
             ins(%x, %w : {tensor(x.shape)}, {tensor(w.shape)}) outs(%init : {tensor((2, out, 20))}) -> {tensor((2, out, 20))}
      return %y : {tensor((2, out, 20))}
    }}"""
    module = ir.Module.parse(text)
    run_pipeline(module, f"bsparse-pack,canonicalize,cse,bsparse-partition{{target={TARGET}}},bsparse-to-aie{{target={TARGET}}}")
    names = op_names(module)
    assert "aie.device" in names and "linalg.conv_1d_nwc_wcf" not in names
    (y,), report = run_program(module, x)
    want = _conv1d_nwc_reference(x, w, 2)
    assert relative_error(y, want) <= 1e-4
    assert report.layers[0].macs_dense == w.size * 2 * out
