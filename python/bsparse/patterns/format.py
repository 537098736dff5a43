"""The format protocol: how a pattern's weights are stored, shared out over cores and computed.

Every pattern has one format (its ``format`` property), and everything
after pruning asks the format, never the pattern's name: bsparse-pack packs
with it, bsparse-partition balances the loads it reports, bsparse-to-aie
cuts the shares and plans their tiles from it, and the cost model takes
each core's compute cycles from it. A packed weight (the format's data,
e.g. `bsparse.patterns.block.BsrData` or `bsparse.patterns.indexed.SparseData`)
carries its format, so code holding a weight calls ``data.format.<method>(data, ...)``.

A format's data has ``shape`` (the logical weight ``[out, in, *window]``),
``values`` (stored entries along axis 0: blocks or single values),
``stored`` (entries), ``pattern`` (the canonical pattern string),
``to_dense()`` and ``verify()``.

``ENCODING`` says which IR holds the data (`bsparse.packed`): ``"bsr"`` a
``bsparse.packed_weight`` (values, ``row_ptr``, ``col_idx``) computed by the
``aie.*_bsr`` kernels, ``"indexed"`` a ``bsparse.packed_sparse`` (values and
named index arrays, moved as one byte string) computed by ``aie.*_sparse``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from bsparse.dtypes import COSTED_DTYPES

__all__ = ["Format", "mac_rate", "vector_rate"]


def mac_rate(t, dtype: str) -> float:
    """MACs per cycle a core's kernel sustains on `t` in `dtype` (``macs_per_cycle x kernel_efficiency``)."""
    return t.macs_per_cycle_for(dtype, allow_emulated=True) * t.kernel_efficiency


def vector_rate(t, dtype: str) -> float:
    """Elements per cycle of a core's copy work (``vector_bytes_per_cycle`` / element bytes)."""
    return t.vector_bytes_per_cycle / COSTED_DTYPES[dtype]


class Format:
    """One pattern's packed format (module docstring). Subclasses define every method."""

    ENCODING: ClassVar[str]

    def pack(self, weight: np.ndarray) -> Any:
        """`weight` (``[out, in, *window]``) in this format; ValueError if its zeros do not fit it."""
        raise NotImplementedError

    def holds(self, weight: np.ndarray) -> Any | None:
        """`weight` in this format when the format is worth it for it, else None (bsparse-pack then
        packs it in blocks)."""
        raise NotImplementedError

    def row_unit(self, t) -> int:
        """Output channels per block row: the unit in which a core's channels come on target `t`."""
        raise NotImplementedError

    def row_loads(self, data, t) -> np.ndarray:
        """``[block rows]``: the work of each block row on `t` (stored blocks, or values computed)."""
        raise NotImplementedError

    def share(self, data, rows: Sequence[int], t) -> Any:
        """The block rows `rows` (ascending) as a weight of their output channels, in this format."""
        raise NotImplementedError

    def macs_per_position(self, data) -> int:
        """MACs of one output position on the stored entries at real weight positions (reports count these)."""
        raise NotImplementedError

    def compute_cycles(self, data, positions: int, index_passes: int, loads: int, t, dtype: str) -> float:
        """A core's cycles of MACs (and index or expansion work) on share `data`.

        Args:
            positions: Output positions the share is applied at.
            index_passes: Times the kernel walks the share's index (once per output tile and channel group).
            loads: Times the share is loaded into L1 (1 when resident).
            t, dtype: The target and the costed type.
        """
        raise NotImplementedError

    def tile_work(self, data, t) -> dict[str, Any]:
        """The weight's fields of `bsparse.passes._tiling.Work` for share `data` on `t`:
        ``blocks``, ``block_elements``, ``index_entries``, ``index_bytes``, ``block_rows``,
        ``row_height`` and, when the index moves in proportion to the values, ``chunk_index_bytes``."""
        raise NotImplementedError

    def chunk_index_bytes(self, data, t) -> float:
        """Index bytes that go with each stored entry when the weight moves in chunks."""
        raise NotImplementedError
