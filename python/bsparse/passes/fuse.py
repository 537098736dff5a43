"""bsparse-fuse-elementwise: merge chains of elementwise ``linalg.generic`` ops into one.

What bsparse-pack leaves of a model after folding epilogues into the packed
layers is a graph of structured ops, and bsparse-to-aie gives each its own
device: one kernel call per core, its inputs streamed in and its result
streamed out. An LSTM cell is a chain of them (the gates' sigmoids and tanhs,
two products and a sum per step), each a few thousand elements: one device
each spends its time on kernel calls and transfer setups, and moves every
intermediate through the memory tiles. The pattern `fuse_producer` merges an
elementwise producer into its one elementwise consumer: the fused op reads
the producer's inputs in place of its result and computes the producer's
payload then the consumer's on each point, so the chain runs as one kernel
per core and its intermediates never leave the core's registers.

Only what computes each element once is fused: producer and consumer have
only parallel loops over the same iteration space (the producer's result
indexed by the identity in both), the producer's result has no other use, and
the producer's payload does not read its initial value. A reduction consumer
(a softmax's row sum, attention's AV contraction) is not fused into: its
extra loop would recompute the producer's payload on each of its steps.
Unlike upstream ``linalg-fuse-elementwise-ops``, nothing else is rewritten
(no reshape propagation, no constant folding).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import torch_mlir.ir as ir
from torch_mlir.dialects import linalg
from torch_mlir.rewrite import RewritePatternSet, apply_patterns_and_fold_greedily

from bsparse.passes._match import all_parallel, defining_op, indexing_maps
from bsparse.passes.base import Pass

__all__ = ["FuseElementwisePass", "fuse_producer", "patterns"]


def _elementwise(op) -> bool:
    """A ``linalg.generic`` with only parallel loops, one result, and a payload that does not read its
    initial value (an elementwise map of its inputs), that no bsparse pass has said something of (a
    ``bsparse.*`` attribute, such as why it stays on the host: fusing would drop it)."""
    if op.operation.name != "linalg.generic" or len(op.results) != 1 or len(op.outputs) != 1:
        return False
    if any(name.startswith("bsparse.") for name in op.operation.attributes):
        return False
    if not all_parallel(op):
        return False
    return not list(op.regions[0].blocks[0].arguments[len(op.inputs)].uses)


def _identity(amap: ir.AffineMap, loops: int) -> bool:
    return amap == ir.AffineMap.get_identity(loops)


def _fusable(consumer, k: int):
    """The producer of `consumer`'s input `k` when it fuses (module docstring), else None."""
    producer = defining_op(consumer.inputs[k])
    if producer is None or not _elementwise(producer) or len(list(producer.results[0].uses)) != 1:
        return None
    loops = len(ir.ArrayAttr(consumer.attributes["iterator_types"]))
    if len(ir.ArrayAttr(producer.attributes["iterator_types"])) != loops:
        return None
    if not (_identity(indexing_maps(consumer)[k], loops) and _identity(indexing_maps(producer)[-1], loops)):
        return None
    return producer


def _move_payload(source, block: ir.Block, arguments: list[ir.Value | None], with_yield: bool) -> ir.Value:
    """Moves the payload of `source` (a clone: it is erased) to the end of `block`, its block arguments
    replaced by `arguments` (None: unused), its yield too when `with_yield` (the consumer's; the
    producer's stays behind); returns the value it yields."""
    body = source.regions[0].blocks[0]
    for old, new in zip(body.arguments, arguments):
        if new is not None:
            old.replace_all_uses_with(new)
    ops = list(body.operations)
    yielded = ops[-1].operands[0]
    for op in ops if with_yield else ops[:-1]:
        block.append(op)
    source.erase()
    return yielded


def fuse_producer(consumer, rewriter):
    """An elementwise ``linalg.generic`` whose input is the result of another, used only there -> one
    generic computing both (module docstring). True: no match."""
    if not _elementwise(consumer):
        return True
    for k in range(len(consumer.inputs)):
        if (producer := _fusable(consumer, k)) is not None:
            break
    else:
        return True
    c_maps, p_maps = indexing_maps(consumer), indexing_maps(producer)
    inputs = [*consumer.inputs[:k], *producer.inputs, *consumer.inputs[k + 1:]]
    maps = [*c_maps[:k], *p_maps[:len(producer.inputs)], *c_maps[k + 1:]]
    loc = ir.Location.fused([producer.location, consumer.location])
    with rewriter.ip, loc:
        fused = linalg.GenericOp([r.type for r in consumer.results], inputs, list(consumer.outputs),
                                 ir.ArrayAttr.get([ir.AffineMapAttr.get(m) for m in maps]),
                                 consumer.attributes["iterator_types"])
        types = [ir.ShapedType(v.type).element_type for v in [*inputs, *consumer.outputs]]
        block = fused.regions[0].blocks.append(*types)
        args = list(block.arguments)
        n_p = len(producer.inputs)
        p_args = [*args[k:k + n_p], None]  # the producer's initial value is not read (`_elementwise`)
        value = _move_payload(producer.operation.clone(ip=rewriter.ip), block, p_args, with_yield=False)
        c_args = [*args[:k], value, *args[k + n_p:]]
        _move_payload(consumer.operation.clone(ip=rewriter.ip), block, c_args, with_yield=True)
    rewriter.replace_op(consumer, fused.results)
    rewriter.erase_op(producer)
    return False


def patterns() -> RewritePatternSet:
    """The rewrite patterns of bsparse-fuse-elementwise."""
    rewrites = RewritePatternSet()
    rewrites.add("linalg.generic", fuse_producer)
    return rewrites


@dataclass(frozen=True)
class FuseElementwisePass(Pass):
    NAME: ClassVar[str] = "bsparse-fuse-elementwise"
    SUMMARY: ClassVar[str] = "merge chains of elementwise linalg.generic ops (an LSTM cell's gates) into one kernel"

    def run(self, module: ir.Operation) -> None:
        apply_patterns_and_fold_greedily(module, patterns().freeze())
