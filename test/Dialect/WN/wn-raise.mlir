// RUN: wn-opt %s -wn-raise -split-input-file | FileCheck %s

/// torch-mlir's linalg-on-tensors form of torch._weight_norm(v, g, 0): fill,
/// a generic sum of abs(x)^2 with keepdim output (d0, 0, 0), powf(., 0.5),
/// div(g, norm), a broadcasting mul(v, .). g keeps its layout through a
/// collapse to the canonical (flat) one.
// CHECK-LABEL: func.func @torch_mlir
// CHECK-SAME: (%[[V:[a-zA-Z0-9_]+]]: tensor<16x8x3xf32>, %[[G:[a-zA-Z0-9_]+]]: tensor<16x1x1xf32>)
// CHECK: %[[GF:.*]] = tensor.collapse_shape %[[G]] {{\[}}[0, 1, 2]] : tensor<16x1x1xf32> into tensor<16xf32>
// CHECK: %[[W:.*]] = wn.weight_norm dim(0) ins(%[[V]], %[[GF]] : tensor<16x8x3xf32>, tensor<16xf32>)
// CHECK-NOT: linalg.generic
// CHECK: return %[[W]]
#map = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#map1 = affine_map<(d0, d1, d2) -> (d0, 0, 0)>
func.func @torch_mlir(%v: tensor<16x8x3xf32>, %g: tensor<16x1x1xf32>) -> tensor<16x8x3xf32> {
  %cst = arith.constant 0.000000e+00 : f32
  %cst_0 = arith.constant 2.000000e+00 : f32
  %cst_1 = arith.constant 5.000000e-01 : f32
  %0 = tensor.empty() : tensor<16x1x1xf32>
  %1 = linalg.fill ins(%cst : f32) outs(%0 : tensor<16x1x1xf32>) -> tensor<16x1x1xf32>
  %2 = linalg.generic {indexing_maps = [#map, #map1], iterator_types = ["parallel", "reduction", "reduction"]} ins(%v : tensor<16x8x3xf32>) outs(%1 : tensor<16x1x1xf32>) {
  ^bb0(%in: f32, %out: f32):
    %a = math.absf %in : f32
    %p = math.powf %a, %cst_0 : f32
    %s = arith.addf %p, %out : f32
    linalg.yield %s : f32
  } -> tensor<16x1x1xf32>
  %3 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel"]} ins(%2 : tensor<16x1x1xf32>) outs(%0 : tensor<16x1x1xf32>) {
  ^bb0(%in: f32, %out: f32):
    %p = math.powf %in, %cst_1 : f32
    linalg.yield %p : f32
  } -> tensor<16x1x1xf32>
  %4 = linalg.generic {indexing_maps = [#map, #map, #map], iterator_types = ["parallel", "parallel", "parallel"]} ins(%g, %3 : tensor<16x1x1xf32>, tensor<16x1x1xf32>) outs(%0 : tensor<16x1x1xf32>) {
  ^bb0(%in: f32, %in_2: f32, %out: f32):
    %d = arith.divf %in, %in_2 : f32
    linalg.yield %d : f32
  } -> tensor<16x1x1xf32>
  %5 = tensor.empty() : tensor<16x8x3xf32>
  %6 = linalg.generic {indexing_maps = [#map, #map1, #map], iterator_types = ["parallel", "parallel", "parallel"]} ins(%v, %4 : tensor<16x8x3xf32>, tensor<16x1x1xf32>) outs(%5 : tensor<16x8x3xf32>) {
  ^bb0(%in: f32, %in_2: f32, %out: f32):
    %m = arith.mulf %in, %in_2 : f32
    linalg.yield %m : f32
  } -> tensor<16x8x3xf32>
  return %6 : tensor<16x8x3xf32>
}

// -----

/// Inductor / torch._decomp, v * (g / pow(sum(pow(v, 2)), 0.5)), with named
/// linalg ops (mul, reduce, powf with a splat exponent, div, broadcast) and
/// the commutative multiply's operands swapped.
// CHECK-LABEL: func.func @inductor_named
// CHECK: %[[W:.*]] = wn.weight_norm dim(0) ins(%arg0, %arg1 : tensor<32x16xf32>, tensor<32xf32>)
// CHECK-NOT: linalg.
// CHECK: return %[[W]]
func.func @inductor_named(%v: tensor<32x16xf32>, %g: tensor<32xf32>) -> tensor<32x16xf32> {
  %e = tensor.empty() : tensor<32x16xf32>
  %sq = linalg.mul ins(%v, %v : tensor<32x16xf32>, tensor<32x16xf32>) outs(%e : tensor<32x16xf32>) -> tensor<32x16xf32>
  %z = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<32xf32>
  %f = linalg.fill ins(%z : f32) outs(%e1 : tensor<32xf32>) -> tensor<32xf32>
  %sum = linalg.reduce ins(%sq : tensor<32x16xf32>) outs(%f : tensor<32xf32>) dimensions = [1]
    (%in: f32, %acc: f32) {
      %a = arith.addf %in, %acc : f32
      linalg.yield %a : f32
    }
  %half = arith.constant dense<0.5> : tensor<32xf32>
  %norm = linalg.powf ins(%sum, %half : tensor<32xf32>, tensor<32xf32>) outs(%e1 : tensor<32xf32>) -> tensor<32xf32>
  %scale = linalg.div ins(%g, %norm : tensor<32xf32>, tensor<32xf32>) outs(%e1 : tensor<32xf32>) -> tensor<32xf32>
  %b = linalg.broadcast ins(%scale : tensor<32xf32>) outs(%e : tensor<32x16xf32>) dimensions = [1]
  %w = linalg.mul ins(%b, %v : tensor<32x16xf32>, tensor<32x16xf32>) outs(%e : tensor<32x16xf32>) -> tensor<32x16xf32>
  return %w : tensor<32x16xf32>
}

// -----

/// Flax's WeightNorm on a Dense kernel [in, out] normalized over the input
/// axis: v * rsqrt(sum(v * v, axis 0) + eps) * g, eps = 1e-6, bf16 weights
/// accumulated in f32 (extf in the bodies): dim 1 with eps.
// CHECK-LABEL: func.func @flax
// CHECK: %[[W:.*]] = wn.weight_norm dim(1) eps(9.99999{{[0-9]*}}E-7) ins(%arg0, %arg1 : tensor<64x8xbf16>, tensor<8xbf16>)
// CHECK-NOT: linalg.generic
// CHECK: return %[[W]]
func.func @flax(%v: tensor<64x8xbf16>, %g: tensor<8xbf16>) -> tensor<64x8xbf16> {
  %z = arith.constant 0.0 : f32
  %eps = arith.constant 1.0e-6 : f32
  %e1 = tensor.empty() : tensor<8xf32>
  %f = linalg.fill ins(%z : f32) outs(%e1 : tensor<8xf32>) -> tensor<8xf32>
  %sum = linalg.generic {indexing_maps = [affine_map<(k, o) -> (k, o)>, affine_map<(k, o) -> (o)>], iterator_types = ["reduction", "parallel"]} ins(%v : tensor<64x8xbf16>) outs(%f : tensor<8xf32>) {
  ^bb0(%x: bf16, %acc: f32):
    %xf = arith.extf %x : bf16 to f32
    %sq = arith.mulf %xf, %xf : f32
    %a = arith.addf %acc, %sq : f32
    linalg.yield %a : f32
  } -> tensor<8xf32>
  %e = tensor.empty() : tensor<64x8xbf16>
  %w = linalg.generic {indexing_maps = [affine_map<(k, o) -> (k, o)>, affine_map<(k, o) -> (o)>, affine_map<(k, o) -> (o)>, affine_map<(k, o) -> (k, o)>], iterator_types = ["parallel", "parallel"]} ins(%v, %sum, %g : tensor<64x8xbf16>, tensor<8xf32>, tensor<8xbf16>) outs(%e : tensor<64x8xbf16>) {
  ^bb0(%x: bf16, %s: f32, %gg: bf16, %o: bf16):
    %xf = arith.extf %x : bf16 to f32
    %gf = arith.extf %gg : bf16 to f32
    %se = arith.addf %eps, %s : f32
    %r = math.rsqrt %se : f32
    %m = arith.mulf %xf, %r : f32
    %m2 = arith.mulf %gf, %m : f32
    %t = arith.truncf %m2 : f32 to bf16
    linalg.yield %t : bf16
  } -> tensor<64x8xbf16>
  return %w : tensor<64x8xbf16>
}

// -----

/// CUDA-style g * v * (1 / n) over the whole tensor (g a 0-d tensor), the
/// reciprocal and the products in separate generics.
// CHECK-LABEL: func.func @cuda_whole
// CHECK: %[[W:.*]] = wn.weight_norm ins(%arg0, %arg1 : tensor<4x5xf64>, tensor<f64>)
// CHECK-NOT: linalg.generic
// CHECK: return %[[W]]
func.func @cuda_whole(%v: tensor<4x5xf64>, %g: tensor<f64>) -> tensor<4x5xf64> {
  %z = arith.constant 0.0 : f64
  %one = arith.constant 1.0 : f64
  %e0 = tensor.empty() : tensor<f64>
  %f = linalg.fill ins(%z : f64) outs(%e0 : tensor<f64>) -> tensor<f64>
  %sum = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> ()>], iterator_types = ["reduction", "reduction"]} ins(%v : tensor<4x5xf64>) outs(%f : tensor<f64>) {
  ^bb0(%x: f64, %acc: f64):
    %sq = arith.mulf %x, %x : f64
    %a = arith.addf %sq, %acc : f64
    linalg.yield %a : f64
  } -> tensor<f64>
  %inv = linalg.generic {indexing_maps = [affine_map<() -> ()>, affine_map<() -> ()>], iterator_types = []} ins(%sum : tensor<f64>) outs(%e0 : tensor<f64>) {
  ^bb0(%s: f64, %o: f64):
    %n = math.sqrt %s : f64
    %r = arith.divf %one, %n : f64
    linalg.yield %r : f64
  } -> tensor<f64>
  %e = tensor.empty() : tensor<4x5xf64>
  %gv = linalg.generic {indexing_maps = [affine_map<(i, j) -> ()>, affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} ins(%g, %v : tensor<f64>, tensor<4x5xf64>) outs(%e : tensor<4x5xf64>) {
  ^bb0(%gg: f64, %x: f64, %o: f64):
    %m = arith.mulf %gg, %x : f64
    linalg.yield %m : f64
  } -> tensor<4x5xf64>
  %w = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> ()>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} ins(%gv, %inv : tensor<4x5xf64>, tensor<f64>) outs(%e : tensor<4x5xf64>) {
  ^bb0(%a: f64, %b: f64, %o: f64):
    %m = arith.mulf %a, %b : f64
    linalg.yield %m : f64
  } -> tensor<4x5xf64>
  return %w : tensor<4x5xf64>
}

