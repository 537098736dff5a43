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
from bsparse.patterns.format import mac_rate, vector_rate
from bsparse.patterns.indexed import IndexedFormat, SparseData, first_slots, index_dtype, pack_bits, unpack_bits
from bsparse.patterns.nm import TOLERANCE, keep_in_groups, native_nm

__all__ = ["Tile", "TileFormat", "TileVectorWisePattern", "TileWisePattern", "split_sparsity", "tile_wise", "tiles_of"]

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
    """What TW and TVW share: the tile size G, its parsing and printing, and their format: tiles of G
    channels over their kept K positions, with `INNER` N:M slots inside (a row's K then holds at
    least one whole group)."""

    NAME: ClassVar[str]
    INNER: ClassVar[tuple[int, int] | None] = None

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

    @property
    def format(self) -> "TileFormat":
        return TileFormat(str(self), self.tile, self.INNER)

    def fits(self, shape) -> bool:
        """A weight with a channel and a K element (a tile may be smaller than G), or a whole inner group."""
        return len(shape) >= 2 and shape[0] >= 1 and gemm_k(shape) >= (self.INNER[1] if self.INNER else 1)


@dataclass(frozen=True)
class TileWisePattern(_TiledPattern):
    """Whole output channels, then whole K-vectors of tiles of G surviving channels."""

    NAME: ClassVar[str] = "tw"
    SYNTAX: ClassVar[str] = "tw:G"

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
    SYNTAX: ClassVar[str] = "tvw:G"
    INNER: ClassVar[tuple[int, int]] = (2, 4)

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


