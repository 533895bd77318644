// RUN: wn-opt %s -canonicalize -split-input-file | FileCheck %s
// RUN: wn-opt %s -cse -split-input-file | FileCheck %s --check-prefix=CSE

/// A negative dim becomes its non-negative form; g is already canonical.
// CHECK-LABEL: func.func @negative_dim
// CHECK-SAME: (%[[V:[a-zA-Z0-9_]+]]: tensor<4x3xf32>, %[[G:[a-zA-Z0-9_]+]]: tensor<3xf32>, %[[I:[a-zA-Z0-9_]+]]: tensor<4x3xf32>)
// CHECK: %[[W:.*]] = wn.weight_norm dim(1) ins(%[[V]], %[[G]] : tensor<4x3xf32>, tensor<3xf32>) outs(%[[I]] : tensor<4x3xf32>)
// CHECK: return %[[W]]
func.func @negative_dim(%v: tensor<4x3xf32>, %g: tensor<3xf32>, %init: tensor<4x3xf32>) -> tensor<4x3xf32> {
  %w = wn.weight_norm dim(-1) ins(%v, %g : tensor<4x3xf32>, tensor<3xf32>) outs(%init : tensor<4x3xf32>) -> tensor<4x3xf32>
  return %w : tensor<4x3xf32>
}

// -----

/// The buffer form gets the non-negative dim too, but keeps its g layout.
// CHECK-LABEL: func.func @negative_dim_memref
// CHECK-SAME: (%[[V:[a-zA-Z0-9_]+]]: memref<4x3xf32>, %[[G:[a-zA-Z0-9_]+]]: memref<1x3xf32>, %[[W:[a-zA-Z0-9_]+]]: memref<4x3xf32>)
// CHECK-NOT: collapse_shape
// CHECK: wn.weight_norm dim(1) ins(%[[V]], %[[G]] : memref<4x3xf32>, memref<1x3xf32>) outs(%[[W]] : memref<4x3xf32>)
func.func @negative_dim_memref(%v: memref<4x3xf32>, %g: memref<1x3xf32>, %w: memref<4x3xf32>) {
  wn.weight_norm dim(-1) ins(%v, %g : memref<4x3xf32>, memref<1x3xf32>) outs(%w : memref<4x3xf32>)
  return
}

// -----

/// A keepdim g (and the norm destination) is collapsed to the flat layout;
/// the norm result is expanded back so that its users see g's shape.
// CHECK-LABEL: func.func @keepdim_g_with_norm
// CHECK-SAME: (%[[V:[a-zA-Z0-9_]+]]: tensor<8x3x5xbf16>, %[[G:[a-zA-Z0-9_]+]]: tensor<1x3x1xbf16>, %[[I:[a-zA-Z0-9_]+]]: tensor<8x3x5xbf16>, %[[NI:[a-zA-Z0-9_]+]]: tensor<1x3x1xf32>)
// CHECK-DAG: %[[FG:.*]] = tensor.collapse_shape %[[G]] {{\[}}[0, 1, 2]] : tensor<1x3x1xbf16> into tensor<3xbf16>
// CHECK-DAG: %[[FN:.*]] = tensor.collapse_shape %[[NI]] {{\[}}[0, 1, 2]] : tensor<1x3x1xf32> into tensor<3xf32>
// CHECK: %[[W:.*]], %[[N:.*]] = wn.weight_norm dim(1) eps({{.*}}) ins(%[[V]], %[[FG]] : tensor<8x3x5xbf16>, tensor<3xbf16>) outs(%[[I]], %[[FN]] : tensor<8x3x5xbf16>, tensor<3xf32>) -> tensor<8x3x5xbf16>, tensor<3xf32>
// CHECK: %[[EN:.*]] = tensor.expand_shape %[[N]] {{\[}}[0, 1, 2]] output_shape [1, 3, 1] : tensor<3xf32> into tensor<1x3x1xf32>
// CHECK: return %[[W]], %[[EN]] : tensor<8x3x5xbf16>, tensor<1x3x1xf32>
func.func @keepdim_g_with_norm(%v: tensor<8x3x5xbf16>, %g: tensor<1x3x1xbf16>, %init: tensor<8x3x5xbf16>, %ninit: tensor<1x3x1xf32>) -> (tensor<8x3x5xbf16>, tensor<1x3x1xf32>) {
  %w, %n = wn.weight_norm dim(-2) eps(1.0e-12) ins(%v, %g : tensor<8x3x5xbf16>, tensor<1x3x1xbf16>) outs(%init, %ninit : tensor<8x3x5xbf16>, tensor<1x3x1xf32>) -> tensor<8x3x5xbf16>, tensor<1x3x1xf32>
  return %w, %n : tensor<8x3x5xbf16>, tensor<1x3x1xf32>
}

// -----

