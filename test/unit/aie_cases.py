"""Shared by the aie tests (lowering, execution, cost): layer texts, the lowering pipeline, reports checked
against independent counts, and the structure of lowered devices."""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
import torch_mlir.ir as ir
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from bsparse import targets
from bsparse.context import make_context
from bsparse.dtypes import COSTED_DTYPES
from bsparse.interpreter import run_program
from bsparse.irutil import numpy_to_dense
from bsparse.pipeline import run_pipeline
from irtext import array_attr, op_names, ops_named, packed_sparse, packed_weight, tensor
from references import gemm_view


RTOL, ATOL = 1e-4, 1e-5
TARGETS = ["aie2-2x2", "aie2-4x4", "aie1-vc1902", "aie2-phoenix"]


LOWER = "bsparse-partition{{target={t}}},bsparse-to-aie{{target={t} dtype={d}}}"


CASES = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def bsparse_main(op: str, x_shape, weight, block, bias, y_shape, attrs: str, residual=None) -> str:
    """``@main(x)`` applying one bsparse op with a packed `weight` and, if given, a constant `bias` and a
    constant `residual` (of the result's shape).

    `block` is ``(R, C)`` for BSR, or a non-block pattern string for its format.
    """
    w_op, bsr = packed_sparse(weight, block) if isinstance(block, str) else packed_weight(weight, block)
    lines = [w_op]
    operands, types = "%x, %w", f"{tensor(x_shape)}, {bsr}"
    if bias is not None:
        lines.append(f"%b = arith.constant {numpy_to_dense(bias)}")
        operands, types = operands + ", %b", types + f", {tensor(bias.shape)}"
    if residual is not None:
        lines.append(f"%r = arith.constant {numpy_to_dense(residual)}")
        operands, types = operands + ", %r", types + f", {tensor(residual.shape)}"
    segments = f"array<i32: 1, 1, {int(bias is not None)}, {int(residual is not None)}>"
    body = "\n  ".join(lines)
    return f"""
func.func @main(%x: {tensor(x_shape)}) -> {tensor(y_shape)} {{
  {body}
  %y = "bsparse.{op}"({operands}) {{{attrs}, operandSegmentSizes = {segments}}} : ({types}) -> {tensor(y_shape)}
  return %y : {tensor(y_shape)}
}}"""


def linalg_matmul_main(x_shape, weight: np.ndarray, bias, relu: bool) -> str:
    """``@main(x)``: ``x [M, K] @ weight^T`` as a linalg.matmul on a [K, N] constant, plus bias and relu."""
    m, k = x_shape
    n = weight.shape[0]
    y = (m, n)
    init = (f"%b = arith.constant {numpy_to_dense(bias)}\n  %e = tensor.empty() : {tensor(y)}\n"
            f"  %init = linalg.broadcast ins(%b : {tensor([n])}) outs(%e : {tensor(y)}) dimensions = [0]"
            if bias is not None else
            f"%zero = arith.constant 0.0 : f32\n  %e = tensor.empty() : {tensor(y)}\n"
            f"  %init = linalg.fill ins(%zero : f32) outs(%e : {tensor(y)}) -> {tensor(y)}")
    out = "%mm"
    tail = ""
    if relu:
        tail = f"""
  %z = arith.constant 0.0 : f32
  %e2 = tensor.empty() : {tensor(y)}
  %r = linalg.generic {{indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}}
    ins(%mm : {tensor(y)}) outs(%e2 : {tensor(y)}) {{
  ^bb0(%in: f32, %o: f32):
    %v = arith.maximumf %in, %z : f32
    linalg.yield %v : f32
  }} -> {tensor(y)}"""
        out = "%r"
    return f"""
func.func @main(%x: {tensor(x_shape)}) -> {tensor(y)} {{
  %w = arith.constant {numpy_to_dense(np.ascontiguousarray(weight.T))}
  {init}
  %mm = linalg.matmul ins(%x, %w : {tensor(x_shape)}, {tensor([k, n])}) outs(%init : {tensor(y)}) -> {tensor(y)}{tail}
  return {out} : {tensor(y)}
}}"""


