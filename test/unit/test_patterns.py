"""Pruning definitions of every pattern, checked against loop references written from PATTERNS.md."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bsparse.errors import OptionError
from bsparse.patterns import (
    PATTERNS,
    BlockPattern,
    GatherScatterPattern,
    NMPattern,
    TileVectorWisePattern,
    TileWisePattern,
    UnstructuredPattern,
    parse_pattern,
)
from bsparse.patterns.gemm import from_gemm, to_gemm
from references import gemm_view

SPARSITIES = [0.0, 0.25, 0.5, 0.75, 0.9]
WINDOWS = [(), (1, 1), (3, 3), (1, 3), (2,)]


# ---------------------------------------------------------------- references


def unit_score(values, score):
    values = np.asarray(values, dtype=np.float64)
    return math.sqrt(np.mean(values**2)) if score == "l2" else float(np.mean(np.abs(values)))


def lowest(scored, count):
    """Keys of the `count` lowest-scoring (score, key) pairs."""
    return {key for _, key in sorted(scored, key=lambda pair: pair[0])[:count]}


def pruned_units(scored, share, scope):
    """Keys of the ``round(share * n)`` lowest (score, (layer, ...)) units of each layer, or of all (global)."""
    if scope == "global":
        return lowest(scored, round(share * len(scored)))
    pruned = set()
    for layer in {key[0] for _, key in scored}:
        part = [unit for unit in scored if unit[1][0] == layer]
        pruned |= lowest(part, round(share * len(part)))
    return pruned


def reference_tw(mats, sparsity, tile, scope, score):
    """TW by loops: (masks [out, K], tiles [(channels, kept_k)]) per matrix."""
    share = 1.0 - math.sqrt(1.0 - sparsity)
    channels = [(unit_score(m[o], score), (i, o)) for i, m in enumerate(mats) for o in range(m.shape[0])]
    pruned = pruned_units(channels, share, scope)
    tiles = []
    for i, m in enumerate(mats):
        survivors = [o for o in range(m.shape[0]) if (i, o) not in pruned]
        tiles.append([survivors[j : j + tile] for j in range(0, len(survivors), tile)])
    vectors = [
        (unit_score(m[ch, k], score), (i, t, k))
        for i, m in enumerate(mats) for t, ch in enumerate(tiles[i]) for k in range(m.shape[1])
    ]
    dropped = pruned_units(vectors, share, scope)
    masks, structure = [], []
    for i, m in enumerate(mats):
        mask = np.zeros(m.shape, bool)
        layer = []
        for t, ch in enumerate(tiles[i]):
            kept = [k for k in range(m.shape[1]) if (i, t, k) not in dropped]
            for o in ch:
                mask[o, kept] = True
            layer.append((ch, kept))
        masks.append(mask)
        structure.append(layer)
    return masks, structure


def reference_group_keep(values, n, m):
    """For one sequence: keep the n largest |v| of every m consecutive (last group min(n, len))."""
    keep = np.zeros(len(values), bool)
    for start in range(0, len(values), m):
        group = list(range(start, min(start + m, len(values))))
        for j in sorted(group, key=lambda j: -abs(values[j]))[:n]:
            keep[j] = True
    return keep


def random_weight(rng, out, inp, window, dtype=np.float32):
    return rng.standard_normal((out, inp, *window)).astype(dtype)


def assert_prune_consistent(pattern, weight, sparsity, mask, score="l2"):
    pruned = pattern.prune(weight, sparsity, score)
    assert pruned.dtype == weight.dtype and pruned.shape == weight.shape
    np.testing.assert_array_equal(pruned, np.where(mask, weight, 0))


shapes = st.tuples(st.integers(1, 20), st.integers(1, 20), st.sampled_from(WINDOWS))
seeds = st.integers(0, 2**31 - 1)


# ---------------------------------------------------------------- GEMM view


def test_gemm_k_order_on_a_hand_example():
    # w[o, c, 0, t] = 100 o + 10 c + t: K runs over (tap, channel), channel fastest
    weight = np.array([[[[100 * o + 10 * c + t for t in range(2)]] for c in range(3)] for o in range(2)])
    assert weight.shape == (2, 3, 1, 2)
    assert to_gemm(weight).tolist() == [[0, 10, 20, 1, 11, 21], [100, 110, 120, 101, 111, 121]]


def test_gemm_of_a_matmul_weight_is_itself():
    weight = np.arange(12).reshape(3, 4)
    np.testing.assert_array_equal(to_gemm(weight), weight)


@settings(max_examples=60, deadline=None)
@given(shapes, seeds)
def test_gemm_round_trip_and_loop_order(shape, seed):
    out, inp, window = shape
    weight = random_weight(np.random.default_rng(seed), out, inp, window)
    matrix = to_gemm(weight)
    np.testing.assert_array_equal(matrix, gemm_view(weight))
    np.testing.assert_array_equal(from_gemm(matrix, weight.shape), weight)
    np.testing.assert_array_equal(from_gemm(to_gemm(weight != 0), weight.shape), weight != 0)


# ---------------------------------------------------------------- pattern strings


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("unstructured", UnstructuredPattern()),
        ("nm", NMPattern(2, 4)),
        ("nm:1:4", NMPattern(1, 4)),
        ("nm: 4 : 8", NMPattern(4, 8)),
        ("tw", TileWisePattern(128)),
        ("tw:64", TileWisePattern(64)),
        ("tvw", TileVectorWisePattern(128)),
        ("tvw:32", TileVectorWisePattern(32)),
        ("gs", GatherScatterPattern(8)),
        ("gs:4", GatherScatterPattern(4)),
        ("block", BlockPattern(8, 8)),
    ],
)
def test_parse_pattern(text, expected):
    pattern = parse_pattern(text)
    assert pattern == expected
    assert parse_pattern(str(pattern)) == pattern


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 300), st.integers(1, 300))
def test_pattern_strings_round_trip(a, b):
    patterns = NMPattern(min(a, b), max(a, b)), TileWisePattern(a), TileVectorWisePattern(b), GatherScatterPattern(a), BlockPattern(a, b)
    for pattern in patterns:
        assert parse_pattern(str(pattern)) == pattern


def test_registry_names_match_classes():
    assert set(PATTERNS) == {"block", "unstructured", "nm", "tw", "tvw", "gs"}
    assert all(cls.NAME == name for name, cls in PATTERNS.items())


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("unstructured:1", "unstructured pattern takes no parameters.*got 'unstructured:1'"),
        ("nm:2", "expects 'nm:N:M'.*got 'nm:2'"),
        ("nm:5:4", "1 <= N <= M, got nm:5:4"),
        ("nm:0:4", "1 <= N <= M, got nm:0:4"),
        ("nm:a:b", "got 'nm:a:b'"),
        ("nm:2:4:8", "got 'nm:2:4:8'"),
        ("tw:0", "tile size must be positive, got tw:0"),
        ("tw:x", "expects 'tw' or 'tw:G'.*got 'tw:x'"),
        ("tvw:-1", "expects 'tvw' or 'tvw:G'.*got 'tvw:-1'"),
        ("gs:0", "bank count must be positive, got gs:0"),
        ("gs:2:3", "expects 'gs' or 'gs:B'.*got 'gs:2:3'"),
        ("sparse", "unknown sparsity pattern 'sparse'"),
    ],
)
def test_parse_pattern_errors_say_what_is_expected(text, message):
    with pytest.raises(OptionError, match=message):
        parse_pattern(text)


def test_fixed_sparsity():
    assert NMPattern(2, 4).fixed_sparsity == 0.5
    assert NMPattern(1, 4).fixed_sparsity == 0.75
    assert NMPattern(3, 3).fixed_sparsity == 0.0
    for text in ("block", "unstructured", "tw", "tvw", "gs"):
        assert parse_pattern(text).fixed_sparsity is None


@pytest.mark.parametrize(
    ("text", "shape", "fits"),
    [
        ("unstructured", (1, 1), True),
        ("nm:2:4", (5, 3), False),
        ("nm:2:4", (5, 1, 2, 2), True),
        ("nm:2:4", (5, 4), True),
        ("tw:128", (1, 1), True),
        ("tw:128", (3, 1, 3, 3), True),
        ("tvw:128", (2, 3), False),
        ("tvw:128", (2, 1, 2, 2), True),
        ("gs:8", (4, 7), False),
        ("gs:8", (4, 2, 2, 2), True),
        ("block:8x8", (8, 3, 3, 3), False),
        ("block:8x8", (8, 8), True),
    ],
)
def test_fits(text, shape, fits):
    assert parse_pattern(text).fits(shape) is fits


# ---------------------------------------------------------------- option errors


@pytest.mark.parametrize("text", ["unstructured", "nm:2:4", "tw:4", "tvw:4", "gs:4", "block:2x2"])
@pytest.mark.parametrize(("sparsity", "scope", "score", "message"), [
    (1.5, "layer", "l2", "sparsity must be a fraction in \\[0, 1\\], got 1.5"),
    (-0.1, "layer", "l2", "got -0.1"),
    (0.5, "model", "l2", "unknown pruning scope 'model'"),
    (0.5, "layer", "linf", "unknown .*score 'linf'"),
])
def test_bad_options_are_option_errors(text, sparsity, scope, score, message):
    weight = np.random.default_rng(0).standard_normal((8, 8)).astype(np.float32)
    with pytest.raises(OptionError, match=message):
        parse_pattern(text).masks([weight], sparsity, scope, score)


@pytest.mark.parametrize(
    ("pattern", "sparsity", "message"),
    [
        (NMPattern(2, 4), 0.75, "nm:2:4 has sparsity 0.5; use nm:1:4 for 0.75"),
        (NMPattern(2, 4), 0.25, "nm:2:4 has sparsity 0.5; use nm:3:4 for 0.25"),
        (NMPattern(1, 4), 0.5, "nm:1:4 has sparsity 0.75; use nm:2:4 for 0.5"),
        (NMPattern(2, 4), 0.9, "use nm:1:10 for 0.9"),
        (NMPattern(2, 4), 1.0, "no N:M"),
    ],
)
def test_nm_rejects_other_sparsities_and_suggests_one(pattern, sparsity, message):
    with pytest.raises(OptionError, match=message):
        pattern.masks([np.ones((4, 8))], sparsity)


@pytest.mark.parametrize("pattern", [NMPattern(2, 4), GatherScatterPattern(4)])
def test_per_group_patterns_reject_global_scope(pattern):
    with pytest.raises(OptionError, match="scope=global.*per .*use scope=layer"):
        pattern.masks([np.ones((4, 8))], 0.5, "global")


@pytest.mark.parametrize("sparsity", [0.0, 0.25, 0.49])
def test_tvw_needs_half_sparsity(sparsity):
    with pytest.raises(OptionError, match="tvw needs sparsity >= 0.5: its 2:4 step alone removes half"):
        TileVectorWisePattern(4).masks([np.ones((4, 8))], sparsity)


# ---------------------------------------------------------------- unstructured


@settings(max_examples=80, deadline=None)
@given(shapes, st.sampled_from(SPARSITIES), seeds)
def test_unstructured_zeroes_exactly_the_smallest(shape, sparsity, seed):
    weight = random_weight(np.random.default_rng(seed), *shape)
    mask = UnstructuredPattern().masks([weight], sparsity)[0]
    assert mask.dtype == bool and mask.shape == weight.shape
    assert (~mask).sum() == round(sparsity * weight.size)
    if mask.any() and not mask.all():
        assert np.abs(weight[~mask]).max() <= np.abs(weight[mask]).min()
    assert_prune_consistent(UnstructuredPattern(), weight, sparsity, mask)


@settings(max_examples=40, deadline=None)
@given(st.lists(shapes, min_size=1, max_size=3), st.sampled_from(SPARSITIES), seeds)
def test_unstructured_global_ranks_all_elements_together(layer_shapes, sparsity, seed):
    rng = np.random.default_rng(seed)
    weights = [random_weight(rng, *s) * rng.uniform(0.1, 10) for s in layer_shapes]
    masks = UnstructuredPattern().masks(weights, sparsity, "global")
    total = sum(w.size for w in weights)
    assert sum((~m).sum() for m in masks) == round(sparsity * total)
    kept = np.concatenate([np.abs(w[m]) for w, m in zip(weights, masks)])
    pruned = np.concatenate([np.abs(w[~m]) for w, m in zip(weights, masks)])
    if kept.size and pruned.size:
        assert pruned.max() <= kept.min()


@pytest.mark.parametrize("shape", [(2, 3), (16, 64)])
def test_unstructured_ties_prune_earlier_positions_first(shape):
    mask = UnstructuredPattern().masks([np.ones(shape)], 0.5)[0]
    assert not mask[: shape[0] // 2].any() and mask[shape[0] // 2 :].all()


def test_global_ties_prune_the_earlier_layer_first():
    masks = UnstructuredPattern().masks([np.ones((4, 8)), np.ones((4, 8))], 0.5, "global")
    assert not masks[0].any() and masks[1].all()
    masks = BlockPattern(2, 2).masks([np.ones((4, 8)), np.ones((4, 8))], 0.5, "global")
    assert not masks[0].any() and masks[1].all()


# ---------------------------------------------------------------- N:M


nm_params = st.integers(1, 8).flatmap(lambda m: st.tuples(st.integers(1, m), st.just(m)))


@settings(max_examples=150, deadline=None)
@given(shapes, nm_params, seeds)
def test_nm_keeps_the_n_largest_of_every_m_group(shape, nm, seed):
    n, m = nm
    weight = random_weight(np.random.default_rng(seed), *shape)
    pattern = NMPattern(n, m)
    mask = pattern.masks([weight], 1 - n / m)[0]
    rows, keep = gemm_view(weight), gemm_view(mask)
    for row, kept in zip(rows, keep):
        for start in range(0, len(row), m):
            group, group_kept = row[start : start + m], kept[start : start + m]
            assert group_kept.sum() == min(n, len(group))  # at most N in every M, exactly N where it can
            if group_kept.any() and not group_kept.all():
                assert np.abs(group[~group_kept]).max() <= np.abs(group[group_kept]).min()
    assert_prune_consistent(pattern, weight, 1 - n / m, mask)


def test_nm_groups_run_along_input_channels_of_one_tap():
    # conv [1, 4, 1, 2]: K = (tap 0: c0..c3, tap 1: c0..c3); 2:4 keeps 2 channels per tap
    weight = np.zeros((1, 4, 1, 2))
    weight[0, :, 0, 0] = [1, 5, 2, 6]
    weight[0, :, 0, 1] = [9, 1, 8, 2]
    mask = NMPattern(2, 4).masks([weight], 0.5)[0]
    assert mask[0, :, 0, 0].tolist() == [False, True, False, True]
    assert mask[0, :, 0, 1].tolist() == [True, False, True, False]


def test_nm_short_last_group_keeps_min_n_and_length():
    weight = np.array([[1.0, 2, 3, 4, 5, 6]])
    assert NMPattern(3, 4).masks([weight], 0.25)[0].tolist() == [[False, True, True, True, True, True]]
    assert NMPattern(1, 4).masks([weight], 0.75)[0].tolist() == [[False, False, False, True, False, True]]


def test_nm_ties_prune_earlier_positions_first():
    assert NMPattern(2, 4).masks([np.ones((1, 4))], 0.5)[0].tolist() == [[False, False, True, True]]


# ---------------------------------------------------------------- TW


tile_sizes = st.integers(1, 9)
scores = st.sampled_from(["l2", "l1"])


@settings(max_examples=150, deadline=None)
@given(shapes, tile_sizes, st.sampled_from(SPARSITIES), scores, seeds)
def test_tw_matches_the_definition(shape, tile, sparsity, score, seed):
    weight = random_weight(np.random.default_rng(seed), *shape)
    pattern = TileWisePattern(tile)
    mask = pattern.masks([weight], sparsity, "layer", score)[0]
    want, structure = reference_tw([gemm_view(weight).astype(np.float64)], sparsity, tile, "layer", score)
    got = gemm_view(mask)
    np.testing.assert_array_equal(got, want[0])
    # zeros come in whole output channels and whole tile K-vectors
    for channels, _ in structure[0]:
        columns = got[channels]
        assert np.all(columns.all(axis=0) | ~columns.any(axis=0))
    kept_channels = [ch for ch, kept in structure[0] if kept]  # tiles that kept no K-vector hold nothing
    assert [tile.channels.tolist() for tile in pattern.tiles(mask)] == kept_channels
    assert [tile.kept_k.tolist() for tile in pattern.tiles(mask)] == [kept for _, kept in structure[0] if kept]
    assert_prune_consistent(pattern, weight, sparsity, mask, score)


def test_tw_prunes_half_the_channels_then_half_the_k_vectors_at_75():
    # 4 channels with RMS 4, 1, 3, 2; G = 2; K = 4
    weight = np.array([[4.0, 4, 4, 4], [1, 1, 1, 1], [3, 3, 3, 3], [2, 2, 2, 2]])
    weight = weight * np.array([1.0, 1.1, 0.9, 1.05])  # K-vectors of tile {0, 2}: RMS ordered 2 < 0 < 3 < 1
    mask = TileWisePattern(2).masks([weight], 0.75)[0]
    assert mask.tolist() == [[False, True, False, True], [False] * 4, [False, True, False, True], [False] * 4]
    tiles = TileWisePattern(2).tiles(mask)
    assert [(t.channels.tolist(), t.kept_k.tolist()) for t in tiles] == [([0, 2], [1, 3])]


@settings(max_examples=80, deadline=None)
@given(st.lists(shapes, min_size=1, max_size=3), tile_sizes, st.sampled_from(SPARSITIES), scores, seeds)
def test_tw_global_ranks_channels_and_k_vectors_over_all_layers(layer_shapes, tile, sparsity, score, seed):
    rng = np.random.default_rng(seed)
    weights = [random_weight(rng, *s) * rng.uniform(0.1, 10) for s in layer_shapes]
    masks = TileWisePattern(tile).masks(weights, sparsity, "global", score)
    want, _ = reference_tw([gemm_view(w).astype(np.float64) for w in weights], sparsity, tile, "global", score)
    for mask, expected in zip(masks, want):
        np.testing.assert_array_equal(gemm_view(mask), expected)


def test_tw_global_takes_the_channels_of_the_weaker_layer_first():
    rng = np.random.default_rng(1)
    weights = [0.01 * rng.standard_normal((8, 8)), rng.standard_normal((8, 8))]
    masks = TileWisePattern(4).masks(weights, 0.75, "global")
    # 8 of 16 channels go: all of the weak layer's; then 8 of the strong layer's 2 x 8 K-vectors of 4 channels
    assert not masks[0].any()
    assert masks[1].sum() == 8 * 4
    per_layer = TileWisePattern(4).masks(weights, 0.75, "layer")
    assert per_layer[0].sum() == per_layer[1].sum() == 4 * 4  # 4 of 8 channels, then 4 of 8 K-vectors of 4


# ---------------------------------------------------------------- TVW


def assert_tvw_step(rows, got, tw_mask, tiles):
    """`got` ([out, K]) is `tw_mask` with 2 of every 4 kept K of each channel of each tile."""
    assert not np.any(got & ~tw_mask)  # only TW-kept cells survive
    for channels, kept in tiles:
        for o in channels:
            assert got[o, kept].tolist() == reference_group_keep(rows[o, kept], 2, 4).tolist()
            for start in range(0, len(kept), 4):
                assert got[o, kept[start : start + 4]].sum() <= 2  # compressed sparse load: 2 zeros in every 4


@settings(max_examples=150, deadline=None)
@given(shapes, tile_sizes, st.sampled_from([0.5, 0.75, 0.9]), scores, seeds)
def test_tvw_is_tw_then_2_of_4_along_kept_k(shape, tile, sparsity, score, seed):
    weight = random_weight(np.random.default_rng(seed), *shape)
    mask = TileVectorWisePattern(tile).masks([weight], sparsity, "layer", score)[0]
    rows = gemm_view(weight).astype(np.float64)
    tw_mask, structure = reference_tw([rows], 2 * sparsity - 1, tile, "layer", score)
    assert_tvw_step(rows, gemm_view(mask), tw_mask[0], structure[0])
    assert_prune_consistent(TileVectorWisePattern(tile), weight, sparsity, mask, score)


def test_tvw_at_half_sparsity_is_2_of_4_on_every_row():
    weight = np.random.default_rng(3).standard_normal((6, 8, 3, 3))
    np.testing.assert_array_equal(TileVectorWisePattern(4).masks([weight], 0.5)[0], NMPattern(2, 4).masks([weight], 0.5)[0])


def test_tvw_global_applies_to_the_tw_step():
    rng = np.random.default_rng(2)
    weights = [rng.standard_normal((8, 16)), 10 * rng.standard_normal((8, 16))]
    masks = TileVectorWisePattern(4).masks(weights, 0.75, "global")
    tw_masks, structure = reference_tw(weights, 0.5, 4, "global", "l2")
    for weight, mask, tw_mask, layer in zip(weights, masks, tw_masks, structure):
        assert_tvw_step(weight, mask, tw_mask, layer)


# ---------------------------------------------------------------- GS


@settings(max_examples=150, deadline=None)
@given(shapes, st.integers(1, 10), st.sampled_from(SPARSITIES), seeds)
def test_gs_keeps_the_same_count_in_every_bank(shape, banks, sparsity, seed):
    weight = random_weight(np.random.default_rng(seed), *shape)
    pattern = GatherScatterPattern(banks)
    mask = pattern.masks([weight], sparsity)[0]
    rows, keep = gemm_view(weight), gemm_view(mask)
    k = rows.shape[1]
    n = round((1 - sparsity) * -(-k // banks))
    n = max(n, 1) if sparsity < 1 else n  # a bank keeps at least one value below 100%
    assert pattern.kept_per_bank(k, sparsity) == n
    for row, kept in zip(rows, keep):
        for bank in range(banks):
            values, bank_kept = row[bank::banks], kept[bank::banks]
            assert bank_kept.sum() == min(n, len(values))
            if bank_kept.any() and not bank_kept.all():
                assert np.abs(values[~bank_kept]).max() <= np.abs(values[bank_kept]).min()
        assert math.isclose(1 - kept.sum() / k, pattern.achieved_sparsity(k, sparsity))
    if k % banks == 0:  # the load-balance invariant: every (row, bank) holds n
        counts = {int(kept[bank::banks].sum()) for kept in keep for bank in range(banks)}
        assert counts == {n}
    assert_prune_consistent(pattern, weight, sparsity, mask)


def test_gs_banks_interleave_k():
    # K = 8, 4 banks: bank b holds k = b and b + 4; at 50% each bank keeps its larger one
    weight = np.array([[1.0, 8, 3, 2, 5, 4, 7, 6]])
    assert GatherScatterPattern(4).masks([weight], 0.5)[0].tolist() == [[False, True, False, False, True, False, True, True]]


def test_gs_sparsity_is_quantised():
    pattern = GatherScatterPattern(8)
    assert pattern.kept_per_bank(64, 0.75) == 2  # 8 per bank -> 2
    assert pattern.kept_per_bank(24, 0.75) == 1  # 3 per bank: 0.75 quantises to 1 of 3
    assert math.isclose(pattern.achieved_sparsity(24, 0.75), 2 / 3)
    assert math.isclose(pattern.achieved_sparsity(12, 0.5), 1 - 8 / 12)  # banks 0..3 hold 2, keep 1; banks 4..7 hold 1
    assert pattern.kept_per_bank(16, 0.75) == 1  # 2 per bank: round(0.5) is 0, but a bank keeps at least one
    assert pattern.kept_per_bank(16, 1.0) == 0


# ---------------------------------------------------------------- block


def reference_block_scores(weight, r, c, score):
    out, inp = weight.shape[:2]
    return {(i, j): unit_score(weight[i : i + r, j : j + c], score) for i in range(0, out, r) for j in range(0, inp, c)}


def zero_blocks(mask, r, c):
    return {(i, j) for i in range(0, mask.shape[0], r) for j in range(0, mask.shape[1], c) if not mask[i : i + r, j : j + c].any()}


@settings(max_examples=60, deadline=None)
@given(shapes, st.integers(1, 6), st.integers(1, 6), st.sampled_from(SPARSITIES), scores, seeds)
def test_block_masks_zero_whole_lowest_blocks(shape, r, c, sparsity, score, seed):
    weight = random_weight(np.random.default_rng(seed), *shape)
    pattern = BlockPattern(r, c)
    mask = pattern.masks([weight], sparsity, "layer", score)[0]
    assert mask.dtype == bool and mask.shape == weight.shape
    block_scores = reference_block_scores(weight, r, c, score)
    zeros = zero_blocks(mask, r, c)
    assert zeros == lowest([(s, key) for key, s in block_scores.items()], round(sparsity * len(block_scores)))
    assert mask.sum() == weight.size - sum(mask[i : i + r, j : j + c].size for i, j in zeros)  # the rest is all kept
    np.testing.assert_array_equal(pattern.prune(weight, sparsity, score), np.where(mask, weight, 0))


@settings(max_examples=30, deadline=None)
@given(st.lists(shapes, min_size=1, max_size=3), st.sampled_from(SPARSITIES), seeds)
def test_block_global_ranks_all_blocks_together(layer_shapes, sparsity, seed):
    rng = np.random.default_rng(seed)
    weights = [random_weight(rng, *s) * rng.uniform(0.1, 10) for s in layer_shapes]
    masks = BlockPattern(4, 4).masks(weights, sparsity, "global")
    scored = [(s, (n, key)) for n, w in enumerate(weights) for key, s in reference_block_scores(w, 4, 4, "l2").items()]
    want = lowest(scored, round(sparsity * len(scored)))
    assert {(n, key) for n, m in enumerate(masks) for key in zero_blocks(m, 4, 4)} == want


# ---------------------------------------------------------------- all patterns


@pytest.mark.parametrize(
    ("text", "sparsity"),
    [("unstructured", 0.5), ("nm:2:4", 0.5), ("tw:4", 0.75), ("tvw:4", 0.75), ("gs:4", 0.5), ("block:4x4", 0.5)],
)
def test_masks_are_deterministic_and_keep_dtype(text, sparsity):
    weight = np.random.default_rng(5).standard_normal((12, 8, 3, 3)).astype(np.float16)
    pattern = parse_pattern(text)
    first, second = pattern.masks([weight], sparsity)[0], pattern.masks([weight.copy()], sparsity)[0]
    np.testing.assert_array_equal(first, second)
    assert pattern.prune(weight, sparsity).dtype == np.float16
    assert pattern.masks([], sparsity) == []
