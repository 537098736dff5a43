// Verifies that IR printed by bsparse-opt is accepted by the C++ torch-mlir-opt
// with the generated IRDL of the bsparse dialect, and prints the same ops back.
// RUN: bsparse-opt %s --split-input-file | %torch-mlir-opt --split-input-file --irdl-file=%dialects/bsparse.irdl.mlir | filecheck %s

// CHECK-LABEL: func.func @packed_matmul
// CHECK-SAME: (%[[X:.*]]: tensor<2x4xf32>, %[[B:.*]]: tensor<4xf32>)
// CHECK-NEXT: %[[W:.*]] = "bsparse.packed_weight"() {col_idx = dense<[0, 1]> : tensor<2xi64>, row_ptr = dense<[0, 1, 2]> : tensor<3xi64>, values = dense<{{.*}}> : tensor<2x2x2xf32>} : () -> !bsparse.bsr<array<i64: 4, 4>, array<i64: 2, 2>, f32>
// CHECK-NEXT: %[[Y:.*]] = "bsparse.matmul"(%[[X]], %[[W]]) {activation = "none", operandSegmentSizes = array<i32: 1, 1, 0, 0>} : (tensor<2x4xf32>, !bsparse.bsr<array<i64: 4, 4>, array<i64: 2, 2>, f32>) -> tensor<2x4xf32>
// CHECK-NEXT: %[[Z:.*]] = "bsparse.matmul"(%[[Y]], %[[W]], %[[B]]) {activation = "relu", operandSegmentSizes = array<i32: 1, 1, 1, 0>} : (tensor<2x4xf32>, !bsparse.bsr<array<i64: 4, 4>, array<i64: 2, 2>, f32>, tensor<4xf32>) -> tensor<2x4xf32>
// CHECK-NEXT: %[[D:.*]] = "bsparse.unpack"(%[[W]]) : (!bsparse.bsr<array<i64: 4, 4>, array<i64: 2, 2>, f32>) -> tensor<4x4xf32>
// CHECK-NEXT: return %[[Z]], %[[D]]
func.func @packed_matmul(%x: tensor<2x4xf32>, %b: tensor<4xf32>) -> (tensor<2x4xf32>, tensor<4x4xf32>) {
  %w = "bsparse.packed_weight"() {values = dense<[[[1.0, 0.0], [0.0, 0.0]], [[1.0, 0.0], [0.0, 1.0]]]> : tensor<2x2x2xf32>, row_ptr = dense<[0, 1, 2]> : tensor<3xi64>, col_idx = dense<[0, 1]> : tensor<2xi64>} : () -> !bsparse.bsr<array<i64: 4, 4>, array<i64: 2, 2>, f32>
  %y = "bsparse.matmul"(%x, %w) {activation = "none", operandSegmentSizes = array<i32: 1, 1, 0, 0>} : (tensor<2x4xf32>, !bsparse.bsr<array<i64: 4, 4>, array<i64: 2, 2>, f32>) -> tensor<2x4xf32>
  %z = "bsparse.matmul"(%y, %w, %b) {activation = "relu", operandSegmentSizes = array<i32: 1, 1, 1, 0>} : (tensor<2x4xf32>, !bsparse.bsr<array<i64: 4, 4>, array<i64: 2, 2>, f32>, tensor<4xf32>) -> tensor<2x4xf32>
  %d = "bsparse.unpack"(%w) : (!bsparse.bsr<array<i64: 4, 4>, array<i64: 2, 2>, f32>) -> tensor<4x4xf32>
  return %z, %d : tensor<2x4xf32>, tensor<4x4xf32>
}

// -----

// CHECK-LABEL: func.func @conv
// CHECK-NEXT: "bsparse.conv2d"(%{{.*}}, %{{.*}}, %{{.*}}) {activation = "relu", dilations = array<i64: 1, 1>, groups = 32 : i64, layout = "nhwc", operandSegmentSizes = array<i32: 1, 1, 1, 0>, padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x8x8x32xf32>, !bsparse.bsr<array<i64: 32, 1, 3, 3>, array<i64: 8, 1>, f32>, tensor<32xf32>) -> tensor<1x8x8x32xf32>
// CHECK-NEXT: "bsparse.conv2d"(%{{.*}}, %{{.*}}) {activation = "none", dilations = array<i64: 2, 2>, groups = 1 : i64, layout = "nchw", operandSegmentSizes = array<i32: 1, 1, 0, 0>, padding = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : (tensor<1x8x13x13xf32>, !bsparse.bsr<array<i64: 8, 8, 3, 3>, array<i64: 8, 8>, f32>) -> tensor<1x8x5x5xf32>
func.func @conv(%x: tensor<1x8x8x32xf32>, %w: !bsparse.bsr<array<i64: 32, 1, 3, 3>, array<i64: 8, 1>, f32>, %b: tensor<32xf32>, %x2: tensor<1x8x13x13xf32>, %w2: !bsparse.bsr<array<i64: 8, 8, 3, 3>, array<i64: 8, 8>, f32>) -> (tensor<1x8x8x32xf32>, tensor<1x8x5x5xf32>) {
  %0 = "bsparse.conv2d"(%x, %w, %b) {strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, groups = 32 : i64, layout = "nhwc", activation = "relu", operandSegmentSizes = array<i32: 1, 1, 1, 0>} : (tensor<1x8x8x32xf32>, !bsparse.bsr<array<i64: 32, 1, 3, 3>, array<i64: 8, 1>, f32>, tensor<32xf32>) -> tensor<1x8x8x32xf32>
  %1 = "bsparse.conv2d"(%x2, %w2) {strides = array<i64: 2, 2>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 2, 2>, groups = 1 : i64, layout = "nchw", activation = "none", operandSegmentSizes = array<i32: 1, 1, 0, 0>} : (tensor<1x8x13x13xf32>, !bsparse.bsr<array<i64: 8, 8, 3, 3>, array<i64: 8, 8>, f32>) -> tensor<1x8x5x5xf32>
  return %0, %1 : tensor<1x8x8x32xf32>, tensor<1x8x5x5xf32>
}

// -----

// bsparse-pack output (here written by hand) is valid for the C++ tool too.
// CHECK-LABEL: func.func @rank4_packed
// CHECK-NEXT: "bsparse.packed_weight"() {col_idx = dense<0> : tensor<2xi64>, row_ptr = dense<[0, 1, 2]> : tensor<3xi64>, values = dense<5.000000e-01> : tensor<2x2x2x3x3xf32>} : () -> !bsparse.bsr<array<i64: 4, 2, 3, 3>, array<i64: 2, 2>, f32>
func.func @rank4_packed() -> !bsparse.bsr<array<i64: 4, 2, 3, 3>, array<i64: 2, 2>, f32> {
  %0 = "bsparse.packed_weight"() {values = dense<0.5> : tensor<2x2x2x3x3xf32>, row_ptr = dense<[0, 1, 2]> : tensor<3xi64>, col_idx = dense<[0, 0]> : tensor<2xi64>} : () -> !bsparse.bsr<array<i64: 4, 2, 3, 3>, array<i64: 2, 2>, f32>
  return %0 : !bsparse.bsr<array<i64: 4, 2, 3, 3>, array<i64: 2, 2>, f32>
}
