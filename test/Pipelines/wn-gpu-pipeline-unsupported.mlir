// RUN: wn-opt %s '--wn-gpu-pipeline=format=isa' -split-input-file -verify-diagnostics

/// The GPU pipeline makes kernels of wn ops only: a linalg op it would leave
/// on the host, reading device memory, is an error at its location rather
/// than half-lowered IR.
func.func @matmul(%a: tensor<8x16xf32>, %b: tensor<16x4xf32>, %c: tensor<8x4xf32>) -> tensor<8x4xf32> {
  // expected-error @+1 {{--wn-gpu-pipeline: 'linalg.matmul' is not supported: only wn ops become GPU kernels}}
  %r = linalg.matmul ins(%a, %b : tensor<8x16xf32>, tensor<16x4xf32>) outs(%c : tensor<8x4xf32>) -> tensor<8x4xf32>
  return %r : tensor<8x4xf32>
}

// -----

/// Elementwise ops on tensors become linalg.generic ops: the same.
func.func @relu(%a: tensor<8x16xf32>) -> tensor<8x16xf32> {
  %z = arith.constant dense<0.0> : tensor<8x16xf32>
  // expected-error @+1 {{--wn-gpu-pipeline: 'linalg.generic' is not supported}}
  %r = arith.maximumf %a, %z : tensor<8x16xf32>
  return %r : tensor<8x16xf32>
}
