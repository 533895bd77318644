// RUN: wn-opt %s '-wn-lower-to-loops=accumulators=1 reverse-write-block-bytes=0 batch-short-rows=0' -canonicalize -cse -split-input-file -verify-diagnostics | FileCheck %s
// RUN: wn-opt %s '-wn-lower-to-loops=parallel=0 vector-size=4 accumulators=1 reverse-write-block-bytes=0 batch-short-rows=0' -canonicalize -cse -split-input-file -verify-diagnostics | FileCheck %s --check-prefix=SEQ
// RUN: not wn-opt %s -wn-lower-to-loops=vector-size=3 -split-input-file 2>&1 | FileCheck %s --check-prefix=BADVECTOR
// RUN: not wn-opt %s -wn-lower-to-loops=vector-size=4611686018427387904 -split-input-file 2>&1 | FileCheck %s --check-prefix=HUGEVECTOR
// RUN: not wn-opt %s -wn-lower-to-loops=nontemporal-min-bytes=-2 -split-input-file 2>&1 | FileCheck %s --check-prefix=BADNT
// RUN: not wn-opt %s -wn-lower-to-loops=vector-size=abc -split-input-file 2>&1 | FileCheck %s --check-prefix=BADINT

// BADVECTOR: error: --wn-lower-to-loops: vector-size must be a power of two from 1 to 64, but is 3
// HUGEVECTOR: error: --wn-lower-to-loops: vector-size must be a power of two from 1 to 64, but is 4611686018427387904
// BADNT: error: --wn-lower-to-loops: nontemporal-min-bytes must be at least -1 (-1: never), but is -2
// BADINT: for the --vector-size option: 'abc' value invalid for long argument!
// BADINT-NEXT: error: --wn-lower-to-loops: invalid options 'vector-size=abc'

/// dim 0, static: the rows kernel (folded from the run-time choice). Each
/// row is reduced into a vector of f64 partial sums (f32 squares are exact
/// there), its lanes added pairwise, its scale split into an f32 pair, and
/// the row scaled in f32 while in cache; rows run in parallel. The output
/// (8 KiB) is below the streaming threshold: no non-temporal stores.
// CHECK-LABEL: func.func @rows
// CHECK-SAME: (%[[V:[a-zA-Z0-9_]+]]: memref<64x32xf32>, %[[G:[a-zA-Z0-9_]+]]: memref<64x1xf32>, %[[W:[a-zA-Z0-9_]+]]: memref<64x32xf32>)
// CHECK-NOT: scf.if
// CHECK-DAG: %[[V1:[a-zA-Z0-9_]+]] = memref.collapse_shape %[[V]] {{\[}}[0, 1]] : memref<64x32xf32> into memref<2048xf32>
// CHECK-DAG: %[[W1:[a-zA-Z0-9_]+]] = memref.collapse_shape %[[W]] {{\[}}[0, 1]] : memref<64x32xf32> into memref<2048xf32>
// CHECK: scf.parallel (%[[K:[a-zA-Z0-9_]+]]) =
// CHECK:   %[[SUM:[a-zA-Z0-9_]+]] = scf.for {{.*}} -> (vector<16xf64>)
// CHECK:     vector.load %[[V1]][%{{.*}}] : memref<2048xf32>, vector<16xf32>
// CHECK:     arith.extf %{{.*}} : vector<16xf32> to vector<16xf64>
// CHECK:     math.fma
// CHECK:   vector.extract_strided_slice %[[SUM]] {offsets = [8], sizes = [8], strides = [1]}
// CHECK:   memref.load %[[G]][%[[K]], %{{.*}}] : memref<64x1xf32>
// CHECK:   math.sqrt %{{.*}} : f64
// CHECK:   arith.divf %{{.*}} : f64
// CHECK:   scf.for
// CHECK:     %[[X:[a-zA-Z0-9_]+]] = vector.load %[[V1]]
// CHECK:     %[[LO:[a-zA-Z0-9_]+]] = arith.mulf %[[X]], %{{.*}} : vector<16xf32>
// CHECK:     %[[Y:[a-zA-Z0-9_]+]] = math.fma %[[X]], %{{.*}}, %[[LO]] : vector<16xf32>
// CHECK:     vector.store %[[Y]], %[[W1]][%{{.*}}] : memref<2048xf32>, vector<16xf32>
// CHECK-NOT: nontemporal
// CHECK: return
// SEQ-LABEL: func.func @rows
// SEQ-NOT: scf.parallel
// SEQ-NOT: omp_get_max_threads
// SEQ: scf.for {{.*}} -> (vector<4xf64>)
// SEQ: return
func.func @rows(%v: memref<64x32xf32>, %g: memref<64x1xf32>, %w: memref<64x32xf32>) {
  wn.weight_norm dim(0) ins(%v, %g : memref<64x32xf32>, memref<64x1xf32>) outs(%w : memref<64x32xf32>)
  return
}

