"""Sparsity patterns: one definition each, shared by every part of bsparse.

A pattern string names a pattern and its parameters, e.g. ``block:8x8``.
`parse_pattern` is the only parser of such strings.
"""

from __future__ import annotations

from bsparse.errors import OptionError
from bsparse.patterns.block import BlockPattern, BsrData

__all__ = ["BlockPattern", "BsrData", "DEFAULT_PATTERN", "PATTERNS", "parse_pattern"]

DEFAULT_PATTERN = "block:8x8"

PATTERNS = {"block": BlockPattern}
"""Pattern name -> class with a ``from_params(text)`` constructor."""


def parse_pattern(text: str):
    """Parses a pattern string such as ``block:8x8`` (``block`` alone means 8x8)."""
    name, _, params = text.strip().partition(":")
    if (cls := PATTERNS.get(name)) is None:
        known = ", ".join(sorted(PATTERNS))
        raise OptionError(f"unknown sparsity pattern '{name}' in '{text}' (known: {known})")
    return cls.from_params(params)
