// RUN: wn-opt %s --wn-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%runner_libs | FileCheck %s
// RUN: wn-opt %s '--wn-cpu-pipeline=parallel=0 vector-size=4' | mlir-runner -e main -entry-point-result=void -shared-libs=%runner_libs | FileCheck %s
// RUN: wn-opt %s --wn-cpu-pipeline=strategy=materialize | mlir-runner -e main -entry-point-result=void -shared-libs=%runner_libs | FileCheck %s

/// eps and the norm result, executed: eps turns an all-zero slice into zeros
/// instead of NaN and enters the norm as sqrt(sum + eps); the norm result has
/// g's shape, in f32 for bf16 inputs. Values are chosen so that every printed
/// number is exact.

func.func private @printMemrefF32(tensor<*xf32>)
func.func private @printMemrefF64(tensor<*xf64>)

func.func @main() {
  // Rows (3, 4), (0, 0), (0, -5) with eps = 11: norms sqrt(25 + 11) = 6,
  // sqrt(0 + 11) and sqrt(25 + 11) = 6.
  // w = g * v / norm: row 0 with g = 3: (1.5, 2); row 1 with g = 7: zeros,
  // not NaN; row 2 with g = 12: (0, -10).
  // CHECK: [1.5,   2],
  // CHECK-NEXT: [0,   0],
  // CHECK-NEXT: [0,   -10]]
  // CHECK: [6,   3.31662,   6]
  %v = arith.constant dense<[[3.0, 4.0], [0.0, 0.0], [0.0, -5.0]]> : tensor<3x2xf32>
  %g = arith.constant dense<[3.0, 7.0, 12.0]> : tensor<3xf32>
  %init = tensor.empty() : tensor<3x2xf32>
  %ninit = tensor.empty() : tensor<3xf32>
  %w, %n = wn.weight_norm dim(0) eps(11.0) ins(%v, %g : tensor<3x2xf32>, tensor<3xf32>) outs(%init, %ninit : tensor<3x2xf32>, tensor<3xf32>) -> tensor<3x2xf32>, tensor<3xf32>
  %wu = tensor.cast %w : tensor<3x2xf32> to tensor<*xf32>
  call @printMemrefF32(%wu) : (tensor<*xf32>) -> ()
  %nu = tensor.cast %n : tensor<3xf32> to tensor<*xf32>
  call @printMemrefF32(%nu) : (tensor<*xf32>) -> ()

  // bf16, dim 1, keepdim g, no eps: columns (3, 4) and (0, -8) have norms 5
  // and 8, returned in f32 as [[5, 8]]; w = g * v / norm rounds 0.6 and 0.8
  // to bf16.
  // CHECK: {{\[}}[5,   8]]
  // CHECK: {{\[}}[0.601562,   0],
  // CHECK-NEXT: [0.800781,   -2]]
  %vb = arith.constant dense<[[3.0, 0.0], [4.0, -8.0]]> : tensor<2x2xbf16>
  %gb = arith.constant dense<[[1.0, 2.0]]> : tensor<1x2xbf16>
  %ib = tensor.empty() : tensor<2x2xbf16>
  %nib = tensor.empty() : tensor<1x2xf32>
  %wb, %nb = wn.weight_norm dim(1) ins(%vb, %gb : tensor<2x2xbf16>, tensor<1x2xbf16>) outs(%ib, %nib : tensor<2x2xbf16>, tensor<1x2xf32>) -> tensor<2x2xbf16>, tensor<1x2xf32>
  %nbu = tensor.cast %nb : tensor<1x2xf32> to tensor<*xf32>
  call @printMemrefF32(%nbu) : (tensor<*xf32>) -> ()
  %wbf = arith.extf %wb : tensor<2x2xbf16> to tensor<2x2xf32>
  %wbu = tensor.cast %wbf : tensor<2x2xf32> to tensor<*xf32>
  call @printMemrefF32(%wbu) : (tensor<*xf32>) -> ()

  // f64, whole tensor, all zeros, eps = 4: norm 2, w = 0 everywhere; with an
  // all-ones g of rank 2 the norm is [[2]].
  // CHECK: {{\[}}[0,   0,   0]]
  // CHECK: {{\[}}[2]]
  %vz = arith.constant dense<0.0> : tensor<1x3xf64>
  %gz = arith.constant dense<5.0> : tensor<1x1xf64>
  %iz = tensor.empty() : tensor<1x3xf64>
  %niz = tensor.empty() : tensor<1x1xf64>
  %wz, %nz = wn.weight_norm eps(4.0) ins(%vz, %gz : tensor<1x3xf64>, tensor<1x1xf64>) outs(%iz, %niz : tensor<1x3xf64>, tensor<1x1xf64>) -> tensor<1x3xf64>, tensor<1x1xf64>
  %wzu = tensor.cast %wz : tensor<1x3xf64> to tensor<*xf64>
  call @printMemrefF64(%wzu) : (tensor<*xf64>) -> ()
  %nzu = tensor.cast %nz : tensor<1x1xf64> to tensor<*xf64>
  call @printMemrefF64(%nzu) : (tensor<*xf64>) -> ()
  return
}
