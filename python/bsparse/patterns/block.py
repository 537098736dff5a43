"""Weight block sparsity (D'Alberto et al., 2024): R x C blocks, BSR storage.

A weight is taken in its logical layout ``[out, in, *window]``. A block is
``R`` output channels x ``C`` input channels x the whole window. The block grid
is ``ceil(out/R) x ceil(in/C)``; edge blocks are zero-padded, never rejected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from bsparse.errors import OptionError

__all__ = ["BlockPattern", "BsrData"]


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
class BlockPattern:
    """R x C weight blocks over (out, in), spanning the kernel window."""

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
