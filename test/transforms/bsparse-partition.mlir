// Verifies that bsparse-partition records on every bsparse op with a packed weight how its
// block rows (stored blocks balanced) and its width/height/rows (near-equal) split over the cores.
// RUN: bsparse-opt %s -p 'builtin.module(bsparse-partition{target=aie2-2x2})' --split-input-file | filecheck %s
// Re-running replaces the attribute, and the result round-trips through the parser:
// RUN: bsparse-opt %s -p 'builtin.module(bsparse-partition{target=aie2-4x4},bsparse-partition{target=aie2-2x2})' --split-input-file | bsparse-opt --split-input-file | filecheck %s
// RUN: bsparse-opt %s -p bsparse-partition --split-input-file | filecheck %s --check-prefix=X4
// RUN: bsparse-opt %s -p 'builtin.module(bsparse-pack,bsparse-partition{target=aie2-2x2})' --split-input-file | filecheck %s --check-prefix=PIPE
// RUN: not bsparse-opt %s -p 'bsparse-partition{target=nope}' 2>&1 | filecheck %s --check-prefix=BAD

// BAD: error: invalid value for option 'target' of pass 'bsparse-partition': unknown target 'nope'; known targets: {{.*}}aie2-2x2, {{.*}}aie2-4x4

// A dense [32, 16] weight: 4 block rows of 2 stored blocks; M = 2 x 4 = 8 rows.
// The stale partition already on the op is replaced.
// CHECK-LABEL: func.func @matmul_dense
// CHECK: "bsparse.matmul"(%{{.*}}, %{{.*}}) {activation = "none", bsparse.partition = {core_blocks = array<i64: 4, 4>, imbalance = 1.000000e+00 : f64, row_splits = array<i64: 0, 2, 4>, spatial_dim = "rows", spatial_splits = array<i64: 0, 4, 8>, target = "aie2-2x2"}, operandSegmentSizes = array<i32: 1, 1, 0, 0>}
// CHECK-NOT: stale
// X4-LABEL: func.func @matmul_dense
// X4: bsparse.partition = {core_blocks = array<i64: 2, 2, 2, 2>, imbalance = 1.000000e+00 : f64, row_splits = array<i64: 0, 1, 2, 3, 4>, spatial_dim = "rows", spatial_splits = array<i64: 0, 2, 4, 6, 8>, target = "aie2-4x4"}
func.func @matmul_dense(%x: tensor<2x4x16xf32>) -> tensor<2x4x32xf32> {
  %w = "bsparse.packed_weight"() {col_idx = dense<[0, 1, 0, 1, 0, 1, 0, 1]> : tensor<8xi64>, row_ptr = dense<[0, 2, 4, 6, 8]> : tensor<5xi64>, values = dense<1.0> : tensor<8x8x8xf32>} : () -> !bsparse.bsr<array<i64: 32, 16>, array<i64: 8, 8>, f32>
  %y = "bsparse.matmul"(%x, %w) {activation = "none", bsparse.partition = {target = "stale"}, operandSegmentSizes = array<i32: 1, 1, 0, 0>} : (tensor<2x4x16xf32>, !bsparse.bsr<array<i64: 32, 16>, array<i64: 8, 8>, f32>) -> tensor<2x4x32xf32>
  return %y : tensor<2x4x32xf32>
}

// -----

// Most stored blocks in block row 0: loads [4, 1, 1, 1]. On 2 cores per column the
// balanced split is [0, 1) | [1, 4) with 4 | 3 blocks (an even row split gives 5 | 2);
// each column's 2 rows then run in two phases, core 0 taking the 4 blocks on row 1 and the
// 3 on row 2, core 1 the other way round (phase_order [1, 0]): 4 + 3 each, imbalance 1
// (one phase would be 4 x 2 against 3 x 2). On 4 cores: 4 | 1 | 1 | 1, one row per column
// (no room for two phases), imbalance 4 / 1.75 = 16/7.
// CHECK-LABEL: func.func @matmul_one_heavy_row
// CHECK: bsparse.partition = {core_blocks = array<i64: 4, 3>, imbalance = 1.000000e+00 : f64, phase_order = array<i64: 1, 0>, row_splits = array<i64: 0, 1, 4>, spatial_dim = "rows", spatial_splits = array<i64: 0, 2, 4>, target = "aie2-2x2"}
// X4-LABEL: func.func @matmul_one_heavy_row
// X4: bsparse.partition = {core_blocks = array<i64: 4, 1, 1, 1>, imbalance = 2.2857142857142856 : f64, row_splits = array<i64: 0, 1, 2, 3, 4>, spatial_dim = "rows", spatial_splits = array<i64: 0, 1, 2, 3, 4>, target = "aie2-4x4"}
func.func @matmul_one_heavy_row(%x: tensor<4x32xf32>) -> tensor<4x32xf32> {
  %w = "bsparse.packed_weight"() {col_idx = dense<[0, 1, 2, 3, 0, 1, 2]> : tensor<7xi64>, row_ptr = dense<[0, 4, 5, 6, 7]> : tensor<5xi64>, values = dense<1.0> : tensor<7x8x8xf32>} : () -> !bsparse.bsr<array<i64: 32, 32>, array<i64: 8, 8>, f32>
  %y = "bsparse.matmul"(%x, %w) {activation = "none", operandSegmentSizes = array<i32: 1, 1, 0, 0>} : (tensor<4x32xf32>, !bsparse.bsr<array<i64: 32, 32>, array<i64: 8, 8>, f32>) -> tensor<4x32xf32>
  return %y : tensor<4x32xf32>
}

