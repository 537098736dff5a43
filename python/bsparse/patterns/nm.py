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
from bsparse.patterns.format import mac_rate
from bsparse.patterns.indexed import IndexedFormat, SparseData, first_slots, pack_bits, unpack_bits

__all__ = ["NMFormat", "NMPattern", "keep_in_groups", "native_nm"]

TOLERANCE = 1e-9
"""How far a requested sparsity may be from ``1 - N/M``."""

LARGEST_SUGGESTED_M = 64


def native_nm(n: int, m: int, t) -> bool:
    """Whether `t`'s core matmul reads an n:m operand compressed (``structured_sparsity_n`` / ``_m``)."""
    return t.structured_sparsity_m > 0 and m == t.structured_sparsity_m and n <= t.structured_sparsity_n


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
    SYNTAX: ClassVar[str] = "nm:N:M"

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
    def format(self) -> "NMFormat":
        """N values and a bit mask per group of M."""
        return NMFormat(str(self), self.n, self.m)

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


@dataclass(frozen=True)
class NMFormat(IndexedFormat):
    """N:M bit masks (``nm:N:M``). K is cut into ``G = ceil(K / M)`` groups of ``M`` (the
    last padded with zeros); every group stores exactly ``N`` values (a group with fewer nonzeros
    stores zeros at its first zero positions), marked in ``mask``: one bit per dense position,
    ``N`` set per group, packed little-endian per output channel into ``ceil(G * M / 8)`` bytes --
    the layout of AIE-ML's compressed sparse load, which reads a bit per position (HARDWARE.md,
    "Sparsity support"). Values ``[out, G, N]`` in position order. A core whose matmul reads N:M
    compressed (`native_nm`) runs its N-of-M slots at the MAC rate; others compute it densely."""

    pattern: str
    n: int
    m: int
    NAME = "nm"
    INDEX = (("mask", "[out * ceil(G * M / 8)] bytes: one bit per dense position, N set per group of M"),)

    def groups(self, k: int) -> int:
        return -(-k // self.m)

    def pack(self, weight):
        matrix = to_gemm(weight)
        out, k = matrix.shape
        g = self.groups(k)
        padded = np.zeros((out, g * self.m), matrix.dtype)
        padded[:, :k] = matrix
        chosen = first_slots(padded.reshape(out, g, self.m) != 0, self.n).reshape(out, g * self.m)
        return SparseData(self.pattern, tuple(weight.shape), padded[chosen], {"mask": pack_bits(chosen).reshape(-1)})

    def _bits(self, data, out):
        k = data.gemm_shape[1]
        width = self.groups(k) * self.m
        return unpack_bits(data.index["mask"].reshape(out, -1), width)

    def matrix(self, data):
        out, k = data.gemm_shape
        bits = self._bits(data, out)
        matrix = np.zeros(bits.shape, data.values.dtype)
        matrix[bits] = data.values
        return matrix[:, :k]

    def row_values(self, data):
        return np.full(data.shape[0], self.groups(data.gemm_shape[1]) * self.n, np.int64)

    def real_stored(self, data):
        return int(self._bits(data, data.shape[0])[:, :data.gemm_shape[1]].sum())

    def select(self, data, channels):
        out = data.shape[0]
        values = data.values.reshape(out, -1)[channels].reshape(-1)
        mask = data.index["mask"].reshape(out, -1)[channels].reshape(-1)
        return SparseData(data.pattern, (len(channels), *data.shape[1:]), values, {"mask": mask})

    def verify(self, data):
        out, k = data.gemm_shape
        g = self.groups(k)
        mask = data.index["mask"]
        if mask.size != out * -(-(g * self.m) // 8):
            raise ValueError(f"mask must have {out} x ceil({g} x {self.m} / 8) bytes, got {mask.size}")
        bits = self._bits(data, out)
        per_group = bits.reshape(out, g, self.m).sum(axis=2)
        if np.any(per_group != self.n):
            raise ValueError(f"every group of {self.m} positions must mark exactly {self.n} stored values")
        if data.values.size != out * g * self.n:
            raise ValueError(f"values must hold {out} x {g} groups x {self.n} = {out * g * self.n} entries, got {data.values.size}")
        matrix = np.zeros(bits.shape, data.values.dtype)
        matrix[bits] = data.values
        if np.any(matrix[:, k:]):
            raise ValueError(f"positions past K = {k} (group padding) must hold zeros")

    def dense_on(self, t) -> bool:
        return not native_nm(self.n, self.m, t)

    def stored_cycles(self, data, positions, loads, t, dtype):
        out, k = data.gemm_shape
        return out * self.groups(k) * t.structured_sparsity_n * positions / mac_rate(t, dtype)
