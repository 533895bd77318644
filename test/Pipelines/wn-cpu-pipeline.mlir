// RUN: wn-opt %s --wn-cpu-pipeline | FileCheck %s --check-prefixes=CHECK,OMP
// RUN: wn-opt %s '--wn-cpu-pipeline=parallel=0' | FileCheck %s --check-prefixes=CHECK,NOOMP
// RUN: wn-opt %s --wn-cpu-pipeline=strategy=materialize | FileCheck %s --check-prefixes=CHECK,NOOMP
// RUN: wn-opt %s --wn-cpu-pipeline --mlir-print-ir-after=ownership-based-buffer-deallocation -o /dev/null 2>&1 | FileCheck %s --check-prefix=FUSEDBUF
// RUN: wn-opt %s --wn-cpu-pipeline=strategy=materialize --mlir-print-ir-after=ownership-based-buffer-deallocation -o /dev/null 2>&1 | FileCheck %s --check-prefix=BUF
// RUN: wn-opt %s '--wn-cpu-pipeline=nontemporal-min-bytes=0 vector-size=8' | FileCheck %s --check-prefix=NT
// RUN: wn-opt %s '--wn-cpu-pipeline=nontemporal-min-bytes=-1 vector-size=8' | FileCheck %s --check-prefix=NONT
// RUN: wn-opt %s '--wn-cpu-pipeline=nontemporal-min-bytes=100000 vector-size=8' | FileCheck %s --check-prefix=NONT
// RUN: wn-opt %s --wn-cpu-pipeline=emit-c-interface=1 | FileCheck %s --check-prefix=CIFACE
// RUN: not wn-opt %s --wn-cpu-pipeline=no-such-option=1 2>&1 | FileCheck %s --check-prefix=BADOPT
// RUN: not wn-opt %s --wn-cpu-pipeline=strategy=fastest 2>&1 | FileCheck %s --check-prefix=BADSTRATEGY
// RUN: not wn-opt %s --wn-cpu-pipeline=vector-size=3 2>&1 | FileCheck %s --check-prefix=BADVECTOR
// RUN: not wn-opt %s --wn-cpu-pipeline=vector-size=abc 2>&1 | FileCheck %s --check-prefix=BADINT
// RUN: not wn-opt %s --wn-cpu-pipeline=nontemporal-min-bytes=-2 2>&1 | FileCheck %s --check-prefix=BADNT
// RUN: not wn-opt %s '--pass-pipeline=builtin.module(func.func(wn-cpu-pipeline))' 2>&1 | FileCheck %s --check-prefix=NESTED

/// Every strategy leaves nothing but the LLVM dialect (and OpenMP, for the
/// fused strategy's threads).
// NOOMP-NOT: omp.
// CHECK-NOT: wn.
// CHECK-NOT: linalg.
// CHECK-NOT: memref.
// CHECK-NOT: scf.
// CHECK-NOT: cf.
// CHECK-NOT: llvm.intr.memcpy
// CHECK-LABEL: llvm.func @layer(
// OMP: omp.parallel
// OMP: omp.wsloop
// CHECK: llvm.intr.sqrt
// CHECK-LABEL: llvm.func @_mlir_ciface_layer(
// CHECK-LABEL: llvm.func @returns_tensor(
// CHECK-NOT: llvm.func @_mlir_ciface_returns_tensor

/// Fused: bufferization turns the op into the op on the caller's buffers
/// (read v and g in place, write w straight into the caller's buffer); there
/// is no allocation and no copy. Canonicalization has put g in the canonical
/// (flat) layout, a view of the caller's g.
// FUSEDBUF-LABEL: func.func @layer
// FUSEDBUF-SAME: (%[[V:[a-zA-Z0-9_]+]]: memref<64x32x3xf32>, %[[G:[a-zA-Z0-9_]+]]: memref<64x1x1xf32>, %[[W:[a-zA-Z0-9_]+]]: memref<64x32x3xf32>)
// FUSEDBUF-NOT: memref.alloc
// FUSEDBUF-NOT: memref.copy
// FUSEDBUF: %[[FLAT:.*]] = memref.collapse_shape %[[G]] {{\[}}[0, 1, 2]] : memref<64x1x1xf32> into memref<64xf32>
// FUSEDBUF: wn.weight_norm dim(0) ins(%[[V]], %[[FLAT]] : memref<64x32x3xf32>, memref<64xf32>) outs(%[[W]] : memref<64x32x3xf32>)
// FUSEDBUF-NOT: memref.copy
// FUSEDBUF: return

/// Streaming stores: w of @layer has 24576 bytes, so nontemporal-min-bytes=0
/// streams, -1 does not, and 100000 does not (the kernels are emitted for
/// both and the choice folds for static shapes).
// NT-LABEL: llvm.func @layer(
// NT: llvm.store {{.*}} {alignment = 4 : i64, nontemporal} : vector<8xf32>, !llvm.ptr
// NONT-LABEL: llvm.func @layer(
// NONT-NOT: nontemporal
// NONT-LABEL: llvm.func @_mlir_ciface_layer(

