// Verifies that the C++ torch-mlir-opt's IRDL check of the bsparse dialect rejects
// ill-typed attributes and operands (which bsparse-opt's verifiers reject too).
// RUN: %torch-mlir-opt %s --split-input-file --verify-diagnostics --irdl-file=%dialects/bsparse.irdl.mlir
// RUN: not bsparse-opt %s --split-input-file 2>&1 | filecheck %s --check-prefix=PYTHON

// PYTHON-NOT: Traceback
// PYTHON: irdl-invalid.mlir:15:8: error: 'bsparse.matmul' op
// PYTHON: irdl-invalid.mlir:23:8: error: 'bsparse.matmul' op weight must be a packed weight (!bsparse.bsr or !bsparse.sparse), got memref<8x4xf32>
// PYTHON: irdl-invalid.mlir:31:8: error: 'bsparse.conv2d' op
// PYTHON: irdl-invalid.mlir:39:8: error: 'bsparse.matmul' op
// PYTHON-NOT: Traceback

func.func @integer_activation(%x: tensor<2x4xf32>, %w: !bsparse.bsr<array<i64: 8, 4>, array<i64: 8, 8>, f32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{expected base attribute 'builtin.string' but got 'builtin.integer'}}
  %0 = "bsparse.matmul"(%x, %w) {activation = 1 : i64, operandSegmentSizes = array<i32: 1, 1, 0, 0>} : (tensor<2x4xf32>, !bsparse.bsr<array<i64: 8, 4>, array<i64: 8, 8>, f32>) -> tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}

// -----

func.func @memref_weight(%x: tensor<2x4xf32>, %w: memref<8x4xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{'memref<8x4xf32>' does not satisfy the constraint}}
  %0 = "bsparse.matmul"(%x, %w) {activation = "none", operandSegmentSizes = array<i32: 1, 1, 0, 0>} : (tensor<2x4xf32>, memref<8x4xf32>) -> tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}

// -----

func.func @string_groups(%x: tensor<1x4x8x8xf32>, %w: !bsparse.bsr<array<i64: 8, 4, 3, 3>, array<i64: 8, 4>, f32>) -> tensor<1x8x6x6xf32> {
  // expected-error @+1 {{expected base attribute 'builtin.integer' but got 'builtin.string'}}
  %0 = "bsparse.conv2d"(%x, %w) {strides = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = "one", layout = "nchw", activation = "none", operandSegmentSizes = array<i32: 1, 1, 0, 0>} : (tensor<1x4x8x8xf32>, !bsparse.bsr<array<i64: 8, 4, 3, 3>, array<i64: 8, 4>, f32>) -> tensor<1x8x6x6xf32>
  return %0 : tensor<1x8x6x6xf32>
}

// -----

func.func @missing_activation(%x: tensor<2x4xf32>, %w: !bsparse.bsr<array<i64: 8, 4>, array<i64: 8, 8>, f32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{'bsparse.matmul' op attribute "activation" is expected but not provided}}
  %0 = "bsparse.matmul"(%x, %w) {operandSegmentSizes = array<i32: 1, 1, 0, 0>} : (tensor<2x4xf32>, !bsparse.bsr<array<i64: 8, 4>, array<i64: 8, 8>, f32>) -> tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}
