// RUN: not wn-translate --mlir-to-object %s -o %t.o 2>&1 | FileCheck %s --check-prefix=DIALECT
// RUN: not wn-translate --mlir-to-object --mcpu=no-such-cpu %S/Inputs/two-functions.mlir -o %t.o 2>&1 | FileCheck %s --check-prefix=CPU
// RUN: not wn-translate --mlir-to-object --mattr=+no-such-feature %S/Inputs/two-functions.mlir -o %t.o 2>&1 | FileCheck %s --check-prefix=FEATURE
// RUN: not wn-translate --mlir-to-object --mattr=avx2 %S/Inputs/two-functions.mlir -o %t.o 2>&1 | FileCheck %s --check-prefix=SIGN
// RUN: not wn-translate --mlir-to-object --opt-level=4 %S/Inputs/two-functions.mlir -o %t.o 2>&1 | FileCheck %s --check-prefix=LEVEL
// RUN: not wn-translate --mlir-to-object --veclib=svml %S/Inputs/two-functions.mlir -o %t.o 2>&1 | FileCheck %s --check-prefix=VECLIB
// RUN: not wn-translate --mlir-to-object --mtriple=i686-linux-gnu %S/Inputs/two-functions.mlir -o %t.o 2>&1 | FileCheck %s --check-prefix=TRIPLE
// RUN: not wn-translate --mlir-to-object --mtriple=aarch64-linux-gnu --mcpu=generic %S/Inputs/two-functions.mlir -o %t.o 2>&1 | FileCheck %s --check-prefix=ARCH
// RUN: not wn-translate --mlir-to-object --partitions=2 --linker=no-such-linker %S/Inputs/two-functions.mlir -o %t.o 2>&1 | FileCheck %s --check-prefix=NOLINKER
// RUN: not wn-translate --mlir-to-object --partitions=2 --linker=%S/Inputs/failing-linker.sh %S/Inputs/two-functions.mlir -o %t.o 2>&1 | FileCheck %s --check-prefix=LINKER
// RUN: wn-translate --mlir-to-object --partitions=1 --linker=no-such-linker %S/Inputs/two-functions.mlir -o %t.o
// RUN: not wn-translate --mlir-to-object %S/Inputs/failing-linker.sh -o %t.o 2>&1 | FileCheck %s --check-prefix=PARSE

/// Ops outside the LLVM dialect (here: the input of --wn-cpu-pipeline) are
/// named, with what to do; the first one is reported.
// DIALECT: error: 'func.func' op has no translation to LLVM IR: lower the module to the LLVM dialect first (wn-opt --wn-cpu-pipeline)
// DIALECT-NOT: error:
func.func @not_lowered(%x: f32) -> f32 {
  %y = arith.addf %x, %x : f32
  return %y : f32
}

/// Input that is not MLIR is a parse error.
// PARSE: failing-linker.sh:1:1: error:

/// Bad options are errors, with the valid choices where there are few; a
/// missing or failing linker matters only with partitions.
// CPU: error: unknown CPU 'no-such-cpu' for target 'x86_64-
// FEATURE: error: unknown feature 'no-such-feature' for target 'x86_64-
// SIGN: error: feature 'avx2' must start with '+' (enable) or '-' (disable)
// LEVEL: error: opt-level must be 0, 1, 2 or 3, not 4
// VECLIB: Cannot find option named 'svml'!
// TRIPLE: error: mcpu 'native' needs the host's triple, not 'i686-unknown-linux-gnu': name a CPU
// ARCH: error: unknown target triple 'aarch64-unknown-linux-gnu' (this build of wn targets the host's architecture)
// NOLINKER: error: cannot find the linker 'no-such-linker' on PATH, which joins the partitions: name one with --linker, or compile in one partition (--partitions=1)
// LINKER: error: '{{.*}}failing-linker.sh -r' failed:
// LINKER-NEXT: failing-linker: cannot link