@dataclass(frozen=True)
class TileFormat(IndexedFormat):
    """Tiles (``tw:G``; ``tvw:G`` adds 2:4 inside tiles). The output channels with a nonzero
    are cut into tiles of ``G`` consecutive ones: tile ``t`` holds
    ``channels[tile_ptr[t]:tile_ptr[t + 1]]`` and keeps the K positions where any of them is
    nonzero (``k_idx[k_ptr[t]:k_ptr[t + 1]]``, ascending); it stores its channels x kept
    positions densely, tile after tile. A core's share keeps its part of each tile (so its tiles
    may be smaller). With an inner ``N:M`` (``tvw``: 2:4), a tile's kept list is a list of slots,
    a multiple of ``M`` long, cut into groups of ``M``; ``-1`` marks a padding slot (no K
    position: the packer closes a group early when a channel would get more than ``N`` nonzeros
    in it). Each channel stores ``N`` values per group, marked as in ``nm``; the bits of all
    tiles' channels are one stream in ``mask``. A core runs each tile densely over its kept
    positions after gathering their activations at ``vector_bytes_per_cycle`` (tvw: the tile's
    2:4 slots, when the core reads 2:4 compressed, else expanded at each load)."""

    pattern: str
    size: int
    inner: tuple[int, int] | None = None
    NAME = "tile"
    INDEX = (("channels", "[survivors] output channels with a nonzero, ascending within a tile"),
             ("tile_ptr", "[tiles + 1] offsets of each tile's channels"),
             ("k_ptr", "[tiles + 1] offsets of each tile's kept K positions"),
             ("k_idx", "kept K positions, ascending per tile"),
             ("mask", "inner N:M bits of every tile's channels over its kept positions (empty without)"))

    def tiles(self, data: SparseData):
        """(channels, kept K slots; -1 pads an inner N:M group) of each tile."""
        return self._tiles(data)

    def real_stored(self, data):
        if self.inner is None:
            return data.stored
        total = sum(len(rows) * len(kept) for rows, kept in self._tiles(data))
        bits = unpack_bits(data.index["mask"], total)
        real = np.concatenate([np.tile(kept >= 0, len(rows)) for rows, kept in self._tiles(data)]) if total else bits
        return int(np.sum(bits & real))

    def _tiles(self, data: SparseData):
        """(channels, kept K positions) of each tile."""
        channels = data.index["channels"].astype(np.int64)
        tile_ptr = data.index["tile_ptr"].astype(np.int64)
        k_ptr, k_idx = data.index["k_ptr"].astype(np.int64), data.index["k_idx"].astype(np.int64)
        for t in range(len(tile_ptr) - 1):
            yield channels[tile_ptr[t]:tile_ptr[t + 1]], k_idx[k_ptr[t]:k_ptr[t + 1]]

    def _width(self, kept: int) -> int:
        """Stored values per channel of a tile with `kept` slots."""
        if self.inner is None:
            return kept
        n, m = self.inner
        return kept // m * n

    def _slots(self, nonzero: np.ndarray, positions: np.ndarray) -> np.ndarray:
        """The inner N:M slot list of a tile: `positions` in groups of M, a group closed early
        (padded with -1) when one of the tile's channels (`nonzero` ``[channels, K]``) would
        get more than N nonzeros in it."""
        n, m = self.inner
        slots: list[int] = []
        counts = np.zeros(nonzero.shape[0], np.int64)
        for p in positions:
            if len(slots) % m == 0:
                counts[:] = 0
            elif np.any(counts + nonzero[:, p] > n):
                slots += [-1] * (m - len(slots) % m)
                counts[:] = 0
            slots.append(int(p))
            counts += nonzero[:, p]
        slots += [-1] * (-len(slots) % m)
        return np.asarray(slots, np.int64)

    def _encode(self, pattern, shape, matrix, tiles: list[tuple[np.ndarray, np.ndarray]]) -> SparseData:
        """Packs `matrix` ([out, K]) as `tiles`: (channels, kept K positions) each."""
        values, bits = [], []
        for channels, positions in tiles:
            if self.inner is None:
                values.append(matrix[np.ix_(channels, positions)].reshape(-1))
                continue
            n, m = self.inner
            block = np.where(positions >= 0, matrix[np.ix_(channels, np.maximum(positions, 0))], 0)
            chosen = first_slots(block.reshape(len(channels), -1, m) != 0, n).reshape(block.shape)
            values.append(block[chosen])
            bits.append(chosen.reshape(-1))
        out, k = matrix.shape
        tile_ptr = np.concatenate([[0], np.cumsum([len(c) for c, _ in tiles])]).astype(np.int64)
        k_ptr = np.concatenate([[0], np.cumsum([len(p) for _, p in tiles])]).astype(np.int64)
        concat = (lambda arrays: np.concatenate(arrays) if arrays else np.zeros(0, np.int64))
        return SparseData(self.pattern, tuple(shape), concat(values).astype(matrix.dtype, copy=False), {
            "channels": concat([c for c, _ in tiles]).astype(index_dtype(out)),
            "tile_ptr": tile_ptr.astype(index_dtype(int(tile_ptr[-1]))),
            "k_ptr": k_ptr.astype(index_dtype(int(k_ptr[-1]))),
            "k_idx": concat([p for _, p in tiles]).astype(index_dtype(k)),  # signed: -1 pads inner groups
            "mask": pack_bits(np.concatenate(bits)) if bits else np.zeros(0, np.uint8),
        })

    def pack(self, weight):
        matrix = to_gemm(weight)
        survivors = np.flatnonzero(np.any(matrix != 0, axis=1))
        tiles = []
        for t in range(0, len(survivors), self.size):
            channels = survivors[t:t + self.size]
            nonzero = matrix[channels] != 0
            positions = np.flatnonzero(np.any(nonzero, axis=0))
            tiles.append((channels, positions if self.inner is None else self._slots(nonzero, positions)))
        return self._encode(self.pattern, weight.shape, matrix, tiles)

    def matrix(self, data):
        out, k = data.gemm_shape
        matrix = np.zeros((out, k), data.values.dtype)
        total_bits = data.index["mask"].size * 8
        bits = unpack_bits(data.index["mask"], total_bits) if self.inner else None
        at, bit_at = 0, 0
        for channels, positions in self._tiles(data):
            width = self._width(len(positions))
            stored = data.values[at:at + len(channels) * width]
            at += len(channels) * width
            if self.inner is None:
                matrix[np.ix_(channels, positions)] = stored.reshape(len(channels), width)
                continue
            chosen = bits[bit_at:bit_at + len(channels) * len(positions)].reshape(len(channels), len(positions))
            bit_at += len(channels) * len(positions)
            block = np.zeros((len(channels), len(positions)), data.values.dtype)
            block[chosen] = stored
            real = positions >= 0
            matrix[np.ix_(channels, positions[real])] = block[:, real]
        return matrix

    def row_values(self, data):
        counts = np.zeros(data.shape[0], np.int64)
        for channels, positions in self._tiles(data):
            counts[channels] = self._width(len(positions))
        return counts

    def select(self, data, channels):
        # A share computes its channels' part of every tile they are in, with the tile's kept positions.
        position = np.full(data.shape[0], -1, np.int64)
        position[channels] = np.arange(len(channels))
        pieces = [(position[mine[position[mine] >= 0]], kept) for mine, kept in self._tiles(data)]
        return self._encode(data.pattern, (len(channels), *data.shape[1:]), self.matrix(data)[channels],
                            [(rows, kept) for rows, kept in pieces if len(rows)])

    def verify(self, data):
        out, k = data.gemm_shape
        channels = data.index["channels"].astype(np.int64)
        tile_ptr = data.index["tile_ptr"].astype(np.int64)
        k_ptr, k_idx = data.index["k_ptr"].astype(np.int64), data.index["k_idx"].astype(np.int64)
        if channels.size and (channels.min() < 0 or channels.max() >= out or np.unique(channels).size != channels.size):
            raise ValueError(f"channels must be distinct and in [0, {out})")
        if tile_ptr.size < 1 or tile_ptr[0] != 0 or tile_ptr[-1] != channels.size or np.any(np.diff(tile_ptr) <= 0):
            raise ValueError(f"tile_ptr must rise strictly from 0 to the {channels.size} channels (no empty tile)")
        if np.any(np.diff(tile_ptr) > self.size):
            raise ValueError(f"a tile holds at most {self.size} channels")
        if k_ptr.size != tile_ptr.size or k_ptr[0] != 0 or k_ptr[-1] != k_idx.size or np.any(np.diff(k_ptr) < 0):
            raise ValueError(f"k_ptr must have one entry per tile_ptr entry, rising from 0 to {k_idx.size}")
        lowest = -1 if self.inner else 0
        if k_idx.size and (k_idx.min() < lowest or k_idx.max() >= k):
            raise ValueError(f"k_idx entries must lie in [0, {k})" + (" or be -1 (padding)" if self.inner else ""))
        tiles = list(self._tiles(data))
        if any(np.any(np.diff(rows) <= 0) or np.any(np.diff(kept[kept >= 0]) <= 0) for rows, kept in tiles):
            raise ValueError("channels and kept K positions must be strictly increasing within a tile")
        if self.inner and any(len(kept) % self.inner[1] for _, kept in tiles):
            raise ValueError(f"each tile's slot list must be a multiple of {self.inner[1]} long")
        expected = sum(len(rows) * self._width(len(kept)) for rows, kept in tiles)
        if data.values.size != expected:
            raise ValueError(f"values must hold {expected} entries for these tiles, got {data.values.size}")
        if self.inner is None:
            if data.index["mask"].size:
                raise ValueError("mask must be empty without an inner N:M pattern")
            return
        n, m = self.inner
        total = sum(len(rows) * len(kept) for rows, kept in tiles)
        if data.index["mask"].size != -(-total // 8):
            raise ValueError(f"mask must have ceil({total} / 8) bytes, got {data.index['mask'].size}")
        bits = unpack_bits(data.index["mask"], total)
        if total and np.any(bits.reshape(-1, m).sum(axis=1) != n):
            raise ValueError(f"every group of {m} slots must mark exactly {n} stored values")
        padding = np.concatenate([np.tile(kept < 0, len(rows)) for rows, kept in tiles]) if tiles else np.zeros(0, bool)
        if np.any(data.values[padding[bits]]):
            raise ValueError("padding slots (-1) must hold zeros")

    def dense_on(self, t) -> bool:
        return False

    def stored_cycles(self, data, positions, loads, t, dtype):
        rate, vector = mac_rate(t, dtype), vector_rate(t, dtype)
        tiles = list(self.tiles(data))
        gather = sum(int(np.sum(kept >= 0)) for _, kept in tiles) * positions / vector  # kept activations, per tile
        if self.inner is None:
            return data.stored * positions / rate + gather
        n, m = self.inner
        slots = sum(len(rows) * len(kept) for rows, kept in tiles)
        if native_nm(n, m, t):
            return slots // m * t.structured_sparsity_n * positions / rate + gather
        return slots * positions / rate + gather + loads * slots / vector
