// Verifies that every bsparse op and the !bsparse.bsr type round-trip through
// bsparse-opt in generic form, and that a second round trip prints identical text.
// RUN: BSPARSE_ROUNDTRIP
// RUN: bsparse-opt %s --split-input-file > %t.1 && bsparse-opt %t.1 --split-input-file > %t.2 && diff %t.1 %t.2

// CHECK-LABEL: func.func @packed_weight_rank2
// CHECK-NEXT: %[[W:.*]] = "bsparse.packed_weight"() {col_idx = dense<[0, 1]> : tensor<2xi64>, row_ptr = dense<[0, 1, 2]> : tensor<3xi64>, values = dense<{{\[\[\[}}1.000000e+00, 0.000000e+00], [0.000000e+00, 0.000000e+00]], {{\[\[}}1.000000e+00, 0.000000e+00], [0.000000e+00, 1.000000e+00]]]> : tensor<2x2x2xf32>} : () -> !bsparse.bsr<array<i64: 4, 4>, array<i64: 2, 2>, f32>
// CHECK-NEXT: return %[[W]] : !bsparse.bsr<array<i64: 4, 4>, array<i64: 2, 2>, f32>
func.func @packed_weight_rank2() -> !bsparse.bsr<array<i64: 4, 4>, array<i64: 2, 2>, f32> {
  %0 = "bsparse.packed_weight"() {values = dense<[[[1.0, 0.0], [0.0, 0.0]], [[1.0, 0.0], [0.0, 1.0]]]> : tensor<2x2x2xf32>, row_ptr = dense<[0, 1, 2]> : tensor<3xi64>, col_idx = dense<[0, 1]> : tensor<2xi64>} : () -> !bsparse.bsr<array<i64: 4, 4>, array<i64: 2, 2>, f32>
  return %0 : !bsparse.bsr<array<i64: 4, 4>, array<i64: 2, 2>, f32>
}

// -----

// A [4, 2, 3, 3] convolution weight in 2x2 blocks: each block spans the 3x3 window.
// CHECK-LABEL: func.func @packed_weight_rank4
// CHECK-NEXT: "bsparse.packed_weight"() {col_idx = dense<0> : tensor<2xi64>, row_ptr = dense<[0, 1, 2]> : tensor<3xi64>, values = dense<5.000000e-01> : tensor<2x2x2x3x3xf32>} : () -> !bsparse.bsr<array<i64: 4, 2, 3, 3>, array<i64: 2, 2>, f32>
func.func @packed_weight_rank4() -> !bsparse.bsr<array<i64: 4, 2, 3, 3>, array<i64: 2, 2>, f32> {
  %0 = "bsparse.packed_weight"() {values = dense<0.5> : tensor<2x2x2x3x3xf32>, row_ptr = dense<[0, 1, 2]> : tensor<3xi64>, col_idx = dense<[0, 0]> : tensor<2xi64>} : () -> !bsparse.bsr<array<i64: 4, 2, 3, 3>, array<i64: 2, 2>, f32>
  return %0 : !bsparse.bsr<array<i64: 4, 2, 3, 3>, array<i64: 2, 2>, f32>
}

// -----

// A [5, 3] weight in non-square 4x2 blocks: a 2x2 grid whose last block row and
// last block column are edge blocks, zero beyond row 5 and column 3.
// CHECK-LABEL: func.func @packed_weight_edge_blocks
// CHECK-NEXT: "bsparse.packed_weight"() {col_idx = dense<[0, 1, 0]> : tensor<3xi64>, row_ptr = dense<[0, 2, 3]> : tensor<3xi64>
// CHECK-SAME: : tensor<3x4x2xf32>} : () -> !bsparse.bsr<array<i64: 5, 3>, array<i64: 4, 2>, f32>
func.func @packed_weight_edge_blocks() -> !bsparse.bsr<array<i64: 5, 3>, array<i64: 4, 2>, f32> {
  %0 = "bsparse.packed_weight"() {values = dense<[[[1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0]], [[2.0, 0.0], [2.0, 0.0], [2.0, 0.0], [2.0, 0.0]], [[3.0, 3.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0]]]> : tensor<3x4x2xf32>, row_ptr = dense<[0, 2, 3]> : tensor<3xi64>, col_idx = dense<[0, 1, 0]> : tensor<3xi64>} : () -> !bsparse.bsr<array<i64: 5, 3>, array<i64: 4, 2>, f32>
  return %0 : !bsparse.bsr<array<i64: 5, 3>, array<i64: 4, 2>, f32>
}

