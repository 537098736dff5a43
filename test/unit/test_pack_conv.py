"""bsparse-pack on imported PyTorch convolutions and linears, checked against the PyTorch parameters."""

import numpy as np
import pytest
import torch_mlir.ir as ir

torch = pytest.importorskip("torch")
nn = torch.nn

import bsparse  # noqa: E402
from bsparse.frontend.torch import import_model  # noqa: E402
from bsparse.packed import packed_data  # noqa: E402
from bsparse.pipeline import run_pipeline  # noqa: E402
from irtext import ops_named  # noqa: E402


@pytest.mark.parametrize(
    "conv",
    [
        nn.Conv2d(16, 24, 3, stride=2, padding=1),
        nn.Conv2d(16, 32, 3, padding=(2, 1), dilation=2, groups=4, bias=False),
        nn.Conv2d(16, 16, 3, padding=1, groups=16),
        nn.Conv2d(16, 12, (1, 3), padding=(0, 1)),
    ],
    ids=["strided", "grouped-dilated", "depthwise", "rect-edge"],
)
def test_conv_packs_with_its_attributes(ctx, conv):
    torch.manual_seed(0)
    model = nn.Sequential(conv, nn.ReLU()).eval()
    module = import_model(model, torch.randn(1, 16, 9, 9), context=ctx)
    run_pipeline(module, "bsparse-pack{block=8x4},canonicalize,cse")
    (op,) = ops_named(module, "bsparse.conv2d")
    assert not ops_named(module, "linalg.generic"), "relu should be absorbed"
    assert str(op.attributes["activation"]) == '"relu"'
    assert list(ir.DenseI64ArrayAttr(op.attributes["strides"])) == list(conv.stride)
    assert list(ir.DenseI64ArrayAttr(op.attributes["dilations"])) == list(conv.dilation)
    pad_h, pad_w = conv.padding
    assert list(ir.DenseI64ArrayAttr(op.attributes["padding"])) == [pad_h, pad_w, pad_h, pad_w]
    assert ir.IntegerAttr(op.attributes["groups"]).value == conv.groups
    weight = packed_data(op.weight.owner.opview).to_dense()
    np.testing.assert_array_equal(weight, conv.weight.detach().numpy())
    if conv.bias is None:
        assert op.bias is None
    else:
        np.testing.assert_array_equal(np.array(op.bias.owner.opview.attributes["value"]), conv.bias.detach().numpy())


def test_linear_with_bias_packs_weight_and_bias(ctx):
    torch.manual_seed(1)
    linear = nn.Linear(20, 12)
    module = import_model(nn.Sequential(linear).eval(), torch.randn(3, 20), context=ctx)
    run_pipeline(module, "bsparse-pack,canonicalize,cse")
    (op,) = ops_named(module, "bsparse.matmul")
    assert not ops_named(module, "linalg.generic") and not ops_named(module, "linalg.matmul")
    np.testing.assert_array_equal(packed_data(op.weight.owner.opview).to_dense(), linear.weight.detach().numpy())
    np.testing.assert_array_equal(np.array(op.bias.owner.opview.attributes["value"]), linear.bias.detach().numpy())


def test_linear_on_a_sequence_absorbs_its_relu_through_the_row_expand(ctx):
    """nn.Linear on [batch, seq, d] imports as collapse -> matmul -> expand; the relu after the expand
    folds into the matmul (the expand only splits rows), and the program still computes PyTorch's result."""
    torch.manual_seed(2)
    model = nn.Sequential(nn.Linear(20, 12), nn.ReLU(), nn.Linear(12, 16)).eval()
    x = torch.randn(2, 5, 20)
    module = import_model(model, x, context=ctx)
    run_pipeline(module, "bsparse-pack,canonicalize,cse")
    first, second = ops_named(module, "bsparse.matmul")
    assert not ops_named(module, "linalg.generic")
    assert str(first.attributes["activation"]) == '"relu"' and str(second.attributes["activation"]) == '"none"'
    (y,), _ = bsparse.compile(model, x, target="aie2-2x2", sparsity=None).run(x.numpy())
    want = model(x).detach().numpy()
    assert y.shape == want.shape and np.abs(y - want).max() <= 1e-4 * np.abs(want).max()
