// RUN: wn-opt %s -verify-diagnostics '--wn-cache-weights=functions=second,private_layer,from_activation,in_loop' | FileCheck %s
// RUN: not wn-opt %s '--wn-cache-weights=functions=second,nope' 2>&1 | FileCheck %s --check-prefix=UNKNOWN

/// An unknown name in `functions` is an error, and nothing is printed.
// UNKNOWN: error: wn-cache-weights: no func.func named 'nope' (option 'functions')
// UNKNOWN-NOT: second_prepare
// UNKNOWN-NOT: see current operation

/// With `functions`, only the named functions are split (@first is not,
/// though it could be), and each named function left alone gets a warning
/// saying why.
// CHECK-LABEL: func.func @first(
// CHECK-NOT: @first_prepare
// CHECK-LABEL: func.func @second(
// CHECK-LABEL: func.func @second_prepare(
// CHECK-SAME: tensor<4x8xf32>, %{{.*}}: tensor<4x1xf32>) -> tensor<4x8xf32>
// CHECK-LABEL: func.func @second_cached(
// CHECK-SAME: tensor<4x8xf32>, %{{.*}}: tensor<4x8xf32> {bufferization.writable = false}) -> tensor<4x8xf32>
// CHECK-LABEL: func.func private @private_layer(
// CHECK-LABEL: func.func @from_activation(
// CHECK-LABEL: func.func @in_loop(
// CHECK-NOT: _prepare
// CHECK-NOT: _cached
func.func @first(%x: tensor<4x8xf32>, %v: tensor<4x8xf32>, %g: tensor<4x1xf32>) -> tensor<4x8xf32> {
  %i = tensor.empty() : tensor<4x8xf32>
  %w = wn.weight_norm dim(0) ins(%v, %g : tensor<4x8xf32>, tensor<4x1xf32>)
         outs(%i : tensor<4x8xf32>) -> tensor<4x8xf32>
  %y = linalg.add ins(%x, %w : tensor<4x8xf32>, tensor<4x8xf32>) outs(%i : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

func.func @second(%x: tensor<4x8xf32>, %v: tensor<4x8xf32>, %g: tensor<4x1xf32>) -> tensor<4x8xf32> {
  %i = tensor.empty() : tensor<4x8xf32>
  %w = wn.weight_norm dim(0) ins(%v, %g : tensor<4x8xf32>, tensor<4x1xf32>)
         outs(%i : tensor<4x8xf32>) -> tensor<4x8xf32>
  %y = linalg.add ins(%x, %w : tensor<4x8xf32>, tensor<4x8xf32>) outs(%i : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// expected-warning @+1 {{weights of @private_layer not cached: it is not public}}
func.func private @private_layer(%v: tensor<4x8xf32>, %g: tensor<4x1xf32>) -> tensor<4x8xf32> {
  %i = tensor.empty() : tensor<4x8xf32>
  %w = wn.weight_norm dim(0) ins(%v, %g : tensor<4x8xf32>, tensor<4x1xf32>)
         outs(%i : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %w : tensor<4x8xf32>
}

// expected-warning @+1 {{weights of @from_activation not cached: no wn op of its entry block depends only on arguments used for weights and on constants}}
func.func @from_activation(%x: tensor<4x8xf32>, %g: tensor<4x1xf32>) -> tensor<4x8xf32> {
  %i = tensor.empty() : tensor<4x8xf32>
  %v = linalg.mul ins(%x, %x : tensor<4x8xf32>, tensor<4x8xf32>) outs(%i : tensor<4x8xf32>) -> tensor<4x8xf32>
  %w = wn.weight_norm dim(0) ins(%v, %g : tensor<4x8xf32>, tensor<4x1xf32>)
         outs(%i : tensor<4x8xf32>) -> tensor<4x8xf32>
  %y = linalg.add ins(%x, %w : tensor<4x8xf32>, tensor<4x8xf32>) outs(%i : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// expected-warning @+1 {{norms inside loops must be hoisted first, e.g. by --loop-invariant-code-motion}}
func.func @in_loop(%x: tensor<4x8xf32>, %v: tensor<4x8xf32>, %g: tensor<4x1xf32>) -> tensor<4x8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %r = scf.for %it = %c0 to %c3 step %c1 iter_args(%acc = %x) -> tensor<4x8xf32> {
    %e = tensor.empty() : tensor<4x8xf32>
    %w = wn.weight_norm dim(0) ins(%v, %g : tensor<4x8xf32>, tensor<4x1xf32>)
           outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
    %n = linalg.add ins(%acc, %w : tensor<4x8xf32>, tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
    scf.yield %n : tensor<4x8xf32>
  }
  return %r : tensor<4x8xf32>
}
