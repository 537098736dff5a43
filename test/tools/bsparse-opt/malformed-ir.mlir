// Verifies that malformed IR is reported as `<file>:line:col: error:` with its
// notes, exits 1, and prints neither IR nor a traceback.
// RUN: not bsparse-opt %s > %t.out 2> %t.err
// RUN: filecheck %s --input-file %t.err
// RUN: filecheck %s --input-file %t.out --check-prefix=NO-OUTPUT --allow-empty

// CHECK-NOT: Traceback
// CHECK: malformed-ir.mlir:20:10: error: use of value '%0' expects different type than prior uses: 'i64' vs 'i32'
// CHECK-NEXT: malformed-ir.mlir:19:3: note: prior use here
// CHECK-NOT: Traceback

// NO-OUTPUT-NOT: module

// The second RUN also checks that a chunk that does not parse prints nothing.
// RUN: not bsparse-opt %s --split-input-file 2>&1 | filecheck %s --check-prefix=SPLIT
// SPLIT: malformed-ir.mlir:20:10: error: use of value '%0'

func.func @f() -> i64 {
  %0 = arith.constant 1 : i32
  return %0 : i64
}