// -----

// An all-zero weight stores no blocks at all.
// CHECK-LABEL: func.func @packed_weight_all_zero
// CHECK-NEXT: "bsparse.packed_weight"() {col_idx = dense<> : tensor<0xi64>, row_ptr = dense<0> : tensor<3xi64>, values = dense<> : tensor<0x8x8xf32>} : () -> !bsparse.bsr<array<i64: 16, 16>, array<i64: 8, 8>, f32>
func.func @packed_weight_all_zero() -> !bsparse.bsr<array<i64: 16, 16>, array<i64: 8, 8>, f32> {
  %0 = "bsparse.packed_weight"() {values = dense<> : tensor<0x8x8xf32>, row_ptr = dense<[0, 0, 0]> : tensor<3xi64>, col_idx = dense<> : tensor<0xi64>} : () -> !bsparse.bsr<array<i64: 16, 16>, array<i64: 8, 8>, f32>
  return %0 : !bsparse.bsr<array<i64: 16, 16>, array<i64: 8, 8>, f32>
}

// -----

// A 1x4 block over a wide weight: three stored blocks in block row 0, none in row 1.
// CHECK-LABEL: func.func @packed_weight_wide_block
// CHECK-NEXT: "bsparse.packed_weight"() {col_idx = dense<[0, 2, 3]> : tensor<3xi64>, row_ptr = dense<[0, 3, 3]> : tensor<3xi64>, values = dense<1.000000e+00> : tensor<3x1x4xf32>} : () -> !bsparse.bsr<array<i64: 2, 16>, array<i64: 1, 4>, f32>
func.func @packed_weight_wide_block() -> !bsparse.bsr<array<i64: 2, 16>, array<i64: 1, 4>, f32> {
  %0 = "bsparse.packed_weight"() {values = dense<1.0> : tensor<3x1x4xf32>, row_ptr = dense<[0, 3, 3]> : tensor<3xi64>, col_idx = dense<[0, 2, 3]> : tensor<3xi64>} : () -> !bsparse.bsr<array<i64: 2, 16>, array<i64: 1, 4>, f32>
  return %0 : !bsparse.bsr<array<i64: 2, 16>, array<i64: 1, 4>, f32>
}

// -----

// CHECK-LABEL: func.func @unpack
// CHECK-SAME: (%[[W:.*]]: !bsparse.bsr<array<i64: 5, 3>, array<i64: 4, 2>, f32>)
// CHECK-NEXT: %[[D:.*]] = "bsparse.unpack"(%[[W]]) : (!bsparse.bsr<array<i64: 5, 3>, array<i64: 4, 2>, f32>) -> tensor<5x3xf32>
// CHECK-NEXT: return %[[D]] : tensor<5x3xf32>
func.func @unpack(%w: !bsparse.bsr<array<i64: 5, 3>, array<i64: 4, 2>, f32>) -> tensor<5x3xf32> {
  %0 = "bsparse.unpack"(%w) : (!bsparse.bsr<array<i64: 5, 3>, array<i64: 4, 2>, f32>) -> tensor<5x3xf32>
  return %0 : tensor<5x3xf32>
}

// -----

