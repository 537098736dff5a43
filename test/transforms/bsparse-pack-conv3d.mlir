// Verifies that bsparse-pack packs a 3-D convolution as one bsparse.conv2d over its input's depth
// windows: a linalg.generic gathers window do of input depths do * 2 + kd (stride 2) into
// [N, Do, C, KD, H, W], collapsed to [N x Do, C x KD, H, W]; the filter is packed as [F, C x KD, KH, KW];
// the height and width padding of the input's tensor.pad is the 2-D convolution's; the result is
// expanded back to [N, Do, F, Ho, Wo] and transposed to NCDHW.
// RUN: bsparse-opt %s -p 'bsparse-pack' | filecheck %s

// CHECK-DAG: #[[GATHER:.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d2, d1 * 2 + d3, d4, d5)>
// CHECK-LABEL: func.func @conv3d
// CHECK-NOT: tensor.pad
// CHECK: %[[W:.+]] = linalg.generic {indexing_maps = [#[[GATHER]], #{{.+}}]{{.*}} ins(%arg0 : tensor<1x8x7x6x6xf32>) outs({{.*}} : tensor<1x3x8x3x6x6xf32>)
// CHECK: %[[X:.+]] = tensor.collapse_shape %[[W]] {{\[\[}}0, 1], [2, 3], [4], [5]] : tensor<1x3x8x3x6x6xf32> into tensor<3x24x6x6xf32>
// CHECK: "bsparse.packed_weight"() {{.*}} -> !bsparse.bsr<array<i64: 16, 24, 3, 3>, array<i64: 8, 8>, f32>
// CHECK: %[[C:.+]] = "bsparse.conv2d"(%[[X]], {{.*}}) {{.*}}padding = array<i64: 1, 1, 1, 1>{{.*}} -> tensor<3x16x6x6xf32>
// CHECK: %[[E:.+]] = tensor.expand_shape %[[C]] {{\[\[}}0, 1], [2], [3], [4]] output_shape [1, 3, 16, 6, 6] : tensor<3x16x6x6xf32> into tensor<1x3x16x6x6xf32>
// CHECK: linalg.transpose ins(%[[E]] : tensor<1x3x16x6x6xf32>) {{.*}} permutation = [0, 2, 1, 3, 4]
// CHECK-NOT: linalg.conv_3d
func.func @conv3d(%x: tensor<1x8x7x6x6xf32>) -> tensor<1x16x3x6x6xf32> {
  %zero = arith.constant 0.0 : f32
  %padded = tensor.pad %x low[0, 0, 0, 1, 1] high[0, 0, 0, 1, 1] {
  ^bb0(%a: index, %b: index, %c: index, %d: index, %e: index):
    tensor.yield %zero : f32
  } : tensor<1x8x7x6x6xf32> to tensor<1x8x7x8x8xf32>
  %w = arith.constant dense<0.5> : tensor<16x8x3x3x3xf32>
  %empty = tensor.empty() : tensor<1x16x3x6x6xf32>
  %init = linalg.fill ins(%zero : f32) outs(%empty : tensor<1x16x3x6x6xf32>) -> tensor<1x16x3x6x6xf32>
  %y = linalg.conv_3d_ncdhw_fcdhw {dilations = dense<1> : vector<3xi64>, strides = dense<[2, 1, 1]> : vector<3xi64>}
         ins(%padded, %w : tensor<1x8x7x8x8xf32>, tensor<16x8x3x3x3xf32>) outs(%init : tensor<1x16x3x6x6xf32>) -> tensor<1x16x3x6x6xf32>
  return %y : tensor<1x16x3x6x6xf32>
}
