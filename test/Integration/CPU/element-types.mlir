// RUN: wn-opt %s --wn-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%runner_libs | FileCheck %s
// RUN: wn-opt %s '--wn-cpu-pipeline=parallel=0 vector-size=4' | mlir-runner -e main -entry-point-result=void -shared-libs=%runner_libs | FileCheck %s
// RUN: wn-opt %s --wn-cpu-pipeline=strategy=materialize | mlir-runner -e main -entry-point-result=void -shared-libs=%runner_libs | FileCheck %s

/// Every element type: f16 and bf16 accumulate in f32 and round once; f64 stays
/// f64. dim 0 with a keepdim g and dim 1 with a flat g on a [3, 5] tensor. Expected
/// values are torch._weight_norm in float64, rounded to the element type.

func.func private @printMemrefF32(tensor<*xf32>)
func.func private @printMemrefF64(tensor<*xf64>)

func.func @run_f16() {
  %v = arith.constant dense<[[-6.5, -5.25, -4.0, -2.75, -1.5], [-0.25, 1.0, 2.25, 3.5, 4.75], [6.0, 7.25, 8.5, 9.75, 11.0]]> : tensor<3x5xf16>
  %g0 = arith.constant dense<[[0.5], [-3.0], [7.25]]> : tensor<3x1xf16>
  %g1 = arith.constant dense<[1.5, 2.0, -0.75, 4.0, 9.0]> : tensor<5xf16>
  %init = tensor.empty() : tensor<3x5xf16>
  // CHECK: [-0.332275,   -0.268555,   -0.204468,   -0.140625,   -0.0767212]
  // CHECK-NEXT: [0.117249,   -0.468994,   -1.05469,   -1.64062,   -2.22656]
  // CHECK-NEXT: [2.24023,   2.70703,   3.17383,   3.64062,   4.10938]
  %w0 = wn.weight_norm dim(0) ins(%v, %g0 : tensor<3x5xf16>, tensor<3x1xf16>) outs(%init : tensor<3x5xf16>) -> tensor<3x5xf16>
  %w0x = arith.extf %w0 : tensor<3x5xf16> to tensor<3x5xf32>
  %w0u = tensor.cast %w0x : tensor<3x5xf32> to tensor<*xf32>
  call @printMemrefF32(%w0u) : (tensor<*xf32>) -> ()
  // CHECK: [-1.10156,   -1.16602,   0.310547,   -1.02637,   -1.11816]
  // CHECK-NEXT: [-0.0423889,   0.222046,   -0.174683,   1.30664,   3.54102]
  // CHECK-NEXT: [1.0166,   1.61035,   -0.660156,   3.63867,   8.19531]
  %w1 = wn.weight_norm dim(1) ins(%v, %g1 : tensor<3x5xf16>, tensor<5xf16>) outs(%init : tensor<3x5xf16>) -> tensor<3x5xf16>
  %w1x = arith.extf %w1 : tensor<3x5xf16> to tensor<3x5xf32>
  %w1u = tensor.cast %w1x : tensor<3x5xf32> to tensor<*xf32>
  call @printMemrefF32(%w1u) : (tensor<*xf32>) -> ()
  return
}

func.func @run_bf16() {
  %v = arith.constant dense<[[-6.5, -5.25, -4.0, -2.75, -1.5], [-0.25, 1.0, 2.25, 3.5, 4.75], [6.0, 7.25, 8.5, 9.75, 11.0]]> : tensor<3x5xbf16>
  %g0 = arith.constant dense<[[0.5], [-3.0], [7.25]]> : tensor<3x1xbf16>
  %g1 = arith.constant dense<[1.5, 2.0, -0.75, 4.0, 9.0]> : tensor<5xbf16>
  %init = tensor.empty() : tensor<3x5xbf16>
  // CHECK: [-0.332031,   -0.267578,   -0.204102,   -0.140625,   -0.0766602]
  // CHECK-NEXT: [0.117188,   -0.46875,   -1.05469,   -1.64062,   -2.23438]
  // CHECK-NEXT: [2.23438,   2.70312,   3.17188,   3.64062,   4.09375]
  %w0 = wn.weight_norm dim(0) ins(%v, %g0 : tensor<3x5xbf16>, tensor<3x1xbf16>) outs(%init : tensor<3x5xbf16>) -> tensor<3x5xbf16>
  %w0x = arith.extf %w0 : tensor<3x5xbf16> to tensor<3x5xf32>
  %w0u = tensor.cast %w0x : tensor<3x5xf32> to tensor<*xf32>
  call @printMemrefF32(%w0u) : (tensor<*xf32>) -> ()
  // CHECK: [-1.10156,   -1.16406,   0.310547,   -1.02344,   -1.11719]
  // CHECK-NEXT: [-0.0424805,   0.22168,   -0.174805,   1.30469,   3.54688]
  // CHECK-NEXT: [1.01562,   1.60938,   -0.660156,   3.64062,   8.1875]
  %w1 = wn.weight_norm dim(1) ins(%v, %g1 : tensor<3x5xbf16>, tensor<5xbf16>) outs(%init : tensor<3x5xbf16>) -> tensor<3x5xbf16>
  %w1x = arith.extf %w1 : tensor<3x5xbf16> to tensor<3x5xf32>
  %w1u = tensor.cast %w1x : tensor<3x5xf32> to tensor<*xf32>
  call @printMemrefF32(%w1u) : (tensor<*xf32>) -> ()
  return
}

func.func @run_f64() {
  %v = arith.constant dense<[[-6.5, -5.25, -4.0, -2.75, -1.5], [-0.25, 1.0, 2.25, 3.5, 4.75], [6.0, 7.25, 8.5, 9.75, 11.0]]> : tensor<3x5xf64>
  %g0 = arith.constant dense<[[0.5], [-3.0], [7.25]]> : tensor<3x1xf64>
  %g1 = arith.constant dense<[1.5, 2.0, -0.75, 4.0, 9.0]> : tensor<5xf64>
  %init = tensor.empty() : tensor<3x5xf64>
  // CHECK: [-0.332351,   -0.268438,   -0.204524,   -0.14061,   -0.0766965]
  // CHECK-NEXT: [0.11722,   -0.468879,   -1.05498,   -1.64108,   -2.22717]
  // CHECK-NEXT: [2.24074,   2.70756,   3.17438,   3.6412,   4.10802]
  %w0 = wn.weight_norm dim(0) ins(%v, %g0 : tensor<3x5xf64>, tensor<3x1xf64>) outs(%init : tensor<3x5xf64>) -> tensor<3x5xf64>
  %w0u = tensor.cast %w0 : tensor<3x5xf64> to tensor<*xf64>
  call @printMemrefF64(%w0u) : (tensor<*xf64>) -> ()
  // CHECK: [-1.10177,   -1.16577,   0.310564,   -1.02631,   -1.11799]
  // CHECK-NEXT: [-0.0423756,   0.222051,   -0.174692,   1.30622,   3.54029]
  // CHECK-NEXT: [1.01701,   1.60987,   -0.659949,   3.63875,   8.19856]
  %w1 = wn.weight_norm dim(1) ins(%v, %g1 : tensor<3x5xf64>, tensor<5xf64>) outs(%init : tensor<3x5xf64>) -> tensor<3x5xf64>
  %w1u = tensor.cast %w1 : tensor<3x5xf64> to tensor<*xf64>
  call @printMemrefF64(%w1u) : (tensor<*xf64>) -> ()
  return
}

func.func @main() {
  call @run_f16() : () -> ()
  call @run_bf16() : () -> ()
  call @run_f64() : () -> ()
  return
}
