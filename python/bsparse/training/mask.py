"""The block mask: a PyTorch parametrization that zeroes whole blocks of a weight.

Blocks are `bsparse.patterns.BlockPattern`'s, over the weight's logical layout
``[out, in, *window]``; that is PyTorch's own layout for ``nn.Linear`` and
``nn.ConvNd`` (grouped and depthwise included), so the blocks training zeroes
are the blocks ``bsparse-pack`` leaves out.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from bsparse.patterns import BlockPattern

__all__ = ["BlockMask", "weight_array"]


def weight_array(weight: torch.Tensor) -> np.ndarray:
    """A float numpy copy of `weight` for `BlockPattern`'s scoring."""
    return weight.detach().to(device="cpu", dtype=torch.float32).numpy()


class BlockMask(nn.Module):
    """Parametrization ``weight -> where(mask, weight, 0)``.

    Optimizers update the raw parameter (``<layer>.parametrizations.weight.original``).
    Masked entries get no gradient from the loss, but weight decay or momentum
    may still move them: the weight the layer computes with stays exactly
    zero there whatever the optimizer does, and `bsparse.training.finalize`
    writes that weight.

    Args:
        pattern: The block pattern.
        shape: The weight's shape ``[out, in, *window]``.
    """

    def __init__(self, pattern: BlockPattern, shape: torch.Size):
        super().__init__()
        self.pattern = pattern
        self.register_buffer("mask", torch.ones(shape, dtype=torch.bool))

    def forward(self, weight: torch.Tensor) -> torch.Tensor:
        return torch.where(self.mask, weight, 0.0)

    def set_kept_blocks(self, keep: np.ndarray) -> None:
        """Keeps the blocks where `keep` (``[block_rows, block_cols]``) is True and masks the others.

        The mask is replaced, not written in place: a forward pass whose
        backward has not run yet keeps the mask it used.
        """
        ones = np.ones(tuple(self.mask.shape), dtype=bool)
        mask = torch.from_numpy(self.pattern.apply_mask(ones, keep))
        self.mask = mask.to(self.mask.device)

    def kept_blocks(self) -> np.ndarray:
        """``[block_rows, block_cols]``: True for each block the mask keeps."""
        return self.pattern.block_mask(self.mask.cpu().numpy())

    def extra_repr(self) -> str:
        keep = self.kept_blocks()
        return f"{self.pattern}, kept {int(keep.sum())}/{keep.size} blocks"
