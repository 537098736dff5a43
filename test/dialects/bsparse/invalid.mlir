// Verifies that each bsparse verifier rule rejects malformed IR with a located,
// specific diagnostic (one case per rule; see bsparse/dialects/bsparse.py).
// RUN: bsparse-opt %s --split-input-file --verify-diagnostics

func.func @values_shape_not_block(%x: tensor<1xf32>) {
  // expected-error @+1 {{values must have shape [nnzb, R, C, *window] = [2, 2, 2] for block 2x2 of weight [4, 4], got [2, 2, 4]}}
  %0 = "bsparse.packed_weight"() {values = dense<1.0> : tensor<2x2x4xf32>, row_ptr = dense<[0, 1, 2]> : tensor<3xi64>, col_idx = dense<[0, 1]> : tensor<2xi64>} : () -> !bsparse.bsr<array<i64: 4, 4>, array<i64: 2, 2>, f32>
  return
}

// -----

func.func @values_missing_window() {
  // expected-error @+1 {{values must have shape [nnzb, R, C, *window] = [1, 2, 2, 3, 3] for block 2x2 of weight [2, 2, 3, 3], got [1, 2, 2]}}
  %0 = "bsparse.packed_weight"() {values = dense<1.0> : tensor<1x2x2xf32>, row_ptr = dense<[0, 1]> : tensor<2xi64>, col_idx = dense<[0]> : tensor<1xi64>} : () -> !bsparse.bsr<array<i64: 2, 2, 3, 3>, array<i64: 2, 2>, f32>
  return
}

// -----

func.func @values_element_type() {
  // expected-error @+1 {{values element type must match the result's f32}}
  %0 = "bsparse.packed_weight"() {values = dense<1.0> : tensor<1x2x2xf16>, row_ptr = dense<[0, 1]> : tensor<2xi64>, col_idx = dense<[0]> : tensor<1xi64>} : () -> !bsparse.bsr<array<i64: 2, 2>, array<i64: 2, 2>, f32>
  return
}

// -----

func.func @values_not_dense() {
  // expected-error @+1 {{attribute 'values' must be dense elements}}
  %0 = "bsparse.packed_weight"() {values = 1.0 : f32, row_ptr = dense<[0, 1]> : tensor<2xi64>, col_idx = dense<[0]> : tensor<1xi64>} : () -> !bsparse.bsr<array<i64: 2, 2>, array<i64: 2, 2>, f32>
  return
}

// -----

func.func @row_ptr_length() {
  // expected-error @+1 {{row_ptr must have ceil(5/2)+1 = 4 entries, got 3}}
  %0 = "bsparse.packed_weight"() {values = dense<0.0> : tensor<2x2x2xf32>, row_ptr = dense<[0, 1, 2]> : tensor<3xi64>, col_idx = dense<[0, 0]> : tensor<2xi64>} : () -> !bsparse.bsr<array<i64: 5, 2>, array<i64: 2, 2>, f32>
  return
}

// -----

func.func @row_ptr_not_rising() {
  // expected-error @+1 {{row_ptr must rise from 0 to the number of stored blocks (2)}}
  %0 = "bsparse.packed_weight"() {values = dense<1.0> : tensor<2x2x2xf32>, row_ptr = dense<[0, 2, 1, 2]> : tensor<4xi64>, col_idx = dense<[0, 1]> : tensor<2xi64>} : () -> !bsparse.bsr<array<i64: 6, 4>, array<i64: 2, 2>, f32>
  return
}

// -----

func.func @row_ptr_not_from_zero() {
  // expected-error @+1 {{row_ptr must rise from 0 to the number of stored blocks (1)}}
  %0 = "bsparse.packed_weight"() {values = dense<1.0> : tensor<1x2x2xf32>, row_ptr = dense<[1, 1]> : tensor<2xi64>, col_idx = dense<[0]> : tensor<1xi64>} : () -> !bsparse.bsr<array<i64: 2, 2>, array<i64: 2, 2>, f32>
  return
}

// -----

func.func @row_ptr_short_of_nnzb() {
  // expected-error @+1 {{row_ptr must rise from 0 to the number of stored blocks (2)}}
  %0 = "bsparse.packed_weight"() {values = dense<1.0> : tensor<2x2x2xf32>, row_ptr = dense<[0, 1]> : tensor<2xi64>, col_idx = dense<[0, 1]> : tensor<2xi64>} : () -> !bsparse.bsr<array<i64: 2, 4>, array<i64: 2, 2>, f32>
  return
}

// -----

func.func @col_idx_length() {
  // expected-error @+1 {{col_idx must have one entry per stored block (2), got 1}}
  %0 = "bsparse.packed_weight"() {values = dense<1.0> : tensor<2x2x2xf32>, row_ptr = dense<[0, 2]> : tensor<2xi64>, col_idx = dense<[0]> : tensor<1xi64>} : () -> !bsparse.bsr<array<i64: 2, 4>, array<i64: 2, 2>, f32>
  return
}

