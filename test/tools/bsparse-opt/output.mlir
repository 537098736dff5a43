// Verifies that `-o <file>` writes the printed IR to the file, not stdout,
// and that an unwritable output path is a plain error.
// RUN: bsparse-opt %s -o %t > %t.stdout
// RUN: filecheck %s --input-file %t
// RUN: filecheck %s --input-file %t.stdout --check-prefix=EMPTY --allow-empty
// RUN: not bsparse-opt %s -o %t.no-such-dir/out.mlir 2>&1 | filecheck %s --check-prefix=UNWRITABLE

// CHECK: module {
// CHECK-NEXT: func.func @written_to_file
// EMPTY-NOT: {{.}}
// UNWRITABLE-NOT: Traceback
// UNWRITABLE: error: cannot write output file '{{.*}}no-such-dir/out.mlir': No such file or directory
func.func @written_to_file() {
  return
}
