// RUN: wn-opt %s -wn-lower-to-gpu -canonicalize -cse -split-input-file -verify-diagnostics | FileCheck %s
// RUN: wn-opt %s '-wn-lower-to-gpu=strategy=columns block-size=64' -canonicalize -split-input-file -verify-diagnostics | FileCheck %s --check-prefix=FORCED
// RUN: wn-opt %s '-wn-lower-to-gpu=strategy=thread' -canonicalize -split-input-file -verify-diagnostics | FileCheck %s --check-prefix=THREAD
// RUN: not wn-opt %s '-wn-lower-to-gpu=block-size=48' -split-input-file 2>&1 | FileCheck %s --check-prefix=BADBLOCK
// RUN: not wn-opt %s '-wn-lower-to-gpu=strategy=warp' -split-input-file 2>&1 | FileCheck %s --check-prefix=BADSTRATEGY

// BADBLOCK: block-size must be a multiple of 32 from 32 to 1024, but is 48
// BADSTRATEGY: for the --strategy option: Cannot find option named 'warp'!
// BADSTRATEGY-NEXT: error: --wn-lower-to-gpu: invalid options 'strategy=warp'

/// DAC's 7-element slices: one thread per slice, one kernel (4 blocks of
/// 256 threads for 1000 slices); f16 summed in f32 with Kahan's
/// compensation; w written by the same thread.
// CHECK-LABEL: func.func @thread
// CHECK-COUNT-1: gpu.launch blocks(%{{.*}}) in (%{{.*}} = %c4, %{{.*}} = %c1, %{{.*}} = %c1) threads(%{{.*}}) in (%{{.*}} = %c256,
// CHECK:   scf.for {{.*}} -> (f32, f32)
// CHECK:   math.sqrt %{{.*}} : f32
// CHECK:   arith.truncf %{{.*}} : f32 to f16
// CHECK:   gpu.terminator
// CHECK-NOT: gpu.launch
// FORCED-LABEL: func.func @thread
// FORCED-COUNT-3: gpu.launch
func.func @thread(%v: memref<1000x7xf16>, %g: memref<1000x1xf16>, %w: memref<1000x7xf16>) {
  wn.weight_norm dim(0) ins(%v, %g : memref<1000x7xf16>, memref<1000x1xf16>) outs(%w : memref<1000x7xf16>)
  return
}

// -----

/// Dim 0 with 512 rows of 256: one block per slice; each thread keeps its
/// element in a register, the block reduces f64 sums by xor shuffles and
/// shared memory (one slot per warp), thread 0 computes the f32 scale pair
/// into shared memory, and every thread scales its element: v is read once.
// CHECK-LABEL: func.func @block
// CHECK: gpu.launch blocks(%{{.*}}) in (%{{.*}} = %c512, %{{.*}} = %c1, %{{.*}} = %c1) threads(%{{.*}}) in (%{{.*}} = %c256, %{{.*}} = %c1, %{{.*}} = %c1) workgroup(%[[RED:.*]] : memref<8xf64, #gpu.address_space<workgroup>>, %[[SHI:.*]] : memref<1xf32, #gpu.address_space<workgroup>>, %[[SLO:.*]] : memref<1xf32, #gpu.address_space<workgroup>>)
// CHECK-COUNT-1: memref.load %{{.*}} : memref<131072xf32>
// CHECK-COUNT-5: gpu.shuffle  xor %{{.*}} : f64
// CHECK: memref.store %{{.*}}, %[[RED]]
// CHECK: gpu.barrier
// CHECK-COUNT-5: gpu.shuffle  xor %{{.*}} : f64
// CHECK: math.sqrt %{{.*}} : f64
// CHECK: memref.store %{{.*}}, %[[SHI]]
// CHECK: memref.store %{{.*}}, %[[SLO]]
// CHECK: gpu.barrier
// CHECK-NOT: memref.load %{{.*}} : memref<131072xf32>
// CHECK: math.fma %{{.*}} : f32
// CHECK: memref.store %{{.*}} : memref<131072xf32>
// CHECK: gpu.terminator
func.func @block(%v: memref<512x256xf32>, %g: memref<512x1xf32>, %w: memref<512x256xf32>) {
  wn.weight_norm dim(0) ins(%v, %g : memref<512x256xf32>, memref<512x1xf32>) outs(%w : memref<512x256xf32>)
  return
}

// -----

/// The whole tensor (f64, double-double): chunks of 16384 elements reduced
/// by one block each (64 blocks) into device scratch, a kernel finishing the
/// slice, a kernel scaling every element (a grid-stride loop).
// CHECK-LABEL: func.func @grid
// CHECK-COUNT-2: gpu.alloc (%c64) : memref<?xf64>
// CHECK: gpu.launch blocks(%{{.*}}) in (%{{.*}} = %c64, %{{.*}} = %c1,
// CHECK: gpu.launch
// CHECK:   math.sqrt %{{.*}} : f64
// CHECK: gpu.launch
// CHECK:   scf.for
// CHECK: gpu.dealloc
func.func @grid(%v: memref<1024x1024xf64>, %g: memref<f64>, %w: memref<1024x1024xf64>) {
  wn.weight_norm ins(%v, %g : memref<1024x1024xf64>, memref<f64>) outs(%w : memref<1024x1024xf64>)
  return
}

// -----