// -----

func.func @col_idx_out_of_range() {
  // expected-error @+1 {{block column index 2 is out of range [0, 2)}}
  %0 = "bsparse.packed_weight"() {values = dense<1.0> : tensor<2x2x2xf32>, row_ptr = dense<[0, 2]> : tensor<2xi64>, col_idx = dense<[0, 2]> : tensor<2xi64>} : () -> !bsparse.bsr<array<i64: 2, 4>, array<i64: 2, 2>, f32>
  return
}

// -----

func.func @col_idx_negative() {
  // expected-error @+1 {{block column index -1 is out of range [0, 2)}}
  %0 = "bsparse.packed_weight"() {values = dense<1.0> : tensor<1x2x2xf32>, row_ptr = dense<[0, 1]> : tensor<2xi64>, col_idx = dense<[-1]> : tensor<1xi64>} : () -> !bsparse.bsr<array<i64: 2, 4>, array<i64: 2, 2>, f32>
  return
}

// -----

func.func @col_idx_not_increasing() {
  // expected-error @+1 {{block column indices must be strictly increasing within a block row}}
  %0 = "bsparse.packed_weight"() {values = dense<1.0> : tensor<2x2x2xf32>, row_ptr = dense<[0, 2]> : tensor<2xi64>, col_idx = dense<[1, 0]> : tensor<2xi64>} : () -> !bsparse.bsr<array<i64: 2, 4>, array<i64: 2, 2>, f32>
  return
}

// -----

func.func @col_idx_repeated() {
  // expected-error @+1 {{block column indices must be strictly increasing within a block row}}
  %0 = "bsparse.packed_weight"() {values = dense<1.0> : tensor<3x2x2xf32>, row_ptr = dense<[0, 1, 3]> : tensor<3xi64>, col_idx = dense<[1, 0, 0]> : tensor<3xi64>} : () -> !bsparse.bsr<array<i64: 4, 4>, array<i64: 2, 2>, f32>
  return
}

// -----

// Row 4 of the last block row lies outside the [3, 2] weight: it must be zero.
func.func @edge_row_not_zero() {
  // expected-error @+1 {{edge blocks of the last block row must be zero beyond row 3}}
  %0 = "bsparse.packed_weight"() {values = dense<[[[1.0, 1.0], [1.0, 1.0]], [[1.0, 1.0], [1.0, 1.0]]]> : tensor<2x2x2xf32>, row_ptr = dense<[0, 1, 2]> : tensor<3xi64>, col_idx = dense<[0, 0]> : tensor<2xi64>} : () -> !bsparse.bsr<array<i64: 3, 2>, array<i64: 2, 2>, f32>
  return
}

// -----

// Column 4 of the last block column lies outside the [2, 3] weight: it must be zero.
func.func @edge_column_not_zero() {
  // expected-error @+1 {{edge blocks of the last block column must be zero beyond column 3}}
  %0 = "bsparse.packed_weight"() {values = dense<[[[1.0, 1.0], [1.0, 1.0]], [[1.0, 0.0], [1.0, 1.0]]]> : tensor<2x2x2xf32>, row_ptr = dense<[0, 2]> : tensor<2xi64>, col_idx = dense<[0, 1]> : tensor<2xi64>} : () -> !bsparse.bsr<array<i64: 2, 3>, array<i64: 2, 2>, f32>
  return
}

// -----

func.func @bsr_rank_3() {
  // expected-error @+1 {{result weight shape must have rank 2 [out, in] or 4 [out, in, kh, kw], got [2, 2, 3]}}
  %0 = "bsparse.packed_weight"() {values = dense<1.0> : tensor<1x2x2x3xf32>, row_ptr = dense<[0, 1]> : tensor<2xi64>, col_idx = dense<[0]> : tensor<1xi64>} : () -> !bsparse.bsr<array<i64: 2, 2, 3>, array<i64: 2, 2>, f32>
  return
}

// -----

func.func @bsr_zero_dim() {
  // expected-error @+1 {{result weight shape must be positive, got [0, 2]}}
  %0 = "bsparse.packed_weight"() {values = dense<> : tensor<0x2x2xf32>, row_ptr = dense<[0]> : tensor<1xi64>, col_idx = dense<> : tensor<0xi64>} : () -> !bsparse.bsr<array<i64: 0, 2>, array<i64: 2, 2>, f32>
  return
}

// -----

