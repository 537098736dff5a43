"""Tile-wise (TW) and tile-vector-wise (TVW) sparsity (Guo et al., SC'20).

PATTERNS.md section 2, following the SC'20 artifact. In the GEMM view
(`bsparse.patterns.gemm`: rows = output channels N, columns = K) TW prunes
at sparsity s in three steps, with s split evenly between them as the
artifact does (75% = 50% of channels x 50% of K-vectors):
``s_col = s_row = 1 - sqrt(1 - s)``.

1. Zero ``round(s_col * out)`` whole output channels with the lowest score
   (``l2``: root mean square of the row, ``l1``: mean ``|w|``), per layer or
   with one ranking over all layers' channels (scope ``global``; the per
   element normalisation makes layers with different K comparable).
2. Group the surviving channels, in their original order, into tiles of G
   consecutive survivors; the last tile may be smaller.
3. A K-vector is one column k of a tile (its values on the tile's channels).
   Zero ``round(s_row * number of K-vectors)`` of the lowest-scoring K-vectors
   (RMS / mean ``|w|`` over the tile's channels), ranked over all tiles of the
   layer together (scope ``layer``) or of all layers (``global``).

The artifact ranks both steps globally and prunes gradually with fine-tuning
in between; here one call prunes once, and scope chooses the ranking.
The achieved density is ``(1 - s_col) * (1 - s_row)`` up to rounding.

TVW = TW + 2:4. Its density is ``(1 - s_TW) * 0.5``, so TVW at s runs TW at
``s_TW = 2 s - 1`` (s must be at least 0.5), then, inside every tile, cuts
each channel's kept K indices (in order) into consecutive groups of 4 and
keeps the 2 largest ``|w|`` of each group; a last group of fewer than 4 keeps
``min(2, length)``. A channel with k kept K indices thus keeps
``2 * (k // 4) + min(2, k % 4)``, a little more than ``k / 2`` when 4 does
not divide k, so TVW's density is only approximately ``1 - s``. Scope
``global`` applies to the TW step; the 2:4 step is local by definition.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, NamedTuple, Self

import numpy as np

from bsparse.errors import OptionError
from bsparse.patterns.block import keep_masks
from bsparse.patterns.gemm import apply_keep, check_scope, check_score, check_sparsity, from_gemm, gemm_k, to_gemm, unit_scores
from bsparse.patterns.nm import TOLERANCE, keep_in_groups

__all__ = ["Tile", "TileVectorWisePattern", "TileWisePattern", "split_sparsity", "tile_wise", "tiles_of"]

DEFAULT_TILE = 128
"""Output channels per tile in the SC'20 artifact."""


class Tile(NamedTuple):
    """One tile of a TW/TVW weight in the GEMM view."""

    channels: np.ndarray
    """Output channels (GEMM rows) of the tile, increasing."""
    kept_k: np.ndarray
    """K indices the tile keeps, increasing: the activation columns to gather."""


def split_sparsity(sparsity: float) -> float:
    """The sparsity of each TW step, ``1 - sqrt(1 - s)``: the two steps share s evenly."""
    return 1.0 - math.sqrt(1.0 - sparsity)


def tile_wise(
    matrices: Sequence[np.ndarray], sparsity: float, tile: int, scope: str, score: str
) -> list[tuple[np.ndarray, list[Tile]]]:
    """TW on GEMM matrices ``[out, K]``: for each, its keep mask and its tiles.

    The tiles are those of step 2 with their step-3 kept K indices, including
    tiles that kept no K at all.
    """
    share = split_sparsity(sparsity)
    channel_keep = keep_masks([unit_scores(m, 1, score) for m in matrices], share, scope)
    groups = [_group(np.flatnonzero(keep), tile) for keep in channel_keep]
    vector_scores = [
        np.stack([unit_scores(m[channels], 0, score) for channels in layer]) if layer else np.empty((0, m.shape[1]))
        for m, layer in zip(matrices, groups)
    ]
    vector_keep = keep_masks(vector_scores, share, scope)
    result = []
    for m, layer, kept in zip(matrices, groups, vector_keep):
        mask = np.zeros(m.shape, dtype=bool)
        tiles = [Tile(channels, np.flatnonzero(row)) for channels, row in zip(layer, kept)]
        for channels, kept_k in tiles:
            mask[np.ix_(channels, kept_k)] = True
        result.append((mask, tiles))
    return result


def tiles_of(mask_or_weight: np.ndarray, tile: int) -> list[Tile]:
    """The nonempty tiles of a pruned weight ``[out, in, *window]``, read from its nonzeros."""
    nonzero = to_gemm(np.asarray(mask_or_weight) != 0)
    channels = np.flatnonzero(nonzero.any(axis=1))
    groups = _group(channels, tile)
    return [Tile(group, np.flatnonzero(nonzero[group].any(axis=0))) for group in groups]


def _group(channels: np.ndarray, tile: int) -> list[np.ndarray]:
    return [channels[start : start + tile] for start in range(0, len(channels), tile)]


def _parse_tile(cls, params: str):
    if not params.strip():
        return cls()
    if not (match := re.fullmatch(r"\s*(\d+)\s*", params)):
        raise OptionError(
            f"{cls.NAME} pattern expects '{cls.NAME}' or '{cls.NAME}:G' with a positive tile size G "
            f"(output channels per tile), got '{cls.NAME}:{params}'"
        )
    return cls(int(match[1]))


def _check_tile(pattern) -> None:
    if pattern.tile < 1:
        raise OptionError(f"{pattern.NAME} tile size must be positive, got {pattern.NAME}:{pattern.tile}")


