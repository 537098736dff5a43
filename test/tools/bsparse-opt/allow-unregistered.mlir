// Verifies that --allow-unregistered-dialect accepts opaque `test.op` values as
// bsparse operands (and bsparse-pack keeps them), and that they fail without it.
// RUN: bsparse-opt %s --allow-unregistered-dialect | filecheck %s
// RUN: bsparse-opt %s --allow-unregistered-dialect -p bsparse-pack | filecheck %s --check-prefix=PACK
// RUN: not bsparse-opt %s 2>&1 | filecheck %s --check-prefix=REJECT

// CHECK-LABEL: func.func @opaque_input
// CHECK-NEXT: %[[X:.*]] = "test.op"() : () -> tensor<4x8xf32>
// CHECK-NEXT: %[[Y:.*]] = "bsparse.matmul"(%[[X]], %{{.*}}) {activation = "relu", operandSegmentSizes = array<i32: 1, 1, 0, 0>} : (tensor<4x8xf32>, !bsparse.bsr<array<i64: 16, 8>, array<i64: 8, 8>, f32>) -> tensor<4x16xf32>
// CHECK-NEXT: "test.consume"(%[[Y]]) : (tensor<4x16xf32>) -> ()
// CHECK-LABEL: func.func @opaque_weight
// CHECK-NEXT: %[[W:.*]] = "test.op"() : () -> tensor<8x16xf32>
// CHECK: linalg.matmul ins(%{{.*}}, %[[W]] : tensor<4x8xf32>, tensor<8x16xf32>)

// An opaque weight is not a constant: bsparse-pack leaves the matmul alone.
// PACK-LABEL: func.func @opaque_weight
// PACK: linalg.matmul
// PACK-NOT: bsparse.packed_weight

// REJECT-NOT: Traceback
// REJECT: allow-unregistered.mlir:25:17: error: operation being parsed with an unregistered dialect
// REJECT-NOT: Traceback

func.func @opaque_input(%w: !bsparse.bsr<array<i64: 16, 8>, array<i64: 8, 8>, f32>) {
  %x = "test.op"() : () -> tensor<4x8xf32>
  %y = "bsparse.matmul"(%x, %w) {activation = "relu", operandSegmentSizes = array<i32: 1, 1, 0, 0>} : (tensor<4x8xf32>, !bsparse.bsr<array<i64: 16, 8>, array<i64: 8, 8>, f32>) -> tensor<4x16xf32>
  "test.consume"(%y) : (tensor<4x16xf32>) -> ()
  return
}

func.func @opaque_weight(%x: tensor<4x8xf32>, %init: tensor<4x16xf32>) -> tensor<4x16xf32> {
  %w = "test.op"() : () -> tensor<8x16xf32>
  %y = linalg.matmul ins(%x, %w : tensor<4x8xf32>, tensor<8x16xf32>) outs(%init : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}
