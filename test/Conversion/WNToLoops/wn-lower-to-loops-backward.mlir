// RUN: wn-opt %s "-wn-lower-to-loops=nontemporal-min-bytes=-1 accumulators=1 reverse-write-block-bytes=0" -canonicalize -cse -split-input-file | FileCheck %s

/// wn.weight_norm_backward through the forward's kernels. dim 0, f32 (rows):
/// per row, one pass reads grad_w and v, summing v * v and grad_w * v in
/// f64 vectors; the per-slice factors a = g / n and b' = a (s / n) / n' are
/// split into f32 pairs (n' = n 2^-k, k = floor(log2 n) clamped to f32's
/// exponents, built from n's bits) and grad_g = s / n is stored; a second
/// pass over the row (in cache) writes grad_v = a grad_w - b' (v 2^-k) with
/// both products exact (fused multiply-adds), the difference rounded last.
// CHECK-LABEL: func.func @rows_f32
// CHECK-SAME: (%[[GW:[a-zA-Z0-9_]+]]: memref<64x40xf32>, %[[V:[a-zA-Z0-9_]+]]: memref<64x40xf32>, %[[G:[a-zA-Z0-9_]+]]: memref<64xf32>, %[[GV:[a-zA-Z0-9_]+]]: memref<64x40xf32>, %[[GG:[a-zA-Z0-9_]+]]: memref<64xf32>)
// CHECK-DAG: %[[V1:[a-zA-Z0-9_]+]] = memref.collapse_shape %[[V]]
// CHECK-DAG: %[[GW1:[a-zA-Z0-9_]+]] = memref.collapse_shape %[[GW]]
// CHECK-DAG: %[[GV1:[a-zA-Z0-9_]+]] = memref.collapse_shape %[[GV]]
// CHECK: scf.parallel (%[[K:[a-zA-Z0-9_]+]]) =
// CHECK: %[[SUMS:[a-zA-Z0-9_]+]]:2 = scf.for {{.*}} -> (vector<16xf64>, vector<16xf64>)
// CHECK-DAG: %[[XGW:[a-zA-Z0-9_]+]] = vector.load %[[GW1]]
// CHECK-DAG: %[[XV:[a-zA-Z0-9_]+]] = vector.load %[[V1]]
// CHECK-DAG: %[[WV:[a-zA-Z0-9_]+]] = arith.extf %[[XV]] : vector<16xf32> to vector<16xf64>
// CHECK-DAG: %[[WGW:[a-zA-Z0-9_]+]] = arith.extf %[[XGW]] : vector<16xf32> to vector<16xf64>
// CHECK-DAG: math.fma %[[WV]], %[[WV]], %{{.*}} : vector<16xf64>
// CHECK-DAG: math.fma %[[WV]], %[[WGW]], %{{.*}} : vector<16xf64>
// CHECK: %[[GK:[a-zA-Z0-9_]+]] = memref.load %[[G]][%[[K]]]
// CHECK: %[[N:[a-zA-Z0-9_]+]] = math.sqrt %{{.*}} : f64
// CHECK: arith.bitcast %[[N]] : f64 to i64
// CHECK: arith.maxsi %{{.*}}, %c-126_i64 : i64
// CHECK: arith.minsi %{{.*}}, %c126_i64 : i64
// CHECK: %[[DOWN:[a-zA-Z0-9_]+]] = arith.bitcast %{{.*}} : i64 to f64
// CHECK: %[[NS:[a-zA-Z0-9_]+]] = arith.mulf %[[N]], %[[DOWN]] : f64
// CHECK: %[[VSCALE:[a-zA-Z0-9_]+]] = arith.truncf %[[DOWN]] : f64 to f32
// CHECK: %[[A:[a-zA-Z0-9_]+]] = arith.divf %{{.*}}, %[[N]] : f64
// CHECK: %[[C:[a-zA-Z0-9_]+]] = arith.divf %{{.*}}, %[[N]] : f64
// CHECK: %[[AC:[a-zA-Z0-9_]+]] = arith.mulf %[[A]], %[[C]] : f64
// CHECK: %[[B:[a-zA-Z0-9_]+]] = arith.divf %[[AC]], %[[NS]] : f64
// CHECK: %[[GRADG:[a-zA-Z0-9_]+]] = arith.truncf %[[C]] : f64 to f32
// CHECK: memref.store %[[GRADG]], %[[GG]][%[[K]]] : memref<64xf32>
// CHECK: scf.for
// CHECK-DAG: vector.load %[[GW1]]
// CHECK-DAG: vector.load %[[V1]]
// CHECK: math.fma
// CHECK: vector.store %{{.*}}, %[[GV1]]
func.func @rows_f32(%gw: memref<64x40xf32>, %v: memref<64x40xf32>, %g: memref<64xf32>, %gv: memref<64x40xf32>, %gg: memref<64xf32>) {
  wn.weight_norm_backward dim(0) ins(%gw, %v, %g : memref<64x40xf32>, memref<64x40xf32>, memref<64xf32>) outs(%gv, %gg : memref<64x40xf32>, memref<64xf32>)
  return
}

// -----

