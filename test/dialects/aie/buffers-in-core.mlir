// Verifies that the per-tile L1 budget also counts buffers placed inside an
// aie.core region, not only those directly in the device body.
// RUN: bsparse-opt %s --split-input-file --verify-diagnostics

// Two 40000-byte buffers on tile(0, 2): 80000 bytes of a 65536-byte L1.
// expected-error @+1 {{buffers on tile(0, 2) need 80000 bytes of L1 but aie2-4x4 has 65536}}
"aie.device"() ({
  %t = "aie.tile"() {col = 0 : i64, row = 2 : i64} : () -> index
  "aie.core"(%t) ({
    %a = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<40000xi8>
    %b = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<40000xi8>
  }) : (index) -> ()
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

// One buffer in the device body and one in the core, on the same tile.
// expected-error @+1 {{buffers on tile(0, 2) need 80000 bytes of L1 but aie2-4x4 has 65536}}
"aie.device"() ({
  %t = "aie.tile"() {col = 0 : i64, row = 2 : i64} : () -> index
  %a = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<40000xi8>
  "aie.core"(%t) ({
    %b = "aie.buffer"(%t) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<40000xi8>
  }) : (index) -> ()
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()
