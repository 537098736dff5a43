"""Training to a sparsity pattern: masks on a PyTorch model's weights, pruned one-shot or gradually, then finalized.

>>> from bsparse import training
>>> training.prune(model, "block:8x8", sparsity=0.5)      # masks on Linear/Conv weights, classifier kept dense
>>> training.prune(model, "nm:2:4", sparsity=0.5)         # or any registered pattern (patterns.pattern_syntax())
>>> ...                                                   # the user's own training loop, unchanged
>>> training.finalize(model)                              # plain weights, pruned weights exactly zero
>>> bsparse.compile(model, x, pattern="nm:2:4", sparsity=None)  # the compiler keeps those zeros and skips them

Importing this package imports PyTorch.
"""

from __future__ import annotations

from bsparse.training.mask import PatternMask
from bsparse.training.prune import (
    LAYER_TYPES, Pruning, block_sparsity, classifier_name, finalize, prunable_layers, prune,
)
from bsparse.training.schedule import CubicSchedule

__all__ = [
    "LAYER_TYPES", "CubicSchedule", "PatternMask", "Pruning", "block_sparsity", "classifier_name", "finalize",
    "prunable_layers", "prune",
]
