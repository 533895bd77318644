// RUN: wn-opt %s --wn-lower-strided-copies --split-input-file | FileCheck %s

// A copy into a strided subview (a bufferized tensor.pad) becomes
// linalg.copy; contiguous copies stay memref.copy (a memcpy).
// CHECK-LABEL: func.func @pad_like
// CHECK: %[[SUB:.*]] = memref.subview
// CHECK: linalg.copy ins(%{{.*}} : memref<4x5xf32>) outs(%[[SUB]] : memref<4x5xf32, strided<[7, 1], offset: 1>>)
// CHECK-NOT: memref.copy
func.func @pad_like(%src: memref<4x5xf32>, %dst: memref<4x7xf32>) {
  %sub = memref.subview %dst[0, 1] [4, 5] [1, 1] : memref<4x7xf32> to memref<4x5xf32, strided<[7, 1], offset: 1>>
  memref.copy %src, %sub : memref<4x5xf32> to memref<4x5xf32, strided<[7, 1], offset: 1>>
  return
}

// -----

// CHECK-LABEL: func.func @strided_source
// CHECK: linalg.copy ins(%{{.*}} : memref<4x3xf32, strided<[10, 2]>>) outs(%{{.*}} : memref<4x3xf32>)
func.func @strided_source(%src: memref<4x10xf32>, %dst: memref<4x3xf32>) {
  %sub = memref.subview %src[0, 0] [4, 3] [1, 2] : memref<4x10xf32> to memref<4x3xf32, strided<[10, 2]>>
  memref.copy %sub, %dst : memref<4x3xf32, strided<[10, 2]>> to memref<4x3xf32>
  return
}

// -----

// Identity layouts and contiguous row-major strides are left alone.
// CHECK-LABEL: func.func @contiguous
// CHECK: memref.copy %{{.*}}, %{{.*}} : memref<4x5xf32> to memref<4x5xf32>
// CHECK: memref.copy %{{.*}}, %{{.*}} : memref<2x5xf32, strided<[5, 1], offset: 10>> to memref<2x5xf32>
// CHECK-NOT: linalg.copy
func.func @contiguous(%a: memref<4x5xf32>, %b: memref<4x5xf32>, %c: memref<4x5xf32>, %d: memref<2x5xf32>) {
  memref.copy %a, %b : memref<4x5xf32> to memref<4x5xf32>
  %rows = memref.subview %c[2, 0] [2, 5] [1, 1] : memref<4x5xf32> to memref<2x5xf32, strided<[5, 1], offset: 10>>
  memref.copy %rows, %d : memref<2x5xf32, strided<[5, 1], offset: 10>> to memref<2x5xf32>
  return
}

// -----

// Dynamic shapes with a non-identity layout: not known contiguous, so loops.
// CHECK-LABEL: func.func @dynamic
// CHECK: linalg.copy
func.func @dynamic(%a: memref<?xf32, strided<[?], offset: ?>>, %b: memref<?xf32>) {
  memref.copy %a, %b : memref<?xf32, strided<[?], offset: ?>> to memref<?xf32>
  return
}

// -----

// Unranked memrefs have no layout to inspect: left alone.
// CHECK-LABEL: func.func @unranked
// CHECK: memref.copy %{{.*}}, %{{.*}} : memref<*xf32> to memref<*xf32>
// CHECK-NOT: linalg.copy
func.func @unranked(%a: memref<*xf32>, %b: memref<*xf32>) {
  memref.copy %a, %b : memref<*xf32> to memref<*xf32>
  return
}
