"""Packed formats of the non-block patterns: what is stored, its index, how it decodes.

A block-sparse weight is packed as BSR (`bsparse.patterns.block.BsrData`).
The other patterns see a weight in the GEMM view ``[out, K]``
(`bsparse.patterns.gemm`) and pack it as `SparseData`: a 1-D array of stored
``values`` plus named 1-D integer ``index`` arrays. Each array's integer
width is what an entry costs in memory (the narrowest of ``int8``, ``int16``,
``int32`` that holds the array's range; ``uint8`` for the bit masks, always
named ``mask``), so bytes moved are exact.

One format per pattern family, chosen from the pattern string
(`format_for`):

``csr`` (``unstructured``)
    ``row_ptr [out + 1]``, ``col_idx [nnz]`` (K position, ascending per row);
    values in row order. Stores exactly the nonzeros.
``nm`` (``nm:N:M``)
    K is cut into ``G = ceil(K / M)`` groups of ``M`` (the last padded with
    zeros); every group stores exactly ``N`` values (a group with fewer
    nonzeros stores zeros at its first zero positions), marked in ``mask``:
    one bit per dense position, ``N`` set per group, packed little-endian
    per output channel into ``ceil(G * M / 8)`` bytes -- the layout of
    AIE-ML's compressed sparse load, which reads a bit per position
    (HARDWARE.md, "Sparsity support"). Values ``[out, G, N]`` in position order.
``gs`` (``gs:B``)
    K position ``k`` lives in bank ``k mod B`` at offset ``k // B`` (K padded
    to a multiple of B). Every (output channel, bank) stores the same number
    ``n`` of values (the largest nonzero count of any; fewer nonzeros are
    padded with zeros at its first zero offsets): ``offset [out, B, n]``,
    ascending per (channel, bank), values in the same order. Equal counts per
    bank are the gather-scatter load-balance invariant.
``tile`` (``tw:G``; ``tvw:G`` adds 2:4 inside tiles)
    The output channels with a nonzero are cut into tiles of ``G``
    consecutive ones: tile ``t`` holds ``channels[tile_ptr[t]:tile_ptr[t + 1]]``
    and keeps the K positions where any of them is nonzero
    (``k_idx[k_ptr[t]:k_ptr[t + 1]]``, ascending); it stores its channels x
    kept positions densely, tile after tile. A core's share keeps its part of
    each tile (so its tiles may be smaller). With an inner ``N:M`` (``tvw``:
    2:4), a tile's kept list is a list of slots, a multiple of ``M`` long,
    cut into groups of ``M``; ``-1`` marks a padding slot (no K position:
    the packer closes a group early when a channel would get more than ``N``
    nonzeros in it). Each channel stores ``N`` values per group, marked as
    in ``nm``; the bits of all tiles' channels are one stream in ``mask``.

Every format can decode any weight it packed (`SparseData.to_dense`) and
selects output channels (`SparseData.select`: a core's share, distinct
channels in ascending order). ``row_values`` is each output channel's stored values:
the MACs it costs per output position.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from bsparse.errors import OptionError
from bsparse.patterns.gemm import from_gemm, to_gemm

__all__ = ["FORMATS", "SparseData", "format_for", "from_index_bytes", "index_bytes_of", "index_dtype", "index_layout"]


def index_dtype(largest: int) -> np.dtype:
    """The narrowest signed integer type (8, 16 or 32 bits) holding ``-1 .. largest``."""
    if largest < 2**7:
        return np.dtype(np.int8)
    if largest < 2**15:
        return np.dtype(np.int16)
    if largest < 2**31:
        return np.dtype(np.int32)
    raise ValueError(f"an index of {largest} does not fit 32 bits")


def _pack_bits(bits: np.ndarray) -> np.ndarray:
    return np.packbits(bits.astype(bool), axis=-1, bitorder="little")


def _unpack_bits(mask: np.ndarray, count: int) -> np.ndarray:
    return np.unpackbits(np.asarray(mask, np.uint8), axis=-1, count=count, bitorder="little").astype(bool)


def _first_slots(nonzero: np.ndarray, slots: int) -> np.ndarray:
    """Per row of `nonzero` ``[..., P]``: a bool mask of ``slots`` positions holding every
    nonzero, filled with the first zero positions. Raises if a row has more nonzeros."""
    counts = nonzero.sum(axis=-1)
    if slots < nonzero.shape[-1] and counts.size and counts.max() > slots:
        raise ValueError(f"a group holds {int(counts.max())} nonzeros, more than its {slots} slots")
    order = np.argsort(~nonzero, axis=-1, kind="stable")[..., :slots]  # nonzeros first, then zeros by position
    chosen = np.zeros(nonzero.shape, bool)
    np.put_along_axis(chosen, order, True, axis=-1)
    return chosen


@dataclass(frozen=True)
class SparseData:
    """A weight packed in a non-block format (module docstring).

    Attributes:
        pattern: The canonical pattern string; names the format (`format_for`).
        shape: Logical weight shape ``[out, in, *window]``.
        values: The stored values, 1-D.
        index: The format's index arrays by name, each 1-D.
    """

    pattern: str
    shape: tuple[int, ...]
    values: np.ndarray
    index: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def format(self) -> "_Format":
        return format_for(self.pattern)

    @property
    def gemm_shape(self) -> tuple[int, int]:
        return self.shape[0], math.prod(self.shape[1:])

    @property
    def stored(self) -> int:
        """Stored values, padding slots included."""
        return int(self.values.size)

    @property
    def index_bytes(self) -> int:
        return int(sum(array.nbytes for array in self.index.values()))

    def to_dense(self) -> np.ndarray:
        """The logical weight."""
        return from_gemm(self.format.matrix(self), self.shape)

    def row_values(self) -> np.ndarray:
        """``[out]``: stored values of each output channel (its MACs per output position)."""
        return self.format.row_values(self)

    def real_stored(self) -> int:
        """Stored values at real weight positions (group, bank and tile padding slots excluded):
        the MACs per output position counted in reports."""
        return self.format.real_stored(self)

    def select(self, channels) -> "SparseData":
        """The output channels `channels` (distinct, ascending), as a weight of ``len(channels)`` channels."""
        channels = np.asarray(channels, np.int64)
        if channels.ndim != 1 or np.any(np.diff(channels) <= 0) or (channels.size and (
                channels[0] < 0 or channels[-1] >= self.shape[0])):
            raise ValueError(f"channels must be distinct, ascending and in [0, {self.shape[0]})")
        return self.format.select(self, channels)

    def verify(self) -> None:
        """Raises ValueError if the arrays do not form a valid weight of `shape` in this format."""
        if len(self.shape) < 2 or any(d <= 0 for d in self.shape):
            raise ValueError(f"weight shape must be [out, in, *window] with positive sizes, got {list(self.shape)}")
        if self.values.ndim != 1:
            raise ValueError(f"values must be 1-D, got shape {list(self.values.shape)}")
        fmt = self.format
        expected = [name for name, _ in fmt.INDEX]
        if sorted(self.index) != sorted(expected):
            raise ValueError(f"format '{fmt.NAME}' has index arrays {', '.join(expected)}, got {', '.join(sorted(self.index)) or 'none'}")
        for name, array in self.index.items():
            if array.ndim != 1 or not np.issubdtype(array.dtype, np.integer):
                raise ValueError(f"index array '{name}' must be 1-D integers")
        fmt.verify(self)


class _Format:
    """One packed format; subclasses define the arrays and their meaning."""

    NAME: ClassVar[str]
    INDEX: ClassVar[tuple[tuple[str, str], ...]]
    """Index arrays: (name, meaning), in storage order."""

    def pack(self, pattern: str, weight: np.ndarray) -> SparseData:
        raise NotImplementedError

    def matrix(self, data: SparseData) -> np.ndarray:
        raise NotImplementedError

    def row_values(self, data: SparseData) -> np.ndarray:
        raise NotImplementedError

    def select(self, data: SparseData, channels: np.ndarray) -> SparseData:
        raise NotImplementedError

    def verify(self, data: SparseData) -> None:
        raise NotImplementedError

    def real_stored(self, data: SparseData) -> int:
        return data.stored


# ----------------------------------------------------------------------------- csr


class _Csr(_Format):
    NAME = "csr"
    INDEX = (("row_ptr", "[out + 1] offsets of each output channel's values"),
             ("col_idx", "[nnz] K position of each value, ascending per channel"))

    def pack(self, pattern, weight):
        matrix = to_gemm(weight)
        rows, cols = np.nonzero(matrix)
        counts = np.bincount(rows, minlength=matrix.shape[0])
        row_ptr = np.concatenate([[0], np.cumsum(counts)])
        return SparseData(pattern, tuple(weight.shape), matrix[rows, cols], {
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


# ----------------------------------------------------------------------------- nm


@dataclass(frozen=True)
class _NM(_Format):
    n: int
    m: int
    NAME = "nm"
    INDEX = (("mask", "[out * ceil(G * M / 8)] bytes: one bit per dense position, N set per group of M"),)

    def groups(self, k: int) -> int:
        return -(-k // self.m)

    def pack(self, pattern, weight):
        matrix = to_gemm(weight)
        out, k = matrix.shape
        g = self.groups(k)
        padded = np.zeros((out, g * self.m), matrix.dtype)
        padded[:, :k] = matrix
        chosen = _first_slots(padded.reshape(out, g, self.m) != 0, self.n).reshape(out, g * self.m)
        return SparseData(pattern, tuple(weight.shape), padded[chosen], {"mask": _pack_bits(chosen).reshape(-1)})

    def _bits(self, data, out):
        k = data.gemm_shape[1]
        width = self.groups(k) * self.m
        return _unpack_bits(data.index["mask"].reshape(out, -1), width)

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


# ----------------------------------------------------------------------------- gs


@dataclass(frozen=True)
class _GS(_Format):
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

    def pack(self, pattern, weight):
        matrix = to_gemm(weight)
        out, k = matrix.shape
        banks = self._by_bank(matrix)
        nonzero = banks != 0
        n = int(nonzero.sum(axis=2).max()) if nonzero.size else 0
        chosen = _first_slots(nonzero, n)
        offsets = np.nonzero(chosen)[2].reshape(out, self.banks, n)  # ascending within (channel, bank)
        return SparseData(pattern, tuple(weight.shape), banks[chosen], {
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


# ----------------------------------------------------------------------------- tile (tw, tvw)


@dataclass(frozen=True)
class _Tile(_Format):
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
        bits = _unpack_bits(data.index["mask"], total)
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
            chosen = _first_slots(block.reshape(len(channels), -1, m) != 0, n).reshape(block.shape)
            values.append(block[chosen])
            bits.append(chosen.reshape(-1))
        out, k = matrix.shape
        tile_ptr = np.concatenate([[0], np.cumsum([len(c) for c, _ in tiles])]).astype(np.int64)
        k_ptr = np.concatenate([[0], np.cumsum([len(p) for _, p in tiles])]).astype(np.int64)
        concat = (lambda arrays: np.concatenate(arrays) if arrays else np.zeros(0, np.int64))
        return SparseData(pattern, tuple(shape), concat(values).astype(matrix.dtype, copy=False), {
            "channels": concat([c for c, _ in tiles]).astype(index_dtype(out)),
            "tile_ptr": tile_ptr.astype(index_dtype(int(tile_ptr[-1]))),
            "k_ptr": k_ptr.astype(index_dtype(int(k_ptr[-1]))),
            "k_idx": concat([p for _, p in tiles]).astype(index_dtype(k)),  # signed: -1 pads inner groups
            "mask": _pack_bits(np.concatenate(bits)) if bits else np.zeros(0, np.uint8),
        })

    def pack(self, pattern, weight):
        matrix = to_gemm(weight)
        survivors = np.flatnonzero(np.any(matrix != 0, axis=1))
        tiles = []
        for t in range(0, len(survivors), self.size):
            channels = survivors[t:t + self.size]
            nonzero = matrix[channels] != 0
            positions = np.flatnonzero(np.any(nonzero, axis=0))
            tiles.append((channels, positions if self.inner is None else self._slots(nonzero, positions)))
        return self._encode(pattern, weight.shape, matrix, tiles)

    def matrix(self, data):
        out, k = data.gemm_shape
        matrix = np.zeros((out, k), data.values.dtype)
        total_bits = data.index["mask"].size * 8
        bits = _unpack_bits(data.index["mask"], total_bits) if self.inner else None
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
        bits = _unpack_bits(data.index["mask"], total)
        if total and np.any(bits.reshape(-1, m).sum(axis=1) != n):
            raise ValueError(f"every group of {m} slots must mark exactly {n} stored values")
        padding = np.concatenate([np.tile(kept < 0, len(rows)) for rows, kept in tiles]) if tiles else np.zeros(0, bool)
        if np.any(data.values[padding[bits]]):
            raise ValueError("padding slots (-1) must hold zeros")


FORMATS = ("csr", "nm", "gs", "tile")
"""The format names (`SparseData.format.NAME`)."""


@functools.cache
def format_for(pattern: str) -> _Format:
    """The packed format of a (non-block) pattern string, e.g. ``nm:2:4`` -> N:M with N = 2, M = 4.

    Raises:
        OptionError: an unknown pattern, or a block pattern (packed as BSR).
    """
    from bsparse.patterns import (
        BlockPattern,
        GatherScatterPattern,
        NMPattern,
        TileVectorWisePattern,
        TileWisePattern,
        UnstructuredPattern,
        parse_pattern,
    )

    parsed = parse_pattern(pattern)
    if isinstance(parsed, UnstructuredPattern):
        return _Csr()
    if isinstance(parsed, NMPattern):
        return _NM(parsed.n, parsed.m)
    if isinstance(parsed, GatherScatterPattern):
        return _GS(parsed.banks)
    if isinstance(parsed, TileWisePattern):
        return _Tile(parsed.tile)
    if isinstance(parsed, TileVectorWisePattern):
        return _Tile(parsed.tile, (2, 4))
    assert isinstance(parsed, BlockPattern), parsed
    raise OptionError(f"'{pattern}' is a block pattern: it is packed as BSR (bsparse.patterns.block), not as SparseData")


def index_layout(data: SparseData) -> dict[str, str]:
    """How `index_bytes_of` lays out `data`'s index arrays: name -> ``"<dtype>:<count>"``
    (numpy dtype code, e.g. ``"i2:9"``), in name order."""
    return {name: f"{data.index[name].dtype.str.lstrip('<>|=')}:{data.index[name].size}" for name in sorted(data.index)}


def index_bytes_of(data: SparseData) -> np.ndarray:
    """The index arrays as one little-endian byte string (``uint8``), in name order."""
    parts = [np.ascontiguousarray(data.index[name]).astype(data.index[name].dtype.newbyteorder("<"), copy=False)
             .view(np.uint8).reshape(-1) for name in sorted(data.index)]
    return np.concatenate(parts) if parts else np.zeros(0, np.uint8)


def from_index_bytes(pattern: str, shape, values: np.ndarray, raw: np.ndarray, layout: dict[str, str]) -> SparseData:
    """Inverse of `index_bytes_of` given `index_layout`'s description."""
    raw = np.asarray(raw).view(np.uint8).reshape(-1)
    index, at = {}, 0
    for name in sorted(layout):
        code, count = layout[name].split(":")
        dtype = np.dtype("<" + code) if code != "u1" else np.dtype(np.uint8)
        size = int(count) * dtype.itemsize
        if at + size > raw.size:
            raise ValueError(f"index bytes end before array '{name}' ({raw.size} bytes)")
        index[name] = raw[at:at + size].view(dtype).astype(dtype.newbyteorder("="), copy=True)
        at += size
    return SparseData(pattern, tuple(shape), values, index)
