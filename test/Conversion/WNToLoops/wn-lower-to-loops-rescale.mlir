// RUN: wn-opt %s '-wn-lower-to-loops=accumulators=1 batch-short-rows=0' -canonicalize -cse -split-input-file | FileCheck %s

/// Rescaled sums (WeightNormNumerics::finalizeSlice): after its fast Kahan
/// sum, every bf16 slice is tested once, above 2^127 or NaN (an overflow, an
/// infinity or a NaN) or below n * 2^-126 (squares that underflowed, here
/// 32 * 2^-126). Only then the slice is read again: max |v|, its exponent
/// from the bits (clamped at 2^-126), 2^-e as two power-of-two factors, the
/// scaled squares summed with the same Kahan steps, the scale multiplied by
/// the same factors; an infinite max gives g / inf.
// CHECK-LABEL: func.func @rows_bf16
// CHECK-DAG: %[[LOW:[a-zA-Z0-9_]+]] = arith.constant 3.76158192E-37 : f32
// CHECK-DAG: %[[HIGH:[a-zA-Z0-9_]+]] = arith.constant 1.70141183E+38 : f32
// CHECK-DAG: %[[INF:[a-zA-Z0-9_]+]] = arith.constant 0x7F800000 : f32
// CHECK: %[[V1:[a-zA-Z0-9_]+]] = memref.collapse_shape %arg0
// CHECK: scf.parallel
// CHECK:   %[[SUM:[a-zA-Z0-9_]+]] = vector.extract %{{.*}}[0] : f32 from vector<1xf32>
// CHECK:   %[[LOWPART:[a-zA-Z0-9_]+]] = vector.extract %{{.*}}[0] : f32 from vector<1xf32>
// CHECK:   %[[G:[a-zA-Z0-9_]+]] = arith.extf %{{.*}} : bf16 to f32
// CHECK:   %[[ABOVE:[a-zA-Z0-9_]+]] = arith.cmpf ugt, %[[SUM]], %[[HIGH]] : f32
// CHECK:   %[[BELOW:[a-zA-Z0-9_]+]] = arith.cmpf olt, %[[SUM]], %[[LOW]] : f32
// CHECK:   %[[RESCALE:[a-zA-Z0-9_]+]] = arith.ori %[[ABOVE]], %[[BELOW]] : i1
// CHECK:   %[[SCALE:[a-zA-Z0-9_]+]] = scf.if %[[RESCALE]] -> (f32) {
// CHECK:     %[[MAX:[a-zA-Z0-9_]+]] = scf.for {{.*}} -> (f32) {
// CHECK:       memref.load %[[V1]]
// CHECK:       math.absf
// CHECK:       arith.maximumf
// CHECK:     arith.bitcast %[[MAX]] : f32 to i32
// CHECK:     arith.shrui
// CHECK:     arith.andi
// CHECK:     arith.maxsi
// CHECK:     %[[D1:[a-zA-Z0-9_]+]] = arith.bitcast %{{.*}} : i32 to f32
// CHECK:     %[[D2:[a-zA-Z0-9_]+]] = arith.bitcast %{{.*}} : i32 to f32
// CHECK:     %[[SCALED:[a-zA-Z0-9_]+]]:2 = scf.for {{.*}} -> (f32, f32) {
// CHECK:       %[[X:[a-zA-Z0-9_]+]] = arith.extf
// CHECK:       %[[X1:[a-zA-Z0-9_]+]] = arith.mulf %[[X]], %[[D1]] : f32
// CHECK:       %[[X2:[a-zA-Z0-9_]+]] = arith.mulf %[[X1]], %[[D2]] : f32
// CHECK:       arith.mulf %[[X2]], %[[X2]] : f32
// CHECK:     %[[T:[a-zA-Z0-9_]+]] = arith.addf %[[SCALED]]#0, %[[SCALED]]#1 : f32
// CHECK:     %[[N:[a-zA-Z0-9_]+]] = math.sqrt %[[T]] : f32
// CHECK:     %[[Q:[a-zA-Z0-9_]+]] = arith.divf %[[G]], %[[N]] : f32
// CHECK:     %[[Q1:[a-zA-Z0-9_]+]] = arith.mulf %[[Q]], %[[D1]] : f32
// CHECK:     %[[Q2:[a-zA-Z0-9_]+]] = arith.mulf %[[Q1]], %[[D2]] : f32
// CHECK:     %[[ISINF:[a-zA-Z0-9_]+]] = arith.cmpf oeq, %[[MAX]], %[[INF]] : f32
// CHECK:     %[[GINF:[a-zA-Z0-9_]+]] = arith.divf %[[G]], %[[INF]] : f32
// CHECK:     %[[PICK:[a-zA-Z0-9_]+]] = arith.select %[[ISINF]], %[[GINF]], %[[Q2]] : f32
// CHECK:     scf.yield %[[PICK]] : f32
// CHECK:   } else {
// CHECK:     %[[FT:[a-zA-Z0-9_]+]] = arith.addf %[[SUM]], %[[LOWPART]] : f32
// CHECK:     %[[FN:[a-zA-Z0-9_]+]] = math.sqrt %[[FT]] : f32
// CHECK:     %[[FQ:[a-zA-Z0-9_]+]] = arith.divf %[[G]], %[[FN]] : f32
// CHECK:     scf.yield %[[FQ]] : f32
// CHECK:   vector.broadcast %[[SCALE]] : f32 to vector<16xf32>
func.func @rows_bf16(%v: memref<8x32xbf16>, %g: memref<8x1xbf16>, %w: memref<8x32xbf16>) {
  wn.weight_norm dim(0) ins(%v, %g : memref<8x32xbf16>, memref<8x1xbf16>) outs(%w : memref<8x32xbf16>)
  return
}