// -----

/// ONNX's (v / ReduceL2(v, axes = [1, 2], keepdims = 1)) * g for a middle
/// dim... here dim 0 of [6, 4, 2]: the L2 reduction as sqrt of a sum of
/// squares into a flat tensor, expanded back to keepdims [6, 1, 1].
// CHECK-LABEL: func.func @onnx
// CHECK: %[[W:.*]] = wn.weight_norm dim(0) ins(%arg0, %{{.*}} : tensor<6x4x2xf32>, tensor<6xf32>)
// CHECK-NOT: linalg.generic
// CHECK: return %[[W]]
func.func @onnx(%v: tensor<6x4x2xf32>, %g: tensor<6x1x1xf32>) -> tensor<6x4x2xf32> {
  %z = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<6xf32>
  %f = linalg.fill ins(%z : f32) outs(%e1 : tensor<6xf32>) -> tensor<6xf32>
  %sum = linalg.generic {indexing_maps = [affine_map<(i, j, k) -> (i, j, k)>, affine_map<(i, j, k) -> (i)>], iterator_types = ["parallel", "reduction", "reduction"]} ins(%v : tensor<6x4x2xf32>) outs(%f : tensor<6xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %sq = arith.mulf %x, %x : f32
    %a = arith.addf %acc, %sq : f32
    linalg.yield %a : f32
  } -> tensor<6xf32>
  %l2 = linalg.sqrt ins(%sum : tensor<6xf32>) outs(%e1 : tensor<6xf32>) -> tensor<6xf32>
  %l2k = tensor.expand_shape %l2 [[0, 1, 2]] output_shape [6, 1, 1] : tensor<6xf32> into tensor<6x1x1xf32>
  %e = tensor.empty() : tensor<6x4x2xf32>
  %q = linalg.generic {indexing_maps = [affine_map<(i, j, k) -> (i, j, k)>, affine_map<(i, j, k) -> (i, 0, 0)>, affine_map<(i, j, k) -> (i, j, k)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%v, %l2k : tensor<6x4x2xf32>, tensor<6x1x1xf32>) outs(%e : tensor<6x4x2xf32>) {
  ^bb0(%x: f32, %n: f32, %o: f32):
    %d = arith.divf %x, %n : f32
    linalg.yield %d : f32
  } -> tensor<6x4x2xf32>
  %w = linalg.generic {indexing_maps = [affine_map<(i, j, k) -> (i, j, k)>, affine_map<(i, j, k) -> (i, 0, 0)>, affine_map<(i, j, k) -> (i, j, k)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%q, %g : tensor<6x4x2xf32>, tensor<6x1x1xf32>) outs(%e : tensor<6x4x2xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.mulf %a, %b : f32
    linalg.yield %m : f32
  } -> tensor<6x4x2xf32>
  return %w : tensor<6x4x2xf32>
}

// -----

/// Near misses, all left alone: p = 3 (sum of |v|^3, cube root); the norm
/// of another tensor u than the one scaled; a sum over dim 0 while g and
/// the scaling run along dim 0 of the other axis; the norm used outside the
/// DAG (returned too).
// CHECK-LABEL: func.func @near_misses
// CHECK-NOT: wn.weight_norm
// CHECK: return
func.func @near_misses(%v: tensor<8x4xf32>, %u: tensor<8x4xf32>, %g: tensor<8xf32>, %g4: tensor<4xf32>) -> (tensor<8x4xf32>, tensor<8x4xf32>, tensor<8x4xf32>, tensor<8x4xf32>, tensor<8xf32>) {
  %z = arith.constant 0.0 : f32
  %three = arith.constant 3.0 : f32
  %e1 = tensor.empty() : tensor<8xf32>
  %f = linalg.fill ins(%z : f32) outs(%e1 : tensor<8xf32>) -> tensor<8xf32>
  %e = tensor.empty() : tensor<8x4xf32>
  // p = 3.
  %s3 = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>], iterator_types = ["parallel", "reduction"]} ins(%v : tensor<8x4xf32>) outs(%f : tensor<8xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %a = math.absf %x : f32
    %p = math.powf %a, %three : f32
    %r = arith.addf %acc, %p : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  %w3 = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>, affine_map<(i, j) -> (i)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} ins(%v, %s3, %g : tensor<8x4xf32>, tensor<8xf32>, tensor<8xf32>) outs(%e : tensor<8x4xf32>) {
  ^bb0(%x: f32, %s: f32, %gg: f32, %o: f32):
    %r = math.rsqrt %s : f32
    %m = arith.mulf %x, %r : f32
    %m2 = arith.mulf %m, %gg : f32
    linalg.yield %m2 : f32
  } -> tensor<8x4xf32>
  // The norm of u scales v.
  %su = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>], iterator_types = ["parallel", "reduction"]} ins(%u : tensor<8x4xf32>) outs(%f : tensor<8xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %p = arith.mulf %x, %x : f32
    %r = arith.addf %acc, %p : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  %wu = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>, affine_map<(i, j) -> (i)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} ins(%v, %su, %g : tensor<8x4xf32>, tensor<8xf32>, tensor<8xf32>) outs(%e : tensor<8x4xf32>) {
  ^bb0(%x: f32, %s: f32, %gg: f32, %o: f32):
    %r = math.rsqrt %s : f32
    %m = arith.mulf %x, %r : f32
    %m2 = arith.mulf %m, %gg : f32
    linalg.yield %m2 : f32
  } -> tensor<8x4xf32>
  // Summed over dim 0 (one norm per column) but g and the norm read along
  // dim 0 of... the rows: a sum over the wrong axis for g's dim.
  %e4 = tensor.empty() : tensor<4xf32>
  %f4 = linalg.fill ins(%z : f32) outs(%e4 : tensor<4xf32>) -> tensor<4xf32>
  %sc = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>], iterator_types = ["reduction", "parallel"]} ins(%v : tensor<8x4xf32>) outs(%f4 : tensor<4xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %p = arith.mulf %x, %x : f32
    %r = arith.addf %acc, %p : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  %wa = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} ins(%v, %sc, %g : tensor<8x4xf32>, tensor<4xf32>, tensor<8xf32>) outs(%e : tensor<8x4xf32>) {
  ^bb0(%x: f32, %s: f32, %gg: f32, %o: f32):
    %r = math.rsqrt %s : f32
    %m = arith.mulf %x, %r : f32
    %m2 = arith.mulf %m, %gg : f32
    linalg.yield %m2 : f32
  } -> tensor<8x4xf32>
  // The sum of squares also returned.
  %sv = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>], iterator_types = ["parallel", "reduction"]} ins(%v : tensor<8x4xf32>) outs(%f : tensor<8xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %p = arith.mulf %x, %x : f32
    %r = arith.addf %acc, %p : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  %wn = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>, affine_map<(i, j) -> (i)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} ins(%v, %sv, %g : tensor<8x4xf32>, tensor<8xf32>, tensor<8xf32>) outs(%e : tensor<8x4xf32>) {
  ^bb0(%x: f32, %s: f32, %gg: f32, %o: f32):
    %r = math.rsqrt %s : f32
    %m = arith.mulf %x, %r : f32
    %m2 = arith.mulf %m, %gg : f32
    linalg.yield %m2 : f32
  } -> tensor<8x4xf32>
  return %w3, %wu, %wa, %wn, %sv : tensor<8x4xf32>, tensor<8x4xf32>, tensor<8x4xf32>, tensor<8x4xf32>, tensor<8xf32>
}
