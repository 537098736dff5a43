// Verifies that bsparse-pack turns linalg.matmul with a constant weight into
// bsparse.packed_weight + bsparse.matmul with hand-derived BSR indices, 8x8 and 4x4.
// RUN: bsparse-opt %s -p bsparse-pack --split-input-file | filecheck %s
// RUN: bsparse-opt %s -p 'builtin.module(bsparse-pack{block=4x4},canonicalize,cse)' --split-input-file | filecheck %s --check-prefix=B4

// The [K, N] = [16, 16] constant has nonzeros at (k, n) = (0, 0), (12, 3), (9, 10);
// the logical weight is its transpose [N, K], so they sit at (n, k) = (0, 0), (3, 12), (10, 9).
// 8x8 blocks (n/8, k/8): (0, 0), (0, 1), (1, 1) -> row_ptr [0, 2, 3], col_idx [0, 1, 1].
// 4x4 blocks (n/4, k/4): (0, 0), (0, 3), (2, 2) -> row_ptr [0, 2, 2, 3, 3], col_idx [0, 3, 2].
// CHECK-LABEL: func.func @matmul_known_zero_blocks
// CHECK-SAME: (%[[X:.*]]: tensor<2x16xf32>)
// CHECK: %[[W:.*]] = "bsparse.packed_weight"() {col_idx = dense<[0, 1, 1]> : tensor<3xi64>, row_ptr = dense<[0, 2, 3]> : tensor<3xi64>, values = dense<{{.*}}> : tensor<3x8x8xf32>} : () -> !bsparse.bsr<array<i64: 16, 16>, array<i64: 8, 8>, f32>
// CHECK-NEXT: %[[Y:.*]] = "bsparse.matmul"(%[[X]], %[[W]]) {activation = "none", operandSegmentSizes = array<i32: 1, 1, 0, 0>} : (tensor<2x16xf32>, !bsparse.bsr<array<i64: 16, 16>, array<i64: 8, 8>, f32>) -> tensor<2x16xf32>
// CHECK-NEXT: return %[[Y]]
// CHECK-NOT: linalg.matmul
// B4-LABEL: func.func @matmul_known_zero_blocks
// B4-SAME: (%[[X:.*]]: tensor<2x16xf32>)
// B4-NEXT: %[[W:.*]] = "bsparse.packed_weight"() {col_idx = dense<[0, 3, 2]> : tensor<3xi64>, row_ptr = dense<[0, 2, 2, 3, 3]> : tensor<5xi64>, values = dense<{{.*}}> : tensor<3x4x4xf32>} : () -> !bsparse.bsr<array<i64: 16, 16>, array<i64: 4, 4>, f32>
// B4-NEXT: %[[Y:.*]] = "bsparse.matmul"(%[[X]], %[[W]]) {activation = "none", operandSegmentSizes = array<i32: 1, 1, 0, 0>}
// B4-NEXT: return %[[Y]]
func.func @matmul_known_zero_blocks(%x: tensor<2x16xf32>) -> tensor<2x16xf32> {
  %w = arith.constant dense<[
    [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 3.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [0.0, 0.0, 0.0, 2.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]]> : tensor<16x16xf32>
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty() : tensor<2x16xf32>
  %init = linalg.fill ins(%zero : f32) outs(%empty : tensor<2x16xf32>) -> tensor<2x16xf32>
  %y = linalg.matmul ins(%x, %w : tensor<2x16xf32>, tensor<16x16xf32>) outs(%init : tensor<2x16xf32>) -> tensor<2x16xf32>
  return %y : tensor<2x16xf32>
}

// -----

// The 4x4 blocks hold the nonzeros in place: the block (0, 3) stores W[12, 3] = 2
// at (n, k) = (3, 12), i.e. row 3, column 0 of the block.
// B4-LABEL: func.func @matmul_block_values
// B4-NEXT: "bsparse.packed_weight"() {col_idx = dense<3> : tensor<1xi64>, row_ptr = dense<[0, 1]> : tensor<2xi64>, values = dense<{{\[\[\[}}0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00], [0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00], [0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00], [2.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00]]]> : tensor<1x4x4xf32>} : () -> !bsparse.bsr<array<i64: 4, 16>, array<i64: 4, 4>, f32>
func.func @matmul_block_values(%x: tensor<2x16xf32>) -> tensor<2x4xf32> {
  %w = arith.constant dense<[
    [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0],
    [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0],
    [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0],
    [0.0, 0.0, 0.0, 2.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]> : tensor<16x4xf32>
  %init = arith.constant dense<0.0> : tensor<2x4xf32>
  %y = linalg.matmul ins(%x, %w : tensor<2x16xf32>, tensor<16x4xf32>) outs(%init : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// nn.Linear: the [N, K] = [16, 8] parameter is transposed by linalg.transpose
// before the matmul; the packed weight is the parameter itself, with nonzeros at
// (9, 1) and (15, 7). 8x8: both in block (1, 0). 4x4: blocks (2, 0) and (3, 1).
// CHECK-LABEL: func.func @linear_transposed_weight
// CHECK-SAME: (%[[X:.*]]: tensor<3x8xf32>)
// CHECK-NOT: linalg.transpose
// CHECK: %[[W:.*]] = "bsparse.packed_weight"() {col_idx = dense<0> : tensor<1xi64>, row_ptr = dense<[0, 0, 1]> : tensor<3xi64>, values = dense<{{.*}}> : tensor<1x8x8xf32>} : () -> !bsparse.bsr<array<i64: 16, 8>, array<i64: 8, 8>, f32>
// CHECK-NEXT: "bsparse.matmul"(%[[X]], %[[W]]) {activation = "none", operandSegmentSizes = array<i32: 1, 1, 0, 0>} : (tensor<3x8xf32>, !bsparse.bsr<array<i64: 16, 8>, array<i64: 8, 8>, f32>) -> tensor<3x16xf32>
// CHECK-NOT: linalg.transpose
// B4-LABEL: func.func @linear_transposed_weight
// B4-NOT: linalg.transpose
// B4: "bsparse.packed_weight"() {col_idx = dense<[0, 1]> : tensor<2xi64>, row_ptr = dense<[0, 0, 0, 1, 2]> : tensor<5xi64>, values = dense<{{.*}}> : tensor<2x4x4xf32>} : () -> !bsparse.bsr<array<i64: 16, 8>, array<i64: 4, 4>, f32>
// B4-NOT: linalg.transpose
func.func @linear_transposed_weight(%x: tensor<3x8xf32>) -> tensor<3x16xf32> {
  %param = arith.constant dense<[
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [0.0, 4.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 5.0]]> : tensor<16x8xf32>
  %empty_t = tensor.empty() : tensor<8x16xf32>
  %w = linalg.transpose ins(%param : tensor<16x8xf32>) outs(%empty_t : tensor<8x16xf32>) permutation = [1, 0]
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty() : tensor<3x16xf32>
  %init = linalg.fill ins(%zero : f32) outs(%empty : tensor<3x16xf32>) -> tensor<3x16xf32>
  %y = linalg.matmul ins(%x, %w : tensor<3x8xf32>, tensor<8x16xf32>) outs(%init : tensor<3x16xf32>) -> tensor<3x16xf32>
  return %y : tensor<3x16xf32>
}

// -----

// A non-zero initial value is added after the packed matmul.
// CHECK-LABEL: func.func @matmul_nonzero_init
// CHECK-SAME: (%[[X:.*]]: tensor<2x8xf32>, %[[INIT:.*]]: tensor<2x8xf32>)
// CHECK: %[[W:.*]] = "bsparse.packed_weight"()
// CHECK-NEXT: %[[Y:.*]] = "bsparse.matmul"(%[[X]], %[[W]])
// CHECK-NEXT: %[[S:.*]] = arith.addf %[[Y]], %[[INIT]] : tensor<2x8xf32>
// CHECK-NEXT: return %[[S]]
// B4-LABEL: func.func @matmul_nonzero_init
// B4: %[[Y:.*]] = "bsparse.matmul"
// B4-NEXT: %[[S:.*]] = arith.addf %[[Y]], %{{.*}} : tensor<2x8xf32>
// B4-NEXT: return %[[S]]
func.func @matmul_nonzero_init(%x: tensor<2x8xf32>, %init: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %w = arith.constant dense<0.5> : tensor<8x8xf32>
  %y = linalg.matmul ins(%x, %w : tensor<2x8xf32>, tensor<8x8xf32>) outs(%init : tensor<2x8xf32>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

// A constant non-zero initial value (not a per-channel broadcast) is added too.
// CHECK-LABEL: func.func @matmul_constant_init
// CHECK: %[[INIT:.*]] = arith.constant dense<1.500000e+00> : tensor<2x8xf32>
// CHECK: %[[Y:.*]] = "bsparse.matmul"
// CHECK-NEXT: arith.addf %[[Y]], %[[INIT]] : tensor<2x8xf32>
func.func @matmul_constant_init(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %w = arith.constant dense<0.5> : tensor<8x8xf32>
  %init = arith.constant dense<1.5> : tensor<2x8xf32>
  %y = linalg.matmul ins(%x, %w : tensor<2x8xf32>, tensor<8x8xf32>) outs(%init : tensor<2x8xf32>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

// A per-output-channel constant broadcast as initial value becomes the bias.
// CHECK-LABEL: func.func @matmul_broadcast_bias
// CHECK-DAG: %[[B:.*]] = arith.constant dense<[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00]> : tensor<4xf32>
// CHECK-DAG: %[[W:.*]] = "bsparse.packed_weight"()
// CHECK: "bsparse.matmul"(%{{.*}}, %[[W]], %[[B]]) {activation = "none", operandSegmentSizes = array<i32: 1, 1, 1, 0>} : (tensor<2x8xf32>, !bsparse.bsr<array<i64: 4, 8>, array<i64: 8, 8>, f32>, tensor<4xf32>) -> tensor<2x4xf32>
// CHECK-NOT: arith.addf
func.func @matmul_broadcast_bias(%x: tensor<2x8xf32>) -> tensor<2x4xf32> {
  %w = arith.constant dense<0.5> : tensor<8x4xf32>
  %b = arith.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %empty = tensor.empty() : tensor<2x4xf32>
  %init = linalg.broadcast ins(%b : tensor<4xf32>) outs(%empty : tensor<2x4xf32>) dimensions = [0]
  %y = linalg.matmul ins(%x, %w : tensor<2x8xf32>, tensor<8x4xf32>) outs(%init : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// A weight that is a function argument is not constant: the matmul stays.
// CHECK-LABEL: func.func @matmul_weight_argument
// CHECK: linalg.matmul
// CHECK-NOT: bsparse
// B4-LABEL: func.func @matmul_weight_argument
// B4: linalg.matmul
// B4-NOT: "bsparse.
func.func @matmul_weight_argument(%x: tensor<2x8xf32>, %w: tensor<8x4xf32>, %init: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %y = linalg.matmul ins(%x, %w : tensor<2x8xf32>, tensor<8x4xf32>) outs(%init : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// Integer matmuls are not packed (bsparse computes in floating point); the op says why.
// CHECK-LABEL: func.func @matmul_integer
// CHECK: linalg.matmul {bsparse.unpacked = "its weight is i32: bsparse-pack packs floating-point weights"}
// CHECK-NOT: bsparse.matmul
func.func @matmul_integer(%x: tensor<2x8xi32>, %init: tensor<2x4xi32>) -> tensor<2x4xi32> {
  %w = arith.constant dense<1> : tensor<8x4xi32>
  %y = linalg.matmul ins(%x, %w : tensor<2x8xi32>, tensor<8x4xi32>) outs(%init : tensor<2x4xi32>) -> tensor<2x4xi32>
  return %y : tensor<2x4xi32>
}

// -----

// A splat weight [K, N] = [16, 8]: every block is stored, and the values stay splat.
// 8x8: a 1x2 grid; 4x4: a 2x4 grid.
// CHECK-LABEL: func.func @matmul_splat_weight
// CHECK: "bsparse.packed_weight"() {col_idx = dense<[0, 1]> : tensor<2xi64>, row_ptr = dense<[0, 2]> : tensor<2xi64>, values = dense<1.000000e+00> : tensor<2x8x8xf32>} : () -> !bsparse.bsr<array<i64: 8, 16>, array<i64: 8, 8>, f32>
// B4-LABEL: func.func @matmul_splat_weight
// B4: "bsparse.packed_weight"() {col_idx = dense<[0, 1, 2, 3, 0, 1, 2, 3]> : tensor<8xi64>, row_ptr = dense<[0, 4, 8]> : tensor<3xi64>, values = dense<1.000000e+00> : tensor<8x4x4xf32>} : () -> !bsparse.bsr<array<i64: 8, 16>, array<i64: 4, 4>, f32>
func.func @matmul_splat_weight(%x: tensor<2x16xf32>) -> tensor<2x8xf32> {
  %w = arith.constant dense<1.0> : tensor<16x8xf32>
  %init = arith.constant dense<0.0> : tensor<2x8xf32>
  %y = linalg.matmul ins(%x, %w : tensor<2x16xf32>, tensor<16x8xf32>) outs(%init : tensor<2x8xf32>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

// Weight dims not divisible by the block: [K, N] = [10, 20], logical [20, 10].
// 8x8: ceil(20/8) = 3 block rows (row_ptr has 4 entries) x ceil(10/8) = 2 block columns.
// 4x4: 5 block rows (row_ptr has 6 entries) x 3 block columns.
// CHECK-LABEL: func.func @matmul_edge_blocks
// CHECK: "bsparse.packed_weight"() {col_idx = dense<[0, 1, 0, 1, 0, 1]> : tensor<6xi64>, row_ptr = dense<[0, 2, 4, 6]> : tensor<4xi64>, values = dense<{{.*}}> : tensor<6x8x8xf32>} : () -> !bsparse.bsr<array<i64: 20, 10>, array<i64: 8, 8>, f32>
// CHECK-NEXT: "bsparse.matmul"({{.*}}) {activation = "none", operandSegmentSizes = array<i32: 1, 1, 0, 0>} : (tensor<2x10xf32>, !bsparse.bsr<array<i64: 20, 10>, array<i64: 8, 8>, f32>) -> tensor<2x20xf32>
// B4-LABEL: func.func @matmul_edge_blocks
// B4: "bsparse.packed_weight"() {col_idx = dense<[0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2]> : tensor<15xi64>, row_ptr = dense<[0, 3, 6, 9, 12, 15]> : tensor<6xi64>, values = dense<{{.*}}> : tensor<15x4x4xf32>} : () -> !bsparse.bsr<array<i64: 20, 10>, array<i64: 4, 4>, f32>
func.func @matmul_edge_blocks(%x: tensor<2x10xf32>) -> tensor<2x20xf32> {
  %w = arith.constant dense<2.0> : tensor<10x20xf32>
  %init = arith.constant dense<0.0> : tensor<2x20xf32>
  %y = linalg.matmul ins(%x, %w : tensor<2x10xf32>, tensor<10x20xf32>) outs(%init : tensor<2x20xf32>) -> tensor<2x20xf32>
  return %y : tensor<2x20xf32>
}

// -----

// Edge blocks are zero-padded: a [3, 3] weight is one 4x4 (or 8x8) block whose
// fourth row and column are zero.
// CHECK-LABEL: func.func @matmul_edge_padding
// CHECK: "bsparse.packed_weight"() {col_idx = dense<0> : tensor<1xi64>, row_ptr = dense<[0, 1]> : tensor<2xi64>, values = dense<{{.*}}> : tensor<1x8x8xf32>} : () -> !bsparse.bsr<array<i64: 3, 3>, array<i64: 8, 8>, f32>
// B4-LABEL: func.func @matmul_edge_padding
// B4: "bsparse.packed_weight"() {col_idx = dense<0> : tensor<1xi64>, row_ptr = dense<[0, 1]> : tensor<2xi64>, values = dense<{{\[\[\[}}1.000000e+00, 1.000000e+00, 1.000000e+00, 0.000000e+00], [1.000000e+00, 1.000000e+00, 1.000000e+00, 0.000000e+00], [1.000000e+00, 1.000000e+00, 1.000000e+00, 0.000000e+00], [0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00]]]> : tensor<1x4x4xf32>} : () -> !bsparse.bsr<array<i64: 3, 3>, array<i64: 4, 4>, f32>
func.func @matmul_edge_padding(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %w = arith.constant dense<1.0> : tensor<3x3xf32>
  %init = arith.constant dense<0.0> : tensor<2x3xf32>
  %y = linalg.matmul ins(%x, %w : tensor<2x3xf32>, tensor<3x3xf32>) outs(%init : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}
