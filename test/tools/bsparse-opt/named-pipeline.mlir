// Verifies that the named pipeline bsparse-compile{...} expands, stage by stage up to
// until=, to bsparse-sparsify, bsparse-pack, canonicalize, cse, bsparse-partition,
// bsparse-fuse-elementwise and bsparse-to-aie with its options forwarded, and that bad options are reported.
// RUN: bsparse-opt %s -p 'bsparse-compile{until=pack pattern=block:4x4}' | filecheck %s --check-prefix=PACK
// RUN: bsparse-opt %s -p 'bsparse-compile{until=pack pattern=block:4x4}' -o %t.named
// RUN: bsparse-opt %s -p 'bsparse-sparsify{pattern=block:4x4 sparsity=0.5 scope=layer keep-small=true},bsparse-pack{block=4x4},canonicalize,cse' -o %t.explicit
// RUN: diff %t.named %t.explicit
// RUN: bsparse-opt %s -p 'bsparse-compile{until=pack pattern=block:4x4}' --mlir-print-ir-after-all -o %t.ignored 2>&1 | filecheck %s --check-prefix=PASSES
// RUN: bsparse-opt %s -p 'bsparse-compile{until=pack sparsity=none pattern=block:4x4}' --mlir-print-ir-after-all 2>&1 | filecheck %s --check-prefix=NONE
// RUN: bsparse-opt %s -p 'builtin.module(bsparse-compile{until=partition pattern=block:4x4 target=aie2-2x2 keep=fc})' | filecheck %s --check-prefix=PARTITION
// RUN: bsparse-opt %s -p 'bsparse-compile{until=sparsify pattern=block:4x4 sparsity=0.5}' | filecheck %s --check-prefix=SPARSIFY
// RUN: bsparse-opt %s -p 'bsparse-compile{pattern=block:4x4 target=aie2-2x2}' --mlir-print-ir-after-all 2>&1 | filecheck %s --check-prefix=AIE
// RUN: bsparse-opt --help | filecheck %s --check-prefix=HELP

// RUN: not bsparse-opt %s -p 'bsparse-compile{sparsity=0.5 size=4}' 2>&1 | filecheck %s --check-prefix=UNKNOWN
// RUN: not bsparse-opt %s -p 'bsparse-compile{sparsity=1.5}' 2>&1 | filecheck %s --check-prefix=SPARSITY
// RUN: not bsparse-opt %s -p 'bsparse-compile{pattern=block:0x8}' 2>&1 | filecheck %s --check-prefix=PATTERN
// RUN: not bsparse-opt %s -p 'bsparse-compile{target=nope}' 2>&1 | filecheck %s --check-prefix=TARGET
// RUN: not bsparse-opt %s -p 'bsparse-compile{dtype=i4}' 2>&1 | filecheck %s --check-prefix=DTYPE
// RUN: not bsparse-opt %s -p 'bsparse-compile{until=everything}' 2>&1 | filecheck %s --check-prefix=UNTIL
// RUN: not bsparse-opt %s -p 'bsparse-compile{keep-small=maybe}' 2>&1 | filecheck %s --check-prefix=BOOL
// RUN: not bsparse-opt %s -p 'func.func(bsparse-compile)' 2>&1 | filecheck %s --check-prefix=NESTED
// RUN: not bsparse-opt %s -p 'bsparse-compile{until=pack keep=nope}' 2>&1 | filecheck %s --check-prefix=KEEP

// HELP: bsparse pipelines
// HELP-NEXT: bsparse-compile {{ *}}the whole chain
// HELP-NEXT: expands to: bsparse-sparsify, bsparse-pack, canonicalize, cse, bsparse-partition, bsparse-fuse-elementwise, bsparse-to-aie
// HELP-NEXT: pattern= {{ *}}sparsity pattern: block:RxC, unstructured, nm:N:M, tw:G, tvw:G or gs:B (default: block:8x8)
// HELP-NEXT: sparsity=
// HELP-NEXT: scope=
// HELP-NEXT: keep=
// HELP-NEXT: keep-small=
// HELP-NEXT: target= {{.*}}(default: aie2-ve2802)
// HELP-NEXT: assign= {{.*}}(any|ranges) (default: any)
// HELP-NEXT: dtype= {{.*}}(default: i8)
// HELP-NEXT: strict= {{ *}}a constant weight left unpacked, or an op left on the host, is an error, not a warning (default: false)
// HELP-NEXT: until= {{ *}}last stage to run (sparsify|pack|partition|aie) (default: aie)

