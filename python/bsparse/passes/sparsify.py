"""bsparse-sparsify: prune constant matmul/conv weights to a sparsity pattern.

For every linalg matmul or convolution whose weight is a readable constant
(see `bsparse.passes._weights`), blocks are scored by their norm and the
lowest-scoring fraction `sparsity` is zeroed, per layer (each layer at
`sparsity`) or globally (one threshold over all pruned layers' blocks, scores
normalised per element). The constant is replaced by the pruned one; the ops
are untouched, so bsparse-pack then stores only the surviving blocks.

A weight constant that other ops also read is left alone (pruning it in
place would change them too). Kept dense: layers named in `keep` (PyTorch module paths such as
``conv1`` or ``fc``) and, with `keep-small` (default), layers whose weight
cannot hold a whole block, like a stem conv with 3 input channels or a
depthwise conv.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import torch_mlir.ir as ir

from bsparse.errors import OptionError
from bsparse.frontend.names import layer_name
from bsparse.irutil import numpy_to_dense
from bsparse.passes._weights import WeightUse, weight_use
from bsparse.passes.base import Pass, option, parse_block_pattern, parse_bool, parse_choice, parse_fraction, parse_name_list, show_name_list
from bsparse.patterns import BlockPattern
from bsparse.patterns.block import keep_mask

__all__ = ["SparsifyPass", "layer_label", "weight_uses"]

SCOPES = ("layer", "global")
SCORES = ("l2", "l1")


def layer_label(op, index: int) -> str:
    """The name reports and `keep` use for a layer: its module path, else ``<op>#<index>``."""
    return layer_name(op) or f"{op.operation.name.removeprefix('linalg.')}#{index}"


def weight_uses(module: ir.Operation) -> list[tuple[str, WeightUse]]:
    """(label, weight) for every linalg op with a constant weight, in program order."""
    found: list[tuple[str, WeightUse]] = []
    counter = [0]

    def visit(op):
        if op.name.startswith("linalg.") and (use := weight_use(op.opview)) is not None:
            found.append((layer_label(op.opview, counter[0]), use))
            counter[0] += 1
        return ir.WalkResult.ADVANCE

    module.walk(visit)
    return found


@dataclass(frozen=True)
class SparsifyPass(Pass):
    NAME: ClassVar[str] = "bsparse-sparsify"
    SUMMARY: ClassVar[str] = "prune constant matmul/conv weights to a block pattern by block norm"

    pattern: BlockPattern = option(BlockPattern(), "sparsity pattern, e.g. block:8x8", parse=parse_block_pattern)
    sparsity: float = option(0.5, "fraction of blocks to zero, in [0, 1)", parse=parse_fraction)
    scope: str = option("layer", "per-layer sparsity or one global threshold (layer|global)", parse=parse_choice(SCOPES))
    score: str = option("l2", "block score (l2|l1)", parse=parse_choice(SCORES))
    keep: tuple[str, ...] = option((), "comma-separated layer names to keep dense", parse=parse_name_list, show=show_name_list)
    keep_small: bool = option(True, "keep layers that cannot hold a whole block dense", parse=parse_bool)

    def run(self, module: ir.Operation) -> None:
        uses = weight_uses(module)
        labels = {label for label, _ in uses}
        if unknown := [name for name in self.keep if name not in labels]:
            known = ", ".join(sorted(labels)) or "none"
            raise OptionError(f"keep names unknown layer(s) {', '.join(unknown)} (layers: {known})")
        pruned = [
            (use, weight)
            for label, use in uses
            if label not in self.keep
            and (weight := use.logical()).ndim >= 2
            and (self.pattern.fits(weight.shape) or not self.keep_small)
            and _single_use(use.constant)
        ]
        if not pruned or self.sparsity == 0.0:
            return
        scores = [self.pattern.scores(weight, self.score) for _, weight in pruned]
        if self.scope == "global":
            flat = keep_mask(np.concatenate([s.ravel() for s in scores]), self.sparsity)
            splits = np.cumsum([s.size for s in scores])[:-1]
            masks = [m.reshape(s.shape) for m, s in zip(np.split(flat, splits), scores)]
        else:
            masks = [keep_mask(s, self.sparsity) for s in scores]
        for (use, weight), mask in zip(pruned, masks):
            _replace_constant(use, self.pattern.apply_mask(weight, mask))


def _single_use(const) -> bool:
    """Only a constant nothing else reads may be pruned in place."""
    return sum(1 for _ in const.result.uses) == 1


def _replace_constant(use: WeightUse, logical: np.ndarray) -> None:
    """Replaces `use`'s constant with one holding `logical` (in the constant's layout)."""
    const = use.constant
    old = const.attributes["value"]
    element = ir.ShapedType(old.type).element_type
    array = np.ascontiguousarray(use.from_logical(logical)).reshape(ir.ShapedType(old.type).shape)
    const.operation.attributes["value"] = numpy_to_dense(array.astype(logical.dtype, copy=False), element)
