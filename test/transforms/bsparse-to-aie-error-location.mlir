// Verifies that a layer bsparse-to-aie cannot fit in L1 is reported at that layer's op.
// RUN: bsparse-opt %s -p 'bsparse-to-aie{target=aie2-2x2}' --verify-diagnostics

func.func @block_larger_than_l1_weights(%x: tensor<1x64x4x4xf32>) -> tensor<1x64x4x4xf32> {
  %w = "bsparse.packed_weight"() {col_idx = dense<[0]> : tensor<1xi64>, row_ptr = dense<[0, 1]> : tensor<2xi64>, values = dense<1.0> : tensor<1x64x64x3x3xf32>} : () -> !bsparse.bsr<array<i64: 64, 64, 3, 3>, array<i64: 64, 64>, f32>
  // expected-error @+1 {{one stored block (36864 bytes) does not fit the 16384-byte L1 weight buffer}}
  %y = "bsparse.conv2d"(%x, %w) {activation = "none", dilations = array<i64: 1, 1>, groups = 1 : i64, layout = "nchw", operandSegmentSizes = array<i32: 1, 1, 0, 0>, padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x64x4x4xf32>, !bsparse.bsr<array<i64: 64, 64, 3, 3>, array<i64: 64, 64>, f32>) -> tensor<1x64x4x4xf32>
  return %y : tensor<1x64x4x4xf32>
}
