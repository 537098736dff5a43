// Verifies that bsparse-fold-constants evaluates small linalg ops whose inputs
// are constants (batch-norm parameters) and leaves ops on activations alone,
// and that bsparse-pack, which includes the folding, then absorbs the batch
// norm into the convolution.
// RUN: bsparse-opt %s -p bsparse-fold-constants --split-input-file | filecheck %s
// RUN: bsparse-opt %s -p bsparse-pack --split-input-file | filecheck %s --check-prefix=PACK

#map = affine_map<(d0) -> (d0)>
// CHECK-LABEL: func.func @rsqrt_of_variance
// CHECK: %[[C:.*]] = arith.constant dense<[5.000000e-01, 2.500000e-01]> : tensor<2xf32>
// CHECK-NOT: linalg.generic
// CHECK: return %[[C]]
func.func @rsqrt_of_variance() -> tensor<2xf32> {
  %var = arith.constant dense<[4.0, 16.0]> : tensor<2xf32>
  %eps = arith.constant 0.0 : f32
  %init = tensor.empty() : tensor<2xf32>
  %r = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel"]} ins(%var : tensor<2xf32>) outs(%init : tensor<2xf32>) {
  ^bb0(%v: f32, %o: f32):
    %s = arith.addf %v, %eps : f32
    %q = math.rsqrt %s : f32
    linalg.yield %q : f32
  } -> tensor<2xf32>
  return %r : tensor<2xf32>
}

// -----

#map = affine_map<(d0) -> (d0)>
// An op on an activation is not folded.
// CHECK-LABEL: func.func @activation_stays
// CHECK: linalg.generic
func.func @activation_stays(%x: tensor<2xf32>) -> tensor<2xf32> {
  %init = tensor.empty() : tensor<2xf32>
  %r = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel"]} ins(%x : tensor<2xf32>) outs(%init : tensor<2xf32>) {
  ^bb0(%v: f32, %o: f32):
    %q = math.rsqrt %v : f32
    linalg.yield %q : f32
  } -> tensor<2xf32>
  return %r : tensor<2xf32>
}

// -----

#c = affine_map<(d0, d1, d2, d3) -> (d1)>
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#v = affine_map<(d0) -> (d0)>
// A conv followed by x * rsqrt(var) with var constant: the scale is folded to a
// constant, then into the packed weight; no linalg op is left.
// PACK-LABEL: func.func @batch_norm_scale
// PACK: "bsparse.packed_weight"() {{.*}}values = dense<5.000000e-01> : tensor<1x8x8x1x1xf32>
// PACK: "bsparse.conv2d"
// PACK-NOT: linalg.
// PACK: return
func.func @batch_norm_scale(%x: tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32> {
  %w = arith.constant dense<1.0> : tensor<8x8x1x1xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x8x4x4xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32>
  %y = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x8x4x4xf32>, tensor<8x8x1x1xf32>) outs(%acc : tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32>
  %var = arith.constant dense<4.0> : tensor<8xf32>
  %ve = tensor.empty() : tensor<8xf32>
  %scale = linalg.generic {indexing_maps = [#v, #v], iterator_types = ["parallel"]} ins(%var : tensor<8xf32>) outs(%ve : tensor<8xf32>) {
  ^bb0(%v: f32, %o: f32):
    %q = math.rsqrt %v : f32
    linalg.yield %q : f32
  } -> tensor<8xf32>
  %z = linalg.generic {indexing_maps = [#id, #c, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%y, %scale : tensor<1x8x4x4xf32>, tensor<8xf32>) outs(%e : tensor<1x8x4x4xf32>) {
  ^bb0(%a: f32, %s: f32, %o: f32):
    %m = arith.mulf %a, %s : f32
    linalg.yield %m : f32
  } -> tensor<1x8x4x4xf32>
  return %z : tensor<1x8x4x4xf32>
}
