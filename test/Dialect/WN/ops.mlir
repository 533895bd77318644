// RUN: wn-opt %s | FileCheck %s
// RUN: wn-opt %s | wn-opt | FileCheck %s
// RUN: wn-opt %s --mlir-print-op-generic | wn-opt | FileCheck %s

/// The generic form that tools emit parses and prints in the custom form.
// CHECK-LABEL: func.func @generic_form
// CHECK-SAME: (%[[V:[a-zA-Z0-9_]+]]: tensor<64x32x3xf32>, %[[G:[a-zA-Z0-9_]+]]: tensor<64x1x1xf32>, %[[I:[a-zA-Z0-9_]+]]: tensor<64x32x3xf32>)
// CHECK: wn.weight_norm dim(0) ins(%[[V]], %[[G]] : tensor<64x32x3xf32>, tensor<64x1x1xf32>) outs(%[[I]] : tensor<64x32x3xf32>) -> tensor<64x32x3xf32>
func.func @generic_form(%v: tensor<64x32x3xf32>, %g: tensor<64x1x1xf32>, %init: tensor<64x32x3xf32>) -> tensor<64x32x3xf32> {
  %w = "wn.weight_norm"(%v, %g, %init) <{dim = 0 : i64}> : (tensor<64x32x3xf32>, tensor<64x1x1xf32>, tensor<64x32x3xf32>) -> tensor<64x32x3xf32>
  return %w : tensor<64x32x3xf32>
}

/// Negative dims keep their spelling; the flat g layout is accepted.
// CHECK-LABEL: func.func @negative_dim_flat_g
// CHECK: wn.weight_norm dim(-1) ins(%{{.*}}, %{{.*}} : tensor<64x32x3xf32>, tensor<3xf32>)
// CHECK: wn.weight_norm dim(-2) ins(%{{.*}}, %{{.*}} : tensor<64x32x3xf32>, tensor<1x32x1xf32>)
func.func @negative_dim_flat_g(%v: tensor<64x32x3xf32>, %g: tensor<3xf32>, %g2: tensor<1x32x1xf32>, %init: tensor<64x32x3xf32>) -> (tensor<64x32x3xf32>, tensor<64x32x3xf32>) {
  %w = wn.weight_norm dim(-1) ins(%v, %g : tensor<64x32x3xf32>, tensor<3xf32>) outs(%init : tensor<64x32x3xf32>) -> tensor<64x32x3xf32>
  %w2 = wn.weight_norm dim(-2) ins(%v, %g2 : tensor<64x32x3xf32>, tensor<1x32x1xf32>) outs(%init : tensor<64x32x3xf32>) -> tensor<64x32x3xf32>
  return %w, %w2 : tensor<64x32x3xf32>, tensor<64x32x3xf32>
}

/// No dim is the whole-tensor norm, with a 0-d, 1-D or all-ones g.
// CHECK-LABEL: func.func @whole_tensor
// CHECK: wn.weight_norm ins(%{{.*}}, %{{.*}} : tensor<40x20xf32>, tensor<f32>)
// CHECK: wn.weight_norm ins(%{{.*}}, %{{.*}} : tensor<40x20xf32>, tensor<1x1xf32>)
// CHECK: wn.weight_norm ins(%{{.*}}, %{{.*}} : tensor<40x20xf32>, tensor<1xf32>)
func.func @whole_tensor(%v: tensor<40x20xf32>, %s: tensor<f32>, %s2: tensor<1x1xf32>, %s1: tensor<1xf32>, %init: tensor<40x20xf32>) -> (tensor<40x20xf32>, tensor<40x20xf32>, tensor<40x20xf32>) {
  %w = wn.weight_norm ins(%v, %s : tensor<40x20xf32>, tensor<f32>) outs(%init : tensor<40x20xf32>) -> tensor<40x20xf32>
  %w2 = wn.weight_norm ins(%v, %s2 : tensor<40x20xf32>, tensor<1x1xf32>) outs(%init : tensor<40x20xf32>) -> tensor<40x20xf32>
  %w1 = "wn.weight_norm"(%v, %s1, %init) : (tensor<40x20xf32>, tensor<1xf32>, tensor<40x20xf32>) -> tensor<40x20xf32>
  return %w, %w2, %w1 : tensor<40x20xf32>, tensor<40x20xf32>, tensor<40x20xf32>
}

