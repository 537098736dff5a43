// Verifies that bsparse-pack packs a transposed convolution as torch-mlir lowers it (a stride-1
// convolution over the input with zeros inserted, its filter gathered from PyTorch's weight with
// channels swapped and taps reversed) as one bsparse.conv2d per output phase over the real inputs,
// interleaved by strided tensor.insert_slice, with the relu after it folded into every phase.
// RUN: bsparse-opt %s -p 'bsparse-pack' | filecheck %s

// ConvTranspose2d(2, 3, 3, stride=2, padding=1, output_padding=1) on 4x4, then relu: output 8x8.
// Rows: even outputs use tap 1 only, odd outputs taps 0 and 2 (the last one reads past the input:
// pad 1 at the bottom); likewise the columns. Four phases of 4x4 outputs with 1x1, 1x2, 2x1 and 2x2
// sub-kernels: 9 taps in all, where the zero-inserted input costs 4 x 9.
// CHECK-LABEL: func.func @conv_transpose
// CHECK-NOT: linalg.conv
// CHECK-NOT: linalg.generic
// CHECK-DAG: "bsparse.conv2d"(%arg0, %{{.*}}, %{{.*}}) {activation = "relu", {{.*}}padding = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, !bsparse.bsr<array<i64: 3, 2, 1, 1>, {{.*}}) -> tensor<1x3x4x4xf32>
// CHECK-DAG: "bsparse.conv2d"(%arg0, %{{.*}}, %{{.*}}) {activation = "relu", {{.*}}padding = array<i64: 0, 0, 0, 1>, strides = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, !bsparse.bsr<array<i64: 3, 2, 1, 2>, {{.*}}) -> tensor<1x3x4x4xf32>
// CHECK-DAG: "bsparse.conv2d"(%arg0, %{{.*}}, %{{.*}}) {activation = "relu", {{.*}}padding = array<i64: 0, 0, 1, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, !bsparse.bsr<array<i64: 3, 2, 2, 1>, {{.*}}) -> tensor<1x3x4x4xf32>
// CHECK-DAG: "bsparse.conv2d"(%arg0, %{{.*}}, %{{.*}}) {activation = "relu", {{.*}}padding = array<i64: 0, 0, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, !bsparse.bsr<array<i64: 3, 2, 2, 2>, {{.*}}) -> tensor<1x3x4x4xf32>
// CHECK-DAG: tensor.insert_slice %{{.*}} into %{{.*}}[0, 0, 0, 0] [1, 3, 4, 4] [1, 1, 2, 2] {bsparse.phase}
// CHECK-DAG: tensor.insert_slice %{{.*}} into %{{.*}}[0, 0, 0, 1] [1, 3, 4, 4] [1, 1, 2, 2] {bsparse.phase}
// CHECK-DAG: tensor.insert_slice %{{.*}} into %{{.*}}[0, 0, 1, 0] [1, 3, 4, 4] [1, 1, 2, 2] {bsparse.phase}
// CHECK-DAG: tensor.insert_slice %{{.*}} into %{{.*}}[0, 0, 1, 1] [1, 3, 4, 4] [1, 1, 2, 2] {bsparse.phase}
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @conv_transpose(%x: tensor<1x2x4x4xf32>) -> tensor<1x3x8x8xf32> {
  %zero = arith.constant 0.0 : f32
  %c2 = arith.constant 2 : index
  %w = arith.constant dense<[[[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]], [[1.0, 0.0, 1.0], [0.0, 1.0, 0.0], [1.0, 0.0, 1.0]], [[-1.0, 2.0, -3.0], [4.0, -5.0, 6.0], [-7.0, 8.0, -9.0]]], [[[0.5, 0.5, 0.5], [0.5, 0.5, 0.5], [0.5, 0.5, 0.5]], [[2.0, 1.0, 0.0], [1.0, 0.0, -1.0], [0.0, -1.0, -2.0]], [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]]]> : tensor<2x3x3x3xf32>
  %bias = arith.constant dense<[0.1, -0.2, 0.3]> : tensor<3xf32>
  %e = tensor.empty() : tensor<3x2x3x3xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2x3x3xf32>) -> tensor<3x2x3x3xf32>
  %filter = linalg.generic {indexing_maps = [#id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} outs(%f : tensor<3x2x3x3xf32>) {
  ^bb0(%out: f32):
    %i0 = linalg.index 0 : index
    %i1 = linalg.index 1 : index
    %i2 = linalg.index 2 : index
    %i3 = linalg.index 3 : index
    %r2 = arith.subi %c2, %i2 : index
    %r3 = arith.subi %c2, %i3 : index
    %v = tensor.extract %w[%i1, %i0, %r2, %r3] : tensor<2x3x3x3xf32>
    linalg.yield %v : f32
  } -> tensor<3x2x3x3xf32>
  %ze = tensor.empty() : tensor<1x2x10x10xf32>
  %zf = linalg.fill ins(%zero : f32) outs(%ze : tensor<1x2x10x10xf32>) -> tensor<1x2x10x10xf32>
  %inserted = tensor.insert_slice %x into %zf[0, 0, 1, 1] [1, 2, 4, 4] [1, 1, 2, 2] : tensor<1x2x4x4xf32> into tensor<1x2x10x10xf32>
  %oe = tensor.empty() : tensor<1x3x8x8xf32>
  %b = linalg.broadcast ins(%bias : tensor<3xf32>) outs(%oe : tensor<1x3x8x8xf32>) dimensions = [0, 2, 3]
  %y = linalg.conv_2d_nchw_fchw {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>} ins(%inserted, %filter : tensor<1x2x10x10xf32>, tensor<3x2x3x3xf32>) outs(%b : tensor<1x3x8x8xf32>) -> tensor<1x3x8x8xf32>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%y : tensor<1x3x8x8xf32>) outs(%oe : tensor<1x3x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %c = arith.cmpf ugt, %in, %zero : f32
    %s = arith.select %c, %in, %zero : f32
    linalg.yield %s : f32
  } -> tensor<1x3x8x8xf32>
  return %r : tensor<1x3x8x8xf32>
}
