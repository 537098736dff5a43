"""User-facing errors.

Every error a user can cause (bad IR, a bad option, an unknown target) is a
`BsparseError`: the tools print its message as ``error: ...`` and exit 1.
Assertions stay for bsparse's own invariants.
"""

from __future__ import annotations


class BsparseError(Exception):
    """An error caused by the user's input, reported without a traceback.

    Args:
        message: What is wrong and, where possible, how to fix it.
        location: ``file:line:col`` of the offending input, if known.
    """

    def __init__(self, message: str, location: str | None = None):
        super().__init__(message)
        self.message = message
        self.location = location

    def __str__(self) -> str:
        if self.location:
            return f"{self.location}: error: {self.message}"
        return f"error: {self.message}"


class OptionError(BsparseError):
    """A pass, pattern or pipeline option that is malformed or out of range."""


class BsparseCompilerError(BsparseError):
    """A pass pipeline failed; the message carries a `bsparse-opt` repro command."""
