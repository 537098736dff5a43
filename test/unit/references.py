"""Reference views the unit tests check bsparse against, written out with explicit loops (no bsparse code)."""

from __future__ import annotations

import itertools

import numpy as np


def relative_error(got, want) -> float:
    """The largest absolute difference of `got` from `want`, relative to the largest magnitude in `want`."""
    got, want = np.asarray(got), np.asarray(want)
    return float(np.abs(got - want).max() / max(np.abs(want).max(), 1e-30))


def _array(weight) -> np.ndarray:
    """A numpy array of a numpy or torch weight."""
    return weight.detach().numpy() if hasattr(weight, "detach") else np.asarray(weight)


def gemm_view(weight) -> np.ndarray:
    """The GEMM view ``[out, K]`` of a ``[out, in, *window]`` weight, K ordered ``(*window, in)``:
    ``k = tap * in + c`` for kernel tap ``tap`` (row-major over the window) and input channel ``c``."""
    weight = _array(weight)
    out, inp = weight.shape[:2]
    taps = list(itertools.product(*map(range, weight.shape[2:])))
    matrix = np.zeros((out, len(taps) * inp), weight.dtype)
    for o in range(out):
        for t, tap in enumerate(taps):
            for c in range(inp):
                matrix[o, t * inp + c] = weight[(o, c, *tap)]
    return matrix


def zero_blocks(weight, r: int = 8, c: int = 8) -> tuple[int, int]:
    """``(all-zero blocks, blocks)`` of r x c blocks over (out, in) of a weight (edge blocks partial)."""
    weight = _array(weight)
    out, inp = weight.shape[:2]
    zero = total = 0
    for i in range(0, out, r):
        for j in range(0, inp, c):
            total += 1
            zero += not np.any(weight[i:i + r, j:j + c])
    return zero, total
