// RUN: wn-opt %s --wn-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%runner_libs | FileCheck %s
// RUN: wn-opt %s '--wn-cpu-pipeline=parallel=0 vector-size=4' | mlir-runner -e main -entry-point-result=void -shared-libs=%runner_libs | FileCheck %s
// RUN: wn-opt %s --wn-cpu-pipeline=strategy=materialize | mlir-runner -e main -entry-point-result=void -shared-libs=%runner_libs | FileCheck %s

/// PyTorch semantics at the edges: no epsilon, so an all-zero slice has norm 0
/// and gives 0 * inf = NaN in that slice only; an all-zero tensor under the
/// whole-tensor norm is all NaN; tensors with zero elements are valid.

func.func private @printMemrefF32(tensor<*xf32>)
func.func private @printI64(i64)
func.func private @printF32(f32)
func.func private @printComma()
func.func private @printNewline()

/// Prints "rows, cols, sum" of a 2-D result, so an empty result is visible
/// (printMemrefF32 does not print 0-size memrefs faithfully).
func.func @print_summary(%w: tensor<?x?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %d0 = tensor.dim %w, %c0 : tensor<?x?xf32>
  %d1 = tensor.dim %w, %c1 : tensor<?x?xf32>
  %zero = arith.constant 0.0 : f32
  %acc = tensor.empty() : tensor<f32>
  %accf = linalg.fill ins(%zero : f32) outs(%acc : tensor<f32>) -> tensor<f32>
  %sum = linalg.reduce ins(%w : tensor<?x?xf32>) outs(%accf : tensor<f32>) dimensions = [0, 1]
    (%x: f32, %a: f32) {
      %s = arith.addf %x, %a : f32
      linalg.yield %s : f32
    }
  %s = tensor.extract %sum[] : tensor<f32>
  %i0 = arith.index_cast %d0 : index to i64
  %i1 = arith.index_cast %d1 : index to i64
  call @printI64(%i0) : (i64) -> ()
  call @printComma() : () -> ()
  call @printI64(%i1) : (i64) -> ()
  call @printComma() : () -> ()
  call @printF32(%s) : (f32) -> ()
  call @printNewline() : () -> ()
  return
}

func.func @main() {
  // Row 1 is all zeros: NaN there, exact values elsewhere (3-4-5 rows).
  // CHECK: [0.6,   0.8],
  // CHECK-NEXT: [{{-?}}nan,   {{-?}}nan],
  // CHECK-NEXT: [0,   -2]]
  %v = arith.constant dense<[[3.0, 4.0], [0.0, 0.0], [0.0, -5.0]]> : tensor<3x2xf32>
  %g = arith.constant dense<[1.0, 7.0, 2.0]> : tensor<3xf32>
  %init = tensor.empty() : tensor<3x2xf32>
  %w = wn.weight_norm dim(0) ins(%v, %g : tensor<3x2xf32>, tensor<3xf32>) outs(%init : tensor<3x2xf32>) -> tensor<3x2xf32>
  %wu = tensor.cast %w : tensor<3x2xf32> to tensor<*xf32>
  call @printMemrefF32(%wu) : (tensor<*xf32>) -> ()

  // A zero column under dim 1: NaN in that column only.
  // CHECK: [0.6,   {{-?}}nan],
  // CHECK-NEXT: [0,   {{-?}}nan],
  // CHECK-NEXT: [0.8,   {{-?}}nan]]
  %v1 = arith.constant dense<[[3.0, 0.0], [0.0, 0.0], [4.0, 0.0]]> : tensor<3x2xf32>
  %g1 = arith.constant dense<[[1.0, 1.0]]> : tensor<1x2xf32>
  %w1 = wn.weight_norm dim(1) ins(%v1, %g1 : tensor<3x2xf32>, tensor<1x2xf32>) outs(%init : tensor<3x2xf32>) -> tensor<3x2xf32>
  %w1u = tensor.cast %w1 : tensor<3x2xf32> to tensor<*xf32>
  call @printMemrefF32(%w1u) : (tensor<*xf32>) -> ()

  // Whole-tensor norm of zeros: every element is NaN.
  // CHECK: [{{-?}}nan,   {{-?}}nan],
  // CHECK-NEXT: [{{-?}}nan,   {{-?}}nan],
  // CHECK-NEXT: [{{-?}}nan,   {{-?}}nan]]
  %z = arith.constant dense<0.0> : tensor<3x2xf32>
  %gs = arith.constant dense<1.0> : tensor<f32>
  %w2 = wn.weight_norm ins(%z, %gs : tensor<3x2xf32>, tensor<f32>) outs(%init : tensor<3x2xf32>) -> tensor<3x2xf32>
  %w2u = tensor.cast %w2 : tensor<3x2xf32> to tensor<*xf32>
  call @printMemrefF32(%w2u) : (tensor<*xf32>) -> ()

  // Zero slices along dim ([0, 4], dim 0) and zero-length slices ([3, 0],
  // dim 0; [3, 0], whole tensor): empty results, nothing read or written.
  // CHECK: 0, 4, 0
  // CHECK-NEXT: 3, 0, 0
  // CHECK-NEXT: 3, 0, 0
  %e0 = arith.constant dense<1.0> : tensor<0x4xf32>
  %ge0 = arith.constant dense<1.0> : tensor<0xf32>
  %we0 = wn.weight_norm dim(0) ins(%e0, %ge0 : tensor<0x4xf32>, tensor<0xf32>) outs(%e0 : tensor<0x4xf32>) -> tensor<0x4xf32>
  %we0d = tensor.cast %we0 : tensor<0x4xf32> to tensor<?x?xf32>
  call @print_summary(%we0d) : (tensor<?x?xf32>) -> ()
  %e1 = arith.constant dense<1.0> : tensor<3x0xf32>
  %ge1 = arith.constant dense<1.0> : tensor<3x1xf32>
  %we1 = wn.weight_norm dim(0) ins(%e1, %ge1 : tensor<3x0xf32>, tensor<3x1xf32>) outs(%e1 : tensor<3x0xf32>) -> tensor<3x0xf32>
  %we1d = tensor.cast %we1 : tensor<3x0xf32> to tensor<?x?xf32>
  call @print_summary(%we1d) : (tensor<?x?xf32>) -> ()
  %we2 = wn.weight_norm ins(%e1, %gs : tensor<3x0xf32>, tensor<f32>) outs(%e1 : tensor<3x0xf32>) -> tensor<3x0xf32>
  %we2d = tensor.cast %we2 : tensor<3x0xf32> to tensor<?x?xf32>
  call @print_summary(%we2d) : (tensor<?x?xf32>) -> ()
  return
}
