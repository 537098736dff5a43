// Verifies that bsparse-opt's output parses back to byte-identical text, for
// bsparse ops and for a whole lowered aie program (device, tiles, buffers at
// every level, DMA streams, cores and micro-kernels).
// RUN: bsparse-opt %s -p 'builtin.module(bsparse-partition{target=aie2-2x2},bsparse-to-aie{target=aie2-2x2})' -o %t.1
// RUN: bsparse-opt %t.1 -o %t.2
// RUN: diff %t.1 %t.2
// RUN: bsparse-opt %s -o %t.3
// RUN: bsparse-opt %t.3 -o %t.4
// RUN: diff %t.3 %t.4

func.func @conv(%x: tensor<1x8x6x6xf32>) -> tensor<1x16x6x6xf32> {
  %w = "bsparse.packed_weight"() {col_idx = dense<[0, 0]> : tensor<2xi64>, row_ptr = dense<[0, 1, 2]> : tensor<3xi64>, values = dense<0.5> : tensor<2x8x8x3x3xf32>} : () -> !bsparse.bsr<array<i64: 16, 8, 3, 3>, array<i64: 8, 8>, f32>
  %b = arith.constant dense<1.0> : tensor<16xf32>
  %y = "bsparse.conv2d"(%x, %w, %b) {activation = "relu", dilations = array<i64: 1, 1>, groups = 1 : i64, layout = "nchw", operandSegmentSizes = array<i32: 1, 1, 1, 0>, padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x8x6x6xf32>, !bsparse.bsr<array<i64: 16, 8, 3, 3>, array<i64: 8, 8>, f32>, tensor<16xf32>) -> tensor<1x16x6x6xf32>
  return %y : tensor<1x16x6x6xf32>
}
