// RUN: wn-opt %s -wn-fuse-into-consumers -split-input-file | FileCheck %s

/// Linear as torch-mlir writes it: w transposed, then a matmul into the bias.
/// The transpose becomes the map of a linalg.generic reading v; its result,
/// into zeros, is scaled per output column (the keepdim scale read at
/// (n, 0)) and added to the bias, written over the accumulator; the
/// epilogue never reads its output argument (elementwise fusion then leaves
/// no extra result). No w, no transpose.
// CHECK-DAG: #[[ID:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[SN:.+]] = affine_map<(d0, d1) -> (d1, 0)>
// CHECK-DAG: #[[VMAP:.+]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-LABEL: func.func @linear_transpose
// CHECK-SAME: (%[[X:[a-zA-Z0-9_]+]]: tensor<8x16xf32>, %[[V:[a-zA-Z0-9_]+]]: tensor<32x16xf32>, %[[G:[a-zA-Z0-9_]+]]: tensor<32x1xf32>, %[[B:[a-zA-Z0-9_]+]]: tensor<8x32xf32>)
// CHECK-NOT: wn.weight_norm dim
// CHECK-NOT: linalg.transpose
// CHECK: %[[S:[a-zA-Z0-9_]+]] = wn.weight_norm_scale dim(0) ins(%[[V]], %[[G]] : tensor<32x16xf32>, tensor<32x1xf32>) outs(%{{.*}} : tensor<32x1xf32>) -> tensor<32x1xf32>
// CHECK: %[[Z:[a-zA-Z0-9_]+]] = linalg.fill
// CHECK: %[[ACC:[a-zA-Z0-9_]+]] = linalg.generic {indexing_maps = [#{{.*}}, #[[VMAP]], #{{.*}}], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[X]], %[[V]] : tensor<8x16xf32>, tensor<32x16xf32>) outs(%[[Z]] : tensor<8x32xf32>)
// CHECK: %[[Y:[a-zA-Z0-9_]+]] = linalg.generic {indexing_maps = [#[[ID]], #[[SN]], #[[ID]], #[[ID]]], {{.*}}} ins(%[[ACC]], %[[S]], %[[B]] : tensor<8x32xf32>, tensor<32x1xf32>, tensor<8x32xf32>) outs(%[[ACC]] : tensor<8x32xf32>)
// CHECK-NEXT: ^bb0(%[[A:[a-zA-Z0-9_]+]]: f32, %[[SC:[a-zA-Z0-9_]+]]: f32, %[[I:[a-zA-Z0-9_]+]]: f32, %{{[a-zA-Z0-9_]+}}: f32):
// CHECK-NEXT:   %[[P:[a-zA-Z0-9_]+]] = arith.mulf %[[A]], %[[SC]] : f32
// CHECK-NEXT:   %[[R:[a-zA-Z0-9_]+]] = arith.addf %[[I]], %[[P]] : f32
// CHECK-NEXT:   linalg.yield %[[R]] : f32
// CHECK: return %[[Y]]
func.func @linear_transpose(%x: tensor<8x16xf32>, %v: tensor<32x16xf32>, %g: tensor<32x1xf32>, %b: tensor<8x32xf32>) -> tensor<8x32xf32> {
  %e = tensor.empty() : tensor<32x16xf32>
  %w = wn.weight_norm dim(0) ins(%v, %g : tensor<32x16xf32>, tensor<32x1xf32>) outs(%e : tensor<32x16xf32>) -> tensor<32x16xf32>
  %et = tensor.empty() : tensor<16x32xf32>
  %wt = linalg.transpose ins(%w : tensor<32x16xf32>) outs(%et : tensor<16x32xf32>) permutation = [1, 0]
  %y = linalg.matmul ins(%x, %wt : tensor<8x16xf32>, tensor<16x32xf32>) outs(%b : tensor<8x32xf32>) -> tensor<8x32xf32>
  return %y : tensor<8x32xf32>
}

// -----

