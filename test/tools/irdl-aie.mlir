// Verifies that aie IR printed by bsparse-opt parses in the C++ torch-mlir-opt with
// the generated IRDL of the aie dialect, and prints the same ops back.
// IRDL cannot express the NoTerminator trait of aie.device and aie.core, so the C++
// tool would reject their terminator-less blocks; we parse with
// --mlir-very-unsafe-disable-verifier-on-parsing, which skips the verifier (and the
// printer then falls back to the generic form, builtin.module included).
// RUN: bsparse-opt %s | %torch-mlir-opt --irdl-file=%dialects/aie.irdl.mlir --mlir-very-unsafe-disable-verifier-on-parsing | filecheck %s
// RUN: bsparse-opt %s | not %torch-mlir-opt --irdl-file=%dialects/aie.irdl.mlir 2>&1 | filecheck %s --check-prefix=VERIFIED

// CHECK: "builtin.module"() ({
// CHECK-NEXT: "aie.device"() ({
// CHECK-NEXT: %[[T:.*]] = "aie.tile"() {col = 0 : i64, row = 2 : i64} : () -> index
// CHECK-NEXT: %[[M:.*]] = "aie.tile"() {col = 0 : i64, row = 1 : i64} : () -> index
// CHECK-NEXT: %[[A:.*]] = "aie.buffer"(%[[T]]) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<64x64xi8>
// CHECK-NEXT: %[[B:.*]] = "aie.buffer"(%[[T]]) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<64x64xi8>
// CHECK-NEXT: %[[L2:.*]] = "aie.buffer"(%[[M]]) {level = "L2", operandSegmentSizes = array<i32: 1>} : (index) -> memref<64x64xi8>
// CHECK-NEXT: %[[L3:.*]] = "aie.buffer"() {level = "L3", operandSegmentSizes = array<i32: 0>} : () -> memref<1024x64xi8>
// CHECK-NEXT: "aie.dma"(%[[L3]], %[[L2]]) {dst_offsets = array<i64: 0, 0>, sizes = array<i64: 64, 64>, src_offsets = array<i64: 64, 0>} : (memref<1024x64xi8>, memref<64x64xi8>) -> ()
// CHECK-NEXT: "aie.dma"(%[[L2]], %[[A]]) {dst_offsets = array<i64: 0, 0>, sizes = array<i64: 64, 64>, src_offsets = array<i64: 0, 0>} : (memref<64x64xi8>, memref<64x64xi8>) -> ()
// CHECK-NEXT: "aie.core"(%[[T]]) ({
// CHECK-NEXT: "aie.kernel"(%[[A]], %[[B]]) {kernel = "relu", operandSegmentSizes = array<i32: 2>, params = {}} : (memref<64x64xi8>, memref<64x64xi8>) -> ()
// CHECK-NEXT: }) : (index) -> ()
// CHECK-NEXT: }) {dtype = "i8", target = "aie2-4x4"} : () -> ()
// CHECK-NEXT: }) : () -> ()

// Without the flag the C++ verifier wants a terminator in the core's block.
// VERIFIED: error: block with no terminator, has "aie.kernel"
"aie.device"() ({
  %t = "aie.tile"() {col = 0 : i64, row = 2 : i64} : () -> index
  %m = "aie.tile"() {col = 0 : i64, row = 1 : i64} : () -> index
  %a = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<64x64xi8>
  %b = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<64x64xi8>
  %l2 = "aie.buffer"(%m) {level = "L2", operandSegmentSizes = array<i32: 1>} : (index) -> memref<64x64xi8>
  %l3 = "aie.buffer"() {level = "L3", operandSegmentSizes = array<i32: 0>} : () -> memref<1024x64xi8>
  "aie.dma"(%l3, %l2) {src_offsets = array<i64: 64, 0>, dst_offsets = array<i64: 0, 0>, sizes = array<i64: 64, 64>} : (memref<1024x64xi8>, memref<64x64xi8>) -> ()
  "aie.dma"(%l2, %a) {src_offsets = array<i64: 0, 0>, dst_offsets = array<i64: 0, 0>, sizes = array<i64: 64, 64>} : (memref<64x64xi8>, memref<64x64xi8>) -> ()
  "aie.core"(%t) ({
    "aie.kernel"(%a, %b) {kernel = "relu", params = {}, operandSegmentSizes = array<i32: 2>} : (memref<64x64xi8>, memref<64x64xi8>) -> ()
  }) : (index) -> ()
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()