// -----

/// The last dim: the columns kernel. Every thread (as many as
/// omp_get_max_threads says) accumulates per-position partial sums over its
/// rows, contiguous along the row; rows this short (two vectors, static)
/// keep their partials in registers, stored once per thread. The partials
/// are combined per slice; a second parallel pass scales every row with
/// per-position scales, loaded once per four rows (1000 rows: no rest).
// CHECK: llvm.func @omp_get_max_threads() -> i32
// CHECK-LABEL: func.func @columns
// CHECK: %[[T:[a-zA-Z0-9_]+]] = llvm.call @omp_get_max_threads() : () -> i32
// CHECK: %[[PART:[a-zA-Z0-9_]+]] = memref.alloc(%{{.*}}) : memref<?xf64>
// CHECK: scf.parallel
// CHECK-NOT: vector.load %[[PART]]
// CHECK:   %[[SUMS:[a-zA-Z0-9_]+]]:2 = scf.for {{.*}} iter_args({{.*}}) -> (vector<16xf64>, vector<16xf64>)
// CHECK-COUNT-2: math.fma %{{.*}} : vector<16xf64>
// CHECK:   vector.store %[[SUMS]]#0, %[[PART]]
// CHECK:   vector.store %[[SUMS]]#1, %[[PART]]
// CHECK: %[[SHI:[a-zA-Z0-9_]+]] = memref.alloc() : memref<32xf32>
// CHECK: %[[SLO:[a-zA-Z0-9_]+]] = memref.alloc() : memref<32xf32>
// CHECK: scf.parallel
// CHECK:   math.sqrt
// CHECK: scf.parallel (%{{.*}}) = (%{{.*}}) to (%c250)
// CHECK:   scf.for
// CHECK:     vector.load %[[SHI]]
// CHECK:     vector.load %[[SLO]]
// CHECK-COUNT-4: vector.store %{{.*}} : memref<32000xf32>, vector<16xf32>
// CHECK-NOT: vector.load %[[SHI]]
// CHECK-DAG: memref.dealloc %[[PART]]
// CHECK-DAG: memref.dealloc %[[SHI]]
func.func @columns(%v: memref<1000x32xf32>, %g: memref<32xf32>, %w: memref<1000x32xf32>) {
  wn.weight_norm dim(-1) ins(%v, %g : memref<1000x32xf32>, memref<32xf32>) outs(%w : memref<1000x32xf32>)
  return
}

// -----

