// Verifies that aie.device reports a buffer whose tile operand is not an aie.tile
// (found when it sums the buffers per tile) with a clean, located diagnostic.
// (Regression: the sum once raised inside an ir.Operation.walk callback, which
// wrapped the message in "Exception raised in callback: Traceback ...".)
// RUN: bsparse-opt %s --split-input-file --verify-diagnostics

// expected-error @+1 {{'aie.device' op tile operand must be the result of an 'aie.tile'}}
"aie.device"() ({
  %i = arith.constant 2 : index
  %a = "aie.buffer"(%i) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<64xi8>
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()

// -----

// The same for a buffer inside a core region.
// expected-error @+1 {{'aie.device' op tile operand must be the result of an 'aie.tile'}}
"aie.device"() ({
  %t = "aie.tile"() {col = 0 : i64, row = 2 : i64} : () -> index
  %i = arith.constant 2 : index
  "aie.core"(%t) ({
    %a = "aie.buffer"(%i) {level = "L1", operandSegmentSizes = array<i32: 1>} : (index) -> memref<64xi8>
  }) : (index) -> ()
}) {target = "aie2-4x4", dtype = "i8"} : () -> ()
