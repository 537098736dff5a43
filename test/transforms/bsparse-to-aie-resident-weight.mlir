// Verifies that a packed weight read by two layers (one Linear called twice, a recurrent weight over
// two time steps) is staged once in the memory tiles (memory space 2) before its first user and that
// both devices read it there: no second copy, no L2 staging of it inside either device.
// A target without memory tiles (AIE1) keeps it in DDR.
// RUN: bsparse-opt %s -p 'builtin.module(bsparse-pack,bsparse-to-aie{target=aie2-2x2})' | filecheck %s
// RUN: bsparse-opt %s -p 'builtin.module(bsparse-pack,bsparse-to-aie{target=aie1-vc1902})' | filecheck %s --check-prefix=AIE1

// CHECK-LABEL: func.func @twice
// CHECK-NOT: to memref<2x8x8xf32>
// CHECK: %[[W0:.*]] = bufferization.to_buffer %{{.*}} read_only : tensor<2x8x8xf32> to memref<2x8x8xf32, 2>
// CHECK: %[[W1:.*]] = bufferization.to_buffer %{{.*}} read_only : tensor<2x8x8xf32> to memref<2x8x8xf32, 2>
// CHECK-NOT: to memref<2x8x8xf32
// CHECK: aie.device
// CHECK-NOT: level = "L2"{{.*}}memref<2x8x8xf32>
// CHECK: "aie.dma"(%[[W0]],
// CHECK: "aie.dma"(%[[W1]],
// CHECK-NOT: to memref<2x8x8xf32
// CHECK: aie.device
// CHECK-NOT: level = "L2"{{.*}}memref<2x8x8xf32>
// CHECK: "aie.dma"(%[[W0]],
// CHECK: "aie.dma"(%[[W1]],
// CHECK: return
// AIE1-LABEL: func.func @twice
// AIE1-NOT: memref<2x8x8xf32, 2>
// AIE1: return
func.func @twice(%x: tensor<4x16xf32>) -> tensor<4x16xf32> {
  %zero = arith.constant 0.0 : f32
  %w = arith.constant dense<0.25> : tensor<16x16xf32>
  %e = tensor.empty() : tensor<4x16xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<4x16xf32>) -> tensor<4x16xf32>
  %y = linalg.matmul ins(%x, %w : tensor<4x16xf32>, tensor<16x16xf32>) outs(%f : tensor<4x16xf32>) -> tensor<4x16xf32>
  %z = linalg.matmul ins(%y, %w : tensor<4x16xf32>, tensor<16x16xf32>) outs(%f : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %z : tensor<4x16xf32>
}
