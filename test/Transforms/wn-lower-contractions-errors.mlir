// Bad options fail with a diagnostic naming the option and the value.
// RUN: not wn-opt %s --wn-lower-contractions=vector-size=12 2>&1 | FileCheck %s --check-prefix=VECTOR
// RUN: not wn-opt %s --wn-lower-contractions=rows=-1 2>&1 | FileCheck %s --check-prefix=ROWS
// RUN: not wn-opt %s --wn-lower-contractions="rows=16 vectors=8" 2>&1 | FileCheck %s --check-prefix=BLOCK
// RUN: not wn-opt %s --wn-cpu-pipeline=register-vectors=100 2>&1 | FileCheck %s --check-prefix=BLOCK
// RUN: not wn-opt %s --wn-cpu-pipeline=contractions=tiles 2>&1 | FileCheck %s --check-prefix=STRATEGY

// VECTOR: error: --wn-lower-contractions: vector-size must be a power of two from 1 to 64, but is 12
// ROWS: error: --wn-lower-contractions: rows and vectors must be from 0 (chosen per op) to 64 with rows * vectors at most 64, but are -1 and 0
// BLOCK: error: --wn-{{lower-contractions|cpu-pipeline}}: {{(register-)?}}rows and {{(register-)?}}vectors must be from 0 (chosen per op) to 64 with
// STRATEGY: for the --contractions option: Cannot find option named 'tiles'!
// STRATEGY-NEXT: error: --wn-cpu-pipeline: invalid options 'contractions=tiles'

func.func @f(%a: memref<4x3xf32>, %b: memref<3x32xf32>, %c: memref<4x32xf32>) {
  linalg.matmul ins(%a, %b : memref<4x3xf32>, memref<3x32xf32>) outs(%c : memref<4x32xf32>)
  return
}