/// A matmul with a transposed-B indexing map into zeros stays a named
/// linalg.matmul on v, and its result is scaled over itself (flat scale).
// CHECK-DAG: #[[SN:.+]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @linear_maps
// CHECK-SAME: (%[[X:[a-zA-Z0-9_]+]]: tensor<8x16xf32>, %[[V:[a-zA-Z0-9_]+]]: tensor<32x16xf32>, %[[G:[a-zA-Z0-9_]+]]: tensor<32xf32>)
// CHECK: %[[S:[a-zA-Z0-9_]+]] = wn.weight_norm_scale dim(0) ins(%[[V]], %[[G]]
// CHECK: %[[ACC:[a-zA-Z0-9_]+]] = linalg.matmul indexing_maps = {{.*}} ins(%[[X]], %[[V]] : tensor<8x16xf32>, tensor<32x16xf32>)
// CHECK: %[[Y:[a-zA-Z0-9_]+]] = linalg.generic {indexing_maps = [#{{.*}}, #[[SN]], #{{.*}}], {{.*}}} ins(%[[ACC]], %[[S]] : tensor<8x32xf32>, tensor<32xf32>) outs(%[[ACC]] : tensor<8x32xf32>)
// CHECK:   arith.mulf
// CHECK-NOT: arith.addf
// CHECK: return %[[Y]]
func.func @linear_maps(%x: tensor<8x16xf32>, %v: tensor<32x16xf32>, %g: tensor<32xf32>) -> tensor<8x32xf32> {
  %e = tensor.empty() : tensor<32x16xf32>
  %w = wn.weight_norm dim(0) ins(%v, %g : tensor<32x16xf32>, tensor<32xf32>) outs(%e : tensor<32x16xf32>) -> tensor<32x16xf32>
  %z = arith.constant 0.0 : f32
  %o = tensor.empty() : tensor<8x32xf32>
  %f = linalg.fill ins(%z : f32) outs(%o : tensor<8x32xf32>) -> tensor<8x32xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%x, %w : tensor<8x16xf32>, tensor<32x16xf32>) outs(%f : tensor<8x32xf32>) -> tensor<8x32xf32>
  return %y : tensor<8x32xf32>
}

// -----

/// x @ w with w [K, N] normalized over its columns (dim 1), dynamic sizes.
// CHECK-LABEL: func.func @matmul_columns
// CHECK: wn.weight_norm_scale dim(1) ins(%{{.*}}, %{{.*}} : tensor<?x?xf64>, tensor<?xf64>) outs(%{{.*}} : tensor<?xf64>)
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<?x?xf64>, tensor<?x?xf64>)
// CHECK: linalg.generic
func.func @matmul_columns(%x: tensor<?x?xf64>, %v: tensor<?x?xf64>, %g: tensor<?xf64>, %init: tensor<?x?xf64>) -> tensor<?x?xf64> {
  %w = wn.weight_norm dim(1) ins(%v, %g : tensor<?x?xf64>, tensor<?xf64>) outs(%v : tensor<?x?xf64>) -> tensor<?x?xf64>
  %y = linalg.matmul ins(%x, %w : tensor<?x?xf64>, tensor<?x?xf64>) outs(%init : tensor<?x?xf64>) -> tensor<?x?xf64>
  return %y : tensor<?x?xf64>
}

// -----

/// batch_matmul with w [B, K, N] normalized over N: the scale is read at
/// the output's last dimension.
// CHECK-DAG: #[[SN:.+]] = affine_map<(d0, d1, d2) -> (0, 0, d2)>
// CHECK-LABEL: func.func @batch_matmul
// CHECK: wn.weight_norm_scale dim(2)
// CHECK: linalg.batch_matmul
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[SN]], #{{.*}}]
func.func @batch_matmul(%x: tensor<3x8x32xf32>, %v: tensor<3x32x24xf32>, %g: tensor<1x1x24xf32>, %f: tensor<3x8x24xf32>) -> tensor<3x8x24xf32> {
  %e = tensor.empty() : tensor<3x32x24xf32>
  %w = wn.weight_norm dim(2) ins(%v, %g : tensor<3x32x24xf32>, tensor<1x1x24xf32>) outs(%e : tensor<3x32x24xf32>) -> tensor<3x32x24xf32>
  %z = arith.constant 0.0 : f32
  %zf = linalg.fill ins(%z : f32) outs(%f : tensor<3x8x24xf32>) -> tensor<3x8x24xf32>
  %y = linalg.batch_matmul ins(%x, %w : tensor<3x8x32xf32>, tensor<3x32x24xf32>) outs(%zf : tensor<3x8x24xf32>) -> tensor<3x8x24xf32>
  return %y : tensor<3x8x24xf32>
}

