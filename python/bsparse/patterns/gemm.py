"""The GEMM view of a weight, and the selection helpers every pattern's `masks` shares.

The non-block patterns (unstructured, N:M, TW, TVW, GS) are defined on the
GEMM matrix ``B^T`` of shape ``[N, K]`` = ``[out, K]``: one row per output
channel, ``K = prod(window) * in`` reduction elements per row.

K is ordered ``(*window, in)``, input channel fastest: ``k = t * in + c``
for kernel tap ``t`` (the window position, row-major) and input channel
``c``. That is the im2col order of an
NHWC activation, the order NVIDIA's ASP uses for N:M on convolutions, so a
group of M consecutive K elements is M input channels of one kernel tap
(whenever ``in`` is a multiple of M), which is also what the accelerator's
channel-innermost activation layout reads contiguously. A matmul weight
``[out, in]`` is its own GEMM view.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from bsparse.errors import OptionError

__all__ = [
    "SCOPES",
    "SCORES",
    "apply_keep",
    "check_scope",
    "check_score",
    "check_sparsity",
    "gemm_k",
    "from_gemm",
    "keep_largest",
    "split_like",
    "to_gemm",
    "unit_scores",
]

SCOPES = ("layer", "global")
SCORES = ("l2", "l1")


def gemm_k(shape: Sequence[int]) -> int:
    """K of a weight of logical `shape` ``[out, in, *window]``: ``in * prod(window)``."""
    return math.prod(shape[1:])


def to_gemm(weight: np.ndarray) -> np.ndarray:
    """``[out, in, *window]`` -> ``[out, K]`` with K ordered ``(*window, in)``.

    A view where numpy can make one (always for a matmul weight), else a copy.
    """
    if weight.ndim < 2:
        raise ValueError(f"a weight needs at least 2 dimensions [out, in, *window], got shape {weight.shape}")
    return np.moveaxis(weight, 1, -1).reshape(weight.shape[0], -1)


def from_gemm(matrix: np.ndarray, shape: Sequence[int]) -> np.ndarray:
    """``[out, K]`` -> the weight of logical `shape`; the exact inverse of `to_gemm`."""
    out, inp, *window = shape
    return np.moveaxis(matrix.reshape(out, *window, inp), -1, 1)


def unit_scores(values: np.ndarray, axis, score: str) -> np.ndarray:
    """Scores of units of several elements: ``l2`` root mean square, ``l1`` mean |w|.

    Normalising by the element count makes units of different sizes (channels
    of layers with different K, tiles of different heights) comparable.
    """
    values = np.asarray(values, dtype=np.float64)
    if score == "l2":
        return np.sqrt(np.mean(values**2, axis=axis))
    if score == "l1":
        return np.mean(np.abs(values), axis=axis)
    raise OptionError(f"unknown score '{score}' (known: {', '.join(SCORES)})")


def keep_largest(scores: np.ndarray, count: int, axis: int) -> np.ndarray:
    """True for the `count` largest entries along `axis` of every line.

    The ``size - count`` lowest are pruned by a stable sort, so among equal
    scores the earlier position is pruned first, as in `keep_mask`. Pad with
    ``-inf`` to make padding the first pruned.
    """
    length = scores.shape[axis]
    order = np.argsort(scores, axis=axis, kind="stable")
    keep = np.zeros(scores.shape, dtype=bool)
    kept = np.take(order, range(length - min(count, length), length), axis=axis)
    np.put_along_axis(keep, kept, True, axis=axis)
    return keep


def apply_keep(weight: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """A copy of `weight`, same dtype, zero where `keep` is False."""
    return np.where(keep, weight, np.zeros((), dtype=weight.dtype))


def split_like(flat: np.ndarray, sizes: Sequence[int]) -> list[np.ndarray]:
    """Cuts a concatenation back into consecutive parts of `sizes`."""
    return np.split(flat, np.cumsum(sizes)[:-1]) if len(sizes) else []


def check_sparsity(sparsity: float) -> float:
    """`sparsity` as a float in [0, 1], else `OptionError`."""
    if not 0.0 <= float(sparsity) <= 1.0:
        raise OptionError(f"sparsity must be a fraction in [0, 1], got {sparsity}")
    return float(sparsity)


def check_scope(scope: str) -> str:
    """`scope` if it is one of `SCOPES`, else `OptionError`."""
    if scope not in SCOPES:
        raise OptionError(f"unknown pruning scope '{scope}' (known: {', '.join(SCOPES)})")
    return scope


def check_score(score: str) -> str:
    """`score` if it is one of `SCORES`, else `OptionError`."""
    if score not in SCORES:
        raise OptionError(f"unknown score '{score}' (known: {', '.join(SCORES)})")
    return score
