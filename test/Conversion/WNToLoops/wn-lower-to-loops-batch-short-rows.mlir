// RUN: wn-opt %s '-wn-lower-to-loops=parallel=0 nontemporal-min-bytes=-1 vector-size=4' -canonicalize -cse -split-input-file | FileCheck %s
// RUN: wn-opt %s '-wn-lower-to-loops=parallel=0 nontemporal-min-bytes=-1 vector-size=4 batch-short-rows=0' -canonicalize -cse -split-input-file | FileCheck %s --check-prefix=OFF

/// batch-short-rows (default on): rows of a static length shorter than a
/// vector (3 < 4) are finished vector-size rows at a time: each row's sum
/// is reduced as before, then the sums and g become vectors of 4 lanes (one
/// slice per lane) for one vector square root and division, and each row
/// is scaled by its lanes of the f32 pair. The rows after the last whole
/// batch (10 = 2 * 4 + 2) are finished one by one.
// CHECK-LABEL: func.func @short_rows
// CHECK: scf.for %[[B:[a-zA-Z0-9_]+]] = %c0 to %c2 step %c1 {
// CHECK-COUNT-4: vector.maskedload
// CHECK: %[[SUMS:[a-zA-Z0-9_]+]] = vector.from_elements %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : vector<4xf64>
// CHECK: %[[G:[a-zA-Z0-9_]+]] = vector.from_elements %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : vector<4xf64>
// CHECK: %[[N:[a-zA-Z0-9_]+]] = math.sqrt %[[SUMS]] : vector<4xf64>
// CHECK: %[[S:[a-zA-Z0-9_]+]] = arith.divf %[[G]], %[[N]] : vector<4xf64>
// CHECK: %[[HI:[a-zA-Z0-9_]+]] = arith.truncf %[[S]] : vector<4xf64> to vector<4xf32>
// CHECK: %[[LO:[a-zA-Z0-9_]+]] = arith.truncf %{{.*}} : vector<4xf64> to vector<4xf32>
// CHECK: vector.extract %[[HI]][0] : f32 from vector<4xf32>
// CHECK: vector.extract %[[LO]][0] : f32 from vector<4xf32>
// CHECK: vector.maskedstore
// CHECK: vector.extract %[[HI]][3] : f32 from vector<4xf32>
// CHECK: vector.extract %[[LO]][3] : f32 from vector<4xf32>
// CHECK: vector.maskedstore
// CHECK: }
// CHECK: scf.for %{{.*}} = %c8 to %c10 step %c1 {
// CHECK: math.sqrt %{{.*}} : f64
// OFF-LABEL: func.func @short_rows
// OFF-NOT: vector.from_elements
// OFF: scf.for %{{.*}} = %c0 to %c10 step %c1 {
// OFF: math.sqrt %{{.*}} : f64
func.func @short_rows(%v: memref<10x3xf32>, %g: memref<10x1xf32>, %w: memref<10x3xf32>) {
  wn.weight_norm dim(0) ins(%v, %g : memref<10x3xf32>, memref<10x1xf32>) outs(%w : memref<10x3xf32>)
  return
}

// -----

/// bf16 sums may need the rescaled recomputation: when any lane's sum is
/// outside the fast range, the batch is finished row by row through the
/// scalar path (with its own test and rescaling); otherwise as vectors.
/// wn.weight_norm_scale stores each lane's scale.
// CHECK-LABEL: func.func @short_rows_bf16_scale
// CHECK: %[[SUMS:[a-zA-Z0-9_]+]] = vector.from_elements %{{.*}} : vector<4xf32>
// CHECK: %[[LOS:[a-zA-Z0-9_]+]] = vector.from_elements %{{.*}} : vector<4xf32>
// CHECK: %[[HIGH:[a-zA-Z0-9_]+]] = arith.cmpf ugt, %[[SUMS]], %{{.*}} : vector<4xf32>
// CHECK: %[[LOW:[a-zA-Z0-9_]+]] = arith.cmpf olt, %[[SUMS]], %{{.*}} : vector<4xf32>
// CHECK: %[[EITHER:[a-zA-Z0-9_]+]] = arith.ori %[[HIGH]], %[[LOW]] : vector<4xi1>
// CHECK: %[[ANY:[a-zA-Z0-9_]+]] = vector.reduction <or>, %[[EITHER]] : vector<4xi1> into i1
// CHECK: scf.if %[[ANY]] {
// CHECK-COUNT-4: arith.maximumf
// CHECK: } else {
// CHECK: %[[TOTAL:[a-zA-Z0-9_]+]] = arith.addf %[[SUMS]], %[[LOS]] : vector<4xf32>
// CHECK: %[[N:[a-zA-Z0-9_]+]] = math.sqrt %[[TOTAL]] : vector<4xf32>
// CHECK: %[[S:[a-zA-Z0-9_]+]] = arith.divf %{{.*}}, %[[N]] : vector<4xf32>
// CHECK-COUNT-4: memref.store
// CHECK: }
// OFF-LABEL: func.func @short_rows_bf16_scale
// OFF-NOT: vector.reduction
func.func @short_rows_bf16_scale(%v: memref<8x3xbf16>, %g: memref<8x1xbf16>, %s: memref<8x1xf32>) {
  wn.weight_norm_scale dim(0) ins(%v, %g : memref<8x3xbf16>, memref<8x1xbf16>) outs(%s : memref<8x1xf32>)
  return
}

// -----

/// The backward's short rows stay one at a time.
// CHECK-LABEL: func.func @short_rows_backward
// CHECK-NOT: vector.from_elements
// CHECK: scf.for %{{.*}} = %c0 to %c8 step %c1 {
func.func @short_rows_backward(%gw: memref<8x3xf32>, %v: memref<8x3xf32>, %g: memref<8xf32>, %gv: memref<8x3xf32>, %gg: memref<8xf32>) {
  wn.weight_norm_backward dim(0) ins(%gw, %v, %g : memref<8x3xf32>, memref<8x3xf32>, memref<8xf32>) outs(%gv, %gg : memref<8x3xf32>, memref<8xf32>)
  return
}