// -----

/// f16: squares of f16 cannot overflow or underflow in f32, but an infinity
/// makes the Kahan sum NaN: only the test above 2^127.
// CHECK-LABEL: func.func @rows_f16
// CHECK: arith.cmpf ugt
// CHECK-NOT: arith.cmpf olt
// CHECK: scf.if %{{.*}} -> (f32) {
// CHECK:   arith.maximumf
// CHECK: } else {
func.func @rows_f16(%v: memref<8x32xf16>, %g: memref<8xf16>, %w: memref<8x32xf16>) {
  wn.weight_norm dim(0) ins(%v, %g : memref<8x32xf16>, memref<8xf16>) outs(%w : memref<8x32xf16>)
  return
}

// -----

/// f32: f64 sums of f32 squares neither overflow nor underflow, and an
/// infinity makes them infinite (the defined result): no test, no second
/// reading.
// CHECK-LABEL: func.func @rows_f32
// CHECK-NOT: arith.cmpf
// CHECK-NOT: arith.maximumf
// CHECK: return
func.func @rows_f32(%v: memref<8x32xf32>, %g: memref<8xf32>, %w: memref<8x32xf32>) {
  wn.weight_norm dim(0) ins(%v, %g : memref<8x32xf32>, memref<8xf32>) outs(%w : memref<8x32xf32>)
  return
}

// -----

/// f64, dynamic last dim (the columns kernel) with eps and the norm result:
/// the threshold n * 2^-967 - eps from the slice length P * Q at run time;
/// the double-double norm and scale from the rescaled sum; the exponent is
/// at least ceil(E(eps) / 2) (-498, folded) so that eps * 2^-2e (four exact
/// factors) stays below 2; the slice is read with a loop nest over P and Q
/// (Q = 1 here).
// CHECK-LABEL: func.func @columns_f64_eps
// CHECK-DAG: %[[PERELEMENT:[a-zA-Z0-9_]+]] = arith.constant 8.0166734400358911E-292 : f64
// CHECK-DAG: %[[EPS:[a-zA-Z0-9_]+]] = arith.constant 1.000000e-300 : f64
// CHECK-DAG: %[[HIGH:[a-zA-Z0-9_]+]] = arith.constant 8.9884656743115795E+307 : f64
// CHECK-DAG: %[[HALFEPS:[a-zA-Z0-9_-]+]] = arith.constant -498 : i64
// CHECK: scf.parallel
// CHECK:   arith.cmpf ugt, %[[HI:[a-zA-Z0-9_]+]], %[[HIGH]] : f64
// CHECK:   %[[N:[a-zA-Z0-9_]+]] = arith.uitofp %{{.*}} : i64 to f64
// CHECK:   %[[T:[a-zA-Z0-9_]+]] = arith.mulf %[[N]], %[[PERELEMENT]] : f64
// CHECK:   %[[TE:[a-zA-Z0-9_]+]] = arith.subf %[[T]], %[[EPS]] : f64
// CHECK:   arith.cmpf olt, %[[HI]], %[[TE]] : f64
// CHECK:   %{{.*}}:4 = scf.if %{{.*}} -> (f64, f64, f64, f64) {
// CHECK:     scf.for
// CHECK:       arith.maximumf
// CHECK:     arith.bitcast %{{.*}} : f64 to i64
// CHECK:     arith.maxsi %{{.*}}, %[[HALFEPS]] : i64
// CHECK:     scf.for
// CHECK:       math.fma
// CHECK:     %[[E1:[a-zA-Z0-9_]+]] = arith.mulf %{{.*}}, %[[EPS]] : f64
// CHECK:     %[[E2:[a-zA-Z0-9_]+]] = arith.mulf %[[E1]], %{{.*}} : f64
// CHECK:     %[[E3:[a-zA-Z0-9_]+]] = arith.mulf %[[E2]], %{{.*}} : f64
// CHECK:     %[[E4:[a-zA-Z0-9_]+]] = arith.mulf %[[E3]], %{{.*}} : f64
// CHECK:     math.sqrt
// CHECK:     scf.yield
// CHECK:   } else {
// CHECK:     math.sqrt
// CHECK:     scf.yield
// CHECK:   %[[NORM:[a-zA-Z0-9_]+]] = arith.addf %[[SLICE:[a-zA-Z0-9_]+]]#0, %[[SLICE]]#1 : f64
// CHECK:   memref.store %[[NORM]], %arg3
func.func @columns_f64_eps(%v: memref<?x6xf64>, %g: memref<6xf64>, %w: memref<?x6xf64>, %n: memref<6xf64>) {
  wn.weight_norm dim(1) eps(1.0e-300) ins(%v, %g : memref<?x6xf64>, memref<6xf64>) outs(%w, %n : memref<?x6xf64>, memref<6xf64>)
  return
}
