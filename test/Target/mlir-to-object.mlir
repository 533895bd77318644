// RUN: wn-translate --mlir-to-object %s -o %t.o
// RUN: llvm-objdump -f %t.o | FileCheck %s --check-prefix=FORMAT
// RUN: llvm-nm %t.o | FileCheck %s --check-prefix=SYMBOLS
// RUN: wn-translate --mlir-to-object --mcpu=haswell %s -o %t.haswell.o
// RUN: llvm-objdump -d %t.haswell.o | FileCheck %s --check-prefix=FMA
// RUN: wn-translate --mlir-to-object --mcpu=x86-64 %s -o %t.generic.o
// RUN: llvm-objdump -d %t.generic.o | FileCheck %s --check-prefix=NOFMA
// RUN: wn-translate --mlir-to-object --mcpu=x86-64 --mattr=+avx,+fma %s -o %t.fma.o
// RUN: llvm-objdump -d %t.fma.o | FileCheck %s --check-prefix=FMA
// RUN: wn-translate --mlir-to-object --partitions=1 %s -o %t.whole.o
// RUN: llvm-nm %t.whole.o | FileCheck %s --check-prefix=SYMBOLS

/// LLVM dialect in, an ELF relocatable object for the host out: public
/// functions are global symbols, internal ones local, and a vector sin
/// becomes glibc's vector variant (libmvec) rather than eight sinf calls.
// FORMAT: file format elf64-
// SYMBOLS-DAG: U _ZGVdN8v_sinf
// SYMBOLS-DAG: T axpy
// SYMBOLS-DAG: T sin8
// SYMBOLS-DAG: t scale
// SYMBOLS-NOT: U sinf

/// --mcpu and --mattr choose the instructions: fused multiply-adds where the
/// CPU or the features have them, none for the baseline x86-64.
// FMA-LABEL: <axpy>:
// FMA: vfmadd
// NOFMA-LABEL: <axpy>:
// NOFMA-NOT: vfmadd
// NOFMA: ret

llvm.func @axpy(%a: vector<8xf32>, %x: vector<8xf32>, %y: vector<8xf32>) -> vector<8xf32> {
  %r = llvm.intr.fmuladd(%a, %x, %y) : (vector<8xf32>, vector<8xf32>, vector<8xf32>) -> vector<8xf32>
  llvm.return %r : vector<8xf32>
}

llvm.func @sin8(%x: vector<8xf32>, %p: !llvm.ptr) -> vector<8xf32> {
  %s = llvm.intr.sin(%x) : (vector<8xf32>) -> vector<8xf32>
  llvm.call @scale(%p) : (!llvm.ptr) -> ()
  llvm.return %s : vector<8xf32>
}

/// Not inlined (noinline), so that it stays a local symbol.
llvm.func internal @scale(%p: !llvm.ptr) attributes {no_inline} {
  %v = llvm.load volatile %p : !llvm.ptr -> f32
  %two = llvm.mlir.constant(2.0 : f32) : f32
  %w = llvm.fmul %v, %two : f32
  llvm.store volatile %w, %p : f32, !llvm.ptr
  llvm.return
}
