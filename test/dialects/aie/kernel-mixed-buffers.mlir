// Verifies that aie.kernel accepts buffers of different memref types, as a
// matmul_bsr call over input, values, row_ptr, col_idx and output needs.
// XFAIL: *
// Known bug: the generated constraint of the variadic `buffers` operand binds
// one type for all of them ("expected 'memref<16x64xi8>' but got ...").
// RUN: BSPARSE_ROUNDTRIP

// CHECK-LABEL: func.func @matmul_bsr_kernel
// CHECK: "aie.kernel"({{.*}}) {kernel = "matmul_bsr", operandSegmentSizes = array<i32: 5>, params = {}} : (memref<16x64xi8>, memref<2x8x8xi8>, memref<3xi64>, memref<2xi64>, memref<16x16xi8>) -> ()
func.func @matmul_bsr_kernel() {
  "aie.device"() ({
    %t = "aie.tile"() {col = 1 : i64, row = 2 : i64} : () -> index
    %x = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x64xi8>
    %v = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2x8x8xi8>
    %rp = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<3xi64>
    %ci = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2xi64>
    %y = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x16xi8>
    "aie.core"(%t) ({
      "aie.kernel"(%x, %v, %rp, %ci, %y) {kernel = "matmul_bsr", params = {}, operandSegmentSizes = array<i32: 5>} : (memref<16x64xi8>, memref<2x8x8xi8>, memref<3xi64>, memref<2xi64>, memref<16x16xi8>) -> ()
    }) : (index) -> ()
  }) {target = "aie2-4x4", dtype = "i8"} : () -> ()
  return
}

// -----

// CHECK-LABEL: func.func @copy_reshapes
// CHECK: "aie.kernel"({{.*}}) {kernel = "copy", operandSegmentSizes = array<i32: 2>, params = {}} : (memref<16xi8>, memref<4x4xi8>) -> ()
func.func @copy_reshapes() {
  "aie.device"() ({
    %t = "aie.tile"() {col = 1 : i64, row = 2 : i64} : () -> index
    %a = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16xi8>
    %b = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<4x4xi8>
    "aie.core"(%t) ({
      "aie.kernel"(%a, %b) {kernel = "copy", params = {}, operandSegmentSizes = array<i32: 2>} : (memref<16xi8>, memref<4x4xi8>) -> ()
    }) : (index) -> ()
  }) {target = "aie2-4x4", dtype = "i8"} : () -> ()
  return
}
