// RUN: wn-opt %s -wn-fold-constants -split-input-file | FileCheck %s
// RUN: wn-opt %s '-wn-fold-constants=max-elements=-1' -split-input-file | FileCheck %s --check-prefix=NOLIMIT
// RUN: wn-opt %s '-wn-fold-constants=max-elements=4' -split-input-file | FileCheck %s --check-prefix=SMALL
// RUN: not wn-opt %s '-wn-fold-constants=max-elements=-2' -split-input-file 2>&1 | FileCheck %s --check-prefix=BADLIMIT

// BADLIMIT: error: --wn-fold-constants: max-elements must be at least -1 (-1: up to the folding limit), but is -2

/// Above the default limit the pass keeps a weight norm whose v has another
/// user; with max-elements=-1 it folds it whatever v's other users (rows of
/// 289 ones have norm 17).
// CHECK-LABEL: func.func @big_with_other_user
// CHECK: %[[V:.*]] = arith.constant dense<1.000000e+00> : tensor<256x289xf32>
// CHECK: %[[W:.*]] = wn.weight_norm dim(0) ins(%[[V]]
// CHECK: return %[[W]], %[[V]]
// NOLIMIT-LABEL: func.func @big_with_other_user
// NOLIMIT-NOT: wn.weight_norm
// NOLIMIT-DAG: %[[V:.*]] = arith.constant dense<1.000000e+00> : tensor<256x289xf32>
// NOLIMIT-DAG: %[[W:.*]] = arith.constant dense<2.000000e+00> : tensor<256x289xf32>
// NOLIMIT: return %[[W]], %[[V]]
// SMALL-LABEL: func.func @big_with_other_user
// SMALL: wn.weight_norm
func.func @big_with_other_user() -> (tensor<256x289xf32>, tensor<256x289xf32>) {
  %v = arith.constant dense<1.0> : tensor<256x289xf32>
  %g = arith.constant dense<34.0> : tensor<256x1xf32>
  %init = tensor.empty() : tensor<256x289xf32>
  %w = wn.weight_norm dim(0) ins(%v, %g : tensor<256x289xf32>, tensor<256x1xf32>) outs(%init : tensor<256x289xf32>) -> tensor<256x289xf32>
  return %w, %v : tensor<256x289xf32>, tensor<256x289xf32>
}

// -----

/// Within the limit the pass folds (w and the norm result, in g's shape);
/// the folded v, now unused, is erased. With max-elements=4 a v of 4
/// elements still folds.
// CHECK-LABEL: func.func @small
// CHECK-NOT: wn.weight_norm
// CHECK-DAG: %[[W:.*]] = arith.constant dense<{{\[}}[6.000000e+00, 8.000000e+00], [0.000000e+00, 2.000000e+00]]> : tensor<2x2xf32>
// CHECK-DAG: %[[N:.*]] = arith.constant dense<5.000000e+00> : tensor<2x1xf32>
// CHECK-NOT: dense<{{\[}}[3.000000e+00
// CHECK: return %[[W]], %[[N]]
// SMALL-LABEL: func.func @small
// SMALL-NOT: wn.weight_norm
// SMALL: return
func.func @small() -> (tensor<2x2xf32>, tensor<2x1xf32>) {
  %v = arith.constant dense<[[3.0, 4.0], [0.0, 5.0]]> : tensor<2x2xf32>
  %g = arith.constant dense<[[10.0], [2.0]]> : tensor<2x1xf32>
  %init = tensor.empty() : tensor<2x2xf32>
  %ninit = tensor.empty() : tensor<2x1xf32>
  %w, %n = wn.weight_norm dim(0) ins(%v, %g : tensor<2x2xf32>, tensor<2x1xf32>) outs(%init, %ninit : tensor<2x2xf32>, tensor<2x1xf32>) -> tensor<2x2xf32>, tensor<2x1xf32>
  return %w, %n : tensor<2x2xf32>, tensor<2x1xf32>
}

// -----

/// max-elements=4 keeps a v of 6 elements even when it has no other user;
/// the default folds it (norms 3 and 7).
// CHECK-LABEL: func.func @six_elements
// CHECK-NOT: wn.weight_norm
// CHECK: %[[W:.*]] = arith.constant dense<{{\[}}[2.000000e+00, 4.000000e+00, 4.000000e+00], [0.000000e+00, 0.000000e+00, 1.400000e+01]]> : tensor<2x3xf64>
// CHECK: return %[[W]]
// SMALL-LABEL: func.func @six_elements
// SMALL: wn.weight_norm
func.func @six_elements() -> tensor<2x3xf64> {
  %v = arith.constant dense<[[1.0, 2.0, 2.0], [0.0, 0.0, 7.0]]> : tensor<2x3xf64>
  %g = arith.constant dense<[6.0, 14.0]> : tensor<2xf64>
  %init = tensor.empty() : tensor<2x3xf64>
  %w = wn.weight_norm dim(0) ins(%v, %g : tensor<2x3xf64>, tensor<2xf64>) outs(%init : tensor<2x3xf64>) -> tensor<2x3xf64>
  return %w : tensor<2x3xf64>
}

// -----

/// Operands that are not constants are left alone, and so is the buffer
/// form; the pass does not canonicalize (the negative dim stays).
// CHECK-LABEL: func.func @not_constant
// CHECK: wn.weight_norm dim(-1) ins(%{{.*}}, %{{.*}} : tensor<2x2xf32>, tensor<2xf32>)
// CHECK: wn.weight_norm dim(0) ins(%{{.*}}, %{{.*}} : memref<2x2xf32>, memref<2xf32>)
func.func @not_constant(%v: tensor<2x2xf32>, %vm: memref<2x2xf32>, %gm: memref<2xf32>, %wm: memref<2x2xf32>) -> tensor<2x2xf32> {
  %g = arith.constant dense<[10.0, 2.0]> : tensor<2xf32>
  %init = tensor.empty() : tensor<2x2xf32>
  %w = wn.weight_norm dim(-1) ins(%v, %g : tensor<2x2xf32>, tensor<2xf32>) outs(%init : tensor<2x2xf32>) -> tensor<2x2xf32>
  wn.weight_norm dim(0) ins(%vm, %gm : memref<2x2xf32>, memref<2xf32>) outs(%wm : memref<2x2xf32>)
  return %w : tensor<2x2xf32>
}
