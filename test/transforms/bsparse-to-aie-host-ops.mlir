// Verifies that bsparse-to-aie puts an elementwise op on the array (an aie.device of aie.generic
// kernels) and says which ops it leaves on the host and why: a located warning per op (an op
// bsparse-pack left unpacked was already reported there and is not repeated); with strict=true each
// is a located error and the pass fails.
// RUN: bsparse-opt %s -p 'builtin.module(bsparse-pack,bsparse-to-aie{target=aie2-2x2})' 2>%t.err | filecheck %s
// RUN: filecheck %s --check-prefix=WARN < %t.err
// RUN: not bsparse-opt %s -p 'builtin.module(bsparse-pack,bsparse-to-aie{target=aie2-2x2 strict=true})' 2>&1 | filecheck %s --check-prefix=STRICT

// CHECK: aie.device
// CHECK: aie.device
// CHECK: "aie.generic"
// CHECK: math.exp
// CHECK: "aie.yield"
// CHECK: linalg.generic
// CHECK-SAME: bsparse.host = "operand 0 is read through a map a DMA cannot stream
// WARN: bsparse-to-aie-host-ops.mlir:{{[0-9]+}}:8: warning: linalg.generic: host op: bsparse-to-aie cannot put it on the array: operand 0 is read through a map a DMA cannot stream
// WARN-NOT: warning
// STRICT: bsparse-to-aie-host-ops.mlir:{{[0-9]+}}:8: error: {{.*}}linalg.generic: host op (strict): bsparse-to-aie cannot put it on the array
#id = affine_map<(d0, d1) -> (d0, d1)>
#half = affine_map<(d0, d1) -> (d0 floordiv 2, d1)>
func.func @matmul_then_exp(%x: tensor<8x16xf32>) -> tensor<16x16xf32> {
  %zero = arith.constant 0.0 : f32
  %w = arith.constant dense<0.5> : tensor<16x16xf32>
  %e = tensor.empty() : tensor<8x16xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<8x16xf32>) -> tensor<8x16xf32>
  %y = linalg.matmul ins(%x, %w : tensor<8x16xf32>, tensor<16x16xf32>) outs(%f : tensor<8x16xf32>) -> tensor<8x16xf32>
  %z = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%y : tensor<8x16xf32>) outs(%e : tensor<8x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %v = math.exp %in : f32
    linalg.yield %v : f32
  } -> tensor<8x16xf32>
  %e2 = tensor.empty() : tensor<16x16xf32>
  %u = linalg.generic {indexing_maps = [#half, #id], iterator_types = ["parallel", "parallel"]} ins(%z : tensor<8x16xf32>) outs(%e2 : tensor<16x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<16x16xf32>
  return %u : tensor<16x16xf32>
}
