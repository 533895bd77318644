// RUN: wn-opt %s -transform-interpreter -split-input-file -verify-diagnostics | FileCheck %s

/// Tiling along dim 0 slices v, init and the keepdim g along dim 0 only.
// CHECK-LABEL: func.func @tile_dim0
// CHECK-SAME: (%[[V:[a-zA-Z0-9_]+]]: tensor<64x32x3xf32>, %[[G:[a-zA-Z0-9_]+]]: tensor<64x1x1xf32>, %[[I:[a-zA-Z0-9_]+]]: tensor<64x32x3xf32>)
// CHECK: scf.for %[[IV:[a-zA-Z0-9_]+]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[ACC:[a-zA-Z0-9_]+]] = %[[I]])
// CHECK-DAG: %[[VS:[a-zA-Z0-9_]+]] = tensor.extract_slice %[[V]][%[[IV]], 0, 0] [16, 32, 3] [1, 1, 1]
// CHECK-DAG: %[[IS:[a-zA-Z0-9_]+]] = tensor.extract_slice %[[ACC]][%[[IV]], 0, 0] [16, 32, 3] [1, 1, 1]
// CHECK-DAG: %[[GS:[a-zA-Z0-9_]+]] = tensor.extract_slice %[[G]][%[[IV]], 0, 0] [16, 1, 1] [1, 1, 1]
// CHECK: %[[W:[a-zA-Z0-9_]+]] = wn.weight_norm dim(0) ins(%[[VS]], %[[GS]] : tensor<16x32x3xf32>, tensor<16x1x1xf32>) outs(%[[IS]] : tensor<16x32x3xf32>)
// CHECK: tensor.insert_slice %[[W]] into %[[ACC]][%[[IV]], 0, 0] [16, 32, 3]
func.func @tile_dim0(%v: tensor<64x32x3xf32>, %g: tensor<64x1x1xf32>, %init: tensor<64x32x3xf32>) -> tensor<64x32x3xf32> {
  %w = wn.weight_norm dim(0) ins(%v, %g : tensor<64x32x3xf32>, tensor<64x1x1xf32>) outs(%init : tensor<64x32x3xf32>) -> tensor<64x32x3xf32>
  return %w : tensor<64x32x3xf32>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %op = transform.structured.match ops{["wn.weight_norm"]} in %root : (!transform.any_op) -> !transform.any_op
    %tiled, %loop = transform.structured.tile_using_for %op tile_sizes [16, 0, 0] : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

/// The last dim of a dynamic f16 tensor with a flat g, with a partial last tile.
// CHECK-LABEL: func.func @tile_last_dim_dynamic
// CHECK-SAME: (%[[V:[a-zA-Z0-9_]+]]: tensor<?x32x?xf16>, %[[G:[a-zA-Z0-9_]+]]: tensor<?xf16>
// CHECK: scf.for %[[IV:[a-zA-Z0-9_]+]] =
// CHECK: %[[SZ:[a-zA-Z0-9_]+]] = affine.min
// CHECK-DAG: tensor.extract_slice %[[V]][0, 0, %[[IV]]] [%{{.*}}, 32, %[[SZ]]] [1, 1, 1]
// CHECK-DAG: %[[GS:[a-zA-Z0-9_]+]] = tensor.extract_slice %[[G]][%[[IV]]] [%[[SZ]]] [1] : tensor<?xf16> to tensor<?xf16>
// CHECK: wn.weight_norm dim(-1) ins(%{{.*}}, %[[GS]] : tensor<?x32x?xf16>, tensor<?xf16>)
func.func @tile_last_dim_dynamic(%v: tensor<?x32x?xf16>, %g: tensor<?xf16>, %init: tensor<?x32x?xf16>) -> tensor<?x32x?xf16> {
  %w = wn.weight_norm dim(-1) ins(%v, %g : tensor<?x32x?xf16>, tensor<?xf16>) outs(%init : tensor<?x32x?xf16>) -> tensor<?x32x?xf16>
  return %w : tensor<?x32x?xf16>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %op = transform.structured.match ops{["wn.weight_norm"]} in %root : (!transform.any_op) -> !transform.any_op
    %tiled, %loop = transform.structured.tile_using_for %op tile_sizes [0, 0, 8] : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

/// Tiling a reduction dimension would split slices: refused with a diagnostic.
func.func @tile_reduction_dim(%v: tensor<64x32x3xf32>, %g: tensor<64x1x1xf32>, %init: tensor<64x32x3xf32>) -> tensor<64x32x3xf32> {
  // expected-error @+3 {{'wn.weight_norm' op cannot tile reduction dimension 1: every norm must see whole slices; only dimension 0 can be tiled}}
  // expected-error @+2 {{faild to tile operation}}
  // expected-error @+1 {{failed to generate tiling loops}}
  %w = wn.weight_norm dim(0) ins(%v, %g : tensor<64x32x3xf32>, tensor<64x1x1xf32>) outs(%init : tensor<64x32x3xf32>) -> tensor<64x32x3xf32>
  return %w : tensor<64x32x3xf32>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %op = transform.structured.match ops{["wn.weight_norm"]} in %root : (!transform.any_op) -> !transform.any_op
    %tiled, %l0, %l1 = transform.structured.tile_using_for %op tile_sizes [16, 8, 0] : (!transform.any_op) -> (!transform.any_op, !transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

/// A consumer tile smaller than a slice: the producer computes whole slices
/// for its rows and the consumer reads its part of them.
// CHECK-LABEL: func.func @fuse_into_consumer
// CHECK-SAME: (%[[V:[a-zA-Z0-9_]+]]: tensor<64x32x3xf32>, %[[G:[a-zA-Z0-9_]+]]: tensor<64x1x1xf32>
// CHECK: scf.for %[[I:[a-zA-Z0-9_]+]] =
// CHECK: scf.for %[[J:[a-zA-Z0-9_]+]] =
// CHECK-DAG: %[[VS:[a-zA-Z0-9_]+]] = tensor.extract_slice %[[V]][%[[I]], 0, 0] [16, 32, 3]
// CHECK-DAG: %[[GS:[a-zA-Z0-9_]+]] = tensor.extract_slice %[[G]][%[[I]], 0, 0] [16, 1, 1]
// CHECK: %[[W:[a-zA-Z0-9_]+]] = wn.weight_norm dim(0) ins(%[[VS]], %[[GS]] : tensor<16x32x3xf32>, tensor<16x1x1xf32>)
// CHECK: %[[PART:[a-zA-Z0-9_]+]] = tensor.extract_slice %[[W]][0, %[[J]], 0] [16, 8, 3]
// CHECK: linalg.generic {{.*}} ins(%[[PART]] : tensor<16x8x3xf32>)
#id = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
func.func @fuse_into_consumer(%v: tensor<64x32x3xf32>, %g: tensor<64x1x1xf32>, %init: tensor<64x32x3xf32>) -> tensor<64x32x3xf32> {
  %w = wn.weight_norm dim(0) ins(%v, %g : tensor<64x32x3xf32>, tensor<64x1x1xf32>) outs(%init : tensor<64x32x3xf32>) -> tensor<64x32x3xf32>
  %e = tensor.empty() : tensor<64x32x3xf32>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel"]} ins(%w : tensor<64x32x3xf32>) outs(%e : tensor<64x32x3xf32>) {
  ^bb0(%x: f32, %o: f32):
    %n = arith.negf %x : f32
    linalg.yield %n : f32
  } -> tensor<64x32x3xf32>
  return %r : tensor<64x32x3xf32>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %wn = transform.structured.match ops{["wn.weight_norm"]} in %root : (!transform.any_op) -> !transform.any_op
    %c = transform.structured.match ops{["linalg.generic"]} in %root : (!transform.any_op) -> !transform.any_op
    %tiled, %l0, %l1 = transform.structured.tile_using_for %c tile_sizes [16, 8, 0] : (!transform.any_op) -> (!transform.any_op, !transform.any_op, !transform.any_op)
    %fused, %new = transform.structured.fuse_into_containing_op %wn into %l1 : (!transform.any_op, !transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

/// decompose_interface reaches the AggregatedOpInterface decomposition.
// CHECK-LABEL: func.func @decompose_interface
// CHECK-NOT: wn.weight_norm
// CHECK: linalg.fill
// CHECK-COUNT-3: linalg.generic
func.func @decompose_interface(%v: tensor<8x4xf32>, %g: tensor<8xf32>, %init: tensor<8x4xf32>) -> tensor<8x4xf32> {
  %w = wn.weight_norm dim(0) ins(%v, %g : tensor<8x4xf32>, tensor<8xf32>) outs(%init : tensor<8x4xf32>) -> tensor<8x4xf32>
  return %w : tensor<8x4xf32>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %op = transform.structured.match ops{["wn.weight_norm"]} in %root : (!transform.any_op) -> !transform.any_op
    %d = transform.structured.decompose_interface %op : (!transform.any_op) -> !transform.any_op
    transform.yield
  }
}

// -----

/// With a norm result, the norm destination is sliced like g and both results
/// are inserted into the loop's results.
// CHECK-LABEL: func.func @tile_with_norm
// CHECK-SAME: (%[[V:[a-zA-Z0-9_]+]]: tensor<8x64xbf16>, %[[G:[a-zA-Z0-9_]+]]: tensor<64xbf16>, %[[I:[a-zA-Z0-9_]+]]: tensor<8x64xbf16>, %[[N:[a-zA-Z0-9_]+]]: tensor<64xf32>)
// CHECK: scf.for %[[IV:[a-zA-Z0-9_]+]] = {{.*}} iter_args(%[[WA:[a-zA-Z0-9_]+]] = %[[I]], %[[NA:[a-zA-Z0-9_]+]] = %[[N]])
// CHECK-DAG: %[[GS:[a-zA-Z0-9_]+]] = tensor.extract_slice %[[G]][%[[IV]]] [16] [1]
// CHECK-DAG: %[[NS:[a-zA-Z0-9_]+]] = tensor.extract_slice %[[NA]][%[[IV]]] [16] [1]
// CHECK: %[[W:[a-zA-Z0-9_]+]], %[[NT:[a-zA-Z0-9_]+]] = wn.weight_norm dim(1) eps(6.250000e-02) ins(%{{.*}}, %[[GS]] : tensor<8x16xbf16>, tensor<16xbf16>) outs(%{{.*}}, %[[NS]] : tensor<8x16xbf16>, tensor<16xf32>)
// CHECK-DAG: tensor.insert_slice %[[W]] into %[[WA]][0, %[[IV]]] [8, 16]
// CHECK-DAG: tensor.insert_slice %[[NT]] into %[[NA]][%[[IV]]] [16]
func.func @tile_with_norm(%v: tensor<8x64xbf16>, %g: tensor<64xbf16>, %init: tensor<8x64xbf16>, %ninit: tensor<64xf32>) -> (tensor<8x64xbf16>, tensor<64xf32>) {
  %w, %n = wn.weight_norm dim(1) eps(0.0625) ins(%v, %g : tensor<8x64xbf16>, tensor<64xbf16>) outs(%init, %ninit : tensor<8x64xbf16>, tensor<64xf32>) -> tensor<8x64xbf16>, tensor<64xf32>
  return %w, %n : tensor<8x64xbf16>, tensor<64xf32>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %op = transform.structured.match ops{["wn.weight_norm"]} in %root : (!transform.any_op) -> !transform.any_op
    %tiled, %loop = transform.structured.tile_using_for %op tile_sizes [0, 16] : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

/// A consumer of the keepdim norm result, tiled along dim: the producer is
/// computed for the same range of slices.
// CHECK-LABEL: func.func @fuse_norm_into_consumer
// CHECK-SAME: (%[[V:[a-zA-Z0-9_]+]]: tensor<64x32xf32>, %[[G:[a-zA-Z0-9_]+]]: tensor<64x1xf32>
// CHECK: scf.for %[[I:[a-zA-Z0-9_]+]] =
// CHECK-DAG: %[[VS:[a-zA-Z0-9_]+]] = tensor.extract_slice %[[V]][%[[I]], 0] [16, 32]
// CHECK-DAG: %[[GS:[a-zA-Z0-9_]+]] = tensor.extract_slice %[[G]][%[[I]], 0] [16, 1]
// CHECK: %{{.*}}, %[[NT:[a-zA-Z0-9_]+]] = wn.weight_norm dim(0) ins(%[[VS]], %[[GS]] : tensor<16x32xf32>, tensor<16x1xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[NT]] : tensor<16x1xf32>)
#id2 = affine_map<(d0, d1) -> (d0, d1)>
func.func @fuse_norm_into_consumer(%v: tensor<64x32xf32>, %g: tensor<64x1xf32>, %init: tensor<64x32xf32>, %ninit: tensor<64x1xf32>) -> tensor<64x1xf32> {
  %w, %n = wn.weight_norm dim(0) ins(%v, %g : tensor<64x32xf32>, tensor<64x1xf32>) outs(%init, %ninit : tensor<64x32xf32>, tensor<64x1xf32>) -> tensor<64x32xf32>, tensor<64x1xf32>
  %e = tensor.empty() : tensor<64x1xf32>
  %r = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%n : tensor<64x1xf32>) outs(%e : tensor<64x1xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = math.log %x : f32
    linalg.yield %y : f32
  } -> tensor<64x1xf32>
  return %r : tensor<64x1xf32>
}
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %wn = transform.structured.match ops{["wn.weight_norm"]} in %root : (!transform.any_op) -> !transform.any_op
    %c = transform.structured.match ops{["linalg.generic"]} in %root : (!transform.any_op) -> !transform.any_op
    %tiled, %l0 = transform.structured.tile_using_for %c tile_sizes [16, 0] : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    %fused, %new = transform.structured.fuse_into_containing_op %wn into %l0 : (!transform.any_op, !transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

/// wn.weight_norm_backward tiles like the forward: grad_w, v and grad_v
/// along dim 0, g, the saved norm and grad_g along their dim.
// CHECK-LABEL: func.func @backward_tile_dim0
// CHECK: scf.for %[[IV:[a-zA-Z0-9_]+]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[GV:[a-zA-Z0-9_]+]] = %{{.*}}, %[[GG:[a-zA-Z0-9_]+]] = %{{.*}})
// CHECK-DAG: tensor.extract_slice %{{.*}}[%[[IV]], 0] [16, 20] [1, 1] : tensor<64x20xf32> to tensor<16x20xf32>
// CHECK-DAG: tensor.extract_slice %{{.*}}[%[[IV]]] [16] [1] : tensor<64xf32> to tensor<16xf32>
// CHECK: %{{.*}}, %{{.*}} = wn.weight_norm_backward dim(0) ins(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : tensor<16x20xf32>, tensor<16x20xf32>, tensor<16xf32>, tensor<16xf32>) outs(%{{.*}}, %{{.*}} : tensor<16x20xf32>, tensor<16xf32>)
// CHECK: tensor.insert_slice %{{.*}} into %[[GV]][%[[IV]], 0] [16, 20] [1, 1]
// CHECK: tensor.insert_slice %{{.*}} into %[[GG]][%[[IV]]] [16] [1]
func.func @backward_tile_dim0(%gw: tensor<64x20xf32>, %v: tensor<64x20xf32>, %g: tensor<64xf32>, %n: tensor<64xf32>) -> (tensor<64x20xf32>, tensor<64xf32>) {
  %e = tensor.empty() : tensor<64x20xf32>
  %eg = tensor.empty() : tensor<64xf32>
  %gv, %gg = wn.weight_norm_backward dim(0) ins(%gw, %v, %g, %n : tensor<64x20xf32>, tensor<64x20xf32>, tensor<64xf32>, tensor<64xf32>) outs(%e, %eg : tensor<64x20xf32>, tensor<64xf32>) -> tensor<64x20xf32>, tensor<64xf32>
  return %gv, %gg : tensor<64x20xf32>, tensor<64xf32>
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %op = transform.structured.match ops{["wn.weight_norm_backward"]} in %root : (!transform.any_op) -> !transform.any_op
    %tiled, %loop = transform.structured.tile_using_for %op tile_sizes [16, 0] : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}

// -----

/// A reduction dimension of the backward cannot be tiled either.
func.func @backward_tile_reduction(%gw: tensor<64x20xf32>, %v: tensor<64x20xf32>, %g: tensor<64xf32>) -> (tensor<64x20xf32>, tensor<64xf32>) {
  %e = tensor.empty() : tensor<64x20xf32>
  %eg = tensor.empty() : tensor<64xf32>
  // expected-error @+3 {{'wn.weight_norm_backward' op cannot tile reduction dimension 1: every norm must see whole slices; only dimension 0 can be tiled}}
  // expected-error @+2 {{faild to tile operation}}
  // expected-error @+1 {{failed to generate tiling loops}}
  %gv, %gg = wn.weight_norm_backward dim(0) ins(%gw, %v, %g : tensor<64x20xf32>, tensor<64x20xf32>, tensor<64xf32>) outs(%e, %eg : tensor<64x20xf32>, tensor<64xf32>) -> tensor<64x20xf32>, tensor<64xf32>
  return %gv, %gg : tensor<64x20xf32>, tensor<64xf32>
}

module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %op = transform.structured.match ops{["wn.weight_norm_backward"]} in %root : (!transform.any_op) -> !transform.any_op
    %tiled, %loop = transform.structured.tile_using_for %op tile_sizes [0, 4] : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}
