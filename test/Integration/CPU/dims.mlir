// RUN: wn-opt %s --wn-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%runner_libs | FileCheck %s
// RUN: wn-opt %s '--wn-cpu-pipeline=parallel=0 vector-size=4' | mlir-runner -e main -entry-point-result=void -shared-libs=%runner_libs | FileCheck %s
// RUN: wn-opt %s --wn-cpu-pipeline=strategy=materialize | mlir-runner -e main -entry-point-result=void -shared-libs=%runner_libs | FileCheck %s

/// Every dim of a rank-3 tensor, as a positive and as a negative index, and the
/// whole-tensor norm, executed on the CPU. v[i,j,k] = 12i + 4j + k - 10, so the
/// slices mix signs and hold a zero; g counts up from 1. Expected values are
/// torch._weight_norm's (PyTorch 1.13.1).

func.func private @printMemrefF32(tensor<*xf32>)

func.func @v() -> tensor<2x3x4xf32> {
  %v = arith.constant dense<[[[-10.0, -9.0, -8.0, -7.0], [-6.0, -5.0, -4.0, -3.0], [-2.0, -1.0, 0.0, 1.0]],
                             [[2.0, 3.0, 4.0, 5.0], [6.0, 7.0, 8.0, 9.0], [10.0, 11.0, 12.0, 13.0]]]> : tensor<2x3x4xf32>
  return %v : tensor<2x3x4xf32>
}

func.func @print(%w: tensor<2x3x4xf32>) {
  %u = tensor.cast %w : tensor<2x3x4xf32> to tensor<*xf32>
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  return
}

