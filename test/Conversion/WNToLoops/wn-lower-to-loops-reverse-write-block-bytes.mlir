// RUN: wn-opt %s '-wn-lower-to-loops=nontemporal-min-bytes=-1 reverse-write-block-bytes=320' -canonicalize -cse -split-input-file | FileCheck %s
// RUN: wn-opt %s '-wn-lower-to-loops=nontemporal-min-bytes=-1 reverse-write-block-bytes=0' -canonicalize -cse -split-input-file | FileCheck %s --check-prefix=FORWARD
// RUN: not wn-opt %s -wn-lower-to-loops=reverse-write-block-bytes=-1 2>&1 | FileCheck %s --check-prefix=BAD

/// reverse-write-block-bytes=N (default 1 MiB): the columns kernel writes
/// each thread's rows (the ones it accumulated, [begin, end) of P = 192
/// rows of 5 positions) in blocks of whole groups of 4 rows of about N
/// bytes (320 / (4 * 5 * 4) = 4 groups: 16 rows), the last block first, so
/// that it starts on the rows the reduction read last; in a block, groups
/// of 4 rows in order, then the rows left one by one. 0: one parallel loop
/// over groups of 4 rows in order, then the remaining rows.
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
// CHECK: %[[BLOCKS:[a-zA-Z0-9_]+]] = arith.ceildivui %[[COUNT]], %c16 : index
// CHECK: scf.for %[[I:[a-zA-Z0-9_]+]] = %c0 to %[[BLOCKS]] step %c1 {
// CHECK: %[[LASTB:[a-zA-Z0-9_]+]] = arith.subi %[[BLOCKS]], %c1 : index
// CHECK: %[[J:[a-zA-Z0-9_]+]] = arith.subi %[[LASTB]], %[[I]] : index
// CHECK: %[[OFF:[a-zA-Z0-9_]+]] = arith.muli %[[J]], %c16 : index
// CHECK: %[[LO:[a-zA-Z0-9_]+]] = arith.addi %[[BEGIN]], %[[OFF]] : index
// CHECK: %[[HI0:[a-zA-Z0-9_]+]] = arith.addi %[[LO]], %c16 : index
// CHECK: %[[HI:[a-zA-Z0-9_]+]] = arith.minui %[[HI0]], %[[END]] : index
// CHECK: %[[GROUPSEND:[a-zA-Z0-9_]+]] = arith.addi %[[LO]], %{{.*}} : index
// CHECK: scf.for %[[P:[a-zA-Z0-9_]+]] = %[[LO]] to %[[GROUPSEND]] step %c4 {
// CHECK: arith.muli %[[P]], %c5 : index
// CHECK-COUNT-4: vector.maskedstore
// CHECK: }
// CHECK: scf.for %[[P1:[a-zA-Z0-9_]+]] = %[[GROUPSEND]] to %[[HI]] step %c1 {
// CHECK: arith.muli %[[P1]], %c5 : index
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

/// The chunks kernel (the whole tensor) writes each thread's chunk in
/// blocks of whole vectors (320 bytes: 80 elements), the last first, each
/// in order with its masked tail last.
// CHECK-LABEL: func.func @whole
// CHECK: scf.parallel
// CHECK: scf.parallel (%{{.*}}) = (%c0) to (%{{.*}})
// CHECK: %[[BLOCKS:[a-zA-Z0-9_]+]] = arith.ceildivui %{{.*}}, %c80 : index
// CHECK: scf.for %[[I:[a-zA-Z0-9_]+]] = %c0 to %[[BLOCKS]] step %c1 {
// CHECK: %[[LASTB:[a-zA-Z0-9_]+]] = arith.subi %[[BLOCKS]], %c1 : index
// CHECK: %[[J:[a-zA-Z0-9_]+]] = arith.subi %[[LASTB]], %[[I]] : index
// CHECK: %[[OFF:[a-zA-Z0-9_]+]] = arith.muli %[[J]], %c80 : index
// CHECK: %[[LO:[a-zA-Z0-9_]+]] = arith.addi %{{.*}}, %[[OFF]] : index
// CHECK: scf.for %[[K:[a-zA-Z0-9_]+]] = %c0 to %{{.*}} step %c16 {
// CHECK: arith.addi %[[LO]], %[[K]] : index
// CHECK: vector.store
// CHECK: }
// CHECK: scf.if
// CHECK: vector.maskedstore
// FORWARD-LABEL: func.func @whole
// FORWARD: scf.parallel
// FORWARD: scf.parallel
// FORWARD-NOT: ceildivui
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

// BAD: reverse-write-block-bytes must be at least 0 (0: in order), but is -1
