// Verifies that bsparse-sparsify zeroes the lowest-norm blocks of constant
// weights (per layer and with one global threshold), keeps layers too small for
// a block and layers named in keep= dense, and reports bad options.
// Kept blocks are read off the packed weight's index (bsparse-pack stores exactly the nonzero blocks).
// RUN: bsparse-opt %s -p 'builtin.module(bsparse-sparsify{sparsity=0.5},bsparse-pack)' --split-input-file | filecheck %s
// RUN: bsparse-opt %s -p 'builtin.module(bsparse-sparsify{pattern=block:4x4 sparsity=0.75},bsparse-pack{block=4x4})' --split-input-file | filecheck %s --check-prefix=B4
// RUN: bsparse-opt %s -p 'builtin.module(bsparse-sparsify{sparsity=0.5 keep=matmul#0},bsparse-pack)' | filecheck %s --check-prefix=KEPT
// RUN: not bsparse-opt %s -p 'bsparse-sparsify{sparsity=1.5}' 2>&1 | filecheck %s --check-prefix=BAD
// RUN: not bsparse-opt %s -p 'bsparse-sparsify{keep=nope}' --split-input-file 2>&1 | filecheck %s --check-prefix=KEEP

// BAD: error: invalid value for option 'sparsity' of pass 'bsparse-sparsify': 1.5 is not in [0, 1)
// KEEP: error: bsparse-sparsify: keep names unknown layer(s) nope

// A 16x16 weight B [K, N]; in the logical layout W = B^T [N, K] its 8x8 blocks
// hold 1 (0,0), 2 (0,1), 3 (1,0) and 4 (1,1): 50% keeps block row 1 only.
// With 4x4 blocks at 75%, only the 4 sub-blocks of value 4 survive.
// CHECK-LABEL: func.func @matmul
// CHECK: "bsparse.packed_weight"() {col_idx = dense<[0, 1]> : tensor<2xi64>, row_ptr = dense<[0, 0, 2]> : tensor<3xi64>
// B4-LABEL: func.func @matmul
// B4: "bsparse.packed_weight"() {col_idx = dense<[2, 3, 2, 3]> : tensor<4xi64>, row_ptr = dense<[0, 0, 0, 2, 4]> : tensor<5xi64>
// KEPT-LABEL: func.func @matmul
// KEPT: "bsparse.packed_weight"() {col_idx = dense<[0, 1, 0, 1]> : tensor<4xi64>, row_ptr = dense<[0, 2, 4]> : tensor<3xi64>
func.func @matmul(%x: tensor<2x16xf32>) -> tensor<2x16xf32> {
  %w = arith.constant dense<[
    [1., 1., 1., 1., 1., 1., 1., 1., 3., 3., 3., 3., 3., 3., 3., 3.],
    [1., 1., 1., 1., 1., 1., 1., 1., 3., 3., 3., 3., 3., 3., 3., 3.],
    [1., 1., 1., 1., 1., 1., 1., 1., 3., 3., 3., 3., 3., 3., 3., 3.],
    [1., 1., 1., 1., 1., 1., 1., 1., 3., 3., 3., 3., 3., 3., 3., 3.],
    [1., 1., 1., 1., 1., 1., 1., 1., 3., 3., 3., 3., 3., 3., 3., 3.],
    [1., 1., 1., 1., 1., 1., 1., 1., 3., 3., 3., 3., 3., 3., 3., 3.],
    [1., 1., 1., 1., 1., 1., 1., 1., 3., 3., 3., 3., 3., 3., 3., 3.],
    [1., 1., 1., 1., 1., 1., 1., 1., 3., 3., 3., 3., 3., 3., 3., 3.],
    [2., 2., 2., 2., 2., 2., 2., 2., 4., 4., 4., 4., 4., 4., 4., 4.],
    [2., 2., 2., 2., 2., 2., 2., 2., 4., 4., 4., 4., 4., 4., 4., 4.],
    [2., 2., 2., 2., 2., 2., 2., 2., 4., 4., 4., 4., 4., 4., 4., 4.],
    [2., 2., 2., 2., 2., 2., 2., 2., 4., 4., 4., 4., 4., 4., 4., 4.],
    [2., 2., 2., 2., 2., 2., 2., 2., 4., 4., 4., 4., 4., 4., 4., 4.],
    [2., 2., 2., 2., 2., 2., 2., 2., 4., 4., 4., 4., 4., 4., 4., 4.],
    [2., 2., 2., 2., 2., 2., 2., 2., 4., 4., 4., 4., 4., 4., 4., 4.],
    [2., 2., 2., 2., 2., 2., 2., 2., 4., 4., 4., 4., 4., 4., 4., 4.]]> : tensor<16x16xf32>
  %z = arith.constant dense<0.0> : tensor<2x16xf32>
  %y = linalg.matmul ins(%x, %w : tensor<2x16xf32>, tensor<16x16xf32>) outs(%z : tensor<2x16xf32>) -> tensor<2x16xf32>
  return %y : tensor<2x16xf32>
}

// -----

// A stem convolution with 3 input channels cannot hold an 8x8 block: kept dense.
// CHECK-LABEL: func.func @stem_kept
// CHECK: "bsparse.packed_weight"() {col_idx = dense<0> : tensor<2xi64>, row_ptr = dense<[0, 1, 2]> : tensor<3xi64>
func.func @stem_kept(%x: tensor<1x3x8x8xf32>) -> tensor<1x16x6x6xf32> {
  %w = arith.constant dense<1.0> : tensor<16x3x3x3xf32>
  %z = arith.constant dense<0.0> : tensor<1x16x6x6xf32>
  %y = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x3x8x8xf32>, tensor<16x3x3x3xf32>) outs(%z : tensor<1x16x6x6xf32>) -> tensor<1x16x6x6xf32>
  return %y : tensor<1x16x6x6xf32>
}