/// Long rows (1024 elements): the partials live in memory, loaded and
/// stored once per eight rows (then the rest of the rows one by one); the
/// scaling pass does groups of four rows, then the rest (1001 = 250 * 4 + 1:
/// one row, its parallel loop folded away).
// CHECK-LABEL: func.func @columns_long
// CHECK: %[[PART:[a-zA-Z0-9_]+]] = memref.alloc(%{{.*}}) : memref<?xf64>
// CHECK: scf.parallel
// CHECK:   scf.for {{.*}} step %c8
// CHECK:     vector.load %[[PART]]
// CHECK-COUNT-8: math.fma %{{.*}} : vector<16xf64>
// CHECK:     vector.store %{{.*}}, %[[PART]]
// CHECK:   scf.for {{.*}} step %c1
// CHECK:     vector.load %[[PART]]
// CHECK:     math.fma %{{.*}} : vector<16xf64>
// CHECK:     vector.store %{{.*}}, %[[PART]]
// CHECK: scf.parallel
// CHECK:   math.sqrt
// CHECK: scf.parallel (%{{.*}}) = (%{{.*}}) to (%c250)
// CHECK-COUNT-4: vector.store %{{.*}} : memref<1025024xf32>, vector<16xf32>
// CHECK-NOT: scf.parallel
// CHECK: scf.for %{{.*}} = %c0 to %c1024 step %c16
// CHECK-COUNT-1: vector.store %{{.*}} : memref<1025024xf32>, vector<16xf32>
// CHECK-NOT: vector.store %{{.*}} : memref<1025024xf32>, vector<16xf32>
// CHECK: return
func.func @columns_long(%v: memref<1001x1024xf32>, %g: memref<1024xf32>, %w: memref<1001x1024xf32>) {
  wn.weight_norm dim(1) ins(%v, %g : memref<1001x1024xf32>, memref<1024xf32>) outs(%w : memref<1001x1024xf32>)
  return
}

// -----

/// A middle dim with runs of 128 contiguous elements: the runs kernel, with
/// bf16 summed in f32 with Kahan's compensation (two partial arrays).
// CHECK-LABEL: func.func @runs
// CHECK-COUNT-2: memref.alloc(%{{.*}}) : memref<?xf32>
// CHECK: scf.parallel
// CHECK:   vector.load {{.*}} : memref<{{.*}}xbf16>, vector<16xbf16>
// CHECK:   arith.extf %{{.*}} : vector<16xbf16> to vector<16xf32>
// CHECK: scf.parallel
// CHECK:   math.sqrt %{{.*}} : f32
// CHECK: scf.parallel
// CHECK:   arith.truncf %{{.*}} : vector<16xf32> to vector<16xbf16>
func.func @runs(%v: memref<4x8x128xbf16>, %g: memref<1x8x1xbf16>, %w: memref<4x8x128xbf16>) {
  wn.weight_norm dim(1) ins(%v, %g : memref<4x8x128xbf16>, memref<1x8x1xbf16>) outs(%w : memref<4x8x128xbf16>)
  return
}

// -----

/// The whole tensor, 32 MiB of f64: the chunks kernel (one chunk per thread,
/// partial sums combined, parallel scaling) with double-double sums (fused
/// multiply-adds recover the squares' errors) and, above the 12 MiB
/// threshold, streaming stores: aligned ones when w's start is aligned to
/// the vector (checked at run time), else unaligned ones.
// CHECK-LABEL: func.func @chunks
// CHECK: llvm.call @omp_get_max_threads
// CHECK: scf.parallel
// CHECK:   math.fma {{.*}} : vector<16xf64>
// CHECK: math.sqrt %{{.*}} : f64
// CHECK: memref.extract_aligned_pointer_as_index
// CHECK: scf.if
// CHECK:   scf.parallel
// CHECK:     vector.store {{.*}} {alignment = 64 : i64, nontemporal = true} : memref<4194304xf64>, vector<16xf64>
// CHECK: } else {
// CHECK:   scf.parallel
// CHECK:     vector.store {{.*}} {nontemporal = true} : memref<4194304xf64>, vector<16xf64>
func.func @chunks(%v: memref<2048x2048xf64>, %g: memref<f64>, %w: memref<2048x2048xf64>) {
  wn.weight_norm ins(%v, %g : memref<2048x2048xf64>, memref<f64>) outs(%w : memref<2048x2048xf64>)
  return
}

// -----

/// Dynamic shapes: the kernel and the streaming choices stay at run time.
// CHECK-LABEL: func.func @dynamic
// CHECK: scf.if
// CHECK: scf.if
// CHECK: return
func.func @dynamic(%v: memref<?x?xf16>, %g: memref<?xf16>, %w: memref<?x?xf16>, %n: memref<?xf32>) {
  wn.weight_norm dim(1) eps(1.0e-6) ins(%v, %g : memref<?x?xf16>, memref<?xf16>) outs(%w, %n : memref<?x?xf16>, memref<?xf32>)
  return
}

