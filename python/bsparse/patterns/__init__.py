"""Sparsity patterns: one definition each, shared by every part of bsparse.

A pattern string names a pattern and its parameters, e.g. ``block:8x8``,
``nm:2:4``, ``unstructured``, ``tw:128``, ``tvw:128`` or ``gs:8``.
`parse_pattern` is the only parser of such strings.

Every pattern class has the same interface: ``NAME``, ``from_params(text)``,
``str(pattern)`` (canonical, parsed back to an equal pattern), ``fits(shape)``,
``fixed_sparsity`` and ``masks(weights, sparsity, scope, score)`` (boolean
keep masks over logical weights ``[out, in, *window]``) with ``prune``, and
``format``: how its weights are packed, shared out and computed
(`bsparse.patterns.format.Format`). Adding a pattern is one module defining
the pattern and its format, and one `register_pattern` call.
"""

from __future__ import annotations

import functools

from bsparse.errors import OptionError
from bsparse.patterns.block import BlockFormat, BlockPattern, BsrData
from bsparse.patterns.format import Format
from bsparse.patterns.gs import GatherScatterPattern
from bsparse.patterns.indexed import IndexedFormat, SparseData
from bsparse.patterns.nm import NMPattern
from bsparse.patterns.tile import Tile, TileVectorWisePattern, TileWisePattern
from bsparse.patterns.unstructured import UnstructuredPattern

__all__ = [
    "BlockFormat",
    "BlockPattern",
    "BsrData",
    "DEFAULT_PATTERN",
    "Format",
    "GatherScatterPattern",
    "IndexedFormat",
    "NMPattern",
    "PATTERNS",
    "Pattern",
    "SparseData",
    "Tile",
    "TileVectorWisePattern",
    "TileWisePattern",
    "UnstructuredPattern",
    "format_for",
    "parse_pattern",
    "pattern_syntax",
    "register_pattern",
    "unregister_pattern",
]

DEFAULT_PATTERN = "block:8x8"

Pattern = BlockPattern | UnstructuredPattern | NMPattern | TileWisePattern | TileVectorWisePattern | GatherScatterPattern
"""Any sparsity pattern."""

PATTERNS: dict[str, type] = {}
"""Pattern name -> class with a ``from_params(text)`` constructor: the one registry of patterns."""


def register_pattern(cls: type) -> type:
    """Adds a pattern class to `PATTERNS` (usable as a decorator); its ``NAME`` must be new.

    A pattern class has ``NAME``, ``SYNTAX`` (how its string is written, for
    help texts), ``from_params``, ``str()``, ``fits``, ``fixed_sparsity``,
    ``masks`` and ``format`` (its packed format, `bsparse.patterns.format.Format`).
    """
    if cls.NAME in PATTERNS and PATTERNS[cls.NAME] is not cls:
        raise ValueError(f"a sparsity pattern named '{cls.NAME}' is already registered")
    PATTERNS[cls.NAME] = cls
    return cls


def unregister_pattern(name: str) -> None:
    """Removes pattern `name` from `PATTERNS` (a pattern registered for a while, e.g. by a test)."""
    del PATTERNS[name]
    format_for.cache_clear()


for _cls in (BlockPattern, UnstructuredPattern, NMPattern, TileWisePattern, TileVectorWisePattern, GatherScatterPattern):
    register_pattern(_cls)


def pattern_syntax(conjunction: str = "or") -> str:
    """The registered pattern strings for help texts and errors, e.g. ``block:RxC, nm:N:M or gs:B``."""
    forms = [cls.SYNTAX for cls in PATTERNS.values()]
    return forms[0] if len(forms) == 1 else f"{', '.join(forms[:-1])} {conjunction} {forms[-1]}"


def parse_pattern(text: str) -> Pattern:
    """Parses a pattern string such as ``block:8x8`` or ``nm:2:4`` (a name alone means its defaults)."""
    name, _, params = text.strip().partition(":")
    if (cls := PATTERNS.get(name)) is None:
        raise OptionError(f"unknown sparsity pattern '{name}' in '{text}' (known: {pattern_syntax()})")
    return cls.from_params(params)


@functools.cache
def format_for(pattern: str) -> Format:
    """The packed format of a pattern string (`parse_pattern`'s pattern's ``format``), cached."""
    return parse_pattern(pattern).format
