// RUN: wn-opt %s -wn-lower-to-gpu -canonicalize -cse -split-input-file -verify-diagnostics | FileCheck %s
// RUN: wn-opt %s '-wn-lower-to-gpu=strategy=grid' -canonicalize -cse -split-input-file -verify-diagnostics | FileCheck %s --check-prefix=GRID
// RUN: wn-opt %s '-wn-lower-to-gpu=strategy=block block-size=32' -canonicalize -cse -split-input-file -verify-diagnostics | FileCheck %s --check-prefix=WARP

/// wn.weight_norm_backward goes through the forward's kernels with a wider
/// per-slice state: the sums of squares of v (unless the norm is saved) and
/// of grad_w * v, carried together through the loops, the shuffles, shared
/// memory and device scratch. Each kernel reads v and grad_w once for the
/// sums, writes grad_g per slice where the forward writes the norm, and
/// reads them once more to write grad_v = a * grad_w - b' * (v * 2^-k)
/// (WNOps.td).

/// 7-element f16 slices: one thread per slice. Both sums in f32 with Kahan's
/// compensation (4 values), grad_g rounded to f16 and stored by the thread,
/// then one fused multiply-add per element of grad_v.
// CHECK-LABEL: func.func @thread
// CHECK-DAG: %[[V:.*]] = memref.collapse_shape %arg1
// CHECK-DAG: %[[GW:.*]] = memref.collapse_shape %arg0
// CHECK-DAG: %[[GV:.*]] = memref.collapse_shape %arg3
// CHECK-COUNT-1: gpu.launch blocks(%{{.*}}) in (%{{.*}} = %c4, %{{.*}} = %c1, %{{.*}} = %c1) threads(%{{.*}}) in (%{{.*}} = %c256,
// CHECK:   scf.for {{.*}} -> (f32, f32, f32, f32)
// CHECK:     memref.load %[[V]][%{{.*}}] : memref<7000xf16>
// CHECK:     memref.load %[[GW]][%{{.*}}] : memref<7000xf16>
// CHECK:     arith.mulf
// CHECK:     arith.mulf
// CHECK:     scf.yield {{.*}} : f32, f32, f32, f32
// CHECK:   math.sqrt %{{.*}} : f32
// CHECK:   %[[GG:.*]] = arith.truncf %{{.*}} : f32 to f16
// CHECK:   memref.store %[[GG]], %arg4[%{{.*}}] : memref<1000xf16>
// CHECK:   scf.for
// CHECK:     memref.load %[[V]]
// CHECK:     memref.load %[[GW]]
// CHECK:     math.fma %{{.*}} : f32
// CHECK:     memref.store %{{.*}}, %[[GV]][%{{.*}}] : memref<7000xf16>
// CHECK:   gpu.terminator
// CHECK-NOT: gpu.launch
// GRID-LABEL: func.func @thread
// GRID-COUNT-4: gpu.alloc (%c1000) : memref<?xf32>
// GRID: gpu.launch {{.*}} workgroup(%{{.*}} : memref<8xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<8xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<8xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<8xf32, #gpu.address_space<workgroup>>)
// GRID-COUNT-3: gpu.alloc (%c1000) : memref<?xf32>
// GRID-NOT: gpu.alloc
// GRID: gpu.launch
// GRID: gpu.launch
// GRID-COUNT-7: gpu.dealloc
func.func @thread(%gw: memref<1000x7xf16>, %v: memref<1000x7xf16>, %g: memref<1000xf16>, %gv: memref<1000x7xf16>, %gg: memref<1000xf16>) {
  wn.weight_norm_backward dim(0) ins(%gw, %v, %g : memref<1000x7xf16>, memref<1000x7xf16>, memref<1000xf16>) outs(%gv, %gg : memref<1000x7xf16>, memref<1000xf16>)
  return
}

// -----