/// With the saved norm, only grad_w * v is summed and n is read.
// CHECK-LABEL: func.func @rows_saved_norm
// CHECK-SAME: %[[N:[a-zA-Z0-9_]+]]: memref<64xf32>, %{{.*}}: memref<64x40xf32>, %[[GG:[a-zA-Z0-9_]+]]: memref<64xf32>)
// CHECK: scf.parallel (%[[K:[a-zA-Z0-9_]+]]) =
// CHECK: scf.for {{.*}} -> (vector<16xf64>) {
// CHECK-NOT: math.sqrt
// CHECK: %[[NK:[a-zA-Z0-9_]+]] = memref.load %[[N]][%[[K]]] : memref<64xf32>
// CHECK: arith.extf %[[NK]] : f32 to f64
// CHECK: memref.store %{{.*}}, %[[GG]][%[[K]]]
func.func @rows_saved_norm(%gw: memref<64x40xf32>, %v: memref<64x40xf32>, %g: memref<64xf32>, %n: memref<64xf32>, %gv: memref<64x40xf32>, %gg: memref<64xf32>) {
  wn.weight_norm_backward dim(0) ins(%gw, %v, %g, %n : memref<64x40xf32>, memref<64x40xf32>, memref<64xf32>, memref<64xf32>) outs(%gv, %gg : memref<64x40xf32>, memref<64xf32>)
  return
}

// -----

/// The last dim, bf16 (columns): per-thread partial sums per position, four
/// arrays (squares and products, each with Kahan's low part, in f32); the
/// factors a, b' and the scale of v are spread over the positions (three
/// f32 arrays) and grad_v is one fused multiply-add in f32, rounded to bf16.
// CHECK-LABEL: func.func @columns_bf16
// CHECK-COUNT-4: memref.alloc(%{{.*}}) : memref<?xf32>
// CHECK: scf.parallel
// CHECK-COUNT-3: memref.alloc() : memref<3xf32>
// CHECK: scf.parallel
// CHECK: memref.store %{{.*}}, %{{.*}} : memref<3xbf16>
// CHECK: scf.parallel
// CHECK-DAG: %[[A:[a-zA-Z0-9_]+]] = vector.maskedload %{{.*}} : memref<3xf32>, vector<16xi1>, vector<16xf32> into vector<16xf32>
// CHECK-DAG: %[[B:[a-zA-Z0-9_]+]] = vector.maskedload %{{.*}} : memref<3xf32>, vector<16xi1>, vector<16xf32> into vector<16xf32>
// CHECK-DAG: %[[S:[a-zA-Z0-9_]+]] = vector.maskedload %{{.*}} : memref<3xf32>, vector<16xi1>, vector<16xf32> into vector<16xf32>
// CHECK: %[[VS:[a-zA-Z0-9_]+]] = arith.mulf %{{.*}}, %[[S]] : vector<16xf32>
// CHECK: %[[P:[a-zA-Z0-9_]+]] = arith.mulf %[[B]], %[[VS]] : vector<16xf32>
// CHECK: %[[NP:[a-zA-Z0-9_]+]] = arith.negf %[[P]] : vector<16xf32>
// CHECK: %[[Y:[a-zA-Z0-9_]+]] = math.fma %{{.*}}, %{{.*}}, %[[NP]] : vector<16xf32>
// CHECK: arith.truncf %[[Y]] : vector<16xf32> to vector<16xbf16>
func.func @columns_bf16(%gw: memref<64x32x3xbf16>, %v: memref<64x32x3xbf16>, %g: memref<3xbf16>, %gv: memref<64x32x3xbf16>, %gg: memref<3xbf16>) {
  wn.weight_norm_backward dim(-1) ins(%gw, %v, %g : memref<64x32x3xbf16>, memref<64x32x3xbf16>, memref<3xbf16>) outs(%gv, %gg : memref<64x32x3xbf16>, memref<3xbf16>)
  return
}

// -----

/// Strided grad_w and grad_v (tiles of larger buffers) go through
/// contiguous copies, like v.
// CHECK-LABEL: func.func @strided
// CHECK: %[[COPY:[a-zA-Z0-9_]+]] = memref.alloc() : memref<4x8xf64>
// CHECK: linalg.copy ins(%{{.*}} : memref<4x8xf64, strided<[16, 1]>>) outs(%[[COPY]] : memref<4x8xf64>)
// CHECK: %[[OUT:[a-zA-Z0-9_]+]] = memref.alloc() : memref<4x8xf64>
// CHECK: linalg.copy ins(%[[OUT]] : memref<4x8xf64>) outs(%{{.*}} : memref<4x8xf64, strided<[16, 1]>>)
// CHECK-DAG: memref.dealloc %[[OUT]]
// CHECK-DAG: memref.dealloc %[[COPY]]
func.func @strided(%gw: memref<4x8xf64, strided<[16, 1]>>, %v: memref<4x8xf64>, %g: memref<4xf64>, %gv: memref<4x8xf64, strided<[16, 1]>>, %gg: memref<4xf64>) {
  wn.weight_norm_backward dim(0) ins(%gw, %v, %g : memref<4x8xf64, strided<[16, 1]>>, memref<4x8xf64>, memref<4xf64>) outs(%gv, %gg : memref<4x8xf64, strided<[16, 1]>>, memref<4xf64>)
  return
}
