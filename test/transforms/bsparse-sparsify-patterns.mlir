// Verifies that bsparse-sparsify prunes to the non-block patterns on the
// logical weight [out, in, *window] (K ordered (*window, in) for N:M), that
// bsparse-pack{pattern=...} then packs the result in the pattern's format, and
// that options a pattern cannot take are option errors.
// RUN: bsparse-opt %s -p 'builtin.module(bsparse-sparsify{pattern=nm:2:4 sparsity=0.5})' --split-input-file | filecheck %s --check-prefix=NM
// RUN: bsparse-opt %s -p 'builtin.module(bsparse-sparsify{pattern=nm:2:4},bsparse-pack{pattern=nm:2:4})' --split-input-file | filecheck %s --check-prefix=PACK
// RUN: bsparse-opt %s -p 'builtin.module(bsparse-sparsify{pattern=unstructured sparsity=0.25})' --split-input-file | filecheck %s --check-prefix=UNST
// RUN: not bsparse-opt %s -p 'bsparse-sparsify{pattern=nm:2:4 sparsity=0.75}' --split-input-file 2>&1 | filecheck %s --check-prefix=NMBAD
// RUN: not bsparse-opt %s -p 'bsparse-sparsify{pattern=gs:8 scope=global}' --split-input-file 2>&1 | filecheck %s --check-prefix=GSBAD
// RUN: not bsparse-opt %s -p 'bsparse-sparsify{pattern=tvw:8 sparsity=0.25}' --split-input-file 2>&1 | filecheck %s --check-prefix=TVWBAD
// RUN: not bsparse-opt %s -p 'bsparse-sparsify{pattern=nm:5:4}' --split-input-file 2>&1 | filecheck %s --check-prefix=PARSE

// NMBAD: error: pass 'bsparse-sparsify': nm:2:4 has sparsity 0.5; use nm:1:4 for 0.75
// NMBAD-NOT: Traceback
// GSBAD: error: pass 'bsparse-sparsify': gs:8 cannot prune with scope=global
// TVWBAD: error: pass 'bsparse-sparsify': tvw needs sparsity >= 0.5
// PARSE: error: invalid value for option 'pattern' of pass 'bsparse-sparsify': nm pattern needs 1 <= N <= M, got nm:5:4

// B is [K = 8, N = 2]; the logical weight is W = B^T [out 2, in 8]:
//   W row 0 = [1, -5, 3, 2 | 0.5, 4, -6, 1]  -> 2:4 keeps -5, 3 | 4, -6
//   W row 1 = [7, 1, 2, -8 | 2, 1, 2, 2]      -> 2:4 keeps 7, -8 | the last two 2s (ties: the earlier is pruned first)
// so W' row 0 = [0, -5, 3, 0, 0, 4, -6, 0], row 1 = [7, 0, 0, -8, 0, 0, 2, 2], stored back as B' = W'^T.
// NM-LABEL: func.func @matmul
// NM: arith.constant dense<{{\[}}[0.000000e+00, 7.000000e+00], [-5.000000e+00, 0.000000e+00], [3.000000e+00, 0.000000e+00], [0.000000e+00, -8.000000e+00], [0.000000e+00, 0.000000e+00], [4.000000e+00, 0.000000e+00], [-6.000000e+00, 2.000000e+00], [0.000000e+00, 2.000000e+00]]> : tensor<8x2xf32>
// Packed as nm:2:4: values row by row in position order; one mask bit per K position, little-endian:
// row 0 keeps k = 1, 2, 5, 6 -> 0b01100110 = 102; row 1 keeps k = 0, 3, 6, 7 -> 0b11001001 = 201 = -55 as i8.
// PACK-LABEL: func.func @matmul
// PACK: "bsparse.packed_sparse"() {index = {mask = dense<[102, -55]> : tensor<2xi8>}, values = dense<[-5.000000e+00, 3.000000e+00, 4.000000e+00, -6.000000e+00, 7.000000e+00, -8.000000e+00, 2.000000e+00, 2.000000e+00]> : tensor<8xf32>} : () -> !bsparse.sparse<array<i64: 2, 8>, "nm:2:4", f32>
// PACK: bsparse.matmul
// Unstructured at 0.25 zeroes round(0.25 * 16) = 4 smallest |w| of W, ties by position in W (row-major [out, in]):
// 0.5 (row 0, k 4), then three of the four 1s: row 0 k 0, row 0 k 7, row 1 k 1; row 1 k 5 (a 1 too) is kept.
// (Ranked in B's own order, row 1 k 5 would go before row 0 k 7.)
// UNST-LABEL: func.func @matmul
// UNST: arith.constant dense<{{\[}}[0.000000e+00, 7.000000e+00], [-5.000000e+00, 0.000000e+00], [3.000000e+00, 2.000000e+00], [2.000000e+00, -8.000000e+00], [0.000000e+00, 2.000000e+00], [4.000000e+00, 1.000000e+00], [-6.000000e+00, 2.000000e+00], [0.000000e+00, 2.000000e+00]]> : tensor<8x2xf32>
func.func @matmul(%x: tensor<3x8xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<[[1.0, 7.0], [-5.0, 1.0], [3.0, 2.0], [2.0, -8.0], [0.5, 2.0], [4.0, 1.0], [-6.0, 2.0], [1.0, 2.0]]> : tensor<8x2xf32>
  %z = arith.constant dense<0.0> : tensor<3x2xf32>
  %y = linalg.matmul ins(%x, %w : tensor<3x8xf32>, tensor<8x2xf32>) outs(%z : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// A 2x2 convolution filter [out 1, in 2, 2, 2]: channel 0 taps [1, 2, 3, 4], channel 1 taps [8, 7, 6, 5].
// K is ordered (tap, channel): [1, 8, 2, 7 | 3, 6, 4, 5], so 2:4 keeps 8, 7 | 6, 5: all of channel 1, none
// of channel 0. (Ordered (channel, tap), it would keep 3, 4 | 8, 7 instead.)
// NM-LABEL: func.func @conv
// NM: arith.constant dense<{{\[}}[{{\[}}[0.000000e+00, 0.000000e+00], [0.000000e+00, 0.000000e+00]], {{\[}}[8.000000e+00, 7.000000e+00], [6.000000e+00, 5.000000e+00]]]]> : tensor<1x2x2x2xf32>
func.func @conv(%x: tensor<1x2x3x3xf32>) -> tensor<1x1x2x2xf32> {
  %w = arith.constant dense<[[[[1.0, 2.0], [3.0, 4.0]], [[8.0, 7.0], [6.0, 5.0]]]]> : tensor<1x2x2x2xf32>
  %z = arith.constant dense<0.0> : tensor<1x1x2x2xf32>
  %y = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x2x3x3xf32>, tensor<1x2x2x2xf32>) outs(%z : tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32>
  return %y : tensor<1x1x2x2xf32>
}
