"""N:M sparsity: at most N nonzeros in every M consecutive weights along K.

PATTERNS.md, "Baselines" (2:4) and section 2 (the 2:4 step of TVW; AIE-ML's
compressed sparse load wants at least 2 zeros in every 4 values).
Interpretation: in the GEMM view (`bsparse.patterns.gemm`, K ordered
``(*window, in)`` as NVIDIA's ASP does for convolutions), each row's K is
cut into consecutive groups of M starting at k = 0; each group keeps its N
largest ``|w|`` (ties: the earlier position is pruned first). When M does not
divide K, the last group has ``m' < M`` elements and keeps ``min(N, m')``, so
such a layer is slightly denser than ``N/M``. The sparsity is fixed by N and M
(``1 - N/M``), and the rule is per group, so there is no global ranking.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import ClassVar, Self

import numpy as np

from bsparse.errors import OptionError
from bsparse.patterns.gemm import apply_keep, check_scope, check_score, check_sparsity, from_gemm, gemm_k, keep_largest, to_gemm

__all__ = ["NMPattern", "keep_in_groups"]

TOLERANCE = 1e-9
"""How far a requested sparsity may be from ``1 - N/M``."""

LARGEST_SUGGESTED_M = 64


def keep_in_groups(magnitudes: np.ndarray, n: int, m: int) -> np.ndarray:
    """``[rows, length]`` -> True for the `n` largest of every `m` consecutive entries of a row.

    A last group of ``m' < m`` entries keeps ``min(n, m')``.
    """
    rows, length = magnitudes.shape
    groups = -(-length // m)
    padded = np.full((rows, groups * m), -np.inf)
    padded[:, :length] = magnitudes
    keep = keep_largest(padded.reshape(rows, groups, m), n, axis=2)
    return keep.reshape(rows, groups * m)[:, :length]


@dataclass(frozen=True)
class NMPattern:
    """N of every M consecutive weights along a row's K are kept."""

    NAME: ClassVar[str] = "nm"

    n: int = 2
    m: int = 4

    def __post_init__(self):
        if not 1 <= self.n <= self.m:
            raise OptionError(f"nm pattern needs 1 <= N <= M, got nm:{self.n}:{self.m}")

    @classmethod
    def from_params(cls, params: str) -> Self:
        """Parses ``N:M`` (empty means 2:4)."""
        if not params.strip():
            return cls()
        if not (match := re.fullmatch(r"\s*(\d+)\s*:\s*(\d+)\s*", params)):
            raise OptionError(f"nm pattern expects 'nm:N:M' with 1 <= N <= M, got 'nm:{params}'")
        return cls(int(match[1]), int(match[2]))

    def __str__(self) -> str:
        return f"{self.NAME}:{self.n}:{self.m}"

    @property
    def fixed_sparsity(self) -> float:
        """``1 - N/M``."""
        return 1.0 - self.n / self.m

    def fits(self, shape) -> bool:
        """True if a row's K holds at least one whole group of M."""
        return len(shape) >= 2 and gemm_k(shape) >= self.m

    def masks(self, weights: Sequence[np.ndarray], sparsity: float, scope: str = "layer", score: str = "l2") -> list[np.ndarray]:
        """Boolean keep masks: the N largest ``|w|`` of every M-group of every row's K.

        Args:
            weights: Weights in logical layout ``[out, in, *window]``.
            sparsity: Must be ``1 - N/M`` (within 1e-9).
            scope: Only ``layer``: N:M is a rule per group.
            score: ``l2`` or ``l1``; elements score ``|w|`` either way.

        Raises:
            OptionError: For another sparsity (naming the N:M that has it),
                scope ``global``, or a bad score.
        """
        self._check(check_sparsity(sparsity), check_scope(scope))
        check_score(score)
        return [
            from_gemm(keep_in_groups(np.abs(to_gemm(np.asarray(w, dtype=np.float64))), self.n, self.m), w.shape)
            for w in weights
        ]

    def prune(self, weight: np.ndarray, sparsity: float, score: str = "l2") -> np.ndarray:
        """`weight` with all but the N largest of every M-group zeroed."""
        return apply_keep(weight, self.masks([weight], sparsity, "layer", score)[0])

    def _check(self, sparsity: float, scope: str) -> None:
        if scope == "global":
            raise OptionError(
                f"{self} cannot prune with scope=global: N:M keeps N of every M consecutive weights "
                "of a row, a rule per group with no ranking across layers; use scope=layer"
            )
        if abs(sparsity - self.fixed_sparsity) > TOLERANCE:
            raise OptionError(f"{self} has sparsity {self.fixed_sparsity:g}; {self._suggest(sparsity)}")

    def _suggest(self, sparsity: float) -> str:
        """Which N:M, if any, has `sparsity`: same M first, else the smallest M."""
        density = 1.0 - sparsity
        if abs(density * self.m - round(density * self.m)) <= TOLERANCE * self.m and round(density * self.m) >= 1:
            return f"use nm:{round(density * self.m)}:{self.m} for {sparsity:g}"
        fraction = Fraction(density).limit_denominator(LARGEST_SUGGESTED_M)
        if fraction.numerator >= 1 and abs(float(fraction) - density) <= TOLERANCE:
            return f"use nm:{fraction.numerator}:{fraction.denominator} for {sparsity:g}"
        return f"no N:M with M <= {LARGEST_SUGGESTED_M} has sparsity {sparsity:g} (N:M sparsities are 1 - N/M, N >= 1)"
