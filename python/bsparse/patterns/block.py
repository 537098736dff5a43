"""Weight block sparsity (D'Alberto et al., 2024): R x C blocks, BSR storage.

A weight is taken in its logical layout ``[out, in, *window]``. A block is
``R`` output channels x ``C`` input channels x the whole window. The block grid
is ``ceil(out/R) x ceil(in/C)``; edge blocks are zero-padded, never rejected.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from bsparse.errors import OptionError
from bsparse.patterns.format import Format, mac_rate
from bsparse.patterns.gemm import check_scope, check_sparsity, split_like

__all__ = ["BlockFormat", "BlockPattern", "BsrData", "keep_mask", "keep_masks"]


@dataclass(frozen=True)
class BsrData:
    """A weight in block compressed sparse row form.

    Attributes:
        shape: Logical dense shape ``[out, in, *window]``.
        block: ``(R, C)``.
        values: Stored blocks ``[nnzb, R, C, *window]`` in block-row order.
        row_ptr: ``[block_rows + 1]`` offsets into `values`.
        col_idx: ``[nnzb]`` block column of each stored block.
    """

    shape: tuple[int, ...]
    block: tuple[int, int]
    values: np.ndarray
    row_ptr: np.ndarray
    col_idx: np.ndarray

    @property
    def nnzb(self) -> int:
        return int(self.values.shape[0])

    @property
    def stored(self) -> int:
        """Stored entries: blocks."""
        return self.nnzb

    @property
    def format(self) -> "BlockFormat":
        return BlockFormat(*self.block)

    @property
    def pattern(self) -> str:
        return str(BlockPattern(*self.block))

    @property
    def grid(self) -> tuple[int, int]:
        return -(-self.shape[0] // self.block[0]), -(-self.shape[1] // self.block[1])

    @property
    def density(self) -> float:
        rows, cols = self.grid
        return self.nnzb / (rows * cols)

    def block_rows(self) -> np.ndarray:
        """Block row of each stored block, ``[nnzb]``."""
        return np.repeat(np.arange(self.grid[0]), np.diff(self.row_ptr))

    def to_dense(self) -> np.ndarray:
        """The dense logical weight (edge padding dropped)."""
        rows, cols = self.grid
        r, c = self.block
        window = tuple(self.shape[2:])
        blocks = np.zeros((rows, cols, r, c, *window), dtype=self.values.dtype)
        blocks[self.block_rows(), self.col_idx] = self.values
        order = (0, 2, 1, 3, *range(4, 4 + len(window)))
        dense = blocks.transpose(order).reshape(rows * r, cols * c, *window)
        return dense[: self.shape[0], : self.shape[1]]


@dataclass(frozen=True)
class BlockFormat(Format):
    """BSR: the stored R x C blocks of each block row, with ``row_ptr`` and ``col_idx``.

    A core's channels come in block rows of R; a block row's load is its
    stored blocks (each costs a full block per output position whatever its
    edge padding). A share that stores every block of its grid runs as a
    dense kernel (no block index to walk); otherwise the kernel pays
    ``block_index_overhead_cycles`` per stored block and index pass. The
    index moves at ``block_index_bytes`` per entry.
    """

    rows: int
    cols: int
    ENCODING: ClassVar[str] = "bsr"

    def pack(self, weight: np.ndarray) -> BsrData:
        return BlockPattern(self.rows, self.cols).pack(weight)

    def holds(self, weight: np.ndarray) -> BsrData:
        """Always: blocks hold any weight, dense ones too (edge blocks are zero-padded)."""
        return self.pack(weight)

    def row_unit(self, t) -> int:
        return self.rows

    def row_loads(self, data: BsrData, t) -> np.ndarray:
        return np.diff(data.row_ptr)

    def share(self, data: BsrData, rows, t) -> BsrData:
        rows = [int(r) for r in rows]
        blocks = np.concatenate([np.arange(data.row_ptr[r], data.row_ptr[r + 1]) for r in rows] + [np.zeros(0, np.int64)])
        counts = np.diff(data.row_ptr)[rows]
        channels = sum(min((r + 1) * self.rows, data.shape[0]) - r * self.rows for r in rows)
        return BsrData((channels, *data.shape[1:]), data.block, data.values[blocks],
                       np.concatenate([[0], np.cumsum(counts)]).astype(np.int64), data.col_idx[blocks])

    def macs_per_position(self, data: BsrData) -> int:
        block_rows = data.block_rows()
        real_out = np.minimum(self.rows, data.shape[0] - block_rows * self.rows)
        real_in = np.minimum(self.cols, data.shape[1] - np.asarray(data.col_idx) * self.cols)
        window = int(np.prod(data.shape[2:], dtype=np.int64))
        return int(np.sum(real_out * real_in, dtype=np.int64)) * window

    def indexed_blocks(self, data: BsrData) -> int:
        """Stored blocks whose index the kernel walks: none when every block of the grid is stored."""
        rows, cols = data.grid
        return data.nnzb if data.nnzb < rows * cols else 0

    def compute_cycles(self, data: BsrData, positions: int, index_passes: int, loads: int, t, dtype: str) -> float:
        macs = self.macs_per_position(data) * positions
        return macs / mac_rate(t, dtype) + self.indexed_blocks(data) * index_passes * t.block_index_overhead_cycles

    def tile_work(self, data: BsrData, t) -> dict:
        window = int(np.prod(data.shape[2:], dtype=np.int64))
        return {"blocks": data.nnzb, "block_elements": self.rows * self.cols * window,
                "index_entries": len(data.row_ptr) + data.nnzb, "index_bytes": t.block_index_bytes,
                "block_rows": len(data.row_ptr) - 1, "row_height": self.rows}

    def chunk_index_bytes(self, data: BsrData, t) -> float:
        return t.block_index_bytes


def keep_mask(scores: np.ndarray, sparsity: float) -> np.ndarray:
    """True for all but the ``round(sparsity * scores.size)`` lowest scores.

    Ties are broken by position (stable sort), so the result is deterministic.
    """
    prune = int(round(sparsity * scores.size))
    keep = np.ones(scores.size, dtype=bool)
    keep[np.argsort(scores, axis=None, kind="stable")[:prune]] = False
    return keep.reshape(scores.shape)


def keep_masks(scores: Sequence[np.ndarray], sparsity: float, scope: str) -> list[np.ndarray]:
    """`keep_mask` of each layer's scores (scope ``layer``) or of all together (``global``).

    Global ranks the concatenation of all layers' scores (in order, each
    flattened), so ties go to the earlier layer's earlier position too.
    """
    if check_scope(scope) == "layer":
        return [keep_mask(s, sparsity) for s in scores]
    flat = keep_mask(np.concatenate([np.ravel(s) for s in scores] + [np.empty(0)]), sparsity)
    return [part.reshape(np.shape(s)) for part, s in zip(split_like(flat, [np.size(s) for s in scores]), scores)]


@dataclass(frozen=True)
class BlockPattern:
    """R x C weight blocks over (out, in), spanning the kernel window."""

    NAME: ClassVar[str] = "block"
    SYNTAX: ClassVar[str] = "block:RxC"

    rows: int = 8
    cols: int = 8

    def __post_init__(self):
        if self.rows < 1 or self.cols < 1:
            raise OptionError(f"block shape must be positive, got {self.rows}x{self.cols}")

    @classmethod
    def from_params(cls, params: str) -> "BlockPattern":
        """Parses ``RxC`` (empty means 8x8)."""
        if not params:
            return cls()
        if not (match := re.fullmatch(r"\s*(\d+)\s*x\s*(\d+)\s*", params)):
            raise OptionError(f"block pattern expects 'block:RxC' with positive R and C, got 'block:{params}'")
        return cls(int(match[1]), int(match[2]))

    def __str__(self) -> str:
        return f"block:{self.rows}x{self.cols}"

    @property
    def format(self) -> BlockFormat:
        """BSR with this block shape."""
        return BlockFormat(self.rows, self.cols)

    @property
    def fixed_sparsity(self) -> float | None:
        """None: any fraction of blocks can be zeroed."""
        return None

    @property
    def block(self) -> tuple[int, int]:
        return self.rows, self.cols

    def blocks(self, weight: np.ndarray) -> np.ndarray:
        """Zero-padded block view ``[block_rows, block_cols, R, C, *window]``."""
        out, inp = weight.shape[:2]
        r, c = self.block
        rows, cols = -(-out // r), -(-inp // c)
        pad = [(0, rows * r - out), (0, cols * c - inp)] + [(0, 0)] * (weight.ndim - 2)
        padded = np.pad(weight, pad) if any(p[1] for p in pad[:2]) else weight
        grid = padded.reshape(rows, r, cols, c, *weight.shape[2:])
        return grid.transpose(0, 2, 1, 3, *range(4, weight.ndim + 2))

    def block_mask(self, weight: np.ndarray) -> np.ndarray:
        """``[block_rows, block_cols]``: True where a block has a nonzero."""
        blocks = self.blocks(weight)
        return blocks.reshape(*blocks.shape[:2], -1).any(axis=2)

    def fits(self, shape) -> bool:
        """True if a weight of `shape` can hold at least one whole block."""
        return shape[0] >= self.rows and shape[1] >= self.cols

    def scores(self, weight: np.ndarray, score: str = "l2") -> np.ndarray:
        """``[block_rows, block_cols]`` block scores, normalised per real element.

        ``l2``: root mean square of the block; ``l1``: mean absolute value.
        Normalising by the number of real (non-padding) elements makes scores
        of edge blocks and of layers with different windows comparable, which
        global pruning needs.
        """
        blocks = self.blocks(weight).astype(np.float64, copy=False)
        flat = blocks.reshape(*blocks.shape[:2], -1)
        count = self.blocks(np.ones(weight.shape[:2] + (1,) * (weight.ndim - 2), np.float64))
        count = count.reshape(*count.shape[:2], -1).sum(axis=2) * int(np.prod(weight.shape[2:]))
        if score == "l2":
            return np.sqrt((flat**2).sum(axis=2) / count)
        if score == "l1":
            return np.abs(flat).sum(axis=2) / count
        raise OptionError(f"unknown block score '{score}' (known: l1, l2)")

    def apply_mask(self, weight: np.ndarray, keep: np.ndarray) -> np.ndarray:
        """A copy of `weight` with the blocks where `keep` is False zeroed."""
        r, c = self.block
        full = np.repeat(np.repeat(keep, r, axis=0), c, axis=1)[: weight.shape[0], : weight.shape[1]]
        return weight * full.reshape(full.shape + (1,) * (weight.ndim - 2)).astype(weight.dtype)

    def masks(self, weights: Sequence[np.ndarray], sparsity: float, scope: str = "layer", score: str = "l2") -> list[np.ndarray]:
        """Boolean keep masks, one per weight: whole blocks, lowest `scores` pruned.

        Args:
            weights: Weights in logical layout ``[out, in, *window]``.
            sparsity: Fraction of blocks to zero, in [0, 1].
            scope: ``layer`` (``round(sparsity * blocks)`` per weight) or
                ``global`` (one ranking of all weights' blocks; the scores are
                normalised per element, so blocks of different layers compare).
            score: ``l2`` or ``l1`` (see `scores`).

        Raises:
            OptionError: For a bad sparsity, scope or score.
        """
        sparsity = check_sparsity(sparsity)
        kept = keep_masks([self.scores(w, score) for w in weights], sparsity, scope)
        return [self.apply_mask(np.ones(w.shape, dtype=bool), keep) for w, keep in zip(weights, kept)]

    def prune(self, weight: np.ndarray, sparsity: float, score: str = "l2") -> np.ndarray:
        """Zeroes the ``round(sparsity * blocks)`` lowest-scoring blocks of `weight`."""
        return self.apply_mask(weight, keep_mask(self.scores(weight, score), sparsity))

    def pack(self, weight: np.ndarray) -> BsrData:
        """Packs the nonzero blocks of `weight` (``[out, in, *window]``)."""
        if weight.ndim < 2:
            raise ValueError(f"a weight needs at least 2 dimensions, got shape {weight.shape}")
        blocks = self.blocks(weight)
        mask = blocks.reshape(*blocks.shape[:2], -1).any(axis=2)
        row_ptr = np.concatenate([[0], np.cumsum(mask.sum(axis=1))]).astype(np.int64)
        col_idx = np.nonzero(mask)[1].astype(np.int64)
        values = np.ascontiguousarray(blocks[mask])
        return BsrData(tuple(weight.shape), self.block, values, row_ptr, col_idx)
