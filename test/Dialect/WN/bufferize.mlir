// RUN: wn-opt %s -one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" -canonicalize -split-input-file | FileCheck %s

/// wn.weight_norm bufferizes to the op on memrefs, writing into its
/// destination's buffer: here the function's own argument, in place, since
/// nothing else reads it.
// CHECK-LABEL: func.func @in_place
// CHECK-SAME: (%[[V:[a-zA-Z0-9_]+]]: memref<8x4xf32>, %[[G:[a-zA-Z0-9_]+]]: memref<8x1xf32>, %[[I:[a-zA-Z0-9_]+]]: memref<8x4xf32>) -> memref<8x4xf32>
// CHECK-NOT: memref.alloc
// CHECK-NOT: memref.copy
// CHECK: wn.weight_norm dim(0) ins(%[[V]], %[[G]] : memref<8x4xf32>, memref<8x1xf32>) outs(%[[I]] : memref<8x4xf32>)
// CHECK: return %[[I]]
func.func @in_place(%v: tensor<8x4xf32>, %g: tensor<8x1xf32>, %init: tensor<8x4xf32>) -> tensor<8x4xf32> {
  %w = wn.weight_norm dim(0) ins(%v, %g : tensor<8x4xf32>, tensor<8x1xf32>) outs(%init : tensor<8x4xf32>) -> tensor<8x4xf32>
  return %w : tensor<8x4xf32>
}

// -----

/// The destination is only written: a tensor.empty destination is a fresh
/// buffer with nothing copied into it; v itself is never written, so using it
/// afterwards needs no copy either. The norm result gets its own buffer.
// CHECK-LABEL: func.func @fresh_destinations
// CHECK-SAME: (%[[V:[a-zA-Z0-9_]+]]: memref<8x4xbf16>, %[[G:[a-zA-Z0-9_]+]]: memref<4xbf16>)
// CHECK-DAG: %[[W:[a-zA-Z0-9_]+]] = memref.alloc() {{.*}} : memref<8x4xbf16>
// CHECK-DAG: %[[N:[a-zA-Z0-9_]+]] = memref.alloc() {{.*}} : memref<4xf32>
// CHECK-NOT: memref.copy
// CHECK: wn.weight_norm dim(1) eps(5.000000e-01) ins(%[[V]], %[[G]] : memref<8x4xbf16>, memref<4xbf16>) outs(%[[W]], %[[N]] : memref<8x4xbf16>, memref<4xf32>)
// CHECK: return %[[W]], %[[N]], %[[V]]
func.func @fresh_destinations(%v: tensor<8x4xbf16>, %g: tensor<4xbf16>) -> (tensor<8x4xbf16>, tensor<4xf32>, tensor<8x4xbf16>) {
  %init = tensor.empty() : tensor<8x4xbf16>
  %ninit = tensor.empty() : tensor<4xf32>
  %w, %n = wn.weight_norm dim(1) eps(0.5) ins(%v, %g : tensor<8x4xbf16>, tensor<4xbf16>) outs(%init, %ninit : tensor<8x4xbf16>, tensor<4xf32>) -> tensor<8x4xbf16>, tensor<4xf32>
  return %w, %n, %v : tensor<8x4xbf16>, tensor<4xf32>, tensor<8x4xbf16>
}

// -----

/// v as its own destination: every w depends on a whole slice of v, so the
/// op cannot write into the buffer it reads; bufferization gives w a buffer
/// of its own rather than overwrite v.
// CHECK-LABEL: func.func @overwrite_v
// CHECK-SAME: (%[[V:[a-zA-Z0-9_]+]]: memref<16xf64>, %[[G:[a-zA-Z0-9_]+]]: memref<f64>)
// CHECK: %[[W:[a-zA-Z0-9_]+]] = memref.alloc() {{.*}} : memref<16xf64>
// CHECK: wn.weight_norm ins(%[[V]], %[[G]] : memref<16xf64>, memref<f64>) outs(%[[W]] : memref<16xf64>)
// CHECK: return %[[W]]
func.func @overwrite_v(%v: tensor<16xf64>, %g: tensor<f64>) -> tensor<16xf64> {
  %w = wn.weight_norm ins(%v, %g : tensor<16xf64>, tensor<f64>) outs(%v : tensor<16xf64>) -> tensor<16xf64>
  return %w : tensor<16xf64>
}