func.func @bsr_block_zero() {
  // expected-error @+1 {{result block shape must be two positive sizes [R, C], got [0, 2]}}
  %0 = "bsparse.packed_weight"() {values = dense<> : tensor<0x0x2xf32>, row_ptr = dense<[0]> : tensor<1xi64>, col_idx = dense<> : tensor<0xi64>} : () -> !bsparse.bsr<array<i64: 2, 2>, array<i64: 0, 2>, f32>
  return
}

// -----

func.func @bsr_block_rank_3(%w: !bsparse.bsr<array<i64: 4, 4>, array<i64: 2, 2, 2>, f32>) {
  // expected-error @+1 {{weight block shape must be two positive sizes [R, C], got [2, 2, 2]}}
  %0 = "bsparse.unpack"(%w) : (!bsparse.bsr<array<i64: 4, 4>, array<i64: 2, 2, 2>, f32>) -> tensor<4x4xf32>
  return
}

// -----

func.func @bsr_malformed(%w: !bsparse.bsr<array<i64: 4, 4>, 2 : i64, f32>) {
  // expected-error @+1 {{weight has malformed type}}
  %0 = "bsparse.unpack"(%w) : (!bsparse.bsr<array<i64: 4, 4>, 2 : i64, f32>) -> tensor<4x4xf32>
  return
}

// -----

func.func @unpack_shape(%w: !bsparse.bsr<array<i64: 5, 3>, array<i64: 4, 2>, f32>) {
  // expected-error @+1 {{result shape must be the weight shape [5, 3]}}
  %0 = "bsparse.unpack"(%w) : (!bsparse.bsr<array<i64: 5, 3>, array<i64: 4, 2>, f32>) -> tensor<8x4xf32>
  return
}

// -----

func.func @unpack_element_type(%w: !bsparse.bsr<array<i64: 5, 3>, array<i64: 4, 2>, f32>) {
  // expected-error @+1 {{result element type must be f32}}
  %0 = "bsparse.unpack"(%w) : (!bsparse.bsr<array<i64: 5, 3>, array<i64: 4, 2>, f32>) -> tensor<5x3xf16>
  return
}

// -----

func.func @unpack_dynamic(%w: !bsparse.bsr<array<i64: 5, 3>, array<i64: 4, 2>, f32>) {
  // expected-error @+1 {{result must have a static shape, got tensor<?x3xf32>}}
  %0 = "bsparse.unpack"(%w) : (!bsparse.bsr<array<i64: 5, 3>, array<i64: 4, 2>, f32>) -> tensor<?x3xf32>
  return
}

// -----

func.func @unpack_non_bsr(%w: tensor<5x3xf32>) {
  // expected-error @+1 {{weight must be a packed weight (!bsparse.bsr or !bsparse.sparse), got tensor<5x3xf32>}}
  %0 = "bsparse.unpack"(%w) : (tensor<5x3xf32>) -> tensor<5x3xf32>
  return
}

// -----

func.func @matmul_non_bsr_weight(%x: tensor<2x4xf32>, %w: tensor<8x4xf32>) {
  // expected-error @+1 {{weight must be a packed weight (!bsparse.bsr or !bsparse.sparse), got tensor<8x4xf32>}}
  %0 = "bsparse.matmul"(%x, %w) {activation = "none", operandSegmentSizes = array<i32: 1, 1, 0, 0>} : (tensor<2x4xf32>, tensor<8x4xf32>) -> tensor<2x8xf32>
  return
}

// -----

func.func @matmul_rank4_weight(%x: tensor<2x4xf32>, %w: !bsparse.bsr<array<i64: 8, 4, 3, 3>, array<i64: 8, 8>, f32>) {
  // expected-error @+1 {{weight must be a rank-2 [N, K] packed weight, got shape [8, 4, 3, 3]}}
  %0 = "bsparse.matmul"(%x, %w) {activation = "none", operandSegmentSizes = array<i32: 1, 1, 0, 0>} : (tensor<2x4xf32>, !bsparse.bsr<array<i64: 8, 4, 3, 3>, array<i64: 8, 8>, f32>) -> tensor<2x8xf32>
  return
}

// -----

func.func @matmul_k_mismatch(%x: tensor<2x6xf32>, %w: !bsparse.bsr<array<i64: 8, 4>, array<i64: 8, 8>, f32>) {
  // expected-error @+1 {{input's last dimension must be K = 4, got input shape [2, 6]}}
  %0 = "bsparse.matmul"(%x, %w) {activation = "none", operandSegmentSizes = array<i32: 1, 1, 0, 0>} : (tensor<2x6xf32>, !bsparse.bsr<array<i64: 8, 4>, array<i64: 8, 8>, f32>) -> tensor<2x8xf32>
  return
}

// -----

