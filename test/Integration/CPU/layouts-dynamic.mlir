// RUN: wn-opt %s --wn-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%runner_libs | FileCheck %s
// RUN: wn-opt %s '--wn-cpu-pipeline=parallel=0 vector-size=4' | mlir-runner -e main -entry-point-result=void -shared-libs=%runner_libs | FileCheck %s
// RUN: wn-opt %s --wn-cpu-pipeline=strategy=materialize | mlir-runner -e main -entry-point-result=void -shared-libs=%runner_libs | FileCheck %s

/// Both g layouts (keepdim [1,3,1] and flat [3]) with static and fully dynamic
/// shapes give the same numbers: dim 1 of a [2, 3, 4] tensor, the dynamic
/// versions behind a function boundary so no size is known at compile time.
/// Expected values are torch._weight_norm's.

func.func private @printMemrefF32(tensor<*xf32>)

func.func @print(%w: tensor<?x?x?xf32>) {
  %u = tensor.cast %w : tensor<?x?x?xf32> to tensor<*xf32>
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  return
}

func.func @dynamic_flat(%v: tensor<?x?x?xf32>, %g: tensor<?xf32>) -> tensor<?x?x?xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %d0 = tensor.dim %v, %c0 : tensor<?x?x?xf32>
  %d1 = tensor.dim %v, %c1 : tensor<?x?x?xf32>
  %d2 = tensor.dim %v, %c2 : tensor<?x?x?xf32>
  %init = tensor.empty(%d0, %d1, %d2) : tensor<?x?x?xf32>
  %w = wn.weight_norm dim(1) ins(%v, %g : tensor<?x?x?xf32>, tensor<?xf32>) outs(%init : tensor<?x?x?xf32>) -> tensor<?x?x?xf32>
  return %w : tensor<?x?x?xf32>
}

func.func @dynamic_keepdim(%v: tensor<?x?x?xf32>, %g: tensor<1x?x1xf32>, %init: tensor<?x?x?xf32>) -> tensor<?x?x?xf32> {
  %w = wn.weight_norm dim(-2) ins(%v, %g : tensor<?x?x?xf32>, tensor<1x?x1xf32>) outs(%init : tensor<?x?x?xf32>) -> tensor<?x?x?xf32>
  return %w : tensor<?x?x?xf32>
}

func.func @main() {
  %v = arith.constant dense<[[[-5.0, -4.5, -4.0, -3.5], [-3.0, -2.5, -2.0, -1.5], [-1.0, -0.5, 0.0, 0.5]], [[1.0, 1.5, 2.0, 2.5], [3.0, 3.5, 4.0, 4.5], [5.0, 5.5, 6.0, 6.5]]]> : tensor<2x3x4xf32>
  %gk = arith.constant dense<[[[2.0], [-1.0], [0.25]]]> : tensor<1x3x1xf32>
  %gf = arith.constant dense<[2.0, -1.0, 0.25]> : tensor<3xf32>
  %init = tensor.empty() : tensor<2x3x4xf32>
  %vd = tensor.cast %v : tensor<2x3x4xf32> to tensor<?x?x?xf32>

  // Static, keepdim g.
  // CHECK: [-1.07211,   -0.964901,   -0.85769,   -0.750479]
  // CHECK-NEXT: [0.337526,   0.281272,   0.225018,   0.168763]
  // CHECK-NEXT: [-0.0215166,   -0.0107583,   0,   0.0107583]
  // CHECK-NEXT: [0.214423,   0.321634,   0.428845,   0.536056]
  // CHECK-NEXT: [-0.337526,   -0.393781,   -0.450035,   -0.50629]
  // CHECK-NEXT: [0.107583,   0.118341,   0.129099,   0.139858]
  %w0 = wn.weight_norm dim(1) ins(%v, %gk : tensor<2x3x4xf32>, tensor<1x3x1xf32>) outs(%init : tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  %w0d = tensor.cast %w0 : tensor<2x3x4xf32> to tensor<?x?x?xf32>
  call @print(%w0d) : (tensor<?x?x?xf32>) -> ()
  // Static, flat g.
  // CHECK: [-1.07211,   -0.964901,   -0.85769,   -0.750479]
  // CHECK-NEXT: [0.337526,   0.281272,   0.225018,   0.168763]
  // CHECK-NEXT: [-0.0215166,   -0.0107583,   0,   0.0107583]
  // CHECK-NEXT: [0.214423,   0.321634,   0.428845,   0.536056]
  // CHECK-NEXT: [-0.337526,   -0.393781,   -0.450035,   -0.50629]
  // CHECK-NEXT: [0.107583,   0.118341,   0.129099,   0.139858]
  %w1 = wn.weight_norm dim(1) ins(%v, %gf : tensor<2x3x4xf32>, tensor<3xf32>) outs(%init : tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  %w1d = tensor.cast %w1 : tensor<2x3x4xf32> to tensor<?x?x?xf32>
  call @print(%w1d) : (tensor<?x?x?xf32>) -> ()
  // Dynamic, flat g.
  // CHECK: [-1.07211,   -0.964901,   -0.85769,   -0.750479]
  // CHECK-NEXT: [0.337526,   0.281272,   0.225018,   0.168763]
  // CHECK-NEXT: [-0.0215166,   -0.0107583,   0,   0.0107583]
  // CHECK-NEXT: [0.214423,   0.321634,   0.428845,   0.536056]
  // CHECK-NEXT: [-0.337526,   -0.393781,   -0.450035,   -0.50629]
  // CHECK-NEXT: [0.107583,   0.118341,   0.129099,   0.139858]
  %gfd = tensor.cast %gf : tensor<3xf32> to tensor<?xf32>
  %w2 = call @dynamic_flat(%vd, %gfd) : (tensor<?x?x?xf32>, tensor<?xf32>) -> tensor<?x?x?xf32>
  call @print(%w2) : (tensor<?x?x?xf32>) -> ()
  // Dynamic, keepdim g, negative dim.
  // CHECK: [-1.07211,   -0.964901,   -0.85769,   -0.750479]
  // CHECK-NEXT: [0.337526,   0.281272,   0.225018,   0.168763]
  // CHECK-NEXT: [-0.0215166,   -0.0107583,   0,   0.0107583]
  // CHECK-NEXT: [0.214423,   0.321634,   0.428845,   0.536056]
  // CHECK-NEXT: [-0.337526,   -0.393781,   -0.450035,   -0.50629]
  // CHECK-NEXT: [0.107583,   0.118341,   0.129099,   0.139858]
  %gkd = tensor.cast %gk : tensor<1x3x1xf32> to tensor<1x?x1xf32>
  %initd = tensor.cast %init : tensor<2x3x4xf32> to tensor<?x?x?xf32>
  %w3 = call @dynamic_keepdim(%vd, %gkd, %initd) : (tensor<?x?x?xf32>, tensor<1x?x1xf32>, tensor<?x?x?xf32>) -> tensor<?x?x?xf32>
  call @print(%w3) : (tensor<?x?x?xf32>) -> ()
  return
}
