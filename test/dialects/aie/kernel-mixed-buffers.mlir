// Verifies that aie.matmul_bsr accepts operands of differing memref types (shapes,
// element types and ranks), as its input, values, row_ptr, col_idx and output need.
// RUN: BSPARSE_ROUNDTRIP

// Five operands of five distinct types, no bias.
// CHECK-LABEL: func.func @matmul_bsr_mixed_types
// CHECK: %[[X:.*]] = "aie.buffer"({{.*}}) -> memref<16x64xi8>
// CHECK-NEXT: %[[V:.*]] = "aie.buffer"({{.*}}) -> memref<2x8x8xi8>
// CHECK-NEXT: %[[RP:.*]] = "aie.buffer"({{.*}}) -> memref<3xi64>
// CHECK-NEXT: %[[CI:.*]] = "aie.buffer"({{.*}}) -> memref<2xi64>
// CHECK-NEXT: %[[Y:.*]] = "aie.buffer"({{.*}}) -> memref<16x16xi8>
// CHECK-NEXT: "aie.core"(%{{.*}}) ({
// CHECK-NEXT: "aie.matmul_bsr"(%[[X]], %[[V]], %[[RP]], %[[CI]], %[[Y]]) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0>, params = {activation = "none", block_rows = array<i64: 0, 2>, calls = 1 : i64, channel_groups = 1 : i64, channels = array<i64: 0, 16>, k_chunks = 1 : i64, output_tiles = 1 : i64, spatial = array<i64: 0, 16>, spatial_dim = "rows", tile = array<i64: 16, 1>, weight_chunks = 1 : i64, weight_resident = true, weight_shape = array<i64: 16, 64>}} : (memref<16x64xi8>, memref<2x8x8xi8>, memref<3xi64>, memref<2xi64>, memref<16x16xi8>) -> ()
// CHECK-NEXT: }) : (index) -> ()
func.func @matmul_bsr_mixed_types() {
  "aie.device"() ({
    %t = "aie.tile"() {col = 1 : i64, row = 2 : i64} : () -> index
    %x = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x64xi8>
    %v = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2x8x8xi8>
    %rp = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<3xi64>
    %ci = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2xi64>
    %y = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x16xi8>
    "aie.core"(%t) ({
      "aie.matmul_bsr"(%x, %v, %rp, %ci, %y) {params = {activation = "none", block_rows = array<i64: 0, 2>, calls = 1 : i64, channel_groups = 1 : i64, channels = array<i64: 0, 16>, k_chunks = 1 : i64, output_tiles = 1 : i64, spatial = array<i64: 0, 16>, spatial_dim = "rows", tile = array<i64: 16, 1>, weight_chunks = 1 : i64, weight_resident = true, weight_shape = array<i64: 16, 64>}, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0>} : (memref<16x64xi8>, memref<2x8x8xi8>, memref<3xi64>, memref<2xi64>, memref<16x16xi8>) -> ()
    }) : (index) -> ()
  }) {target = "aie2-4x4", dtype = "i8"} : () -> ()
  return
}

// -----

// Mixed element types too: bf16 activations, f32 accumulating output and bias,
// i32 index arrays; the bias is a sixth type.
// CHECK-LABEL: func.func @matmul_bsr_mixed_element_types
// CHECK: "aie.matmul_bsr"(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1>, params = {activation = "relu", block_rows = array<i64: 0, 2>, calls = 1 : i64, channel_groups = 1 : i64, channels = array<i64: 0, 16>, k_chunks = 1 : i64, output_tiles = 1 : i64, spatial = array<i64: 0, 16>, spatial_dim = "rows", tile = array<i64: 16, 1>, weight_chunks = 1 : i64, weight_resident = true, weight_shape = array<i64: 16, 64>}} : (memref<4x32xbf16>, memref<3x4x8xbf16>, memref<5xi32>, memref<3xi32>, memref<4x16xf32>, memref<16xf32>) -> ()
func.func @matmul_bsr_mixed_element_types() {
  "aie.device"() ({
    %t = "aie.tile"() {col = 0 : i64, row = 3 : i64} : () -> index
    %x = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<4x32xbf16>
    %v = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<3x4x8xbf16>
    %rp = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<5xi32>
    %ci = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<3xi32>
    %y = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<4x16xf32>
    %b = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16xf32>
    "aie.core"(%t) ({
      "aie.matmul_bsr"(%x, %v, %rp, %ci, %y, %b) {params = {activation = "relu", block_rows = array<i64: 0, 2>, calls = 1 : i64, channel_groups = 1 : i64, channels = array<i64: 0, 16>, k_chunks = 1 : i64, output_tiles = 1 : i64, spatial = array<i64: 0, 16>, spatial_dim = "rows", tile = array<i64: 16, 1>, weight_chunks = 1 : i64, weight_resident = true, weight_shape = array<i64: 16, 64>}, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1>} : (memref<4x32xbf16>, memref<3x4x8xbf16>, memref<5xi32>, memref<3xi32>, memref<4x16xf32>, memref<16xf32>) -> ()
    }) : (index) -> ()
  }) {target = "aie2-4x4", dtype = "bf16"} : () -> ()
  return
}
