// Verifies that bsparse-pack says which constant weights it leaves unpacked and why: a warning at
// the op on stderr, the reason recorded on the op (bsparse.unpacked, which the cost report's host
// ops show); with strict=true each one is a located error; `bsparse compile` on a program where
// nothing is packed is an error naming what was left, not an empty table.
// RUN: bsparse-opt %s -p 'bsparse-pack' 2>%t.err | filecheck %s
// RUN: filecheck %s --check-prefix=WARN < %t.err
// RUN: not bsparse-opt %s -p 'bsparse-pack{strict=true}' 2>&1 | filecheck %s --check-prefix=STRICT
// RUN: not bsparse compile %s --until pack 2>&1 | filecheck %s --check-prefix=EMPTY
// RUN: not bsparse compile %s --until pack --strict 2>&1 | filecheck %s --check-prefix=STRICT

// A depthwise 3-D convolution: no packing for it.
// CHECK-LABEL: func.func @depthwise_conv3d
// CHECK: linalg.depthwise_conv_3d_ndhwc_dhwc {bsparse.unpacked = "bsparse-pack has no packing for linalg.depthwise_conv_3d_ndhwc_dhwc (it packs linalg.matmul, linalg.batch_matmul, {{.*}}linalg.conv_3d_ncdhw_fcdhw{{.*}})"
// WARN: bsparse-pack-unpacked.mlir:{{[0-9]+}}:{{[0-9]+}}: warning: linalg.depthwise_conv_3d_ndhwc_dhwc: weight not packed: bsparse-pack has no packing for linalg.depthwise_conv_3d_ndhwc_dhwc
// STRICT: bsparse-pack-unpacked.mlir:{{[0-9]+}}:{{[0-9]+}}: error: {{.*}}linalg.depthwise_conv_3d_ndhwc_dhwc: weight not packed (strict)
func.func @depthwise_conv3d(%x: tensor<1x4x4x4x2xf32>, %init: tensor<1x2x2x2x2xf32>) -> tensor<1x2x2x2x2xf32> {
  %w = arith.constant dense<1.0> : tensor<3x3x3x2xf32>
  %y = linalg.depthwise_conv_3d_ndhwc_dhwc ins(%x, %w : tensor<1x4x4x4x2xf32>, tensor<3x3x3x2xf32>) outs(%init : tensor<1x2x2x2x2xf32>) -> tensor<1x2x2x2x2xf32>
  return %y : tensor<1x2x2x2x2xf32>
}

// A 3-D transposed convolution (a stride-1 one over a zero-inserted input): not packed, so that its
// MACs do not count the inserted zeros.
// CHECK-LABEL: func.func @conv3d_transpose
// CHECK: linalg.conv_3d_ncdhw_fcdhw {bsparse.unpacked = "its input is zero-inserted (a 3-D transposed convolution)
// WARN: bsparse-pack-unpacked.mlir:{{[0-9]+}}:{{[0-9]+}}: warning: linalg.conv_3d_ncdhw_fcdhw: weight not packed: its input is zero-inserted
func.func @conv3d_transpose(%x: tensor<1x2x2x2x2xf32>, %init: tensor<1x3x3x3x3xf32>) -> tensor<1x3x3x3x3xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x2x5x5x5xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2x5x5x5xf32>) -> tensor<1x2x5x5x5xf32>
  %in = tensor.insert_slice %x into %z[0, 0, 1, 1, 1] [1, 2, 2, 2, 2] [1, 1, 2, 2, 2] : tensor<1x2x2x2x2xf32> into tensor<1x2x5x5x5xf32>
  %w = arith.constant dense<1.0> : tensor<3x2x3x3x3xf32>
  %y = linalg.conv_3d_ncdhw_fcdhw ins(%in, %w : tensor<1x2x5x5x5xf32>, tensor<3x2x3x3x3xf32>) outs(%init : tensor<1x3x3x3x3xf32>) -> tensor<1x3x3x3x3xf32>
  return %y : tensor<1x3x3x3x3xf32>
}

// An f16 weight (here with an f32 accumulator): bsparse packs f32 weights only, for now.
// CHECK-LABEL: func.func @mixed_types
// CHECK: linalg.matmul {bsparse.unpacked = "its weight is f16: bsparse-pack packs f32 weights (bf16 and f16 are not supported yet)"}
// WARN: bsparse-pack-unpacked.mlir:{{[0-9]+}}:{{[0-9]+}}: warning: linalg.matmul: weight not packed: its weight is f16: bsparse-pack packs f32 weights
// STRICT: bsparse-pack-unpacked.mlir:{{[0-9]+}}:{{[0-9]+}}: error: {{.*}}linalg.matmul: weight not packed (strict)
func.func @mixed_types(%x: tensor<2x8xf16>, %init: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %w = arith.constant dense<1.0> : tensor<8x8xf16>
  %y = linalg.matmul ins(%x, %w : tensor<2x8xf16>, tensor<8x8xf16>) outs(%init : tensor<2x8xf32>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// A matmul of f32 operands into an f16 accumulator: not one float type.
// CHECK-LABEL: func.func @mixed_accumulator
// CHECK: linalg.matmul {bsparse.unpacked = "its operands are not of one float type (weight f32)"}
// WARN: warning: linalg.matmul: weight not packed: its operands are not of one float type (weight f32)
func.func @mixed_accumulator(%x: tensor<2x8xf32>, %init: tensor<2x8xf16>) -> tensor<2x8xf16> {
  %w = arith.constant dense<1.0> : tensor<8x8xf32>
  %y = linalg.matmul ins(%x, %w : tensor<2x8xf32>, tensor<8x8xf32>) outs(%init : tensor<2x8xf16>) -> tensor<2x8xf16>
  return %y : tensor<2x8xf16>
}

// A matmul whose right operand is an argument has no constant weight: nothing to say.
// CHECK-LABEL: func.func @activation_matmul
// CHECK: linalg.matmul ins
// CHECK-NOT: bsparse.unpacked
func.func @activation_matmul(%x: tensor<2x8xf32>, %v: tensor<8x8xf32>, %init: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %y = linalg.matmul ins(%x, %v : tensor<2x8xf32>, tensor<8x8xf32>) outs(%init : tensor<2x8xf32>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// EMPTY: error: nothing to compile: no layer was packed; left unpacked:
// EMPTY-NEXT: bsparse-pack-unpacked.mlir:{{[0-9]+}}:{{[0-9]+}}: linalg.depthwise_conv_3d_ndhwc_dhwc: bsparse-pack has no packing
// EMPTY-NEXT: bsparse-pack-unpacked.mlir:{{[0-9]+}}:{{[0-9]+}}: linalg.conv_3d_ncdhw_fcdhw: its input is zero-inserted
// EMPTY-NEXT: bsparse-pack-unpacked.mlir:{{[0-9]+}}:{{[0-9]+}}: linalg.matmul: its weight is f16
// EMPTY-NEXT: bsparse-pack-unpacked.mlir:{{[0-9]+}}:{{[0-9]+}}: linalg.matmul: its operands are not of one float type (weight f32)
