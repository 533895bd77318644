// RUN: wn-opt %s --pass-pipeline='builtin.module(func.func(tosa-to-linalg-named,tosa-to-linalg),canonicalize,wn-raise)' | FileCheck %s

/// torch-mlir's TOSA form of torch._weight_norm(v, g, 0) (abs, pow 2,
/// reduce_sum keeping dims, reciprocal of 2 as the exponent, pow, reciprocal,
/// mul by g, mul by v), raised after upstream's tosa-to-linalg(-named) and
/// canonicalization: --wn-raise matches linalg, and TOSA through it.
// CHECK-LABEL: func.func @tosa
// CHECK: %[[W:.*]] = wn.weight_norm dim(0) ins(%arg0, %{{.*}} : tensor<16x8xf32>, tensor<16xf32>)
// CHECK-NOT: linalg.generic
// CHECK: return %[[W]]
func.func @tosa(%v: tensor<16x8xf32>, %g: tensor<16x1xf32>) -> tensor<16x8xf32> {
  %two = "tosa.const"() <{values = dense<2.0> : tensor<1x1xf32>}> : () -> tensor<1x1xf32>
  %tworec_in = "tosa.const"() <{values = dense<2.0> : tensor<1x1xf32>}> : () -> tensor<1x1xf32>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %a = tosa.abs %v : (tensor<16x8xf32>) -> tensor<16x8xf32>
  %p = tosa.pow %a, %two : (tensor<16x8xf32>, tensor<1x1xf32>) -> tensor<16x8xf32>
  %s = tosa.reduce_sum %p {axis = 1 : i32} : (tensor<16x8xf32>) -> tensor<16x1xf32>
  %half = tosa.reciprocal %tworec_in : (tensor<1x1xf32>) -> tensor<1x1xf32>
  %n = tosa.pow %s, %half : (tensor<16x1xf32>, tensor<1x1xf32>) -> tensor<16x1xf32>
  %rn = tosa.reciprocal %n : (tensor<16x1xf32>) -> tensor<16x1xf32>
  %scale = tosa.mul %g, %rn, %shift : (tensor<16x1xf32>, tensor<16x1xf32>, tensor<1xi8>) -> tensor<16x1xf32>
  %w = tosa.mul %v, %scale, %shift : (tensor<16x8xf32>, tensor<16x1xf32>, tensor<1xi8>) -> tensor<16x8xf32>
  return %w : tensor<16x8xf32>
}