// -----

/// Conv1d (NCW input, FCW filter) normalized over its output channels, f16
/// accumulating into f32: the named conv on v, the f32 scale at the output's
/// channel dimension (1), with eps carried over.
// CHECK-DAG: #[[SN:.+]] = affine_map<(d0, d1, d2) -> (d1)>
// CHECK-LABEL: func.func @conv1d
// CHECK: %[[S:[a-zA-Z0-9_]+]] = wn.weight_norm_scale dim(0) eps(9.9999999999999998E-13) ins(%{{.*}}, %{{.*}} : tensor<12x8x3xf16>, tensor<12xf16>) outs(%{{.*}} : tensor<12xf32>)
// CHECK: %[[ACC:[a-zA-Z0-9_]+]] = linalg.conv_1d_ncw_fcw {{.*}} ins(%{{.*}}, %{{.*}} : tensor<2x8x40xf16>, tensor<12x8x3xf16>)
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[SN]], #{{.*}}], {{.*}}} ins(%[[ACC]], %[[S]] : tensor<2x12x18xf32>, tensor<12xf32>) outs(%[[ACC]] : tensor<2x12x18xf32>)
func.func @conv1d(%x: tensor<2x8x40xf16>, %v: tensor<12x8x3xf16>, %g: tensor<12xf16>) -> tensor<2x12x18xf32> {
  %e = tensor.empty() : tensor<12x8x3xf16>
  %w = wn.weight_norm dim(0) eps(1.0e-12) ins(%v, %g : tensor<12x8x3xf16>, tensor<12xf16>) outs(%e : tensor<12x8x3xf16>) -> tensor<12x8x3xf16>
  %z = arith.constant 0.0 : f32
  %o = tensor.empty() : tensor<2x12x18xf32>
  %f = linalg.fill ins(%z : f32) outs(%o : tensor<2x12x18xf32>) -> tensor<2x12x18xf32>
  %y = linalg.conv_1d_ncw_fcw {dilations = dense<2> : tensor<1xi64>, strides = dense<2> : tensor<1xi64>} ins(%x, %w : tensor<2x8x40xf16>, tensor<12x8x3xf16>) outs(%f : tensor<2x12x18xf32>) -> tensor<2x12x18xf32>
  return %y : tensor<2x12x18xf32>
}

// -----

/// Conv2d (NCHW, FCHW) on bf16 inputs and weights accumulating in f32: the
/// epilogue scales the f32 result by the f32 scale, no rounding to bf16.
// CHECK-LABEL: func.func @conv2d_bf16
// CHECK: wn.weight_norm_scale dim(0) ins(%{{.*}}, %{{.*}} : tensor<16x8x3x3xbf16>, tensor<16xbf16>) outs(%{{.*}} : tensor<16xf32>)
// CHECK: linalg.conv_2d_nchw_fchw {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x8x10x10xbf16>, tensor<16x8x3x3xbf16>) outs(%{{.*}} : tensor<1x16x8x8xf32>)
// CHECK: linalg.generic
// CHECK:   arith.mulf %{{.*}} : f32
// CHECK-NOT: arith.truncf
// CHECK: return
func.func @conv2d_bf16(%x: tensor<1x8x10x10xbf16>, %v: tensor<16x8x3x3xbf16>, %g: tensor<16xbf16>, %f: tensor<1x16x8x8xf32>) -> tensor<1x16x8x8xf32> {
  %e = tensor.empty() : tensor<16x8x3x3xbf16>
  %w = wn.weight_norm dim(0) ins(%v, %g : tensor<16x8x3x3xbf16>, tensor<16xbf16>) outs(%e : tensor<16x8x3x3xbf16>) -> tensor<16x8x3x3xbf16>
  %z = arith.constant 0.0 : f32
  %zf = linalg.fill ins(%z : f32) outs(%f : tensor<1x16x8x8xf32>) -> tensor<1x16x8x8xf32>
  %y = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x8x10x10xbf16>, tensor<16x8x3x3xbf16>) outs(%zf : tensor<1x16x8x8xf32>) -> tensor<1x16x8x8xf32>
  return %y : tensor<1x16x8x8xf32>
}