func.func @matmul_scalar_input(%x: tensor<f32>, %w: !bsparse.bsr<array<i64: 8, 4>, array<i64: 8, 8>, f32>) {
  // expected-error @+1 {{input's last dimension must be K = 4, got input shape []}}
  %0 = "bsparse.matmul"(%x, %w) {activation = "none", operandSegmentSizes = array<i32: 1, 1, 0, 0>} : (tensor<f32>, !bsparse.bsr<array<i64: 8, 4>, array<i64: 8, 8>, f32>) -> tensor<8xf32>
  return
}

// -----

func.func @matmul_result_shape(%x: tensor<2x4xf32>, %w: !bsparse.bsr<array<i64: 8, 4>, array<i64: 8, 8>, f32>) {
  // expected-error @+1 {{result must have shape [2, 8], got [2, 4]}}
  %0 = "bsparse.matmul"(%x, %w) {activation = "none", operandSegmentSizes = array<i32: 1, 1, 0, 0>} : (tensor<2x4xf32>, !bsparse.bsr<array<i64: 8, 4>, array<i64: 8, 8>, f32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @matmul_batched_result_shape(%x: tensor<3x2x4xf32>, %w: !bsparse.bsr<array<i64: 8, 4>, array<i64: 8, 8>, f32>) {
  // expected-error @+1 {{result must have shape [3, 2, 8], got [2, 8]}}
  %0 = "bsparse.matmul"(%x, %w) {activation = "none", operandSegmentSizes = array<i32: 1, 1, 0, 0>} : (tensor<3x2x4xf32>, !bsparse.bsr<array<i64: 8, 4>, array<i64: 8, 8>, f32>) -> tensor<2x8xf32>
  return
}

// -----

func.func @matmul_dynamic_input(%x: tensor<?x4xf32>, %w: !bsparse.bsr<array<i64: 8, 4>, array<i64: 8, 8>, f32>) {
  // expected-error @+1 {{input must have a static shape, got tensor<?x4xf32>}}
  %0 = "bsparse.matmul"(%x, %w) {activation = "none", operandSegmentSizes = array<i32: 1, 1, 0, 0>} : (tensor<?x4xf32>, !bsparse.bsr<array<i64: 8, 4>, array<i64: 8, 8>, f32>) -> tensor<?x8xf32>
  return
}

// -----

func.func @matmul_input_element_type(%x: tensor<2x4xf16>, %w: !bsparse.bsr<array<i64: 8, 4>, array<i64: 8, 8>, f32>) {
  // expected-error @+1 {{input element type must be the weight's f32}}
  %0 = "bsparse.matmul"(%x, %w) {activation = "none", operandSegmentSizes = array<i32: 1, 1, 0, 0>} : (tensor<2x4xf16>, !bsparse.bsr<array<i64: 8, 4>, array<i64: 8, 8>, f32>) -> tensor<2x8xf32>
  return
}

// -----

func.func @matmul_result_element_type(%x: tensor<2x4xf32>, %w: !bsparse.bsr<array<i64: 8, 4>, array<i64: 8, 8>, f32>) {
  // expected-error @+1 {{result element type must be the weight's f32}}
  %0 = "bsparse.matmul"(%x, %w) {activation = "none", operandSegmentSizes = array<i32: 1, 1, 0, 0>} : (tensor<2x4xf32>, !bsparse.bsr<array<i64: 8, 4>, array<i64: 8, 8>, f32>) -> tensor<2x8xi32>
  return
}

// -----

func.func @matmul_unknown_activation(%x: tensor<2x4xf32>, %w: !bsparse.bsr<array<i64: 8, 4>, array<i64: 8, 8>, f32>) {
  // expected-error @+1 {{attribute 'activation' must be one of 'none', 'relu', 'relu6', 'sigmoid', 'tanh', 'silu', 'gelu', 'gelu_tanh', got 'softplus'}}
  %0 = "bsparse.matmul"(%x, %w) {activation = "softplus", operandSegmentSizes = array<i32: 1, 1, 0, 0>} : (tensor<2x4xf32>, !bsparse.bsr<array<i64: 8, 4>, array<i64: 8, 8>, f32>) -> tensor<2x8xf32>
  return
}

// -----

func.func @matmul_bias_shape(%x: tensor<2x4xf32>, %w: !bsparse.bsr<array<i64: 8, 4>, array<i64: 8, 8>, f32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{bias must have shape [8], got [4]}}
  %0 = "bsparse.matmul"(%x, %w, %b) {activation = "none", operandSegmentSizes = array<i32: 1, 1, 1, 0>} : (tensor<2x4xf32>, !bsparse.bsr<array<i64: 8, 4>, array<i64: 8, 8>, f32>, tensor<4xf32>) -> tensor<2x8xf32>
  return
}

// -----

func.func @matmul_bias_rank2(%x: tensor<2x4xf32>, %w: !bsparse.bsr<array<i64: 8, 4>, array<i64: 8, 8>, f32>, %b: tensor<1x8xf32>) {
  // expected-error @+1 {{bias must have shape [8], got [1, 8]}}
  %0 = "bsparse.matmul"(%x, %w, %b) {activation = "none", operandSegmentSizes = array<i32: 1, 1, 1, 0>} : (tensor<2x4xf32>, !bsparse.bsr<array<i64: 8, 4>, array<i64: 8, 8>, f32>, tensor<1x8xf32>) -> tensor<2x8xf32>
  return
}

// -----

func.func @matmul_bias_element_type(%x: tensor<2x4xf32>, %w: !bsparse.bsr<array<i64: 8, 4>, array<i64: 8, 8>, f32>, %b: tensor<8xbf16>) {
  // expected-error @+1 {{bias element type must be f32}}
  %0 = "bsparse.matmul"(%x, %w, %b) {activation = "none", operandSegmentSizes = array<i32: 1, 1, 1, 0>} : (tensor<2x4xf32>, !bsparse.bsr<array<i64: 8, 4>, array<i64: 8, 8>, f32>, tensor<8xbf16>) -> tensor<2x8xf32>
  return
}

// -----

func.func @conv_rank2_weight(%x: tensor<1x4x8x8xf32>, %w: !bsparse.bsr<array<i64: 8, 4>, array<i64: 8, 8>, f32>) {
  // expected-error @+1 {{weight must be a rank-4 [COUT, CIN/groups, KH, KW] packed weight, got shape [8, 4]}}
  %0 = "bsparse.conv2d"(%x, %w) {strides = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64, layout = "nchw", activation = "none", operandSegmentSizes = array<i32: 1, 1, 0, 0>} : (tensor<1x4x8x8xf32>, !bsparse.bsr<array<i64: 8, 4>, array<i64: 8, 8>, f32>) -> tensor<1x8x8x8xf32>
  return
}

// -----

func.func @conv_channel_mismatch(%x: tensor<1x3x8x8xf32>, %w: !bsparse.bsr<array<i64: 8, 4, 3, 3>, array<i64: 8, 4>, f32>) {
  // expected-error @+1 {{input has 3 channels but weight expects 4 x 1 groups = 4}}
  %0 = "bsparse.conv2d"(%x, %w) {strides = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64, layout = "nchw", activation = "none", operandSegmentSizes = array<i32: 1, 1, 0, 0>} : (tensor<1x3x8x8xf32>, !bsparse.bsr<array<i64: 8, 4, 3, 3>, array<i64: 8, 4>, f32>) -> tensor<1x8x6x6xf32>
  return
}

// -----

// In NHWC the channels are the last dimension; 8 is not 4 x 1.
func.func @conv_channel_mismatch_nhwc(%x: tensor<1x4x4x8xf32>, %w: !bsparse.bsr<array<i64: 8, 4, 3, 3>, array<i64: 8, 4>, f32>) {
  // expected-error @+1 {{input has 8 channels but weight expects 4 x 1 groups = 4}}
  %0 = "bsparse.conv2d"(%x, %w) {strides = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64, layout = "nhwc", activation = "none", operandSegmentSizes = array<i32: 1, 1, 0, 0>} : (tensor<1x4x4x8xf32>, !bsparse.bsr<array<i64: 8, 4, 3, 3>, array<i64: 8, 4>, f32>) -> tensor<1x2x2x8xf32>
  return
}

// -----

func.func @conv_group_mismatch(%x: tensor<1x8x8x8xf32>, %w: !bsparse.bsr<array<i64: 8, 4, 3, 3>, array<i64: 8, 4>, f32>) {
  // expected-error @+1 {{input has 8 channels but weight expects 4 x 4 groups = 16}}
  %0 = "bsparse.conv2d"(%x, %w) {strides = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 4 : i64, layout = "nchw", activation = "none", operandSegmentSizes = array<i32: 1, 1, 0, 0>} : (tensor<1x8x8x8xf32>, !bsparse.bsr<array<i64: 8, 4, 3, 3>, array<i64: 8, 4>, f32>) -> tensor<1x8x6x6xf32>
  return
}

// -----

func.func @conv_cout_not_divisible(%x: tensor<1x8x8x8xf32>, %w: !bsparse.bsr<array<i64: 6, 2, 3, 3>, array<i64: 2, 2>, f32>) {
  // expected-error @+1 {{output channels 6 are not divisible by groups = 4}}
  %0 = "bsparse.conv2d"(%x, %w) {strides = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 4 : i64, layout = "nchw", activation = "none", operandSegmentSizes = array<i32: 1, 1, 0, 0>} : (tensor<1x8x8x8xf32>, !bsparse.bsr<array<i64: 6, 2, 3, 3>, array<i64: 2, 2>, f32>) -> tensor<1x6x6x6xf32>
  return
}

// -----

func.func @conv_window_too_large(%x: tensor<1x4x2x2xf32>, %w: !bsparse.bsr<array<i64: 8, 4, 3, 3>, array<i64: 8, 4>, f32>) {
  // expected-error @+1 {{the 3x3 window does not fit the padded 2x2 input}}
  %0 = "bsparse.conv2d"(%x, %w) {strides = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64, layout = "nchw", activation = "none", operandSegmentSizes = array<i32: 1, 1, 0, 0>} : (tensor<1x4x2x2xf32>, !bsparse.bsr<array<i64: 8, 4, 3, 3>, array<i64: 8, 4>, f32>) -> tensor<1x8x1x1xf32>
  return
}

// -----

// Dilation 3 spreads the 3x3 window over 7x7, more than the 6x6 input.
func.func @conv_dilated_window_too_large(%x: tensor<1x4x6x6xf32>, %w: !bsparse.bsr<array<i64: 8, 4, 3, 3>, array<i64: 8, 4>, f32>) {
  // expected-error @+1 {{the 3x3 window does not fit the padded 6x6 input}}
  %0 = "bsparse.conv2d"(%x, %w) {strides = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 3, 3>, groups = 1 : i64, layout = "nchw", activation = "none", operandSegmentSizes = array<i32: 1, 1, 0, 0>} : (tensor<1x4x6x6xf32>, !bsparse.bsr<array<i64: 8, 4, 3, 3>, array<i64: 8, 4>, f32>) -> tensor<1x8x1x1xf32>
  return
}

// -----

func.func @conv_result_shape(%x: tensor<1x4x8x8xf32>, %w: !bsparse.bsr<array<i64: 8, 4, 3, 3>, array<i64: 8, 4>, f32>) {
  // expected-error @+1 {{result must have shape [1, 8, 6, 6], got [1, 8, 8, 8]}}
  %0 = "bsparse.conv2d"(%x, %w) {strides = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64, layout = "nchw", activation = "none", operandSegmentSizes = array<i32: 1, 1, 0, 0>} : (tensor<1x4x8x8xf32>, !bsparse.bsr<array<i64: 8, 4, 3, 3>, array<i64: 8, 4>, f32>) -> tensor<1x8x8x8xf32>
  return
}

// -----

// An NCHW-shaped result for an NHWC convolution.
func.func @conv_result_layout(%x: tensor<1x8x8x4xf32>, %w: !bsparse.bsr<array<i64: 8, 4, 3, 3>, array<i64: 8, 4>, f32>) {
  // expected-error @+1 {{result must have shape [1, 3, 3, 8], got [1, 8, 3, 3]}}
  %0 = "bsparse.conv2d"(%x, %w) {strides = array<i64: 2, 2>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64, layout = "nhwc", activation = "none", operandSegmentSizes = array<i32: 1, 1, 0, 0>} : (tensor<1x8x8x4xf32>, !bsparse.bsr<array<i64: 8, 4, 3, 3>, array<i64: 8, 4>, f32>) -> tensor<1x8x3x3xf32>
  return
}

// -----

func.func @conv_input_rank(%x: tensor<4x8x8xf32>, %w: !bsparse.bsr<array<i64: 8, 4, 3, 3>, array<i64: 8, 4>, f32>) {
  // expected-error @+1 {{input must be rank 4 (nchw), got shape [4, 8, 8]}}
  %0 = "bsparse.conv2d"(%x, %w) {strides = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64, layout = "nchw", activation = "none", operandSegmentSizes = array<i32: 1, 1, 0, 0>} : (tensor<4x8x8xf32>, !bsparse.bsr<array<i64: 8, 4, 3, 3>, array<i64: 8, 4>, f32>) -> tensor<8x6x6xf32>
  return
}

// -----

func.func @conv_strides_length(%x: tensor<1x4x8x8xf32>, %w: !bsparse.bsr<array<i64: 8, 4, 3, 3>, array<i64: 8, 4>, f32>) {
  // expected-error @+1 {{attribute 'strides' must have 2 elements, got 1}}
  %0 = "bsparse.conv2d"(%x, %w) {strides = array<i64: 1>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64, layout = "nchw", activation = "none", operandSegmentSizes = array<i32: 1, 1, 0, 0>} : (tensor<1x4x8x8xf32>, !bsparse.bsr<array<i64: 8, 4, 3, 3>, array<i64: 8, 4>, f32>) -> tensor<1x8x6x6xf32>
  return
}

// -----

func.func @conv_stride_zero(%x: tensor<1x4x8x8xf32>, %w: !bsparse.bsr<array<i64: 8, 4, 3, 3>, array<i64: 8, 4>, f32>) {
  // expected-error @+1 {{attribute 'strides' elements must be >= 1, got [1, 0]}}
  %0 = "bsparse.conv2d"(%x, %w) {strides = array<i64: 1, 0>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64, layout = "nchw", activation = "none", operandSegmentSizes = array<i32: 1, 1, 0, 0>} : (tensor<1x4x8x8xf32>, !bsparse.bsr<array<i64: 8, 4, 3, 3>, array<i64: 8, 4>, f32>) -> tensor<1x8x6x6xf32>
  return
}

// -----

func.func @conv_strides_not_array(%x: tensor<1x4x8x8xf32>, %w: !bsparse.bsr<array<i64: 8, 4, 3, 3>, array<i64: 8, 4>, f32>) {
  // expected-error @+1 {{attribute 'strides' must be an array<i64: ...>, got [1, 1]}}
  %0 = "bsparse.conv2d"(%x, %w) {strides = [1, 1], padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64, layout = "nchw", activation = "none", operandSegmentSizes = array<i32: 1, 1, 0, 0>} : (tensor<1x4x8x8xf32>, !bsparse.bsr<array<i64: 8, 4, 3, 3>, array<i64: 8, 4>, f32>) -> tensor<1x8x6x6xf32>
  return
}

// -----

func.func @conv_padding_length(%x: tensor<1x4x8x8xf32>, %w: !bsparse.bsr<array<i64: 8, 4, 3, 3>, array<i64: 8, 4>, f32>) {
  // expected-error @+1 {{attribute 'padding' must have 4 elements, got 2}}
  %0 = "bsparse.conv2d"(%x, %w) {strides = array<i64: 1, 1>, padding = array<i64: 1, 1>, dilations = array<i64: 1, 1>, groups = 1 : i64, layout = "nchw", activation = "none", operandSegmentSizes = array<i32: 1, 1, 0, 0>} : (tensor<1x4x8x8xf32>, !bsparse.bsr<array<i64: 8, 4, 3, 3>, array<i64: 8, 4>, f32>) -> tensor<1x8x8x8xf32>
  return
}

// -----

func.func @conv_negative_padding(%x: tensor<1x4x8x8xf32>, %w: !bsparse.bsr<array<i64: 8, 4, 3, 3>, array<i64: 8, 4>, f32>) {
  // expected-error @+1 {{attribute 'padding' elements must be >= 0, got [0, -1, 0, 0]}}
  %0 = "bsparse.conv2d"(%x, %w) {strides = array<i64: 1, 1>, padding = array<i64: 0, -1, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64, layout = "nchw", activation = "none", operandSegmentSizes = array<i32: 1, 1, 0, 0>} : (tensor<1x4x8x8xf32>, !bsparse.bsr<array<i64: 8, 4, 3, 3>, array<i64: 8, 4>, f32>) -> tensor<1x8x6x5xf32>
  return
}

// -----

func.func @conv_dilation_zero(%x: tensor<1x4x8x8xf32>, %w: !bsparse.bsr<array<i64: 8, 4, 3, 3>, array<i64: 8, 4>, f32>) {
  // expected-error @+1 {{attribute 'dilations' elements must be >= 1, got [0, 1]}}
  %0 = "bsparse.conv2d"(%x, %w) {strides = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 0, 1>, groups = 1 : i64, layout = "nchw", activation = "none", operandSegmentSizes = array<i32: 1, 1, 0, 0>} : (tensor<1x4x8x8xf32>, !bsparse.bsr<array<i64: 8, 4, 3, 3>, array<i64: 8, 4>, f32>) -> tensor<1x8x6x6xf32>
  return
}

// -----

func.func @conv_missing_dilations(%x: tensor<1x4x8x8xf32>, %w: !bsparse.bsr<array<i64: 8, 4, 3, 3>, array<i64: 8, 4>, f32>) {
  // expected-error @+1 {{requires attribute 'dilations'}}
  %0 = "bsparse.conv2d"(%x, %w) {strides = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, groups = 1 : i64, layout = "nchw", activation = "none", operandSegmentSizes = array<i32: 1, 1, 0, 0>} : (tensor<1x4x8x8xf32>, !bsparse.bsr<array<i64: 8, 4, 3, 3>, array<i64: 8, 4>, f32>) -> tensor<1x8x6x6xf32>
  return
}

// -----

func.func @conv_groups_zero(%x: tensor<1x4x8x8xf32>, %w: !bsparse.bsr<array<i64: 8, 4, 3, 3>, array<i64: 8, 4>, f32>) {
  // expected-error @+1 {{attribute 'groups' must be >= 1, got 0}}
  %0 = "bsparse.conv2d"(%x, %w) {strides = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 0 : i64, layout = "nchw", activation = "none", operandSegmentSizes = array<i32: 1, 1, 0, 0>} : (tensor<1x4x8x8xf32>, !bsparse.bsr<array<i64: 8, 4, 3, 3>, array<i64: 8, 4>, f32>) -> tensor<1x8x6x6xf32>
  return
}

// -----

func.func @conv_unknown_layout(%x: tensor<1x4x8x8xf32>, %w: !bsparse.bsr<array<i64: 8, 4, 3, 3>, array<i64: 8, 4>, f32>) {
  // expected-error @+1 {{attribute 'layout' must be one of 'nchw', 'nhwc', got 'chwn'}}
  %0 = "bsparse.conv2d"(%x, %w) {strides = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64, layout = "chwn", activation = "none", operandSegmentSizes = array<i32: 1, 1, 0, 0>} : (tensor<1x4x8x8xf32>, !bsparse.bsr<array<i64: 8, 4, 3, 3>, array<i64: 8, 4>, f32>) -> tensor<1x8x6x6xf32>
  return
}

// -----

func.func @conv_unknown_activation(%x: tensor<1x4x8x8xf32>, %w: !bsparse.bsr<array<i64: 8, 4, 3, 3>, array<i64: 8, 4>, f32>) {
  // expected-error @+1 {{attribute 'activation' must be one of 'none', 'relu', 'relu6', 'sigmoid', 'tanh', 'silu', 'gelu', 'gelu_tanh', got 'elu'}}
  %0 = "bsparse.conv2d"(%x, %w) {strides = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64, layout = "nchw", activation = "elu", operandSegmentSizes = array<i32: 1, 1, 0, 0>} : (tensor<1x4x8x8xf32>, !bsparse.bsr<array<i64: 8, 4, 3, 3>, array<i64: 8, 4>, f32>) -> tensor<1x8x6x6xf32>
  return
}

// -----

func.func @conv_bias_shape(%x: tensor<1x4x8x8xf32>, %w: !bsparse.bsr<array<i64: 8, 4, 3, 3>, array<i64: 8, 4>, f32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{bias must have shape [8], got [4]}}
  %0 = "bsparse.conv2d"(%x, %w, %b) {strides = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64, layout = "nchw", activation = "none", operandSegmentSizes = array<i32: 1, 1, 1, 0>} : (tensor<1x4x8x8xf32>, !bsparse.bsr<array<i64: 8, 4, 3, 3>, array<i64: 8, 4>, f32>, tensor<4xf32>) -> tensor<1x8x6x6xf32>
  return
}

