// Verifies that --mlir-print-ir-after-all dumps the IR to stderr after each pass
// of a pipeline mixing bsparse-pack and upstream cse, with headers naming both.
// RUN: bsparse-opt %s -p 'builtin.module(bsparse-pack{block=2x2},cse)' --mlir-print-ir-after-all 2> %t.err | filecheck %s --check-prefix=OUT
// RUN: filecheck %s --input-file %t.err
// RUN: bsparse-opt %s -p 'bsparse-pack{block=2x2},cse' --print-ir-after-all 2>&1 > /dev/null | filecheck %s

// Packing each matmul gives two identical packed weights and matmuls (both Pure);
// cse then merges them.
// CHECK: // -----// IR Dump After bsparse-pack: bsparse-pack //----- //
// CHECK-NEXT: module {
// CHECK-NEXT: func.func @two_matmuls
// CHECK-NEXT: %[[W0:.*]] = "bsparse.packed_weight"()
// CHECK-NEXT: %[[Y0:.*]] = "bsparse.matmul"(%{{.*}}, %[[W0]])
// CHECK-NEXT: %[[W1:.*]] = "bsparse.packed_weight"()
// CHECK-NEXT: %[[Y1:.*]] = "bsparse.matmul"(%{{.*}}, %[[W1]])
// CHECK-NEXT: return %[[Y0]], %[[Y1]]
// CHECK: // -----// IR Dump After CSEPass: cse //----- //
// CHECK-NEXT: module {
// CHECK-NEXT: func.func @two_matmuls
// CHECK-NEXT: %[[W:.*]] = "bsparse.packed_weight"()
// CHECK-NEXT: %[[Y:.*]] = "bsparse.matmul"(%{{.*}}, %[[W]])
// CHECK-NEXT: return %[[Y]], %[[Y]]

// The final IR still goes to stdout.
// OUT: module {
// OUT-NEXT: func.func @two_matmuls
// OUT-NOT: IR Dump
func.func @two_matmuls(%x: tensor<2x4xf32>) -> (tensor<2x4xf32>, tensor<2x4xf32>) {
  %w = arith.constant dense<[[1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0]]> : tensor<4x4xf32>
  %init0 = arith.constant dense<0.0> : tensor<2x4xf32>
  %y0 = linalg.matmul ins(%x, %w : tensor<2x4xf32>, tensor<4x4xf32>) outs(%init0 : tensor<2x4xf32>) -> tensor<2x4xf32>
  %init1 = arith.constant dense<0.0> : tensor<2x4xf32>
  %y1 = linalg.matmul ins(%x, %w : tensor<2x4xf32>, tensor<4x4xf32>) outs(%init1 : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %y0, %y1 : tensor<2x4xf32>, tensor<2x4xf32>
}
