// RUN: wn-opt %s -wn-fold-constants -split-input-file | FileCheck %s

/// Folding with rescaled sums (WNConstantFold.cpp, the rule of
/// WNNumerics.h): squares that overflow or underflow the compute type, and
/// infinities, give the same results as at run time. Every input here is
/// exact: v = 2^k * [3, 4] with g = 5 gives w = [3, 4] and norm 5 * 2^k.

/// bf16 near 5e19: the squares (about 3e39) overflow f32; the f32 norm is
/// 5 * 2^64.
// CHECK-LABEL: func.func @bf16_huge
// CHECK-DAG: arith.constant dense<[3.000000e+00, -4.000000e+00, 0.000000e+00]> : tensor<3xbf16>
// CHECK-DAG: arith.constant dense<9.22337203E+19> : tensor<f32>
func.func @bf16_huge() -> (tensor<3xbf16>, tensor<f32>) {
  %v = arith.constant dense<[5.5340232221128655e19, -7.378697629483821e19, 0.0]> : tensor<3xbf16>
  %g = arith.constant dense<5.0> : tensor<bf16>
  %init = tensor.empty() : tensor<3xbf16>
  %ninit = tensor.empty() : tensor<f32>
  %w, %n = wn.weight_norm ins(%v, %g : tensor<3xbf16>, tensor<bf16>) outs(%init, %ninit : tensor<3xbf16>, tensor<f32>) -> tensor<3xbf16>, tensor<f32>
  return %w, %n : tensor<3xbf16>, tensor<f32>
}

// -----

/// bf16 near 3e-24: the squares underflow f32 to zero.
// CHECK-LABEL: func.func @bf16_tiny
// CHECK: arith.constant dense<[3.000000e+00, 4.000000e+00]> : tensor<2xbf16>
func.func @bf16_tiny() -> tensor<2xbf16> {
  %v = arith.constant dense<[2.481541837659083e-24, 3.308722450212111e-24]> : tensor<2xbf16>
  %g = arith.constant dense<5.0> : tensor<bf16>
  %init = tensor.empty() : tensor<2xbf16>
  %w = wn.weight_norm ins(%v, %g : tensor<2xbf16>, tensor<bf16>) outs(%init : tensor<2xbf16>) -> tensor<2xbf16>
  return %w : tensor<2xbf16>
}

// -----

/// f64 near 1e157 (2^520): the squares overflow f64.
// CHECK-LABEL: func.func @f64_huge
// CHECK-DAG: arith.constant dense<[3.000000e+00, 4.000000e+00]> : tensor<2xf64>
// CHECK-DAG: arith.constant dense<1.7161994150326524E+157> : tensor<f64>
func.func @f64_huge() -> (tensor<2xf64>, tensor<f64>) {
  %v = arith.constant dense<[1.0297196490195915e157, 1.3729595320261219e157]> : tensor<2xf64>
  %g = arith.constant dense<5.0> : tensor<f64>
  %init = tensor.empty() : tensor<2xf64>
  %ninit = tensor.empty() : tensor<f64>
  %w, %n = wn.weight_norm ins(%v, %g : tensor<2xf64>, tensor<f64>) outs(%init, %ninit : tensor<2xf64>, tensor<f64>) -> tensor<2xf64>, tensor<f64>
  return %w, %n : tensor<2xf64>, tensor<f64>
}

// -----

/// f64 near 1e-162 (2^-540): the squares underflow f64 to zero.
// CHECK-LABEL: func.func @f64_tiny
// CHECK: arith.constant dense<[3.000000e+00, 4.000000e+00]> : tensor<2xf64>
func.func @f64_tiny() -> tensor<2xf64> {
  %v = arith.constant dense<[8.33534531056904e-163, 1.1113793747425387e-162]> : tensor<2xf64>
  %g = arith.constant dense<5.0> : tensor<f64>
  %init = tensor.empty() : tensor<2xf64>
  %w = wn.weight_norm ins(%v, %g : tensor<2xf64>, tensor<f64>) outs(%init : tensor<2xf64>) -> tensor<2xf64>
  return %w : tensor<2xf64>
}

// -----

/// An infinity: norm +inf, w = v * (g / inf): signed zeros, NaN at the
/// infinity, in f16 (whose Kahan sum would compute inf - inf) as in f32.
// CHECK-LABEL: func.func @inf_f16
// CHECK-DAG: arith.constant dense<[0xFE00, 0.000000e+00, -0.000000e+00]> : tensor<3xf16>
// CHECK-DAG: arith.constant dense<0x7F800000> : tensor<f32>
func.func @inf_f16() -> (tensor<3xf16>, tensor<f32>) {
  %v = arith.constant dense<[0x7C00, 1.0, -2.0]> : tensor<3xf16>
  %g = arith.constant dense<1.0> : tensor<f16>
  %init = tensor.empty() : tensor<3xf16>
  %ninit = tensor.empty() : tensor<f32>
  %w, %n = wn.weight_norm ins(%v, %g : tensor<3xf16>, tensor<f16>) outs(%init, %ninit : tensor<3xf16>, tensor<f32>) -> tensor<3xf16>, tensor<f32>
  return %w, %n : tensor<3xf16>, tensor<f32>
}

// -----

/// -inf in f64 (double-double sums): the same.
// CHECK-LABEL: func.func @inf_f64
// CHECK-DAG: arith.constant dense<[0.000000e+00, 0xFFF8000000000000, -0.000000e+00]> : tensor<3xf64>
// CHECK-DAG: arith.constant dense<0x7FF0000000000000> : tensor<f64>
func.func @inf_f64() -> (tensor<3xf64>, tensor<f64>) {
  %v = arith.constant dense<[1.0, 0xFFF0000000000000, -2.0]> : tensor<3xf64>
  %g = arith.constant dense<1.0> : tensor<f64>
  %init = tensor.empty() : tensor<3xf64>
  %ninit = tensor.empty() : tensor<f64>
  %w, %n = wn.weight_norm ins(%v, %g : tensor<3xf64>, tensor<f64>) outs(%init, %ninit : tensor<3xf64>, tensor<f64>) -> tensor<3xf64>, tensor<f64>
  return %w, %n : tensor<3xf64>, tensor<f64>
}

// -----

/// A NaN makes its slice all NaN; an infinity in the other slice gives 0
/// and NaN at the infinity.
// CHECK-LABEL: func.func @nan_bf16
// CHECK: arith.constant dense<{{\[}}[0x7FC0, 0x7FC0], [0xFFC0, 0.000000e+00]]> : tensor<2x2xbf16>
func.func @nan_bf16() -> tensor<2x2xbf16> {
  %v = arith.constant dense<[[0x7FC0, 1.0], [0x7F80, 1.0]]> : tensor<2x2xbf16>
  %g = arith.constant dense<1.0> : tensor<2xbf16>
  %init = tensor.empty() : tensor<2x2xbf16>
  %w = wn.weight_norm dim(0) ins(%v, %g : tensor<2x2xbf16>, tensor<2xbf16>) outs(%init : tensor<2x2xbf16>) -> tensor<2x2xbf16>
  return %w : tensor<2x2xbf16>
}
