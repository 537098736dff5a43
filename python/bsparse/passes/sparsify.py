"""bsparse-sparsify: prune constant matmul/conv weights to a sparsity pattern.

For every linalg matmul or convolution whose weight is a readable constant
(see `bsparse.passes._weights`), the weight is taken in its logical layout
``[out, in, *window]`` (the layout `bsparse.patterns` and bsparse-pack use)
and pruned to `pattern`, any pattern string of `bsparse.patterns`:

- ``block:RxC``: the lowest-norm fraction `sparsity` of R x C blocks;
- ``unstructured``: the smallest-magnitude fraction of weights;
- ``nm:N:M``: N of every M consecutive weights along K (`sparsity` must be
  ``1 - N/M``);
- ``tw:G`` / ``tvw:G``: whole output channels, then whole K-vectors of tiles
  of G channels (tvw adds 2:4 inside tiles; `sparsity` >= 0.5);
- ``gs:B``: the same number of nonzeros in each of B banks of every row.

The keep masks come from the pattern's own ``masks(weights, sparsity, scope,
score)``: per layer (each layer at `sparsity`) or globally (one ranking over
all pruned layers; not for nm and gs, whose rules are per group and bank).
The constant is replaced by the pruned one (pruned weights become +0.0); the
ops are untouched, so bsparse-pack then stores only what survives (give it
the same non-block pattern with ``pattern=``). A pattern that cannot take
the options (nm:2:4 at sparsity 0.75, scope=global for nm or gs, tvw below
0.5) is an option error, raised before anything runs. ``sparsity=0`` prunes
nothing, whatever the pattern.

A weight constant read by several ops (a tied weight, a module called
twice) is pruned once for all of them when each reads it as the same weight;
when another op also reads it (a tied embedding's gather), or one reads it
transposed, it is left dense with a warning saying why (pruning it in place
would change that op too). Kept dense: layers named in `keep` (PyTorch module paths such as
``conv1`` or ``fc``) and, with `keep-small` (default), layers the pattern
does not fit (``not pattern.fits(shape)``), like a stem conv with 3 input
channels or a depthwise conv for an 8x8 block, or a layer whose K is shorter
than one N:M group.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import torch_mlir.ir as ir

from bsparse.errors import OptionError
from bsparse.irutil import numpy_to_dense
from bsparse.names import describe, layer_name
from bsparse.passes._weights import WeightUse, constant_readers, weight_use
from bsparse.passes.base import Pass, option, report_ops, parse_any_pattern, parse_bool, parse_choice, parse_fraction, parse_name_list, show_name_list
from bsparse.patterns import PATTERNS, BlockPattern, Pattern, pattern_syntax
from bsparse.patterns.gemm import SCOPES, SCORES, apply_keep

__all__ = ["SparsifyPass", "check_pattern_options", "layer_label", "weight_uses"]


def check_pattern_options(pattern: Pattern, sparsity: float, scope: str, score: str = "l2") -> None:
    """Raises the `OptionError` `pattern` raises for these options, without any weight.

    E.g. ``nm:2:4`` at sparsity 0.75, ``scope=global`` for nm or gs, or tvw
    below 0.5: every pattern validates its options in ``masks``, which does
    nothing else for an empty list of weights. Sparsity 0 means dense (nothing
    is pruned) whatever the pattern, so it is always accepted: a dense baseline
    keeps its pattern option.
    """
    if sparsity != 0.0:
        pattern.masks([], sparsity, scope, score)


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
    SUMMARY: ClassVar[str] = f"prune constant matmul/conv weights to a sparsity pattern ({', '.join(PATTERNS)})"

    pattern: Pattern = option(BlockPattern(), f"sparsity pattern: {pattern_syntax()}", parse=parse_any_pattern)
    sparsity: float = option(0.5, "fraction to zero, in [0, 1): of blocks (block), else of weights", parse=parse_fraction)
    scope: str = option("layer", "per-layer sparsity or one global ranking (layer|global; nm and gs: layer only)",
                        parse=parse_choice(SCOPES))
    score: str = option("l2", "score of a block, channel or K-vector (l2|l1); single weights score |w|",
                        parse=parse_choice(SCORES))
    keep: tuple[str, ...] = option((), "comma-separated layer names to keep dense", parse=parse_name_list, show=show_name_list)
    keep_small: bool = option(True, "keep layers the pattern does not fit (e.g. smaller than one block) dense", parse=parse_bool)

    def __post_init__(self):
        check_pattern_options(self.pattern, self.sparsity, self.scope, self.score)

    def run(self, module: ir.Operation) -> None:
        uses = weight_uses(module)
        labels = {label for label, _ in uses}
        if unknown := [name for name in self.keep if name not in labels]:
            known = ", ".join(sorted(labels)) or "none"
            raise OptionError(f"keep names unknown layer(s) {', '.join(unknown)} (layers: {known})")
        pruned = [
            (group[0][1], weight)
            for group in _by_constant(uses)
            if not any(label in self.keep for label, _ in group)
            and (weight := group[0][1].logical()).ndim >= 2
            and (self.pattern.fits(weight.shape) or not self.keep_small)
            and _prunable(group, weight)
        ]
        if not pruned or self.sparsity == 0.0:  # dense, whatever the pattern
            return
        masks = self.pattern.masks([weight for _, weight in pruned], self.sparsity, self.scope, self.score)
        for (use, weight), keep in zip(pruned, masks):
            _replace_constant(use, apply_keep(weight, keep))


def _by_constant(uses: list[tuple[str, WeightUse]]) -> list[list[tuple[str, WeightUse]]]:
    """`uses` grouped by the constant they read, in program order: a tied weight's users are one group."""
    groups: dict[ir.Operation, list[tuple[str, WeightUse]]] = {}
    for label, use in uses:
        groups.setdefault(use.constant.operation, []).append((label, use))
    return list(groups.values())


def _prunable(group: list[tuple[str, WeightUse]], weight: np.ndarray) -> bool:
    """True if the constant of `group` (the uses of one constant) may be pruned in place, once for all:
    every op that reads it is one of the group's, and each reads it as the same logical weight. Else
    warns at the first use why it stays dense (pruning it would change another reader)."""
    ops = [use.op.operation for _, use in group]
    others = [reader for reader in constant_readers(group[0][1].constant) if reader not in ops]
    first = group[0][1].op
    if others:
        reason = f"its constant is also read by {describe(others[0])}, which pruning it would change (a tied " \
                 "weight: untie it to prune this layer)"
    elif any(not np.array_equal(use.logical(), weight) for _, use in group[1:]):
        reason = f"its constant is read as a different weight by {describe(group[1][1].op)}"
    else:
        return True
    report_ops(SparsifyPass.NAME, "weight not pruned", [(first, reason)])
    return False


def _replace_constant(use: WeightUse, logical: np.ndarray) -> None:
    """Replaces `use`'s constant with one holding `logical` (in the constant's layout)."""
    const = use.constant
    old = const.attributes["value"]
    element = ir.ShapedType(old.type).element_type
    array = np.ascontiguousarray(use.from_logical(logical)).reshape(ir.ShapedType(old.type).shape)
    const.operation.attributes["value"] = numpy_to_dense(array.astype(logical.dtype, copy=False), element)
