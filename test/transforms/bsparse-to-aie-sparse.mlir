// Verifies that bsparse-to-aie lowers a weight in a non-block pattern's format (bsparse.packed_sparse)
// like a block-sparse one: per core row, its share's values and its index bytes as two L3 constants,
// staged through a memory tile and streamed to the cores, which call aie.matmul_sparse.
// RUN: bsparse-opt %s -p 'bsparse-to-aie{target=aie2-2x2}' --split-input-file | filecheck %s
// The result parses back and prints the same:
// RUN: bsparse-opt %s -p 'bsparse-to-aie{target=aie2-2x2}' --split-input-file | bsparse-opt --split-input-file | filecheck %s

// A [16, 8] weight in nm:2:4: K = 8 is two groups of 4 per channel, each storing 2 values
// (positions 0, 1 and 4, 5: mask bytes 0b00110011 = 51), 4 values per channel. Its 2 block
// rows of 8 channels go to the 2 core rows: each share holds 8 x 4 = 32 values and
// 8 mask bytes (one byte of bits per channel), identical for both rows (one constant each).
// CHECK-LABEL: func.func @matmul_nm
// CHECK-DAG: %[[MASK:.*]] = arith.constant dense<51> : tensor<8xi8>
// CHECK-DAG: %[[VALUES:.*]] = arith.constant dense<1.000000e+00> : tensor<32xf32>
// CHECK: %[[V3:.*]] = bufferization.to_buffer %[[VALUES]] read_only : tensor<32xf32> to memref<32xf32>
// CHECK: %[[I3:.*]] = bufferization.to_buffer %[[MASK]] read_only : tensor<8xi8> to memref<8xi8>
// CHECK: "aie.device"()
// CHECK: %[[T00:.*]] = "aie.tile"() {col = 0 : i64, row = 2 : i64}
// CHECK: %[[V2:.*]] = "aie.buffer"(%{{.*}}) {level = "L2", {{.*}}} : (index) -> memref<32xf32>
// CHECK-NEXT: %[[I2:.*]] = "aie.buffer"(%{{.*}}) {level = "L2", {{.*}}} : (index) -> memref<8xi8>
// CHECK: %[[V1:.*]] = "aie.buffer"(%[[T00]]) {level = "L1", {{.*}}} : (index) -> memref<32xf32>
// CHECK-NEXT: %[[I1:.*]] = "aie.buffer"(%[[T00]]) {level = "L1", {{.*}}} : (index) -> memref<8xi8>
// CHECK: "aie.dma"(%[[V3]], %[[V2]]) {{.*}}sizes = array<i64: 32>
// CHECK-NEXT: "aie.dma"(%[[I3]], %[[I2]]) {{.*}}sizes = array<i64: 8>
// CHECK: "aie.dma"(%[[V2]], %[[V1]]) {{.*}}sizes = array<i64: 32>
// CHECK-NEXT: "aie.dma"(%[[I2]], %[[I1]]) {{.*}}sizes = array<i64: 8>
// CHECK: "aie.core"(%[[T00]]) ({
// CHECK-NEXT: "aie.matmul_sparse"(%{{.*}}, %[[V1]], %[[I1]], %{{.*}}) {{{.*}}params = {{{.*}}channels = array<i64: 0, 8>, index_layout = {mask = "u1:8"}, {{.*}}pattern = "nm:2:4", {{.*}}stored = 32 : i64
// CHECK: "aie.matmul_sparse"({{.*}}channels = array<i64: 8, 16>{{.*}}pattern = "nm:2:4"
func.func @matmul_nm(%x: tensor<4x8xf32>) -> tensor<4x16xf32> {
  %w = "bsparse.packed_sparse"() {index = {mask = dense<51> : tensor<16xi8>}, values = dense<1.0> : tensor<64xf32>} : () -> !bsparse.sparse<array<i64: 16, 8>, "nm:2:4", f32>
  %y = "bsparse.matmul"(%x, %w) {activation = "none", operandSegmentSizes = array<i32: 1, 1, 0, 0>} : (tensor<4x8xf32>, !bsparse.sparse<array<i64: 16, 8>, "nm:2:4", f32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// -----

// Unstructured (CSR) with a bias, as a 1x1 conv: channel c of 9 keeps input c (one value each).
// The index bytes are the share's col_idx (i8: K = 9 < 128) then row_ptr, in name order.
// CHECK-LABEL: func.func @conv_csr
// CHECK: "aie.conv2d_sparse"({{.*}}index_layout = {col_idx = "i1:8", row_ptr = "i1:9"}{{.*}}pattern = "unstructured"{{.*}}stored = 8 : i64
// CHECK: "aie.conv2d_sparse"({{.*}}index_layout = {col_idx = "i1:1", row_ptr = "i1:2"}{{.*}}pattern = "unstructured"{{.*}}stored = 1 : i64
func.func @conv_csr(%x: tensor<1x9x4x4xf32>) -> tensor<1x9x4x4xf32> {
  %w = "bsparse.packed_sparse"() {index = {col_idx = dense<[0, 1, 2, 3, 4, 5, 6, 7, 8]> : tensor<9xi8>, row_ptr = dense<[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]> : tensor<10xi8>}, values = dense<2.0> : tensor<9xf32>} : () -> !bsparse.sparse<array<i64: 9, 9, 1, 1>, "unstructured", f32>
  %b = arith.constant dense<0.5> : tensor<9xf32>
  %y = "bsparse.conv2d"(%x, %w, %b) {activation = "relu", dilations = array<i64: 1, 1>, groups = 1 : i64, layout = "nchw", operandSegmentSizes = array<i32: 1, 1, 1, 0>, padding = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x9x4x4xf32>, !bsparse.sparse<array<i64: 9, 9, 1, 1>, "unstructured", f32>, tensor<9xf32>) -> tensor<1x9x4x4xf32>
  return %y : tensor<1x9x4x4xf32>
}
