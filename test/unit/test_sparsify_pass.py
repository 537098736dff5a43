"""bsparse-sparsify: block counts, scoring, scopes and keep rules, and every other pattern's definition, checked independently."""

import math

import numpy as np
import pytest
import torch_mlir.ir as ir

torch = pytest.importorskip("torch")
nn = torch.nn

from bsparse.errors import OptionError  # noqa: E402
from bsparse.frontend.torch import import_model  # noqa: E402
from bsparse.irutil import dense_to_numpy, numpy_to_dense  # noqa: E402
from bsparse.passes.sparsify import weight_uses  # noqa: E402
from bsparse.patterns import BlockPattern, TileWisePattern, parse_pattern  # noqa: E402
from bsparse.pipeline import run_pipeline  # noqa: E402
from irtext import ops_named, tensor  # noqa: E402
from references import gemm_view, zero_blocks  # noqa: E402


def model():
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.Conv2d(16, 32, 3, padding=1),
        nn.Flatten(), nn.Linear(32 * 4 * 4, 24),
    ).eval()


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


# ----------------------------------------------------------------------------- every other pattern
#
# The pass computes masks with the pattern's own `masks`; these tests check (1) it sees the weight the
# pattern sees (the PyTorch layout [out, in, *window], also from a [K, N] matmul and an HWCF filter,
# transposed here by hand), and (2) the result satisfies each pattern's definition, checked with
# explicit loops over the GEMM view, K ordered (*window, in): k = tap * in + c.


def check_nm(before, after, n, m):
    """At most (here exactly, all weights being nonzero) min(n, group) nonzeros in every m-group along K, the largest."""
    b, a = gemm_view(before), gemm_view(after)
    for row_b, row_a in zip(b, a):
        for start in range(0, len(row_b), m):
            group_b, group_a = np.abs(row_b[start:start + m]), row_a[start:start + m]
            kept = group_a != 0
            assert kept.sum() == min(n, len(group_b))
            assert group_b[~kept].max(initial=0) <= group_b[kept].min()
            np.testing.assert_array_equal(group_a[kept], row_b[start:start + m][kept])


def check_tiles(before, after, sparsity, tile):
    """TW: zero channels, then whole K-vectors of tiles of `tile` survivors, counts as the paper's even split."""
    b, a = gemm_view(before), gemm_view(after)
    share = 1 - math.sqrt(1 - sparsity)
    alive = a.any(axis=1)
    assert (~alive).sum() == round(share * len(a))
    rms = np.sqrt(np.mean(b ** 2, axis=1))
    assert rms[~alive].max(initial=0) <= rms[alive].min()
    channels = np.flatnonzero(alive)
    vectors = zero_vectors = 0
    for start in range(0, len(channels), tile):
        cells = a[channels[start:start + tile]] != 0
        columns = cells.any(axis=0)
        assert np.array_equal(cells, np.broadcast_to(columns, cells.shape))  # a K-vector is kept or zeroed whole
        vectors += len(columns)
        zero_vectors += int((~columns).sum())
    assert zero_vectors == round(share * vectors)


def check_tvw(before, after, sparsity, tile):
    """TVW = TW at 2s - 1 (itself checked by `check_tiles`), then in each tile 2 of every 4 consecutive kept K per channel."""
    tw = TileWisePattern(tile).prune(before, 2 * sparsity - 1)
    check_tiles(before, tw, 2 * sparsity - 1, tile)
    b, t, a = gemm_view(before), gemm_view(tw), gemm_view(after)
    assert not np.any(a[t == 0])  # only what TW kept
    channels = np.flatnonzero(t.any(axis=1))
    for start in range(0, len(channels), tile):
        rows = channels[start:start + tile]
        kept = np.flatnonzero(t[rows].any(axis=0))
        for row in rows:
            for g in range(0, len(kept), 4):
                columns = kept[g:g + 4]
                nonzero, magnitude = a[row, columns] != 0, np.abs(b[row, columns])
                assert nonzero.sum() == min(2, len(columns))
                assert magnitude[~nonzero].max(initial=0) <= magnitude[nonzero].min()


