"""Unstructured (element-wise magnitude) sparsity, the papers' baseline.

PATTERNS.md, "Baselines": unstructured pruning is element-wise and global by
magnitude. Interpretation: an element's score is ``|w|`` (the `score` option
only matters for units larger than one element, so it is checked and
otherwise ignored). Per layer, exactly ``round(s * size)`` elements with the
smallest ``|w|`` are zeroed; globally, one ranking of ``|w|`` over the
elements of all weights zeroes ``round(s * total)``. Raw magnitudes are
compared across layers, as in the usual global magnitude pruning. Ties go by
position (stable sort, layers in the order given).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Self

import numpy as np

from bsparse.errors import OptionError
from bsparse.patterns.block import keep_masks
from bsparse.patterns.gemm import apply_keep, check_score, check_sparsity, to_gemm
from bsparse.patterns.indexed import IndexedFormat, SparseData, index_dtype

__all__ = ["CsrFormat", "UnstructuredPattern"]


@dataclass(frozen=True)
class UnstructuredPattern:
    """Any element may be zero: the smallest magnitudes are."""

    NAME: ClassVar[str] = "unstructured"
    SYNTAX: ClassVar[str] = "unstructured"

    @classmethod
    def from_params(cls, params: str) -> Self:
        """Accepts only the empty string: the pattern has no parameters."""
        if params.strip():
            raise OptionError(f"unstructured pattern takes no parameters, expected 'unstructured', got 'unstructured:{params}'")
        return cls()

    def __str__(self) -> str:
        return self.NAME

    @property
    def format(self) -> "CsrFormat":
        """CSR: exactly the nonzeros."""
        return CsrFormat(str(self))

    @property
    def fixed_sparsity(self) -> float | None:
        return None

    def fits(self, shape) -> bool:
        """Any weight ``[out, in, *window]`` can be pruned element by element."""
        return len(shape) >= 2

    def masks(self, weights: Sequence[np.ndarray], sparsity: float, scope: str = "layer", score: str = "l2") -> list[np.ndarray]:
        """Boolean keep masks: all but the ``round(sparsity * n)`` smallest ``|w|``.

        Args:
            weights: Weights in logical layout ``[out, in, *window]``.
            sparsity: Fraction of elements to zero, in [0, 1].
            scope: ``layer`` (each weight at `sparsity`) or ``global`` (one
                ranking over the elements of all weights).
            score: ``l2`` or ``l1``; an element scores ``|w|`` either way.

        Raises:
            OptionError: For a bad sparsity, scope or score.
        """
        check_score(score)
        magnitudes = [np.abs(np.asarray(w, dtype=np.float64)) for w in weights]
        return keep_masks(magnitudes, check_sparsity(sparsity), scope)

    def prune(self, weight: np.ndarray, sparsity: float, score: str = "l2") -> np.ndarray:
        """`weight` with its ``round(sparsity * size)`` smallest magnitudes zeroed."""
        return apply_keep(weight, self.masks([weight], sparsity, "layer", score)[0])


@dataclass(frozen=True)
class CsrFormat(IndexedFormat):
    """CSR (``unstructured``): ``row_ptr [out + 1]``, ``col_idx [nnz]`` (K position, ascending
    per row); values in row order. Stores exactly the nonzeros; a core computes it densely."""

    pattern: str
    NAME = "csr"
    INDEX = (("row_ptr", "[out + 1] offsets of each output channel's values"),
             ("col_idx", "[nnz] K position of each value, ascending per channel"))

    def pack(self, weight):
        matrix = to_gemm(weight)
        rows, cols = np.nonzero(matrix)
        counts = np.bincount(rows, minlength=matrix.shape[0])
        row_ptr = np.concatenate([[0], np.cumsum(counts)])
        return SparseData(self.pattern, tuple(weight.shape), matrix[rows, cols], {
            "row_ptr": row_ptr.astype(index_dtype(int(row_ptr[-1]))),
            "col_idx": cols.astype(index_dtype(matrix.shape[1])),
        })

    def matrix(self, data):
        out, k = data.gemm_shape
        matrix = np.zeros((out, k), data.values.dtype)
        row_ptr = data.index["row_ptr"].astype(np.int64)
        matrix[np.repeat(np.arange(out), np.diff(row_ptr)), data.index["col_idx"].astype(np.int64)] = data.values
        return matrix

    def row_values(self, data):
        return np.diff(data.index["row_ptr"].astype(np.int64))

    def select(self, data, channels):
        row_ptr = data.index["row_ptr"].astype(np.int64)
        taken = np.concatenate([np.arange(row_ptr[c], row_ptr[c + 1]) for c in channels]) if channels.size else np.zeros(0, np.int64)
        counts = np.diff(row_ptr)[channels]
        new_ptr = np.concatenate([[0], np.cumsum(counts)])
        return SparseData(data.pattern, (len(channels), *data.shape[1:]), data.values[taken], {
            "row_ptr": new_ptr.astype(index_dtype(int(new_ptr[-1]))),
            "col_idx": data.index["col_idx"][taken],
        })

    def verify(self, data):
        out, k = data.gemm_shape
        row_ptr, col_idx = data.index["row_ptr"].astype(np.int64), data.index["col_idx"].astype(np.int64)
        if row_ptr.size != out + 1 or row_ptr[0] != 0 or row_ptr[-1] != data.values.size or np.any(np.diff(row_ptr) < 0):
            raise ValueError(f"row_ptr must have {out + 1} entries rising from 0 to the {data.values.size} values")
        if col_idx.size != data.values.size:
            raise ValueError(f"col_idx must have one entry per value ({data.values.size}), got {col_idx.size}")
        if col_idx.size and (col_idx.min() < 0 or col_idx.max() >= k):
            raise ValueError(f"col_idx entries must lie in [0, {k})")
        same_row = np.repeat(np.arange(out), np.diff(row_ptr))
        if np.any((np.diff(col_idx) <= 0) & (np.diff(same_row) == 0)):
            raise ValueError("col_idx must be strictly increasing within an output channel")