// CHECK-LABEL: func.func @unpack_rank4
// CHECK: "bsparse.unpack"(%{{.*}}) : (!bsparse.bsr<array<i64: 8, 3, 3, 3>, array<i64: 8, 8>, f32>) -> tensor<8x3x3x3xf32>
func.func @unpack_rank4(%w: !bsparse.bsr<array<i64: 8, 3, 3, 3>, array<i64: 8, 8>, f32>) -> tensor<8x3x3x3xf32> {
  %0 = "bsparse.unpack"(%w) : (!bsparse.bsr<array<i64: 8, 3, 3, 3>, array<i64: 8, 8>, f32>) -> tensor<8x3x3x3xf32>
  return %0 : tensor<8x3x3x3xf32>
}

// -----

// CHECK-LABEL: func.func @matmul
// CHECK-SAME: (%[[X:.*]]: tensor<2x4xf32>)
// CHECK-NEXT: %[[W:.*]] = "bsparse.packed_weight"()
// CHECK-NEXT: %[[Y:.*]] = "bsparse.matmul"(%[[X]], %[[W]]) {activation = "none", operandSegmentSizes = array<i32: 1, 1, 0, 0>} : (tensor<2x4xf32>, !bsparse.bsr<array<i64: 4, 4>, array<i64: 2, 2>, f32>) -> tensor<2x4xf32>
// CHECK-NEXT: return %[[Y]]
func.func @matmul(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %w = "bsparse.packed_weight"() {values = dense<[[[1.0, 0.0], [0.0, 0.0]], [[1.0, 0.0], [0.0, 1.0]]]> : tensor<2x2x2xf32>, row_ptr = dense<[0, 1, 2]> : tensor<3xi64>, col_idx = dense<[0, 1]> : tensor<2xi64>} : () -> !bsparse.bsr<array<i64: 4, 4>, array<i64: 2, 2>, f32>
  %0 = "bsparse.matmul"(%x, %w) {activation = "none", operandSegmentSizes = array<i32: 1, 1, 0, 0>} : (tensor<2x4xf32>, !bsparse.bsr<array<i64: 4, 4>, array<i64: 2, 2>, f32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

// CHECK-LABEL: func.func @matmul_bias_relu
// CHECK-SAME: (%[[X:.*]]: tensor<3x16xf32>, %[[W:.*]]: !bsparse.bsr<array<i64: 24, 16>, array<i64: 8, 8>, f32>, %[[B:.*]]: tensor<24xf32>)
// CHECK-NEXT: "bsparse.matmul"(%[[X]], %[[W]], %[[B]]) {activation = "relu", operandSegmentSizes = array<i32: 1, 1, 1, 0>} : (tensor<3x16xf32>, !bsparse.bsr<array<i64: 24, 16>, array<i64: 8, 8>, f32>, tensor<24xf32>) -> tensor<3x24xf32>
func.func @matmul_bias_relu(%x: tensor<3x16xf32>, %w: !bsparse.bsr<array<i64: 24, 16>, array<i64: 8, 8>, f32>, %b: tensor<24xf32>) -> tensor<3x24xf32> {
  %0 = "bsparse.matmul"(%x, %w, %b) {activation = "relu", operandSegmentSizes = array<i32: 1, 1, 1, 0>} : (tensor<3x16xf32>, !bsparse.bsr<array<i64: 24, 16>, array<i64: 8, 8>, f32>, tensor<24xf32>) -> tensor<3x24xf32>
  return %0 : tensor<3x24xf32>
}

// -----

// A batched input [B, M, K]: the leading dimensions carry over to the result.
// CHECK-LABEL: func.func @matmul_batched
// CHECK-NEXT: "bsparse.matmul"(%{{.*}}, %{{.*}}) {activation = "relu", operandSegmentSizes = array<i32: 1, 1, 0, 0>} : (tensor<2x7x12xf32>, !bsparse.bsr<array<i64: 10, 12>, array<i64: 4, 4>, f32>) -> tensor<2x7x10xf32>
func.func @matmul_batched(%x: tensor<2x7x12xf32>, %w: !bsparse.bsr<array<i64: 10, 12>, array<i64: 4, 4>, f32>) -> tensor<2x7x10xf32> {
  %0 = "bsparse.matmul"(%x, %w) {activation = "relu", operandSegmentSizes = array<i32: 1, 1, 0, 0>} : (tensor<2x7x12xf32>, !bsparse.bsr<array<i64: 10, 12>, array<i64: 4, 4>, f32>) -> tensor<2x7x10xf32>
  return %0 : tensor<2x7x10xf32>
}

// -----

// CHECK-LABEL: func.func @conv2d_nchw
// CHECK-SAME: (%[[X:.*]]: tensor<1x3x8x8xf32>)
// CHECK-NEXT: %[[W:.*]] = "bsparse.packed_weight"()
// CHECK-NEXT: "bsparse.conv2d"(%[[X]], %[[W]]) {activation = "none", dilations = array<i64: 1, 1>, groups = 1 : i64, layout = "nchw", operandSegmentSizes = array<i32: 1, 1, 0, 0>, padding = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>, !bsparse.bsr<array<i64: 8, 3, 3, 3>, array<i64: 4, 3>, f32>) -> tensor<1x8x6x6xf32>
func.func @conv2d_nchw(%x: tensor<1x3x8x8xf32>) -> tensor<1x8x6x6xf32> {
  %w = "bsparse.packed_weight"() {values = dense<1.0> : tensor<2x4x3x3x3xf32>, row_ptr = dense<[0, 1, 2]> : tensor<3xi64>, col_idx = dense<[0, 0]> : tensor<2xi64>} : () -> !bsparse.bsr<array<i64: 8, 3, 3, 3>, array<i64: 4, 3>, f32>
  %0 = "bsparse.conv2d"(%x, %w) {strides = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64, layout = "nchw", activation = "none", operandSegmentSizes = array<i32: 1, 1, 0, 0>} : (tensor<1x3x8x8xf32>, !bsparse.bsr<array<i64: 8, 3, 3, 3>, array<i64: 4, 3>, f32>) -> tensor<1x8x6x6xf32>
  return %0 : tensor<1x8x6x6xf32>
}

// -----

// NHWC with stride 2 and asymmetric padding [top, left, bottom, right]:
// H: (9 + 1 + 0 - 3) / 2 + 1 = 4, W: (9 + 1 + 2 - 3) / 2 + 1 = 5.
// CHECK-LABEL: func.func @conv2d_nhwc_stride_padding
// CHECK-NEXT: "bsparse.conv2d"(%{{.*}}, %{{.*}}) {activation = "none", dilations = array<i64: 1, 1>, groups = 1 : i64, layout = "nhwc", operandSegmentSizes = array<i32: 1, 1, 0, 0>, padding = array<i64: 1, 1, 0, 2>, strides = array<i64: 2, 2>} : (tensor<2x9x9x4xf32>, !bsparse.bsr<array<i64: 16, 4, 3, 3>, array<i64: 8, 4>, f32>) -> tensor<2x4x5x16xf32>
func.func @conv2d_nhwc_stride_padding(%x: tensor<2x9x9x4xf32>, %w: !bsparse.bsr<array<i64: 16, 4, 3, 3>, array<i64: 8, 4>, f32>) -> tensor<2x4x5x16xf32> {
  %0 = "bsparse.conv2d"(%x, %w) {strides = array<i64: 2, 2>, padding = array<i64: 1, 1, 0, 2>, dilations = array<i64: 1, 1>, groups = 1 : i64, layout = "nhwc", activation = "none", operandSegmentSizes = array<i32: 1, 1, 0, 0>} : (tensor<2x9x9x4xf32>, !bsparse.bsr<array<i64: 16, 4, 3, 3>, array<i64: 8, 4>, f32>) -> tensor<2x4x5x16xf32>
  return %0 : tensor<2x4x5x16xf32>
}

// -----

// Dilation 2 makes the 3x3 window span 5x5: (10 - 5) / 1 + 1 = 6 by (12 - 5) / 1 + 1 = 8.
// CHECK-LABEL: func.func @conv2d_dilation
// CHECK-NEXT: "bsparse.conv2d"(%{{.*}}, %{{.*}}) {activation = "none", dilations = array<i64: 2, 2>, groups = 1 : i64, layout = "nchw", operandSegmentSizes = array<i32: 1, 1, 0, 0>, padding = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x8x10x12xf32>, !bsparse.bsr<array<i64: 8, 8, 3, 3>, array<i64: 8, 8>, f32>) -> tensor<1x8x6x8xf32>
func.func @conv2d_dilation(%x: tensor<1x8x10x12xf32>, %w: !bsparse.bsr<array<i64: 8, 8, 3, 3>, array<i64: 8, 8>, f32>) -> tensor<1x8x6x8xf32> {
  %0 = "bsparse.conv2d"(%x, %w) {strides = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 2, 2>, groups = 1 : i64, layout = "nchw", activation = "none", operandSegmentSizes = array<i32: 1, 1, 0, 0>} : (tensor<1x8x10x12xf32>, !bsparse.bsr<array<i64: 8, 8, 3, 3>, array<i64: 8, 8>, f32>) -> tensor<1x8x6x8xf32>
  return %0 : tensor<1x8x6x8xf32>
}

// -----

// Two groups: 8 input channels, the weight sees 4 per group.
// CHECK-LABEL: func.func @conv2d_groups
// CHECK-NEXT: "bsparse.conv2d"(%{{.*}}, %{{.*}}) {activation = "none", dilations = array<i64: 1, 1>, groups = 2 : i64, layout = "nchw", operandSegmentSizes = array<i32: 1, 1, 0, 0>, padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x8x6x6xf32>, !bsparse.bsr<array<i64: 16, 4, 3, 3>, array<i64: 8, 4>, f32>) -> tensor<1x16x6x6xf32>
func.func @conv2d_groups(%x: tensor<1x8x6x6xf32>, %w: !bsparse.bsr<array<i64: 16, 4, 3, 3>, array<i64: 8, 4>, f32>) -> tensor<1x16x6x6xf32> {
  %0 = "bsparse.conv2d"(%x, %w) {strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, groups = 2 : i64, layout = "nchw", activation = "none", operandSegmentSizes = array<i32: 1, 1, 0, 0>} : (tensor<1x8x6x6xf32>, !bsparse.bsr<array<i64: 16, 4, 3, 3>, array<i64: 8, 4>, f32>) -> tensor<1x16x6x6xf32>
  return %0 : tensor<1x16x6x6xf32>
}

// -----

// Depthwise: groups = channels, one input channel per group, with bias and relu.
// CHECK-LABEL: func.func @conv2d_depthwise_bias_relu
// CHECK-SAME: (%[[X:.*]]: tensor<1x8x8x32xf32>, %[[W:.*]]: !bsparse.bsr<array<i64: 32, 1, 3, 3>, array<i64: 8, 1>, f32>, %[[B:.*]]: tensor<32xf32>)
// CHECK-NEXT: "bsparse.conv2d"(%[[X]], %[[W]], %[[B]]) {activation = "relu", dilations = array<i64: 1, 1>, groups = 32 : i64, layout = "nhwc", operandSegmentSizes = array<i32: 1, 1, 1, 0>, padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x8x8x32xf32>, !bsparse.bsr<array<i64: 32, 1, 3, 3>, array<i64: 8, 1>, f32>, tensor<32xf32>) -> tensor<1x8x8x32xf32>
func.func @conv2d_depthwise_bias_relu(%x: tensor<1x8x8x32xf32>, %w: !bsparse.bsr<array<i64: 32, 1, 3, 3>, array<i64: 8, 1>, f32>, %b: tensor<32xf32>) -> tensor<1x8x8x32xf32> {
  %0 = "bsparse.conv2d"(%x, %w, %b) {strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>, groups = 32 : i64, layout = "nhwc", activation = "relu", operandSegmentSizes = array<i32: 1, 1, 1, 0>} : (tensor<1x8x8x32xf32>, !bsparse.bsr<array<i64: 32, 1, 3, 3>, array<i64: 8, 1>, f32>, tensor<32xf32>) -> tensor<1x8x8x32xf32>
  return %0 : tensor<1x8x8x32xf32>
}

// -----

// A 1x1 pointwise convolution with bias, NCHW.
// CHECK-LABEL: func.func @conv2d_pointwise_bias
// CHECK-NEXT: "bsparse.conv2d"(%{{.*}}, %{{.*}}, %{{.*}}) {activation = "none", {{.*}}, operandSegmentSizes = array<i32: 1, 1, 1, 0>, {{.*}}} : (tensor<4x16x7x7xf32>, !bsparse.bsr<array<i64: 24, 16, 1, 1>, array<i64: 8, 8>, f32>, tensor<24xf32>) -> tensor<4x24x7x7xf32>
func.func @conv2d_pointwise_bias(%x: tensor<4x16x7x7xf32>, %w: !bsparse.bsr<array<i64: 24, 16, 1, 1>, array<i64: 8, 8>, f32>, %b: tensor<24xf32>) -> tensor<4x24x7x7xf32> {
  %0 = "bsparse.conv2d"(%x, %w, %b) {strides = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64, layout = "nchw", activation = "none", operandSegmentSizes = array<i32: 1, 1, 1, 0>} : (tensor<4x16x7x7xf32>, !bsparse.bsr<array<i64: 24, 16, 1, 1>, array<i64: 8, 8>, f32>, tensor<24xf32>) -> tensor<4x24x7x7xf32>
  return %0 : tensor<4x24x7x7xf32>
}

// -----

// A weight in a non-block pattern's format: tw:2 tiles channels {0, 2} keeping K positions
// {1, 3} and channel {3} keeping {0}; the matmul on it and unpack take !bsparse.sparse too.
// CHECK-LABEL: func.func @packed_sparse_tiles
// CHECK-NEXT: %[[W:.*]] = "bsparse.packed_sparse"() {index = {channels = dense<[0, 2, 3]> : tensor<3xi8>, k_idx = dense<[1, 3, 0]> : tensor<3xi8>, k_ptr = dense<[0, 2, 3]> : tensor<3xi8>, mask = dense<> : tensor<0xi8>, tile_ptr = dense<[0, 2, 3]> : tensor<3xi8>}, values = dense<[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00, 5.000000e+00]> : tensor<5xf32>} : () -> !bsparse.sparse<array<i64: 4, 4>, "tw:2", f32>
// CHECK-NEXT: "bsparse.matmul"(%{{.*}}, %[[W]]) {{.*}} : (tensor<3x4xf32>, !bsparse.sparse<array<i64: 4, 4>, "tw:2", f32>) -> tensor<3x4xf32>
// CHECK-NEXT: "bsparse.unpack"(%[[W]]) : (!bsparse.sparse<array<i64: 4, 4>, "tw:2", f32>) -> tensor<4x4xf32>
func.func @packed_sparse_tiles(%x: tensor<3x4xf32>) -> (tensor<3x4xf32>, tensor<4x4xf32>) {
  %w = "bsparse.packed_sparse"() {index = {channels = dense<[0, 2, 3]> : tensor<3xi8>, tile_ptr = dense<[0, 2, 3]> : tensor<3xi8>, k_ptr = dense<[0, 2, 3]> : tensor<3xi8>, k_idx = dense<[1, 3, 0]> : tensor<3xi8>, mask = dense<> : tensor<0xi8>}, values = dense<[1.0, 2.0, 3.0, 4.0, 5.0]> : tensor<5xf32>} : () -> !bsparse.sparse<array<i64: 4, 4>, "tw:2", f32>
  %y = "bsparse.matmul"(%x, %w) {activation = "none", operandSegmentSizes = array<i32: 1, 1, 0, 0>} : (tensor<3x4xf32>, !bsparse.sparse<array<i64: 4, 4>, "tw:2", f32>) -> tensor<3x4xf32>
  %d = "bsparse.unpack"(%w) : (!bsparse.sparse<array<i64: 4, 4>, "tw:2", f32>) -> tensor<4x4xf32>
  return %y, %d : tensor<3x4xf32>, tensor<4x4xf32>
}
