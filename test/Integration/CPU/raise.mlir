// RUN: wn-opt %s --wn-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%runner_libs | FileCheck %s
// RUN: wn-opt %s --wn-optimize --wn-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%runner_libs | FileCheck %s
// RUN: wn-opt %s --wn-optimize | FileCheck %s --check-prefix=IR

/// A weight-normed Linear in torch-mlir's linalg-on-tensors form (sum of
/// abs(x)^2 with keepdim output, powf 0.5, div, broadcasting mul, then a
/// transpose and a matmul into the bias), run as it is and after
/// --wn-optimize, which raises it first (then fuses the raised weight norm
/// into the matmul): the same numbers; with raise=0 nothing is raised. v rows (3, 4, 0), (0, 0, 2), (1, 2, 2) have norms 5, 2,
/// 3; g = (10, 1, 6); x = (1, 1, 1), (2, 0, -1); bias (0.5, 0, -1).
/// w = (6, 8, 0), (0, 0, 1), (2, 4, 4); y = x @ w^T + b:
/// (14.5, 1, 9), (12.5, -1, -1).
// CHECK: [14.5,   1,   9],
// CHECK-NEXT: [12.5,   -1,   -1]]
// IR-LABEL: func.func @linear
// IR: wn.weight_norm_scale dim(0)
// IR-NOT: math.powf
// IR: return

#map = affine_map<(d0, d1) -> (d0, d1)>
#map1 = affine_map<(d0, d1) -> (d0, 0)>
func.func @linear(%x: tensor<2x3xf32>, %v: tensor<3x3xf32>, %g: tensor<3x1xf32>, %b: tensor<3xf32>) -> tensor<2x3xf32> {
  %cst = arith.constant 0.000000e+00 : f32
  %two = arith.constant 2.000000e+00 : f32
  %half = arith.constant 5.000000e-01 : f32
  %0 = tensor.empty() : tensor<3x1xf32>
  %1 = linalg.fill ins(%cst : f32) outs(%0 : tensor<3x1xf32>) -> tensor<3x1xf32>
  %2 = linalg.generic {indexing_maps = [#map, #map1], iterator_types = ["parallel", "reduction"]} ins(%v : tensor<3x3xf32>) outs(%1 : tensor<3x1xf32>) {
  ^bb0(%in: f32, %out: f32):
    %a = math.absf %in : f32
    %p = math.powf %a, %two : f32
    %s = arith.addf %p, %out : f32
    linalg.yield %s : f32
  } -> tensor<3x1xf32>
  %3 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]} ins(%2 : tensor<3x1xf32>) outs(%0 : tensor<3x1xf32>) {
  ^bb0(%in: f32, %out: f32):
    %p = math.powf %in, %half : f32
    linalg.yield %p : f32
  } -> tensor<3x1xf32>
  %4 = linalg.generic {indexing_maps = [#map, #map, #map], iterator_types = ["parallel", "parallel"]} ins(%g, %3 : tensor<3x1xf32>, tensor<3x1xf32>) outs(%0 : tensor<3x1xf32>) {
  ^bb0(%in: f32, %in_2: f32, %out: f32):
    %d = arith.divf %in, %in_2 : f32
    linalg.yield %d : f32
  } -> tensor<3x1xf32>
  %5 = tensor.empty() : tensor<3x3xf32>
  %w = linalg.generic {indexing_maps = [#map, #map1, #map], iterator_types = ["parallel", "parallel"]} ins(%v, %4 : tensor<3x3xf32>, tensor<3x1xf32>) outs(%5 : tensor<3x3xf32>) {
  ^bb0(%in: f32, %in_2: f32, %out: f32):
    %m = arith.mulf %in, %in_2 : f32
    linalg.yield %m : f32
  } -> tensor<3x3xf32>
  %wt = linalg.transpose ins(%w : tensor<3x3xf32>) outs(%5 : tensor<3x3xf32>) permutation = [1, 0]
  %o = tensor.empty() : tensor<2x3xf32>
  %bb = linalg.broadcast ins(%b : tensor<3xf32>) outs(%o : tensor<2x3xf32>) dimensions = [0]
  %y = linalg.matmul ins(%x, %wt : tensor<2x3xf32>, tensor<3x3xf32>) outs(%bb : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

func.func private @printMemrefF32(tensor<*xf32>)

func.func @main() {
  %x = arith.constant dense<[[1.0, 1.0, 1.0], [2.0, 0.0, -1.0]]> : tensor<2x3xf32>
  %v = arith.constant dense<[[3.0, 4.0, 0.0], [0.0, 0.0, 2.0], [1.0, 2.0, 2.0]]> : tensor<3x3xf32>
  %g = arith.constant dense<[[10.0], [1.0], [6.0]]> : tensor<3x1xf32>
  %b = arith.constant dense<[0.5, 0.0, -1.0]> : tensor<3xf32>
  %y = func.call @linear(%x, %v, %g, %b) : (tensor<2x3xf32>, tensor<3x3xf32>, tensor<3x1xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %yu = tensor.cast %y : tensor<2x3xf32> to tensor<*xf32>
  call @printMemrefF32(%yu) : (tensor<*xf32>) -> ()
  return
}
// RUN: wn-opt %s '--wn-optimize=raise=0' | FileCheck %s --check-prefix=NORAISE
// NORAISE-LABEL: func.func @linear
// NORAISE-NOT: wn.
// NORAISE: math.powf
