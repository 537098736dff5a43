// Verifies that bsparse-to-aie reads a slice from its source: the split heads of a fused q/k/v
// projection are no copies. The transpose of the third part reads the projection itself, viewed with
// its 96 columns split into 6 heads of 16 (tensor.expand_shape), through the map d0 + 4 (the part's
// first head is the source's fifth): each core's DMA box is its quarter of the part's two heads. A slice whose heads no
// box of the source describes (columns 5 to 37, heads of 16) stays a host copy, with its reason.
// RUN: bsparse-opt %s -p 'builtin.module(bsparse-pack,bsparse-to-aie{target=aie2-2x2})' 2>%t.err | filecheck %s
// RUN: filecheck %s --check-prefix=WARN < %t.err

// CHECK-DAG: #[[HEADS:.+]] = affine_map<(d0, d1, d2) -> (d2, d0 + 4, d1)>
// CHECK-LABEL: func.func @split_heads
// CHECK: %[[VIEW:.+]] = tensor.expand_shape %{{.+}} {{\[\[}}0], [1, 2]] output_shape [8, 6, 16] : tensor<8x96xf32> into tensor<8x6x16xf32>
// CHECK: %[[SOURCE:.+]] = bufferization.to_buffer %[[VIEW]]
// CHECK: aie.device
// CHECK: "aie.dma"(%[[SOURCE]], %{{.+}}) {{.*}}sizes = array<i64: 8, 2, 4>, src_offsets = array<i64: 0, 4, 0>}
// CHECK: "aie.dma"(%[[SOURCE]], %{{.+}}) {{.*}}sizes = array<i64: 8, 2, 4>, src_offsets = array<i64: 0, 4, 4>}
// CHECK: "aie.generic"
// CHECK: indexing_maps = [#[[HEADS]],
// CHECK-NOT: tensor.extract_slice
// CHECK-LABEL: func.func @unaligned
// CHECK: tensor.extract_slice
// WARN: warning: tensor.extract_slice: host op: bsparse-to-aie has no lowering for tensor.extract_slice
// WARN-NOT: warning
#in = affine_map<(d0, d1, d2) -> (d2, d0, d1)>
#out = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
func.func @split_heads(%x: tensor<8x32xf32>) -> tensor<2x16x8xf32> {
  %zero = arith.constant 0.0 : f32
  %w = arith.constant dense<0.5> : tensor<32x96xf32>
  %e = tensor.empty() : tensor<8x96xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<8x96xf32>) -> tensor<8x96xf32>
  %qkv = linalg.matmul ins(%x, %w : tensor<8x32xf32>, tensor<32x96xf32>) outs(%f : tensor<8x96xf32>) -> tensor<8x96xf32>
  %v = tensor.extract_slice %qkv[0, 64] [8, 32] [1, 1] : tensor<8x96xf32> to tensor<8x32xf32>
  %heads = tensor.expand_shape %v [[0], [1, 2]] output_shape [8, 2, 16] : tensor<8x32xf32> into tensor<8x2x16xf32>
  %t = tensor.empty() : tensor<2x16x8xf32>
  %moved = linalg.generic {indexing_maps = [#in, #out], iterator_types = ["parallel", "parallel", "parallel"]} ins(%heads : tensor<8x2x16xf32>) outs(%t : tensor<2x16x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<2x16x8xf32>
  return %moved : tensor<2x16x8xf32>
}

func.func @unaligned(%x: tensor<8x32xf32>) -> tensor<2x16x8xf32> {
  %zero = arith.constant 0.0 : f32
  %w = arith.constant dense<0.5> : tensor<32x96xf32>
  %e = tensor.empty() : tensor<8x96xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<8x96xf32>) -> tensor<8x96xf32>
  %qkv = linalg.matmul ins(%x, %w : tensor<8x32xf32>, tensor<32x96xf32>) outs(%f : tensor<8x96xf32>) -> tensor<8x96xf32>
  %v = tensor.extract_slice %qkv[0, 5] [8, 32] [1, 1] : tensor<8x96xf32> to tensor<8x32xf32>
  %heads = tensor.expand_shape %v [[0], [1, 2]] output_shape [8, 2, 16] : tensor<8x32xf32> into tensor<8x2x16xf32>
  %t = tensor.empty() : tensor<2x16x8xf32>
  %moved = linalg.generic {indexing_maps = [#in, #out], iterator_types = ["parallel", "parallel", "parallel"]} ins(%heads : tensor<8x2x16xf32>) outs(%t : tensor<2x16x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<2x16x8xf32>
  return %moved : tensor<2x16x8xf32>
}
