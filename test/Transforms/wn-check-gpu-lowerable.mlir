// RUN: wn-opt %s -wn-check-gpu-lowerable -split-input-file -verify-diagnostics | FileCheck %s

/// No linalg op: the module is left as it is.
// CHECK-LABEL: func.func @kernels_only
// CHECK: gpu.alloc
func.func @kernels_only() {
  %t = gpu.alloc () : memref<16xf32>
  gpu.dealloc %t : memref<16xf32>
  return
}

// -----

/// The first linalg op left is an error at its location.
func.func @matmul(%a: memref<4x4xf32>, %b: memref<4x4xf32>, %c: memref<4x4xf32>) {
  // expected-error @+1 {{--wn-gpu-pipeline: 'linalg.matmul' is not supported: only wn ops become GPU kernels (lower other ops for the GPU before the pipeline, or compile for the CPU with --wn-cpu-pipeline)}}
  linalg.matmul ins(%a, %b : memref<4x4xf32>, memref<4x4xf32>) outs(%c : memref<4x4xf32>)
  linalg.matmul ins(%a, %b : memref<4x4xf32>, memref<4x4xf32>) outs(%c : memref<4x4xf32>)
  return
}
