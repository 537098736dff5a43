// Verifies that bsparse-pack packs an all-zero constant weight into a
// packed_weight that stores no blocks (row_ptr all zero, empty values).
// RUN: bsparse-opt %s -p bsparse-pack --split-input-file | filecheck %s
// RUN: bsparse-opt %s -p 'builtin.module(bsparse-pack{block=4x4},canonicalize,cse)' --split-input-file | filecheck %s --check-prefix=B4

// An all-zero weight stores no block at all.
// CHECK-LABEL: func.func @matmul_zero_weight
// CHECK: "bsparse.packed_weight"() {col_idx = dense<> : tensor<0xi64>, row_ptr = dense<0> : tensor<3xi64>, values = dense<> : tensor<0x8x8xf32>} : () -> !bsparse.bsr<array<i64: 16, 8>, array<i64: 8, 8>, f32>
// B4-LABEL: func.func @matmul_zero_weight
// B4: "bsparse.packed_weight"() {col_idx = dense<> : tensor<0xi64>, row_ptr = dense<0> : tensor<5xi64>, values = dense<> : tensor<0x4x4xf32>} : () -> !bsparse.bsr<array<i64: 16, 8>, array<i64: 4, 4>, f32>
func.func @matmul_zero_weight(%x: tensor<2x8xf32>) -> tensor<2x16xf32> {
  %w = arith.constant dense<0.0> : tensor<8x16xf32>
  %init = arith.constant dense<0.0> : tensor<2x16xf32>
  %y = linalg.matmul ins(%x, %w : tensor<2x8xf32>, tensor<8x16xf32>) outs(%init : tensor<2x16xf32>) -> tensor<2x16xf32>
  return %y : tensor<2x16xf32>
}
