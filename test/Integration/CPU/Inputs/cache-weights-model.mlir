// Three weight-normed layers for test/Integration/CPU/cache-weights.py:
//   y1 = x @ w1^T + b1           Linear(64 -> 48), w1 normed along dim 0
//   y2 = y1 @ transpose(w2) + b2 Linear(48 -> 32), w2 normed along dim 0 with
//                                a flat g, transposed by linalg.transpose
//   y3 = y2 @ (w3 / 2)^T         Linear(32 -> 16), one norm over the whole w3
// returning (y3, y1). --wn-cache-weights splits it into @model_prepare(v1,
// g1, v2, g2, v3, g3) -> (w1, transpose(w2), w3 / 2) and @model_cached(x, b1,
// b2, w1, transpose(w2), w3 / 2) -> (y3, y1).
//
// @adapted returns a normed weight plus a per-call delta (LoRA-style),
// added in place into the buffer of w: @adapted_cached(d, w) must not add it
// into the cache it is given (which bufferization would do, were w not a
// read-only argument).

#mk = affine_map<(m, n, k) -> (m, k)>
#nk = affine_map<(m, n, k) -> (n, k)>
#mn = affine_map<(m, n, k) -> (m, n)>
#id = affine_map<(i, j) -> (i, j)>

func.func @model(%x: tensor<5x64xf32>,
                 %v1: tensor<48x64xf32>, %g1: tensor<48x1xf32>, %b1: tensor<48xf32>,
                 %v2: tensor<32x48xf32>, %g2: tensor<32xf32>, %b2: tensor<32xf32>,
                 %v3: tensor<16x32xf32>, %g3: tensor<f32>)
    -> (tensor<5x16xf32>, tensor<5x48xf32>) {
  %i1 = tensor.empty() : tensor<48x64xf32>
  %w1 = wn.weight_norm dim(0) ins(%v1, %g1 : tensor<48x64xf32>, tensor<48x1xf32>)
          outs(%i1 : tensor<48x64xf32>) -> tensor<48x64xf32>
  %e1 = tensor.empty() : tensor<5x48xf32>
  %bb1 = linalg.broadcast ins(%b1 : tensor<48xf32>) outs(%e1 : tensor<5x48xf32>) dimensions = [0]
  %y1 = linalg.matmul indexing_maps = [#mk, #nk, #mn]
          ins(%x, %w1 : tensor<5x64xf32>, tensor<48x64xf32>) outs(%bb1 : tensor<5x48xf32>) -> tensor<5x48xf32>

  %i2 = tensor.empty() : tensor<32x48xf32>
  %w2 = wn.weight_norm dim(0) ins(%v2, %g2 : tensor<32x48xf32>, tensor<32xf32>)
          outs(%i2 : tensor<32x48xf32>) -> tensor<32x48xf32>
  %t2 = tensor.empty() : tensor<48x32xf32>
  %w2t = linalg.transpose ins(%w2 : tensor<32x48xf32>) outs(%t2 : tensor<48x32xf32>) permutation = [1, 0]
  %e2 = tensor.empty() : tensor<5x32xf32>
  %bb2 = linalg.broadcast ins(%b2 : tensor<32xf32>) outs(%e2 : tensor<5x32xf32>) dimensions = [0]
  %y2 = linalg.matmul ins(%y1, %w2t : tensor<5x48xf32>, tensor<48x32xf32>)
          outs(%bb2 : tensor<5x32xf32>) -> tensor<5x32xf32>

  %half = arith.constant 0.5 : f32
  %i3 = tensor.empty() : tensor<16x32xf32>
  %w3 = wn.weight_norm ins(%v3, %g3 : tensor<16x32xf32>, tensor<f32>)
          outs(%i3 : tensor<16x32xf32>) -> tensor<16x32xf32>
  %h3 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
          ins(%w3 : tensor<16x32xf32>) outs(%i3 : tensor<16x32xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.mulf %a, %half : f32
    linalg.yield %m : f32
  } -> tensor<16x32xf32>
  %zero = arith.constant 0.0 : f32
  %e3 = tensor.empty() : tensor<5x16xf32>
  %z3 = linalg.fill ins(%zero : f32) outs(%e3 : tensor<5x16xf32>) -> tensor<5x16xf32>
  %y3 = linalg.matmul indexing_maps = [#mk, #nk, #mn]
          ins(%y2, %h3 : tensor<5x32xf32>, tensor<16x32xf32>) outs(%z3 : tensor<5x16xf32>) -> tensor<5x16xf32>
  return %y3, %y1 : tensor<5x16xf32>, tensor<5x48xf32>
}

func.func @adapted(%d: tensor<24x40xf32>, %v: tensor<24x40xf32>, %g: tensor<24x1xf32>)
    -> tensor<24x40xf32> {
  %i = tensor.empty() : tensor<24x40xf32>
  %w = wn.weight_norm dim(0) ins(%v, %g : tensor<24x40xf32>, tensor<24x1xf32>)
         outs(%i : tensor<24x40xf32>) -> tensor<24x40xf32>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
         ins(%d : tensor<24x40xf32>) outs(%w : tensor<24x40xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.addf %o, %a : f32
    linalg.yield %s : f32
  } -> tensor<24x40xf32>
  return %r : tensor<24x40xf32>
}
