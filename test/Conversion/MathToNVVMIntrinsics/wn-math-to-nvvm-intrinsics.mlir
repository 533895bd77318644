// RUN: wn-opt %s '--pass-pipeline=builtin.module(gpu.module(wn-math-to-nvvm-intrinsics))' | FileCheck %s

/// Kernel sqrt, fma and absf on f32 and f64 become correctly rounded NVPTX
/// intrinsics and LLVM's fabs; other types, other math ops and host code
/// stay.
// CHECK-LABEL: gpu.module @kernels
// CHECK-LABEL: gpu.func @math
// CHECK: llvm.call_intrinsic "llvm.nvvm.sqrt.rn.f"(%{{.*}}) : (f32) -> f32
// CHECK: llvm.call_intrinsic "llvm.nvvm.sqrt.rn.d"(%{{.*}}) : (f64) -> f64
// CHECK: llvm.call_intrinsic "llvm.fma.f32"(%{{.*}}, %{{.*}}, %{{.*}}) : (f32, f32, f32) -> f32
// CHECK: llvm.call_intrinsic "llvm.fma.f64"(%{{.*}}, %{{.*}}, %{{.*}}) : (f64, f64, f64) -> f64
// CHECK: llvm.call_intrinsic "llvm.fabs.f32"(%{{.*}}) : (f32) -> f32
// CHECK: llvm.call_intrinsic "llvm.fabs.f64"(%{{.*}}) : (f64) -> f64
// CHECK: math.sqrt %{{.*}} : f16
// CHECK: math.sqrt %{{.*}} : vector<4xf32>
// CHECK: math.exp %{{.*}} : f32
// CHECK-LABEL: func.func @host
// CHECK: math.sqrt %{{.*}} : f32
module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @math(%a: f32, %b: f64, %h: f16, %v: vector<4xf32>, %out: memref<16xf32>) kernel {
      %0 = math.sqrt %a : f32
      %1 = math.sqrt %b : f64
      %2 = math.fma %a, %a, %0 : f32
      %3 = math.fma %b, %b, %1 : f64
      %4 = math.absf %2 : f32
      %5 = math.absf %3 : f64
      %6 = math.sqrt %h : f16
      %7 = math.sqrt %v : vector<4xf32>
      %8 = math.exp %4 : f32
      %c0 = arith.constant 0 : index
      memref.store %8, %out[%c0] : memref<16xf32>
      gpu.return
    }
  }
  func.func @host(%a: f32) -> f32 {
    %0 = math.sqrt %a : f32
    return %0 : f32
  }
}
