"""A dependency-free, single-line stage/percentage status on stderr (or a callback)."""

from __future__ import annotations

import sys
import time
from typing import Callable, Union

#: ``progress`` may be a callable ``(stage, done, total)``; ``total`` is 0 when unknown.
ProgressCallback = Callable[[str, int, int], None]


class Progress:
    """A one-line ``[bsparse] import ResNet: import 45% (73/161 tensors) [6.3 s]`` status on stderr."""

    def __init__(self, enabled: Union[bool, ProgressCallback, None], title: str, unit: str = "tensors") -> None:
        self._stream = sys.stderr  # captured now: torch-mlir swaps sys.stderr while lowering
        if enabled is None:
            enabled = bool(getattr(self._stream, "isatty", lambda: False)())
        self._callback: ProgressCallback | None = enabled if callable(enabled) else None
        self._print = enabled is True
        self._title = title
        self._unit = unit
        self._start = time.perf_counter()
        self._stage = ""
        self._total = 0
        self._done = 0
        self._last_draw = 0.0

    def stage(self, name: str, total: int = 0) -> None:
        """Start stage ``name``; ``total`` steps are expected (0: unknown)."""
        self._stage, self._total, self._done = name, total, 0
        self._emit(force=True)

    def step(self) -> None:
        """One more step of the current stage is done."""
        self._done += 1
        self._emit(force=self._done == self._total)

    def close(self, ok: bool) -> None:
        """End the status line with the total time (or "failed")."""
        self._stage = ""
        if self._print:
            elapsed = time.perf_counter() - self._start
            status = f"done in {elapsed:.1f} s" if ok else "failed"
            self._stream.write(f"\r\033[K[bsparse] {self._title}: {status}\n")
            self._stream.flush()

    def _emit(self, force: bool) -> None:
        if self._callback is not None:
            self._callback(self._stage, self._done, self._total)
        if not self._print:
            return
        now = time.perf_counter()
        if not force and now - self._last_draw < 0.1:
            return
        self._last_draw = now
        detail = ""
        if self._total:
            detail = f" {100 * self._done // self._total:3d}% ({self._done}/{self._total} {self._unit})"
        elapsed = now - self._start
        self._stream.write(f"\r\033[K[bsparse] {self._title}: {self._stage}{detail} [{elapsed:.1f} s]")
        self._stream.flush()


__all__ = ["Progress", "ProgressCallback"]
