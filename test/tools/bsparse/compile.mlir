// Verifies `bsparse compile`: an .mlir file goes through bsparse-compile up to
// --until and prints its packed layers (or writes a stage's IR with --emit / -o);
// a model name is also compiled, run on its example input and reported;
// bad arguments exit 1 with one `error:` line.
// RUN: bsparse compile %s --until pack --pattern block:4x4 | filecheck %s --check-prefix=TABLE
// RUN: bsparse compile %s --until pack --pattern block:4x4 --sparsity 0.5 --json | filecheck %s --check-prefix=JSON
// RUN: bsparse compile %s --until partition --pattern block:4x4 --emit packed | filecheck %s --check-prefix=EMIT
// RUN: bsparse compile %s --pattern block:4x4 --target aie2-2x2 -o %t.aie.mlir | filecheck %s --check-prefix=TABLE
// RUN: filecheck %s --check-prefix=AIE < %t.aie.mlir
// RUN: bsparse compile %s -p 'builtin.module(bsparse-pack{block=4x4})' | filecheck %s --check-prefix=TABLE
// RUN: not bsparse compile %s --until pack --emit aie 2>&1 | filecheck %s --check-prefix=EMIT-LATE
// RUN: not bsparse compile %s --sparsity 2 2>&1 | filecheck %s --check-prefix=SPARSITY
// RUN: not bsparse compile %s --target nope 2>&1 | filecheck %s --check-prefix=TARGET
// RUN: not bsparse compile %s --until pack --sparsity 0.5 --keep nope 2>&1 | filecheck %s --check-prefix=KEEP
// RUN: not bsparse compile %s --until pack --keep fc 2>&1 | filecheck %s --check-prefix=KEEP-NONE
// RUN: not bsparse compile %s --until everything 2>&1 | filecheck %s --check-prefix=UNTIL
// RUN: not bsparse compile %t.missing.mlir 2>&1 | filecheck %s --check-prefix=MISSING

// TABLE:      layer  weight  block  blocks  density
// TABLE-NEXT: -----
// TABLE-NEXT: fc       8x8    4x4     4/4    1.000
// TABLE:      1 packed weights: 64 of 64 elements stored (1.000x)

// JSON:      "name": "fc"
// JSON:      "stored_blocks": 2,
// JSON-NEXT: "total_blocks": 4,

// EMIT: "bsparse.packed_weight"
// EMIT-NOT: bsparse.partition

// AIE: "aie.device"
// AIE-NOT: "bsparse.matmul"

// EMIT-LATE: error: stage 'aie' did not run (ran: linalg, packed); compile further with --until
// SPARSITY: error: invalid value for option 'sparsity' of pipeline 'bsparse-compile': 2 is not in [0, 1)
// TARGET: error: invalid value for option 'target' of pipeline 'bsparse-compile': unknown target 'nope'
// KEEP-NOT: Traceback
// KEEP: error: stage 'sparsify' failed:
// KEEP-NEXT: error: bsparse-sparsify: keep names unknown layer(s) nope (layers: fc)
// KEEP-NEXT: reproduce with: bsparse-opt -p 'builtin.module(bsparse-sparsify{{.*}}keep=nope{{.*}})' {{.*}}.mlir
// KEEP-NONE: error: pipeline 'bsparse-compile': keep= has no effect with sparsity=none (nothing is pruned)
// UNTIL: error: argument --until: invalid choice: 'everything'
// MISSING: error: cannot open input file '{{.*}}missing.mlir': No such file or directory

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