/// Dynamic sizes: the collapsed g and norm are dynamic along dim, and the
/// expanded norm takes its size from the collapsed one.
// CHECK-LABEL: func.func @keepdim_g_dynamic
// CHECK-SAME: (%[[V:[a-zA-Z0-9_]+]]: tensor<?x?xf32>, %[[G:[a-zA-Z0-9_]+]]: tensor<?x1xf32>, %[[I:[a-zA-Z0-9_]+]]: tensor<?x?xf32>, %[[NI:[a-zA-Z0-9_]+]]: tensor<?x1xf32>)
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[FG:.*]] = tensor.collapse_shape %[[G]] {{\[}}[0, 1]] : tensor<?x1xf32> into tensor<?xf32>
// CHECK-DAG: %[[FN:.*]] = tensor.collapse_shape %[[NI]] {{\[}}[0, 1]] : tensor<?x1xf32> into tensor<?xf32>
// CHECK: %[[W:.*]], %[[N:.*]] = wn.weight_norm dim(0) ins(%[[V]], %[[FG]] : tensor<?x?xf32>, tensor<?xf32>) outs(%[[I]], %[[FN]] : tensor<?x?xf32>, tensor<?xf32>) -> tensor<?x?xf32>, tensor<?xf32>
// CHECK: %[[D:.*]] = tensor.dim %[[FN]], %[[C0]] : tensor<?xf32>
// CHECK: %[[EN:.*]] = tensor.expand_shape %[[N]] {{\[}}[0, 1]] output_shape [%[[D]], 1] : tensor<?xf32> into tensor<?x1xf32>
// CHECK: return %[[W]], %[[EN]]
func.func @keepdim_g_dynamic(%v: tensor<?x?xf32>, %g: tensor<?x1xf32>, %init: tensor<?x?xf32>, %ninit: tensor<?x1xf32>) -> (tensor<?x?xf32>, tensor<?x1xf32>) {
  %w, %n = wn.weight_norm dim(0) ins(%v, %g : tensor<?x?xf32>, tensor<?x1xf32>) outs(%init, %ninit : tensor<?x?xf32>, tensor<?x1xf32>) -> tensor<?x?xf32>, tensor<?x1xf32>
  return %w, %n : tensor<?x?xf32>, tensor<?x1xf32>
}

// -----

/// The whole-tensor norm: an all-ones g (and norm) becomes 0-d.
// CHECK-LABEL: func.func @all_ones_g_with_norm
// CHECK-SAME: (%[[V:[a-zA-Z0-9_]+]]: tensor<?x7xf64>, %[[G:[a-zA-Z0-9_]+]]: tensor<1x1xf64>, %[[I:[a-zA-Z0-9_]+]]: tensor<?x7xf64>, %[[NI:[a-zA-Z0-9_]+]]: tensor<1x1xf64>)
// CHECK-DAG: %[[FG:.*]] = tensor.collapse_shape %[[G]] [] : tensor<1x1xf64> into tensor<f64>
// CHECK-DAG: %[[FN:.*]] = tensor.collapse_shape %[[NI]] [] : tensor<1x1xf64> into tensor<f64>
// CHECK: %[[W:.*]], %[[N:.*]] = wn.weight_norm ins(%[[V]], %[[FG]] : tensor<?x7xf64>, tensor<f64>) outs(%[[I]], %[[FN]] : tensor<?x7xf64>, tensor<f64>) -> tensor<?x7xf64>, tensor<f64>
// CHECK: %[[EN:.*]] = tensor.expand_shape %[[N]] [] output_shape [1, 1] : tensor<f64> into tensor<1x1xf64>
// CHECK: return %[[W]], %[[EN]]
func.func @all_ones_g_with_norm(%v: tensor<?x7xf64>, %g: tensor<1x1xf64>, %init: tensor<?x7xf64>, %ninit: tensor<1x1xf64>) -> (tensor<?x7xf64>, tensor<1x1xf64>) {
  %w, %n = wn.weight_norm ins(%v, %g : tensor<?x7xf64>, tensor<1x1xf64>) outs(%init, %ninit : tensor<?x7xf64>, tensor<1x1xf64>) -> tensor<?x7xf64>, tensor<1x1xf64>
  return %w, %n : tensor<?x7xf64>, tensor<1x1xf64>
}

// -----

/// The whole-tensor norm with a [1] g becomes 0-d; without a norm result
/// nothing is expanded.
// CHECK-LABEL: func.func @one_element_g
// CHECK-SAME: (%[[V:[a-zA-Z0-9_]+]]: tensor<5x6xf16>, %[[G:[a-zA-Z0-9_]+]]: tensor<1xf16>, %[[I:[a-zA-Z0-9_]+]]: tensor<5x6xf16>)
// CHECK: %[[FG:.*]] = tensor.collapse_shape %[[G]] [] : tensor<1xf16> into tensor<f16>
// CHECK: %[[W:.*]] = wn.weight_norm ins(%[[V]], %[[FG]] : tensor<5x6xf16>, tensor<f16>) outs(%[[I]] : tensor<5x6xf16>) -> tensor<5x6xf16>
// CHECK-NOT: expand_shape
// CHECK: return %[[W]]
func.func @one_element_g(%v: tensor<5x6xf16>, %g: tensor<1xf16>, %init: tensor<5x6xf16>) -> tensor<5x6xf16> {
  %w = wn.weight_norm ins(%v, %g : tensor<5x6xf16>, tensor<1xf16>) outs(%init : tensor<5x6xf16>) -> tensor<5x6xf16>
  return %w : tensor<5x6xf16>
}