// -----

/// An einsum-like linalg.generic contraction (w read as (n, k), casts on w)
/// qualifies like the named ops, and a whole-tensor norm gives a scalar
/// scale read at no index.
// CHECK-DAG: #[[SN:.+]] = affine_map<(d0, d1) -> ()>
// CHECK-LABEL: func.func @generic_whole
// CHECK: %[[S:[a-zA-Z0-9_]+]] = wn.weight_norm_scale ins(%{{.*}}, %{{.*}} : tensor<32x16xf16>, tensor<f16>) outs(%{{.*}} : tensor<f32>)
// CHECK: %[[ACC:[a-zA-Z0-9_]+]] = linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<8x16xf32>, tensor<32x16xf16>)
// CHECK:   arith.extf
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[SN]], #{{.*}}, #{{.*}}], {{.*}}} ins(%[[ACC]], %[[S]], %{{.*}} : tensor<8x32xf32>, tensor<f32>, tensor<8x32xf32>) outs(%[[ACC]] : tensor<8x32xf32>)
func.func @generic_whole(%x: tensor<8x16xf32>, %v: tensor<32x16xf16>, %g: tensor<f16>, %b: tensor<8x32xf32>) -> tensor<8x32xf32> {
  %e = tensor.empty() : tensor<32x16xf16>
  %w = wn.weight_norm ins(%v, %g : tensor<32x16xf16>, tensor<f16>) outs(%e : tensor<32x16xf16>) -> tensor<32x16xf16>
  %y = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x, %w : tensor<8x16xf32>, tensor<32x16xf16>) outs(%b : tensor<8x32xf32>) {
  ^bb0(%a: f32, %c: f16, %o: f32):
    %ce = arith.extf %c : f16 to f32
    %p = arith.mulf %a, %ce : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  } -> tensor<8x32xf32>
  return %y : tensor<8x32xf32>
}

// -----

/// Left alone: w has another user (it is also returned), so it must exist.
// CHECK-LABEL: func.func @other_user
// CHECK: wn.weight_norm dim(0)
// CHECK-NOT: wn.weight_norm_scale
func.func @other_user(%x: tensor<8x16xf32>, %v: tensor<32x16xf32>, %g: tensor<32xf32>, %f: tensor<8x32xf32>) -> (tensor<8x32xf32>, tensor<32x16xf32>) {
  %e = tensor.empty() : tensor<32x16xf32>
  %w = wn.weight_norm dim(0) ins(%v, %g : tensor<32x16xf32>, tensor<32xf32>) outs(%e : tensor<32x16xf32>) -> tensor<32x16xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%x, %w : tensor<8x16xf32>, tensor<32x16xf32>) outs(%f : tensor<8x32xf32>) -> tensor<8x32xf32>
  return %y, %w : tensor<8x32xf32>, tensor<32x16xf32>
}

// -----

