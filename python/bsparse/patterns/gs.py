"""Gather-scatter (GS) sparsity (Sun et al., arXiv 2112.10898): equal nonzeros per memory bank.

PATTERNS.md section 3 gives the load-balance invariant (the same number of
nonzeros in every memory sub-bank) but not the parameters; we define them:

- B banks (default 8: an AIE-ML core's data memory has 8 banks, HARDWARE.md),
  word-interleaved: in the GEMM view (`bsparse.patterns.gemm`), K index k of
  every row lives in bank ``k mod B``. Bank b of a row holds
  ``ceil((K - b) / B)`` elements, so ``ceil(K / B)`` at most.
- Every (row, bank) keeps its n largest ``|w|``, with
  ``n = round((1 - s) * ceil(K / B))`` (Python's round, half to even, as
  `keep_mask`) but at least 1 when s < 1 (a layer whose banks are too
  shallow for the sparsity keeps one value per bank rather than none: all
  zero would cut every path through it); a bank with fewer than n elements
  (B does not divide K) keeps all it has. Ties: the earlier k is pruned first.

Every bank of every row then holds n nonzeros (all the short banks' elements
when they have fewer), so gathering one value from each bank per step is
conflict-free: the row is n gathers of B values. The achieved sparsity is
quantised to ``1 - n / ceil(K / B)`` (exactly so when B divides K): see
`GatherScatterPattern.kept_per_bank` and `achieved_sparsity`. The patents'
step of pruning whole rows whose count falls below a threshold is not part
of this pattern (every row keeps n per bank). The invariant is per row and
bank, so there is no global ranking.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Self

import numpy as np

from bsparse.errors import OptionError
from bsparse.patterns.gemm import apply_keep, check_score, check_sparsity, check_scope, from_gemm, gemm_k, keep_largest, to_gemm

__all__ = ["GatherScatterPattern"]

DEFAULT_BANKS = 8
"""AIE-ML data memory banks per core (HARDWARE.md)."""


@dataclass(frozen=True)
class GatherScatterPattern:
    """The same number of nonzeros in each of B interleaved banks of every row."""

    NAME: ClassVar[str] = "gs"

    banks: int = DEFAULT_BANKS

    def __post_init__(self):
        if self.banks < 1:
            raise OptionError(f"gs bank count must be positive, got gs:{self.banks}")

    @classmethod
    def from_params(cls, params: str) -> Self:
        """Parses ``B`` (empty means 8 banks)."""
        if not params.strip():
            return cls()
        if not (match := re.fullmatch(r"\s*(\d+)\s*", params)):
            raise OptionError(f"gs pattern expects 'gs' or 'gs:B' with a positive number of banks B, got 'gs:{params}'")
        return cls(int(match[1]))

    def __str__(self) -> str:
        return f"{self.NAME}:{self.banks}"

    @property
    def fixed_sparsity(self) -> float | None:
        return None

    def fits(self, shape) -> bool:
        """True if a row's K reaches every bank."""
        return len(shape) >= 2 and gemm_k(shape) >= self.banks

    def kept_per_bank(self, k: int, sparsity: float) -> int:
        """n, the nonzeros each bank of a row keeps: ``round((1 - s) * ceil(K / B))``, at least 1 if s < 1."""
        n = int(round((1.0 - sparsity) * -(-k // self.banks)))
        return max(n, 1) if sparsity < 1.0 else n

    def achieved_sparsity(self, k: int, sparsity: float) -> float:
        """The fraction of a row's K elements zeroed when asking for `sparsity`."""
        n = self.kept_per_bank(k, sparsity)
        kept = sum(min(n, -(-(k - bank) // self.banks)) for bank in range(min(self.banks, k)))
        return 1.0 - kept / k if k else 0.0

    def masks(self, weights: Sequence[np.ndarray], sparsity: float, scope: str = "layer", score: str = "l2") -> list[np.ndarray]:
        """Boolean keep masks: the n largest ``|w|`` of every (row, bank).

        Args:
            weights: Weights in logical layout ``[out, in, *window]``.
            sparsity: Target fraction of zeros in [0, 1]; quantised (see `kept_per_bank`).
            scope: Only ``layer``: the invariant is per row and bank.
            score: ``l2`` or ``l1``; elements score ``|w|`` either way.

        Raises:
            OptionError: For scope ``global`` or a bad sparsity or score.
        """
        sparsity = check_sparsity(sparsity)
        if check_scope(scope) == "global":
            raise OptionError(
                f"{self} cannot prune with scope=global: its load-balance invariant (the same "
                "nonzero count in every bank of every row) is per row and bank; use scope=layer"
            )
        check_score(score)
        return [from_gemm(self._mask(np.abs(to_gemm(np.asarray(w, dtype=np.float64))), sparsity), w.shape) for w in weights]

    def prune(self, weight: np.ndarray, sparsity: float, score: str = "l2") -> np.ndarray:
        """`weight` with all but the n largest of every (row, bank) zeroed."""
        return apply_keep(weight, self.masks([weight], sparsity, "layer", score)[0])

    def _mask(self, magnitudes: np.ndarray, sparsity: float) -> np.ndarray:
        """``[rows, K]`` -> keep mask; column ``l * B + b`` is slot l of bank b."""
        rows, k = magnitudes.shape
        slots = -(-k // self.banks)
        padded = np.full((rows, slots * self.banks), -np.inf)
        padded[:, :k] = magnitudes
        keep = keep_largest(padded.reshape(rows, slots, self.banks), self.kept_per_bank(k, sparsity), axis=1)
        return keep.reshape(rows, slots * self.banks)[:, :k]
