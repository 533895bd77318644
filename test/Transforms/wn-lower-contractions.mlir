// RUN: wn-opt %s --wn-lower-contractions --split-input-file | FileCheck %s
// RUN: wn-opt %s --wn-lower-contractions="rows=2 vectors=1 parallel=0" --split-input-file | FileCheck %s --check-prefix=FORCED

/// The exporter's convolution (loops n, f, c, k, o): o is the vector dim
/// (x contiguous along it, w constant), f the row dim, c and k the
/// reductions carried around a block of accumulators. 32 output positions
/// and 8 channels fill 2 vectors x 8 rows exactly: no masks.
// CHECK-LABEL: func.func @conv
// CHECK-SAME: (%[[X:.*]]: memref<1x4x34xf32>, %[[W:.*]]: memref<8x4x3xf32>, %[[Y:.*]]: memref<1x8x32xf32>)
// CHECK: scf.parallel
// CHECK-COUNT-16: vector.load %[[Y]]
// CHECK: scf.for %[[C:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(
// CHECK: scf.for %[[K:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(
// CHECK-COUNT-2: vector.load %[[X]][%{{.*}}, %[[C]], %{{.*}}] : memref<1x4x34xf32>, vector<16xf32>
// CHECK: %[[S:.*]] = memref.load %[[W]][%{{.*}}, %[[C]], %[[K]]]
// CHECK: %[[B:.*]] = vector.broadcast %[[S]] : f32 to vector<16xf32>
// CHECK: vector.fma %{{.*}}, %[[B]], %{{.*}} : vector<16xf32>
// CHECK-COUNT-16: vector.store %{{.*}}, %[[Y]]
// CHECK-NOT: linalg.generic
// FORCED-LABEL: func.func @conv
// FORCED-NOT: scf.parallel
// FORCED: scf.for
// FORCED-COUNT-2: vector.fma
// FORCED-NOT: vector.fma
// FORCED: scf.yield
func.func @conv(%x: memref<1x4x34xf32>, %w: memref<8x4x3xf32>, %y: memref<1x8x32xf32>) {
  linalg.generic {indexing_maps = [affine_map<(n, f, c, k, o) -> (n, c, o + k)>,
                                   affine_map<(n, f, c, k, o) -> (f, c, k)>,
                                   affine_map<(n, f, c, k, o) -> (n, f, o)>],
                  iterator_types = ["parallel", "parallel", "reduction", "reduction", "parallel"]}
    ins(%x, %w : memref<1x4x34xf32>, memref<8x4x3xf32>) outs(%y : memref<1x8x32xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %c, %m : f32
    linalg.yield %s : f32
  }
  return
}

// -----

/// Edges: 20 columns are one full vector and a masked one; rows past the
/// 5th are clamped for loads and their stores skipped. Both the full-block
/// kernel and the masked one are emitted, chosen per block at run time.
// CHECK-LABEL: func.func @matmul_edges
// CHECK: scf.parallel
// CHECK: scf.if
// CHECK: vector.load
// CHECK: } else {
// CHECK: vector.create_mask
// CHECK: vector.maskedload
// CHECK: vector.maskedstore
func.func @matmul_edges(%a: memref<?x7xf32>, %b: memref<7x20xf32>, %c: memref<?x20xf32>) {
  linalg.matmul ins(%a, %b : memref<?x7xf32>, memref<7x20xf32>) outs(%c : memref<?x20xf32>)
  return
}

// -----

