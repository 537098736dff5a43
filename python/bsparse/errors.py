"""User-facing errors.

Every error a user can cause (bad IR, a bad option, an unknown target) is a
`BsparseError`: the tools print its message as ``error: ...`` and exit 1.
Assertions stay for bsparse's own invariants.
"""

from __future__ import annotations

import sys
import warnings


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


class BsparseWarning(UserWarning):
    """Something bsparse left as it was and says so: a constant weight it did not pack, with the reason.

    The tools print it as ``LOCATION: warning: ...`` on stderr; strict mode (``strict=True``,
    ``--strict``, ``bsparse-pack{strict=true}``) makes it an error instead.

    Args:
        message: What was left and why.
        location: ``file:line:col`` of the op, if known.
        ir_location: The op's ``ir.Location``, for tools that render locations themselves.
    """

    def __init__(self, message: str, location: str | None = None, ir_location=None):
        super().__init__(message)
        self.message = message
        self.location = location
        self.ir_location = ir_location

    def __str__(self) -> str:
        return f"{self.location}: warning: {self.message}" if self.location else f"warning: {self.message}"


def print_bsparse_warnings() -> None:
    """Makes the command-line tools print every `BsparseWarning` as ``LOCATION: warning: ...`` on stderr."""
    default = warnings.showwarning

    def show(message, category, filename, lineno, file=None, line=None):
        if issubclass(category, BsparseWarning):
            print(message, file=file or sys.stderr)
        else:
            default(message, category, filename, lineno, file, line)

    warnings.showwarning = show
    warnings.simplefilter("always", BsparseWarning)
