// RUN: wn-opt %s --wn-fuse-elementwise --split-input-file | FileCheck %s

/// A chain of elementwise generics (Snake's sin, square and add) becomes
/// one generic.
// CHECK-LABEL: func.func @chain
// CHECK: linalg.generic
// CHECK: math.sin
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK-NOT: linalg.generic
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @chain(%x: tensor<4x64xf32>) -> tensor<4x64xf32> {
  %e = tensor.empty() : tensor<4x64xf32>
  %s = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<4x64xf32>) outs(%e : tensor<4x64xf32>) {
  ^bb0(%a: f32, %b: f32):
    %r = math.sin %a : f32
    linalg.yield %r : f32
  } -> tensor<4x64xf32>
  %q = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%s : tensor<4x64xf32>) outs(%e : tensor<4x64xf32>) {
  ^bb0(%a: f32, %b: f32):
    %r = arith.mulf %a, %a : f32
    linalg.yield %r : f32
  } -> tensor<4x64xf32>
  %y = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x, %q : tensor<4x64xf32>, tensor<4x64xf32>) outs(%e : tensor<4x64xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %r = arith.addf %a, %b : f32
    linalg.yield %r : f32
  } -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// -----

/// An activation feeding a convolution stays apart (upstream's fusion
/// would recompute it inside the convolution for every tap), and so does
/// an activation after it: the convolution keeps its out + a * b body.
// CHECK-LABEL: func.func @around_contraction
// CHECK: %[[A:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel"]
// CHECK: arith.select
// CHECK: %[[C:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction", "reduction", "parallel"]} ins(%[[A]],
// CHECK-NEXT: ^bb0
// CHECK-NEXT: arith.mulf
// CHECK-NEXT: arith.addf
// CHECK-NEXT: linalg.yield
// CHECK: linalg.generic {{.*}} ins(%[[C]] :
// CHECK: math.tanh
func.func @around_contraction(%x: tensor<1x4x10xf32>, %w: tensor<6x4x3xf32>, %acc: tensor<1x6x8xf32>) -> tensor<1x6x8xf32> {
  %zero = arith.constant 0.0 : f32
  %slope = arith.constant 0.1 : f32
  %e = tensor.empty() : tensor<1x4x10xf32>
  %a = linalg.generic {indexing_maps = [affine_map<(n, c, l) -> (n, c, l)>, affine_map<(n, c, l) -> (n, c, l)>],
                       iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x : tensor<1x4x10xf32>) outs(%e : tensor<1x4x10xf32>) {
  ^bb0(%v: f32, %o: f32):
    %p = arith.cmpf ogt, %v, %zero : f32
    %m = arith.mulf %v, %slope : f32
    %r = arith.select %p, %v, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x4x10xf32>
  %c = linalg.generic {indexing_maps = [affine_map<(n, f, c, k, o) -> (n, c, o + k)>,
                                        affine_map<(n, f, c, k, o) -> (f, c, k)>,
                                        affine_map<(n, f, c, k, o) -> (n, f, o)>],
                       iterator_types = ["parallel", "parallel", "reduction", "reduction", "parallel"]}
      ins(%a, %w : tensor<1x4x10xf32>, tensor<6x4x3xf32>) outs(%acc : tensor<1x6x8xf32>) {
  ^bb0(%i: f32, %j: f32, %o: f32):
    %m = arith.mulf %i, %j : f32
    %s = arith.addf %o, %m : f32
    linalg.yield %s : f32
  } -> tensor<1x6x8xf32>
  %e2 = tensor.empty() : tensor<1x6x8xf32>
  %t = linalg.generic {indexing_maps = [affine_map<(n, c, l) -> (n, c, l)>, affine_map<(n, c, l) -> (n, c, l)>],
                       iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%c : tensor<1x6x8xf32>) outs(%e2 : tensor<1x6x8xf32>) {
  ^bb0(%v: f32, %o: f32):
    %r = math.tanh %v : f32
    linalg.yield %r : f32
  } -> tensor<1x6x8xf32>
  return %t : tensor<1x6x8xf32>
}