// -----

func.func @conv_input_element_type(%x: tensor<1x4x8x8xi8>, %w: !bsparse.bsr<array<i64: 8, 4, 3, 3>, array<i64: 8, 4>, f32>) {
  // expected-error @+1 {{input element type must be the weight's f32}}
  %0 = "bsparse.conv2d"(%x, %w) {strides = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>, groups = 1 : i64, layout = "nchw", activation = "none", operandSegmentSizes = array<i32: 1, 1, 0, 0>} : (tensor<1x4x8x8xi8>, !bsparse.bsr<array<i64: 8, 4, 3, 3>, array<i64: 8, 4>, f32>) -> tensor<1x8x6x6xf32>
  return
}

// -----

func.func @nm_group_with_three_values() -> () {
  // expected-error @+1 {{invalid nm:2:4 weight: every group of 4 positions must mark exactly 2 stored values}}
  %w = "bsparse.packed_sparse"() {index = {mask = dense<[7, 3]> : tensor<2xi8>}, values = dense<1.0> : tensor<4xf32>} : () -> !bsparse.sparse<array<i64: 2, 4>, "nm:2:4", f32>
  return
}

// -----

func.func @csr_missing_index_array() -> () {
  // expected-error @+1 {{invalid unstructured weight: format 'csr' has index arrays row_ptr, col_idx, got row_ptr}}
  %w = "bsparse.packed_sparse"() {index = {row_ptr = dense<[0, 1]> : tensor<2xi16>}, values = dense<1.0> : tensor<1xf32>} : () -> !bsparse.sparse<array<i64: 1, 4>, "unstructured", f32>
  return
}

// -----

func.func @sparse_type_with_a_block_pattern() -> () {
  // expected-error @+1 {{result has no sparse format for pattern 'block:8x8'}}
  %w = "bsparse.packed_sparse"() {index = {}, values = dense<1.0> : tensor<1xf32>} : () -> !bsparse.sparse<array<i64: 8, 8>, "block:8x8", f32>
  return
}

// -----

func.func @gs_offset_outside_its_bank() -> () {
  // expected-error @+1 {{invalid gs:2 weight: offsets must lie in [0, 2) (ceil(K / B) positions per bank)}}
  %w = "bsparse.packed_sparse"() {index = {offset = dense<[0, 2]> : tensor<2xi8>}, values = dense<1.0> : tensor<2xf32>} : () -> !bsparse.sparse<array<i64: 1, 4>, "gs:2", f32>
  return
}
