// Verifies that pipelines mixing bsparse-pack with upstream passes (canonicalize,
// cse, nested func.func(...)) run in order, in anchored, bare and long-flag forms.
// RUN: bsparse-opt %s -p 'builtin.module(bsparse-pack,canonicalize,cse)' | filecheck %s
// RUN: bsparse-opt %s -p 'bsparse-pack, canonicalize, cse' | filecheck %s
// RUN: bsparse-opt %s --pass-pipeline='builtin.module(func.func(canonicalize),bsparse-pack{block=4x4},func.func(cse))' | filecheck %s --check-prefix=NESTED
// RUN: bsparse-opt %s -p 'builtin.module(canonicalize)' | filecheck %s --check-prefix=UPSTREAM-ONLY
// RUN: bsparse-opt %s -p '' | filecheck %s --check-prefix=EMPTY

// canonicalize folds 2 + 3; cse merges the two identical packed weights and matmuls.
// CHECK-LABEL: func.func @mixed
// CHECK-SAME: (%[[X:.*]]: tensor<2x8xf32>)
// CHECK-DAG: %[[C5:.*]] = arith.constant 5 : i32
// CHECK-DAG: %[[W:.*]] = "bsparse.packed_weight"() {{.*}} -> !bsparse.bsr<array<i64: 8, 8>, array<i64: 8, 8>, f32>
// CHECK: %[[Y:.*]] = "bsparse.matmul"(%[[X]], %[[W]])
// CHECK-NEXT: return %[[Y]], %[[Y]], %[[C5]]
// CHECK-NOT: linalg
// CHECK-NOT: arith.addi

// NESTED-LABEL: func.func @mixed
// NESTED-DAG: arith.constant 5 : i32
// NESTED-DAG: %[[W:.*]] = "bsparse.packed_weight"() {{.*}} -> !bsparse.bsr<array<i64: 8, 8>, array<i64: 4, 4>, f32>
// NESTED: %[[Y:.*]] = "bsparse.matmul"(%{{.*}}, %[[W]])
// NESTED-NEXT: return %[[Y]], %[[Y]]

// UPSTREAM-ONLY-LABEL: func.func @mixed
// UPSTREAM-ONLY-COUNT-2: linalg.matmul
// UPSTREAM-ONLY-NOT: bsparse

// EMPTY-LABEL: func.func @mixed
// EMPTY: arith.addi
// EMPTY-COUNT-2: linalg.matmul
func.func @mixed(%x: tensor<2x8xf32>) -> (tensor<2x8xf32>, tensor<2x8xf32>, i32) {
  %w = arith.constant dense<0.25> : tensor<8x8xf32>
  %init = arith.constant dense<0.0> : tensor<2x8xf32>
  %two = arith.constant 2 : i32
  %three = arith.constant 3 : i32
  %sum = arith.addi %two, %three : i32
  %y0 = linalg.matmul ins(%x, %w : tensor<2x8xf32>, tensor<8x8xf32>) outs(%init : tensor<2x8xf32>) -> tensor<2x8xf32>
  %y1 = linalg.matmul ins(%x, %w : tensor<2x8xf32>, tensor<8x8xf32>) outs(%init : tensor<2x8xf32>) -> tensor<2x8xf32>
  return %y0, %y1, %sum : tensor<2x8xf32>, tensor<2x8xf32>, i32
}