/// Left alone: a ConvTranspose weight [in, out, k] normalized over dim 0,
/// its input channels, which the transposed convolution (written as a
/// generic) sums over: the scale varies along the summation.
// CHECK-LABEL: func.func @conv_transpose
// CHECK: wn.weight_norm dim(0)
// CHECK-NOT: wn.weight_norm_scale
func.func @conv_transpose(%x: tensor<1x16x20xf32>, %v: tensor<16x8x4xf32>, %g: tensor<16x1x1xf32>, %f: tensor<1x8x17xf32>) -> tensor<1x8x17xf32> {
  %e = tensor.empty() : tensor<16x8x4xf32>
  %w = wn.weight_norm dim(0) ins(%v, %g : tensor<16x8x4xf32>, tensor<16x1x1xf32>) outs(%e : tensor<16x8x4xf32>) -> tensor<16x8x4xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(n, o, t, i, k) -> (n, i, t + k)>, affine_map<(n, o, t, i, k) -> (i, o, k)>, affine_map<(n, o, t, i, k) -> (n, o, t)>], iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%x, %w : tensor<1x16x20xf32>, tensor<16x8x4xf32>) outs(%f : tensor<1x8x17xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %p = arith.mulf %a, %c : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x8x17xf32>
  return %y : tensor<1x8x17xf32>
}

// -----

/// Left alone: Linear's x @ w^T with w normalized over dim 1, the contracted
/// input features.
// CHECK-LABEL: func.func @contracted_dim
// CHECK: wn.weight_norm dim(1)
// CHECK-NOT: wn.weight_norm_scale
func.func @contracted_dim(%x: tensor<8x16xf32>, %v: tensor<32x16xf32>, %g: tensor<16xf32>, %f: tensor<8x32xf32>) -> tensor<8x32xf32> {
  %e = tensor.empty() : tensor<32x16xf32>
  %w = wn.weight_norm dim(1) ins(%v, %g : tensor<32x16xf32>, tensor<16xf32>) outs(%e : tensor<32x16xf32>) -> tensor<32x16xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%x, %w : tensor<8x16xf32>, tensor<32x16xf32>) outs(%f : tensor<8x32xf32>) -> tensor<8x32xf32>
  return %y : tensor<8x32xf32>
}

// -----

/// Left alone: a body that is not linear in w (out + x * exp(w)), and an
/// elementwise consumer that is no contraction (w + x).
// CHECK-LABEL: func.func @not_linear
// CHECK-COUNT-2: wn.weight_norm dim(0)
// CHECK-NOT: wn.weight_norm_scale
func.func @not_linear(%x: tensor<8x16xf32>, %v: tensor<32x16xf32>, %g: tensor<32xf32>, %f: tensor<8x32xf32>, %x2: tensor<32x16xf32>) -> (tensor<8x32xf32>, tensor<32x16xf32>) {
  %e = tensor.empty() : tensor<32x16xf32>
  %w = wn.weight_norm dim(0) ins(%v, %g : tensor<32x16xf32>, tensor<32xf32>) outs(%e : tensor<32x16xf32>) -> tensor<32x16xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x, %w : tensor<8x16xf32>, tensor<32x16xf32>) outs(%f : tensor<8x32xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %ex = math.exp %c : f32
    %p = arith.mulf %a, %ex : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  } -> tensor<8x32xf32>
  %w2 = wn.weight_norm dim(0) ins(%v, %g : tensor<32x16xf32>, tensor<32xf32>) outs(%e : tensor<32x16xf32>) -> tensor<32x16xf32>
  %sum = linalg.add ins(%w2, %x2 : tensor<32x16xf32>, tensor<32x16xf32>) outs(%e : tensor<32x16xf32>) -> tensor<32x16xf32>
  return %y, %sum : tensor<8x32xf32>, tensor<32x16xf32>
}

// -----

/// Left alone: the norm result is used, and the buffer form (memrefs).
// CHECK-LABEL: func.func @norm_used
// CHECK: wn.weight_norm dim(0)
// CHECK: wn.weight_norm dim(0)
// CHECK-NOT: wn.weight_norm_scale
func.func @norm_used(%x: tensor<8x16xf32>, %v: tensor<32x16xf32>, %g: tensor<32xf32>, %f: tensor<8x32xf32>, %n: tensor<32xf32>, %xm: memref<8x16xf32>, %vm: memref<32x16xf32>, %gm: memref<32xf32>, %wm: memref<32x16xf32>, %ym: memref<8x32xf32>) -> (tensor<8x32xf32>, tensor<32xf32>) {
  %e = tensor.empty() : tensor<32x16xf32>
  %w, %norm = wn.weight_norm dim(0) ins(%v, %g : tensor<32x16xf32>, tensor<32xf32>) outs(%e, %n : tensor<32x16xf32>, tensor<32xf32>) -> tensor<32x16xf32>, tensor<32xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%x, %w : tensor<8x16xf32>, tensor<32x16xf32>) outs(%f : tensor<8x32xf32>) -> tensor<8x32xf32>
  wn.weight_norm dim(0) ins(%vm, %gm : memref<32x16xf32>, memref<32xf32>) outs(%wm : memref<32x16xf32>)
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%xm, %wm : memref<8x16xf32>, memref<32x16xf32>) outs(%ym : memref<8x32xf32>)
  return %y, %norm : tensor<8x32xf32>, tensor<32xf32>
}

