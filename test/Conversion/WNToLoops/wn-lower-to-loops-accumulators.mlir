// RUN: wn-opt %s '-wn-lower-to-loops=parallel=0 nontemporal-min-bytes=-1' -canonicalize -cse -split-input-file | FileCheck %s
// RUN: wn-opt %s '-wn-lower-to-loops=parallel=0 nontemporal-min-bytes=-1 accumulators=2' -canonicalize -cse -split-input-file | FileCheck %s --check-prefix=TWO
// RUN: wn-opt %s '-wn-lower-to-loops=parallel=0 nontemporal-min-bytes=-1 accumulators=1' -canonicalize -cse -split-input-file | FileCheck %s --check-prefix=ONE
// RUN: not wn-opt %s -wn-lower-to-loops=accumulators=0 2>&1 | FileCheck %s --check-prefix=ZERO
// RUN: not wn-opt %s -wn-lower-to-loops=accumulators=9 2>&1 | FileCheck %s --check-prefix=NINE
// RUN: not wn-opt %s --wn-cpu-pipeline=accumulators=0 2>&1 | FileCheck %s --check-prefix=ZERO

/// accumulators=N: a reduction of a contiguous range (here a row of the rows
/// kernel, of a dynamic length) carries N independent vector partial sums
/// over blocks of N vectors (default 4), adds them up pairwise, then takes
/// the remaining whole vectors and the masked tail into the sum.
// CHECK-LABEL: func.func @dynamic
// CHECK: %[[SUMS:[a-zA-Z0-9_]+]]:4 = scf.for %{{.*}} = %c0 to %[[BLOCKS:[a-zA-Z0-9_]+]] step %c64 iter_args({{.*}}) -> (vector<16xf64>, vector<16xf64>, vector<16xf64>, vector<16xf64>)
// CHECK-COUNT-4: math.fma %{{.*}} : vector<16xf64>
// CHECK: scf.yield
// CHECK: %[[A:[a-zA-Z0-9_]+]] = arith.addf %[[SUMS]]#0, %[[SUMS]]#1 : vector<16xf64>
// CHECK: %[[B:[a-zA-Z0-9_]+]] = arith.addf %[[SUMS]]#2, %[[SUMS]]#3 : vector<16xf64>
// CHECK: %[[AB:[a-zA-Z0-9_]+]] = arith.addf %[[A]], %[[B]] : vector<16xf64>
// CHECK: scf.for %{{.*}} = %[[BLOCKS]] to %{{.*}} step %c16 iter_args(%{{.*}} = %[[AB]]) -> (vector<16xf64>)
// CHECK: vector.maskedload
// TWO-LABEL: func.func @dynamic
// TWO: %[[SUMS:[a-zA-Z0-9_]+]]:2 = scf.for %{{.*}} step %c32 iter_args({{.*}}) -> (vector<16xf64>, vector<16xf64>)
// TWO: arith.addf %[[SUMS]]#0, %[[SUMS]]#1 : vector<16xf64>
// ONE-LABEL: func.func @dynamic
// ONE-NOT: iter_args({{.*}}, {{.*}})
// ONE: scf.for %{{.*}} step %c16 iter_args(%{{.*}}) -> (vector<16xf64>)
func.func @dynamic(%v: memref<?x?xf32>, %g: memref<?x1xf32>, %w: memref<?x?xf32>) {
  wn.weight_norm dim(0) ins(%v, %g : memref<?x?xf32>, memref<?x1xf32>) outs(%w : memref<?x?xf32>)
  return
}

// -----

/// A static row has no more chains than whole vectors: 100 elements are 6
/// vectors and a tail of 4, so 4 chains take the first 4 vectors at once
/// (the loop of one block folds away) and the next 2 one by one; with 2
/// chains, 3 blocks of 2.
// CHECK-LABEL: func.func @static_row
// CHECK-NOT: iter_args
// CHECK: %[[C01:[a-zA-Z0-9_]+]] = arith.addf %{{.*}}, %{{.*}} : vector<16xf64>
// CHECK: %[[C23:[a-zA-Z0-9_]+]] = arith.addf %{{.*}}, %{{.*}} : vector<16xf64>
// CHECK: arith.addf %[[C01]], %[[C23]] : vector<16xf64>
// CHECK: scf.for %{{.*}} = %c64 to %c96 step %c16 iter_args
// TWO-LABEL: func.func @static_row
// TWO: scf.for %{{.*}} = %c0 to %c96 step %c32 iter_args({{.*}}) -> (vector<16xf64>, vector<16xf64>)
// TWO-NOT: scf.for %{{.*}} = %c96
// TWO: vector.constant_mask [4] : vector<16xi1>
func.func @static_row(%v: memref<8x100xf32>, %g: memref<8x1xf32>, %w: memref<8x100xf32>) {
  wn.weight_norm dim(0) ins(%v, %g : memref<8x100xf32>, memref<8x1xf32>) outs(%w : memref<8x100xf32>)
  return
}

// ZERO: accumulators must be from 1 to 8, but is 0
// NINE: accumulators must be from 1 to 8, but is 9
