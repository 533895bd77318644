// RUN: wn-opt %s '-wn-lower-to-loops=parallel=0 nontemporal-min-bytes=-1 vector-size=4' -canonicalize -cse -split-input-file | FileCheck %s
// RUN: wn-opt %s '-wn-lower-to-loops=parallel=0 nontemporal-min-bytes=-1 vector-size=4 batch-short-rows=0' -canonicalize -cse -split-input-file | FileCheck %s --check-prefix=OFF

/// batch-short-rows (default on): rows of a static length shorter than a
/// vector (3 < 4) are finished vector-size rows at a time. Each row is
/// reduced into a vector of 4 lanes as before; shuffles then add up the
/// lanes of all 4 rows at once (the pairs reduceLanes adds: lanes 0 + 2,
/// 1 + 3, then 0 + 1) into one vector of a sum per lane, for one vector
/// square root and division. The batch's 12 elements are 3 whole vectors;
/// shuffles spread each row's scale (an f32 pair) over its lanes. The rows
/// after the last whole batch (10 = 2 * 4 + 2) are finished one by one.
// CHECK-LABEL: func.func @short_rows
// CHECK: scf.for %[[B:[a-zA-Z0-9_]+]] = %c0 to %c2 step %c1 {
// CHECK: %[[BASE:[a-zA-Z0-9_]+]] = arith.muli %[[B]], %c12 : index
// CHECK: %[[R0:[a-zA-Z0-9_]+]] = math.fma %{{.*}}, %{{.*}}, %{{.*}} : vector<4xf64>
// CHECK: %[[R1:[a-zA-Z0-9_]+]] = math.fma %{{.*}}, %{{.*}}, %{{.*}} : vector<4xf64>
// CHECK: %[[R2:[a-zA-Z0-9_]+]] = math.fma %{{.*}}, %{{.*}}, %{{.*}} : vector<4xf64>
// CHECK: %[[R3:[a-zA-Z0-9_]+]] = math.fma %{{.*}}, %{{.*}}, %{{.*}} : vector<4xf64>
// CHECK: %[[H01:[a-zA-Z0-9_]+]] = vector.shuffle %[[R0]], %[[R1]] [2, 3, 6, 7] : vector<4xf64>, vector<4xf64>
// CHECK: %[[L01:[a-zA-Z0-9_]+]] = vector.shuffle %[[R0]], %[[R1]] [0, 1, 4, 5] : vector<4xf64>, vector<4xf64>
// CHECK: %[[S01:[a-zA-Z0-9_]+]] = arith.addf %[[L01]], %[[H01]] : vector<4xf64>
// CHECK: %[[H23:[a-zA-Z0-9_]+]] = vector.shuffle %[[R2]], %[[R3]] [2, 3, 6, 7] : vector<4xf64>, vector<4xf64>
// CHECK: %[[L23:[a-zA-Z0-9_]+]] = vector.shuffle %[[R2]], %[[R3]] [0, 1, 4, 5] : vector<4xf64>, vector<4xf64>
// CHECK: %[[S23:[a-zA-Z0-9_]+]] = arith.addf %[[L23]], %[[H23]] : vector<4xf64>
// CHECK: %[[ODD:[a-zA-Z0-9_]+]] = vector.shuffle %[[S01]], %[[S23]] [1, 3, 5, 7] : vector<4xf64>, vector<4xf64>
// CHECK: %[[EVEN:[a-zA-Z0-9_]+]] = vector.shuffle %[[S01]], %[[S23]] [0, 2, 4, 6] : vector<4xf64>, vector<4xf64>
// CHECK: %[[SUMS:[a-zA-Z0-9_]+]] = arith.addf %[[EVEN]], %[[ODD]] : vector<4xf64>
// CHECK: %[[G:[a-zA-Z0-9_]+]] = vector.from_elements %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : vector<4xf64>
// CHECK: %[[N:[a-zA-Z0-9_]+]] = math.sqrt %[[SUMS]] : vector<4xf64>
// CHECK: %[[S:[a-zA-Z0-9_]+]] = arith.divf %[[G]], %[[N]] : vector<4xf64>
// CHECK: %[[HI:[a-zA-Z0-9_]+]] = arith.truncf %[[S]] : vector<4xf64> to vector<4xf32>
// CHECK: %[[LO:[a-zA-Z0-9_]+]] = arith.truncf %{{.*}} : vector<4xf64> to vector<4xf32>
// CHECK: %[[X0:[a-zA-Z0-9_]+]] = vector.load %{{.*}}[%[[BASE]]] : memref<30xf32>, vector<4xf32>
// CHECK: %[[LO0:[a-zA-Z0-9_]+]] = vector.shuffle %[[LO]], %[[LO]] [0, 0, 0, 1] : vector<4xf32>, vector<4xf32>
// CHECK: %[[HI0:[a-zA-Z0-9_]+]] = vector.shuffle %[[HI]], %[[HI]] [0, 0, 0, 1] : vector<4xf32>, vector<4xf32>
// CHECK: %[[P0:[a-zA-Z0-9_]+]] = arith.mulf %[[X0]], %[[LO0]] : vector<4xf32>
// CHECK: %[[W0:[a-zA-Z0-9_]+]] = math.fma %[[X0]], %[[HI0]], %[[P0]] : vector<4xf32>
// CHECK: vector.store %[[W0]], %{{.*}}[%[[BASE]]] : memref<30xf32>, vector<4xf32>
// CHECK: vector.shuffle %[[HI]], %[[HI]] [1, 1, 2, 2] : vector<4xf32>, vector<4xf32>
// CHECK: vector.store
// CHECK: vector.shuffle %[[HI]], %[[HI]] [2, 3, 3, 3] : vector<4xf32>, vector<4xf32>
// CHECK: vector.store
// CHECK: }
// CHECK: scf.for %{{.*}} = %c8 to %c10 step %c1 {
// CHECK: math.sqrt %{{.*}} : f64
// OFF-LABEL: func.func @short_rows
// OFF-NOT: vector.shuffle
// OFF: scf.for %{{.*}} = %c0 to %c10 step %c1 {
// OFF: math.sqrt %{{.*}} : f64
func.func @short_rows(%v: memref<10x3xf32>, %g: memref<10x1xf32>, %w: memref<10x3xf32>) {
  wn.weight_norm dim(0) ins(%v, %g : memref<10x3xf32>, memref<10x1xf32>) outs(%w : memref<10x3xf32>)
  return
}

