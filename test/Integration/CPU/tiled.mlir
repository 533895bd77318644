// RUN: wn-opt %s --transform-preload-library=transform-library-paths=%p/Inputs/tile-and-fuse.mlir --transform-interpreter --canonicalize | FileCheck %s --check-prefix=IR
// RUN: wn-opt %s --transform-preload-library=transform-library-paths=%p/Inputs/tile-and-fuse.mlir --transform-interpreter --canonicalize --wn-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%runner_libs | FileCheck %s

/// Tiled and fused weight norms compute bitwise the same numbers as the
/// untiled op (each slice is still reduced whole, in the same order):
/// @fused has its weight norm fused into a consumer tiled [2, 3, 0] (the
/// producer computes whole dim-0 slices, the consumer reads 3 of 6 rows of
/// them); @tiled is tiled by 3 along dim 2 of size 4 (a partial last tile).
/// @fused_ref and @tiled_ref are the same functions, left untiled by the
/// schedule; the untiled op's numbers are checked against PyTorch elsewhere.
/// v[i,j,k] = 24i + 4j + k - 10 on [4, 6, 4].

// IR-LABEL: func.func @fused
// IR: scf.for
// IR: scf.for
// IR: wn.weight_norm dim(0) {{.*}} tensor<2x6x4xf32>
// IR-LABEL: func.func @tiled
// IR: scf.for
// IR: wn.weight_norm dim(2) {{.*}} tensor<4x6x?xf32>

func.func private @printMemrefF32(tensor<*xf32>)

func.func @fused(%v: tensor<4x6x4xf32>, %g: tensor<4x1x1xf32>) -> tensor<4x6x4xf32> {
  %init = tensor.empty() : tensor<4x6x4xf32>
  %w = wn.weight_norm dim(0) ins(%v, %g : tensor<4x6x4xf32>, tensor<4x1x1xf32>) outs(%init : tensor<4x6x4xf32>) -> tensor<4x6x4xf32>
  %e = tensor.empty() : tensor<4x6x4xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%w : tensor<4x6x4xf32>) outs(%e : tensor<4x6x4xf32>) {
  ^bb0(%x: f32, %o: f32):
    %n = arith.negf %x : f32
    linalg.yield %n : f32
  } -> tensor<4x6x4xf32>
  return %r : tensor<4x6x4xf32>
}

func.func @tiled(%v: tensor<4x6x4xf32>, %g: tensor<4xf32>) -> tensor<4x6x4xf32> {
  %init = tensor.empty() : tensor<4x6x4xf32>
  %w = wn.weight_norm dim(2) ins(%v, %g : tensor<4x6x4xf32>, tensor<4xf32>) outs(%init : tensor<4x6x4xf32>) -> tensor<4x6x4xf32>
  return %w : tensor<4x6x4xf32>
}

func.func @fused_ref(%v: tensor<4x6x4xf32>, %g: tensor<4x1x1xf32>) -> tensor<4x6x4xf32> {
  %init = tensor.empty() : tensor<4x6x4xf32>
  %w = wn.weight_norm dim(0) ins(%v, %g : tensor<4x6x4xf32>, tensor<4x1x1xf32>) outs(%init : tensor<4x6x4xf32>) -> tensor<4x6x4xf32>
  %e = tensor.empty() : tensor<4x6x4xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%w : tensor<4x6x4xf32>) outs(%e : tensor<4x6x4xf32>) {
  ^bb0(%x: f32, %o: f32):
    %n = arith.negf %x : f32
    linalg.yield %n : f32
  } -> tensor<4x6x4xf32>
  return %r : tensor<4x6x4xf32>
}

func.func @tiled_ref(%v: tensor<4x6x4xf32>, %g: tensor<4xf32>) -> tensor<4x6x4xf32> {
  %init = tensor.empty() : tensor<4x6x4xf32>
  %w = wn.weight_norm dim(2) ins(%v, %g : tensor<4x6x4xf32>, tensor<4xf32>) outs(%init : tensor<4x6x4xf32>) -> tensor<4x6x4xf32>
  return %w : tensor<4x6x4xf32>
}

func.func private @printF32(f32)
func.func private @printNewline()

/// Prints max |a - b|.
func.func @print_max_diff(%a: tensor<4x6x4xf32>, %b: tensor<4x6x4xf32>) {
  %zero = arith.constant 0.0 : f32
  %acc = tensor.empty() : tensor<f32>
  %accf = linalg.fill ins(%zero : f32) outs(%acc : tensor<f32>) -> tensor<f32>
  %m = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> ()>], iterator_types = ["reduction", "reduction", "reduction"]} ins(%a, %b : tensor<4x6x4xf32>, tensor<4x6x4xf32>) outs(%accf : tensor<f32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %d = arith.subf %x, %y : f32
    %ad = math.absf %d : f32
    %mx = arith.maximumf %o, %ad : f32
    linalg.yield %mx : f32
  } -> tensor<f32>
  %s = tensor.extract %m[] : tensor<f32>
  call @printF32(%s) : (f32) -> ()
  call @printNewline() : () -> ()
  return
}

func.func @main() {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c6 = arith.constant 6 : index
  %e = tensor.empty() : tensor<4x6x4xf32>
  %v = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} outs(%e : tensor<4x6x4xf32>) {
  ^bb0(%o: f32):
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    %k = linalg.index 2 : index
    %a = arith.muli %i, %c6 : index
    %b = arith.addi %a, %j : index
    %c = arith.muli %b, %c4 : index
    %d = arith.addi %c, %k : index
    %n = arith.index_cast %d : index to i64
    %f = arith.sitofp %n : i64 to f32
    %ten = arith.constant 10.0 : f32
    %x = arith.subf %f, %ten : f32
    linalg.yield %x : f32
  } -> tensor<4x6x4xf32>
  %g0 = arith.constant dense<[[[1.0]], [[-2.0]], [[0.5]], [[3.0]]]> : tensor<4x1x1xf32>
  %g2 = arith.constant dense<[1.0, 2.0, -1.0, 0.25]> : tensor<4xf32>

  // CHECK: 0{{$}}
  %r0 = call @fused(%v, %g0) : (tensor<4x6x4xf32>, tensor<4x1x1xf32>) -> tensor<4x6x4xf32>
  %f0 = call @fused_ref(%v, %g0) : (tensor<4x6x4xf32>, tensor<4x1x1xf32>) -> tensor<4x6x4xf32>
  call @print_max_diff(%r0, %f0) : (tensor<4x6x4xf32>, tensor<4x6x4xf32>) -> ()
  // CHECK-NEXT: 0{{$}}
  %r1 = call @tiled(%v, %g2) : (tensor<4x6x4xf32>, tensor<4xf32>) -> tensor<4x6x4xf32>
  %f1 = call @tiled_ref(%v, %g2) : (tensor<4x6x4xf32>, tensor<4xf32>) -> tensor<4x6x4xf32>
  call @print_max_diff(%r1, %f1) : (tensor<4x6x4xf32>, tensor<4x6x4xf32>) -> ()
  // The first row of the fused result, to show the data is not trivially zero.
  // CHECK: [0.288195,   0.259376,   0.230556,   0.201737]
  %u0 = tensor.cast %r0 : tensor<4x6x4xf32> to tensor<*xf32>
  call @printMemrefF32(%u0) : (tensor<*xf32>) -> ()
  return
}