def compile_and_run(text: str, pipeline: str, x: np.ndarray):
    """Parses `text` in a fresh context, runs `pipeline`, checks every layer is lowered, interprets ``@main``.

    Returns the output and the cost report.
    """
    with make_context(), ir.Location.unknown():
        module = ir.Module.parse(text)
        run_pipeline(module, pipeline)
        assert module.operation.verify()
        names = op_names(module)
        assert "aie.device" in names
        assert not {"bsparse.matmul", "bsparse.conv2d", "linalg.matmul"} & set(names)
        (got,), report = run_program(module, x)
        return got, report


def block_masked_elements(weight: np.ndarray, block: tuple[int, int]) -> int:
    """Real weight elements (window included) that lie in a block holding a nonzero: what a kernel multiplies."""
    out, inp = weight.shape[:2]
    r, c = block
    nonzero = np.abs(weight).reshape(out, inp, -1).sum(axis=2) != 0
    stored = np.zeros((-(-out // r), -(-inp // c)), bool)
    for o, i in zip(*np.nonzero(nonzero)):
        stored[o // r, i // c] = True
    window = int(np.prod(weight.shape[2:], dtype=np.int64))
    element_in_stored = stored[np.arange(out)[:, None] // r, np.arange(inp)[None, :] // c]
    return int(element_in_stored.sum()) * window


def check_report(report, weight, block, positions, target: str, dtype: str) -> None:
    """One layer, MACs counted independently, cycles/traffic/imbalance/utilization in range (beside it at
    most the one load of a constant operand kept in the memory tiles, a ``stage`` row)."""
    assert report.target == target and report.dtype == dtype
    (layer,) = [layer for layer in report.layers if layer.kind != "stage"]
    staged = [layer for layer in report.layers if layer.kind == "stage"]
    assert all(s.traffic["L3"] == s.traffic["L2"] == s.weight_traffic > 0 and s.cycles > 0 for s in staged)
    assert layer.macs == block_masked_elements(weight, block) * positions
    assert layer.macs_dense == weight.size * positions
    assert report.macs == layer.macs and report.macs_dense == layer.macs_dense
    assert layer.cycles > 0 and report.total_cycles == layer.cycles + sum(s.cycles for s in staged)
    assert layer.traffic["L3"] > 0
    assert layer.traffic["L2"] > 0 if targets.get(target).memtile_rows else layer.traffic["L2"] == 0
    assert layer.traffic["L1"] > 0
    assert layer.imbalance >= 1.0
    assert 1 <= layer.cores <= targets.get(target).num_cores
    if layer.macs:
        assert 0.0 < layer.utilization <= 1.0
    else:
        assert layer.utilization == 0.0
    assert layer.bound in ("compute", "movement")


def assert_close(got: np.ndarray, want: np.ndarray) -> None:
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL)


blocks = st.tuples(st.integers(1, 9), st.integers(1, 9))


sparsities = st.sampled_from([0.0, 0.25, 0.5, 0.75, 0.9])


target_names = st.sampled_from(TARGETS)


# Natively computed dtypes only: emulated ones (f32 on AIE2) fail the aie.device verifier, a known bug
# (test/transforms/bsparse-to-aie-emulated-dtype.mlir).
dtypes_for = {name: sorted(set(targets.get(name).macs_per_cycle) & set(COSTED_DTYPES)) for name in TARGETS}


def conv_attrs(c) -> str:
    return (f'activation = "{"relu" if c["relu"] else "none"}", dilations = {array_attr(c["dilations"])}, '
            f'groups = {c["groups"]} : i64, layout = "{"nhwc" if c["nhwc"] else "nchw"}", '
            f'padding = {array_attr(c["padding"])}, strides = {array_attr(c["strides"])}')


def conv_reference(x, weight, bias, c) -> np.ndarray:
    """torch's conv2d (NCHW) on the explicitly padded input."""
    top, left, bottom, right = c["padding"]
    padded = F.pad(torch.from_numpy(x), (left, right, top, bottom))
    b = torch.from_numpy(bias) if bias is not None else None
    y = F.conv2d(padded, torch.from_numpy(weight), b, stride=c["strides"], dilation=c["dilations"], groups=c["groups"])
    return (torch.relu(y) if c["relu"] else y).numpy()


def tile_of(buffer) -> tuple[int, int]:
    tile = buffer.operands[0].owner
    return ir.IntegerAttr(tile.attributes["col"]).value, ir.IntegerAttr(tile.attributes["row"]).value


def nbytes(value: ir.Value, element_bytes: int) -> int:
    return math.prod(ir.ShapedType(value.type).shape) * element_bytes


def weight_with_loads(loads, out: int, inp: int, window, rng) -> np.ndarray:
    """A random [out, inp, *window] weight whose 4x4 block row i stores `loads[i]` blocks (random columns)."""
    weight = np.zeros((out, inp, *window), np.float32)
    block_cols = -(-inp // 4)
    for row, load in enumerate(loads):
        for col in rng.choice(block_cols, size=load, replace=False):
            rows, cols = slice(row * 4, min(row * 4 + 4, out)), slice(col * 4, min(col * 4 + 4, inp))
            weight[rows, cols] = rng.standard_normal(weight[rows, cols].shape)
    return weight


def interleaving_loads(target: targets.Target, block_rows: int, block_cols: int, rng) -> list[int]:
    """Random block-row loads that bsparse-partition splits over `target` with interleaved rows."""
    from bsparse.passes.partition import plan_partition

    while True:
        loads = rng.integers(0, block_cols + 1, size=block_rows).tolist()
        if plan_partition(loads, "rows", target.cols, target, interleave=True).row_order:
            return loads


def partitions(module) -> list:
    from bsparse.passes.partition import Partition

    return [Partition.from_op(op) for name in ("bsparse.matmul", "bsparse.conv2d") for op in ops_named(module, name)]


def lower_and_run(text: str, target: str, assign: str, *inputs):
    """Partitions (`assign`), checks whether rows were interleaved, lowers to aie and runs."""
    with make_context(), ir.Location.unknown():
        module = ir.Module.parse(text)
        run_pipeline(module, f"bsparse-partition{{target={target} assign={assign}}}")
        (partition,) = partitions(module)
        run_pipeline(module, f"bsparse-to-aie{{target={target} dtype=i8}}")
        assert module.operation.verify()
        (got,), report = run_program(module, *inputs)
        return got, report, partition


def stored_per_position(pattern: str, weight: np.ndarray) -> int:
    """MACs per output position a pattern's format performs on `weight`, counted from the definitions:
    stored values at real weight positions (group, bank and tile padding excluded)."""
    matrix = gemm_view(weight)
    out, k = matrix.shape
    name, _, params = pattern.partition(":")
    if name == "unstructured":
        return int(np.count_nonzero(matrix))
    if name == "nm":  # N slots per group of M, a short last group holds min(N, its length)
        n, m = map(int, params.split(":"))
        return out * sum(min(n, len(range(g, min(g + m, k)))) for g in range(0, k, m))
    if name == "gs":  # every (channel, bank) holds the largest count; a bank holds at most its positions
        banks = int(params)
        most = max(int(np.count_nonzero(matrix[:, b::banks], axis=1).max()) for b in range(banks))
        return out * sum(min(most, len(range(b, k, banks))) for b in range(banks))
    if name == "tw":  # each tile of G nonzero channels stores channels x the union of their positions
        size = int(params)
        survivors = np.flatnonzero(np.any(matrix != 0, axis=1))
        return sum(len(survivors[t:t + size]) * int(np.count_nonzero(np.any(matrix[survivors[t:t + size]] != 0, axis=0)))
                   for t in range(0, len(survivors), size))
    raise AssertionError(pattern)


def kernels_per_core(module) -> set[int]:
    counts: dict[tuple[int, int], int] = {}
    for name in ("aie.conv2d_bsr", "aie.matmul_bsr"):
        for kernel in ops_named(module, name):
            tile = tile_of(kernel.operands[0].owner)
            counts[tile] = counts.get(tile, 0) + 1
    return set(counts.values())
