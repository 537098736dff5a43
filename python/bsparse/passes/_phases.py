"""The phases of a convolution over a zero-inserted input: a transposed convolution on its real positions.

torch-mlir lowers ``ConvTranspose{1,2}d`` with stride ``s`` to a stride-1
convolution over the input with ``s - 1`` zeros inserted between its elements
and the borders padded (``tensor.insert_slice`` with strides ``s`` into a zero
fill). Computed as it stands, ``(s^2 - 1) / s^2`` of its MACs multiply zeros.
Along one spatial dim, output ``y = s q + r`` only meets real inputs through
the taps ``k`` with ``r + d k - o`` a multiple of ``s`` (``o`` the offset of
the first real input, ``d`` the dilation): an arithmetic progression of taps
that reads consecutive real inputs. So each output phase ``r`` is an ordinary
stride-1 convolution of the original input with a sub-kernel: the polyphase
(sub-pixel) decomposition. Its results interleave with stride ``s``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["Phase", "phases"]


@dataclass(frozen=True)
class Phase:
    """Output phase `first` (every `stride`-th output from it) along one spatial dim.

    Attributes:
        first: The phase's first output index.
        count: Its number of outputs.
        taps: The kernel taps it uses (empty: it meets no real input; its outputs are the initial value).
        dilation: Input positions between consecutive taps of the sub-kernel.
        start, stop: The real inputs it reads, ``[start, stop)``.
        pad_low, pad_high: Zeros around them (the zero-inserted input's border within reach).
    """

    first: int
    count: int
    taps: range
    dilation: int
    start: int
    stop: int
    pad_low: int
    pad_high: int

    @property
    def empty(self) -> bool:
        """True if no output of the phase meets a real input."""
        return len(self.taps) == 0 or self.stop <= self.start


def phases(offset: int, stride: int, length: int, outputs: int, kernel: int, dilation: int) -> list[Phase]:
    """The output phases of a stride-1 convolution along a dim whose real inputs sit at ``offset + stride i``.

    Args:
        offset: Position of real input 0 in the zero-inserted input (negative if a crop cut the front).
        stride: Positions between real inputs.
        length: Number of real inputs.
        outputs: Number of outputs of the convolution.
        kernel: Taps of its kernel.
        dilation: Its dilation.
    """
    step = stride // math.gcd(stride, dilation)  # taps between two that meet real inputs
    found = []
    for first in range(min(stride, outputs)):
        count = len(range(first, outputs, stride))
        k0 = next((k for k in range(min(step, kernel)) if (first + dilation * k - offset) % stride == 0), None)
        taps = range(0) if k0 is None else range(k0, kernel, step)
        sub_dilation = dilation * step // stride
        if not taps:
            found.append(Phase(first, count, taps, sub_dilation, 0, 0, 0, 0))
            continue
        low = (first + dilation * k0 - offset) // stride  # real input read by output 0 of the phase, tap 0
        high = low + count - 1 + sub_dilation * (len(taps) - 1)  # the last one read
        start, stop = max(low, 0), min(high + 1, length)
        found.append(Phase(first, count, taps, sub_dilation, start, stop, max(-low, 0), max(high + 1 - length, 0)))
    return found