// -----

/// Strided v and w (tiles of larger buffers) are copied to contiguous
/// buffers first, and w back after.
// CHECK-LABEL: func.func @strided
// CHECK-SAME: (%[[V:[a-zA-Z0-9_]+]]: memref<8x16xf32, strided<[32, 1]>>, %[[G:[a-zA-Z0-9_]+]]: memref<8xf32>, %[[W:[a-zA-Z0-9_]+]]: memref<8x16xf32, strided<[32, 1]>>)
// CHECK: %[[VC:[a-zA-Z0-9_]+]] = memref.alloc() : memref<8x16xf32>
// CHECK: linalg.copy ins(%[[V]] : memref<8x16xf32, strided<[32, 1]>>) outs(%[[VC]] : memref<8x16xf32>)
// CHECK: %[[WC:[a-zA-Z0-9_]+]] = memref.alloc() : memref<8x16xf32>
// CHECK: linalg.copy ins(%[[WC]] : memref<8x16xf32>) outs(%[[W]] : memref<8x16xf32, strided<[32, 1]>>)
func.func @strided(%v: memref<8x16xf32, strided<[32, 1]>>, %g: memref<8xf32>, %w: memref<8x16xf32, strided<[32, 1]>>) {
  wn.weight_norm dim(0) ins(%v, %g : memref<8x16xf32, strided<[32, 1]>>, memref<8xf32>) outs(%w : memref<8x16xf32, strided<[32, 1]>>)
  return
}

// -----

/// The pass lowers the op on memrefs; on tensors it must be bufferized first.
func.func @tensors(%v: tensor<4x4xf32>, %g: tensor<4xf32>) -> tensor<4x4xf32> {
  // expected-error @+1 {{--wn-lower-to-loops needs the op on memrefs; bufferize first (one-shot-bufferize)}}
  %w = wn.weight_norm dim(0) ins(%v, %g : tensor<4x4xf32>, tensor<4xf32>) outs(%v : tensor<4x4xf32>) -> tensor<4x4xf32>
  return %w : tensor<4x4xf32>
}

// -----

/// Rows of a static length shorter than a vector (7 elements) use vectors of
/// the next power of two: one masked load per row, three levels of lanes to
/// add up.
// CHECK-LABEL: func.func @short_rows
// CHECK: scf.parallel
// CHECK:   vector.maskedload {{.*}} : memref<7168xf32>, vector<8xi1>, vector<8xf32> into vector<8xf32>
// CHECK:   vector.extract_strided_slice %{{.*}} {offsets = [4], sizes = [4], strides = [1]} : vector<8xf64> to vector<4xf64>
// CHECK:   vector.maskedstore {{.*}} : memref<7168xf32>, vector<8xi1>, vector<8xf32>
func.func @short_rows(%v: memref<1024x7xf32>, %g: memref<1024xf32>, %w: memref<1024x7xf32>) {
  wn.weight_norm dim(0) ins(%v, %g : memref<1024x7xf32>, memref<1024xf32>) outs(%w : memref<1024x7xf32>)
  return
}

// -----

/// wn.weight_norm_scale: the same kernels, reading v once; each slice's scale
/// is stored in the destination and nothing else is written (no scaling pass,
/// no vector store of the scale type).
// CHECK-LABEL: func.func @scale_columns
// CHECK-SAME: %[[S:[a-zA-Z0-9_]+]]: memref<32xf32>)
// CHECK: scf.parallel
// CHECK:   scf.for {{.*}} -> (vector<16xf64>, vector<16xf64>)
// CHECK: scf.parallel
// CHECK:   math.sqrt %{{.*}} : f64
// CHECK:   memref.store %{{.*}}, %[[S]][%{{.*}}] : memref<32xf32>
// CHECK-NOT: scf.parallel
// CHECK-NOT: vector<16xf32>
// CHECK: return
func.func @scale_columns(%v: memref<1000x32xf32>, %g: memref<32xf32>, %s: memref<32xf32>) {
  wn.weight_norm_scale dim(-1) ins(%v, %g : memref<1000x32xf32>, memref<32xf32>) outs(%s : memref<32xf32>)
  return
}