/// 512 f32 rows of 256 with the saved norm: one block per slice, each
/// thread keeping its element of v and of grad_w in registers (both read
/// once). The state is the f64 dot product alone (no sum of squares): one
/// shuffle per level, one shared slot per warp; thread 0 reads the saved
/// norm, stores grad_g, the factors a and b' as f32 pairs and the scale of
/// v (five shared scalars); every thread writes its grad_v from its
/// registers.
// CHECK-LABEL: func.func @block_saved_norm
// CHECK: gpu.launch blocks(%{{.*}}) in (%{{.*}} = %c512, %{{.*}} = %c1, %{{.*}} = %c1) threads(%{{.*}}) in (%{{.*}} = %c256, %{{.*}} = %c1, %{{.*}} = %c1) workgroup(%[[RED:[a-z0-9_]+]] : memref<8xf64, #gpu.address_space<workgroup>>, %[[AHI:[a-z0-9_]+]] : memref<1xf32, #gpu.address_space<workgroup>>, %[[ALO:[a-z0-9_]+]] : memref<1xf32, #gpu.address_space<workgroup>>, %[[BHI:[a-z0-9_]+]] : memref<1xf32, #gpu.address_space<workgroup>>, %[[BLO:[a-z0-9_]+]] : memref<1xf32, #gpu.address_space<workgroup>>, %[[VSC:[a-z0-9_]+]] : memref<1xf32, #gpu.address_space<workgroup>>)
// CHECK-COUNT-2: memref.load %{{.*}} : memref<131072xf32>
// CHECK: math.fma %{{.*}} : f64
// CHECK-COUNT-5: gpu.shuffle  xor %{{.*}} : f64
// CHECK: memref.store %{{.*}}, %[[RED]]
// CHECK: gpu.barrier
// CHECK-COUNT-5: gpu.shuffle  xor %{{.*}} : f64
// CHECK: memref.load %arg3[%{{.*}}] : memref<512xf32>
// CHECK-NOT: math.sqrt
// CHECK: memref.store %{{.*}}, %arg5[%{{.*}}] : memref<512xf32>
// CHECK: memref.store %{{.*}}, %[[AHI]]
// CHECK: memref.store %{{.*}}, %[[ALO]]
// CHECK: memref.store %{{.*}}, %[[BHI]]
// CHECK: memref.store %{{.*}}, %[[BLO]]
// CHECK: memref.store %{{.*}}, %[[VSC]]
// CHECK: gpu.barrier
// CHECK-NOT: memref.load %{{.*}} : memref<131072xf32>
// CHECK: math.fma %{{.*}} : f32
// CHECK: memref.store %{{.*}} : memref<131072xf32>
// CHECK: gpu.terminator
// WARP-LABEL: func.func @block_saved_norm
// WARP: gpu.launch {{.*}} threads(%{{.*}}) in (%{{.*}} = %c32, %{{.*}} = %c1, %{{.*}} = %c1) workgroup(%{{.*}} : memref<1xf64, #gpu.address_space<workgroup>>, %{{.*}} : memref<1xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<1xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<1xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<1xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<1xf32, #gpu.address_space<workgroup>>)
// WARP-COUNT-5: gpu.shuffle  xor %{{.*}} : f64
// WARP-NOT: gpu.shuffle
// WARP: gpu.barrier
// WARP-NOT: gpu.barrier
// WARP: gpu.terminator
func.func @block_saved_norm(%gw: memref<512x256xf32>, %v: memref<512x256xf32>, %g: memref<512xf32>, %n: memref<512xf32>, %gv: memref<512x256xf32>, %gg: memref<512xf32>) {
  wn.weight_norm_backward dim(0) ins(%gw, %v, %g, %n : memref<512x256xf32>, memref<512x256xf32>, memref<512xf32>, memref<512xf32>) outs(%gv, %gg : memref<512x256xf32>, memref<512xf32>)
  return
}

// -----

/// The whole f64 tensor with eps: chunks reduced by one block each, the
/// state double-double squares and products (4 f64 values) in 4 scratch
/// arrays, 4 shared arrays and 4 shuffles per level; the second kernel
/// combines the chunks' states, stores grad_g and the factors (a and b,
/// double-double: 4 arrays); the third writes grad_v from v and grad_w.
// CHECK-LABEL: func.func @grid
// CHECK-COUNT-4: gpu.alloc (%c64) : memref<?xf64>
// CHECK: gpu.launch blocks(%{{.*}}) in (%{{.*}} = %c64, %{{.*}} = %c1, %{{.*}} = %c1) {{.*}} workgroup(%{{.*}} : memref<8xf64, #gpu.address_space<workgroup>>, %{{.*}} : memref<8xf64, #gpu.address_space<workgroup>>, %{{.*}} : memref<8xf64, #gpu.address_space<workgroup>>, %{{.*}} : memref<8xf64, #gpu.address_space<workgroup>>)
// CHECK:   scf.for {{.*}} -> (f64, f64, f64, f64)
// CHECK-COUNT-2: memref.load %{{.*}} : memref<1048576xf64>
// CHECK-COUNT-4: gpu.shuffle  xor %{{.*}}, %c16_i32, %c32_i32 : f64
// CHECK-COUNT-4: gpu.shuffle  xor %{{.*}}, %c8_i32, %c32_i32 : f64
// CHECK-COUNT-4: memref.store %{{.*}} : memref<8xf64, #gpu.address_space<workgroup>>
// CHECK: gpu.barrier
// CHECK-COUNT-4: memref.store %{{.*}} : memref<?xf64>
// CHECK: gpu.terminator
// CHECK-COUNT-4: gpu.alloc (%c1) : memref<?xf64>
// CHECK: gpu.launch
// CHECK:   scf.for {{.*}} -> (f64, f64, f64, f64)
// CHECK-COUNT-4: memref.load %{{.*}} : memref<?xf64>
// CHECK:   math.sqrt %{{.*}} : f64
// CHECK:   memref.store %{{.*}}, %arg4[] : memref<f64>
// CHECK-COUNT-4: memref.store %{{.*}} : memref<?xf64>
// CHECK: gpu.terminator
// CHECK: gpu.launch
// CHECK-COUNT-4: memref.load %{{.*}} : memref<?xf64>
// CHECK-COUNT-2: memref.load %{{.*}} : memref<1048576xf64>
// CHECK: memref.store %{{.*}} : memref<1048576xf64>
// CHECK: gpu.terminator
// CHECK-COUNT-8: gpu.dealloc
func.func @grid(%gw: memref<1024x1024xf64>, %v: memref<1024x1024xf64>, %g: memref<f64>, %gv: memref<1024x1024xf64>, %gg: memref<f64>) {
  wn.weight_norm_backward eps(1.0e-5) ins(%gw, %v, %g : memref<1024x1024xf64>, memref<1024x1024xf64>, memref<f64>) outs(%gv, %gg : memref<1024x1024xf64>, memref<f64>)
  return
}

