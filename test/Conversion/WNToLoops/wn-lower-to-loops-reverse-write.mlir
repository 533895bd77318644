// RUN: wn-opt %s '-wn-lower-to-loops=nontemporal-min-bytes=-1' -canonicalize -cse -split-input-file | FileCheck %s
// RUN: wn-opt %s '-wn-lower-to-loops=nontemporal-min-bytes=-1 reverse-write=0' -canonicalize -cse -split-input-file | FileCheck %s --check-prefix=FORWARD

/// reverse-write (default on): the columns kernel writes each thread's rows
/// (the ones it accumulated, [begin, end) of P = 192 rows of 5 positions)
/// from the last to the first, in groups of 4 rows from the end and then
/// the rows left at the beginning one by one, so that it starts on the rows
/// the reduction read last. Off: one parallel loop over groups of 4 rows
/// in order, then the remaining rows.
// CHECK-LABEL: func.func @columns
// CHECK: %[[THREADS:[a-zA-Z0-9_]+]] = arith.maxui
// CHECK: %[[PER:[a-zA-Z0-9_]+]] = arith.ceildivui %c192, %[[THREADS]] : index
// CHECK: scf.parallel
// CHECK: scf.parallel
// CHECK: scf.parallel (%[[T:[a-zA-Z0-9_]+]]) = (%c0) to (%[[THREADS]])
// CHECK: %[[B0:[a-zA-Z0-9_]+]] = arith.muli %[[T]], %[[PER]] : index
// CHECK: %[[BEGIN:[a-zA-Z0-9_]+]] = arith.minui %[[B0]], %c192 : index
// CHECK: %[[E0:[a-zA-Z0-9_]+]] = arith.addi %[[BEGIN]], %[[PER]] : index
// CHECK: %[[END:[a-zA-Z0-9_]+]] = arith.minui %[[E0]], %c192 : index
// CHECK: %[[COUNT:[a-zA-Z0-9_]+]] = arith.subi %[[END]], %[[BEGIN]] : index
// CHECK: %[[GROUPS:[a-zA-Z0-9_]+]] = arith.divui %[[COUNT]], %c4 : index
// CHECK: scf.for %[[I:[a-zA-Z0-9_]+]] = %c0 to %[[GROUPS]] step %c1 {
// CHECK: %[[I1:[a-zA-Z0-9_]+]] = arith.addi %[[I]], %c1 : index
// CHECK: %[[BACK:[a-zA-Z0-9_]+]] = arith.muli %[[I1]], %c4 : index
// CHECK: %[[FIRST:[a-zA-Z0-9_]+]] = arith.subi %[[END]], %[[BACK]] : index
// CHECK: arith.muli %[[FIRST]], %c5 : index
// CHECK-COUNT-4: vector.maskedstore
// CHECK: }
// CHECK: scf.for %[[J:[a-zA-Z0-9_]+]] = %c0 to %[[REST:[a-zA-Z0-9_]+]] step %c1 {
// CHECK: %[[J1:[a-zA-Z0-9_]+]] = arith.addi %[[J]], %c1 : index
// CHECK: %[[LAST:[a-zA-Z0-9_]+]] = arith.addi %[[BEGIN]], %[[REST]] : index
// CHECK: %[[ROW:[a-zA-Z0-9_]+]] = arith.subi %[[LAST]], %[[J1]] : index
// CHECK: arith.muli %[[ROW]], %c5 : index
// CHECK: vector.maskedstore
// FORWARD-LABEL: func.func @columns
// FORWARD: scf.parallel (%{{.*}}) = (%c0) to (%c48) step (%c1) {
// FORWARD-COUNT-4: vector.maskedstore
// FORWARD-NOT: scf.parallel
func.func @columns(%v: memref<64x3x5xf32>, %g: memref<1x1x5xf32>, %w: memref<64x3x5xf32>) {
  wn.weight_norm dim(2) ins(%v, %g : memref<64x3x5xf32>, memref<1x1x5xf32>) outs(%w : memref<64x3x5xf32>)
  return
}

// -----

/// The chunks kernel (the whole tensor) writes each thread's chunk from its
/// end: the masked tail first, then the whole vectors down to the chunk's
/// first.
// CHECK-LABEL: func.func @whole
// CHECK: scf.parallel
// CHECK: scf.parallel (%{{.*}}) = (%c0) to (%{{.*}})
// CHECK: %[[FULL:[a-zA-Z0-9_]+]] = arith.muli %{{.*}}, %c16 : index
// CHECK: scf.if
// CHECK: vector.maskedstore
// CHECK: scf.for %[[J:[a-zA-Z0-9_]+]] = %c0 to %[[FULL]] step %c16 {
// CHECK: %[[LASTV:[a-zA-Z0-9_]+]] = arith.subi %[[FULL]], %c16 : index
// CHECK: %[[AT:[a-zA-Z0-9_]+]] = arith.subi %[[LASTV]], %[[J]] : index
// CHECK: arith.addi %{{.*}}, %[[AT]] : index
// CHECK: vector.store
// FORWARD-LABEL: func.func @whole
// FORWARD: scf.parallel
// FORWARD: scf.parallel
// FORWARD: scf.for %[[J:[a-zA-Z0-9_]+]] = %c0 to %{{.*}} step %c16 {
// FORWARD: arith.addi %{{.*}}, %[[J]] : index
// FORWARD: vector.store
// FORWARD: }
// FORWARD: scf.if
// FORWARD: vector.maskedstore
func.func @whole(%v: memref<?xf32>, %g: memref<f32>, %w: memref<?xf32>) {
  wn.weight_norm ins(%v, %g : memref<?xf32>, memref<f32>) outs(%w : memref<?xf32>)
  return
}