// -----

// Loads [4, 4, 4, 1, 1, 1, 1, 0]: balanced ranges of unequal length, [0, 2) | [2, 8)
// with 8 | 8 blocks on the 2x2 mesh. On 4x4, M = 2 rows make 2 slices, so each
// slice gets 2 columns and the 8 cores of a slice take one block row each
// (the heaviest core has 4 blocks against a mean of 2: imbalance 2).
// CHECK-LABEL: func.func @matmul_uneven_ranges
// CHECK: bsparse.partition = {core_blocks = array<i64: 8, 8>, imbalance = 1.000000e+00 : f64, row_splits = array<i64: 0, 2, 8>, spatial_dim = "rows", spatial_splits = array<i64: 0, 1, 2>, target = "aie2-2x2"}
// X4-LABEL: func.func @matmul_uneven_ranges
// X4: bsparse.partition = {core_blocks = array<i64: 4, 4, 4, 1, 1, 1, 1, 0>, imbalance = 2.000000e+00 : f64, row_splits = array<i64: 0, 1, 2, 3, 4, 5, 6, 7, 8>, spatial_dim = "rows", spatial_splits = array<i64: 0, 1, 2>, target = "aie2-4x4"}
func.func @matmul_uneven_ranges(%x: tensor<2x32xf32>) -> tensor<2x64xf32> {
  %w = "bsparse.packed_weight"() {col_idx = dense<[0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 0, 0, 0]> : tensor<16xi64>, row_ptr = dense<[0, 4, 8, 12, 13, 14, 15, 16, 16]> : tensor<9xi64>, values = dense<1.0> : tensor<16x8x8xf32>} : () -> !bsparse.bsr<array<i64: 64, 32>, array<i64: 8, 8>, f32>
  %y = "bsparse.matmul"(%x, %w) {activation = "none", operandSegmentSizes = array<i32: 1, 1, 0, 0>} : (tensor<2x32xf32>, !bsparse.bsr<array<i64: 64, 32>, array<i64: 8, 8>, f32>) -> tensor<2x64xf32>
  return %y : tensor<2x64xf32>
}

// -----

// A 3x3 NCHW conv with 56-wide output: width split over the columns; 2 block rows
// use 2 cores per column even when 4 are there.
// CHECK-LABEL: func.func @conv_nchw_width
// CHECK: "bsparse.conv2d"(%{{.*}}, %{{.*}}) {activation = "none", bsparse.partition = {core_blocks = array<i64: 2, 2>, imbalance = 1.000000e+00 : f64, row_splits = array<i64: 0, 1, 2>, spatial_dim = "width", spatial_splits = array<i64: 0, 28, 56>, target = "aie2-2x2"}, dilations
// X4-LABEL: func.func @conv_nchw_width
// X4: bsparse.partition = {core_blocks = array<i64: 2, 2>, imbalance = 1.000000e+00 : f64, row_splits = array<i64: 0, 1, 2>, spatial_dim = "width", spatial_splits = array<i64: 0, 14, 28, 42, 56>, target = "aie2-4x4"}
func.func @conv_nchw_width(%x: tensor<1x16x56x56xf32>) -> tensor<1x16x56x56xf32> {
  %w = "bsparse.packed_weight"() {col_idx = dense<[0, 1, 0, 1]> : tensor<4xi64>, row_ptr = dense<[0, 2, 4]> : tensor<3xi64>, values = dense<1.0> : tensor<4x8x8x3x3xf32>} : () -> !bsparse.bsr<array<i64: 16, 16, 3, 3>, array<i64: 8, 8>, f32>
  %y = "bsparse.conv2d"(%x, %w) {activation = "none", dilations = array<i64: 1, 1>, groups = 1 : i64, layout = "nchw", operandSegmentSizes = array<i32: 1, 1, 0, 0>, padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x16x56x56xf32>, !bsparse.bsr<array<i64: 16, 16, 3, 3>, array<i64: 8, 8>, f32>) -> tensor<1x16x56x56xf32>
  return %y : tensor<1x16x56x56xf32>
}