// -----

/// bf16 along the last dim: columns. Thread j accumulates position j of
/// v and grad_w over a chunk of rows into 4 f32 scratch arrays; the second
/// kernel combines them per slice, stores grad_g and the factors a, b' and
/// the scale of v (f32, no low parts for bf16); the third writes every
/// grad_v element.
// CHECK-LABEL: func.func @columns
// CHECK-COUNT-4: gpu.alloc (%c100) : memref<?xf32>
// CHECK: gpu.launch
// CHECK:   scf.for {{.*}} -> (f32, f32, f32, f32)
// CHECK-COUNT-2: memref.load %{{.*}} : memref<6400xbf16>
// CHECK-COUNT-4: memref.store %{{.*}} : memref<?xf32>
// CHECK: gpu.terminator
// CHECK-COUNT-3: gpu.alloc (%c100) : memref<?xf32>
// CHECK-NOT: gpu.alloc
// CHECK: gpu.launch
// CHECK-COUNT-4: memref.load %{{.*}} : memref<?xf32>
// CHECK:   memref.store %{{.*}}, %arg4[%{{.*}}] : memref<100xbf16>
// CHECK-COUNT-3: memref.store %{{.*}} : memref<?xf32>
// CHECK: gpu.terminator
// CHECK: gpu.launch
// CHECK-COUNT-3: memref.load %{{.*}} : memref<?xf32>
// CHECK-COUNT-2: memref.load %{{.*}} : memref<6400xbf16>
// CHECK: math.fma %{{.*}} : f32
// CHECK: memref.store %{{.*}} : memref<6400xbf16>
// CHECK: gpu.terminator
// CHECK-COUNT-6: gpu.dealloc
func.func @columns(%gw: memref<64x100xbf16>, %v: memref<64x100xbf16>, %g: memref<100xbf16>, %gv: memref<64x100xbf16>, %gg: memref<100xbf16>) {
  wn.weight_norm_backward dim(1) ins(%gw, %v, %g : memref<64x100xbf16>, memref<64x100xbf16>, memref<100xbf16>) outs(%gv, %gg : memref<64x100xbf16>, memref<100xbf16>)
  return
}

// -----

/// An empty v (dynamic): no grad_v to write, but every slice of zero
/// elements gets its grad_g (a kernel of one thread per slice in the empty
/// branch).
// CHECK-LABEL: func.func @empty
// CHECK: scf.if
// CHECK:   scf.if
// CHECK:     gpu.launch
// CHECK:       memref.store %{{.*}}, %arg4[%{{.*}}] : memref<?xf32>
// CHECK:       gpu.terminator
// CHECK: } else {
func.func @empty(%gw: memref<?x?xf32>, %v: memref<?x?xf32>, %g: memref<?xf32>, %gv: memref<?x?xf32>, %gg: memref<?xf32>) {
  wn.weight_norm_backward dim(0) ins(%gw, %v, %g : memref<?x?xf32>, memref<?x?xf32>, memref<?xf32>) outs(%gv, %gg : memref<?x?xf32>, memref<?xf32>)
  return
}

// -----

/// grad_w and grad_v are flat arrays too: a strided one is an error.
func.func @strided_grad_w(%gw: memref<8x16xf32, strided<[32, 1]>>, %v: memref<8x16xf32>, %g: memref<8xf32>, %gv: memref<8x16xf32>, %gg: memref<8xf32>) {
  // expected-error @+1 {{--wn-lower-to-gpu needs contiguous row-major buffers, but an operand has type 'memref<8x16xf32, strided<[32, 1]>>'}}
  wn.weight_norm_backward dim(0) ins(%gw, %v, %g : memref<8x16xf32, strided<[32, 1]>>, memref<8x16xf32>, memref<8xf32>) outs(%gv, %gg : memref<8x16xf32>, memref<8xf32>)
  return
}

// -----

func.func @strided_grad_v(%gw: memref<8x16xf32>, %v: memref<8x16xf32>, %g: memref<8xf32>, %gv: memref<8x16xf32, strided<[32, 1]>>, %gg: memref<8xf32>) {
  // expected-error @+1 {{--wn-lower-to-gpu needs contiguous row-major buffers, but an operand has type 'memref<8x16xf32, strided<[32, 1]>>'}}
  wn.weight_norm_backward dim(0) ins(%gw, %v, %g : memref<8x16xf32>, memref<8x16xf32>, memref<8xf32>) outs(%gv, %gg : memref<8x16xf32, strided<[32, 1]>>, memref<8xf32>)
  return
}
