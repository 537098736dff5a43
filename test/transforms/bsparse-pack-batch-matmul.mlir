// Verifies that bsparse-pack turns linalg.batch_matmul whose right operand is one
// constant matrix for every batch entry into bsparse.matmul on the [batch, M, K] input.
// RUN: bsparse-opt %s -p bsparse-pack --split-input-file | filecheck %s

// A [K, N] = [16, 8] constant broadcast over the batch by linalg.broadcast.
// Nonzeros at (k, n) = (1, 0) and (3, 7), i.e. logical (n, k) = (0, 1) and (7, 3):
// both in 8x8 block (0, 0) of the 1x2 grid -> row_ptr [0, 1], col_idx [0].
// CHECK-LABEL: func.func @broadcast_weight
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x16xf32>)
// CHECK-NOT: linalg.broadcast
// CHECK: %[[W:.*]] = "bsparse.packed_weight"() {col_idx = dense<0> : tensor<1xi64>, row_ptr = dense<[0, 1]> : tensor<2xi64>, values = dense<{{.*}}> : tensor<1x8x8xf32>} : () -> !bsparse.bsr<array<i64: 8, 16>, array<i64: 8, 8>, f32>
// CHECK-NEXT: %[[Y:.*]] = "bsparse.matmul"(%[[X]], %[[W]]) {activation = "none", operandSegmentSizes = array<i32: 1, 1, 0, 0>} : (tensor<2x3x16xf32>, !bsparse.bsr<array<i64: 8, 16>, array<i64: 8, 8>, f32>) -> tensor<2x3x8xf32>
// CHECK-NEXT: return %[[Y]]
// CHECK-NOT: linalg.batch_matmul
func.func @broadcast_weight(%x: tensor<2x3x16xf32>) -> tensor<2x3x8xf32> {
  %w = arith.constant dense<[
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2.0],
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]]> : tensor<16x8xf32>
  %eb = tensor.empty() : tensor<2x16x8xf32>
  %b = linalg.broadcast ins(%w : tensor<16x8xf32>) outs(%eb : tensor<2x16x8xf32>) dimensions = [0]
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x3x8xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<2x3x8xf32>) -> tensor<2x3x8xf32>
  %y = linalg.batch_matmul ins(%x, %b : tensor<2x3x16xf32>, tensor<2x16x8xf32>) outs(%init : tensor<2x3x8xf32>) -> tensor<2x3x8xf32>
  return %y : tensor<2x3x8xf32>
}

// -----

