"""Activations folded into the epilogue of the layer before them (`bsparse.activations`): whatever form
torch-mlir gives them (one elementwise op, a max then a min, SiLU's ``x * sigmoid(x)``, a hand-written
tanh GELU of eight ops), bsparse-pack folds them when they compute a registered activation, and every
stage computes what PyTorch computes; what is not one stays on the host with its reason."""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")
nn = torch.nn

import bsparse  # noqa: E402
from bsparse import targets  # noqa: E402
from torch_blocks import conv_block  # noqa: E402
from references import relative_error  # noqa: E402

TARGET = "aie2-ve2802"


class NewGELU(nn.Module):
    """GPT-2's gelu_new (Hugging Face), written out in tensor ops."""

    def forward(self, x):
        return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


FOLDED = {
    "relu": nn.ReLU, "relu6": nn.ReLU6, "gelu": nn.GELU, "gelu_tanh": NewGELU, "silu": nn.SiLU,
    "sigmoid": nn.Sigmoid, "tanh": nn.Tanh,
}


def _activations(text: str) -> list[str]:
    return [line.split('activation = "')[1].split('"')[0] for line in text.splitlines() if 'activation = "' in line]


@pytest.mark.parametrize("name", FOLDED)
@pytest.mark.parametrize("layer", ["linear-on-a-sequence", "conv-bn"])
def test_activation_folds_into_the_layer_and_every_stage_computes_pytorch(name, layer):
    torch.manual_seed(0)
    if layer == "conv-bn":
        model = conv_block(nn.Conv2d(8, 16, 3, padding=1), 0, FOLDED[name]())
        x = torch.randn(1, 8, 6, 6)
    else:
        model = nn.Sequential(nn.Linear(16, 24), FOLDED[name]()).eval()
        x = torch.randn(2, 5, 16) * 3  # reaches the saturated ends of sigmoid, tanh and relu6
    program = bsparse.compile(model, x, target=TARGET, sparsity=None)
    packed = program.stages["packed"]
    assert "linalg.generic" not in packed
    assert _activations(packed) == [name]
    want = model(x).detach().numpy()
    for stage in ("packed", "aie"):
        (y,), report = program.run(x.numpy(), stage=stage)
        assert relative_error(y, want) <= 1e-5, stage
    assert not report.host_ops


def test_what_is_no_registered_activation_stays_on_the_host_and_is_still_exact():
    torch.manual_seed(1)
    # Hardtanh(-1, 2) is no registered activation; torch-mlir writes GELU(approximate="tanh") with
    # sqrt(2/pi) as 0.797724, not 0.7978846: not the tanh GELU either, so both are computed as written.
    for act in (nn.Hardtanh(-1.0, 2.0), nn.GELU(approximate="tanh")):
        model = nn.Sequential(nn.Linear(16, 24), act).eval()
        x = torch.randn(4, 16) * 3
        program = bsparse.compile(model, x, target=TARGET, sparsity=None)
        assert _activations(program.stages["packed"]) == ["none"]
        (y,), report = program.run(x.numpy())
        assert "elementwise" in [layer.kind for layer in report.layers]  # its own kernels on the array
        assert relative_error(y, model(x).detach().numpy()) <= 1e-4


def test_a_transcendental_epilogue_costs_its_rate_on_every_output():
    torch.manual_seed(2)
    target = "aie2-phoenix"  # a compute-bound layer there: the epilogue shows in its cycles
    x = torch.randn(256, 1024)
    cycles = {}
    for name in ("relu", "gelu"):
        model = nn.Sequential(nn.Linear(1024, 256), FOLDED[name]()).eval()
        (layer,) = bsparse.compile(model, x, target=target, sparsity=None).run(x.numpy())[1].layers
        assert layer.bound == "compute"
        cycles[name] = layer.cycles
    t = targets.get(target)
    per_core = 256 * 256 / t.num_cores  # outputs of each core, balanced
    extra = cycles["gelu"] - cycles["relu"]  # an erf and a few vector ops more per output
    assert per_core * t.erf_cycles_per_element <= extra <= per_core * (t.erf_cycles_per_element + 1)


class _LinearThen(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fc, self.fn = nn.Linear(16, 1024), fn

    def forward(self, x):
        return self.fn(self.fc(x))


def test_an_elementwise_kernel_costs_its_transcendental_ops_at_the_target_rates():
    """An elementwise op after a layer runs as its own kernel on the cores: one vector op per payload op,
    but exp at the target's measured rate (and a division by a constant is a multiply)."""
    torch.manual_seed(3)
    target = "aie2-2x2"
    x = torch.randn(256, 16)
    cycles = {}
    for name, fn in (("exp", torch.exp), ("abs", torch.abs), ("div", lambda y: y / 3.0)):
        model = _LinearThen(fn).eval()
        report = bsparse.compile(model, x, target=target, sparsity=None).run(x.numpy())[1]
        (layer,) = [layer for layer in report.layers if layer.kind == "elementwise"]
        assert not report.host_ops
        cycles[name] = layer.cycles
    assert cycles["exp"] > cycles["abs"]
    assert cycles["div"] == cycles["abs"]  # y / 3 is y * (1/3): one vector op
