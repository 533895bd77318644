// RUN: wn-opt %s '-wn-fold-constants=max-elements=-1' -verify-diagnostics | FileCheck %s

/// Past the folding limit (2^26 elements of v) nothing is folded, even when
/// asked for any size: the host would hold 2^32 doubles. The pass says so.
// CHECK-LABEL: func.func @huge_splat
// CHECK: wn.weight_norm
func.func @huge_splat() -> tensor<65536x65536xf32> {
  %v = arith.constant dense<1.0> : tensor<65536x65536xf32>
  %g = arith.constant dense<2.0> : tensor<65536xf32>
  %init = tensor.empty() : tensor<65536x65536xf32>
  // expected-warning @+1 {{not folded: v has 4294967296 elements, more than the 67108864 that constants are folded up to}}
  %w = wn.weight_norm dim(0) ins(%v, %g : tensor<65536x65536xf32>, tensor<65536xf32>) outs(%init : tensor<65536x65536xf32>) -> tensor<65536x65536xf32>
  return %w : tensor<65536x65536xf32>
}
