// RUN: wn-opt %s -loop-invariant-code-motion -split-input-file | FileCheck %s

/// A weight norm on tensors has no side effects: with invariant operands it
/// is hoisted out of scf.for.
// CHECK-LABEL: func.func @scf_for
// CHECK-SAME: (%[[V:[a-zA-Z0-9_]+]]: tensor<64x32xf32>, %[[G:[a-zA-Z0-9_]+]]: tensor<64xf32>, %[[I:[a-zA-Z0-9_]+]]: tensor<64x32xf32>,
// CHECK: %[[W:.*]] = wn.weight_norm dim(0) ins(%[[V]], %[[G]] : tensor<64x32xf32>, tensor<64xf32>) outs(%[[I]] : tensor<64x32xf32>)
// CHECK: scf.for
// CHECK-NOT: wn.weight_norm
// CHECK: arith.addf %{{.*}}, %[[W]]
func.func @scf_for(%v: tensor<64x32xf32>, %g: tensor<64xf32>, %init: tensor<64x32xf32>, %acc: tensor<64x32xf32>, %n: index) -> tensor<64x32xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%a = %acc) -> (tensor<64x32xf32>) {
    %w = wn.weight_norm dim(0) ins(%v, %g : tensor<64x32xf32>, tensor<64xf32>) outs(%init : tensor<64x32xf32>) -> tensor<64x32xf32>
    %s = arith.addf %a, %w : tensor<64x32xf32>
    scf.yield %s : tensor<64x32xf32>
  }
  return %r : tensor<64x32xf32>
}

// -----

/// The body (`after` region) of scf.while may not run at all: only a
/// speculatable op leaves it, and the op on tensors is one (with its norm
/// result).
// CHECK-LABEL: func.func @scf_while
// CHECK-SAME: (%[[V:[a-zA-Z0-9_]+]]: tensor<8x4xbf16>, %[[G:[a-zA-Z0-9_]+]]: tensor<8xbf16>, %[[I:[a-zA-Z0-9_]+]]: tensor<8x4xbf16>, %[[NI:[a-zA-Z0-9_]+]]: tensor<8xf32>,
// CHECK: %[[W:.*]], %[[N:.*]] = wn.weight_norm dim(0) ins(%[[V]], %[[G]] : tensor<8x4xbf16>, tensor<8xbf16>) outs(%[[I]], %[[NI]] : tensor<8x4xbf16>, tensor<8xf32>)
// CHECK: scf.while
// CHECK: do {
// CHECK-NOT: wn.weight_norm
// CHECK: scf.yield
func.func @scf_while(%v: tensor<8x4xbf16>, %g: tensor<8xbf16>, %init: tensor<8x4xbf16>, %ninit: tensor<8xf32>, %acc: tensor<8x4xbf16>, %nacc: tensor<8xf32>) -> (tensor<8x4xbf16>, tensor<8xf32>) {
  %c0 = arith.constant 0 : index
  %r:2 = scf.while (%a = %acc, %b = %nacc) : (tensor<8x4xbf16>, tensor<8xf32>) -> (tensor<8x4xbf16>, tensor<8xf32>) {
    %k = arith.cmpf olt, %b, %nacc : tensor<8xf32>
    %c = tensor.extract %k[%c0] : tensor<8xi1>
    scf.condition(%c) %a, %b : tensor<8x4xbf16>, tensor<8xf32>
  } do {
  ^bb0(%a: tensor<8x4xbf16>, %b: tensor<8xf32>):
    %w, %n = wn.weight_norm dim(0) ins(%v, %g : tensor<8x4xbf16>, tensor<8xbf16>) outs(%init, %ninit : tensor<8x4xbf16>, tensor<8xf32>) -> tensor<8x4xbf16>, tensor<8xf32>
    %s = arith.addf %a, %w : tensor<8x4xbf16>
    %t = arith.addf %b, %n : tensor<8xf32>
    scf.yield %s, %t : tensor<8x4xbf16>, tensor<8xf32>
  }
  return %r#0, %r#1 : tensor<8x4xbf16>, tensor<8xf32>
}

