// RUN: wn-opt %s --wn-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%runner_libs | FileCheck %s
// RUN: wn-opt %s '--wn-cpu-pipeline=parallel=0 vector-size=4' | mlir-runner -e main -entry-point-result=void -shared-libs=%runner_libs | FileCheck %s

/// Buffers contiguous only by their shape: one element with a dynamic stride
/// and offset (memref<1xf32, strided<[?], offset: ?>>, the default bufferized
/// layout of a tensor<1xf32> argument), here element 3 of a buffer read with
/// stride 2. The kernels view it with a unit stride at its offset: w = g *
/// v / |v| = g * sign(v) lands in element 5 of the output buffer, and no
/// other element is touched.

func.func private @printMemrefF32(memref<*xf32>)

func.func @norm(%v: memref<1xf32, strided<[?], offset: ?>>, %g: memref<1xf32, strided<[?], offset: ?>>, %w: memref<1xf32, strided<[?], offset: ?>>) {
  wn.weight_norm dim(0) ins(%v, %g : memref<1xf32, strided<[?], offset: ?>>, memref<1xf32, strided<[?], offset: ?>>) outs(%w : memref<1xf32, strided<[?], offset: ?>>)
  return
}

func.func @main() {
  %values = arith.constant dense<[1.0, 2.0, 3.0, -4.0, 5.0, 6.0, 7.0, 8.0]> : tensor<8xf32>
  %buffer = bufferization.to_buffer %values : tensor<8xf32> to memref<8xf32>
  %v = memref.subview %buffer[3] [1] [2] : memref<8xf32> to memref<1xf32, strided<[2], offset: 3>>
  %g = memref.subview %buffer[6] [1] [1] : memref<8xf32> to memref<1xf32, strided<[1], offset: 6>>
  %out = memref.alloca() : memref<8xf32>
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%out : memref<8xf32>)
  %w = memref.subview %out[5] [1] [2] : memref<8xf32> to memref<1xf32, strided<[2], offset: 5>>
  %vd = memref.cast %v : memref<1xf32, strided<[2], offset: 3>> to memref<1xf32, strided<[?], offset: ?>>
  %gd = memref.cast %g : memref<1xf32, strided<[1], offset: 6>> to memref<1xf32, strided<[?], offset: ?>>
  %wd = memref.cast %w : memref<1xf32, strided<[2], offset: 5>> to memref<1xf32, strided<[?], offset: ?>>
  call @norm(%vd, %gd, %wd) : (memref<1xf32, strided<[?], offset: ?>>, memref<1xf32, strided<[?], offset: ?>>, memref<1xf32, strided<[?], offset: ?>>) -> ()
  %u = memref.cast %out : memref<8xf32> to memref<*xf32>
  // CHECK: [0,  0,  0,  0,  0,  -7,  0,  0]
  call @printMemrefF32(%u) : (memref<*xf32>) -> ()
  return
}
