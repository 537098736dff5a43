// Verifies every sparsity pattern end to end from the command line: bsparse-opt prunes a random
// conv + matmul program with the pattern, packs it in the pattern's format and lowers it to aie;
// `bsparse run` of the lowered program gives the outputs of the pruned linalg program.
// RUN: %python %S/Inputs/patterns.py program %t.in.mlir %t.x.npy
// RUN: bsparse-opt %t.in.mlir -p 'bsparse-compile{pattern=nm:2:4 sparsity=0.5 target=aie2-2x2}' -o %t.nm.mlir
// RUN: bsparse-opt %t.in.mlir -p 'bsparse-compile{pattern=nm:2:4 sparsity=0.5 until=sparsify}' -o %t.nm.ref.mlir
// RUN: filecheck %s --check-prefix=NM < %t.nm.mlir
// RUN: bsparse run %t.nm.mlir --input %t.x.npy --output %t.nm.npz --quiet
// RUN: bsparse run %t.nm.ref.mlir --input %t.x.npy --output %t.nm.ref.npz --quiet
// RUN: %python %S/Inputs/patterns.py same %t.nm.npz %t.nm.ref.npz | filecheck %s --check-prefix=SAME
// RUN: bsparse-opt %t.in.mlir -p 'bsparse-compile{pattern=unstructured sparsity=0.6 target=aie2-2x2}' -o %t.u.mlir
// RUN: bsparse-opt %t.in.mlir -p 'bsparse-compile{pattern=unstructured sparsity=0.6 until=sparsify}' -o %t.u.ref.mlir
// RUN: filecheck %s --check-prefix=CSR < %t.u.mlir
// RUN: bsparse run %t.u.mlir --input %t.x.npy --output %t.u.npz --quiet
// RUN: bsparse run %t.u.ref.mlir --input %t.x.npy --output %t.u.ref.npz --quiet
// RUN: %python %S/Inputs/patterns.py same %t.u.npz %t.u.ref.npz | filecheck %s --check-prefix=SAME
// RUN: bsparse-opt %t.in.mlir -p 'bsparse-compile{pattern=tw:8 sparsity=0.5 target=aie1-vc1902}' -o %t.tw.mlir
// RUN: bsparse-opt %t.in.mlir -p 'bsparse-compile{pattern=tw:8 sparsity=0.5 until=sparsify}' -o %t.tw.ref.mlir
// RUN: filecheck %s --check-prefix=TW < %t.tw.mlir
// RUN: bsparse run %t.tw.mlir --input %t.x.npy --output %t.tw.npz --quiet
// RUN: bsparse run %t.tw.ref.mlir --input %t.x.npy --output %t.tw.ref.npz --quiet
// RUN: %python %S/Inputs/patterns.py same %t.tw.npz %t.tw.ref.npz | filecheck %s --check-prefix=SAME
// RUN: bsparse-opt %t.in.mlir -p 'bsparse-compile{pattern=tvw:8 sparsity=0.75 target=aie2-4x4}' -o %t.tvw.mlir
// RUN: bsparse-opt %t.in.mlir -p 'bsparse-compile{pattern=tvw:8 sparsity=0.75 until=sparsify}' -o %t.tvw.ref.mlir
// RUN: filecheck %s --check-prefix=TVW < %t.tvw.mlir
// RUN: bsparse run %t.tvw.mlir --input %t.x.npy --output %t.tvw.npz --quiet
// RUN: bsparse run %t.tvw.ref.mlir --input %t.x.npy --output %t.tvw.ref.npz --quiet
// RUN: %python %S/Inputs/patterns.py same %t.tvw.npz %t.tvw.ref.npz | filecheck %s --check-prefix=SAME
// RUN: bsparse-opt %t.in.mlir -p 'bsparse-compile{pattern=gs:4 sparsity=0.5 target=aie2-2x2}' -o %t.gs.mlir
// RUN: bsparse-opt %t.in.mlir -p 'bsparse-compile{pattern=gs:4 sparsity=0.5 until=sparsify}' -o %t.gs.ref.mlir
// RUN: filecheck %s --check-prefix=GS < %t.gs.mlir
// RUN: bsparse run %t.gs.mlir --input %t.x.npy --output %t.gs.npz --quiet
// RUN: bsparse run %t.gs.ref.mlir --input %t.x.npy --output %t.gs.ref.npz --quiet
// RUN: %python %S/Inputs/patterns.py same %t.gs.npz %t.gs.ref.npz | filecheck %s --check-prefix=SAME

// SAME: same (1, 20)

// NM: "aie.conv2d_sparse"({{.*}}pattern = "nm:2:4"
// NM: "aie.matmul_sparse"({{.*}}pattern = "nm:2:4"
// CSR: "aie.conv2d_sparse"({{.*}}index_layout = {col_idx = "i1:{{[0-9]+}}", row_ptr = "i{{[12]}}:9"}{{.*}}pattern = "unstructured"
// CSR: "aie.matmul_sparse"({{.*}}pattern = "unstructured"
// TW: "aie.conv2d_sparse"({{.*}}pattern = "tw:8"
// TW: "aie.matmul_sparse"({{.*}}pattern = "tw:8"
// TVW: "aie.conv2d_sparse"({{.*}}pattern = "tvw:8"
// TVW: "aie.matmul_sparse"({{.*}}pattern = "tvw:8"
// GS: "aie.conv2d_sparse"({{.*}}pattern = "gs:4"
// GS: "aie.matmul_sparse"({{.*}}pattern = "gs:4"