// -----

/// Canonical layouts are left alone: flat with a dim, 0-d without, and the
/// rank-1 keepdim g, which is the flat one.
// CHECK-LABEL: func.func @canonical_left_alone
// CHECK-NOT: collapse_shape
// CHECK: wn.weight_norm dim(0) ins(%{{.*}}, %{{.*}} : tensor<4x3xf32>, tensor<4xf32>)
// CHECK: wn.weight_norm ins(%{{.*}}, %{{.*}} : tensor<4x3xf32>, tensor<f32>)
// CHECK: wn.weight_norm dim(0) ins(%{{.*}}, %{{.*}} : tensor<4xf32>, tensor<4xf32>)
// CHECK-NOT: expand_shape
func.func @canonical_left_alone(%v: tensor<4x3xf32>, %g: tensor<4xf32>, %s: tensor<f32>, %v1: tensor<4xf32>) -> (tensor<4x3xf32>, tensor<4x3xf32>, tensor<4xf32>) {
  %w = wn.weight_norm dim(0) ins(%v, %g : tensor<4x3xf32>, tensor<4xf32>) outs(%v : tensor<4x3xf32>) -> tensor<4x3xf32>
  %w2 = wn.weight_norm ins(%v, %s : tensor<4x3xf32>, tensor<f32>) outs(%v : tensor<4x3xf32>) -> tensor<4x3xf32>
  %w3 = wn.weight_norm dim(0) ins(%v1, %g : tensor<4xf32>, tensor<4xf32>) outs(%v1 : tensor<4xf32>) -> tensor<4xf32>
  return %w, %w2, %w3 : tensor<4x3xf32>, tensor<4x3xf32>, tensor<4xf32>
}

// -----

/// Constant v and g fold to constants: rows [3, 4] and [0, 5] have norm 5,
/// so g = [10, 2] gives exact integers; the norm result keeps g's shape.
// CHECK-LABEL: func.func @fold_f32
// CHECK-NOT: wn.weight_norm
// CHECK-DAG: %[[W:.*]] = arith.constant dense<{{\[}}[6.000000e+00, 8.000000e+00], [0.000000e+00, 2.000000e+00]]> : tensor<2x2xf32>
// CHECK-DAG: %[[N:.*]] = arith.constant dense<5.000000e+00> : tensor<2x1xf32>
// CHECK: return %[[W]], %[[N]]
func.func @fold_f32() -> (tensor<2x2xf32>, tensor<2x1xf32>) {
  %v = arith.constant dense<[[3.0, 4.0], [0.0, 5.0]]> : tensor<2x2xf32>
  %g = arith.constant dense<[[10.0], [2.0]]> : tensor<2x1xf32>
  %init = tensor.empty() : tensor<2x2xf32>
  %ninit = tensor.empty() : tensor<2x1xf32>
  %w, %n = wn.weight_norm dim(-2) ins(%v, %g : tensor<2x2xf32>, tensor<2x1xf32>) outs(%init, %ninit : tensor<2x2xf32>, tensor<2x1xf32>) -> tensor<2x2xf32>, tensor<2x1xf32>
  return %w, %n : tensor<2x2xf32>, tensor<2x1xf32>
}

// -----

/// f16 and bf16 fold through their f32 accumulation; the norm is f32.
// CHECK-LABEL: func.func @fold_f16_bf16
// CHECK-NOT: wn.weight_norm
// CHECK-DAG: %[[WH:.*]] = arith.constant dense<{{\[}}[6.000000e+00, 0.000000e+00], [8.000000e+00, 2.000000e+00]]> : tensor<2x2xf16>
// CHECK-DAG: %[[NH:.*]] = arith.constant dense<5.000000e+00> : tensor<2xf32>
// CHECK-DAG: %[[WB:.*]] = arith.constant dense<{{\[}}[6.000000e+00, 8.000000e+00], [0.000000e+00, 2.000000e+00]]> : tensor<2x2xbf16>
// CHECK: return %[[WH]], %[[NH]], %[[WB]]
func.func @fold_f16_bf16() -> (tensor<2x2xf16>, tensor<2xf32>, tensor<2x2xbf16>) {
  %vh = arith.constant dense<[[3.0, 0.0], [4.0, 5.0]]> : tensor<2x2xf16>
  %gh = arith.constant dense<[10.0, 2.0]> : tensor<2xf16>
  %ih = tensor.empty() : tensor<2x2xf16>
  %nh = tensor.empty() : tensor<2xf32>
  %wh, %normh = wn.weight_norm dim(1) ins(%vh, %gh : tensor<2x2xf16>, tensor<2xf16>) outs(%ih, %nh : tensor<2x2xf16>, tensor<2xf32>) -> tensor<2x2xf16>, tensor<2xf32>
  %vb = arith.constant dense<[[3.0, 4.0], [0.0, 5.0]]> : tensor<2x2xbf16>
  %gb = arith.constant dense<[[10.0], [2.0]]> : tensor<2x1xbf16>
  %ib = tensor.empty() : tensor<2x2xbf16>
  %wb = wn.weight_norm dim(0) ins(%vb, %gb : tensor<2x2xbf16>, tensor<2x1xbf16>) outs(%ib : tensor<2x2xbf16>) -> tensor<2x2xbf16>
  return %wh, %normh, %wb : tensor<2x2xf16>, tensor<2xf32>, tensor<2x2xbf16>
}

