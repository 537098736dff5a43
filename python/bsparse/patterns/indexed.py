"""Weights stored as values plus named index arrays: the formats of the non-block patterns.

A pattern that is not a block pattern sees a weight in the GEMM view
``[out, K]`` (`bsparse.patterns.gemm`) and packs it as `SparseData`: a 1-D
array of stored ``values`` plus named 1-D integer ``index`` arrays. Each
array's integer width is what an entry costs in memory (the narrowest of
``int8``, ``int16``, ``int32`` that holds the array's range; ``uint8`` for
bit masks, always named ``mask``), so bytes moved are exact. In the IR such
a weight is a ``bsparse.packed_sparse`` (encoding ``"indexed"``), its index
moved as one byte string (`index_bytes_of`, `index_layout`).

Each pattern module defines its format as a subclass of `IndexedFormat`
(``unstructured``: CSR, ``nm``: bit masks, ``gs``: bank offsets, ``tw`` /
``tvw``: tiles), with the arrays' meaning in its docstring. Every format
decodes any weight it packed (`SparseData.to_dense`) and selects output
channels (`SparseData.select`: a core's share, distinct channels in
ascending order). ``row_values`` is each output channel's stored values: the
MACs it costs per output position.

What a core does with such a share (`IndexedFormat.compute_cycles`): a
format the target cannot compute as stored (`IndexedFormat.dense_on`: by
default every one) is expanded to dense in L1 at ``vector_bytes_per_cycle``
each time it is loaded and computed densely, saving bytes, not cycles;
formats the core can skip zeros of override `IndexedFormat.stored_cycles`.
A core's channels come in row units of ``sparse_row_channels`` (a target
field), loaded with the values they compute.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from bsparse.patterns.format import Format, mac_rate, vector_rate
from bsparse.patterns.gemm import from_gemm

__all__ = ["IndexedFormat", "SparseData", "first_slots", "from_index_bytes", "index_bytes_of", "index_dtype",
           "index_layout", "pack_bits", "unpack_bits"]


def index_dtype(largest: int) -> np.dtype:
    """The narrowest signed integer type (8, 16 or 32 bits) holding ``-1 .. largest``."""
    if largest < 2**7:
        return np.dtype(np.int8)
    if largest < 2**15:
        return np.dtype(np.int16)
    if largest < 2**31:
        return np.dtype(np.int32)
    raise ValueError(f"an index of {largest} does not fit 32 bits")


def pack_bits(bits: np.ndarray) -> np.ndarray:
    return np.packbits(bits.astype(bool), axis=-1, bitorder="little")


def unpack_bits(mask: np.ndarray, count: int) -> np.ndarray:
    return np.unpackbits(np.asarray(mask, np.uint8), axis=-1, count=count, bitorder="little").astype(bool)


def first_slots(nonzero: np.ndarray, slots: int) -> np.ndarray:
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
        pattern: The canonical pattern string; names the format (`bsparse.patterns.format_for`).
        shape: Logical weight shape ``[out, in, *window]``.
        values: The stored values, 1-D.
        index: The format's index arrays by name, each 1-D.
    """

    pattern: str
    shape: tuple[int, ...]
    values: np.ndarray
    index: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def format(self) -> "IndexedFormat":
        from bsparse.patterns import format_for  # the registry, above the formats

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



class IndexedFormat(Format):
    """A format of values plus named index arrays; subclasses define the arrays and their meaning.

    Subclasses are frozen dataclasses whose first field is ``pattern``, the
    canonical pattern string their data carry.
    """

    NAME: ClassVar[str]
    INDEX: ClassVar[tuple[tuple[str, str], ...]]
    """Index arrays: (name, meaning), in storage order."""
    ENCODING: ClassVar[str] = "indexed"
    pattern: str

    def matrix(self, data: SparseData) -> np.ndarray:
        """The GEMM view ``[out, K]`` of the weight."""
        raise NotImplementedError

    def row_values(self, data: SparseData) -> np.ndarray:
        raise NotImplementedError

    def select(self, data: SparseData, channels: np.ndarray) -> SparseData:
        raise NotImplementedError

    def verify(self, data: SparseData) -> None:
        raise NotImplementedError

    def real_stored(self, data: SparseData) -> int:
        return data.stored

    def holds(self, weight: np.ndarray) -> SparseData | None:
        """`weight` in this format when that stores fewer values than the dense weight has
        elements; None for a weight without zeros or whose zeros do not fit the pattern."""
        if not np.any(weight == 0):
            return None
        try:
            data = self.pack(weight)
        except ValueError:  # its zeros do not fit the pattern
            return None
        return data if data.stored < weight.size else None

    # --- on a target

    def dense_on(self, t) -> bool:
        """Whether `t`'s cores compute a share in this format densely, expanding it in L1 at each load."""
        return True

    def stored_cycles(self, data: SparseData, positions: int, loads: int, t, dtype: str) -> float:
        """Cycles of a share the core computes as stored (`dense_on` False); default: its stored values."""
        return data.stored * positions / mac_rate(t, dtype)

    def row_unit(self, t) -> int:
        return t.sparse_row_channels

    def row_loads(self, data: SparseData, t) -> np.ndarray:
        """The values each row unit computes: its stored values, or all K of each channel when dense."""
        unit = self.row_unit(t)
        if self.dense_on(t):
            per_channel = np.full(data.shape[0], data.gemm_shape[1], np.int64)
        else:
            per_channel = data.row_values()
        units = -(-len(per_channel) // unit)
        padded = np.zeros(units * unit, np.int64)
        padded[:len(per_channel)] = per_channel
        return padded.reshape(units, unit).sum(axis=1)

    def share(self, data: SparseData, rows, t) -> SparseData:
        unit = self.row_unit(t)
        channels = [np.arange(r * unit, min((r + 1) * unit, data.shape[0])) for r in rows]
        return data.select(np.concatenate(channels + [np.zeros(0, np.int64)]))

    def macs_per_position(self, data: SparseData) -> int:
        return data.real_stored()

    def compute_cycles(self, data: SparseData, positions: int, index_passes: int, loads: int, t, dtype: str) -> float:
        if self.dense_on(t):  # write the share out densely in L1 at each load, then compute densely
            out, k = data.gemm_shape
            return out * k * positions / mac_rate(t, dtype) + loads * out * k / vector_rate(t, dtype)
        return self.stored_cycles(data, positions, loads, t, dtype)

    def tile_work(self, data: SparseData, t) -> dict:
        # entries are single values; the index is bytes, moved with the values in proportion
        unit = self.row_unit(t)
        return {"blocks": data.stored, "block_elements": 1, "index_entries": data.index_bytes, "index_bytes": 1,
                "block_rows": -(-data.shape[0] // unit), "row_height": unit,
                "chunk_index_bytes": self.chunk_index_bytes(data, t)}

    def chunk_index_bytes(self, data: SparseData, t) -> float:
        return data.index_bytes / max(data.stored, 1)


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