/// The last dim with a dynamic number of rows and slices: whether P is 1 is
/// decided at run time (scf.if); with P = 1 the static Q = 1 selects one
/// thread per slice (1 kernel), else the columns strategy (3 kernels).
// CHECK-LABEL: func.func @dynamic
// CHECK: scf.if
// CHECK-COUNT-4: gpu.launch
// CHECK-NOT: gpu.launch
// CHECK: return
func.func @dynamic(%v: memref<?x?xbf16>, %g: memref<?xbf16>, %w: memref<?x?xbf16>) {
  wn.weight_norm dim(-1) ins(%v, %g : memref<?x?xbf16>, memref<?xbf16>) outs(%w : memref<?x?xbf16>)
  return
}

// -----

/// wn.weight_norm_scale on the last dim (columns): partial sums per
/// position, a kernel storing each slice's scale; no scaling kernel and no
/// scale scratch.
// CHECK-LABEL: func.func @scale_columns
// CHECK-SAME: %[[S:[a-zA-Z0-9_]+]]: memref<32xf32>)
// CHECK-COUNT-1: gpu.alloc
// CHECK: gpu.launch
// CHECK: gpu.launch
// CHECK:   memref.store %{{.*}}, %[[S]][%{{.*}}] : memref<32xf32>
// CHECK-NOT: gpu.launch
// CHECK: gpu.dealloc
// CHECK-NOT: gpu.dealloc
func.func @scale_columns(%v: memref<1000x32xf32>, %g: memref<32xf32>, %s: memref<32xf32>) {
  wn.weight_norm_scale dim(1) ins(%v, %g : memref<1000x32xf32>, memref<32xf32>) outs(%s : memref<32xf32>)
  return
}

// -----

func.func @on_tensors(%v: tensor<4x4xf32>, %g: tensor<4xf32>) -> tensor<4x4xf32> {
  // expected-error @+1 {{'wn.weight_norm' op --wn-lower-to-gpu needs the op on memrefs; bufferize first (one-shot-bufferize)}}
  %w = wn.weight_norm dim(0) ins(%v, %g : tensor<4x4xf32>, tensor<4xf32>) outs(%v : tensor<4x4xf32>) -> tensor<4x4xf32>
  return %w : tensor<4x4xf32>
}

// -----

func.func @strided(%v: memref<4x4xf32, strided<[8, 1]>>, %g: memref<4xf32>, %w: memref<4x4xf32>) {
  // expected-error @+1 {{'wn.weight_norm' op --wn-lower-to-gpu needs contiguous row-major buffers, but an operand has type 'memref<4x4xf32, strided<[8, 1]>>'}}
  wn.weight_norm dim(0) ins(%v, %g : memref<4x4xf32, strided<[8, 1]>>, memref<4xf32>) outs(%w : memref<4x4xf32>)
  return
}

// -----

/// A forced one-row strategy (thread) on a middle dim (P = 4): it applies
/// only when P = 1, which folds to false here, so the columns strategy runs
/// (three kernels), never a kernel reading only the first row.
// CHECK-LABEL: func.func @forced_middle
// THREAD-LABEL: func.func @forced_middle
// THREAD-COUNT-3: gpu.launch
// THREAD-NOT: gpu.launch
// THREAD: return
func.func @forced_middle(%v: memref<4x8x16xf32>, %g: memref<8xf32>, %w: memref<4x8x16xf32>) {
  wn.weight_norm dim(1) ins(%v, %g : memref<4x8x16xf32>, memref<8xf32>) outs(%w : memref<4x8x16xf32>)
  return
}

// -----

/// An empty v (8 slices of 0 elements) still gets its 8 scales, g / 0 (or
/// g / sqrt(eps); the square root of the zero sum folds away): one thread
/// per slice.
// CHECK-LABEL: func.func @empty_scale
// CHECK-SAME: %[[S:[a-zA-Z0-9_]+]]: memref<8xf32>)
// CHECK: gpu.launch
// CHECK:   memref.load %{{.*}} : memref<8xf32>
// CHECK:   arith.divf %{{.*}} : f64
// CHECK:   memref.store %{{.*}}, %[[S]]
// CHECK-NOT: gpu.launch
func.func @empty_scale(%v: memref<8x0xf32>, %g: memref<8xf32>, %s: memref<8xf32>) {
  wn.weight_norm_scale dim(0) ins(%v, %g : memref<8x0xf32>, memref<8xf32>) outs(%s : memref<8xf32>)
  return
}

// -----

/// A static empty shape with a dynamic dim: a flat memref<0xf32> view.
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

/// The function's own buffers stay memref ops: --wn-memref-to-gpu makes
/// them device memory (the GPU pipeline runs it first).
// CHECK-LABEL: func.func @host_buffers
// CHECK: %[[T:.*]] = memref.alloc() : memref<16xf32>
// CHECK: memref.copy %{{.*}}, %[[T]]
// CHECK: gpu.launch
// CHECK: memref.dealloc %[[T]]
func.func @host_buffers(%v: memref<16xf32>, %g: memref<f32>, %w: memref<16xf32>) {
  %t = memref.alloc() : memref<16xf32>
  memref.copy %v, %t : memref<16xf32> to memref<16xf32>
  wn.weight_norm ins(%t, %g : memref<16xf32>, memref<f32>) outs(%w : memref<16xf32>)
  memref.dealloc %t : memref<16xf32>
  return
}