// -----

/// f64 folds with double-double sums; the whole-tensor norm of
/// [[1, 2], [2, 4]] is 5, so g = 10 doubles v.
// CHECK-LABEL: func.func @fold_f64_whole_tensor
// CHECK-NOT: wn.weight_norm
// CHECK-DAG: %[[W:.*]] = arith.constant dense<{{\[}}[2.000000e+00, 4.000000e+00], [4.000000e+00, 8.000000e+00]]> : tensor<2x2xf64>
// CHECK-DAG: %[[N:.*]] = arith.constant dense<5.000000e+00> : tensor<1x1xf64>
// CHECK: return %[[W]], %[[N]]
func.func @fold_f64_whole_tensor() -> (tensor<2x2xf64>, tensor<1x1xf64>) {
  %v = arith.constant dense<[[1.0, 2.0], [2.0, 4.0]]> : tensor<2x2xf64>
  %g = arith.constant dense<10.0> : tensor<1x1xf64>
  %init = tensor.empty() : tensor<2x2xf64>
  %ninit = tensor.empty() : tensor<1x1xf64>
  %w, %n = wn.weight_norm ins(%v, %g : tensor<2x2xf64>, tensor<1x1xf64>) outs(%init, %ninit : tensor<2x2xf64>, tensor<1x1xf64>) -> tensor<2x2xf64>, tensor<1x1xf64>
  return %w, %n : tensor<2x2xf64>, tensor<1x1xf64>
}

// -----

/// An all-zero slice without eps has norm 0 and gives NaN, as at run time
/// (the sign of a NaN is the host's); the norm result is 0 there.
// CHECK-LABEL: func.func @fold_zero_slice
// CHECK-DAG: %[[W:.*]] = arith.constant dense<{{\[}}[3.000000e+00, 4.000000e+00], [0x{{7F|FF}}C00000, 0x{{7F|FF}}C00000]]> : tensor<2x2xf32>
// CHECK-DAG: %[[N:.*]] = arith.constant dense<[5.000000e+00, 0.000000e+00]> : tensor<2xf32>
// CHECK: return %[[W]], %[[N]]
func.func @fold_zero_slice() -> (tensor<2x2xf32>, tensor<2xf32>) {
  %v = arith.constant dense<[[3.0, 4.0], [0.0, 0.0]]> : tensor<2x2xf32>
  %g = arith.constant dense<[5.0, 1.0]> : tensor<2xf32>
  %init = tensor.empty() : tensor<2x2xf32>
  %ninit = tensor.empty() : tensor<2xf32>
  %w, %n = wn.weight_norm dim(0) ins(%v, %g : tensor<2x2xf32>, tensor<2xf32>) outs(%init, %ninit : tensor<2x2xf32>, tensor<2xf32>) -> tensor<2x2xf32>, tensor<2xf32>
  return %w, %n : tensor<2x2xf32>, tensor<2xf32>
}

// -----

