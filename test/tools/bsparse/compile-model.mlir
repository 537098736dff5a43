// Verifies `bsparse compile MODEL`: a model of bsparse.models is imported,
// compiled through bsparse-compile, run on its seeded example input, and
// reported per layer, with totals and the speedup over the dense program.
// REQUIRES: torch
// RUN: bsparse compile tiny_mlp --sparsity 0.5 --target aie2-2x2 --dense-baseline | filecheck %s
// RUN: bsparse compile tiny_mlp --sparsity 0.5 --until pack --json --emit sparsified -o %t.sparsified.mlir | filecheck %s --check-prefix=JSON
// RUN: filecheck %s --check-prefix=EMIT < %t.sparsified.mlir
// RUN: not bsparse compile no_such_model 2>&1 | filecheck %s --check-prefix=UNKNOWN

// CHECK:      layer  kind    cycles
// CHECK-NEXT: -----
// CHECK-NEXT: fc1    matmul
// CHECK-NEXT: fc2    matmul
// CHECK-NEXT: fc3    matmul
// CHECK-NEXT: total
// CHECK:      tiny_mlp: block:8x8 at sparsity 0.5, aie2-2x2 (i8), stages: linalg, sparsified, packed, partitioned, aie
// CHECK-NEXT:   cycles:  {{[1-9][0-9]*}} ({{.*}} ms at {{.*}} GHz)
// CHECK-NEXT:   MACs:    {{[0-9]+}} of 17024 dense (0.{{[0-9]+}}x)
// CHECK-NEXT:   traffic: L3 {{[0-9]+}} B, L2 {{[0-9]+}} B, L1 {{[0-9]+}} B
// CHECK-NEXT:   vs. dense: {{[0-9]+}} cycles dense, speedup {{[0-9.]+}}x

// JSON:     "model": "tiny_mlp",
// JSON:     "stages": [
// JSON:     "report": {
// JSON:     "total_cycles":
// JSON:     "macs_dense": 17024,
// JSON:     "layers": [

// EMIT: func.func @main
// EMIT: linalg.matmul
// EMIT-NOT: bsparse.

// UNKNOWN: error: 'no_such_model' is neither a file nor a model name (models: resnet50, vgg16, inception_v3, mobilenet_v2, bert_base, vit_b16, gpt2_small, jasper_like, gnmt_like, tiny_mlp, tiny_cnn)
