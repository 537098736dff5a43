"""The block pattern's packing against an independent loop-based reference."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bsparse.errors import OptionError
from bsparse.patterns import BlockPattern, parse_pattern


def reference_bsr(weight, r, c):
    """BSR by explicit loops over the block grid (independent of the packer)."""
    out, inp = weight.shape[:2]
    rows, cols = -(-out // r), -(-inp // c)
    values, col_idx, row_ptr = [], [], [0]
    for i in range(rows):
        for j in range(cols):
            block = np.zeros((r, c, *weight.shape[2:]), weight.dtype)
            part = weight[i * r : (i + 1) * r, j * c : (j + 1) * c]
            block[: part.shape[0], : part.shape[1]] = part
            if np.any(block != 0):
                values.append(block)
                col_idx.append(j)
        row_ptr.append(len(col_idx))
    return values, row_ptr, col_idx


weights = st.tuples(
    st.integers(1, 20), st.integers(1, 20), st.sampled_from([(), (1, 1), (3, 3), (1, 3)]),
    st.integers(1, 9), st.integers(1, 9), st.floats(0.0, 1.0), st.integers(0, 2**31 - 1),
)


@settings(max_examples=150, deadline=None)
@given(weights)
def test_pack_matches_loop_reference(case):
    out, inp, window, r, c, zero_fraction, seed = case
    rng = np.random.default_rng(seed)
    weight = rng.standard_normal((out, inp, *window)).astype(np.float32)
    weight[rng.random(weight.shape[:2]) < zero_fraction] = 0.0
    data = BlockPattern(r, c).pack(weight)
    values, row_ptr, col_idx = reference_bsr(weight, r, c)
    assert data.row_ptr.tolist() == row_ptr
    assert data.col_idx.tolist() == col_idx
    assert data.values.shape == (len(values), r, c, *window)
    for got, want in zip(data.values, values):
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(data.to_dense(), weight)


def test_all_zero_weight_stores_nothing():
    data = BlockPattern(8, 8).pack(np.zeros((16, 24), np.float32))
    assert data.nnzb == 0 and data.row_ptr.tolist() == [0, 0, 0]
    np.testing.assert_array_equal(data.to_dense(), np.zeros((16, 24)))


@pytest.mark.parametrize(("text", "block"), [("block:8x8", (8, 8)), ("block", (8, 8)), ("block:16x4", (16, 4)), ("block: 4 x 2", (4, 2))])
def test_parse_pattern(text, block):
    assert parse_pattern(text).block == block


@pytest.mark.parametrize("text", ["block:0x8", "block:8", "block:axb", "block:-1x8", "blocks:8x8", "nonsense"])
def test_parse_pattern_rejects(text):
    with pytest.raises(OptionError):
        parse_pattern(text)