/// eps is added to the sum of squares: 9 + 16 = 25 for [3, 0] and 0 + 16
/// for the zero slice, which gives zeros instead of NaN; the same in f16
/// (eps in f32) and f64.
// CHECK-LABEL: func.func @fold_eps
// CHECK-DAG: %[[W:.*]] = arith.constant dense<{{\[}}[3.000000e+00, 0.000000e+00], [0.000000e+00, 0.000000e+00]]> : tensor<2x2xf32>
// CHECK-DAG: %[[N:.*]] = arith.constant dense<[5.000000e+00, 4.000000e+00]> : tensor<2xf32>
// CHECK-DAG: %[[WH:.*]] = arith.constant dense<{{\[}}[3.000000e+00, 0.000000e+00], [0.000000e+00, 0.000000e+00]]> : tensor<2x2xf16>
// CHECK-DAG: %[[WD:.*]] = arith.constant dense<{{\[}}[3.000000e+00, 0.000000e+00], [0.000000e+00, 0.000000e+00]]> : tensor<2x2xf64>
// CHECK-DAG: %[[ND:.*]] = arith.constant dense<[5.000000e+00, 4.000000e+00]> : tensor<2xf64>
// CHECK: return %[[W]], %[[N]], %[[WH]], %[[WD]], %[[ND]]
func.func @fold_eps() -> (tensor<2x2xf32>, tensor<2xf32>, tensor<2x2xf16>, tensor<2x2xf64>, tensor<2xf64>) {
  %v = arith.constant dense<[[3.0, 0.0], [0.0, 0.0]]> : tensor<2x2xf32>
  %g = arith.constant dense<[5.0, 8.0]> : tensor<2xf32>
  %init = tensor.empty() : tensor<2x2xf32>
  %ninit = tensor.empty() : tensor<2xf32>
  %w, %n = wn.weight_norm dim(0) eps(16.0) ins(%v, %g : tensor<2x2xf32>, tensor<2xf32>) outs(%init, %ninit : tensor<2x2xf32>, tensor<2xf32>) -> tensor<2x2xf32>, tensor<2xf32>
  %vh = arith.constant dense<[[3.0, 0.0], [0.0, 0.0]]> : tensor<2x2xf16>
  %gh = arith.constant dense<[5.0, 8.0]> : tensor<2xf16>
  %ih = tensor.empty() : tensor<2x2xf16>
  %wh = wn.weight_norm dim(0) eps(16.0) ins(%vh, %gh : tensor<2x2xf16>, tensor<2xf16>) outs(%ih : tensor<2x2xf16>) -> tensor<2x2xf16>
  %vd = arith.constant dense<[[3.0, 0.0], [0.0, 0.0]]> : tensor<2x2xf64>
  %gd = arith.constant dense<[5.0, 8.0]> : tensor<2xf64>
  %id = tensor.empty() : tensor<2x2xf64>
  %nd = tensor.empty() : tensor<2xf64>
  %wd, %normd = wn.weight_norm dim(0) eps(16.0) ins(%vd, %gd : tensor<2x2xf64>, tensor<2xf64>) outs(%id, %nd : tensor<2x2xf64>, tensor<2xf64>) -> tensor<2x2xf64>, tensor<2xf64>
  return %w, %n, %wh, %wd, %normd : tensor<2x2xf32>, tensor<2xf32>, tensor<2x2xf16>, tensor<2x2xf64>, tensor<2xf64>
}

// -----

/// dense_resource constants fold too (f32 and f16 blobs of [[3, 4], [0, 5]]).
// CHECK-LABEL: func.func @fold_resources
// CHECK-NOT: wn.weight_norm
// CHECK-DAG: %[[W:.*]] = arith.constant dense<{{\[}}[6.000000e+00, 8.000000e+00], [0.000000e+00, 2.000000e+00]]> : tensor<2x2xf32>
// CHECK-DAG: %[[WH:.*]] = arith.constant dense<{{\[}}[6.000000e+00, 8.000000e+00], [0.000000e+00, 2.000000e+00]]> : tensor<2x2xf16>
// CHECK: return %[[W]], %[[WH]]
func.func @fold_resources() -> (tensor<2x2xf32>, tensor<2x2xf16>) {
  %v = arith.constant dense_resource<v_f32> : tensor<2x2xf32>
  %g = arith.constant dense<[10.0, 2.0]> : tensor<2xf32>
  %init = tensor.empty() : tensor<2x2xf32>
  %w = wn.weight_norm dim(0) ins(%v, %g : tensor<2x2xf32>, tensor<2xf32>) outs(%init : tensor<2x2xf32>) -> tensor<2x2xf32>
  %vh = arith.constant dense_resource<v_f16> : tensor<2x2xf16>
  %gh = arith.constant dense<[10.0, 2.0]> : tensor<2xf16>
  %ih = tensor.empty() : tensor<2x2xf16>
  %wh = wn.weight_norm dim(0) ins(%vh, %gh : tensor<2x2xf16>, tensor<2xf16>) outs(%ih : tensor<2x2xf16>) -> tensor<2x2xf16>
  return %w, %wh : tensor<2x2xf32>, tensor<2x2xf16>
}