/// A transposed output (the polyphase transposed convolution's [.., q, r]
/// layout): accumulators are gathered and scattered lane by lane around the
/// vector FMAs.
// CHECK-LABEL: func.func @strided_output
// CHECK: memref.load %{{.*}} : memref<8x32x4xf32>
// CHECK: vector.insert
// CHECK: scf.for
// CHECK: vector.fma
// CHECK: vector.extract
// CHECK: memref.store %{{.*}} : memref<8x32x4xf32>
func.func @strided_output(%x: memref<5x40xf32>, %w: memref<5x8x4xf32>, %y: memref<8x32x4xf32>) {
  linalg.generic {indexing_maps = [affine_map<(f, r, c, q) -> (c, q + r)>,
                                   affine_map<(f, r, c, q) -> (c, f, r)>,
                                   affine_map<(f, r, c, q) -> (f, q, r)>],
                  iterator_types = ["parallel", "parallel", "reduction", "parallel"]}
    ins(%x, %w : memref<5x40xf32>, memref<5x8x4xf32>) outs(%y : memref<8x32x4xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %m, %c : f32
    linalg.yield %s : f32
  }
  return
}

// -----

/// f64: vectors of half as many elements.
// CHECK-LABEL: func.func @matmul_f64
// CHECK: vector.fma {{.*}} : vector<8xf64>
func.func @matmul_f64(%a: memref<4x3xf64>, %b: memref<3x32xf64>, %c: memref<4x32xf64>) {
  linalg.matmul ins(%a, %b : memref<4x3xf64>, memref<3x32xf64>) outs(%c : memref<4x32xf64>)
  return
}

// -----

/// x @ w^T (the exporter's Linear): both inputs are contiguous along the
/// reduction only. Dot kernel: lanes along k, 16 full steps then one masked
/// step for the 3 left, each accumulator summed across lanes into out.
// CHECK-LABEL: func.func @linear
// CHECK: scf.parallel
// CHECK: scf.for %[[K:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(
// CHECK: vector.load %{{.*}}[%{{.*}}, %[[K]]] : memref<5x259xf32>, vector<16xf32>
// CHECK: vector.fma
// CHECK: vector.maskedload
// CHECK: vector.reduction <add>
// CHECK: memref.store
func.func @linear(%x: memref<5x259xf32>, %w: memref<12x259xf32>, %y: memref<5x12xf32>) {
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
    ins(%x, %w : memref<5x259xf32>, memref<12x259xf32>) outs(%y : memref<5x12xf32>)
  return
}

// -----

/// Left for convert-linalg-to-loops: no input contiguous along any dim it
/// shares with the loops (a strided convolution steps by 2), a body that is
/// not out + a * b, f16, tensors.
// CHECK-LABEL: func.func @left_alone
// CHECK-NOT: vector.fma
// CHECK-COUNT-4: linalg.
// CHECK-NOT: vector.fma
func.func @left_alone(%a: memref<4x8xf32>, %c: memref<4x6xf32>,
                      %x: memref<1x2x9xf32>, %w: memref<3x2x3xf32>, %y: memref<1x3x4xf32>,
                      %h: memref<4x8xf16>, %hb: memref<8x6xf16>, %hc: memref<4x6xf16>,
                      %d: memref<8x6xf32>, %t: tensor<4x8xf32>, %tb: tensor<8x6xf32>, %tc: tensor<4x6xf32>) -> tensor<4x6xf32> {
  linalg.conv_1d_ncw_fcw {dilations = dense<1> : tensor<1xi64>, strides = dense<2> : tensor<1xi64>}
    ins(%x, %w : memref<1x2x9xf32>, memref<3x2x3xf32>) outs(%y : memref<1x3x4xf32>)
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
    ins(%a, %d : memref<4x8xf32>, memref<8x6xf32>) outs(%c : memref<4x6xf32>) {
  ^bb0(%p: f32, %q: f32, %r: f32):
    %m = arith.maximumf %p, %q : f32
    %s = arith.addf %r, %m : f32
    linalg.yield %s : f32
  }
  linalg.matmul ins(%h, %hb : memref<4x8xf16>, memref<8x6xf16>) outs(%hc : memref<4x6xf16>)
  %r = linalg.matmul ins(%t, %tb : tensor<4x8xf32>, tensor<8x6xf32>) outs(%tc : tensor<4x6xf32>) -> tensor<4x6xf32>
  return %r : tensor<4x6xf32>
}