func.func @main() {
  %v = call @v() : () -> tensor<2x3x4xf32>
  %init = tensor.empty() : tensor<2x3x4xf32>
  %g0 = arith.constant dense<[[[1.0]], [[2.0]]]> : tensor<2x1x1xf32>
  %g1 = arith.constant dense<[[[1.0], [2.0], [3.0]]]> : tensor<1x3x1xf32>
  %g2 = arith.constant dense<[[[1.0, 2.0, 3.0, 4.0]]]> : tensor<1x1x4xf32>
  %gs = arith.constant dense<2.0> : tensor<f32>

  // CHECK: [-0.508987,   -0.458088,   -0.407189,   -0.356291]
  // CHECK-NEXT: [-0.305392,   -0.254493,   -0.203595,   -0.152696]
  // CHECK-NEXT: [-0.101797,   -0.0508987,   0,   0.0508987]
  // CHECK-NEXT: [0.139857,   0.209785,   0.279713,   0.349642]
  // CHECK-NEXT: [0.41957,   0.489499,   0.559427,   0.629355]
  // CHECK-NEXT: [0.699284,   0.769212,   0.83914,   0.909069]
  %w0 = wn.weight_norm dim(0) ins(%v, %g0 : tensor<2x3x4xf32>, tensor<2x1x1xf32>) outs(%init : tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  call @print(%w0) : (tensor<2x3x4xf32>) -> ()
  // CHECK: [-0.508987,   -0.458088,   -0.407189,   -0.356291]
  // CHECK-NEXT: [-0.305392,   -0.254493,   -0.203595,   -0.152696]
  // CHECK-NEXT: [-0.101797,   -0.0508987,   0,   0.0508987]
  // CHECK-NEXT: [0.139857,   0.209785,   0.279713,   0.349642]
  // CHECK-NEXT: [0.41957,   0.489499,   0.559427,   0.629355]
  // CHECK-NEXT: [0.699284,   0.769212,   0.83914,   0.909069]
  %w0n = wn.weight_norm dim(-3) ins(%v, %g0 : tensor<2x3x4xf32>, tensor<2x1x1xf32>) outs(%init : tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  call @print(%w0n) : (tensor<2x3x4xf32>) -> ()

  // CHECK: [-0.536056,   -0.482451,   -0.428845,   -0.375239]
  // CHECK-NEXT: [-0.675053,   -0.562544,   -0.450035,   -0.337526]
  // CHECK-NEXT: [-0.258199,   -0.129099,   0,   0.129099]
  // CHECK-NEXT: [0.107211,   0.160817,   0.214423,   0.268028]
  // CHECK-NEXT: [0.675053,   0.787562,   0.90007,   1.01258]
  // CHECK-NEXT: [1.29099,   1.42009,   1.54919,   1.67829]
  %w1 = wn.weight_norm dim(1) ins(%v, %g1 : tensor<2x3x4xf32>, tensor<1x3x1xf32>) outs(%init : tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  call @print(%w1) : (tensor<2x3x4xf32>) -> ()
  // CHECK: [-0.536056,   -0.482451,   -0.428845,   -0.375239]
  // CHECK-NEXT: [-0.675053,   -0.562544,   -0.450035,   -0.337526]
  // CHECK-NEXT: [-0.258199,   -0.129099,   0,   0.129099]
  // CHECK-NEXT: [0.107211,   0.160817,   0.214423,   0.268028]
  // CHECK-NEXT: [0.675053,   0.787562,   0.90007,   1.01258]
  // CHECK-NEXT: [1.29099,   1.42009,   1.54919,   1.67829]
  %w1n = wn.weight_norm dim(-2) ins(%v, %g1 : tensor<2x3x4xf32>, tensor<1x3x1xf32>) outs(%init : tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  call @print(%w1n) : (tensor<2x3x4xf32>) -> ()

  // CHECK: [-0.597614,   -1.06436,   -1.37649,   -1.53209]
  // CHECK-NEXT: [-0.358569,   -0.591312,   -0.688247,   -0.656611]
  // CHECK-NEXT: [-0.119523,   -0.118262,   0,   0.21887]
  // CHECK-NEXT: [0.119523,   0.354787,   0.688247,   1.09435]
  // CHECK-NEXT: [0.358569,   0.827837,   1.37649,   1.96983]
  // CHECK-NEXT: [0.597614,   1.30089,   2.06474,   2.84531]
  %w2 = wn.weight_norm dim(2) ins(%v, %g2 : tensor<2x3x4xf32>, tensor<1x1x4xf32>) outs(%init : tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  call @print(%w2) : (tensor<2x3x4xf32>) -> ()
  // CHECK: [-0.597614,   -1.06436,   -1.37649,   -1.53209]
  // CHECK-NEXT: [-0.358569,   -0.591312,   -0.688247,   -0.656611]
  // CHECK-NEXT: [-0.119523,   -0.118262,   0,   0.21887]
  // CHECK-NEXT: [0.119523,   0.354787,   0.688247,   1.09435]
  // CHECK-NEXT: [0.358569,   0.827837,   1.37649,   1.96983]
  // CHECK-NEXT: [0.597614,   1.30089,   2.06474,   2.84531]
  %w2n = wn.weight_norm dim(-1) ins(%v, %g2 : tensor<2x3x4xf32>, tensor<1x1x4xf32>) outs(%init : tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  call @print(%w2n) : (tensor<2x3x4xf32>) -> ()

  // CHECK: [-0.57639,   -0.518751,   -0.461112,   -0.403473]
  // CHECK-NEXT: [-0.345834,   -0.288195,   -0.230556,   -0.172917]
  // CHECK-NEXT: [-0.115278,   -0.057639,   0,   0.057639]
  // CHECK-NEXT: [0.115278,   0.172917,   0.230556,   0.288195]
  // CHECK-NEXT: [0.345834,   0.403473,   0.461112,   0.518751]
  // CHECK-NEXT: [0.57639,   0.634029,   0.691669,   0.749308]
  %ws = wn.weight_norm ins(%v, %gs : tensor<2x3x4xf32>, tensor<f32>) outs(%init : tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  call @print(%ws) : (tensor<2x3x4xf32>) -> ()
  return
}
