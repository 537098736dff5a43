// Verifies that --verify-diagnostics fails (exit 1) with a located message when an
// expected error is not produced, sits on the wrong line, or an error is unexpected.
// RUN: not bsparse-opt %s --split-input-file --verify-diagnostics 2>&1 | filecheck %s

// CHECK-NOT: Traceback
// CHECK-NOT: verify-diagnostics.mlir:16:
// CHECK: verify-diagnostics.mlir:24: error: expected error "this error is never emitted" was not produced
// CHECK: verify-diagnostics.mlir:32:8: error: unexpected error: 'bsparse.unpack' op result shape must be the weight shape [4, 4]
// CHECK: verify-diagnostics.mlir:33: error: expected error "result shape must be the weight shape" was not produced
// CHECK: verify-diagnostics.mlir:39:8: error: unexpected error: 'bsparse.unpack' op result element type must be f32
// CHECK-NOT: Traceback

// The expected error is produced: no message for this chunk (its op is on line 16).
func.func @produced(%w: !bsparse.bsr<array<i64: 4, 4>, array<i64: 2, 2>, f32>) {
  // expected-error @+1 {{result shape must be the weight shape [4, 4]}}
  %0 = "bsparse.unpack"(%w) : (!bsparse.bsr<array<i64: 4, 4>, array<i64: 2, 2>, f32>) -> tensor<4x2xf32>
  return
}

// -----

func.func @not_produced(%w: !bsparse.bsr<array<i64: 4, 4>, array<i64: 2, 2>, f32>) {
  // expected-error @+1 {{this error is never emitted}}
  %0 = "bsparse.unpack"(%w) : (!bsparse.bsr<array<i64: 4, 4>, array<i64: 2, 2>, f32>) -> tensor<4x4xf32>
  return
}

// -----

func.func @wrong_line(%w: !bsparse.bsr<array<i64: 4, 4>, array<i64: 2, 2>, f32>) {
  // expected-error @+2 {{result shape must be the weight shape}}
  %0 = "bsparse.unpack"(%w) : (!bsparse.bsr<array<i64: 4, 4>, array<i64: 2, 2>, f32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @unexpected(%w: !bsparse.bsr<array<i64: 4, 4>, array<i64: 2, 2>, f32>) {
  %0 = "bsparse.unpack"(%w) : (!bsparse.bsr<array<i64: 4, 4>, array<i64: 2, 2>, f32>) -> tensor<4x4xf16>
  return
}
