"""Costed data types: the type cycles and bytes are counted for.

Numerics are always computed in f32; a program is *costed* as if it ran in
one of these types (the seed paper's estimates are INT8; AIE-ML has no native
fp32), so MACs/cycle come from the target's entry for the type and bytes are
counted at its width.
"""

from __future__ import annotations

from bsparse.errors import OptionError

__all__ = ["COSTED_DTYPES", "DEFAULT_DTYPE", "dtype_bytes"]

COSTED_DTYPES: dict[str, int] = {"i8": 1, "i16": 2, "bf16": 2, "f32": 4}
"""Costed type name -> bytes per element."""

DEFAULT_DTYPE = "i8"


def dtype_bytes(name: str) -> int:
    """Bytes per element of costed type `name`."""
    try:
        return COSTED_DTYPES[name]
    except KeyError:
        known = ", ".join(COSTED_DTYPES)
        raise OptionError(f"unknown data type '{name}' (known: {known})") from None