// -----

/// One weight norm feeding two contractions (a Linear applied to two
/// inputs, once through a transpose): one scale serves both.
// CHECK-LABEL: func.func @two_consumers
// CHECK-COUNT-1: wn.weight_norm_scale
// CHECK-NOT: wn.weight_norm
// CHECK: return
func.func @two_consumers(%x: tensor<8x16xf32>, %x2: tensor<4x16xf32>, %v: tensor<32x16xf32>, %g: tensor<32xf32>, %f: tensor<8x32xf32>, %f2: tensor<4x32xf32>) -> (tensor<8x32xf32>, tensor<4x32xf32>) {
  %e = tensor.empty() : tensor<32x16xf32>
  %w = wn.weight_norm dim(0) ins(%v, %g : tensor<32x16xf32>, tensor<32xf32>) outs(%e : tensor<32x16xf32>) -> tensor<32x16xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%x, %w : tensor<8x16xf32>, tensor<32x16xf32>) outs(%f : tensor<8x32xf32>) -> tensor<8x32xf32>
  %et = tensor.empty() : tensor<16x32xf32>
  %wt = linalg.transpose ins(%w : tensor<32x16xf32>) outs(%et : tensor<16x32xf32>) permutation = [1, 0]
  %y2 = linalg.matmul ins(%x2, %wt : tensor<4x16xf32>, tensor<16x32xf32>) outs(%f2 : tensor<4x32xf32>) -> tensor<4x32xf32>
  return %y, %y2 : tensor<8x32xf32>, tensor<4x32xf32>
}

// -----

/// Left alone: out + out * w is not linear in w once the output is scaled
/// (the other factor of the product must be the other input), and a
/// transpose that writes into w is no transpose of w.
// CHECK-LABEL: func.func @out_times_w
// CHECK-COUNT-2: wn.weight_norm dim(0)
// CHECK-NOT: wn.weight_norm_scale
func.func @out_times_w(%v: tensor<2x2xf32>, %g: tensor<2xf32>, %f: tensor<1x2xf32>, %x2: tensor<2x2xf32>, %x: tensor<1x2xf32>, %f2: tensor<1x2xf32>) -> (tensor<1x2xf32>, tensor<1x2xf32>) {
  %e = tensor.empty() : tensor<2x2xf32>
  %w = wn.weight_norm dim(0) ins(%v, %g : tensor<2x2xf32>, tensor<2xf32>) outs(%e : tensor<2x2xf32>) -> tensor<2x2xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x, %w : tensor<1x2xf32>, tensor<2x2xf32>) outs(%f : tensor<1x2xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %p = arith.mulf %o, %c : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  } -> tensor<1x2xf32>
  %w2 = wn.weight_norm dim(0) ins(%v, %g : tensor<2x2xf32>, tensor<2xf32>) outs(%e : tensor<2x2xf32>) -> tensor<2x2xf32>
  %t = linalg.transpose ins(%x2 : tensor<2x2xf32>) outs(%w2 : tensor<2x2xf32>) permutation = [1, 0]
  %y2 = linalg.matmul ins(%x, %t : tensor<1x2xf32>, tensor<2x2xf32>) outs(%f2 : tensor<1x2xf32>) -> tensor<1x2xf32>
  return %y, %y2 : tensor<1x2xf32>, tensor<1x2xf32>
}

