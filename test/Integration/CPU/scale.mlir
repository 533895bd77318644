// RUN: wn-opt %s --wn-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%runner_libs | FileCheck %s
// RUN: wn-opt %s '--wn-cpu-pipeline=parallel=0 vector-size=4' | mlir-runner -e main -entry-point-result=void -shared-libs=%runner_libs | FileCheck %s
// RUN: wn-opt %s --wn-cpu-pipeline=strategy=materialize | mlir-runner -e main -entry-point-result=void -shared-libs=%runner_libs | FileCheck %s

/// wn.weight_norm_scale executed under every strategy: g / ||v|| per slice,
/// in g's shape and the accumulation type, for each kernel (chunks for two
/// slices, rows for four, columns, runs, the whole tensor), with eps. Values are chosen so that every printed
/// number is exact.

func.func private @printMemrefF32(tensor<*xf32>)
func.func private @printMemrefF64(tensor<*xf64>)

func.func @main() {
  // Dim 0, f32, flat g: rows (3, 4, 0) and (0, 0, 8), g = (10, 2):
  // 10 / 5 and 2 / 8.
  // CHECK: [2,   0.25]
  %v = arith.constant dense<[[3.0, 4.0, 0.0], [0.0, 0.0, 8.0]]> : tensor<2x3xf32>
  %g = arith.constant dense<[10.0, 2.0]> : tensor<2xf32>
  %i = tensor.empty() : tensor<2xf32>
  %s = wn.weight_norm_scale dim(0) ins(%v, %g : tensor<2x3xf32>, tensor<2xf32>) outs(%i : tensor<2xf32>) -> tensor<2xf32>
  %su = tensor.cast %s : tensor<2xf32> to tensor<*xf32>
  call @printMemrefF32(%su) : (tensor<*xf32>) -> ()

  // The last dim (columns), bf16, keepdim g: columns (3, 4) and (0, -8),
  // g = (1, 4): 1 / 5 = 0.2 in f32 and 4 / 8.
  // CHECK: {{\[}}[0.2,   0.5]]
  %vb = arith.constant dense<[[3.0, 0.0], [4.0, -8.0]]> : tensor<2x2xbf16>
  %gb = arith.constant dense<[[1.0, 4.0]]> : tensor<1x2xbf16>
  %ib = tensor.empty() : tensor<1x2xf32>
  %sb = wn.weight_norm_scale dim(1) ins(%vb, %gb : tensor<2x2xbf16>, tensor<1x2xbf16>) outs(%ib : tensor<1x2xf32>) -> tensor<1x2xf32>
  %sbu = tensor.cast %sb : tensor<1x2xf32> to tensor<*xf32>
  call @printMemrefF32(%sbu) : (tensor<*xf32>) -> ()

  // A middle dim of [2, 2, 80] (runs of 80): slice 0 holds 3 and 4 (norm 5),
  // slice 1 one 12 (norm 12); g = (15, 6).
  // CHECK: [3,   0.5]
  %z = arith.constant 0.0 : f16
  %vz = tensor.splat %z : tensor<2x2x80xf16>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c7 = arith.constant 7 : index
  %c3f = arith.constant 3.0 : f16
  %c4f = arith.constant 4.0 : f16
  %c12f = arith.constant 12.0 : f16
  %vh0 = tensor.insert %c3f into %vz[%c0, %c0, %c7] : tensor<2x2x80xf16>
  %vh1 = tensor.insert %c4f into %vh0[%c1, %c0, %c0] : tensor<2x2x80xf16>
  %vh = tensor.insert %c12f into %vh1[%c1, %c1, %c7] : tensor<2x2x80xf16>
  %gh = arith.constant dense<[15.0, 6.0]> : tensor<2xf16>
  %ih = tensor.empty() : tensor<2xf32>
  %sh = wn.weight_norm_scale dim(1) ins(%vh, %gh : tensor<2x2x80xf16>, tensor<2xf16>) outs(%ih : tensor<2xf32>) -> tensor<2xf32>
  %shu = tensor.cast %sh : tensor<2xf32> to tensor<*xf32>
  call @printMemrefF32(%shu) : (tensor<*xf32>) -> ()

  // Dim 0 with 4 slices (the rows kernel, which the 2-slice case above does
  // not reach: it takes the chunks kernel): rows 3, 4, 12 and 5 times
  // (1, 0, ..., 0) over 9 elements, g = 6, 2, 3, 10.
  // CHECK: [2,   0.5,   0.25,   2]
  %vr0 = arith.constant 0.0 : f32
  %vrz = tensor.splat %vr0 : tensor<4x9xf32>
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %r3 = arith.constant 3.0 : f32
  %r4 = arith.constant 4.0 : f32
  %r12 = arith.constant 12.0 : f32
  %r5 = arith.constant 5.0 : f32
  %vr1 = tensor.insert %r3 into %vrz[%c0, %c0] : tensor<4x9xf32>
  %vr2 = tensor.insert %r4 into %vr1[%c1, %c7] : tensor<4x9xf32>
  %vr3 = tensor.insert %r12 into %vr2[%c2, %c3] : tensor<4x9xf32>
  %vr = tensor.insert %r5 into %vr3[%c3, %c1] : tensor<4x9xf32>
  %gr = arith.constant dense<[6.0, 2.0, 3.0, 10.0]> : tensor<4xf32>
  %ir = tensor.empty() : tensor<4xf32>
  %sr = wn.weight_norm_scale dim(0) ins(%vr, %gr : tensor<4x9xf32>, tensor<4xf32>) outs(%ir : tensor<4xf32>) -> tensor<4xf32>
  %sru = tensor.cast %sr : tensor<4xf32> to tensor<*xf32>
  call @printMemrefF32(%sru) : (tensor<*xf32>) -> ()

  // The whole tensor, f64, eps = 11: sqrt(9 + 16 + 11) = 6, g = 3.
  // CHECK: [0.5]
  %vd = arith.constant dense<[[3.0, 0.0], [0.0, 4.0]]> : tensor<2x2xf64>
  %gd = arith.constant dense<3.0> : tensor<1xf64>
  %id = tensor.empty() : tensor<1xf64>
  %sd = wn.weight_norm_scale eps(11.0) ins(%vd, %gd : tensor<2x2xf64>, tensor<1xf64>) outs(%id : tensor<1xf64>) -> tensor<1xf64>
  %sdu = tensor.cast %sd : tensor<1xf64> to tensor<*xf64>
  call @printMemrefF64(%sdu) : (tensor<*xf64>) -> ()
  return
}