// The [K, N] = [8, 8] weight's logical [N, K] 4x4 blocks have values 1 (0,0),
// 2 (1,0), 3 (0,1) and 4 (1,1): sparsity 0.5 keeps the blocks in column 1.
// PACK-LABEL: func.func @fc
// PACK: "bsparse.packed_weight"() {col_idx = dense<1> : tensor<2xi64>, row_ptr = dense<[0, 1, 2]> : tensor<3xi64>, values = dense<{{.*}}> : tensor<2x4x4xf32>}
// PACK-SAME: -> !bsparse.bsr<array<i64: 8, 8>, array<i64: 4, 4>, f32>
// PACK: "bsparse.matmul"
// PACK-NOT: linalg.matmul

// PASSES: IR Dump After bsparse-sparsify
// PASSES-NEXT: module
// PASSES: IR Dump After bsparse-pack
// PASSES: IR Dump After CanonicalizerPass
// PASSES: IR Dump After CSEPass
// PASSES-NOT: IR Dump After

// sparsity=none: no bsparse-sparsify; every block stays.
// NONE-NOT: IR Dump After bsparse-sparsify
// NONE: IR Dump After bsparse-pack
// NONE: "bsparse.packed_weight"() {col_idx = dense<[0, 1, 0, 1]> : tensor<4xi64>, row_ptr = dense<[0, 2, 4]> : tensor<3xi64>

// keep=fc keeps the layer dense; the partition is made for the target given.
// PARTITION-LABEL: func.func @fc
// PARTITION: "bsparse.packed_weight"() {col_idx = dense<[0, 1, 0, 1]> : tensor<4xi64>
// PARTITION: "bsparse.matmul"({{.*}}bsparse.partition = {{{.*}}target = "aie2-2x2"}

// SPARSIFY-LABEL: func.func @fc
// SPARSIFY: arith.constant dense<{{.*}}0.000000e+00{{.*}}> : tensor<8x8xf32>
// SPARSIFY: linalg.matmul
// SPARSIFY-NOT: bsparse.

// The default runs every stage, down to the aie dialect.
// AIE: IR Dump After bsparse-sparsify
// AIE: IR Dump After bsparse-pack
// AIE: IR Dump After CanonicalizerPass
// AIE: IR Dump After CSEPass
// AIE: IR Dump After bsparse-partition
// AIE: IR Dump After bsparse-fuse-elementwise
// AIE: IR Dump After bsparse-to-aie
// AIE: "aie.device"
// AIE-NOT: "bsparse.matmul"

// UNKNOWN: error: pipeline 'bsparse-compile' has no option 'size' (options: pattern, sparsity, scope, keep, keep-small, target, assign, dtype, strict, until)
// SPARSITY: error: invalid value for option 'sparsity' of pipeline 'bsparse-compile': 1.5 is not in [0, 1)
// PATTERN: error: invalid value for option 'pattern' of pipeline 'bsparse-compile': block shape must be positive, got 0x8
// TARGET: error: invalid value for option 'target' of pipeline 'bsparse-compile': unknown target 'nope'; known targets:
// DTYPE: error: invalid value for option 'dtype' of pipeline 'bsparse-compile': unknown data type 'i4' (known: i8, i16, bf16, f32)
// UNTIL: error: invalid value for option 'until' of pipeline 'bsparse-compile': expected one of sparsify, pack, partition, aie, got 'everything'
// BOOL: error: invalid value for option 'keep-small' of pipeline 'bsparse-compile': expected true or false, got 'maybe'
// NESTED: error: bsparse pass 'bsparse-compile' runs on builtin.module; move it out of 'func.func(...)'
// KEEP: error: bsparse-sparsify: keep names unknown layer(s) nope (layers: fc)

func.func @fc(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %w = arith.constant dense<[
    [1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 2.0],
    [1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 2.0],
    [1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 2.0],
    [1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 2.0],
    [3.0, 3.0, 3.0, 3.0, 4.0, 4.0, 4.0, 4.0],
    [3.0, 3.0, 3.0, 3.0, 4.0, 4.0, 4.0, 4.0],
    [3.0, 3.0, 3.0, 3.0, 4.0, 4.0, 4.0, 4.0],
    [3.0, 3.0, 3.0, 3.0, 4.0, 4.0, 4.0, 4.0]]> : tensor<8x8xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x8xf32>
  %i = linalg.fill ins(%zero : f32) outs(%e : tensor<2x8xf32>) -> tensor<2x8xf32>
  %y = linalg.matmul ins(%x, %w : tensor<2x8xf32>, tensor<8x8xf32>) outs(%i : tensor<2x8xf32>) -> tensor<2x8xf32> loc("fc")
  return %y : tensor<2x8xf32>
}
