"""The pattern mask: a PyTorch parametrization that zeroes the weights a sparsity pattern prunes.

The mask is an element mask over the weight's logical layout
``[out, in, *window]``, computed by the pattern's own ``masks`` (any pattern
of `bsparse.patterns`: blocks, unstructured, N:M, TW/TVW, GS). That is
PyTorch's own layout for ``nn.Linear`` and ``nn.ConvNd`` (grouped and
depthwise included), so the weights training zeroes are the ones
``bsparse-sparsify`` would zero and ``bsparse-pack`` leaves out.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from bsparse.patterns import BlockPattern, Pattern

__all__ = ["PatternMask", "weight_array"]


def weight_array(weight: torch.Tensor) -> np.ndarray:
    """A float numpy copy of `weight` for a pattern's scoring."""
    return weight.detach().to(device="cpu", dtype=torch.float32).numpy()


class PatternMask(nn.Module):
    """Parametrization ``weight -> where(mask, weight, 0)``.

    Optimizers update the raw parameter (``<layer>.parametrizations.weight.original``).
    Masked entries get no gradient from the loss, but weight decay or momentum
    may still move them: the weight the layer computes with stays exactly
    zero there whatever the optimizer does, and `bsparse.training.finalize`
    writes that weight.

    Args:
        pattern: The sparsity pattern whose masks this holds.
        shape: The weight's shape ``[out, in, *window]``.
    """

    def __init__(self, pattern: Pattern, shape: torch.Size):
        super().__init__()
        self.pattern = pattern
        self.register_buffer("mask", torch.ones(shape, dtype=torch.bool))

    def forward(self, weight: torch.Tensor) -> torch.Tensor:
        return torch.where(self.mask, weight, 0.0)

    def set_mask(self, keep: np.ndarray) -> None:
        """Keeps the weights where `keep` (a boolean array of the weight's shape) is True, masks the others.

        The mask is replaced, not written in place: a forward pass whose
        backward has not run yet keeps the mask it used.
        """
        if tuple(np.shape(keep)) != tuple(self.mask.shape):
            raise ValueError(f"a mask of shape {list(np.shape(keep))} for a weight of shape {list(self.mask.shape)}")
        self.mask = torch.from_numpy(np.array(keep, dtype=bool)).to(self.mask.device)

    def kept_blocks(self) -> np.ndarray:
        """``[block_rows, block_cols]``: True for each block the mask keeps (block patterns only)."""
        if not isinstance(self.pattern, BlockPattern):
            raise TypeError(f"{self.pattern} is not a block pattern: it has no blocks")
        return self.pattern.block_mask(self.mask.cpu().numpy())

    def extra_repr(self) -> str:
        if isinstance(self.pattern, BlockPattern):
            keep = self.kept_blocks()
            return f"{self.pattern}, kept {int(keep.sum())}/{keep.size} blocks"
        return f"{self.pattern}, kept {int(self.mask.sum())}/{self.mask.numel()} weights"
