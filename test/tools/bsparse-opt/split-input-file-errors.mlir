// Verifies that with --split-input-file an invalid chunk fails the run (exit 1)
// while the other chunks are still printed, and errors carry file line numbers.
// RUN: not bsparse-opt %s --split-input-file > %t.out 2> %t.err
// RUN: filecheck %s --input-file %t.err --check-prefix=ERR
// RUN: filecheck %s --input-file %t.out --check-prefix=OUT

// ERR-NOT: Traceback
// ERR: split-input-file-errors.mlir:24:8: error: 'bsparse.unpack' op result shape must be the weight shape [4, 4]
// ERR-NOT: Traceback

// OUT: func.func @first
// OUT-NEXT: return
// OUT: // -----
// OUT-NEXT: module {
// OUT-NEXT: func.func @third
// OUT-NOT: @second
func.func @first() {
  return
}

// -----

func.func @second(%w: !bsparse.bsr<array<i64: 4, 4>, array<i64: 2, 2>, f32>) -> tensor<4x2xf32> {
  %0 = "bsparse.unpack"(%w) : (!bsparse.bsr<array<i64: 4, 4>, array<i64: 2, 2>, f32>) -> tensor<4x2xf32>
  return %0 : tensor<4x2xf32>
}

// -----

func.func @third() {
  return
}
