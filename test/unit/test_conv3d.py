"""3-D convolutions through the 2-D convolution path: packed as one bsparse.conv2d over the input's depth
windows (a gather of ``[N x Do, C x KD, H, W]``), lowered to aie and run exactly against PyTorch and a
loop-written numpy reference; pruned 8x8 blocks halve the MACs; a depth padding is an input's (a
tensor.pad the report lists); a transposed one is left unpacked with its reason."""

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
from irtext import op_names, tensor  # noqa: E402
from references import relative_error  # noqa: E402

TARGET = "aie2-2x2"


@pytest.mark.parametrize(
    "conv",
    [
        lambda: nn.Conv3d(8, 16, 3),
        lambda: nn.Conv3d(8, 24, (3, 1, 3), stride=(2, 1, 2), padding=(0, 0, 2)),
        lambda: nn.Conv3d(12, 16, 2, dilation=(2, 1, 1), padding=(0, 1, 0), bias=False),
        lambda: nn.Conv3d(5, 9, (1, 3, 3), padding=(0, 1, 1)),
    ],
    ids=["plain", "strided-asymmetric", "dilated-no-bias", "edge-blocks"],
)
def test_conv3d_packs_as_one_conv2d_over_depth_windows_and_runs_exactly(conv):
    torch.manual_seed(0)
    layer = conv()
    model = nn.Sequential(layer, nn.ReLU()).eval()
    x = torch.randn(2, layer.in_channels, 6, 9, 10)
    program = bsparse.compile(model, x, target=TARGET, sparsity=None)
    packed = program.stages["packed"]
    assert packed.count('"bsparse.conv2d"') == 1 and "linalg.conv_3d" not in packed
    (y,), report = program.run(x.numpy())
    want = model(x).detach().numpy()
    assert y.shape == want.shape and relative_error(y, want) <= 1e-4
    assert not report.host_ops, [(h.name, h.reason) for h in report.host_ops]
    (conv_layer,) = [entry for entry in report.layers if entry.kind == "conv2d"]
    _, f, do, ho, wo = want.shape  # every output position's window, as the 2-D convolutions count it
    assert conv_layer.macs_dense == layer.weight.numel() * 2 * do * ho * wo


def test_a_depth_padding_is_a_listed_pad_and_the_outputs_stay_exact():
    torch.manual_seed(1)
    model = nn.Sequential(nn.Conv3d(8, 16, 3, padding=1)).eval()
    x = torch.randn(1, 8, 5, 8, 8)
    program = bsparse.compile(model, x, target=TARGET, sparsity=None)
    (y,), report = program.run(x.numpy())
    assert relative_error(y, model(x).detach().numpy()) <= 1e-4
    (pad,) = report.host_ops
    assert pad.kind == "copy" and "tensor.pad" in pad.reason
    (conv,) = [layer for layer in report.layers if layer.kind == "conv2d"]
    assert conv.macs_dense == model[0].weight.numel() * 5 * 8 * 8


def test_pruned_at_half_macs_halve_and_outputs_are_the_pruned_weights():
    """50% 8x8 blocks over the logical [F, C x KD, KH, KW] weight: half the dense MACs, and the outputs of
    that pruned weight against PyTorch's conv3d."""
    torch.manual_seed(2)
    conv = nn.Conv3d(16, 32, 3, bias=False)
    model = nn.Sequential(conv).eval()
    x = torch.randn(1, 16, 6, 7, 7)
    program = bsparse.compile(model, x, target=TARGET, sparsity=0.5)
    (y,), report = program.run(x.numpy())
    (layer,) = [entry for entry in report.layers if entry.kind == "conv2d"]
    assert layer.macs * 2 == layer.macs_dense
    weight = conv.weight.detach().numpy()
    logical = weight.reshape(32, 16 * 3, 3, 3)
    pruned = BlockPattern(8, 8).prune(logical, 0.5).reshape(weight.shape)
    assert (pruned == 0).mean() >= 0.5
    want = torch.nn.functional.conv3d(x, torch.from_numpy(pruned)).numpy()
    assert relative_error(y, want) <= 1e-4


def _conv3d_ndhwc_reference(x: np.ndarray, w: np.ndarray, stride: tuple[int, int, int]) -> np.ndarray:
    """Loop-written: y[n, d, h, w, f] = sum_{a, b, c, ch} x[n, d*s0 + a, h*s1 + b, w*s2 + c, ch] w[a, b, c, ch, f]."""
    n, depth, height, width, _ = x.shape
    ka, kb, kc, _, f = w.shape
    out = [(size - k) // s + 1 for size, k, s in zip((depth, height, width), (ka, kb, kc), stride)]
    y = np.zeros((n, *out, f), np.float64)
    for d in range(out[0]):
        for h in range(out[1]):
            for v in range(out[2]):
                for a in range(ka):
                    for b in range(kb):
                        for c in range(kc):
                            y[:, d, h, v] += x[:, d * stride[0] + a, h * stride[1] + b, v * stride[2] + c].astype(
                                np.float64) @ w[a, b, c].astype(np.float64)
    return y.astype(np.float32)


def test_channels_last_conv3d_packs_and_runs_exactly(ctx):
    """``linalg.conv_3d_ndhwc_dhwcf`` (channels last, filter [KD, KH, KW, C, F]), strided, with edge blocks:
    its 2-D convolution's channel ``kd x C + c``, and no transpose of the result."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((1, 7, 6, 5, 6)).astype(np.float32)
    w = rng.standard_normal((3, 2, 2, 6, 10)).astype(np.float32)
    out = (1, 3, 5, 4, 10)
    text = f"""
    func.func @main(%x: {tensor(x.shape)}) -> {tensor(out)} {{
      %w = arith.constant {numpy_to_dense(w)}
      %zero = arith.constant 0.0 : f32
      %e = tensor.empty() : {tensor(out)}
      %init = linalg.fill ins(%zero : f32) outs(%e : {tensor(out)}) -> {tensor(out)}
      %y = linalg.conv_3d_ndhwc_dhwcf {{dilations = dense<1> : vector<3xi64>, strides = dense<[2, 1, 1]> : vector<3xi64>}}
             ins(%x, %w : {tensor(x.shape)}, {tensor(w.shape)}) outs(%init : {tensor(out)}) -> {tensor(out)}
      return %y : {tensor(out)}
    }}"""
    module = ir.Module.parse(text)
    run_pipeline(module, f"bsparse-pack,canonicalize,cse,bsparse-partition{{target={TARGET}}},bsparse-to-aie{{target={TARGET}}}")
    names = op_names(module)
    assert "aie.device" in names and "linalg.conv_3d_ndhwc_dhwcf" not in names and "linalg.transpose" not in names
    (y,), report = run_program(module, x)
    assert relative_error(y, _conv3d_ndhwc_reference(x, w, (2, 1, 1))) <= 1e-4
    assert not report.host_ops
