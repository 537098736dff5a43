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

// -----

#id2 = affine_map<(d0, d1) -> (d0, d1)>
// A large constant cut to a small slice (GPT-2's causal mask, converted to i1, cut to the sequence):
// the conversion and both slices fold, each the one use of its source, so the IR only shrinks.
// CHECK-LABEL: func.func @mask_cut_to_the_sequence
// CHECK: %[[M:.*]] = arith.constant dense<true> : tensor<8x8xi1>
// CHECK-NOT: linalg.generic
// CHECK-NOT: tensor.extract_slice
// CHECK: return %[[M]]
func.func @mask_cut_to_the_sequence() -> tensor<8x8xi1> {
  %c = arith.constant dense<1> : tensor<512x512xi8>
  %init = tensor.empty() : tensor<512x512xi1>
  %m = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%c : tensor<512x512xi8>) outs(%init : tensor<512x512xi1>) {
  ^bb0(%v: i8, %o: i1):
    %t = arith.trunci %v : i8 to i1
    linalg.yield %t : i1
  } -> tensor<512x512xi1>
  %rows = tensor.extract_slice %m[0, 0] [8, 512] [1, 1] : tensor<512x512xi1> to tensor<8x512xi1>
  %s = tensor.extract_slice %rows[0, 0] [8, 8] [1, 1] : tensor<8x512xi1> to tensor<8x8xi1>
  return %s : tensor<8x8xi1>
}