/// Materialize: the memref-in, memref-out layer reads v and g where they are
/// and writes w straight into the caller's buffer: the only allocations are
/// the per-row scratch (64 doubles of sums of squares, f32 is computed in
/// f64, and the per-row scale as 64 pairs of floats), and nothing is copied.
// BUF-LABEL: func.func @layer
// BUF-SAME: (%[[V:[a-zA-Z0-9_]+]]: memref<64x32x3xf32>, %[[G:[a-zA-Z0-9_]+]]: memref<64x1x1xf32>, %[[W:[a-zA-Z0-9_]+]]: memref<64x32x3xf32>)
// BUF-NOT: memref.copy
// BUF: %[[S:.*]] = memref.alloc() {{.*}} : memref<64xf64>
// BUF: linalg.generic {{.*}} ins(%[[V]] : memref<64x32x3xf32>) outs(%[[S]] : memref<64xf64>)
// BUF: %[[HI:.*]] = memref.alloc() {{.*}} : memref<64xf32>
// BUF: %[[LO:.*]] = memref.alloc() {{.*}} : memref<64xf32>
// BUF-NOT: memref.alloc
// BUF-NOT: memref.copy
// BUF: linalg.generic {{.*}} ins(%[[S]], %[[G]] : memref<64xf64>, memref<64x1x1xf32>) outs(%[[HI]], %[[LO]] : memref<64xf32>, memref<64xf32>)
// BUF: linalg.generic {{.*}} ins(%[[V]], %[[HI]], %[[LO]] : memref<64x32x3xf32>, memref<64xf32>, memref<64xf32>) outs(%[[W]] : memref<64x32x3xf32>)
// BUF-NOT: memref.copy
// BUF: return
func.func @layer(%vm: memref<64x32x3xf32>, %gm: memref<64x1x1xf32>, %wm: memref<64x32x3xf32>) attributes {llvm.emit_c_interface} {
  %v = bufferization.to_tensor %vm restrict : memref<64x32x3xf32> to tensor<64x32x3xf32>
  %g = bufferization.to_tensor %gm restrict : memref<64x1x1xf32> to tensor<64x1x1xf32>
  %init = tensor.empty() : tensor<64x32x3xf32>
  %w = wn.weight_norm dim(0) ins(%v, %g : tensor<64x32x3xf32>, tensor<64x1x1xf32>) outs(%init : tensor<64x32x3xf32>) -> tensor<64x32x3xf32>
  bufferization.materialize_in_destination %w in restrict writable %wm : (tensor<64x32x3xf32>, memref<64x32x3xf32>) -> ()
  return
}

/// emit-c-interface=1 gives every function a C wrapper, but not the OpenMP
/// runtime function the fused code calls.
// CIFACE-NOT: @_mlir_ciface_omp_get_max_threads
// CIFACE-DAG: llvm.func @_mlir_ciface_layer(
// CIFACE-DAG: llvm.func @_mlir_ciface_returns_tensor(
func.func @returns_tensor(%v: tensor<?x7xbf16>, %g: tensor<?xbf16>) -> tensor<?x7xbf16> {
  %c0 = arith.constant 0 : index
  %d0 = tensor.dim %v, %c0 : tensor<?x7xbf16>
  %init = tensor.empty(%d0) : tensor<?x7xbf16>
  %w = wn.weight_norm dim(0) ins(%v, %g : tensor<?x7xbf16>, tensor<?xbf16>) outs(%init : tensor<?x7xbf16>) -> tensor<?x7xbf16>
  return %w : tensor<?x7xbf16>
}

/// Unknown pipeline options and bad values are reported, not ignored.
/// The error names the pipeline; a value that llvm::cl rejects is described
/// by llvm::cl on the line before.
// BADOPT: error: --wn-cpu-pipeline: invalid options 'no-such-option=1': no such option no-such-option
// BADSTRATEGY: for the --strategy option: Cannot find option named 'fastest'!
// BADSTRATEGY-NEXT: error: --wn-cpu-pipeline: invalid options 'strategy=fastest'
// BADVECTOR: error: --wn-cpu-pipeline: vector-size must be a power of two from 1 to 64, but is 3
// BADINT: for the --vector-size option: 'abc' value invalid for long argument!
// BADINT-NEXT: error: --wn-cpu-pipeline: invalid options 'vector-size=abc'
// BADNT: error: --wn-cpu-pipeline: nontemporal-min-bytes must be at least -1 (-1: never), but is -2
/// The pipeline bufferizes function boundaries and converts the module: it
/// runs on builtin.module and says so when nested.
// NESTED: error: --wn-cpu-pipeline runs on builtin.module, not nested in 'func.func': use --pass-pipeline='builtin.module(wn-cpu-pipeline)'

/// The generic form tools emit lowers like the custom one.
// CHECK-LABEL: llvm.func @generic_form(
// CHECK: llvm.intr.sqrt
func.func @generic_form(%v: tensor<64x32x3xf32>, %g: tensor<64x1x1xf32>, %init: tensor<64x32x3xf32>) -> tensor<64x32x3xf32> {
  %w = "wn.weight_norm"(%v, %g, %init) <{dim = 0 : i64}> : (tensor<64x32x3xf32>, tensor<64x1x1xf32>, tensor<64x32x3xf32>) -> tensor<64x32x3xf32>
  return %w : tensor<64x32x3xf32>
}
