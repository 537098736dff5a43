// Verifies that aie IR printed by bsparse-opt parses in the C++ torch-mlir-opt with
// the generated IRDL of the aie dialect, and prints the same ops back.
// IRDL cannot express the NoTerminator trait of aie.device and aie.core, so the C++
// tool would reject their terminator-less blocks; we parse with
// --mlir-very-unsafe-disable-verifier-on-parsing, which skips the verifier (and the
// printer then falls back to the generic form, builtin.module included).
// RUN: bsparse-opt %s | %torch-mlir-opt --irdl-file=%dialects/aie.irdl.mlir --mlir-very-unsafe-disable-verifier-on-parsing | filecheck %s
// RUN: bsparse-opt %s | not %torch-mlir-opt --irdl-file=%dialects/aie.irdl.mlir 2>&1 | filecheck %s --check-prefix=VERIFIED

// The kernels' operands have differing memref types, which the generated IRDL
// must accept (one constraint per operand; bias is an optional operand).
// CHECK: "builtin.module"() ({
// CHECK-NEXT: "aie.device"() ({
// CHECK-NEXT: %[[T:.*]] = "aie.tile"() {col = 0 : i64, row = 2 : i64} : () -> index
// CHECK-NEXT: %[[M:.*]] = "aie.tile"() {col = 0 : i64, row = 1 : i64} : () -> index
// CHECK-NEXT: %[[X:.*]] = "aie.buffer"(%[[T]]) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x64xi8>
// CHECK-NEXT: %[[V:.*]] = "aie.buffer"(%[[T]]) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2x8x8xi8>
// CHECK-NEXT: %[[RP:.*]] = "aie.buffer"(%[[T]]) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<3xi64>
// CHECK-NEXT: %[[CI:.*]] = "aie.buffer"(%[[T]]) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2xi64>
// CHECK-NEXT: %[[Y:.*]] = "aie.buffer"(%[[T]]) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x16xi8>
// CHECK-NEXT: %[[B:.*]] = "aie.buffer"(%[[T]]) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16xi32>
// CHECK-NEXT: %[[CX:.*]] = "aie.buffer"(%[[T]]) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<1x16x6x6xi8>
// CHECK-NEXT: %[[CV:.*]] = "aie.buffer"(%[[T]]) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2x8x8x3x3xi8>
// CHECK-NEXT: %[[CY:.*]] = "aie.buffer"(%[[T]]) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<1x16x4x4xi8>
// CHECK-NEXT: %[[L2:.*]] = "aie.buffer"(%[[M]]) {level = "L2", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x64xi8>
// CHECK-NEXT: %[[L3:.*]] = "aie.buffer"() {level = "L3", operandSegmentSizes = array<i32: 0>} : () -> memref<1024x64xi8>
// CHECK-NEXT: "aie.dma"(%[[L3]], %[[L2]]) {dst_offsets = array<i64: 0, 0>, repeat = 64 : i64, sizes = array<i64: 16, 64>, src_offsets = array<i64: 0, 0>} : (memref<1024x64xi8>, memref<16x64xi8>) -> ()
// CHECK-NEXT: "aie.dma"(%[[L2]], %[[X]]) {dst_offsets = array<i64: 0, 0>, repeat = 1 : i64, sizes = array<i64: 16, 64>, src_offsets = array<i64: 0, 0>} : (memref<16x64xi8>, memref<16x64xi8>) -> ()
// CHECK-NEXT: "aie.core"(%[[T]]) ({
// CHECK-NEXT: "aie.matmul_bsr"(%[[X]], %[[V]], %[[RP]], %[[CI]], %[[Y]]) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0>, params = {activation = "none", block_rows = array<i64: 0, 2>, calls = 1 : i64, channel_groups = 1 : i64, channels = array<i64: 0, 16>, k_chunks = 1 : i64, output_tiles = 1 : i64, spatial = array<i64: 0, 16>, spatial_dim = "rows", tile = array<i64: 16, 1>, weight_chunks = 1 : i64, weight_resident = true, weight_shape = array<i64: 16, 64>}} : (memref<16x64xi8>, memref<2x8x8xi8>, memref<3xi64>, memref<2xi64>, memref<16x16xi8>) -> ()
// CHECK-NEXT: "aie.matmul_bsr"(%[[X]], %[[V]], %[[RP]], %[[CI]], %[[Y]], %[[B]]) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1>, params = {activation = "relu", block_rows = array<i64: 0, 2>, calls = 1 : i64, channel_groups = 1 : i64, channels = array<i64: 0, 16>, k_chunks = 1 : i64, output_tiles = 1 : i64, spatial = array<i64: 0, 16>, spatial_dim = "rows", tile = array<i64: 16, 1>, weight_chunks = 1 : i64, weight_resident = true, weight_shape = array<i64: 16, 64>}} : (memref<16x64xi8>, memref<2x8x8xi8>, memref<3xi64>, memref<2xi64>, memref<16x16xi8>, memref<16xi32>) -> ()
// CHECK-NEXT: "aie.conv2d_bsr"(%[[CX]], %[[CV]], %[[RP]], %[[CI]], %[[CY]], %[[B]]) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1>, params = {activation = "none", block_rows = array<i64: 0, 2>, calls = 1 : i64, channel_groups = 1 : i64, channels = array<i64: 0, 16>, dilations = array<i64: 1, 1>, groups = 1 : i64, k_chunks = 1 : i64, layout = "nchw", output_tiles = 1 : i64, padding = array<i64: 0, 0, 0, 0>, spatial = array<i64: 0, 8>, spatial_dim = "width", strides = array<i64: 1, 1>, tile = array<i64: 8, 8>, weight_chunks = 1 : i64, weight_resident = true, weight_shape = array<i64: 16, 16, 3, 3>}} : (memref<1x16x6x6xi8>, memref<2x8x8x3x3xi8>, memref<3xi64>, memref<2xi64>, memref<1x16x4x4xi8>, memref<16xi32>) -> ()
// CHECK-NEXT: }) : (index) -> ()
// CHECK-NEXT: }) {dtype = "i8", target = "aie2-4x4"} : () -> ()
// CHECK-NEXT: }) : () -> ()