/// Every supported element type, dynamic shapes and rank 1 and 4.
// CHECK-LABEL: func.func @types_and_shapes
// CHECK: wn.weight_norm dim(1) ins(%{{.*}}, %{{.*}} : tensor<?x?xf16>, tensor<?xf16>)
// CHECK: wn.weight_norm dim(0) ins(%{{.*}}, %{{.*}} : tensor<?x4xbf16>, tensor<?x1xbf16>)
// CHECK: wn.weight_norm dim(0) ins(%{{.*}}, %{{.*}} : tensor<7xf64>, tensor<7xf64>)
// CHECK: wn.weight_norm dim(3) ins(%{{.*}}, %{{.*}} : tensor<2x3x4x5xf32>, tensor<1x1x1x5xf32>)
func.func @types_and_shapes(%a: tensor<?x?xf16>, %ga: tensor<?xf16>, %b: tensor<?x4xbf16>, %gb: tensor<?x1xbf16>, %c: tensor<7xf64>, %d: tensor<2x3x4x5xf32>, %gd: tensor<1x1x1x5xf32>) -> (tensor<?x?xf16>, tensor<?x4xbf16>, tensor<7xf64>, tensor<2x3x4x5xf32>) {
  %wa = wn.weight_norm dim(1) ins(%a, %ga : tensor<?x?xf16>, tensor<?xf16>) outs(%a : tensor<?x?xf16>) -> tensor<?x?xf16>
  %wb = wn.weight_norm dim(0) ins(%b, %gb : tensor<?x4xbf16>, tensor<?x1xbf16>) outs(%b : tensor<?x4xbf16>) -> tensor<?x4xbf16>
  %wc = wn.weight_norm dim(0) ins(%c, %c : tensor<7xf64>, tensor<7xf64>) outs(%c : tensor<7xf64>) -> tensor<7xf64>
  %wd = wn.weight_norm dim(3) ins(%d, %gd : tensor<2x3x4x5xf32>, tensor<1x1x1x5xf32>) outs(%d : tensor<2x3x4x5xf32>) -> tensor<2x3x4x5xf32>
  return %wa, %wb, %wc, %wd : tensor<?x?xf16>, tensor<?x4xbf16>, tensor<7xf64>, tensor<2x3x4x5xf32>
}

/// Zero elements are valid.
// CHECK-LABEL: func.func @empty
// CHECK: wn.weight_norm dim(0) ins(%{{.*}}, %{{.*}} : tensor<0x5xf32>, tensor<0xf32>)
func.func @empty(%v: tensor<0x5xf32>, %g: tensor<0xf32>) -> tensor<0x5xf32> {
  %w = wn.weight_norm dim(0) ins(%v, %g : tensor<0x5xf32>, tensor<0xf32>) outs(%v : tensor<0x5xf32>) -> tensor<0x5xf32>
  return %w : tensor<0x5xf32>
}

/// eps and the norm result, alone and together, in every g layout; the norm
/// is in the accumulation type (f32 for f16/bf16).
// CHECK-LABEL: func.func @eps_and_norm
// CHECK: wn.weight_norm dim(0) eps(1.000000e-03) ins(%{{.*}}, %{{.*}} : tensor<8x4xf32>, tensor<8x1xf32>) outs(%{{.*}} : tensor<8x4xf32>) -> tensor<8x4xf32>
// CHECK: %{{.*}}, %{{.*}} = wn.weight_norm dim(-1) ins(%{{.*}}, %{{.*}} : tensor<8x?xbf16>, tensor<?xbf16>) outs(%{{.*}}, %{{.*}} : tensor<8x?xbf16>, tensor<?xf32>) -> tensor<8x?xbf16>, tensor<?xf32>
// CHECK: %{{.*}}, %{{.*}} = wn.weight_norm eps(2.500000e-01) ins(%{{.*}}, %{{.*}} : tensor<8x4xf16>, tensor<1x1xf16>) outs(%{{.*}}, %{{.*}} : tensor<8x4xf16>, tensor<1x1xf32>) -> tensor<8x4xf16>, tensor<1x1xf32>
// CHECK: %{{.*}}, %{{.*}} = wn.weight_norm dim(1) ins(%{{.*}}, %{{.*}} : tensor<8x4xf64>, tensor<1x4xf64>) outs(%{{.*}}, %{{.*}} : tensor<8x4xf64>, tensor<1x4xf64>) -> tensor<8x4xf64>, tensor<1x4xf64>
func.func @eps_and_norm(%a: tensor<8x4xf32>, %ga: tensor<8x1xf32>, %b: tensor<8x?xbf16>, %gb: tensor<?xbf16>, %nb: tensor<?xf32>, %c: tensor<8x4xf16>, %gc: tensor<1x1xf16>, %nc: tensor<1x1xf32>, %d: tensor<8x4xf64>, %gd: tensor<1x4xf64>) -> (tensor<8x4xf32>, tensor<?xf32>, tensor<1x1xf32>, tensor<1x4xf64>) {
  %wa = wn.weight_norm dim(0) eps(1.0e-3) ins(%a, %ga : tensor<8x4xf32>, tensor<8x1xf32>) outs(%a : tensor<8x4xf32>) -> tensor<8x4xf32>
  %wb, %nwb = wn.weight_norm dim(-1) ins(%b, %gb : tensor<8x?xbf16>, tensor<?xbf16>) outs(%b, %nb : tensor<8x?xbf16>, tensor<?xf32>) -> tensor<8x?xbf16>, tensor<?xf32>
  %wc, %nwc = wn.weight_norm eps(0.25) ins(%c, %gc : tensor<8x4xf16>, tensor<1x1xf16>) outs(%c, %nc : tensor<8x4xf16>, tensor<1x1xf32>) -> tensor<8x4xf16>, tensor<1x1xf32>
  %wd, %nwd = "wn.weight_norm"(%d, %gd, %d, %gd) <{dim = 1 : i64}> : (tensor<8x4xf64>, tensor<1x4xf64>, tensor<8x4xf64>, tensor<1x4xf64>) -> (tensor<8x4xf64>, tensor<1x4xf64>)
  return %wa, %nwb, %nwc, %nwd : tensor<8x4xf32>, tensor<?xf32>, tensor<1x1xf32>, tensor<1x4xf64>
}