def check_gs(before, after, sparsity, banks):
    """Every (row, bank k mod B) keeps the same n = round((1 - s) ceil(K / B)) largest |w|."""
    b, a = gemm_view(before), gemm_view(after)
    k = b.shape[1]
    n = round((1 - sparsity) * -(-k // banks))
    for row_b, row_a in zip(b, a):
        for bank in range(banks):
            values, kept = np.abs(row_b[bank::banks]), row_a[bank::banks] != 0
            assert kept.sum() == min(n, len(values))
            assert values[~kept].max(initial=0) <= values[kept].min(initial=np.inf)


def check_unstructured(before, after, sparsity):
    kept = after != 0
    assert (~kept).sum() == round(sparsity * after.size)
    assert np.abs(before[~kept]).max() <= np.abs(before[kept]).min()


CHECKS = {
    "unstructured": (0.5, lambda b, a: check_unstructured(b, a, 0.5)),
    "nm:2:4": (0.5, lambda b, a: check_nm(b, a, 2, 4)),
    "nm:1:4": (0.75, lambda b, a: check_nm(b, a, 1, 4)),
    "nm:2:8": (0.75, lambda b, a: check_nm(b, a, 2, 8)),
    "tw:8": (0.5, lambda b, a: check_tiles(b, a, 0.5, 8)),
    "tvw:8": (0.75, lambda b, a: check_tvw(b, a, 0.75, 8)),
    "gs:8": (0.5, lambda b, a: check_gs(b, a, 0.5, 8)),
    "gs:4": (0.75, lambda b, a: check_gs(b, a, 0.75, 4)),
}


@pytest.mark.parametrize("text", list(CHECKS))
def test_pattern_prunes_the_pytorch_weights_as_the_pattern_does(ctx, text):
    sparsity, check = CHECKS[text]
    m = model()
    module = import_model(m, torch.randn(1, 3, 4, 4), context=ctx)
    before = {label: getattr(m, label).weight.detach().numpy() for label in ("0", "2", "4")}
    run_pipeline(module, f"bsparse-sparsify{{pattern={text} sparsity={sparsity}}}")
    after = weights(module)
    pattern = parse_pattern(text)
    for label in ("0", "2", "4"):  # the stem 16x3x3x3 (K = 27) fits every pattern here
        assert after[label].shape == before[label].shape
        np.testing.assert_array_equal(after[label], pattern.prune(before[label], sparsity))
        check(before[label], after[label])


def matmul_and_conv_text(b_kn: np.ndarray, filter_hwcf: np.ndarray) -> str:
    """A [K, N] linalg.matmul constant and a conv_2d_nhwc_hwcf filter: both layouts differ from [out, in, *window]."""
    kh, kw, cin, cout = filter_hwcf.shape
    k, n = b_kn.shape
    return f"""
    func.func @matmul(%x: {tensor((2, k))}) -> {tensor((2, n))} {{
      %w = arith.constant {numpy_to_dense(b_kn)}
      %z = arith.constant dense<0.0> : {tensor((2, n))}
      %y = linalg.matmul ins(%x, %w : {tensor((2, k))}, {tensor((k, n))}) outs(%z : {tensor((2, n))}) -> {tensor((2, n))}
      return %y : {tensor((2, n))}
    }}
    func.func @conv(%x: {tensor((1, 6, 6, cin))}) -> {tensor((1, 6 - kh + 1, 6 - kw + 1, cout))} {{
      %w = arith.constant {numpy_to_dense(filter_hwcf)}
      %z = arith.constant dense<0.0> : {tensor((1, 6 - kh + 1, 6 - kw + 1, cout))}
      %y = linalg.conv_2d_nhwc_hwcf {{dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}}
        ins(%x, %w : {tensor((1, 6, 6, cin))}, {tensor(filter_hwcf.shape)}) outs(%z : {tensor((1, 6 - kh + 1, 6 - kw + 1, cout))})
        -> {tensor((1, 6 - kh + 1, 6 - kw + 1, cout))}
      return %y : {tensor((1, 6 - kh + 1, 6 - kw + 1, cout))}
    }}"""


def constants(module) -> list[np.ndarray]:
    """The non-splat weight constants, in program order, in their own layouts."""
    return [dense_to_numpy(op.attributes["value"]) for op in ops_named(module, "arith.constant")
            if not ir.DenseElementsAttr(op.attributes["value"]).is_splat]


@pytest.mark.parametrize("text", list(CHECKS))
def test_pattern_sees_the_logical_weight_of_kn_matmuls_and_hwcf_convs(ctx, text):
    sparsity, check = CHECKS[text]
    rng = np.random.default_rng(7)
    b_kn = rng.standard_normal((48, 16)).astype(np.float32)  # logical weight: its transpose, [16 out, 48 in]
    hwcf = rng.standard_normal((3, 3, 8, 16)).astype(np.float32)  # logical: [16 out, 8 in, 3, 3]
    module = ir.Module.parse(matmul_and_conv_text(b_kn, hwcf))
    run_pipeline(module, f"bsparse-sparsify{{pattern={text} sparsity={sparsity}}}")
    after_kn, after_hwcf = constants(module)
    pattern = parse_pattern(text)
    for before, after in ((b_kn.T, after_kn.T), (hwcf.transpose(3, 2, 0, 1), after_hwcf.transpose(3, 2, 0, 1))):
        np.testing.assert_array_equal(after, pattern.prune(before, sparsity))
        check(before, after)


def test_nm_groups_run_over_input_channels_of_one_tap():
    """The GEMM view the checks use: K = (tap, channel), channel fastest (ASP's order for convolutions)."""
    weight = np.arange(2 * 3 * 2 * 1, dtype=float).reshape(2, 3, 2, 1) + 1  # [out 2, in 3, 2x1 window]
    assert gemm_view(weight)[0].tolist() == [1, 3, 5, 2, 4, 6]


def test_global_scope_of_unstructured_ranks_all_layers_together(ctx):
    m = model()
    module = import_model(m, torch.randn(1, 3, 4, 4), context=ctx)
    before = {label: getattr(m, label).weight.detach().numpy() for label in ("0", "2", "4")}
    run_pipeline(module, "bsparse-sparsify{pattern=unstructured sparsity=0.6 scope=global}")
    after = weights(module)
    every_before = np.concatenate([before[label].ravel() for label in before])
    every_after = np.concatenate([after[label].ravel() for label in before])
    kept = every_after != 0
    assert (~kept).sum() == round(0.6 * every_after.size)
    assert np.abs(every_before[~kept]).max() <= np.abs(every_before[kept]).min()
    fractions = [np.mean(after[label] == 0) for label in before]
    assert max(fractions) - min(fractions) > 0.05  # not per layer: the layers end at different sparsities


def test_global_scope_of_tw_ranks_channels_and_vectors_of_all_layers(ctx):
    m = model()
    module = import_model(m, torch.randn(1, 3, 4, 4), context=ctx)
    before = {label: getattr(m, label).weight.detach().numpy() for label in ("0", "2", "4")}
    run_pipeline(module, "bsparse-sparsify{pattern=tw:8 sparsity=0.5 scope=global}")
    after = weights(module)
    share = 1 - math.sqrt(0.5)
    rms = np.concatenate([np.sqrt(np.mean(gemm_view(before[label]) ** 2, axis=1)) for label in before])
    alive = np.concatenate([gemm_view(after[label]).any(axis=1) for label in before])
    assert (~alive).sum() == round(share * len(alive))  # one ranking of all 72 channels
    assert rms[~alive].max() <= rms[alive].min()
    vectors = zero_vectors = 0
    for label in before:
        a = gemm_view(after[label])
        channels = np.flatnonzero(a.any(axis=1))
        for start in range(0, len(channels), 8):
            cells = a[channels[start:start + 8]] != 0
            columns = cells.any(axis=0)
            assert np.array_equal(cells, np.broadcast_to(columns, cells.shape))
            vectors, zero_vectors = vectors + len(columns), zero_vectors + int((~columns).sum())
    assert zero_vectors == round(share * vectors)
    masks = parse_pattern("tw:8").masks(list(before.values()), 0.5, "global")
    for label, mask in zip(before, masks):
        np.testing.assert_array_equal(after[label], np.where(mask, before[label], 0))


def test_global_block_scope_equals_the_patterns_masks(ctx):
    m = model()
    module = import_model(m, torch.randn(1, 3, 4, 4), context=ctx)
    before = {label: getattr(m, label).weight.detach().numpy() for label in ("2", "4")}  # the stem is kept small
    run_pipeline(module, "bsparse-sparsify{pattern=block:4x8 sparsity=0.5 scope=global}")
    after = weights(module)
    masks = BlockPattern(4, 8).masks(list(before.values()), 0.5, "global")
    for label, mask in zip(before, masks):
        np.testing.assert_array_equal(after[label], np.where(mask, before[label], 0))
    counts = [zero_blocks(after[label], 4, 8) for label in before]
    assert sum(z for z, _ in counts) == round(0.5 * sum(t for _, t in counts))


@pytest.mark.parametrize(("options", "stem_pruned"), [("", False), ("keep-small=false", True)])
def test_keep_small_keeps_the_layers_the_pattern_does_not_fit(ctx, options, stem_pruned):
    m = model()
    module = import_model(m, torch.randn(1, 3, 4, 4), context=ctx)
    stem = m[0].weight.detach().numpy()
    run_pipeline(module, f"bsparse-sparsify{{pattern=block:4x8 sparsity=0.5 {options}}}")  # stem: 3 < 8 inputs
    after = weights(module)
    if stem_pruned:  # its edge blocks are pruned like any others
        np.testing.assert_array_equal(after["0"], BlockPattern(4, 8).prune(stem, 0.5))
        assert np.count_nonzero(after["0"]) < np.count_nonzero(stem)
    else:
        np.testing.assert_array_equal(after["0"], stem)


@pytest.mark.parametrize(("options", "message"), [
    ("pattern=nm:2:4 sparsity=0.75", "pass 'bsparse-sparsify': nm:2:4 has sparsity 0.5; use nm:1:4 for 0.75"),
    ("pattern=nm:2:4 sparsity=0.3", "nm:2:4 has sparsity 0.5"),
    ("pattern=nm:2:4 scope=global", "nm:2:4 cannot prune with scope=global"),
    ("pattern=gs:8 scope=global", "gs:8 cannot prune with scope=global"),
    ("pattern=tvw:8 sparsity=0.3", "tvw needs sparsity >= 0.5"),
    ("pattern=nm:4:2", "invalid value for option 'pattern' of pass 'bsparse-sparsify': nm pattern needs 1 <= N <= M"),
    ("pattern=unstructured:3", "unstructured pattern takes no parameters"),
    ("pattern=tile:8", "unknown sparsity pattern 'tile'"),
])
def test_options_a_pattern_cannot_take_are_option_errors(ctx, options, message):
    module = import_model(model(), torch.randn(1, 3, 4, 4), context=ctx)
    with pytest.raises(OptionError) as info:
        run_pipeline(module, f"bsparse-sparsify{{{options}}}")
    assert message in str(info.value)


@pytest.mark.parametrize("pattern", ["nm:2:4", "tvw:8", "gs:8", "unstructured"])
def test_sparsity_zero_is_dense_whatever_the_pattern(ctx, pattern):
    """A dense baseline keeps its pattern option: nm:2:4 or tvw cannot prune to 0, so 0 prunes nothing."""
    m = model()
    module = import_model(m, torch.randn(1, 3, 4, 4), context=ctx)
    run_pipeline(module, f"bsparse-sparsify{{pattern={pattern} sparsity=0}}")
    for label, weight in weights(module).items():
        np.testing.assert_array_equal(weight, getattr(m, label).weight.detach().numpy())


def test_gs_keeps_the_same_count_in_every_bank_of_a_conv(ctx):
    m = model()
    module = import_model(m, torch.randn(1, 3, 4, 4), context=ctx)
    stem = m[0].weight.detach().numpy()
    run_pipeline(module, "bsparse-sparsify{pattern=gs:32 sparsity=0.5}")
    after = weights(module)
    np.testing.assert_array_equal(after["0"], stem)  # K = 27 < 32 banks: gs does not fit the stem, kept dense
    # K = 144 over 32 banks: ceil(144 / 32) = 5 slots, n = round(2.5) = 2 kept in each of the 32 banks
    assert np.count_nonzero(after["2"].reshape(32, -1), axis=1).tolist() == [32 * 2] * 32
