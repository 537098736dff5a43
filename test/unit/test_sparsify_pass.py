"""bsparse-sparsify: block counts, scoring, scopes and keep rules, checked independently."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
nn = torch.nn

from bsparse.errors import OptionError  # noqa: E402
from bsparse.frontend.torch import import_model  # noqa: E402
from bsparse.passes.sparsify import weight_uses  # noqa: E402
from bsparse.pipeline import run_pipeline  # noqa: E402


def model():
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.Conv2d(16, 32, 3, padding=1),
        nn.Flatten(), nn.Linear(32 * 4 * 4, 24),
    ).eval()


def zero_blocks(weight, r=8, c=8):
    """Counts all-zero r x c blocks by explicit loops (edge blocks partial)."""
    out, inp = weight.shape[:2]
    zero = total = 0
    for i in range(0, out, r):
        for j in range(0, inp, c):
            total += 1
            zero += not np.any(weight[i : i + r, j : j + c])
    return zero, total


def weights(module):
    return {label: use.logical() for label, use in weight_uses(module.operation)}


def test_per_layer_sparsity_zeroes_the_smallest_blocks(ctx):
    m = model()
    module = import_model(m, torch.randn(1, 3, 4, 4), context=ctx)
    before = weights(module)
    run_pipeline(module, "bsparse-sparsify{sparsity=0.5}")
    after = weights(module)
    assert zero_blocks(after["0"]) == (0, 2)  # 16x3 stem cannot hold an 8x8 block: kept dense
    np.testing.assert_array_equal(after["0"], before["0"])
    for label in ("2", "4"):
        zero, total = zero_blocks(after[label])
        assert zero == round(0.5 * total)
        kept = after[label] != 0
        np.testing.assert_array_equal(after[label][kept], before[label][kept])
        # every zeroed block had a score no larger than any kept block's
        norms = lambda w, mask: [np.sqrt(np.mean(w[i:i + 8, j:j + 8] ** 2)) for i in range(0, w.shape[0], 8) for j in range(0, w.shape[1], 8) if mask(w[i:i + 8, j:j + 8])]  # noqa: E731
        pruned = [n for n, a in zip(norms(before[label], lambda b: True), norms(after[label], lambda b: True)) if a == 0]
        survived = [n for n, a in zip(norms(before[label], lambda b: True), norms(after[label], lambda b: True)) if a != 0]
        assert max(pruned) <= min(survived)


def test_global_scope_hits_the_overall_fraction(ctx):
    module = import_model(model(), torch.randn(1, 3, 4, 4), context=ctx)
    run_pipeline(module, "bsparse-sparsify{sparsity=0.75 scope=global}")
    after = weights(module)
    counts = [zero_blocks(after[label]) for label in ("2", "4")]
    assert sum(z for z, _ in counts) == round(0.75 * sum(t for _, t in counts))


def test_keep_names_a_layer_dense(ctx):
    module = import_model(model(), torch.randn(1, 3, 4, 4), context=ctx)
    run_pipeline(module, "bsparse-sparsify{sparsity=0.5 keep=4}")
    after = weights(module)
    assert zero_blocks(after["4"])[0] == 0 and zero_blocks(after["2"])[0] > 0


def test_unknown_keep_name_is_an_error(ctx):
    import torch_mlir.ir as ir

    module = import_model(model(), torch.randn(1, 3, 4, 4), context=ctx)
    with pytest.raises(ir.MLIRError, match="keep names unknown layer"):
        run_pipeline(module, "bsparse-sparsify{keep=nope}")


def test_out_of_range_sparsity_is_rejected(ctx):
    module = import_model(model(), torch.randn(1, 3, 4, 4), context=ctx)
    with pytest.raises(OptionError, match="not in"):
        run_pipeline(module, "bsparse-sparsify{sparsity=1.7}")
