// RUN: wn-opt %s --wn-cpu-pipeline | FileCheck %s
// RUN: wn-opt %s --wn-cpu-pipeline --mlir-print-ir-after=ownership-based-buffer-deallocation -o /dev/null 2>&1 | FileCheck %s --check-prefix=BUF
// RUN: wn-opt %s --wn-cpu-pipeline=emit-c-interface=1 | FileCheck %s --check-prefix=CIFACE
// RUN: not wn-opt %s --wn-cpu-pipeline=no-such-option=1 2>&1 | FileCheck %s --check-prefix=BADOPT

/// The pipeline leaves nothing but the LLVM dialect.
// CHECK-NOT: wn.
// CHECK-NOT: linalg.
// CHECK-NOT: memref.
// CHECK-NOT: scf.
// CHECK-NOT: cf.
// CHECK-NOT: llvm.intr.memcpy
// CHECK-LABEL: llvm.func @layer(
// CHECK: llvm.intr.sqrt
// CHECK-LABEL: llvm.func @_mlir_ciface_layer(
// CHECK-LABEL: llvm.func @returns_tensor(
// CHECK-NOT: llvm.func @_mlir_ciface_returns_tensor

/// The memref-in, memref-out layer reads v and g where they are and writes w
/// straight into the caller's buffer: the only allocation is the per-row
/// scratch of 64 doubles (f32 is computed in f64) for the sums of squares,
/// which then holds the scales, and nothing is copied.
// BUF-LABEL: func.func @layer
// BUF-SAME: (%[[V:[a-zA-Z0-9_]+]]: memref<64x32x3xf32>, %[[G:[a-zA-Z0-9_]+]]: memref<64x1x1xf32>, %[[W:[a-zA-Z0-9_]+]]: memref<64x32x3xf32>)
// BUF-NOT: memref.copy
// BUF: %[[S:.*]] = memref.alloc() {{.*}} : memref<64xf64>
// BUF-NOT: memref.alloc
// BUF-NOT: memref.copy
// BUF: linalg.generic {{.*}} ins(%[[V]] : memref<64x32x3xf32>) outs(%[[S]] : memref<64xf64>)
// BUF: linalg.generic {{.*}} ins(%[[S]], %[[G]] : memref<64xf64>, memref<64x1x1xf32>) outs(%[[S]] : memref<64xf64>)
// BUF: linalg.generic {{.*}} ins(%[[V]], %[[S]] : memref<64x32x3xf32>, memref<64xf64>) outs(%[[W]] : memref<64x32x3xf32>)
// BUF-NOT: memref.copy
// BUF: return
func.func @layer(%vm: memref<64x32x3xf32>, %gm: memref<64x1x1xf32>, %wm: memref<64x32x3xf32>) attributes {llvm.emit_c_interface} {
  %v = bufferization.to_tensor %vm restrict : memref<64x32x3xf32> to tensor<64x32x3xf32>
  %g = bufferization.to_tensor %gm restrict : memref<64x1x1xf32> to tensor<64x1x1xf32>
  %init = tensor.empty() : tensor<64x32x3xf32>
  %w = wn.weight_norm dim(0) ins(%v, %g : tensor<64x32x3xf32>, tensor<64x1x1xf32>) outs(%init : tensor<64x32x3xf32>) -> tensor<64x32x3xf32>
  bufferization.materialize_in_destination %w in restrict writable %wm : (tensor<64x32x3xf32>, memref<64x32x3xf32>) -> ()
  return
}

/// emit-c-interface=1 gives every function a C wrapper.
// CIFACE-DAG: llvm.func @_mlir_ciface_layer(
// CIFACE-DAG: llvm.func @_mlir_ciface_returns_tensor(
func.func @returns_tensor(%v: tensor<?x7xbf16>, %g: tensor<?xbf16>) -> tensor<?x7xbf16> {
  %c0 = arith.constant 0 : index
  %d0 = tensor.dim %v, %c0 : tensor<?x7xbf16>
  %init = tensor.empty(%d0) : tensor<?x7xbf16>
  %w = wn.weight_norm dim(0) ins(%v, %g : tensor<?x7xbf16>, tensor<?xbf16>) outs(%init : tensor<?x7xbf16>) -> tensor<?x7xbf16>
  return %w : tensor<?x7xbf16>
}

/// Unknown pipeline options are reported, not ignored.
// BADOPT: no such option no-such-option

/// The generic form tools emit lowers like the custom one.
// CHECK-LABEL: llvm.func @generic_form(
// CHECK: llvm.intr.sqrt
func.func @generic_form(%v: tensor<64x32x3xf32>, %g: tensor<64x1x1xf32>, %init: tensor<64x32x3xf32>) -> tensor<64x32x3xf32> {
  %w = "wn.weight_norm"(%v, %g, %init) <{dim = 0 : i64}> : (tensor<64x32x3xf32>, tensor<64x1x1xf32>, tensor<64x32x3xf32>) -> tensor<64x32x3xf32>
  return %w : tensor<64x32x3xf32>
}
