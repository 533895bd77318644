// RUN: wn-opt %s --wn-cpu-pipeline=emit-c-interface=1 --emit-bytecode -o %t.mlirbc
// RUN: wn-translate --mlir-to-object %t.mlirbc -o %t.o
// RUN: llvm-nm %t.o | FileCheck %s --check-prefix=LIBMVEC
// RUN: wn-translate --mlir-to-object --veclib=none %t.mlirbc -o %t.none.o
// RUN: llvm-nm %t.none.o | FileCheck %s --check-prefix=NONE
// RUN: wn-translate --mlir-to-object --opt-level=0 %t.mlirbc -o %t.o0.o
// RUN: llvm-nm %t.o0.o | FileCheck %s --check-prefix=O0

/// Snake's x + sin(x)^2 from bytecode: the C interface is defined, and the
/// loop vectorizer turns sin into glibc's vector variant (_ZGV<isa>N<lanes>v_sinf,
/// libmvec), as clang -O3 -march=native -fveclib=libmvec does; without a
/// vector library, or without optimization, it stays the scalar sinf.
// LIBMVEC-DAG: T _mlir_ciface_snake
// LIBMVEC-DAG: T snake
// LIBMVEC-DAG: U _ZGV{{[bcde]}}N{{[0-9]+}}v_sinf
// NONE-NOT: _ZGV
// NONE: U sinf
// NONE-NOT: _ZGV
// O0-NOT: _ZGV
// O0: T _mlir_ciface_snake
func.func @snake(%x: tensor<4096xf32>) -> tensor<4096xf32> {
  %init = tensor.empty() : tensor<4096xf32>
  %y = linalg.generic {
      indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>],
      iterator_types = ["parallel"]}
      ins(%x : tensor<4096xf32>) outs(%init : tensor<4096xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = math.sin %in : f32
    %s2 = arith.mulf %s, %s : f32
    %r = arith.addf %in, %s2 : f32
    linalg.yield %r : f32
  } -> tensor<4096xf32>
  return %y : tensor<4096xf32>
}
