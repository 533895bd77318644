// RUN: wn-opt %s --wn-optimize | FileCheck %s
// RUN: wn-opt %s '--wn-optimize=fuse-into-consumers=0' | FileCheck %s --check-prefix=NOFUSE
// RUN: not wn-opt %s '--wn-optimize=no-such-option=1' 2>&1 | FileCheck %s --check-prefix=BADOPT
// RUN: not wn-opt %s '--wn-optimize=fuse-into-consumers=maybe' 2>&1 | FileCheck %s --check-prefix=BADVAL

/// A module with several weight-normed layers, as a streaming model runs
/// them: a Linear whose weight norm sits, loop-invariant, inside the loop
/// over audio chunks (LICM lifts it out, then it is fused into the matmul),
/// the same weight normed again for a second matmul (CSE keeps one norm, one
/// scale serves both matmuls), and a Conv1d over output channels (fused).
/// Nothing is left materializing a w; canonicalization gave the conv's g
/// its canonical (flat) layout.
// CHECK-LABEL: func.func @model
// CHECK-NOT: wn.weight_norm dim
// CHECK: %[[S1:[a-zA-Z0-9_]+]] = wn.weight_norm_scale dim(0) ins(%{{.*}}, %{{.*}} : tensor<32x16xf32>, tensor<32xf32>)
// CHECK: scf.for
// CHECK-NOT: wn.weight_norm
// CHECK:   linalg.matmul
// CHECK:   linalg.generic {{.*}} ins(%{{[a-zA-Z0-9_]+}}, %[[S1]]
// CHECK: %[[S2:[a-zA-Z0-9_]+]] = wn.weight_norm_scale dim(0) ins(%{{.*}}, %{{.*}} : tensor<8x4x3xf32>, tensor<8xf32>)
// CHECK: linalg.conv_1d_ncw_fcw
// CHECK: linalg.generic {{.*}} ins(%{{[a-zA-Z0-9_]+}}, %[[S2]]
// CHECK: linalg.matmul
// CHECK: linalg.generic {{.*}} ins(%{{[a-zA-Z0-9_]+}}, %[[S1]]
// CHECK-NOT: wn.weight_norm
// CHECK: return

/// Without fusion the two weight norms (one hoisted out of the loop, its
/// duplicate merged into it) stay before the loop, and none inside it.
// NOFUSE-LABEL: func.func @model
// NOFUSE: wn.weight_norm dim(0) ins(%{{.*}}, %{{.*}} : tensor<32x16xf32>, tensor<32xf32>)
// NOFUSE-NOT: wn.weight_norm
// NOFUSE: scf.for
// NOFUSE-NOT: wn.weight_norm
// NOFUSE: wn.weight_norm dim(0) ins(%{{.*}}, %{{.*}} : tensor<8x4x3xf32>, tensor<8xf32>)
// NOFUSE-NOT: wn.weight_norm
// NOFUSE: return

// BADOPT: no-such-option
// BADVAL: maybe

func.func @model(%x: tensor<4x8x16xf32>, %v: tensor<32x16xf32>, %g: tensor<32xf32>, %cx: tensor<2x4x10xf32>, %cv: tensor<8x4x3xf32>, %cg: tensor<8x1x1xf32>) -> (tensor<4x8x32xf32>, tensor<2x8x8xf32>, tensor<8x32xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0.0 : f32
  %out = tensor.empty() : tensor<4x8x32xf32>
  %ys = scf.for %i = %c0 to %c4 step %c1 iter_args(%acc = %out) -> (tensor<4x8x32xf32>) {
    %e = tensor.empty() : tensor<32x16xf32>
    %w = wn.weight_norm dim(0) ins(%v, %g : tensor<32x16xf32>, tensor<32xf32>) outs(%e : tensor<32x16xf32>) -> tensor<32x16xf32>
    %xi = tensor.extract_slice %x[%i, 0, 0] [1, 8, 16] [1, 1, 1] : tensor<4x8x16xf32> to tensor<8x16xf32>
    %o = tensor.empty() : tensor<8x32xf32>
    %f = linalg.fill ins(%zero : f32) outs(%o : tensor<8x32xf32>) -> tensor<8x32xf32>
    %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%xi, %w : tensor<8x16xf32>, tensor<32x16xf32>) outs(%f : tensor<8x32xf32>) -> tensor<8x32xf32>
    %next = tensor.insert_slice %y into %acc[%i, 0, 0] [1, 8, 32] [1, 1, 1] : tensor<8x32xf32> into tensor<4x8x32xf32>
    scf.yield %next : tensor<4x8x32xf32>
  }
  %ce = tensor.empty() : tensor<8x4x3xf32>
  %cw = wn.weight_norm dim(0) ins(%cv, %cg : tensor<8x4x3xf32>, tensor<8x1x1xf32>) outs(%ce : tensor<8x4x3xf32>) -> tensor<8x4x3xf32>
  %co = tensor.empty() : tensor<2x8x8xf32>
  %cf = linalg.fill ins(%zero : f32) outs(%co : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  %cy = linalg.conv_1d_ncw_fcw {dilations = dense<1> : tensor<1xi64>, strides = dense<1> : tensor<1xi64>} ins(%cx, %cw : tensor<2x4x10xf32>, tensor<8x4x3xf32>) outs(%cf : tensor<2x8x8xf32>) -> tensor<2x8x8xf32>
  // The same weight normed again for a second Linear on the last chunk: CSE
  // merges it with the hoisted one, whose scale then serves both matmuls.
  %e2 = tensor.empty() : tensor<32x16xf32>
  %w2 = wn.weight_norm dim(0) ins(%v, %g : tensor<32x16xf32>, tensor<32xf32>) outs(%e2 : tensor<32x16xf32>) -> tensor<32x16xf32>
  %xl = tensor.extract_slice %x[3, 0, 0] [1, 8, 16] [1, 1, 1] : tensor<4x8x16xf32> to tensor<8x16xf32>
  %o2 = tensor.empty() : tensor<8x32xf32>
  %f2 = linalg.fill ins(%zero : f32) outs(%o2 : tensor<8x32xf32>) -> tensor<8x32xf32>
  %y2 = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%xl, %w2 : tensor<8x16xf32>, tensor<32x16xf32>) outs(%f2 : tensor<8x32xf32>) -> tensor<8x32xf32>
  return %ys, %cy, %y2 : tensor<4x8x32xf32>, tensor<2x8x8xf32>, tensor<8x32xf32>
}