/// Buffer semantics: on memrefs (any layout for the destinations) the op has
/// no results; it is what bufferization produces.
// CHECK-LABEL: func.func @buffers
// CHECK: wn.weight_norm dim(1) ins(%{{.*}}, %{{.*}} : memref<4x?xf32>, memref<?xf32>) outs(%{{.*}} : memref<4x?xf32, strided<[?, 1], offset: ?>>)
// CHECK-NOT: ->
// CHECK: wn.weight_norm eps(5.000000e-01) ins(%{{.*}}, %{{.*}} : memref<4x?xf16>, memref<f16>) outs(%{{.*}}, %{{.*}} : memref<4x?xf16>, memref<f32>)
func.func @buffers(%v: memref<4x?xf32>, %g: memref<?xf32>, %w: memref<4x?xf32, strided<[?, 1], offset: ?>>, %h: memref<4x?xf16>, %gh: memref<f16>, %wh: memref<4x?xf16>, %n: memref<f32>) {
  wn.weight_norm dim(1) ins(%v, %g : memref<4x?xf32>, memref<?xf32>) outs(%w : memref<4x?xf32, strided<[?, 1], offset: ?>>)
  wn.weight_norm eps(0.5) ins(%h, %gh : memref<4x?xf16>, memref<f16>) outs(%wh, %n : memref<4x?xf16>, memref<f32>)
  return
}

/// wn.weight_norm_scale: g's shape in the accumulation type, every g layout,
/// eps, dynamic sizes, and buffer semantics without results.
// CHECK-LABEL: func.func @scale
// CHECK: %{{.*}} = wn.weight_norm_scale dim(0) ins(%{{.*}}, %{{.*}} : tensor<8x4xf32>, tensor<8x1xf32>) outs(%{{.*}} : tensor<8x1xf32>) -> tensor<8x1xf32>
// CHECK: %{{.*}} = wn.weight_norm_scale dim(-1) eps(1.000000e-03) ins(%{{.*}}, %{{.*}} : tensor<8x?xbf16>, tensor<?xbf16>) outs(%{{.*}} : tensor<?xf32>) -> tensor<?xf32>
// CHECK: %{{.*}} = wn.weight_norm_scale ins(%{{.*}}, %{{.*}} : tensor<8x4xf64>, tensor<f64>) outs(%{{.*}} : tensor<f64>) -> tensor<f64>
// CHECK: wn.weight_norm_scale dim(1) ins(%{{.*}}, %{{.*}} : memref<4x?xf16>, memref<?xf16>) outs(%{{.*}} : memref<?xf32>)
// CHECK-NOT: ->
func.func @scale(%a: tensor<8x4xf32>, %ga: tensor<8x1xf32>, %b: tensor<8x?xbf16>, %gb: tensor<?xbf16>, %sb: tensor<?xf32>, %c: tensor<8x4xf64>, %gc: tensor<f64>, %m: memref<4x?xf16>, %gm: memref<?xf16>, %sm: memref<?xf32>) -> (tensor<8x1xf32>, tensor<?xf32>, tensor<f64>) {
  %sa = wn.weight_norm_scale dim(0) ins(%a, %ga : tensor<8x4xf32>, tensor<8x1xf32>) outs(%ga : tensor<8x1xf32>) -> tensor<8x1xf32>
  %sb2 = wn.weight_norm_scale dim(-1) eps(1.0e-3) ins(%b, %gb : tensor<8x?xbf16>, tensor<?xbf16>) outs(%sb : tensor<?xf32>) -> tensor<?xf32>
  %sc = "wn.weight_norm_scale"(%c, %gc, %gc) : (tensor<8x4xf64>, tensor<f64>, tensor<f64>) -> tensor<f64>
  wn.weight_norm_scale dim(1) ins(%m, %gm : memref<4x?xf16>, memref<?xf16>) outs(%sm : memref<?xf32>)
  return %sa, %sb2, %sc : tensor<8x1xf32>, tensor<?xf32>, tensor<f64>
}

