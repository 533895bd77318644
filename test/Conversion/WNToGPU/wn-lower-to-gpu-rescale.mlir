// RUN: wn-opt %s -wn-lower-to-gpu -canonicalize -cse -split-input-file | FileCheck %s

/// Rescaled sums on the GPU: the thread that finishes a slice (thread 0 of
/// the block strategy) tests its sum once and, when it overflowed or
/// underflowed, reads the slice again alone (max |v|, then the scaled
/// double-double sum) before the block scales the slice.
// CHECK-LABEL: func.func @block_f64
// CHECK: gpu.launch
// CHECK:   %[[T0:[a-zA-Z0-9_]+]] = arith.cmpi eq, %thread_id_x, %{{.*}} : index
// CHECK:   scf.if %[[T0]] {
// CHECK:     arith.cmpf ugt
// CHECK:     arith.cmpf olt
// CHECK:     %[[RESCALE:[a-zA-Z0-9_]+]] = arith.ori
// CHECK:     %{{.*}}:2 = scf.if %[[RESCALE]] -> (f64, f64) {
// CHECK:       scf.for %{{.*}} = %{{.*}} to %c256 step %c1 iter_args(%{{.*}}) -> (f64) {
// CHECK:         memref.load
// CHECK:         arith.maximumf
// CHECK:       scf.for %{{.*}} = %{{.*}} to %c256 step %c1 iter_args(%{{.*}}, %{{.*}}) -> (f64, f64) {
// CHECK:         math.fma
// CHECK:       math.sqrt
// CHECK:       scf.yield
// CHECK:     } else {
// CHECK:       math.sqrt
// CHECK:       scf.yield
// CHECK:     memref.store %{{.*}}, %{{.*}}[%{{.*}}] : memref<1xf64, #gpu.address_space<workgroup>>
// CHECK:   gpu.barrier
func.func @block_f64(%v: memref<512x256xf64>, %g: memref<512x1xf64>, %w: memref<512x256xf64>) {
  wn.weight_norm dim(0) ins(%v, %g : memref<512x256xf64>, memref<512x1xf64>) outs(%w : memref<512x256xf64>)
  return
}

// -----

/// One thread per slice (bf16, 7 elements): each thread tests its own sum.
// CHECK-LABEL: func.func @thread_bf16
// CHECK: gpu.launch
// CHECK:   arith.cmpf ugt, %{{.*}}, %{{.*}} : f32
// CHECK:   arith.cmpf olt, %{{.*}}, %{{.*}} : f32
// CHECK:   scf.if %{{.*}} -> (f32) {
// CHECK:     arith.maximumf
// CHECK:   } else {
// CHECK:   scf.for
// CHECK:     arith.truncf %{{.*}} : f32 to bf16
func.func @thread_bf16(%v: memref<1000x7xbf16>, %g: memref<1000x1xbf16>, %w: memref<1000x7xbf16>) {
  wn.weight_norm dim(0) ins(%v, %g : memref<1000x7xbf16>, memref<1000x1xbf16>) outs(%w : memref<1000x7xbf16>)
  return
}

// -----

/// f32 needs no test.
// CHECK-LABEL: func.func @thread_f32
// CHECK-NOT: arith.cmpf
// CHECK-NOT: arith.maximumf
// CHECK: return
func.func @thread_f32(%v: memref<1000x7xf32>, %g: memref<1000x1xf32>, %w: memref<1000x7xf32>) {
  wn.weight_norm dim(0) ins(%v, %g : memref<1000x7xf32>, memref<1000x1xf32>) outs(%w : memref<1000x7xf32>)
  return
}
