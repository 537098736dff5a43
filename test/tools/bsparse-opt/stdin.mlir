// Verifies that bsparse-opt reads its input from stdin when given `-` or no
// input file, and names it <stdin> in diagnostics.
// RUN: bsparse-opt - < %s | filecheck %s
// RUN: bsparse-opt < %s | filecheck %s
// RUN: bsparse-opt -p 'bsparse-pack{block=2x2}' - < %s | filecheck %s --check-prefix=PACK
// RUN: echo 'func.func @g() { return %x : i32 }' | not bsparse-opt - 2>&1 | filecheck %s --check-prefix=ERR

// CHECK-LABEL: func.func @from_stdin
// CHECK-NEXT: %[[C:.*]] = arith.constant dense<{{.*}}> : tensor<4x2xf32>
// CHECK: linalg.matmul

// PACK-LABEL: func.func @from_stdin
// PACK: "bsparse.packed_weight"() {col_idx = dense<1> : tensor<1xi64>, row_ptr = dense<[0, 1]> : tensor<2xi64>
// PACK: "bsparse.matmul"

// ERR: <stdin>:1:25: error: use of undeclared SSA value name
func.func @from_stdin(%x: tensor<3x4xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<[[0.0, 0.0], [0.0, 0.0], [1.0, 0.0], [0.0, 2.0]]> : tensor<4x2xf32>
  %init = arith.constant dense<0.0> : tensor<3x2xf32>
  %y = linalg.matmul ins(%x, %w : tensor<3x4xf32>, tensor<4x2xf32>) outs(%init : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}
