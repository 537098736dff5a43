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
from bsparse.patterns.gemm import apply_keep, check_score, check_sparsity

__all__ = ["UnstructuredPattern"]


@dataclass(frozen=True)
class UnstructuredPattern:
    """Any element may be zero: the smallest magnitudes are."""

    NAME: ClassVar[str] = "unstructured"

    @classmethod
    def from_params(cls, params: str) -> Self:
        """Accepts only the empty string: the pattern has no parameters."""
        if params.strip():
            raise OptionError(f"unstructured pattern takes no parameters, expected 'unstructured', got 'unstructured:{params}'")
        return cls()

    def __str__(self) -> str:
        return self.NAME

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