// -----

/// Dim 0 (the rows kernel), bf16 with a keepdim g: one pass reducing each
/// row; the f32 scale goes to the keepdim destination.
// CHECK-LABEL: func.func @scale_rows
// CHECK-SAME: %[[S:[a-zA-Z0-9_]+]]: memref<64x1xf32>)
// CHECK: scf.parallel (%[[K:[a-zA-Z0-9_]+]])
// CHECK:   vector.load {{.*}} : memref<2048xbf16>, vector<16xbf16>
// CHECK:   math.sqrt %{{.*}} : f32
// CHECK:   memref.store %{{.*}}, %[[S]][%[[K]], %{{.*}}] : memref<64x1xf32>
// CHECK-NOT: vector.store
// CHECK: return
func.func @scale_rows(%v: memref<64x32xbf16>, %g: memref<64x1xbf16>, %s: memref<64x1xf32>) {
  wn.weight_norm_scale dim(0) ins(%v, %g : memref<64x32xbf16>, memref<64x1xbf16>) outs(%s : memref<64x1xf32>)
  return
}

// -----

/// A contiguous buffer whose layout is not the identity (the default
/// bufferized layout of a tensor<1xf32> argument: a dynamic stride on a unit
/// dim) is viewed with a unit stride at its offset before vector loads.
// CHECK-LABEL: func.func @unit_dim_dynamic_stride
// CHECK: %{{.*}}, %[[OFFSET:.*]], %{{.*}}, %{{.*}} = memref.extract_strided_metadata %arg0
// CHECK: %[[V1:.*]] = memref.reinterpret_cast %arg0 to offset: [%[[OFFSET]]], sizes: [1], strides: [1] : memref<1xf32, strided<[?], offset: ?>> to memref<1xf32, strided<[1], offset: ?>>
// CHECK: vector.load %[[V1]]
func.func @unit_dim_dynamic_stride(%v: memref<1xf32, strided<[?], offset: ?>>, %g: memref<1xf32, strided<[?], offset: ?>>, %w: memref<1xf32, strided<[?], offset: ?>>) {
  wn.weight_norm dim(0) ins(%v, %g : memref<1xf32, strided<[?], offset: ?>>, memref<1xf32, strided<[?], offset: ?>>) outs(%w : memref<1xf32, strided<[?], offset: ?>>)
  return
}

// -----

/// A static empty shape with a dynamic dim ([?, 0]: the slices are empty)
/// is viewed as a flat memref<0xf32> (collapse_shape does not take it).
/// Its slices are empty and w has no element: nothing is left after
/// canonicalization (no invalid collapse_shape before it).
// CHECK-LABEL: func.func @empty_with_dynamic_dim
// CHECK-NOT: memref.collapse_shape
// CHECK: return
func.func @empty_with_dynamic_dim(%v: memref<?x0xf32>, %g: memref<?xf32>, %w: memref<?x0xf32>) {
  wn.weight_norm dim(0) ins(%v, %g : memref<?x0xf32>, memref<?xf32>) outs(%w : memref<?x0xf32>)
  return
}

// -----

/// CPU loops call the OpenMP runtime from the host module: an op in a
/// gpu.module is an error, not a call to an undeclared function.
module attributes {gpu.container_module} {
  gpu.module @kernels {
    func.func @in_gpu_module(%v: memref<4x8xf32>, %g: memref<4xf32>, %w: memref<4x8xf32>) {
      // expected-error @+1 {{--wn-lower-to-loops lowers for the CPU, but the op is in 'gpu.module', not a builtin.module (GPU code: --wn-lower-to-gpu)}}
      wn.weight_norm dim(0) ins(%v, %g : memref<4x8xf32>, memref<4xf32>) outs(%w : memref<4x8xf32>)
      return
    }
  }
}