// -----

/// Left alone: an f16 accumulator. The contraction would sum x * v over the
/// unnormalized v before scaling, which can overflow f16 where the sum of
/// x * w does not; only f32 and wider accumulators are fused.
// CHECK-LABEL: func.func @f16_accumulator
// CHECK: wn.weight_norm dim(0)
// CHECK-NOT: wn.weight_norm_scale
func.func @f16_accumulator(%x: tensor<1x1024xf16>, %v: tensor<1x1024xf16>, %g: tensor<1xf16>, %f: tensor<1x1xf16>) -> tensor<1x1xf16> {
  %e = tensor.empty() : tensor<1x1024xf16>
  %w = wn.weight_norm dim(0) ins(%v, %g : tensor<1x1024xf16>, tensor<1xf16>) outs(%e : tensor<1x1024xf16>) -> tensor<1x1024xf16>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%x, %w : tensor<1x1024xf16>, tensor<1x1024xf16>) outs(%f : tensor<1x1xf16>) -> tensor<1x1xf16>
  return %y : tensor<1x1xf16>
}

// -----

/// A Conv1d into its bias broadcast over batch and time (as wn.export writes
/// it): the epilogue reads the bias itself at the output's channel, the
/// broadcast is left to die; the result is computed over the accumulator.
// CHECK-DAG: #[[BN:.+]] = affine_map<(d0, d1, d2) -> (d1)>
// CHECK-LABEL: func.func @conv1d_bias
// CHECK-SAME: %[[BIAS:[a-zA-Z0-9_]+]]: tensor<12xf32>)
// CHECK: %[[S:[a-zA-Z0-9_]+]] = wn.weight_norm_scale dim(0)
// CHECK: %[[ACC:[a-zA-Z0-9_]+]] = linalg.conv_1d_ncw_fcw
// CHECK: %[[Y:[a-zA-Z0-9_]+]] = linalg.generic {indexing_maps = [#{{.*}}, #[[BN]], #[[BN]], #{{.*}}], {{.*}}} ins(%[[ACC]], %[[S]], %[[BIAS]] : tensor<1x12x38xf32>, tensor<12xf32>, tensor<12xf32>) outs(%[[ACC]] : tensor<1x12x38xf32>)
// CHECK-NEXT: ^bb0(%[[A:[a-zA-Z0-9_]+]]: f32, %[[SC:[a-zA-Z0-9_]+]]: f32, %[[I:[a-zA-Z0-9_]+]]: f32, %{{[a-zA-Z0-9_]+}}: f32):
// CHECK-NEXT:   %[[P:[a-zA-Z0-9_]+]] = arith.mulf %[[A]], %[[SC]] : f32
// CHECK-NEXT:   %[[R:[a-zA-Z0-9_]+]] = arith.addf %[[I]], %[[P]] : f32
// CHECK-NEXT:   linalg.yield %[[R]] : f32
// CHECK: return %[[Y]]
func.func @conv1d_bias(%x: tensor<1x8x40xf32>, %v: tensor<12x8x3xf32>, %g: tensor<12xf32>, %bias: tensor<12xf32>) -> tensor<1x12x38xf32> {
  %e = tensor.empty() : tensor<12x8x3xf32>
  %w = wn.weight_norm dim(0) ins(%v, %g : tensor<12x8x3xf32>, tensor<12xf32>) outs(%e : tensor<12x8x3xf32>) -> tensor<12x8x3xf32>
  %o = tensor.empty() : tensor<1x12x38xf32>
  %b = linalg.broadcast ins(%bias : tensor<12xf32>) outs(%o : tensor<1x12x38xf32>) dimensions = [0, 2]
  %y = linalg.conv_1d_ncw_fcw {dilations = dense<1> : tensor<1xi64>, strides = dense<1> : tensor<1xi64>} ins(%x, %w : tensor<1x8x40xf32>, tensor<12x8x3xf32>) outs(%b : tensor<1x12x38xf32>) -> tensor<1x12x38xf32>
  return %y : tensor<1x12x38xf32>
}
