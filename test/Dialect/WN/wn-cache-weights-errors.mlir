// RUN: wn-opt %s -split-input-file -verify-diagnostics --wn-cache-weights

/// The names the pass would give are taken: an error on the function, with
/// a note at the symbol in the way, rather than a renamed function that a
/// caller would not find.
// expected-error @+1 {{cannot cache the weights of @layer: symbol @layer_prepare already exists}}
func.func @layer(%x: tensor<4x8xf32>, %v: tensor<4x8xf32>, %g: tensor<4x1xf32>) -> tensor<4x8xf32> {
  %i = tensor.empty() : tensor<4x8xf32>
  %w = wn.weight_norm dim(0) ins(%v, %g : tensor<4x8xf32>, tensor<4x1xf32>)
         outs(%i : tensor<4x8xf32>) -> tensor<4x8xf32>
  %y = linalg.add ins(%x, %w : tensor<4x8xf32>, tensor<4x8xf32>) outs(%i : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// expected-note @+1 {{@layer_prepare is defined here}}
func.func private @layer_prepare(tensor<4x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32>

// -----

/// Any symbol counts, not only functions.
// expected-error @+1 {{cannot cache the weights of @layer: symbol @layer_cached already exists}}
func.func @layer(%x: tensor<4x8xf32>, %v: tensor<4x8xf32>, %g: tensor<4x1xf32>) -> tensor<4x8xf32> {
  %i = tensor.empty() : tensor<4x8xf32>
  %w = wn.weight_norm dim(0) ins(%v, %g : tensor<4x8xf32>, tensor<4x1xf32>)
         outs(%i : tensor<4x8xf32>) -> tensor<4x8xf32>
  %y = linalg.add ins(%x, %w : tensor<4x8xf32>, tensor<4x8xf32>) outs(%i : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// expected-note @+1 {{@layer_cached is defined here}}
memref.global "private" @layer_cached : memref<4xf32>