// -----

/// affine.for: hoisted like scf.for (whole-tensor norm, dynamic shapes).
// CHECK-LABEL: func.func @affine_for
// CHECK-SAME: (%[[V:[a-zA-Z0-9_]+]]: tensor<?x?xf64>, %[[G:[a-zA-Z0-9_]+]]: tensor<f64>, %[[I:[a-zA-Z0-9_]+]]: tensor<?x?xf64>,
// CHECK: %[[W:.*]] = wn.weight_norm ins(%[[V]], %[[G]] : tensor<?x?xf64>, tensor<f64>) outs(%[[I]] : tensor<?x?xf64>)
// CHECK: affine.for
// CHECK-NOT: wn.weight_norm
// CHECK: arith.addf %{{.*}}, %[[W]]
func.func @affine_for(%v: tensor<?x?xf64>, %g: tensor<f64>, %init: tensor<?x?xf64>, %acc: tensor<?x?xf64>) -> tensor<?x?xf64> {
  %r = affine.for %i = 0 to 10 iter_args(%a = %acc) -> (tensor<?x?xf64>) {
    %w = wn.weight_norm ins(%v, %g : tensor<?x?xf64>, tensor<f64>) outs(%init : tensor<?x?xf64>) -> tensor<?x?xf64>
    %s = arith.addf %a, %w : tensor<?x?xf64>
    affine.yield %s : tensor<?x?xf64>
  }
  return %r : tensor<?x?xf64>
}

// -----

/// A weight norm of a loop-carried v stays in the loop.
// CHECK-LABEL: func.func @variant_v
// CHECK: scf.for
// CHECK: wn.weight_norm
// CHECK: scf.yield
func.func @variant_v(%v: tensor<64x32xf32>, %g: tensor<64xf32>, %init: tensor<64x32xf32>, %n: index) -> tensor<64x32xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%a = %v) -> (tensor<64x32xf32>) {
    %w = wn.weight_norm dim(0) ins(%a, %g : tensor<64x32xf32>, tensor<64xf32>) outs(%init : tensor<64x32xf32>) -> tensor<64x32xf32>
    scf.yield %w : tensor<64x32xf32>
  }
  return %r : tensor<64x32xf32>
}

// -----

/// The buffer form writes its destination (a memory effect): it stays in
/// every loop, though its operands are invariant.
// CHECK-LABEL: func.func @memref_stays
// CHECK: scf.for
// CHECK-NEXT: wn.weight_norm dim(0) ins(%{{.*}}, %{{.*}} : memref<64x32xf32>, memref<64xf32>)
// CHECK: scf.while
// CHECK: do {
// CHECK: wn.weight_norm dim(0) ins(%{{.*}}, %{{.*}} : memref<64x32xf32>, memref<64xf32>)
// CHECK: affine.for
// CHECK-NEXT: wn.weight_norm dim(0) ins(%{{.*}}, %{{.*}} : memref<64x32xf32>, memref<64xf32>)
func.func @memref_stays(%v: memref<64x32xf32>, %g: memref<64xf32>, %w: memref<64x32xf32>, %n: index, %flag: memref<i1>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.for %i = %c0 to %n step %c1 {
    wn.weight_norm dim(0) ins(%v, %g : memref<64x32xf32>, memref<64xf32>) outs(%w : memref<64x32xf32>)
  }
  scf.while : () -> () {
    %c = memref.load %flag[] : memref<i1>
    scf.condition(%c)
  } do {
    wn.weight_norm dim(0) ins(%v, %g : memref<64x32xf32>, memref<64xf32>) outs(%w : memref<64x32xf32>)
    scf.yield
  }
  affine.for %j = 0 to 10 {
    wn.weight_norm dim(0) ins(%v, %g : memref<64x32xf32>, memref<64xf32>) outs(%w : memref<64x32xf32>)
  }
  return
}
