"""Sparsity patterns: one definition each, shared by every part of bsparse.

A pattern string names a pattern and its parameters, e.g. ``block:8x8``,
``nm:2:4``, ``unstructured``, ``tw:128``, ``tvw:128`` or ``gs:8``.
`parse_pattern` is the only parser of such strings.

Every pattern class has the same interface: ``NAME``, ``from_params(text)``,
``str(pattern)`` (canonical, parsed back to an equal pattern), ``fits(shape)``,
``fixed_sparsity`` and ``masks(weights, sparsity, scope, score)`` (boolean
keep masks over logical weights ``[out, in, *window]``) with ``prune``.
"""

from __future__ import annotations

from bsparse.errors import OptionError
from bsparse.patterns.block import BlockPattern, BsrData
from bsparse.patterns.gs import GatherScatterPattern
from bsparse.patterns.nm import NMPattern
from bsparse.patterns.tile import Tile, TileVectorWisePattern, TileWisePattern
from bsparse.patterns.unstructured import UnstructuredPattern

__all__ = [
    "BlockPattern",
    "BsrData",
    "DEFAULT_PATTERN",
    "GatherScatterPattern",
    "NMPattern",
    "PATTERNS",
    "Pattern",
    "Tile",
    "TileVectorWisePattern",
    "TileWisePattern",
    "UnstructuredPattern",
    "parse_pattern",
]

DEFAULT_PATTERN = "block:8x8"

Pattern = BlockPattern | UnstructuredPattern | NMPattern | TileWisePattern | TileVectorWisePattern | GatherScatterPattern
"""Any sparsity pattern."""

PATTERNS: dict[str, type[Pattern]] = {
    cls.NAME: cls
    for cls in (BlockPattern, UnstructuredPattern, NMPattern, TileWisePattern, TileVectorWisePattern, GatherScatterPattern)
}
"""Pattern name -> class with a ``from_params(text)`` constructor."""


def parse_pattern(text: str) -> Pattern:
    """Parses a pattern string such as ``block:8x8`` or ``nm:2:4`` (a name alone means its defaults)."""
    name, _, params = text.strip().partition(":")
    if (cls := PATTERNS.get(name)) is None:
        known = ", ".join(sorted(PATTERNS))
        raise OptionError(f"unknown sparsity pattern '{name}' in '{text}' (known: {known})")
    return cls.from_params(params)
