"""Whole networks on the array: compiled dense, run exactly against PyTorch, with what stays on the host
small and listed with its reasons (issue: whole networks on the array)."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import bsparse  # noqa: E402
from bsparse import models  # noqa: E402
from bsparse.dtypes import COSTED_DTYPES  # noqa: E402

HOST_SHARE = 0.05
"""The most of a network's cycles that ops left on the host may take."""


@pytest.mark.parametrize("name, target, options", [
    ("mobilenet_v2", "aie2-4x4", {}),
    ("bert_base", "aie2-ve2802", {"layers": 2}),  # two of the twelve layers: the suite's time
    ("gpt2_small", "aie2-ve2802", {"layers": 2}),
    ("vit_b16", "aie2-ve2802", {"layers": 2}),
    ("jasper_like", "aie2-4x4", {"blocks": ((64, 11), (96, 13)), "repeat": 2, "frames": 256}),  # two narrow blocks
])
def test_network_runs_exactly_with_little_left_on_the_host(name, target, options):
    model, x = models.get(name, **options), models.example_input(name)
    program = bsparse.compile(model, x, target=target, sparsity=None)
    (y,), report = program.run(x.numpy())
    want = model(x).detach().numpy()
    assert y.shape == want.shape
    assert np.abs(y - want).max() <= 1e-4 * np.abs(want).max()
    host = sum(layer.cycles for layer in report.host_ops)
    assert host <= HOST_SHARE * report.total_cycles, report.host_summary()
    assert all(layer.reason for layer in report.host_ops)
    activations = {name: sum(isinstance(m, cls) for m in model.modules())
                   for name, cls in (("relu6", torch.nn.ReLU6), ("relu", torch.nn.ReLU), ("gelu", torch.nn.GELU))}
    packed = program.stages["packed"]
    for name, count in activations.items():  # every activation module folded into its layer
        assert packed.count(f'activation = "{name}"') == count


def test_recurrent_weights_are_pruned_and_packed_once_for_every_time_step():
    """A GNMT-like LSTM translator, unrolled: each recurrent weight is one constant read at every step,
    pruned once and stored once, and the program computes the pruned model exactly."""
    model = models.get("gnmt_like", vocab=100, hidden=32, layers=3, source=6)
    tokens = torch.randint(0, 100, (1, 12), generator=torch.Generator().manual_seed(0))
    program = bsparse.compile(model, tokens, target="aie2-4x4", sparsity=0.5)
    # encoder and decoder: 3 layers x (input, recurrent) weights; the attention combination; the classifier
    assert program.stages["packed"].count('"bsparse.packed_weight"') == 2 * 3 * 2 + 2
    (y,), report = program.run(tokens.numpy())
    (want,), _ = program.run(tokens.numpy(), stage="sparsified")  # the pruned linalg program
    assert np.abs(y - want).max() <= 1e-5 * np.abs(want).max()
    # the packed ones (the attention's activation-by-activation matmuls run dense on the array too)
    steps = [layer for layer in report.layers if layer.kind == "matmul" and not layer.reason
             and layer.macs < layer.macs_dense]
    assert len(steps) == 2 * 6 * 3 * 2 + 2  # a matmul per weight per time step, all on the array
    assert all(layer.reason for layer in report.host_ops)
    # Read from DDR once per sequence: each LSTM weight is staged in the memory tiles once (its stored
    # half of the blocks, plus their index), and a time step's matmul reads at most its bias from DDR
    # (and at the first step the zero initial state, a constant).
    width = COSTED_DTYPES[report.dtype]
    lstm = [p for name, p in model.named_parameters() if name.startswith(("encoder.weight", "decoder.weight"))]
    stored = sum(p.numel() // 2 for p in lstm) * width
    staged = sum(layer.weight_traffic for layer in report.layers if layer.kind == "stage")
    assert stored <= staged <= 1.25 * stored
    per_step = sorted(layer.weight_traffic for layer in steps)[: 2 * 6 * 3 * 2]
    assert max(per_step) <= (4 * 32 + 32) * width  # the gates' bias (4 x hidden), the zero first state
