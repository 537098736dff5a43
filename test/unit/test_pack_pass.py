"""bsparse-pack on linalg.matmul, checked against numpy."""

import numpy as np
import pytest
import torch_mlir.ir as ir

from bsparse.dialects.bsparse import BsrType
from bsparse.irutil import dense_to_numpy, numpy_to_dense
from bsparse.patterns import BsrData
from bsparse.pipeline import run_pipeline
from irtext import ops_named


def unpacked(op):
    ty = BsrType(op.result.type)
    return BsrData(
        tuple(ty.weight_shape), tuple(ty.block_shape), dense_to_numpy(op.attributes["values"]),
        dense_to_numpy(op.attributes["row_ptr"]), dense_to_numpy(op.attributes["col_idx"]),
    ).to_dense()


def matmul_module(weight, *, transpose_via_op=False, zero_init=True):
    k, n = weight.shape
    w = numpy_to_dense(weight.T.copy() if transpose_via_op else weight)
    rhs = f"""%wt = arith.constant {w}
  %et = tensor.empty() : tensor<{k}x{n}xf32>
  %w = linalg.transpose ins(%wt : tensor<{n}x{k}xf32>) outs(%et : tensor<{k}x{n}xf32>) permutation = [1, 0]""" if transpose_via_op else f"%w = arith.constant {w}"
    init = "%i = linalg.fill ins(%z : f32) outs(%e : tensor<3x{n}xf32>) -> tensor<3x{n}xf32>".format(n=n) if zero_init else f"%i = arith.constant dense<1.5> : tensor<3x{n}xf32>"
    return ir.Module.parse(f"""
func.func @f(%x: tensor<3x{k}xf32>) -> tensor<3x{n}xf32> {{
  {rhs}
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x{n}xf32>
  {init}
  %r = linalg.matmul ins(%x, %w : tensor<3x{k}xf32>, tensor<{k}x{n}xf32>) outs(%i : tensor<3x{n}xf32>) -> tensor<3x{n}xf32>
  return %r : tensor<3x{n}xf32>
}}""")


@pytest.mark.parametrize("transpose_via_op", [False, True])
@pytest.mark.parametrize(("k", "n", "block"), [(16, 24, (8, 8)), (13, 7, (4, 3)), (5, 40, (8, 8))])
def test_packed_weight_is_the_transposed_constant(ctx, k, n, block, transpose_via_op):
    rng = np.random.default_rng(k * n)
    weight = rng.standard_normal((k, n)).astype(np.float32)
    weight[: k // 2, : n // 2] = 0.0
    module = matmul_module(weight, transpose_via_op=transpose_via_op)
    run_pipeline(module, f"bsparse-pack{{block={block[0]}x{block[1]}}},canonicalize,cse")
    assert not ops_named(module, "linalg.matmul") and not ops_named(module, "linalg.transpose")
    (packed,) = ops_named(module, "bsparse.packed_weight")
    assert BsrType(packed.result.type).block_shape == list(block)
    np.testing.assert_array_equal(unpacked(packed), weight.T)
    (matmul,) = ops_named(module, "bsparse.matmul")
    assert matmul.bias is None
    assert module.operation.verify()


def test_nonzero_init_is_added_after(ctx):
    module = matmul_module(np.ones((8, 8), np.float32), zero_init=False)
    run_pipeline(module, "bsparse-pack")
    (add,) = ops_named(module, "arith.addf")
    assert add.operands[0].owner.name == "bsparse.matmul"
    assert np.all(dense_to_numpy(add.operands[1].owner.attributes["value"]) == 1.5)


def test_weight_that_is_not_constant_is_kept(ctx):
    module = ir.Module.parse("""
func.func @f(%x: tensor<2x8xf32>, %w: tensor<8x4xf32>, %i: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %r = linalg.matmul ins(%x, %w : tensor<2x8xf32>, tensor<8x4xf32>) outs(%i : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %r : tensor<2x4xf32>
}""")
    before = str(module)
    run_pipeline(module, "bsparse-pack")
    assert str(module) == before