{-#
  dialect_resources: {
    builtin: {
      v_f32: "0x040000000000404000008040000000000000A040",
      v_f16: "0x020000000042004400000045"
    }
  }
#-}

// -----

/// Above 65536 elements, a v that has another user is not duplicated into a
/// folded w: the weight norm stays (g is still canonicalized).
// CHECK-LABEL: func.func @no_fold_above_limit_with_other_user
// CHECK: %[[V:.*]] = arith.constant dense<1.000000e+00> : tensor<256x289xf32>
// CHECK: %[[W:.*]] = wn.weight_norm dim(0) ins(%[[V]], %{{.*}} : tensor<256x289xf32>, tensor<256xf32>)
// CHECK: return %[[W]], %[[V]]
func.func @no_fold_above_limit_with_other_user() -> (tensor<256x289xf32>, tensor<256x289xf32>) {
  %v = arith.constant dense<1.0> : tensor<256x289xf32>
  %g = arith.constant dense<17.0> : tensor<256x1xf32>
  %init = tensor.empty() : tensor<256x289xf32>
  %w = wn.weight_norm dim(0) ins(%v, %g : tensor<256x289xf32>, tensor<256x1xf32>) outs(%init : tensor<256x289xf32>) -> tensor<256x289xf32>
  return %w, %v : tensor<256x289xf32>, tensor<256x289xf32>
}

// -----

/// At the limit (65536 elements) v is folded even with another user; rows
/// of 256 ones have norm 16.
// CHECK-LABEL: func.func @fold_at_limit_with_other_user
// CHECK-NOT: wn.weight_norm
// CHECK-DAG: %[[V:.*]] = arith.constant dense<1.000000e+00> : tensor<256x256xf32>
// CHECK-DAG: %[[W:.*]] = arith.constant dense<2.000000e+00> : tensor<256x256xf32>
// CHECK: return %[[W]], %[[V]]
func.func @fold_at_limit_with_other_user() -> (tensor<256x256xf32>, tensor<256x256xf32>) {
  %v = arith.constant dense<1.0> : tensor<256x256xf32>
  %g = arith.constant dense<32.0> : tensor<256xf32>
  %init = tensor.empty() : tensor<256x256xf32>
  %w = wn.weight_norm dim(0) ins(%v, %g : tensor<256x256xf32>, tensor<256xf32>) outs(%init : tensor<256x256xf32>) -> tensor<256x256xf32>
  return %w, %v : tensor<256x256xf32>, tensor<256x256xf32>
}

// -----

/// Above the limit, a v whose only user is the weight norm folds: v dies, so
/// nothing is duplicated. Rows of 289 ones have norm 17.
// CHECK-LABEL: func.func @fold_large_single_use
// CHECK-NOT: wn.weight_norm
// CHECK-NOT: dense<1.000000e+00>
// CHECK: %[[W:.*]] = arith.constant dense<3.000000e+00> : tensor<256x289xf32>
// CHECK-NOT: arith.constant
// CHECK: return %[[W]]
func.func @fold_large_single_use() -> tensor<256x289xf32> {
  %v = arith.constant dense<1.0> : tensor<256x289xf32>
  %g = arith.constant dense<51.0> : tensor<256xf32>
  %init = tensor.empty() : tensor<256x289xf32>
  %w = wn.weight_norm dim(0) ins(%v, %g : tensor<256x289xf32>, tensor<256xf32>) outs(%init : tensor<256x289xf32>) -> tensor<256x289xf32>
  return %w : tensor<256x289xf32>
}

// -----

/// A v that is not a constant does not fold, even with a constant g.
// CHECK-LABEL: func.func @no_fold_variable_v
// CHECK-SAME: (%[[V:[a-zA-Z0-9_]+]]: tensor<2x2xf32>)
// CHECK: %[[G:.*]] = arith.constant dense<[1.000000e+01, 2.000000e+00]> : tensor<2xf32>
// CHECK: %[[W:.*]] = wn.weight_norm dim(0) ins(%[[V]], %[[G]] : tensor<2x2xf32>, tensor<2xf32>)
// CHECK: return %[[W]]
func.func @no_fold_variable_v(%v: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %g = arith.constant dense<[10.0, 2.0]> : tensor<2xf32>
  %init = tensor.empty() : tensor<2x2xf32>
  %w = wn.weight_norm dim(0) ins(%v, %g : tensor<2x2xf32>, tensor<2xf32>) outs(%init : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %w : tensor<2x2xf32>
}

// -----

/// The op on tensors has no side effects: CSE merges two identical weight
/// norms, and keeps one that differs (here in eps).
// CSE-LABEL: func.func @cse
// CSE-SAME: (%[[V:[a-zA-Z0-9_]+]]: tensor<4x3xf32>, %[[G:[a-zA-Z0-9_]+]]: tensor<4xf32>, %[[I:[a-zA-Z0-9_]+]]: tensor<4x3xf32>)
// CSE: %[[W:.*]] = wn.weight_norm dim(0) ins(%[[V]], %[[G]]
// CSE-NOT: wn.weight_norm dim(0) ins
// CSE: %[[WE:.*]] = wn.weight_norm dim(0) eps({{.*}}) ins(%[[V]], %[[G]]
// CSE-NOT: wn.weight_norm
// CSE: return %[[W]], %[[W]], %[[WE]]
func.func @cse(%v: tensor<4x3xf32>, %g: tensor<4xf32>, %init: tensor<4x3xf32>) -> (tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>) {
  %w1 = wn.weight_norm dim(0) ins(%v, %g : tensor<4x3xf32>, tensor<4xf32>) outs(%init : tensor<4x3xf32>) -> tensor<4x3xf32>
  %w2 = wn.weight_norm dim(0) ins(%v, %g : tensor<4x3xf32>, tensor<4xf32>) outs(%init : tensor<4x3xf32>) -> tensor<4x3xf32>
  %w3 = wn.weight_norm dim(0) eps(1.0e-5) ins(%v, %g : tensor<4x3xf32>, tensor<4xf32>) outs(%init : tensor<4x3xf32>) -> tensor<4x3xf32>
  return %w1, %w2, %w3 : tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>
}

// -----

/// A resource whose data is not there (elided) cannot be read: no fold.
// CHECK-LABEL: func.func @no_fold_elided_resource
// CHECK: %[[V:.*]] = arith.constant dense_resource<__elided__> : tensor<2x2xf32>
// CHECK: %[[W:.*]] = wn.weight_norm dim(0) ins(%[[V]]
// CHECK: return %[[W]]
func.func @no_fold_elided_resource() -> tensor<2x2xf32> {
  %v = arith.constant dense_resource<__elided__> : tensor<2x2xf32>
  %g = arith.constant dense<[10.0, 2.0]> : tensor<2xf32>
  %init = tensor.empty() : tensor<2x2xf32>
  %w = wn.weight_norm dim(0) ins(%v, %g : tensor<2x2xf32>, tensor<2xf32>) outs(%init : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %w : tensor<2x2xf32>
}

// -----

/// wn.weight_norm_scale: a negative dim becomes non-negative and a keepdim g
/// (with the scale destination) collapses to the canonical layout, the scale
/// expanded back to its type.
// CHECK-LABEL: func.func @scale_canonical
// CHECK-SAME: (%[[V:[a-zA-Z0-9_]+]]: tensor<4x6xf32>, %[[G:[a-zA-Z0-9_]+]]: tensor<1x6xf32>, %[[S:[a-zA-Z0-9_]+]]: tensor<1x6xf32>)
// CHECK-DAG: %[[GC:[a-zA-Z0-9_]+]] = tensor.collapse_shape %[[G]] {{\[}}[0, 1]] : tensor<1x6xf32> into tensor<6xf32>
// CHECK-DAG: %[[SC:[a-zA-Z0-9_]+]] = tensor.collapse_shape %[[S]] {{\[}}[0, 1]] : tensor<1x6xf32> into tensor<6xf32>
// CHECK: %[[R:[a-zA-Z0-9_]+]] = wn.weight_norm_scale dim(1) ins(%[[V]], %[[GC]] : tensor<4x6xf32>, tensor<6xf32>) outs(%[[SC]] : tensor<6xf32>) -> tensor<6xf32>
// CHECK: %[[E:[a-zA-Z0-9_]+]] = tensor.expand_shape %[[R]] {{\[}}[0, 1]] output_shape [1, 6] : tensor<6xf32> into tensor<1x6xf32>
// CHECK: return %[[E]]
func.func @scale_canonical(%v: tensor<4x6xf32>, %g: tensor<1x6xf32>, %s: tensor<1x6xf32>) -> tensor<1x6xf32> {
  %r = wn.weight_norm_scale dim(-1) ins(%v, %g : tensor<4x6xf32>, tensor<1x6xf32>) outs(%s : tensor<1x6xf32>) -> tensor<1x6xf32>
  return %r : tensor<1x6xf32>
}

// -----

/// The norm written into the same tensor as w (v and g both [4, 1]): the
/// norm destination is collapsed to the canonical layout like any other,
/// w's destination is kept.
// CHECK-LABEL: func.func @norm_destination_is_w_destination
// CHECK-SAME: (%[[V:[a-zA-Z0-9_]+]]: tensor<4x1xf32>, %[[G:[a-zA-Z0-9_]+]]: tensor<4x1xf32>, %[[I:[a-zA-Z0-9_]+]]: tensor<4x1xf32>)
// CHECK-DAG: %[[FG:.*]] = tensor.collapse_shape %[[G]] {{\[}}[0, 1]] : tensor<4x1xf32> into tensor<4xf32>
// CHECK-DAG: %[[FN:.*]] = tensor.collapse_shape %[[I]] {{\[}}[0, 1]] : tensor<4x1xf32> into tensor<4xf32>
// CHECK: %[[W:.*]], %[[N:.*]] = wn.weight_norm dim(0) ins(%[[V]], %[[FG]] : tensor<4x1xf32>, tensor<4xf32>) outs(%[[I]], %[[FN]] : tensor<4x1xf32>, tensor<4xf32>)
// CHECK: %[[EN:.*]] = tensor.expand_shape %[[N]]
// CHECK: return %[[W]], %[[EN]]
func.func @norm_destination_is_w_destination(%v: tensor<4x1xf32>, %g: tensor<4x1xf32>, %init: tensor<4x1xf32>) -> (tensor<4x1xf32>, tensor<4x1xf32>) {
  %w, %n = wn.weight_norm dim(0) ins(%v, %g : tensor<4x1xf32>, tensor<4x1xf32>) outs(%init, %init : tensor<4x1xf32>, tensor<4x1xf32>) -> tensor<4x1xf32>, tensor<4x1xf32>
  return %w, %n : tensor<4x1xf32>, tensor<4x1xf32>
}

// -----

/// A splat v of 2^32 elements is past the folding limit (2^26): left to the
/// kernels, in constant time and memory.
// CHECK-LABEL: func.func @huge_splat_not_folded
// CHECK: wn.weight_norm
func.func @huge_splat_not_folded() -> tensor<65536x65536xf32> {
  %v = arith.constant dense<1.0> : tensor<65536x65536xf32>
  %g = arith.constant dense<2.0> : tensor<65536xf32>
  %init = tensor.empty() : tensor<65536x65536xf32>
  %w = wn.weight_norm dim(0) ins(%v, %g : tensor<65536x65536xf32>, tensor<65536xf32>) outs(%init : tensor<65536x65536xf32>) -> tensor<65536x65536xf32>
  return %w : tensor<65536x65536xf32>
}

// -----

/// A splat v and a splat g fold to splats.
// CHECK-LABEL: func.func @splat_folds_to_splat
// CHECK: %[[W:.*]] = arith.constant dense<5.000000e-01> : tensor<256x4xf32>
// CHECK-NOT: wn.weight_norm
// CHECK: return %[[W]]
func.func @splat_folds_to_splat() -> tensor<256x4xf32> {
  %v = arith.constant dense<3.0> : tensor<256x4xf32>
  %g = arith.constant dense<1.0> : tensor<256xf32>
  %init = tensor.empty() : tensor<256x4xf32>
  %w = wn.weight_norm dim(0) ins(%v, %g : tensor<256x4xf32>, tensor<256xf32>) outs(%init : tensor<256x4xf32>) -> tensor<256x4xf32>
  return %w : tensor<256x4xf32>
}

// -----

/// wn.weight_norm_backward: a negative dim folds, and g, the saved norm and
/// grad_g take the canonical layout; grad_g's result is expanded back.
// CHECK-LABEL: func.func @backward_canonical
// CHECK-SAME: (%[[GW:[a-zA-Z0-9_]+]]: tensor<8x4x3xf32>, %[[V:[a-zA-Z0-9_]+]]: tensor<8x4x3xf32>, %[[G:[a-zA-Z0-9_]+]]: tensor<1x4x1xf32>, %[[N:[a-zA-Z0-9_]+]]: tensor<1x4x1xf32>, %[[GGI:[a-zA-Z0-9_]+]]: tensor<1x4x1xf32>)
// CHECK-DAG: %[[CG:[a-zA-Z0-9_]+]] = tensor.collapse_shape %[[G]] {{\[\[}}0, 1, 2]] : tensor<1x4x1xf32> into tensor<4xf32>
// CHECK-DAG: %[[CN:[a-zA-Z0-9_]+]] = tensor.collapse_shape %[[N]] {{\[\[}}0, 1, 2]] : tensor<1x4x1xf32> into tensor<4xf32>
// CHECK-DAG: %[[CI:[a-zA-Z0-9_]+]] = tensor.collapse_shape %[[GGI]] {{\[\[}}0, 1, 2]] : tensor<1x4x1xf32> into tensor<4xf32>
// CHECK: %[[GV:[a-zA-Z0-9_]+]], %[[GG:[a-zA-Z0-9_]+]] = wn.weight_norm_backward dim(1) ins(%[[GW]], %[[V]], %[[CG]], %[[CN]] : tensor<8x4x3xf32>, tensor<8x4x3xf32>, tensor<4xf32>, tensor<4xf32>) outs(%[[V]], %[[CI]] : tensor<8x4x3xf32>, tensor<4xf32>)
// CHECK: %[[E:[a-zA-Z0-9_]+]] = tensor.expand_shape %[[GG]] {{\[\[}}0, 1, 2]] output_shape [1, 4, 1] : tensor<4xf32> into tensor<1x4x1xf32>
// CHECK: return %[[GV]], %[[E]]
func.func @backward_canonical(%gw: tensor<8x4x3xf32>, %v: tensor<8x4x3xf32>, %g: tensor<1x4x1xf32>, %n: tensor<1x4x1xf32>, %ggi: tensor<1x4x1xf32>) -> (tensor<8x4x3xf32>, tensor<1x4x1xf32>) {
  %gv, %gg = wn.weight_norm_backward dim(-2) ins(%gw, %v, %g, %n : tensor<8x4x3xf32>, tensor<8x4x3xf32>, tensor<1x4x1xf32>, tensor<1x4x1xf32>) outs(%v, %ggi : tensor<8x4x3xf32>, tensor<1x4x1xf32>) -> tensor<8x4x3xf32>, tensor<1x4x1xf32>
  return %gv, %gg : tensor<8x4x3xf32>, tensor<1x4x1xf32>
}
