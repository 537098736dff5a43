"""Packed formats of the non-block patterns: exact round trips, stored counts, shares, verification."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bsparse.patterns import SparseData, format_for
from references import gemm_view

CASES = settings(max_examples=60, deadline=None)

shapes = st.one_of(
    st.tuples(st.integers(1, 24), st.integers(1, 40)),
    st.tuples(st.integers(1, 12), st.integers(1, 9), st.integers(1, 3), st.integers(1, 3)),
)


def random_weight(shape, density, seed, zero_rows=0.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    weight = rng.standard_normal(shape).astype(np.float32)
    weight[rng.random(shape) >= density] = 0
    weight[rng.random(shape[0]) < zero_rows] = 0
    return weight


def nm_weight(shape, n, m, seed) -> np.ndarray:
    """A weight with at most n nonzeros in every group of m consecutive K positions (GEMM view)."""
    weight = random_weight(shape, 1.0, seed)
    matrix = gemm_view(weight).copy()
    rng = np.random.default_rng(seed + 1)
    for row in matrix:
        for start in range(0, row.size, m):
            group = np.arange(start, min(start + m, row.size))
            keep = rng.choice(group, size=min(int(rng.integers(0, n + 1)), group.size), replace=False)
            row[np.setdiff1d(group, keep)] = 0
    return np.moveaxis(matrix.reshape(shape[0], *shape[2:], shape[1]), -1, 1).copy()


def check_round_trip(data: SparseData, weight: np.ndarray) -> None:
    data.verify()
    np.testing.assert_array_equal(data.to_dense(), weight)
    assert data.row_values().sum() == data.stored
    rng = np.random.default_rng(0)
    channels = np.sort(rng.choice(weight.shape[0], size=int(rng.integers(1, weight.shape[0] + 1)), replace=False))
    share = data.select(channels)
    share.verify()
    np.testing.assert_array_equal(share.to_dense(), weight[channels])
    np.testing.assert_array_equal(share.row_values(), data.row_values()[channels])


@CASES
@given(shapes, st.sampled_from([0.0, 0.1, 0.5, 1.0]), st.integers(0, 1000))
def test_csr_stores_exactly_the_nonzeros(shape, density, seed):
    weight = random_weight(shape, density, seed)
    data = format_for("unstructured").pack(weight)
    check_round_trip(data, weight)
    assert data.stored == np.count_nonzero(weight)
    np.testing.assert_array_equal(data.row_values(), np.count_nonzero(gemm_view(weight), axis=1))


@CASES
@given(shapes, st.sampled_from([(2, 4), (1, 4), (1, 2), (3, 8)]), st.integers(0, 1000))
def test_nm_stores_n_per_group_and_marks_one_bit_per_position(shape, nm, seed):
    n, m = nm
    weight = nm_weight(shape, n, m, seed)
    pattern = f"nm:{n}:{m}"
    data = format_for(pattern).pack(weight)
    check_round_trip(data, weight)
    k = gemm_view(weight).shape[1]
    groups = -(-k // m)
    assert data.stored == shape[0] * groups * n
    assert data.index_bytes == shape[0] * -(-(groups * m) // 8)


def test_nm_rejects_a_group_with_too_many_nonzeros():
    weight = np.array([[1.0, 2.0, 3.0, 0.0]], np.float32)
    with pytest.raises(ValueError, match="3 nonzeros, more than its 2 slots"):
        format_for("nm:2:4").pack(weight)


def test_nm_layout_on_a_hand_example():
    # K = 6 in groups of 4: [1 0 0 2 | 0 3 (pad pad)] -> slots {0, 3} and {1, and the first zero 0}
    weight = np.array([[1, 0, 0, 2, 0, 3]], np.float32)
    data = format_for("nm:2:4").pack(weight)
    np.testing.assert_array_equal(data.values, [1, 2, 0, 3])
    np.testing.assert_array_equal(data.index["mask"], [0b00111001])  # bits 0, 3 | 4, 5 (little-endian)


@CASES
@given(shapes, st.sampled_from([1, 2, 8]), st.sampled_from([0.0, 0.3, 0.7]), st.integers(0, 1000))
def test_gs_stores_the_same_count_in_every_bank(shape, banks, density, seed):
    weight = random_weight(shape, density, seed)
    pattern = f"gs:{banks}"
    data = format_for(pattern).pack(weight)
    check_round_trip(data, weight)
    matrix = gemm_view(weight)
    counts = [np.count_nonzero(matrix[:, b::banks], axis=1) for b in range(banks)]
    assert data.stored == shape[0] * banks * int(np.max(counts))


@CASES
@given(shapes, st.sampled_from([1, 3, 8]), st.sampled_from([0.2, 0.6, 1.0]), st.integers(0, 1000))
def test_tiles_store_each_tile_densely_over_the_union_of_its_positions(shape, size, density, seed):
    weight = random_weight(shape, density, seed, zero_rows=0.3)
    pattern = f"tw:{size}"
    data = format_for(pattern).pack(weight)
    check_round_trip(data, weight)
    matrix = gemm_view(weight)
    survivors = np.flatnonzero(np.any(matrix != 0, axis=1))
    expected = sum(len(survivors[t:t + size]) * np.count_nonzero(np.any(matrix[survivors[t:t + size]] != 0, axis=0))
                   for t in range(0, len(survivors), size))
    assert data.stored == expected


@CASES
@given(shapes, st.sampled_from([1, 4, 8]), st.integers(0, 1000))
def test_tvw_adds_2_of_4_inside_tiles(shape, size, seed):
    rng = np.random.default_rng(seed)
    weight = random_weight(shape, 1.0, seed, zero_rows=0.3)
    matrix = gemm_view(weight).copy()
    kept_k = rng.random(matrix.shape[1]) < 0.6  # one K support for all channels, then 2:4 along it
    matrix[:, ~kept_k] = 0
    positions = np.flatnonzero(kept_k)
    for row in matrix:
        for start in range(0, len(positions), 4):
            group = positions[start:start + 4]
            row[group[rng.permutation(len(group))[2:]]] = 0
    weight = np.moveaxis(matrix.reshape(shape[0], *shape[2:], shape[1]), -1, 1).copy()
    pattern = f"tvw:{size}"
    data = format_for(pattern).pack(weight)
    check_round_trip(data, weight)


@pytest.mark.parametrize("pattern", ["unstructured", "nm:2:4", "gs:4", "tw:2", "tvw:2"])
def test_verify_rejects_corrupted_arrays(pattern):
    weight = nm_weight((4, 8), 2, 4, 3)
    data = format_for(pattern).pack(weight)
    data.verify()
    with pytest.raises(ValueError):
        SparseData(data.pattern, data.shape, data.values[:-1] if data.values.size else np.ones(1, np.float32),
                   data.index).verify()
    first = sorted(data.index)[0]
    broken = dict(data.index)
    broken[first] = np.concatenate([broken[first], broken[first][:1] + 1])
    with pytest.raises(ValueError):
        SparseData(data.pattern, data.shape, data.values, broken).verify()


@pytest.mark.parametrize("pattern", ["unstructured", "nm:2:4", "gs:4", "tw:2", "tvw:2"])
def test_index_bytes_round_trip_and_count_exactly(pattern):
    from bsparse.patterns.indexed import from_index_bytes, index_bytes_of, index_layout

    weight = nm_weight((6, 8, 3, 3), 2, 4, 7)
    data = format_for(pattern).pack(weight)
    raw = index_bytes_of(data)
    assert raw.dtype == np.uint8 and raw.size == data.index_bytes
    back = from_index_bytes(pattern, data.shape, data.values, raw.view(np.int8), index_layout(data))
    back.verify()
    assert sorted(back.index) == sorted(data.index)
    for name in data.index:
        np.testing.assert_array_equal(back.index[name], data.index[name])
    np.testing.assert_array_equal(back.to_dense(), weight)