/// wn.weight_norm_backward: tensors with results, an optional saved norm, an
/// eps, the whole-tensor norm; memrefs without results. The generic form
/// prints in the custom form.
// CHECK-LABEL: func.func @backward
// CHECK: %grad_v, %grad_g = wn.weight_norm_backward dim(0) ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<64x32x3xf32>, tensor<64x32x3xf32>, tensor<64x1x1xf32>) outs(%{{.*}}, %{{.*}} : tensor<64x32x3xf32>, tensor<64x1x1xf32>) -> tensor<64x32x3xf32>, tensor<64x1x1xf32>
// CHECK: wn.weight_norm_backward dim(-1) eps(9.9999999999999998E-13) ins(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : tensor<64x32x3xbf16>, tensor<64x32x3xbf16>, tensor<3xbf16>, tensor<3xf32>) outs(%{{.*}}, %{{.*}} : tensor<64x32x3xbf16>, tensor<3xbf16>) -> tensor<64x32x3xbf16>, tensor<3xbf16>
// CHECK: wn.weight_norm_backward ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<64x32x3xf64>, tensor<64x32x3xf64>, tensor<f64>) outs(%{{.*}}, %{{.*}} : tensor<64x32x3xf64>, tensor<f64>) -> tensor<64x32x3xf64>, tensor<f64>
// CHECK: wn.weight_norm_backward dim(1) ins(%{{.*}}, %{{.*}}, %{{.*}} : memref<8x5xf16>, memref<8x5xf16>, memref<5xf16>) outs(%{{.*}}, %{{.*}} : memref<8x5xf16>, memref<5xf16>)
// CHECK-NOT: ->
// CHECK: %grad_v_{{.*}}, %grad_g_{{.*}} = wn.weight_norm_backward dim(0) ins
func.func @backward(%gw: tensor<64x32x3xf32>, %v: tensor<64x32x3xf32>, %g: tensor<64x1x1xf32>,
                    %gwb: tensor<64x32x3xbf16>, %vb: tensor<64x32x3xbf16>, %gb: tensor<3xbf16>, %nb: tensor<3xf32>,
                    %gwd: tensor<64x32x3xf64>, %vd: tensor<64x32x3xf64>, %gd: tensor<f64>,
                    %gwm: memref<8x5xf16>, %vm: memref<8x5xf16>, %gm: memref<5xf16>, %gvm: memref<8x5xf16>, %ggm: memref<5xf16>) {
  %gv, %gg = wn.weight_norm_backward dim(0) ins(%gw, %v, %g : tensor<64x32x3xf32>, tensor<64x32x3xf32>, tensor<64x1x1xf32>) outs(%v, %g : tensor<64x32x3xf32>, tensor<64x1x1xf32>) -> tensor<64x32x3xf32>, tensor<64x1x1xf32>
  %gvb, %ggb = wn.weight_norm_backward dim(-1) eps(1.0e-12) ins(%gwb, %vb, %gb, %nb : tensor<64x32x3xbf16>, tensor<64x32x3xbf16>, tensor<3xbf16>, tensor<3xf32>) outs(%vb, %gb : tensor<64x32x3xbf16>, tensor<3xbf16>) -> tensor<64x32x3xbf16>, tensor<3xbf16>
  %gvd, %ggd = wn.weight_norm_backward ins(%gwd, %vd, %gd : tensor<64x32x3xf64>, tensor<64x32x3xf64>, tensor<f64>) outs(%vd, %gd : tensor<64x32x3xf64>, tensor<f64>) -> tensor<64x32x3xf64>, tensor<f64>
  wn.weight_norm_backward dim(1) ins(%gwm, %vm, %gm : memref<8x5xf16>, memref<8x5xf16>, memref<5xf16>) outs(%gvm, %ggm : memref<8x5xf16>, memref<5xf16>)
  %r:2 = "wn.weight_norm_backward"(%gw, %v, %g, %v, %g) <{dim = 0 : i64}> : (tensor<64x32x3xf32>, tensor<64x32x3xf32>, tensor<64x1x1xf32>, tensor<64x32x3xf32>, tensor<64x1x1xf32>) -> (tensor<64x32x3xf32>, tensor<64x1x1xf32>)
  return
}
