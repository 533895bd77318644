// RUN: wn-opt %s --wn-parallelize-elementwise --split-input-file | FileCheck %s
// RUN: wn-opt %s --wn-parallelize-elementwise=min-elements=1 --split-input-file | FileCheck %s --check-prefix=ALL

/// An elementwise generic over [1, 192, 1024]: one parallel iteration per
/// row of 1024, each the generic on [1, 1, 1024] subviews.
// CHECK-LABEL: func.func @rows
// CHECK: %[[C192:.*]] = arith.constant 192 : index
// CHECK: scf.parallel (%[[I:.*]], %[[J:.*]]) = (%{{.*}}, %{{.*}}) to (%{{.*}}, %[[C192]])
// CHECK: %[[X:.*]] = memref.subview %{{.*}}[%[[I]], %[[J]], 0] [1, 1, 1024] [1, 1, 1]
// CHECK: %[[Y:.*]] = memref.subview %{{.*}}[%[[I]], %[[J]], 0] [1, 1, 1024] [1, 1, 1]
// CHECK: linalg.generic {{.*}} ins(%[[X]] : memref<1x1x1024xf32, strided<[196608, 1024, 1], offset: ?>>) outs(%[[Y]]
// CHECK: math.sin
func.func @rows(%x: memref<1x192x1024xf32>, %y: memref<1x192x1024xf32>) {
  linalg.generic {indexing_maps = [affine_map<(a, b, c) -> (a, b, c)>, affine_map<(a, b, c) -> (a, b, c)>],
                  iterator_types = ["parallel", "parallel", "parallel"]}
    ins(%x : memref<1x192x1024xf32>) outs(%y : memref<1x192x1024xf32>) {
  ^bb0(%a: f32, %b: f32):
    %s = math.sin %a : f32
    linalg.yield %s : f32
  }
  return
}

// -----

/// Dynamic shapes count as large; fills and broadcasts are tiled too.
// CHECK-LABEL: func.func @dynamic
// CHECK: %[[D0:.*]] = memref.dim %{{.*}}, %{{.*}} : memref<?x?xf32>
// CHECK: scf.parallel (%{{.*}}) = (%{{.*}}) to (%[[D0]])
// CHECK: linalg.fill {{.*}} outs(%{{.*}} : memref<1x?xf32, strided<[?, 1], offset: ?>>)
// CHECK: scf.parallel
// CHECK: linalg.broadcast
func.func @dynamic(%d: memref<?x?xf32>, %b: memref<?xf32>) {
  %c = arith.constant 0.0 : f32
  linalg.fill ins(%c : f32) outs(%d : memref<?x?xf32>)
  linalg.broadcast ins(%b : memref<?xf32>) outs(%d : memref<?x?xf32>) dimensions = [0]
  return
}

// -----

/// Left alone: small ops (under min-elements, 16384 by default), one row,
/// reductions, tensors. With min-elements=1 the small op is shared too.
// CHECK-LABEL: func.func @left_alone
// CHECK-NOT: scf.parallel
// ALL-LABEL: func.func @left_alone
// ALL: scf.parallel
// ALL-NOT: scf.parallel
func.func @left_alone(%s: memref<4x8xf32>, %row: memref<1x65536xf32>, %r: memref<4xf32>, %t: tensor<512x512xf32>) -> tensor<512x512xf32> {
  %c = arith.constant 1.0 : f32
  linalg.fill ins(%c : f32) outs(%s : memref<4x8xf32>)
  linalg.fill ins(%c : f32) outs(%row : memref<1x65536xf32>)
  linalg.reduce ins(%s : memref<4x8xf32>) outs(%r : memref<4xf32>) dimensions = [1]
    (%a: f32, %b: f32) {
      %sum = arith.addf %a, %b : f32
      linalg.yield %sum : f32
    }
  %e = tensor.empty() : tensor<512x512xf32>
  %f = linalg.fill ins(%c : f32) outs(%e : tensor<512x512xf32>) -> tensor<512x512xf32>
  return %f : tensor<512x512xf32>
}