// Without the flag the C++ verifier wants a terminator in the core's block.
// VERIFIED: error: block with no terminator, has "aie.conv2d_bsr"
"aie.device"() ({
  %t = "aie.tile"() {col = 0 : i64, row = 2 : i64} : () -> index
  %m = "aie.tile"() {col = 0 : i64, row = 1 : i64} : () -> index
  %x = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x64xi8>
  %v = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2x8x8xi8>
  %rp = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<3xi64>
  %ci = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2xi64>
  %y = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x16xi8>
  %b = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16xi32>
  %cx = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<1x16x6x6xi8>
  %cv = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<2x8x8x3x3xi8>
  %cy = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<1x16x4x4xi8>
  %l2 = "aie.buffer"(%m) {level = "L2", operandSegmentSizes = array<i32: 1>} : (index) -> memref<16x64xi8>
  %l3 = "aie.buffer"() {level = "L3", operandSegmentSizes = array<i32: 0>} : () -> memref<1024x64xi8>
  "aie.dma"(%l3, %l2) {repeat = 64 : i64, src_offsets = array<i64: 0, 0>, dst_offsets = array<i64: 0, 0>, sizes = array<i64: 16, 64>} : (memref<1024x64xi8>, memref<16x64xi8>) -> ()
  "aie.dma"(%l2, %x) {repeat = 1 : i64, src_offsets = array<i64: 0, 0>, dst_offsets = array<i64: 0, 0>, sizes = array<i64: 16, 64>} : (memref<16x64xi8>, memref<16x64xi8>) -> ()
  "aie.core"(%t) ({
    "aie.matmul_bsr"(%x, %v, %rp, %ci, %y) {params = {activation = "none", block_rows = array<i64: 0, 2>, calls = 1 : i64, channel_groups = 1 : i64, channels = array<i64: 0, 16>, k_chunks = 1 : i64, output_tiles = 1 : i64, spatial = array<i64: 0, 16>, spatial_dim = "rows", tile = array<i64: 16, 1>, weight_chunks = 1 : i64, weight_resident = true, weight_shape = array<i64: 16, 64>}, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0>} : (memref<16x64xi8>, memref<2x8x8xi8>, memref<3xi64>, memref<2xi64>, memref<16x16xi8>) -> ()
    "aie.matmul_bsr"(%x, %v, %rp, %ci, %y, %b) {params = {activation = "relu", block_rows = array<i64: 0, 2>, calls = 1 : i64, channel_groups = 1 : i64, channels = array<i64: 0, 16>, k_chunks = 1 : i64, output_tiles = 1 : i64, spatial = array<i64: 0, 16>, spatial_dim = "rows", tile = array<i64: 16, 1>, weight_chunks = 1 : i64, weight_resident = true, weight_shape = array<i64: 16, 64>}, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1>} : (memref<16x64xi8>, memref<2x8x8xi8>, memref<3xi64>, memref<2xi64>, memref<16x16xi8>, memref<16xi32>) -> ()
    "aie.conv2d_bsr"(%cx, %cv, %rp, %ci, %cy, %b) {params = {activation = "none", block_rows = array<i64: 0, 2>, calls = 1 : i64, channel_groups = 1 : i64, channels = array<i64: 0, 16>, dilations = array<i64: 1, 1>, groups = 1 : i64, k_chunks = 1 : i64, layout = "nchw", output_tiles = 1 : i64, padding = array<i64: 0, 0, 0, 0>, spatial = array<i64: 0, 8>, spatial_dim = "width", strides = array<i64: 1, 1>, tile = array<i64: 8, 8>, weight_chunks = 1 : i64, weight_resident = true, weight_shape = array<i64: 16, 16, 3, 3>}, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 1>} : (memref<1x16x6x6xi8>, memref<2x8x8x3x3xi8>, memref<3xi64>, memref<2xi64>, memref<1x16x4x4xi8>, memref<16xi32>) -> ()
  }) : (index) -> ()
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()
