// RUN: wn-opt %s --transform-preload-library=transform-library-paths=%S/../../../bench/schedules/linear.mlir -transform-interpreter -canonicalize --wn-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%runner_libs | FileCheck %s
// RUN: wn-opt %s --wn-optimize --transform-preload-library=transform-library-paths=%S/../../../bench/schedules/linear.mlir -transform-interpreter -canonicalize --wn-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%runner_libs | FileCheck %s
// RUN: wn-opt %s --wn-optimize --transform-preload-library=transform-library-paths=%S/../../../bench/schedules/linear.mlir -transform-interpreter -canonicalize | FileCheck %s --check-prefix=IR

/// A Linear whose matmul is vectorized by the transform schedule the layer
/// benchmark uses (bench/schedules/linear.mlir: 4x4 output tiles, the
/// reduction in vector<4x4x16> registers), unfused and fused into the
/// matmul: --wn-cpu-pipeline lowers the vector code (2-D transfers through
/// convert-vector-to-scf) and both give the exact result. x is all ones
/// ([8, 64]), v all 0.5 ([4, 64], norm 4 per row), g = (4, 8, 12, 16):
/// w[n, k] = (n + 1) / 2 and y[m, n] = 32 (n + 1).
// CHECK-COUNT-8: [32,   64,   96,   128]
// IR: wn.weight_norm_scale
// IR: scf.for {{.*}} -> (vector<4x4x16xf32>)
// IR-NOT: wn.weight_norm dim

func.func private @printMemrefF32(tensor<*xf32>)

func.func @linear(%x: tensor<8x64xf32>, %v: tensor<4x64xf32>, %g: tensor<4xf32>) -> tensor<8x4xf32> {
  %e = tensor.empty() : tensor<4x64xf32>
  %w = wn.weight_norm dim(0) ins(%v, %g : tensor<4x64xf32>, tensor<4xf32>) outs(%e : tensor<4x64xf32>) -> tensor<4x64xf32>
  %z = arith.constant 0.0 : f32
  %o = tensor.empty() : tensor<8x4xf32>
  %f = linalg.fill ins(%z : f32) outs(%o : tensor<8x4xf32>) -> tensor<8x4xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%x, %w : tensor<8x64xf32>, tensor<4x64xf32>) outs(%f : tensor<8x4xf32>) -> tensor<8x4xf32>
  return %y : tensor<8x4xf32>
}

func.func @main() {
  %x = arith.constant dense<1.0> : tensor<8x64xf32>
  %v = arith.constant dense<0.5> : tensor<4x64xf32>
  %g = arith.constant dense<[4.0, 8.0, 12.0, 16.0]> : tensor<4xf32>
  %y = func.call @linear(%x, %v, %g) : (tensor<8x64xf32>, tensor<4x64xf32>, tensor<4xf32>) -> tensor<8x4xf32>
  %yu = tensor.cast %y : tensor<8x4xf32> to tensor<*xf32>
  call @printMemrefF32(%yu) : (tensor<*xf32>) -> ()
  return
}