def _gemm_float64(weights: Sequence[np.ndarray]) -> list[np.ndarray]:
    return [to_gemm(np.asarray(w, dtype=np.float64)) for w in weights]


@dataclass(frozen=True)
class _TiledPattern:
    """What TW and TVW share: the tile size G, its parsing and printing."""

    NAME: ClassVar[str]

    tile: int = DEFAULT_TILE

    def __post_init__(self):
        _check_tile(self)

    @classmethod
    def from_params(cls, params: str) -> Self:
        """Parses ``G`` (empty means 128)."""
        return _parse_tile(cls, params)

    def __str__(self) -> str:
        return f"{self.NAME}:{self.tile}"

    @property
    def fixed_sparsity(self) -> float | None:
        return None


@dataclass(frozen=True)
class TileWisePattern(_TiledPattern):
    """Whole output channels, then whole K-vectors of tiles of G surviving channels."""

    NAME: ClassVar[str] = "tw"

    def fits(self, shape) -> bool:
        """Any weight with a channel and a K element: a tile may be smaller than G."""
        return len(shape) >= 2 and shape[0] >= 1 and gemm_k(shape) >= 1

    def masks(self, weights: Sequence[np.ndarray], sparsity: float, scope: str = "layer", score: str = "l2") -> list[np.ndarray]:
        """Boolean keep masks: whole channels, then whole tile K-vectors (module docstring).

        Args:
            weights: Weights in logical layout ``[out, in, *window]``.
            sparsity: Target fraction of zeros, in [0, 1], split evenly between the steps.
            scope: ``layer`` or ``global`` (one ranking over all weights in both steps).
            score: ``l2`` (root mean square) or ``l1`` (mean ``|w|``) of a channel or K-vector.

        Raises:
            OptionError: For a bad sparsity, scope or score.
        """
        sparsity, scope, score = check_sparsity(sparsity), check_scope(scope), check_score(score)
        pruned = tile_wise(_gemm_float64(weights), sparsity, self.tile, scope, score)
        return [from_gemm(mask, w.shape) for (mask, _), w in zip(pruned, weights)]

    def prune(self, weight: np.ndarray, sparsity: float, score: str = "l2") -> np.ndarray:
        """`weight` pruned tile-wise at `sparsity`, per layer."""
        return apply_keep(weight, self.masks([weight], sparsity, "layer", score)[0])

    def tiles(self, mask_or_weight: np.ndarray) -> list[Tile]:
        """The tiles of a TW-pruned weight (or of its keep mask), in channel order.

        Channels with a nonzero are grouped by G and each tile lists the K
        indices where it has a nonzero. For a mask from `masks` this is
        exactly the pruning's tiles, minus tiles that kept no K-vector (they
        hold G channels, so dropping them shifts no other tile). A weight
        with zeros of its own in kept places may read differently: pass the
        mask when that matters.
        """
        return tiles_of(mask_or_weight, self.tile)


@dataclass(frozen=True)
class TileVectorWisePattern(_TiledPattern):
    """TW at the memory level, then 2:4 along each channel's kept K inside the tile."""

    NAME: ClassVar[str] = "tvw"

    def fits(self, shape) -> bool:
        """True if a row's K holds at least one whole 2:4 group."""
        return len(shape) >= 2 and shape[0] >= 1 and gemm_k(shape) >= 4

    def tw_sparsity(self, sparsity: float) -> float:
        """The TW step's sparsity ``2 s - 1``, since density = ``(1 - s_TW) * 0.5``."""
        if sparsity < 0.5 - TOLERANCE:
            raise OptionError(f"tvw needs sparsity >= 0.5: its 2:4 step alone removes half (got {sparsity:g}; use tw below 0.5)")
        return max(0.0, 2.0 * sparsity - 1.0)

    def masks(self, weights: Sequence[np.ndarray], sparsity: float, scope: str = "layer", score: str = "l2") -> list[np.ndarray]:
        """Boolean keep masks: TW at ``2 s - 1``, then 2:4 in each tile (module docstring).

        Args:
            weights: Weights in logical layout ``[out, in, *window]``.
            sparsity: Target fraction of zeros, in [0.5, 1].
            scope: ``layer`` or ``global`` (the TW step's rankings only).
            score: ``l2`` or ``l1`` for TW's channels and K-vectors.

        Raises:
            OptionError: For a sparsity below 0.5 or a bad sparsity, scope or score.
        """
        tw_sparsity = self.tw_sparsity(check_sparsity(sparsity))
        scope, score = check_scope(scope), check_score(score)
        matrices = _gemm_float64(weights)
        masks = []
        for matrix, (mask, tiles), w in zip(matrices, tile_wise(matrices, tw_sparsity, self.tile, scope, score), weights):
            for channels, kept_k in tiles:
                cells = np.ix_(channels, kept_k)
                mask[cells] = keep_in_groups(np.abs(matrix[cells]), 2, 4)
            masks.append(from_gemm(mask, w.shape))
        return masks

    def prune(self, weight: np.ndarray, sparsity: float, score: str = "l2") -> np.ndarray:
        """`weight` pruned tile-vector-wise at `sparsity`, per layer."""
        return apply_keep(weight, self.masks([weight], sparsity, "layer", score)[0])

    def tiles(self, mask_or_weight: np.ndarray) -> list[Tile]:
        """The tiles of a TVW-pruned weight (or mask), read from its nonzeros as for TW.

        Caveat: `kept_k` lists the K indices where the tile has a nonzero. A
        K index that the TW step kept but that every channel of the tile
        dropped in the 2:4 step (likely only in tiles of one or two channels)
        is not listed, so the 2:4 groups of the pruning are not always the
        consecutive fours of this `kept_k`.
        """
        return tiles_of(mask_or_weight, self.tile)