// -----

/// wn.weight_norm_scale bufferizes the same way: its scale is written in
/// place into the destination's buffer (here the function's own argument),
/// which it does not read, with no copy.
// CHECK-LABEL: func.func @scale_in_place
// CHECK-SAME: (%[[V:[a-zA-Z0-9_]+]]: memref<8x4xf16>, %[[G:[a-zA-Z0-9_]+]]: memref<8x1xf16>, %[[S:[a-zA-Z0-9_]+]]: memref<8x1xf32>)
// CHECK-NOT: memref.alloc
// CHECK-NOT: memref.copy
// CHECK: wn.weight_norm_scale dim(0) eps(1.000000e-03) ins(%[[V]], %[[G]] : memref<8x4xf16>, memref<8x1xf16>) outs(%[[S]] : memref<8x1xf32>)
// CHECK: return %[[S]]
func.func @scale_in_place(%v: tensor<8x4xf16>, %g: tensor<8x1xf16>, %s: tensor<8x1xf32> {bufferization.writable = true}) -> tensor<8x1xf32> {
  %r = wn.weight_norm_scale dim(0) eps(1.0e-3) ins(%v, %g : tensor<8x4xf16>, tensor<8x1xf16>) outs(%s : tensor<8x1xf32>) -> tensor<8x1xf32>
  return %r : tensor<8x1xf32>
}

// -----

/// wn.weight_norm_backward bufferizes likewise: grad_w, v, g and the saved
/// norm are read, grad_v and grad_g written into their destinations.
// CHECK-LABEL: func.func @backward
// CHECK-SAME: (%[[GW:[a-zA-Z0-9_]+]]: memref<16x8xf32>, %[[V:[a-zA-Z0-9_]+]]: memref<16x8xf32>, %[[G:[a-zA-Z0-9_]+]]: memref<16xf32>, %[[N:[a-zA-Z0-9_]+]]: memref<16xf32>)
// CHECK-DAG: %[[GV:[a-zA-Z0-9_]+]] = memref.alloc() {{.*}}: memref<16x8xf32>
// CHECK-DAG: %[[GG:[a-zA-Z0-9_]+]] = memref.alloc() {{.*}}: memref<16xf32>
// CHECK: wn.weight_norm_backward dim(0) ins(%[[GW]], %[[V]], %[[G]], %[[N]] : memref<16x8xf32>, memref<16x8xf32>, memref<16xf32>, memref<16xf32>) outs(%[[GV]], %[[GG]] : memref<16x8xf32>, memref<16xf32>)
// CHECK-NOT: ->
// CHECK: return %[[GV]], %[[GG]]
func.func @backward(%gw: tensor<16x8xf32>, %v: tensor<16x8xf32>, %g: tensor<16xf32>, %n: tensor<16xf32>) -> (tensor<16x8xf32>, tensor<16xf32>) {
  %e = tensor.empty() : tensor<16x8xf32>
  %eg = tensor.empty() : tensor<16xf32>
  %gv, %gg = wn.weight_norm_backward dim(0) ins(%gw, %v, %g, %n : tensor<16x8xf32>, tensor<16x8xf32>, tensor<16xf32>, tensor<16xf32>) outs(%e, %eg : tensor<16x8xf32>, tensor<16xf32>) -> tensor<16x8xf32>, tensor<16xf32>
  return %gv, %gg : tensor<16x8xf32>, tensor<16xf32>
}
