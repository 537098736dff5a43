// Verifies that bad command lines (missing file, unknown pass, bad options,
// malformed pipelines, misplaced bsparse passes) exit 1 with one plain error, no traceback.
// RUN: not bsparse-opt %t.does-not-exist.mlir 2>&1 | filecheck %s --check-prefix=MISSING
// RUN: not bsparse-opt %s -p no-such-pass 2>&1 | filecheck %s --check-prefix=UNKNOWN
// RUN: not bsparse-opt %s -p 'bsparse-pack{block=0x8}' 2>&1 | filecheck %s --check-prefix=BLOCK0
// RUN: not bsparse-opt %s -p 'bsparse-pack{block=4x4x4}' 2>&1 | filecheck %s --check-prefix=BLOCK3
// RUN: not bsparse-opt %s -p 'bsparse-pack{size=4x4}' 2>&1 | filecheck %s --check-prefix=OPTION
// RUN: not bsparse-opt %s -p 'cse{no-such-option=1}' 2>&1 | filecheck %s --check-prefix=UPSTREAM-OPTION
// RUN: not bsparse-opt %s -p 'builtin.module(bsparse-pack,cse' 2>&1 | filecheck %s --check-prefix=PAREN
// RUN: not bsparse-opt %s -p 'bsparse-pack{block=4x4' 2>&1 | filecheck %s --check-prefix=BRACE
// RUN: not bsparse-opt %s -p ',cse' 2>&1 | filecheck %s --check-prefix=EMPTY-ELEMENT
// RUN: not bsparse-opt %s -p 'builtin.module(func.func(bsparse-pack))' 2>&1 | filecheck %s --check-prefix=NESTED
// RUN: not bsparse-opt %s --no-such-flag 2>&1 | filecheck %s --check-prefix=FLAG

// MISSING-NOT: Traceback
// MISSING: error: cannot open input file '{{.*}}does-not-exist.mlir': No such file or directory
// MISSING-NOT: Traceback

// UNKNOWN-NOT: Traceback
// UNKNOWN: error: invalid pass pipeline element 'no-such-pass': 'no-such-pass' does not refer to a registered pass or pass pipeline
// UNKNOWN-NOT: Traceback

// BLOCK0-NOT: Traceback
// BLOCK0: error: invalid value for option 'block' of pass 'bsparse-pack': block shape must be positive, got 0x8
// BLOCK0-NOT: Traceback

// BLOCK3-NOT: Traceback
// BLOCK3: error: invalid value for option 'block' of pass 'bsparse-pack':
// BLOCK3-NOT: Traceback

// OPTION-NOT: Traceback
// OPTION: error: pass 'bsparse-pack' has no option 'size' (options: block, pattern, strict)
// OPTION-NOT: Traceback

// UPSTREAM-OPTION-NOT: Traceback
// UPSTREAM-OPTION: error: invalid pass pipeline element 'cse{no-such-option=1}': no such option no-such-option
// UPSTREAM-OPTION-NOT: Traceback

// PAREN-NOT: Traceback
// PAREN: error: invalid pass pipeline 'builtin.module(bsparse-pack,cse' at column 32: expected ')', found end of input
// PAREN-NOT: Traceback

// BRACE-NOT: Traceback
// BRACE: error: invalid pass pipeline 'bsparse-pack{block=4x4' at column 23: unterminated option list, expected '}'
// BRACE-NOT: Traceback

// EMPTY-ELEMENT-NOT: Traceback
// EMPTY-ELEMENT: error: invalid pass pipeline ',cse' at column 1: expected a pass or op name, found ','
// EMPTY-ELEMENT-NOT: Traceback

// NESTED-NOT: Traceback
// NESTED: error: bsparse pass 'bsparse-pack' runs on builtin.module; move it out of 'func.func(...)'
// NESTED-NOT: Traceback

// FLAG-NOT: Traceback
// FLAG: usage: bsparse-opt
// FLAG: error: unrecognized arguments: --no-such-flag
// FLAG-NOT: Traceback

func.func @f() {
  return
}
