"""Weights read by several ops: a module called twice (one constant, two matmuls) is pruned once and
packed once; a weight tied to an embedding (GPT-2's lm_head) or read transposed by another layer is
left dense with a located warning saying why. Outputs checked against PyTorch."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
nn = torch.nn

import bsparse  # noqa: E402
from bsparse.errors import BsparseWarning  # noqa: E402
from bsparse.patterns import BlockPattern  # noqa: E402
from references import relative_error  # noqa: E402

TARGET = "aie2-2x2"


class Twice(nn.Module):
    """One Linear applied twice: its weight is one constant read by two matmuls."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(32, 32)

    def forward(self, x):
        return self.fc(torch.relu(self.fc(x)))


class TiedHead(nn.Module):
    """An embedding whose table is also the output projection (tied lm_head)."""

    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(64, 32)
        self.body = nn.Linear(32, 32)
        self.head = nn.Linear(32, 64, bias=False)
        self.head.weight = self.emb.weight

    def forward(self, tokens):
        return self.head(torch.relu(self.body(self.emb(tokens))))


class Transposed(nn.Module):
    """A tied autoencoder: the decoder reads the encoder's weight transposed."""

    def __init__(self):
        super().__init__()
        self.enc = nn.Linear(32, 16, bias=False)

    def forward(self, x):
        return nn.functional.linear(torch.relu(self.enc(x)), self.enc.weight.t())


def test_a_module_called_twice_is_pruned_once_and_packed_once():
    torch.manual_seed(0)
    model = Twice().eval()
    x = torch.randn(4, 32)
    program = bsparse.compile(model, x, target=TARGET, sparsity=0.5)
    assert program.stages["packed"].count('"bsparse.packed_weight"') == 1
    (y,), report = program.run(x.numpy())
    layers = [layer for layer in report.layers if layer.kind == "matmul"]
    assert len(layers) == 2 and all(layer.macs * 2 == layer.macs_dense for layer in layers)
    with torch.no_grad():  # the reference: the same weight pruned once, read by both calls
        model.fc.weight.copy_(torch.from_numpy(BlockPattern(8, 8).prune(model.fc.weight.numpy(), 0.5)))
    assert relative_error(y, model(x).detach().numpy()) <= 1e-4


def test_a_weight_tied_to_an_embedding_stays_dense_and_says_why():
    torch.manual_seed(1)
    model = TiedHead().eval()
    tokens = torch.randint(0, 64, (1, 16))
    with pytest.warns(BsparseWarning, match=r"layer 'head' \(linalg.matmul\): weight not pruned: its constant is "
                                            r"also read by layer 'emb' \(linalg.generic\).*tied"):
        program = bsparse.compile(model, tokens, target=TARGET, sparsity=0.5)
    (y,), report = program.run(tokens.numpy())
    density = {layer.name: layer.macs / layer.macs_dense for layer in report.layers if layer.kind == "matmul"}
    assert density == {"body": 0.5, "head": 1.0}
    with torch.no_grad():
        model.body.weight.copy_(torch.from_numpy(BlockPattern(8, 8).prune(model.body.weight.numpy(), 0.5)))
    assert relative_error(y, model(tokens).detach().numpy()) <= 1e-4


def test_a_weight_read_transposed_by_another_layer_stays_dense_and_says_why():
    torch.manual_seed(2)
    model = Transposed().eval()
    x = torch.randn(4, 32)
    with pytest.warns(BsparseWarning, match="weight not pruned: its constant is read as a different weight"):
        program = bsparse.compile(model, x, target=TARGET, sparsity=0.5)
    (y,), report = program.run(x.numpy())
    assert all(layer.macs == layer.macs_dense for layer in report.layers if layer.kind == "matmul")
    assert relative_error(y, model(x).detach().numpy()) <= 1e-4
