// RUN: wn-opt %s -split-input-file --wn-cache-weights | FileCheck %s
// RUN: wn-opt %s -split-input-file --loop-invariant-code-motion --wn-cache-weights | FileCheck %s --check-prefix=LICM

/// Three weight-normed layers (dim 0; dim 0 with a flat g, transposed
/// after the norm; the whole tensor, scaled by a constant captured in a
/// linalg.generic) with biases that are not normed: _prepare takes the six
/// weights in order and returns what the layers consume (w1, the transposed
/// w2, the scaled w3); _cached takes x, the biases and those, read-only, and
/// computes no norm; the C interface and argument and result attributes
/// follow their arguments; @model stays as it was.
// CHECK-LABEL: func.func @model(
// CHECK-COUNT-3: wn.weight_norm
// CHECK: return
// CHECK-LABEL: func.func @model_prepare(
// CHECK-SAME: %[[V1:[a-zA-Z0-9_]+]]: tensor<16x8xf32>, %[[G1:[a-zA-Z0-9_]+]]: tensor<16x1xf32>,
// CHECK-SAME: %[[V2:[a-zA-Z0-9_]+]]: tensor<16x16xf32> {test.weight}, %[[G2:[a-zA-Z0-9_]+]]: tensor<16xf32>,
// CHECK-SAME: %[[V3:[a-zA-Z0-9_]+]]: tensor<8x16xf32>, %[[G3:[a-zA-Z0-9_]+]]: tensor<f32>)
// CHECK-SAME: -> (tensor<16x8xf32>, tensor<16x16xf32>, tensor<8x16xf32>)
// CHECK-SAME: attributes {llvm.emit_c_interface}
// CHECK: %[[HALF:[a-zA-Z0-9_]+]] = arith.constant 5.000000e-01 : f32
// CHECK: %[[W1:[a-zA-Z0-9_]+]] = wn.weight_norm dim(0) ins(%[[V1]], %[[G1]] :
// CHECK: %[[W2:[a-zA-Z0-9_]+]] = wn.weight_norm dim(0) ins(%[[V2]], %[[G2]] :
// CHECK: %[[W2T:[a-zA-Z0-9_]+]] = linalg.transpose ins(%[[W2]] :
// CHECK: %[[W3:[a-zA-Z0-9_]+]] = wn.weight_norm ins(%[[V3]], %[[G3]] :
// CHECK: %[[H3:[a-zA-Z0-9_]+]] = linalg.generic {{.*}} ins(%[[W3]] :
// CHECK: arith.mulf %{{.*}}, %[[HALF]] : f32
// CHECK: return %[[W1]], %[[W2T]], %[[H3]] : tensor<16x8xf32>, tensor<16x16xf32>, tensor<8x16xf32>
// CHECK-LABEL: func.func @model_cached(
// CHECK-SAME: %[[X:[a-zA-Z0-9_]+]]: tensor<4x8xf32>, %[[B1:[a-zA-Z0-9_]+]]: tensor<16xf32>, %[[B2:[a-zA-Z0-9_]+]]: tensor<16xf32>,
// CHECK-SAME: %[[PW1:[a-zA-Z0-9_]+]]: tensor<16x8xf32> {bufferization.writable = false},
// CHECK-SAME: %[[PW2T:[a-zA-Z0-9_]+]]: tensor<16x16xf32> {bufferization.writable = false},
// CHECK-SAME: %[[PH3:[a-zA-Z0-9_]+]]: tensor<8x16xf32> {bufferization.writable = false})
// CHECK-SAME: -> (tensor<4x8xf32> {test.result}) attributes {llvm.emit_c_interface}
// CHECK-NOT: wn.
// CHECK-NOT: arith.constant 5.0
// CHECK: linalg.broadcast ins(%[[B1]]
// CHECK: %[[Y1:[a-zA-Z0-9_]+]] = linalg.matmul {{.*}} ins(%[[X]], %[[PW1]] :
// CHECK: linalg.broadcast ins(%[[B2]]
// CHECK: %[[Y2:[a-zA-Z0-9_]+]] = linalg.matmul ins(%[[Y1]], %[[PW2T]] :
// CHECK: %[[Y3:[a-zA-Z0-9_]+]] = linalg.matmul {{.*}} ins(%[[Y2]], %[[PH3]] :
// CHECK-NOT: wn.
// CHECK: return %[[Y3]] : tensor<4x8xf32>
#mk = affine_map<(m, n, k) -> (m, k)>
#nk = affine_map<(m, n, k) -> (n, k)>
#mn = affine_map<(m, n, k) -> (m, n)>
#id = affine_map<(i, j) -> (i, j)>
func.func @model(%x: tensor<4x8xf32>, %v1: tensor<16x8xf32>, %g1: tensor<16x1xf32>,
                 %b1: tensor<16xf32>, %v2: tensor<16x16xf32> {test.weight}, %g2: tensor<16xf32>,
                 %b2: tensor<16xf32>, %v3: tensor<8x16xf32>, %g3: tensor<f32>)
    -> (tensor<4x8xf32> {test.result}) attributes {llvm.emit_c_interface} {
  %half = arith.constant 0.5 : f32
  // Layer 1: y1 = x @ w1^T + b1, w1 normed along dim 0.
  %i1 = tensor.empty() : tensor<16x8xf32>
  %w1 = wn.weight_norm dim(0) ins(%v1, %g1 : tensor<16x8xf32>, tensor<16x1xf32>)
          outs(%i1 : tensor<16x8xf32>) -> tensor<16x8xf32>
  %e1 = tensor.empty() : tensor<4x16xf32>
  %bb1 = linalg.broadcast ins(%b1 : tensor<16xf32>) outs(%e1 : tensor<4x16xf32>) dimensions = [0]
  %y1 = linalg.matmul indexing_maps = [#mk, #nk, #mn]
          ins(%x, %w1 : tensor<4x8xf32>, tensor<16x8xf32>) outs(%bb1 : tensor<4x16xf32>) -> tensor<4x16xf32>
  // Layer 2: y2 = y1 @ transpose(w2) + b2, with a flat g.
  %i2 = tensor.empty() : tensor<16x16xf32>
  %w2 = wn.weight_norm dim(0) ins(%v2, %g2 : tensor<16x16xf32>, tensor<16xf32>)
          outs(%i2 : tensor<16x16xf32>) -> tensor<16x16xf32>
  %t2 = tensor.empty() : tensor<16x16xf32>
  %w2t = linalg.transpose ins(%w2 : tensor<16x16xf32>) outs(%t2 : tensor<16x16xf32>) permutation = [1, 0]
  %e2 = tensor.empty() : tensor<4x16xf32>
  %bb2 = linalg.broadcast ins(%b2 : tensor<16xf32>) outs(%e2 : tensor<4x16xf32>) dimensions = [0]
  %y2 = linalg.matmul ins(%y1, %w2t : tensor<4x16xf32>, tensor<16x16xf32>) outs(%bb2 : tensor<4x16xf32>) -> tensor<4x16xf32>
  // Layer 3: one norm over the whole tensor, halved, no bias.
  %i3 = tensor.empty() : tensor<8x16xf32>
  %w3 = wn.weight_norm ins(%v3, %g3 : tensor<8x16xf32>, tensor<f32>)
          outs(%i3 : tensor<8x16xf32>) -> tensor<8x16xf32>
  %h3 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
          ins(%w3 : tensor<8x16xf32>) outs(%i3 : tensor<8x16xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.mulf %a, %half : f32
    linalg.yield %m : f32
  } -> tensor<8x16xf32>
  %zero = arith.constant 0.0 : f32
  %e3 = tensor.empty() : tensor<4x8xf32>
  %z3 = linalg.fill ins(%zero : f32) outs(%e3 : tensor<4x8xf32>) -> tensor<4x8xf32>
  %y3 = linalg.matmul indexing_maps = [#mk, #nk, #mn]
          ins(%y2, %h3 : tensor<4x16xf32>, tensor<8x16xf32>) outs(%z3 : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %y3 : tensor<4x8xf32>
}

// -----

/// Dynamic sizes: the shape computations on the weight move with its norm
/// (the size of w that the rest reads is passed as an index, with no
/// bufferization attribute), and the index constant both sides use is
/// cloned into each function rather than passed.
// CHECK-LABEL: func.func @dynamic(
// CHECK-LABEL: func.func @dynamic_prepare(
// CHECK-SAME: %[[V:[a-zA-Z0-9_]+]]: tensor<?x?xf32>, %[[G:[a-zA-Z0-9_]+]]: tensor<?x1xf32>) -> (tensor<?x?xf32>, index)
// CHECK-DAG: %[[C0:[a-zA-Z0-9_]+]] = arith.constant 0 : index
// CHECK-DAG: %[[C1:[a-zA-Z0-9_]+]] = arith.constant 1 : index
// CHECK: %[[N:[a-zA-Z0-9_]+]] = tensor.dim %[[V]], %[[C0]]
// CHECK: %[[K:[a-zA-Z0-9_]+]] = tensor.dim %[[V]], %[[C1]]
// CHECK: %[[I:[a-zA-Z0-9_]+]] = tensor.empty(%[[N]], %[[K]])
// CHECK: %[[W:[a-zA-Z0-9_]+]] = wn.weight_norm dim(0) ins(%[[V]], %[[G]] : {{.*}}) outs(%[[I]] :
// CHECK: %[[NW:[a-zA-Z0-9_]+]] = tensor.dim %[[W]], %[[C0]]
// CHECK: return %[[W]], %[[NW]] : tensor<?x?xf32>, index
// CHECK-LABEL: func.func @dynamic_cached(
// CHECK-SAME: %[[X:[a-zA-Z0-9_]+]]: tensor<?x?xf32>, %[[PW:[a-zA-Z0-9_]+]]: tensor<?x?xf32> {bufferization.writable = false}, %[[PN:[a-zA-Z0-9_]+]]: index) -> tensor<?x?xf32>
// CHECK-NOT: wn.
// CHECK: %[[C0C:[a-zA-Z0-9_]+]] = arith.constant 0 : index
// CHECK: %[[M:[a-zA-Z0-9_]+]] = tensor.dim %[[X]], %[[C0C]]
// CHECK: tensor.empty(%[[M]], %[[PN]])
// CHECK: linalg.matmul {{.*}} ins(%[[X]], %[[PW]] :
#mk = affine_map<(m, n, k) -> (m, k)>
#nk = affine_map<(m, n, k) -> (n, k)>
#mn = affine_map<(m, n, k) -> (m, n)>
func.func @dynamic(%x: tensor<?x?xf32>, %v: tensor<?x?xf32>, %g: tensor<?x1xf32>) -> tensor<?x?xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = tensor.dim %v, %c0 : tensor<?x?xf32>
  %k = tensor.dim %v, %c1 : tensor<?x?xf32>
  %i = tensor.empty(%n, %k) : tensor<?x?xf32>
  %w = wn.weight_norm dim(0) ins(%v, %g : tensor<?x?xf32>, tensor<?x1xf32>)
         outs(%i : tensor<?x?xf32>) -> tensor<?x?xf32>
  %m = tensor.dim %x, %c0 : tensor<?x?xf32>
  %nw = tensor.dim %w, %c0 : tensor<?x?xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty(%m, %nw) : tensor<?x?xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<?x?xf32>) -> tensor<?x?xf32>
  %y = linalg.matmul indexing_maps = [#mk, #nk, #mn]
         ins(%x, %w : tensor<?x?xf32>, tensor<?x?xf32>) outs(%z : tensor<?x?xf32>) -> tensor<?x?xf32>
  return %y : tensor<?x?xf32>
}

// -----

/// Only what depends on weights alone moves: the norm of a value computed
/// from the activation stays in _cached, with its constant g.
// CHECK-LABEL: func.func @partial(
// CHECK-LABEL: func.func @partial_prepare(
// CHECK-SAME: %[[V:[a-zA-Z0-9_]+]]: tensor<4x8xf32>, %[[G:[a-zA-Z0-9_]+]]: tensor<4x1xf32>) -> tensor<4x8xf32>
// CHECK: %[[W:[a-zA-Z0-9_]+]] = wn.weight_norm dim(0) ins(%[[V]], %[[G]] :
// CHECK: return %[[W]] : tensor<4x8xf32>
// CHECK-LABEL: func.func @partial_cached(
// CHECK-SAME: %[[X:[a-zA-Z0-9_]+]]: tensor<4x8xf32>, %[[PW:[a-zA-Z0-9_]+]]: tensor<4x8xf32> {bufferization.writable = false}) -> tensor<4x8xf32>
// CHECK: %[[ONES:[a-zA-Z0-9_]+]] = arith.constant dense<1.000000e+00> : tensor<4x1xf32>
// CHECK: %[[XW:[a-zA-Z0-9_]+]] = linalg.add ins(%[[X]], %[[PW]] :
// CHECK: %[[NX:[a-zA-Z0-9_]+]] = wn.weight_norm dim(0) ins(%[[XW]], %[[ONES]] :
// CHECK: return %[[NX]]
func.func @partial(%x: tensor<4x8xf32>, %v: tensor<4x8xf32>, %g: tensor<4x1xf32>) -> tensor<4x8xf32> {
  %ones = arith.constant dense<1.0> : tensor<4x1xf32>
  %i = tensor.empty() : tensor<4x8xf32>
  %w = wn.weight_norm dim(0) ins(%v, %g : tensor<4x8xf32>, tensor<4x1xf32>)
         outs(%i : tensor<4x8xf32>) -> tensor<4x8xf32>
  %xw = linalg.add ins(%x, %w : tensor<4x8xf32>, tensor<4x8xf32>) outs(%i : tensor<4x8xf32>) -> tensor<4x8xf32>
  %nx = wn.weight_norm dim(0) ins(%xw, %ones : tensor<4x8xf32>, tensor<4x1xf32>)
          outs(%i : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %nx : tensor<4x8xf32>
}

// -----

/// Control flow: the prepared region is taken from the entry block, and a
/// prepared value used in another block becomes an argument there too.
// CHECK-LABEL: func.func @branches(
// CHECK-LABEL: func.func @branches_prepare(
// CHECK-SAME: tensor<4x8xf32>, %{{.*}}: tensor<4x1xf32>) -> tensor<4x8xf32>
// CHECK-LABEL: func.func @branches_cached(
// CHECK-SAME: %[[X:[a-zA-Z0-9_]+]]: tensor<4x8xf32>, %[[C:[a-zA-Z0-9_]+]]: i1, %[[PW:[a-zA-Z0-9_]+]]: tensor<4x8xf32> {bufferization.writable = false}) -> tensor<4x8xf32>
// CHECK: cf.cond_br %[[C]], ^[[A:[a-zA-Z0-9_]+]], ^[[B:[a-zA-Z0-9_]+]](%[[X]] : tensor<4x8xf32>)
// CHECK: ^[[A]]:
// CHECK: linalg.add ins(%[[X]], %[[PW]] :
func.func @branches(%x: tensor<4x8xf32>, %v: tensor<4x8xf32>, %g: tensor<4x1xf32>, %c: i1) -> tensor<4x8xf32> {
  %i = tensor.empty() : tensor<4x8xf32>
  %w = wn.weight_norm dim(0) ins(%v, %g : tensor<4x8xf32>, tensor<4x1xf32>)
         outs(%i : tensor<4x8xf32>) -> tensor<4x8xf32>
  cf.cond_br %c, ^add, ^done(%x : tensor<4x8xf32>)
^add:
  %y = linalg.add ins(%x, %w : tensor<4x8xf32>, tensor<4x8xf32>) outs(%i : tensor<4x8xf32>) -> tensor<4x8xf32>
  cf.br ^done(%y : tensor<4x8xf32>)
^done(%r: tensor<4x8xf32>):
  return %r : tensor<4x8xf32>
}

// -----

/// The norm's input is computed from x, which the rest of the function also
/// reads: x is an activation, not a weight, and nothing depends on g alone.
// CHECK-LABEL: func.func @from_activation(
// CHECK: wn.weight_norm
// CHECK-NOT: @from_activation_prepare
// CHECK-NOT: @from_activation_cached
func.func @from_activation(%x: tensor<4x8xf32>, %g: tensor<4x1xf32>) -> tensor<4x8xf32> {
  %i = tensor.empty() : tensor<4x8xf32>
  %v = linalg.mul ins(%x, %x : tensor<4x8xf32>, tensor<4x8xf32>) outs(%i : tensor<4x8xf32>) -> tensor<4x8xf32>
  %w = wn.weight_norm dim(0) ins(%v, %g : tensor<4x8xf32>, tensor<4x1xf32>)
         outs(%i : tensor<4x8xf32>) -> tensor<4x8xf32>
  %y = linalg.add ins(%x, %w : tensor<4x8xf32>, tensor<4x8xf32>) outs(%i : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

/// v is normed and also used unnormalized: an argument read outside the
/// weight preparation is not taken for a weight (it cannot be told from an
/// activation), so the function is left alone.
// CHECK-LABEL: func.func @unnormalized_use(
// CHECK: wn.weight_norm
// CHECK-NOT: @unnormalized_use_prepare
// CHECK-NOT: @unnormalized_use_cached
func.func @unnormalized_use(%x: tensor<4x8xf32>, %v: tensor<4x8xf32>, %g: tensor<4x1xf32>) -> tensor<4x8xf32> {
  %i = tensor.empty() : tensor<4x8xf32>
  %w = wn.weight_norm dim(0) ins(%v, %g : tensor<4x8xf32>, tensor<4x1xf32>)
         outs(%i : tensor<4x8xf32>) -> tensor<4x8xf32>
  %y = linalg.add ins(%x, %w : tensor<4x8xf32>, tensor<4x8xf32>) outs(%i : tensor<4x8xf32>) -> tensor<4x8xf32>
  %z = linalg.add ins(%y, %v : tensor<4x8xf32>, tensor<4x8xf32>) outs(%i : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %z : tensor<4x8xf32>
}

// -----

/// A norm inside a loop over the activation is left alone; once
/// --loop-invariant-code-motion has hoisted it, it is cached.
// CHECK-LABEL: func.func @in_loop(
// CHECK: scf.for
// CHECK: wn.weight_norm
// CHECK-NOT: @in_loop_prepare
// CHECK-NOT: @in_loop_cached
// LICM-LABEL: func.func @in_loop_prepare(
// LICM-SAME: %[[V:[a-zA-Z0-9_]+]]: tensor<4x8xf32>, %[[G:[a-zA-Z0-9_]+]]: tensor<4x1xf32>) -> tensor<4x8xf32>
// LICM: %[[E:[a-zA-Z0-9_]+]] = tensor.empty()
// LICM: %[[W:[a-zA-Z0-9_]+]] = wn.weight_norm dim(0) ins(%[[V]], %[[G]] : {{.*}}) outs(%[[E]] :
// LICM: return %[[W]]
// LICM-LABEL: func.func @in_loop_cached(
// LICM-SAME: %[[X:[a-zA-Z0-9_]+]]: tensor<4x8xf32>, %[[PW:[a-zA-Z0-9_]+]]: tensor<4x8xf32> {bufferization.writable = false}) -> tensor<4x8xf32>
// LICM-NOT: wn.
// LICM: %[[EC:[a-zA-Z0-9_]+]] = tensor.empty()
// LICM: scf.for {{.*}} iter_args(%[[ACC:[a-zA-Z0-9_]+]] = %[[X]])
// LICM: linalg.add ins(%[[ACC]], %[[PW]] : {{.*}}) outs(%[[EC]] :
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

// -----

/// Private functions, declarations, norms of constants (no argument to
/// cache) and functions without norms are left alone.
// CHECK-LABEL: func.func private @private_layer(
// CHECK-LABEL: func.func private @declared(
// CHECK-LABEL: func.func @constant_weights(
// CHECK-LABEL: func.func @no_norm(
// CHECK-NOT: _prepare
// CHECK-NOT: _cached
func.func private @private_layer(%v: tensor<4x8xf32>, %g: tensor<4x1xf32>) -> tensor<4x8xf32> {
  %i = tensor.empty() : tensor<4x8xf32>
  %w = wn.weight_norm dim(0) ins(%v, %g : tensor<4x8xf32>, tensor<4x1xf32>)
         outs(%i : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %w : tensor<4x8xf32>
}

func.func private @declared(tensor<4x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32>

func.func @constant_weights(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %v = arith.constant dense<2.0> : tensor<4x8xf32>
  %g = arith.constant dense<3.0> : tensor<4x1xf32>
  %i = tensor.empty() : tensor<4x8xf32>
  %w = wn.weight_norm dim(0) ins(%v, %g : tensor<4x8xf32>, tensor<4x1xf32>)
         outs(%i : tensor<4x8xf32>) -> tensor<4x8xf32>
  %y = linalg.add ins(%x, %w : tensor<4x8xf32>, tensor<4x8xf32>) outs(%i : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

func.func @no_norm(%x: tensor<4x8xf32>, %b: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %i = tensor.empty() : tensor<4x8xf32>
  %y = linalg.add ins(%x, %b : tensor<4x8xf32>, tensor<4x8xf32>) outs(%i : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

/// After --wn-fuse-into-consumers: the matmul reads v itself and scales its
/// output by wn.weight_norm_scale. v is still a weight: _prepare computes
/// the scale and passes v through, _cached takes both and computes no norm.
// CHECK-LABEL: func.func @fused(
// CHECK-LABEL: func.func @fused_prepare(
// CHECK-SAME: %[[V:[a-zA-Z0-9_]+]]: tensor<32x16xf32>, %[[G:[a-zA-Z0-9_]+]]: tensor<32xf32>) -> (tensor<32x16xf32>, tensor<32xf32>)
// CHECK: %[[S:[a-zA-Z0-9_]+]] = wn.weight_norm_scale dim(0) ins(%[[V]], %[[G]]
// CHECK: return %[[V]], %[[S]]
// CHECK-LABEL: func.func @fused_cached(
// CHECK-SAME: %[[X:[a-zA-Z0-9_]+]]: tensor<8x16xf32>, %[[CV:[a-zA-Z0-9_]+]]: tensor<32x16xf32> {bufferization.writable = false}, %[[CS:[a-zA-Z0-9_]+]]: tensor<32xf32> {bufferization.writable = false})
// CHECK-NOT: wn.
// CHECK: linalg.matmul {{.*}} ins(%[[X]], %[[CV]]
// CHECK: linalg.generic {{.*}} ins(%[[CS]]
// CHECK: return
func.func @fused(%x: tensor<8x16xf32>, %v: tensor<32x16xf32>, %g: tensor<32xf32>) -> tensor<8x32xf32> {
  %se = tensor.empty() : tensor<32xf32>
  %s = wn.weight_norm_scale dim(0) ins(%v, %g : tensor<32x16xf32>, tensor<32xf32>) outs(%se : tensor<32xf32>) -> tensor<32xf32>
  %z = arith.constant 0.0 : f32
  %o = tensor.empty() : tensor<8x32xf32>
  %f = linalg.fill ins(%z : f32) outs(%o : tensor<8x32xf32>) -> tensor<8x32xf32>
  %acc = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%x, %v : tensor<8x16xf32>, tensor<32x16xf32>) outs(%f : tensor<8x32xf32>) -> tensor<8x32xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(m, n) -> (n)>, affine_map<(m, n) -> (m, n)>], iterator_types = ["parallel", "parallel"]} ins(%s : tensor<32xf32>) outs(%acc : tensor<8x32xf32>) {
  ^bb0(%a: f32, %b: f32):
    %p = arith.mulf %b, %a : f32
    linalg.yield %p : f32
  } -> tensor<8x32xf32>
  return %y : tensor<8x32xf32>
}

// -----

/// A wn.weight_norm_scale of an activation (x normalized RMS-style, then
/// used by an elementwise op, not a contraction scaled by it) does not make
/// x a weight: only the real weight-normed layer is prepared, and the
/// activation's scale stays in _cached.
// CHECK-LABEL: func.func @scaled_activation_prepare(
// CHECK-SAME: %{{[a-zA-Z0-9_]+}}: tensor<8x8xf32>, %{{[a-zA-Z0-9_]+}}: tensor<8xf32>) -> tensor<8x8xf32>
// CHECK-NOT: wn.weight_norm_scale
// CHECK: wn.weight_norm dim(0)
// CHECK-LABEL: func.func @scaled_activation_cached(
// CHECK-SAME: %[[X:[a-zA-Z0-9_]+]]: tensor<4x8xf32>, %{{[a-zA-Z0-9_]+}}: tensor<4xf32>, %{{[a-zA-Z0-9_]+}}: tensor<8x8xf32> {bufferization.writable = false})
// CHECK: wn.weight_norm_scale dim(0) ins(%[[X]]
// CHECK-NOT: wn.weight_norm dim
// CHECK: return
func.func @scaled_activation(%x: tensor<4x8xf32>, %gx: tensor<4xf32>, %v: tensor<8x8xf32>, %g: tensor<8xf32>) -> tensor<4x8xf32> {
  %se = tensor.empty() : tensor<4xf32>
  %s = wn.weight_norm_scale dim(0) ins(%x, %gx : tensor<4x8xf32>, tensor<4xf32>) outs(%se : tensor<4xf32>) -> tensor<4xf32>
  %e = tensor.empty() : tensor<8x8xf32>
  %w = wn.weight_norm dim(0) ins(%v, %g : tensor<8x8xf32>, tensor<8xf32>) outs(%e : tensor<8x8xf32>) -> tensor<8x8xf32>
  %o = tensor.empty() : tensor<4x8xf32>
  %xs = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} ins(%x, %s : tensor<4x8xf32>, tensor<4xf32>) outs(%o : tensor<4x8xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %m = arith.mulf %a, %b : f32
    linalg.yield %m : f32
  } -> tensor<4x8xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%xs, %w : tensor<4x8xf32>, tensor<8x8xf32>) outs(%o : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}
