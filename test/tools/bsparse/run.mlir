// Verifies `bsparse run`: it interprets a linalg program on .npy inputs, saves
// the outputs (result0, ...) and the report JSON, prints the per-layer table,
// and reports bad inputs as one `error:` line with exit code 1.
// RUN: %python -c "import numpy as np; np.save('%t.x.npy', np.ones((2, 16), np.float32))"
// RUN: %python -c "import numpy as np; np.save('%t.wide.npy', np.ones((2, 17), np.float32))"
// RUN: %python -c "import numpy as np; np.save('%t.f64.npy', np.ones((2, 16)))"
// RUN: bsparse run %s --input %t.x.npy --output %t.out.npz --report %t.report.json | filecheck %s --check-prefix=TABLE
// RUN: %python -c "import numpy as np; r = np.load('%t.out.npz'); print(sorted(r.files), r['result0'].shape, r['result0'][0, :3], r['result1'])" | filecheck %s --check-prefix=OUTPUTS
// RUN: filecheck %s --check-prefix=JSON < %t.report.json
// RUN: bsparse run %s --input %t.x.npy --quiet --target aie2-4x4 --report %t.quiet.json | filecheck %s --allow-empty --check-prefix=QUIET
// RUN: filecheck %s --check-prefix=TARGET < %t.quiet.json
// RUN: not bsparse run %s 2>&1 | filecheck %s --check-prefix=NO-INPUT
// RUN: not bsparse run %s --input %t.missing.npy 2>&1 | filecheck %s --check-prefix=MISSING
// RUN: not bsparse run %s --input %t.wide.npy 2>&1 | filecheck %s --check-prefix=SHAPE
// RUN: not bsparse run %s --input %t.f64.npy 2>&1 | filecheck %s --check-prefix=DTYPE
// RUN: not bsparse run %s --input %t.x.npy --input %t.x.npy 2>&1 | filecheck %s --check-prefix=COUNT
// RUN: not bsparse run %s --input %t.x.npy --target no-such-target 2>&1 | filecheck %s --check-prefix=TARGET-ERROR
// RUN: not bsparse run %s --input %t.x.npy --function nope 2>&1 | filecheck %s --check-prefix=FUNCTION
// RUN: not bsparse run %t.missing.mlir --input %t.x.npy 2>&1 | filecheck %s --check-prefix=MISSING-FILE
// RUN: %python -c "open('%t.bad.mlir', 'w').write('func.func @main() {\n  %%0 = arith.addf\n}\n')"
// RUN: not bsparse run %t.bad.mlir 2>&1 | filecheck %s --check-prefix=MALFORMED

func.func @main(%x: tensor<2x16xf32>) -> (tensor<2x8xf32>, f32) {
  %w = arith.constant dense<0.5> : tensor<16x8xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x8xf32>
  %i = linalg.fill ins(%zero : f32) outs(%e : tensor<2x8xf32>) -> tensor<2x8xf32>
  %y = linalg.matmul ins(%x, %w : tensor<2x16xf32>, tensor<16x8xf32>) outs(%i : tensor<2x8xf32>) -> tensor<2x8xf32> loc("fc")
  %s = arith.constant 1.5 : f32
  return %y, %s : tensor<2x8xf32>, f32
}

// TABLE:      layer  kind    cycles  macs  macs dense
// TABLE-NEXT: -----
// TABLE-NEXT: fc     matmul       0   256         256
// TABLE-NEXT: total               0   256         256
// TABLE:      @main: 2 output(s); 0 cycles on aie2-ve2802 (i8)

// OUTPUTS: ['result0', 'result1'] (2, 8) [8. 8. 8.] 1.5

// JSON-DAG: "target": "aie2-ve2802"
// JSON-DAG: "dtype": "i8"
// JSON-DAG: "total_cycles": 0
// JSON-DAG: "macs": 256
// JSON-DAG: "macs_dense": 256
// JSON-DAG: "traffic": {
// JSON-DAG: "layers": [
// JSON-DAG: "name": "fc"

// QUIET-NOT: {{.}}

// TARGET: "target": "aie2-4x4"

// NO-INPUT-NOT: Traceback
// NO-INPUT: run.mlir:{{[0-9]+}}:1: error: @main takes 1 argument(s), got 0
// NO-INPUT-NOT: Traceback

// MISSING-NOT: Traceback
// MISSING: error: cannot open input file '{{.*}}missing.npy': No such file or directory
// MISSING-NOT: Traceback

// SHAPE-NOT: Traceback
// SHAPE: error: argument 0 of @main must have shape 2x16 for tensor<2x16xf32>, got (2, 17)
// SHAPE-NOT: Traceback

// DTYPE-NOT: Traceback
// DTYPE: error: argument 0 of @main must have dtype float32 for tensor<2x16xf32>, got float64

// COUNT: error: @main takes 1 argument(s), got 2

// TARGET-ERROR: error: unknown target 'no-such-target'; known targets:

// FUNCTION: error: no function @nope in the module (functions: main)

// MISSING-FILE: error: cannot open input file '{{.*}}missing.mlir': No such file or directory

// MALFORMED-NOT: Traceback
// MALFORMED: bad.mlir:2:18: error: expected SSA operand
// MALFORMED-NOT: Traceback
