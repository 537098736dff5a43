// Verifies that bsparse-to-aie costs a layer in a dtype the target only emulates (f32 on AIE2).
// RUN: bsparse-opt %s -p 'bsparse-to-aie{target=aie2-2x2 dtype=f32}' | filecheck %s

// CHECK-LABEL: func.func @matmul_f32_emulated
// CHECK: "aie.matmul_bsr"
// CHECK: }) {dtype = "f32", target = "aie2-2x2"} : () -> ()
func.func @matmul_f32_emulated(%x: tensor<2x16xf32>) -> tensor<2x16xf32> {
  %w = "bsparse.packed_weight"() {col_idx = dense<[0, 1, 0, 1]> : tensor<4xi64>, row_ptr = dense<[0, 2, 4]> : tensor<3xi64>, values = dense<1.0> : tensor<4x8x8xf32>} : () -> !bsparse.bsr<array<i64: 16, 16>, array<i64: 8, 8>, f32>
  %y = "bsparse.matmul"(%x, %w) {activation = "none", operandSegmentSizes = array<i32: 1, 1, 0, 0>} : (tensor<2x16xf32>, !bsparse.bsr<array<i64: 16, 16>, array<i64: 8, 8>, f32>) -> tensor<2x16xf32>
  return %y : tensor<2x16xf32>
}