// -----

// An NHWC conv whose output is 7 high and 1 wide: the height is split instead.
// CHECK-LABEL: func.func @conv_nhwc_tall
// CHECK: bsparse.partition = {core_blocks = array<i64: 2>, imbalance = 1.1428571428571428 : f64, row_splits = array<i64: 0, 1>, spatial_dim = "height", spatial_splits = array<i64: 0, 4, 7>, target = "aie2-2x2"}
// X4-LABEL: func.func @conv_nhwc_tall
// X4: bsparse.partition = {core_blocks = array<i64: 2>, imbalance = 1.1428571428571428 : f64, row_splits = array<i64: 0, 1>, spatial_dim = "height", spatial_splits = array<i64: 0, 2, 4, 6, 7>, target = "aie2-4x4"}
func.func @conv_nhwc_tall(%x: tensor<1x7x1x16xf32>) -> tensor<1x7x1x8xf32> {
  %w = "bsparse.packed_weight"() {col_idx = dense<[0, 1]> : tensor<2xi64>, row_ptr = dense<[0, 2]> : tensor<2xi64>, values = dense<1.0> : tensor<2x8x8x1x1xf32>} : () -> !bsparse.bsr<array<i64: 8, 16, 1, 1>, array<i64: 8, 8>, f32>
  %y = "bsparse.conv2d"(%x, %w) {activation = "none", dilations = array<i64: 1, 1>, groups = 1 : i64, layout = "nhwc", operandSegmentSizes = array<i32: 1, 1, 0, 0>, padding = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x7x1x16xf32>, !bsparse.bsr<array<i64: 8, 16, 1, 1>, array<i64: 8, 8>, f32>) -> tensor<1x7x1x8xf32>
  return %y : tensor<1x7x1x8xf32>
}

// -----

// A depthwise conv: block rows are the out-channel blocks of the [16, 1, 3, 3] weight
// (8x1 blocks). 6 output columns over 4 array columns: slices 2, 2, 1, 1.
// CHECK-LABEL: func.func @conv_depthwise
// CHECK: bsparse.partition = {core_blocks = array<i64: 1, 1>, imbalance = 1.000000e+00 : f64, row_splits = array<i64: 0, 1, 2>, spatial_dim = "width", spatial_splits = array<i64: 0, 3, 6>, target = "aie2-2x2"}
// X4-LABEL: func.func @conv_depthwise
// X4: bsparse.partition = {core_blocks = array<i64: 1, 1>, imbalance = 1.3333333333333333 : f64, row_splits = array<i64: 0, 1, 2>, spatial_dim = "width", spatial_splits = array<i64: 0, 2, 4, 5, 6>, target = "aie2-4x4"}
func.func @conv_depthwise(%x: tensor<1x16x8x8xf32>) -> tensor<1x16x6x6xf32> {
  %w = "bsparse.packed_weight"() {col_idx = dense<[0, 0]> : tensor<2xi64>, row_ptr = dense<[0, 1, 2]> : tensor<3xi64>, values = dense<1.0> : tensor<2x8x1x3x3xf32>} : () -> !bsparse.bsr<array<i64: 16, 1, 3, 3>, array<i64: 8, 1>, f32>
  %y = "bsparse.conv2d"(%x, %w) {activation = "none", dilations = array<i64: 1, 1>, groups = 16 : i64, layout = "nchw", operandSegmentSizes = array<i32: 1, 1, 0, 0>, padding = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x16x8x8xf32>, !bsparse.bsr<array<i64: 16, 1, 3, 3>, array<i64: 8, 1>, f32>) -> tensor<1x16x6x6xf32>
  return %y : tensor<1x16x6x6xf32>
}

// -----

