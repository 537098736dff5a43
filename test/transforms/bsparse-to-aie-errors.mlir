// Verifies that bsparse-to-aie rejects bad options before any work, and that a layer whose
// work unit cannot fit a core's L1 budgets fails the pass with a message naming the budget.
// RUN: not bsparse-opt %s -p 'bsparse-to-aie{target=nope}' 2>&1 | filecheck %s --check-prefix=TARGET
// RUN: not bsparse-opt %s -p 'bsparse-to-aie{dtype=f64}' 2>&1 | filecheck %s --check-prefix=DTYPE
// RUN: not bsparse-opt %s -p 'bsparse-to-aie{target=aie1-vc1902 dtype=bf16}' 2>&1 | filecheck %s --check-prefix=NO-BF16
// RUN: not bsparse-opt %s -p 'bsparse-to-aie{target=aie2-2x2 size=2}' 2>&1 | filecheck %s --check-prefix=OPTION
// RUN: not bsparse-opt %s -p 'bsparse-to-aie{target=aie2-2x2}' --split-input-file 2>&1 | filecheck %s --check-prefix=PLAN

// TARGET: error: invalid value for option 'target' of pass 'bsparse-to-aie': unknown target 'nope'; known targets: {{.*}}aie1-vc1902, {{.*}}aie2-2x2, {{.*}}aie2-phoenix
// DTYPE: error: invalid value for option 'dtype' of pass 'bsparse-to-aie': unknown data type 'f64' (known: i8, i16, bf16, f32)
// NO-BF16: error: pass 'bsparse-to-aie': target 'aie1-vc1902' has no native bf16 MACs (native: i8, i16, f32)
// OPTION: error: pass 'bsparse-to-aie' has no option 'size' (options: dtype, strict, target)
// TARGET-NOT: aie.device
// DTYPE-NOT: aie.device
// NO-BF16-NOT: aie.device
// OPTION-NOT: aie.device

// One 64x64 block of a 3x3 conv is 36864 bytes at i8, more than the 16 KB L1 weight buffer.
// PLAN: error: bsparse-to-aie: one stored block (36864 bytes) does not fit the 16384-byte L1 weight buffer
func.func @block_larger_than_l1_weights(%x: tensor<1x64x4x4xf32>) -> tensor<1x64x4x4xf32> {
  %w = "bsparse.packed_weight"() {col_idx = dense<[0]> : tensor<1xi64>, row_ptr = dense<[0, 1]> : tensor<2xi64>, values = dense<1.0> : tensor<1x64x64x3x3xf32>} : () -> !bsparse.bsr<array<i64: 64, 64, 3, 3>, array<i64: 64, 64>, f32>
  %y = "bsparse.conv2d"(%x, %w) {activation = "none", dilations = array<i64: 1, 1>, groups = 1 : i64, layout = "nchw", operandSegmentSizes = array<i32: 1, 1, 0, 0>, padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x64x4x4xf32>, !bsparse.bsr<array<i64: 64, 64, 3, 3>, array<i64: 64, 64>, f32>) -> tensor<1x64x4x4xf32>
  return %y : tensor<1x64x4x4xf32>
}

// -----

// One block row of 10000 channels (10000x1 blocks): a core's output tile of one position needs 10000 bytes.
// PLAN: error: bsparse-to-aie: one block row of output channels does not fit L1 (8192-byte output buffer, 1024-byte budget for block row pointers and bias)
func.func @channels_larger_than_l1_output(%x: tensor<1x8xf32>) -> tensor<1x20000xf32> {
  %w = "bsparse.packed_weight"() {col_idx = dense<[0, 0]> : tensor<2xi64>, row_ptr = dense<[0, 1, 2]> : tensor<3xi64>, values = dense<1.0> : tensor<2x10000x1xf32>} : () -> !bsparse.bsr<array<i64: 20000, 8>, array<i64: 10000, 1>, f32>
  %y = "bsparse.matmul"(%x, %w) {activation = "none", operandSegmentSizes = array<i32: 1, 1, 0, 0>} : (tensor<1x8xf32>, !bsparse.bsr<array<i64: 20000, 8>, array<i64: 10000, 1>, f32>) -> tensor<1x20000xf32>
  return %y : tensor<1x20000xf32>
}
