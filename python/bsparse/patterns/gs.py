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
from bsparse.patterns.format import mac_rate
from bsparse.patterns.indexed import IndexedFormat, SparseData, first_slots, index_dtype

__all__ = ["GSFormat", "GatherScatterPattern"]

DEFAULT_BANKS = 8
"""AIE-ML data memory banks per core (HARDWARE.md)."""


@dataclass(frozen=True)
class GatherScatterPattern:
    """The same number of nonzeros in each of B interleaved banks of every row."""

    NAME: ClassVar[str] = "gs"
    SYNTAX: ClassVar[str] = "gs:B"

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
    def format(self) -> "GSFormat":
        """Equal values per bank, with their offsets."""
        return GSFormat(str(self), self.banks)

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


@dataclass(frozen=True)
class GSFormat(IndexedFormat):
    """Bank offsets (``gs:B``). K position ``k`` lives in bank ``k mod B`` at offset ``k // B``
    (K padded to a multiple of B). Every (output channel, bank) stores the same number ``n`` of
    values (the largest nonzero count of any; fewer nonzeros are padded with zeros at its first
    zero offsets): ``offset [out, B, n]``, ascending per (channel, bank), values in the same order.
    Equal counts per bank are the gather-scatter load-balance invariant. A core with a
    conflict-free gather (``gather_elements_per_cycle``) runs its stored values at the gather's
    rate; others compute it densely."""

    pattern: str
    banks: int
    NAME = "gs"
    INDEX = (("offset", "[out * B * n] offset within the bank of each value, ascending per (channel, bank)"),)

    def depth(self, k: int) -> int:
        """Positions per bank: ``ceil(K / B)``."""
        return -(-k // self.banks)

    def _by_bank(self, matrix: np.ndarray) -> np.ndarray:
        """``[out, B, depth]``: position ``offset * B + bank`` (K padded with zeros)."""
        out, k = matrix.shape
        depth = self.depth(k)
        padded = np.zeros((out, depth * self.banks), matrix.dtype)
        padded[:, :k] = matrix
        return padded.reshape(out, depth, self.banks).transpose(0, 2, 1)

    def pack(self, weight):
        matrix = to_gemm(weight)
        out, k = matrix.shape
        banks = self._by_bank(matrix)
        nonzero = banks != 0
        n = int(nonzero.sum(axis=2).max()) if nonzero.size else 0
        chosen = first_slots(nonzero, n)
        offsets = np.nonzero(chosen)[2].reshape(out, self.banks, n)  # ascending within (channel, bank)
        return SparseData(self.pattern, tuple(weight.shape), banks[chosen], {
            "offset": offsets.reshape(-1).astype(index_dtype(self.depth(k)))})

    def slots(self, data: SparseData) -> int:
        out = data.shape[0]
        return data.values.size // (out * self.banks)

    def matrix(self, data):
        out, k = data.gemm_shape
        n = self.slots(data)
        offsets = data.index["offset"].astype(np.int64).reshape(out, self.banks, n)
        positions = offsets * self.banks + np.arange(self.banks)[None, :, None]
        matrix = np.zeros((out, self.depth(k) * self.banks), data.values.dtype)
        np.put_along_axis(matrix, positions.reshape(out, -1), data.values.reshape(out, -1), axis=1)
        return matrix[:, :k]

    def row_values(self, data):
        return np.full(data.shape[0], self.banks * self.slots(data), np.int64)

    def real_stored(self, data):
        out, k = data.gemm_shape
        offsets = data.index["offset"].astype(np.int64).reshape(out, self.banks, -1)
        return int(np.sum(offsets * self.banks + np.arange(self.banks)[None, :, None] < k))

    def select(self, data, channels):
        out = data.shape[0]
        per_channel = data.values.size // out
        values = data.values.reshape(out, per_channel)[channels].reshape(-1)
        offsets = data.index["offset"].reshape(out, per_channel)[channels].reshape(-1)
        return SparseData(data.pattern, (len(channels), *data.shape[1:]), values, {"offset": offsets})

    def verify(self, data):
        out, k = data.gemm_shape
        if data.values.size % (out * self.banks):
            raise ValueError(f"values must hold the same number of entries for each of {out} channels x {self.banks} banks")
        n = self.slots(data)
        offsets = data.index["offset"].astype(np.int64)
        if offsets.size != data.values.size:
            raise ValueError(f"offset must have one entry per value ({data.values.size}), got {offsets.size}")
        depth = self.depth(k)
        if offsets.size and (offsets.min() < 0 or offsets.max() >= depth):
            raise ValueError(f"offsets must lie in [0, {depth}) (ceil(K / B) positions per bank)")
        if n > 1 and np.any(np.diff(offsets.reshape(out, self.banks, n), axis=2) <= 0):
            raise ValueError("offsets must be strictly increasing within each (channel, bank)")
        positions = offsets.reshape(out, self.banks, n) * self.banks + np.arange(self.banks)[None, :, None]
        if np.any(data.values.reshape(out, self.banks, n)[positions >= k]):
            raise ValueError(f"positions past K = {k} (bank padding) must hold zeros")

    def dense_on(self, t) -> bool:
        return not t.gather_elements_per_cycle

    def stored_cycles(self, data, positions, loads, t, dtype):
        return data.stored * positions / min(mac_rate(t, dtype), t.gather_elements_per_cycle)