// torch.bmm(x, w.expand(...)): torch-mlir broadcasts with a copying linalg.generic.
// A [K, N] = [6, 5] weight is one zero-padded 8x8 edge block.
// CHECK-LABEL: func.func @expand_generic_weight
// CHECK-NOT: linalg.generic
// CHECK: %[[W:.*]] = "bsparse.packed_weight"() {col_idx = dense<0> : tensor<1xi64>, row_ptr = dense<[0, 1]> : tensor<2xi64>, values = dense<{{.*}}> : tensor<1x8x8xf32>} : () -> !bsparse.bsr<array<i64: 5, 6>, array<i64: 8, 8>, f32>
// CHECK-NEXT: "bsparse.matmul"(%{{.*}}, %[[W]]) {{.*}} -> tensor<3x4x5xf32>
// CHECK-NOT: linalg.batch_matmul
#bcast = affine_map<(d0, d1, d2) -> (d1, d2)>
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
func.func @expand_generic_weight(%x: tensor<3x4x6xf32>) -> tensor<3x4x5xf32> {
  %w = arith.constant dense<0.5> : tensor<6x5xf32>
  %eb = tensor.empty() : tensor<3x6x5xf32>
  %b = linalg.generic {indexing_maps = [#bcast, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%w : tensor<6x5xf32>) outs(%eb : tensor<3x6x5xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<3x6x5xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x4x5xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<3x4x5xf32>) -> tensor<3x4x5xf32>
  %y = linalg.batch_matmul ins(%x, %b : tensor<3x4x6xf32>, tensor<3x6x5xf32>) outs(%init : tensor<3x4x5xf32>) -> tensor<3x4x5xf32>
  return %y : tensor<3x4x5xf32>
}

// -----

// A [1, K, N] weight broadcast along its unit batch dim (map (0, d1, d2)) is one matrix too.
// CHECK-LABEL: func.func @unit_batch_weight
// CHECK: "bsparse.packed_weight"() {{.*}} : () -> !bsparse.bsr<array<i64: 5, 6>, array<i64: 8, 8>, f32>
// CHECK-NOT: linalg.batch_matmul
#unit = affine_map<(d0, d1, d2) -> (0, d1, d2)>
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
func.func @unit_batch_weight(%x: tensor<3x4x6xf32>) -> tensor<3x4x5xf32> {
  %w = arith.constant dense<0.5> : tensor<1x6x5xf32>
  %eb = tensor.empty() : tensor<3x6x5xf32>
  %b = linalg.generic {indexing_maps = [#unit, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%w : tensor<1x6x5xf32>) outs(%eb : tensor<3x6x5xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<3x6x5xf32>
  %init = arith.constant dense<0.0> : tensor<3x4x5xf32>
  %y = linalg.batch_matmul ins(%x, %b : tensor<3x4x6xf32>, tensor<3x6x5xf32>) outs(%init : tensor<3x4x5xf32>) -> tensor<3x4x5xf32>
  return %y : tensor<3x4x5xf32>
}

// -----

// A [2, K, N] = [2, 2, 3] constant whose two entries are equal is one weight:
// the packed values are the entry's transpose [N, K] = [3, 2], zero-padded.
// CHECK-LABEL: func.func @equal_entries_weight
// CHECK: "bsparse.packed_weight"() {col_idx = dense<0> : tensor<1xi64>, row_ptr = dense<[0, 1]> : tensor<2xi64>, values = dense<{{\[\[\[}}1.000000e+00, 4.000000e+00, 0.000000e+00, {{.*}}], [2.000000e+00, 5.000000e+00, 0.000000e+00, {{.*}}], [3.000000e+00, 6.000000e+00, 0.000000e+00, {{.*}}> : tensor<1x8x8xf32>} : () -> !bsparse.bsr<array<i64: 3, 2>, array<i64: 8, 8>, f32>
// CHECK-NOT: linalg.batch_matmul
func.func @equal_entries_weight(%x: tensor<2x4x2xf32>) -> tensor<2x4x3xf32> {
  %w = arith.constant dense<[[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]]> : tensor<2x2x3xf32>
  %init = arith.constant dense<0.0> : tensor<2x4x3xf32>
  %y = linalg.batch_matmul ins(%x, %w : tensor<2x4x2xf32>, tensor<2x2x3xf32>) outs(%init : tensor<2x4x3xf32>) -> tensor<2x4x3xf32>
  return %y : tensor<2x4x3xf32>
}

// -----

// Batch entries that differ are not a single weight: the op stays as it is, and says why.
// CHECK-LABEL: func.func @distinct_entries_kept
// CHECK: linalg.batch_matmul {bsparse.unpacked = "its weight is not a constant bsparse-pack can read as one weight ({{.*}}batch entries that differ)"}
// CHECK-NOT: bsparse.matmul
func.func @distinct_entries_kept(%x: tensor<2x4x2xf32>) -> tensor<2x4x3xf32> {
  %w = arith.constant dense<[[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], [[1.0, 2.0, 3.0], [4.0, 5.0, 7.0]]]> : tensor<2x2x3xf32>
  %init = arith.constant dense<0.0> : tensor<2x4x3xf32>
  %y = linalg.batch_matmul ins(%x, %w : tensor<2x4x2xf32>, tensor<2x2x3xf32>) outs(%init : tensor<2x4x3xf32>) -> tensor<2x4x3xf32>
  return %y : tensor<2x4x3xf32>
}

// -----

// A broadcast weight that is not constant stays a batch_matmul.
// CHECK-LABEL: func.func @broadcast_argument_kept
// CHECK: linalg.broadcast
// CHECK: linalg.batch_matmul
// CHECK-NOT: bsparse
func.func @broadcast_argument_kept(%x: tensor<2x4x6xf32>, %w: tensor<6x5xf32>, %init: tensor<2x4x5xf32>) -> tensor<2x4x5xf32> {
  %eb = tensor.empty() : tensor<2x6x5xf32>
  %b = linalg.broadcast ins(%w : tensor<6x5xf32>) outs(%eb : tensor<2x6x5xf32>) dimensions = [0]
  %y = linalg.batch_matmul ins(%x, %b : tensor<2x4x6xf32>, tensor<2x6x5xf32>) outs(%init : tensor<2x4x5xf32>) -> tensor<2x4x5xf32>
  return %y : tensor<2x4x5xf32>
}

// -----

// Transposed B (map (d0, d2, d3)): B is [batch, N, K] = [2, 16, 8] with equal entries,
// so the logical weight is B[0] itself. Nonzero at (n, k) = (9, 1): 8x8 block (1, 0).
// CHECK-LABEL: func.func @transposed_b_weight
// CHECK: "bsparse.packed_weight"() {col_idx = dense<0> : tensor<1xi64>, row_ptr = dense<[0, 0, 1]> : tensor<3xi64>, values = dense<{{.*}}> : tensor<1x8x8xf32>} : () -> !bsparse.bsr<array<i64: 16, 8>, array<i64: 8, 8>, f32>
// CHECK-NEXT: "bsparse.matmul"({{.*}}) {{.*}} -> tensor<2x3x16xf32>
// CHECK-NOT: linalg.batch_matmul
func.func @transposed_b_weight(%x: tensor<2x3x8xf32>) -> tensor<2x3x16xf32> {
  %w = arith.constant dense<[
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 4.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]]> : tensor<16x8xf32>
  %eb = tensor.empty() : tensor<2x16x8xf32>
  %b = linalg.broadcast ins(%w : tensor<16x8xf32>) outs(%eb : tensor<2x16x8xf32>) dimensions = [0]
  %init = arith.constant dense<0.0> : tensor<2x3x16xf32>
  %y = linalg.batch_matmul indexing_maps = [
      affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>,
      affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>,
      affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>]
    ins(%x, %b : tensor<2x3x8xf32>, tensor<2x16x8xf32>) outs(%init : tensor<2x3x16xf32>) -> tensor<2x3x16xf32>
  return %y : tensor<2x3x16xf32>
}

// -----

// A rank-2 B broadcast by the indexing map (d3, d2) is the [K, N] weight itself.
// CHECK-LABEL: func.func @rank2_b_weight
// CHECK: "bsparse.packed_weight"() {{.*}} : () -> !bsparse.bsr<array<i64: 5, 6>, array<i64: 8, 8>, f32>
// CHECK-NEXT: "bsparse.matmul"({{.*}}) {{.*}} -> tensor<3x4x5xf32>
// CHECK-NOT: linalg.batch_matmul
func.func @rank2_b_weight(%x: tensor<3x4x6xf32>) -> tensor<3x4x5xf32> {
  %w = arith.constant dense<0.5> : tensor<6x5xf32>
  %init = arith.constant dense<0.0> : tensor<3x4x5xf32>
  %y = linalg.batch_matmul indexing_maps = [
      affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>,
      affine_map<(d0, d1, d2, d3) -> (d3, d2)>,
      affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>]
    ins(%x, %w : tensor<3x4x6xf32>, tensor<6x5xf32>) outs(%init : tensor<3x4x5xf32>) -> tensor<3x4x5xf32>
  return %y : tensor<3x4x5xf32>
}

// -----

// A per-output-channel constant broadcast over batch and rows as the initial value is the bias.
// CHECK-LABEL: func.func @broadcast_bias
// CHECK-DAG: %[[B:.*]] = arith.constant dense<[1.000000e+00, 2.000000e+00, 3.000000e+00]> : tensor<3xf32>
// CHECK-DAG: %[[W:.*]] = "bsparse.packed_weight"()
// CHECK: "bsparse.matmul"(%{{.*}}, %[[W]], %[[B]]) {activation = "none", operandSegmentSizes = array<i32: 1, 1, 1, 0>} : (tensor<2x4x2xf32>, !bsparse.bsr<array<i64: 3, 2>, array<i64: 8, 8>, f32>, tensor<3xf32>) -> tensor<2x4x3xf32>
// CHECK-NOT: arith.addf
// CHECK-NOT: linalg.batch_matmul
func.func @broadcast_bias(%x: tensor<2x4x2xf32>) -> tensor<2x4x3xf32> {
  %w = arith.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf32>
  %eb = tensor.empty() : tensor<2x2x3xf32>
  %wb = linalg.broadcast ins(%w : tensor<2x3xf32>) outs(%eb : tensor<2x2x3xf32>) dimensions = [0]
  %bias = arith.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  %e = tensor.empty() : tensor<2x4x3xf32>
  %init = linalg.broadcast ins(%bias : tensor<3xf32>) outs(%e : tensor<2x4x3xf32>) dimensions = [0, 1]
  %y = linalg.batch_matmul ins(%x, %wb : tensor<2x4x2xf32>, tensor<2x2x3xf32>) outs(%init : tensor<2x4x3xf32>) -> tensor<2x4x3xf32>
  return %y : tensor<2x4x3xf32>
}
