// RUN: wn-opt %s -wn-decompose -canonicalize -cse -split-input-file | FileCheck %s

/// The decomposition rescales like the fused loops: the per-slice generic
/// tests the slice's sum (above 2^127, below n * 2^-126 with n = 4 * 5 = 20
/// here) and, only then, reads its slice of v again with tensor.extract in a
/// loop nest over the other dims (max |v|, then the scaled Kahan sum).
// CHECK-LABEL: func.func @middle_bf16
// CHECK-SAME: (%[[V:[a-zA-Z0-9_]+]]: tensor<4x?x5xbf16>
// CHECK: linalg.generic {{.*}} iterator_types = ["reduction", "parallel", "reduction"]
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel"]
// CHECK: ^bb0(%[[HI:[a-zA-Z0-9_]+]]: f32, %[[LO:[a-zA-Z0-9_]+]]: f32, %{{.*}}: bf16, %{{.*}}: f32):
// CHECK:   %[[K:[a-zA-Z0-9_]+]] = linalg.index 0 : index
// CHECK:   arith.cmpf ugt, %[[HI]], %{{.*}} : f32
// CHECK:   arith.cmpf olt, %[[HI]], %{{.*}} : f32
// CHECK:   %[[SLICE:[a-zA-Z0-9_]+]] = scf.if %{{.*}} -> (f32) {
// CHECK:     scf.for %[[I:[a-zA-Z0-9_]+]] = %{{.*}} to %c4
// CHECK:       scf.for %[[J:[a-zA-Z0-9_]+]] = %{{.*}} to %c5
// CHECK:         tensor.extract %[[V]][%[[I]], %[[K]], %[[J]]] : tensor<4x?x5xbf16>
// CHECK:         arith.maximumf
// CHECK:     scf.for
// CHECK:       scf.for
// CHECK:         tensor.extract %[[V]]
// CHECK:     math.sqrt
// CHECK:   } else {
// CHECK:     arith.addf %[[HI]], %[[LO]] : f32
// CHECK:     math.sqrt
// CHECK:   linalg.yield %[[SLICE]] : f32
func.func @middle_bf16(%v: tensor<4x?x5xbf16>, %g: tensor<?xbf16>, %init: tensor<4x?x5xbf16>) -> tensor<4x?x5xbf16> {
  %w = wn.weight_norm dim(1) ins(%v, %g : tensor<4x?x5xbf16>, tensor<?xbf16>) outs(%init : tensor<4x?x5xbf16>) -> tensor<4x?x5xbf16>
  return %w : tensor<4x?x5xbf16>
}

// -----

/// f32: no test, no second reading.
// CHECK-LABEL: func.func @middle_f32
// CHECK-NOT: scf.if
// CHECK-NOT: tensor.extract
// CHECK: return
func.func @middle_f32(%v: tensor<4x?x5xf32>, %g: tensor<?xf32>, %init: tensor<4x?x5xf32>) -> tensor<4x?x5xf32> {
  %w = wn.weight_norm dim(1) ins(%v, %g : tensor<4x?x5xf32>, tensor<?xf32>) outs(%init : tensor<4x?x5xf32>) -> tensor<4x?x5xf32>
  return %w : tensor<4x?x5xf32>
}
