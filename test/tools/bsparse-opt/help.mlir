// Verifies that `bsparse-opt --help` lists its flags and the bsparse passes with
// their options and defaults.
// RUN: bsparse-opt --help | filecheck %s
// RUN: bsparse-opt -h | filecheck %s

// CHECK: usage: bsparse-opt
// CHECK-DAG: --pass-pipeline
// CHECK-DAG: --split-input-file
// CHECK-DAG: --verify-diagnostics
// CHECK-DAG: --mlir-print-ir-after-all
// CHECK-DAG: --allow-unregistered-dialect
// CHECK: bsparse passes
// CHECK-DAG: bsparse-pack {{ *}}pack constant matmul/conv weights into block-sparse bsparse ops
// CHECK-DAG: block= {{ *}}block shape RxC over (out, in) of the weights packed in blocks (default: 8x8)
