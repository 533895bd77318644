// RUN: wn-opt %s '-wn-lower-to-loops=parallel=0 nontemporal-min-bytes=-1 accumulators=1' -canonicalize -cse -split-input-file | FileCheck %s
// RUN: wn-opt %s '-wn-lower-to-loops=parallel=0 nontemporal-min-bytes=-1 accumulators=1 pipeline-rows-min-bytes=-1' -canonicalize -cse -split-input-file | FileCheck %s --check-prefix=NEVER
// RUN: wn-opt %s '-wn-lower-to-loops=parallel=0 nontemporal-min-bytes=-1 accumulators=1 pipeline-rows-min-bytes=0' -canonicalize -cse -split-input-file | FileCheck %s --check-prefix=ALWAYS
// RUN: not wn-opt %s -wn-lower-to-loops=pipeline-rows-min-bytes=-2 2>&1 | FileCheck %s --check-prefix=BAD

/// pipeline-rows-min-bytes (default 12 MiB, decided at run time): the rows
/// kernel on a tensor of at least that many bytes gives each thread a range
/// of rows [begin, end) (here one thread: all of them), reduces the first,
/// then for each row k < end - 1 writes row k with its scale in the loop
/// that reduces row k + 1, carrying the scale (an f32 pair) from one row to
/// the next, and writes the last row after. Smaller tensors: each row
/// reduced, then written.
// CHECK-LABEL: func.func @dynamic
// CHECK-DAG: %[[O:[a-zA-Z0-9_]+]] = memref.dim %{{.*}}, %c0 : memref<?x?xf32>
// CHECK-DAG: %[[Q:[a-zA-Z0-9_]+]] = memref.dim %{{.*}}, %c1 : memref<?x?xf32>
// CHECK-DAG: %[[V:[a-zA-Z0-9_]+]] = memref.collapse_shape %arg0
// CHECK-DAG: %[[W:[a-zA-Z0-9_]+]] = memref.collapse_shape %arg2
// CHECK: %[[N:[a-zA-Z0-9_]+]] = arith.muli %[[O]], %[[Q]] : index
// CHECK: %[[BYTES:[a-zA-Z0-9_]+]] = arith.muli %[[N]], %c4 : index
// CHECK: %[[BIG:[a-zA-Z0-9_]+]] = arith.cmpi uge, %[[BYTES]], %c12582912 : index
// CHECK: scf.if %[[BIG]] {
// CHECK: math.sqrt %{{.*}} : f64
// CHECK: %[[LAST:[a-zA-Z0-9_]+]] = arith.subi %[[O]], %c1 : index
// CHECK: %[[F:[a-zA-Z0-9_]+]]:2 = scf.for %[[K:[a-zA-Z0-9_]+]] = %c0 to %[[LAST]] step %c1 iter_args(%[[HI:[a-zA-Z0-9_]+]] = %{{.*}}, %[[LO:[a-zA-Z0-9_]+]] = %{{.*}}) -> (f32, f32) {
// CHECK: %[[ROW:[a-zA-Z0-9_]+]] = arith.muli %[[K]], %[[Q]] : index
// CHECK: %[[NEXT:[a-zA-Z0-9_]+]] = arith.addi %[[K]], %c1 : index
// CHECK: %[[NEXTROW:[a-zA-Z0-9_]+]] = arith.muli %[[NEXT]], %[[Q]] : index
// CHECK: scf.for %[[J:[a-zA-Z0-9_]+]] = %c0 to %{{.*}} step %c16 iter_args(%{{.*}}) -> (vector<16xf64>) {
// CHECK: %[[AT:[a-zA-Z0-9_]+]] = arith.addi %[[ROW]], %[[J]] : index
// CHECK: %[[X:[a-zA-Z0-9_]+]] = vector.load %[[V]][%[[AT]]]
// CHECK: math.fma %[[X]]
// CHECK: vector.store %{{.*}}, %[[W]][%[[AT]]]
// CHECK: %[[NAT:[a-zA-Z0-9_]+]] = arith.addi %[[NEXTROW]], %[[J]] : index
// CHECK: %[[Y:[a-zA-Z0-9_]+]] = vector.load %[[V]][%[[NAT]]]
// CHECK: %[[WIDE:[a-zA-Z0-9_]+]] = arith.extf %[[Y]] : vector<16xf32> to vector<16xf64>
// CHECK: math.fma %[[WIDE]], %[[WIDE]], %{{.*}} : vector<16xf64>
// CHECK: scf.yield
// CHECK: math.sqrt %{{.*}} : f64
// CHECK: scf.yield %{{.*}}, %{{.*}} : f32, f32
// CHECK: %[[LASTROW:[a-zA-Z0-9_]+]] = arith.muli %[[LAST]], %[[Q]] : index
// CHECK: vector.broadcast %[[F]]#0 : f32 to vector<16xf32>
// CHECK: } else {
// CHECK: scf.for %{{.*}} = %c0 to %[[O]] step %c1 {
// NEVER-LABEL: func.func @dynamic
// NEVER-NOT: 12582912
// NEVER-NOT: iter_args({{.*}}) -> (f32, f32)
// ALWAYS-LABEL: func.func @dynamic
// ALWAYS-NOT: 12582912
// ALWAYS: iter_args({{.*}}) -> (f32, f32)
func.func @dynamic(%v: memref<?x?xf32>, %g: memref<?x1xf32>, %w: memref<?x?xf32>) {
  wn.weight_norm dim(0) ins(%v, %g : memref<?x?xf32>, memref<?x1xf32>) outs(%w : memref<?x?xf32>)
  return
}

// -----

/// A static tensor below the threshold (3.2 KB) folds to the row-by-row
/// kernel; wn.weight_norm_scale, which writes no w, is never pipelined.
// CHECK-LABEL: func.func @small
// CHECK-NOT: iter_args({{.*}}) -> (f32, f32)
// CHECK: scf.for %{{.*}} = %c0 to %c8 step %c1 {
// ALWAYS-LABEL: func.func @small
// ALWAYS: iter_args({{.*}}) -> (f32, f32)
// ALWAYS-LABEL: func.func @scale
// ALWAYS-NOT: iter_args({{.*}}) -> (f32, f32)
func.func @small(%v: memref<8x100xf32>, %g: memref<8x1xf32>, %w: memref<8x100xf32>) {
  wn.weight_norm dim(0) ins(%v, %g : memref<8x100xf32>, memref<8x1xf32>) outs(%w : memref<8x100xf32>)
  return
}
func.func @scale(%v: memref<8x100xf32>, %g: memref<8x1xf32>, %s: memref<8x1xf32>) {
  wn.weight_norm_scale dim(0) ins(%v, %g : memref<8x100xf32>, memref<8x1xf32>) outs(%s : memref<8x1xf32>)
  return
}

// BAD: pipeline-rows-min-bytes must be at least -1 (-1: never), but is -2
