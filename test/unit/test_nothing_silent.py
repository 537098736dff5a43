"""Nothing passes through silently: a constant weight left unpacked warns (or, strict, fails) at its
layer, every op left on the host of a lowered program is in the report's host_ops with its reason,
and a program where nothing is packed is an error."""

from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")
nn = torch.nn

import bsparse  # noqa: E402
from bsparse.errors import BsparseCompilerError, BsparseWarning  # noqa: E402


def _conv3d_then_linear() -> nn.Sequential:
    """A 3-D transposed convolution (left unpacked: its input is zero-inserted) and a linear layer."""
    torch.manual_seed(0)
    return nn.Sequential(nn.ConvTranspose3d(4, 8, 3, stride=2, padding=1, output_padding=1), nn.ReLU(), nn.Flatten(),
                         nn.Linear(8 * 8 * 8 * 8, 16)).eval()


X = torch.randn(1, 4, 4, 4, 4)


def test_unpacked_weight_warns_at_its_layer_and_is_a_host_op_with_its_reason():
    model = _conv3d_then_linear()
    with pytest.warns(BsparseWarning, match=r"layer '0' \(linalg.conv_3d_ncdhw_fcdhw\): weight not packed: "
                                            r"its input is zero-inserted") as warned:
        program = bsparse.compile(model, X, target="aie2-2x2", sparsity=0.0)
    assert [w.message.location for w in warned if isinstance(w.message, BsparseWarning)][0]  # located
    (y,), report = program.run(X.numpy())
    want = model(X).detach().numpy()  # the host conv3d and the lowered linear compute the model
    assert np.abs(y - want).max() <= 1e-4 * np.abs(want).max()
    host = {layer.kind: layer.reason for layer in report.host_ops}
    assert host["conv3d"].startswith("weight not packed: its input is zero-inserted")
    assert all(layer.reason for layer in report.host_ops) and all(layer.cycles > 0 for layer in report.host_ops)
    lowered = [layer for layer in report.layers if not layer.reason]
    assert [layer.kind for layer in lowered if layer.kind in ("matmul", "conv2d")] == ["matmul"]
    assert all(layer.cores > 0 for layer in lowered)
    listed = json.loads(json.dumps(report.to_dict()))["host_ops"]
    assert [entry["kind"] for entry in listed] == [layer.kind for layer in report.host_ops]
    assert "host ops: " in report.format_table() and "weight not packed" in report.format_table()
    # the host ops' cycles are in the total: nothing costed as free
    assert report.total_cycles == sum(layer.cycles for layer in report.layers)


def test_strict_turns_the_warning_into_a_located_error():
    with pytest.raises(BsparseCompilerError, match=r"error: bsparse-pack: layer '0' \(linalg.conv_3d_ncdhw_fcdhw\): "
                                                   r"weight not packed \(strict\)"):
        bsparse.compile(_conv3d_then_linear(), X, target="aie2-2x2", strict=True)


def test_a_program_with_nothing_packed_is_an_error_naming_what_was_left():
    model = nn.Sequential(nn.ConvTranspose3d(4, 8, 3, stride=2)).eval()
    with pytest.warns(BsparseWarning), pytest.raises(BsparseCompilerError, match=r"nothing to compile: no layer was "
                                                                                r"packed; left unpacked:\n.*conv_3d"):
        bsparse.compile(model, X, target="aie2-2x2")


def test_a_lowered_layer_has_no_reason():
    model = nn.Sequential(nn.Linear(16, 16)).eval()
    x = torch.randn(2, 16)
    program = bsparse.compile(model, x, target="aie2-2x2", sparsity=0.0)
    (_,), report = program.run(x.numpy())
    assert report.host_ops == [] and report.to_dict()["host_ops"] == []


def _conv_pool() -> nn.Sequential:
    torch.manual_seed(1)
    return nn.Sequential(nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(3, 2, padding=1)).eval()


def test_an_op_left_on_the_host_warns_at_its_layer_and_strict_makes_it_an_error():
    x = torch.randn(1, 8, 8, 8)
    # the pool runs on the array; the -inf padding before it (a tensor.pad) stays on the host
    with pytest.warns(BsparseWarning, match=r"layer '2' \(tensor.pad\): host op: bsparse-to-aie has no "
                                            r"lowering for tensor.pad") as warned:
        program = bsparse.compile(_conv_pool(), x, target="aie2-2x2")
    messages = [w.message for w in warned if isinstance(w.message, BsparseWarning)]
    assert all(m.location for m in messages)
    (_, report) = program.run(x.numpy())
    assert sorted(m.message.split(": host op: ")[1] for m in messages) == sorted(l.reason for l in report.host_ops)
    with pytest.raises(BsparseCompilerError, match=r"error: bsparse-to-aie: layer '2' \(tensor.pad\): "
                                                   r"host op \(strict\)"):
        bsparse.compile(_conv_pool(), x, target="aie2-2x2", strict=True)
