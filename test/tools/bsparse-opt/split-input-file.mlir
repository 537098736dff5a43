// Verifies that --split-input-file processes the chunks between `// -----`
// markers independently and separates their printed modules with `// -----`.
// RUN: bsparse-opt %s --split-input-file | filecheck %s
// RUN: not bsparse-opt %s 2>&1 | filecheck %s --check-prefix=WHOLE

// Each chunk defines @same: only independent modules accept that.
// CHECK-LABEL: module {
// CHECK-NEXT: func.func @same() {
// CHECK-NEXT: return
// CHECK-NEXT: }
// CHECK-NEXT: }
// CHECK-NEXT: // -----
// CHECK-NEXT: module {
// CHECK-NEXT: func.func @same() -> i32 {
// CHECK-NEXT: %{{.*}} = arith.constant 3 : i32
// CHECK: }
// CHECK-NEXT: }
// CHECK-NEXT: // -----
// CHECK-NEXT: module {
// CHECK-NEXT: func.func @same(%{{.*}}: !bsparse.bsr<array<i64: 4, 4>, array<i64: 2, 2>, f32>)
// CHECK-NOT: // -----

// Without the flag the markers are comments and the module has three @same.
// WHOLE: {{.*}}split-input-file.mlir:{{[0-9]+}}:1: error: redefinition of symbol named 'same'
func.func @same() {
  return
}

// -----

func.func @same() -> i32 {
  %c = arith.constant 3 : i32
  return %c : i32
}

// -----

func.func @same(%w: !bsparse.bsr<array<i64: 4, 4>, array<i64: 2, 2>, f32>) -> tensor<4x4xf32> {
  %0 = "bsparse.unpack"(%w) : (!bsparse.bsr<array<i64: 4, 4>, array<i64: 2, 2>, f32>) -> tensor<4x4xf32>
  return %0 : tensor<4x4xf32>
}