// -----

/// bf16 sums may need the rescaled recomputation: when any lane's sum is
/// outside the fast range, the batch is finished row by row through the
/// scalar path (its own test and rescaling, from each row's lanes of the
/// sums); otherwise as vectors. wn.weight_norm_scale stores each lane's
/// scale.
// CHECK-LABEL: func.func @short_rows_bf16_scale
// CHECK: %[[HIGH:[a-zA-Z0-9_]+]] = arith.cmpf ugt, %[[SUMS:[a-zA-Z0-9_]+]], %{{.*}} : vector<4xf32>
// CHECK: %[[LOW:[a-zA-Z0-9_]+]] = arith.cmpf olt, %[[SUMS]], %{{.*}} : vector<4xf32>
// CHECK: %[[EITHER:[a-zA-Z0-9_]+]] = arith.ori %[[HIGH]], %[[LOW]] : vector<4xi1>
// CHECK: %[[ANY:[a-zA-Z0-9_]+]] = vector.reduction <or>, %[[EITHER]] : vector<4xi1> into i1
// CHECK: scf.if %[[ANY]] {
// CHECK: vector.extract %[[SUMS]][0] : f32 from vector<4xf32>
// CHECK: vector.extract %[[LOS:[a-zA-Z0-9_]+]][0] : f32 from vector<4xf32>
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
