// RUN: wn-opt %s -wn-memref-to-gpu -split-input-file -verify-diagnostics | FileCheck %s

/// Every buffer is device memory: allocations (static and dynamic),
/// deallocations and copies become gpu.alloc, gpu.dealloc and gpu.memcpy
/// (target first); other memref ops stay.
// CHECK-LABEL: func.func @device_buffers
// CHECK-SAME: (%[[V:.*]]: memref<16xf32>, %[[N:.*]]: index)
// CHECK: %[[T:.*]] = gpu.alloc  () : memref<16xf32>
// CHECK: %[[D:.*]] = gpu.alloc  (%[[N]]) : memref<?x4xf64>
// CHECK: gpu.memcpy  %[[T]], %[[V]] : memref<16xf32>, memref<16xf32>
// CHECK: memref.load %[[T]]
// CHECK: gpu.dealloc  %[[D]] : memref<?x4xf64>
// CHECK: gpu.dealloc  %[[T]] : memref<16xf32>
// CHECK-NOT: memref.alloc
// CHECK-NOT: memref.copy
// CHECK-NOT: memref.dealloc
func.func @device_buffers(%v: memref<16xf32>, %n: index) -> f32 {
  %c0 = arith.constant 0 : index
  %t = memref.alloc() : memref<16xf32>
  %d = memref.alloc(%n) : memref<?x4xf64>
  memref.copy %v, %t : memref<16xf32> to memref<16xf32>
  %x = memref.load %t[%c0] : memref<16xf32>
  memref.dealloc %d : memref<?x4xf64>
  memref.dealloc %t : memref<16xf32>
  return %x : f32
}

// -----

/// A copy of contiguous memrefs with a non-identity layout (a static
/// subview that is still one run of elements) is a byte copy too.
// CHECK-LABEL: func.func @contiguous_layout
// CHECK: gpu.memcpy
func.func @contiguous_layout(%a: memref<2x4xf32, strided<[4, 1], offset: 8>>, %b: memref<2x4xf32>) {
  memref.copy %a, %b : memref<2x4xf32, strided<[4, 1], offset: 8>> to memref<2x4xf32>
  return
}

// -----

/// gpu.memcpy copies bytes: unranked or non-contiguous memrefs are an error,
/// reported before anything changes.
func.func @unranked_copy(%a: memref<*xf32>, %b: memref<*xf32>) {
  // expected-error @+1 {{'memref.copy' op --wn-memref-to-gpu: copies of unranked or non-contiguous memrefs are not supported, but an operand has type 'memref<*xf32>'}}
  memref.copy %a, %b : memref<*xf32> to memref<*xf32>
  return
}

// -----

func.func @strided_copy(%a: memref<4x4xf32, strided<[8, 1]>>, %b: memref<4x4xf32>) {
  // expected-error @+1 {{'memref.copy' op --wn-memref-to-gpu: copies of unranked or non-contiguous memrefs are not supported, but an operand has type 'memref<4x4xf32, strided<[8, 1]>>'}}
  memref.copy %a, %b : memref<4x4xf32, strided<[8, 1]>> to memref<4x4xf32>
  return
}

// -----

/// Allocations with symbol operands (affine layouts) have no gpu twin.
#map = affine_map<(d0)[s0] -> (d0 + s0)>
func.func @symbol_alloc(%s: index) {
  // expected-error @+1 {{'memref.alloc' op --wn-memref-to-gpu: allocations with symbol operands are not supported}}
  %t = memref.alloc()[%s] : memref<16xf32, #map>
  return
}