// A weight that is not a bsparse.packed_weight (a function argument) is left alone.
// CHECK-LABEL: func.func @weight_not_packed
// CHECK-NOT: bsparse.partition
// CHECK: return
// X4-LABEL: func.func @weight_not_packed
// X4-NOT: bsparse.partition
// X4: return
func.func @weight_not_packed(%x: tensor<2x16xf32>, %w: !bsparse.bsr<array<i64: 16, 16>, array<i64: 8, 8>, f32>) -> tensor<2x16xf32> {
  %y = "bsparse.matmul"(%x, %w) {activation = "none", operandSegmentSizes = array<i32: 1, 1, 0, 0>} : (tensor<2x16xf32>, !bsparse.bsr<array<i64: 16, 16>, array<i64: 8, 8>, f32>) -> tensor<2x16xf32>
  return %y : tensor<2x16xf32>
}

// -----

// From linalg: bsparse-pack stores the 4 blocks of the dense [16, 16] weight, then
// bsparse-partition splits them; without bsparse-pack the linalg.matmul is untouched.
// PIPE-LABEL: func.func @linalg_pack_then_partition
// PIPE: "bsparse.matmul"(%{{.*}}, %{{.*}}) {activation = "none", bsparse.partition = {core_blocks = array<i64: 2, 2>, imbalance = 1.000000e+00 : f64, row_splits = array<i64: 0, 1, 2>, spatial_dim = "rows", spatial_splits = array<i64: 0, 2, 4>, target = "aie2-2x2"}
// CHECK-LABEL: func.func @linalg_pack_then_partition
// CHECK-NOT: bsparse.partition
// CHECK: linalg.matmul
func.func @linalg_pack_then_partition(%x: tensor<4x16xf32>) -> tensor<4x16xf32> {
  %w = arith.constant dense<0.5> : tensor<16x16xf32>
  %init = arith.constant dense<0.0> : tensor<4x16xf32>
  %y = linalg.matmul ins(%x, %w : tensor<4x16xf32>, tensor<16x16xf32>) outs(%init : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// -----

// Loads [2, 2, 0, 0, 1, 1]: on 2 cores the best contiguous ranges carry 4 | 2 blocks, so the
// cores take interleaved sets instead, heaviest block row first to the least loaded core
// (rows 0, 1, 4, 5, then 2, 3): {0, 2, 4} | {1, 3, 5}, 3 | 3 blocks, recorded as row_order.
// On 4x4 the 2 rows make 2 slices of 2 columns each, whose 8 cores take one block row each;
// a layer whose idle columns take channels keeps contiguous ranges anyway: no row_order.
// With assign=ranges the ranges are kept: [0, 4) | [4, 6) (earlier ranges take as many rows as fit).
// RUN: bsparse-opt %s -p 'bsparse-partition{target=aie2-2x2 assign=ranges}' --split-input-file | filecheck %s --check-prefix=RANGES
// CHECK-LABEL: func.func @matmul_interleaved
// CHECK: bsparse.partition = {core_blocks = array<i64: 3, 3>, imbalance = 1.000000e+00 : f64, row_order = array<i64: 0, 2, 4, 1, 3, 5>, row_splits = array<i64: 0, 3, 6>, spatial_dim = "rows", spatial_splits = array<i64: 0, 1, 2>, target = "aie2-2x2"}
// X4-LABEL: func.func @matmul_interleaved
// X4: bsparse.partition = {core_blocks = array<i64: 2, 2, 0, 0, 1, 1>, imbalance = 2.000000e+00 : f64, row_splits = array<i64: 0, 1, 2, 3, 4, 5, 6>, spatial_dim = "rows", spatial_splits = array<i64: 0, 1, 2>, target = "aie2-4x4"}
// RANGES-LABEL: func.func @matmul_interleaved
// RANGES: bsparse.partition = {core_blocks = array<i64: 4, 2>, imbalance = 1.3333333333333333 : f64, row_splits = array<i64: 0, 4, 6>, spatial_dim = "rows", spatial_splits = array<i64: 0, 1, 2>, target = "aie2-2x2"}
func.func @matmul_interleaved(%x: tensor<2x16xf32>) -> tensor<2x48xf32> {
  %w = "bsparse.packed_weight"() {col_idx = dense<[0, 1, 0, 1, 0, 1]> : tensor<6xi64>, row_ptr = dense<[0, 2, 4, 4, 4, 5, 6]> : tensor<7xi64>, values = dense<1.0> : tensor<6x8x8xf32>} : () -> !bsparse.bsr<array<i64: 48, 16>, array<i64: 8, 8>, f32>
  %y = "bsparse.matmul"(%x, %w) {activation = "none", operandSegmentSizes = array<i32: 1, 1, 0, 0>} : (tensor<2x16xf32>, !bsparse.bsr<array<i64: 48, 16>, array<i64: 8, 8>, f32>) -> tensor<2x48xf32>
  return %y : tensor<2x48xf32>
}
