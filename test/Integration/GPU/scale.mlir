// REQUIRES: gpu, cuda-toolkit
// RUN: rm -rf %t && %wn_src_root/scripts/build-gpu-exe.sh %s %t
// RUN: %t/scale | FileCheck %s

/// A GPU executable built by scripts/build-gpu-exe.sh (upstream NVVM pipeline,
/// fatbin for sm_90 with PTX 8.0) runs from its folder and scales a buffer of
/// 1000 floats (8 blocks of 128 threads, the last one partly idle).

// CHECK: y[0] = 0
// CHECK-NEXT: y[1] = 1.5
// CHECK-NEXT: y[2] = 3
// CHECK-NEXT: y[998] = 1497
// CHECK-NEXT: y[999] = 1498.5
// CHECK-NEXT: mismatches: 0

module attributes {gpu.container_module} {
  llvm.func @printf(!llvm.ptr, ...) -> i32
  llvm.mlir.global internal constant @elementFormat("y[%ld] = %g\0A\00") {addr_space = 0 : i32}
  llvm.mlir.global internal constant @mismatchFormat("mismatches: %ld\0A\00") {addr_space = 0 : i32}

  gpu.module @kernels {
    gpu.func @scale(%buf: memref<?xf32>, %factor: f32, %n: index) kernel {
      %block = gpu.block_id x
      %blockSize = gpu.block_dim x
      %thread = gpu.thread_id x
      %base = arith.muli %block, %blockSize : index
      %i = arith.addi %base, %thread : index
      %inside = arith.cmpi ult, %i, %n : index
      scf.if %inside {
        %x = memref.load %buf[%i] : memref<?xf32>
        %y = arith.mulf %x, %factor : f32
        memref.store %y, %buf[%i] : memref<?xf32>
      }
      gpu.return
    }
  }

  /// buf[i] *= factor on the device, with copies both ways.
  func.func @scale(%host: memref<?xf32>, %factor: f32) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c128 = arith.constant 128 : index
    %n = memref.dim %host, %c0 : memref<?xf32>
    %ready = gpu.wait async
    %dev, %allocated = gpu.alloc async [%ready] (%n) : memref<?xf32>
    %copied = gpu.memcpy async [%allocated] %dev, %host : memref<?xf32>, memref<?xf32>
    %rounded = arith.addi %n, %c128 : index
    %last = arith.subi %rounded, %c1 : index
    %blocks = arith.divui %last, %c128 : index
    %launched = gpu.launch_func async [%copied] @kernels::@scale
        blocks in (%blocks, %c1, %c1) threads in (%c128, %c1, %c1)
        args(%dev : memref<?xf32>, %factor : f32, %n : index)
    %back = gpu.memcpy async [%launched] %host, %dev : memref<?xf32>, memref<?xf32>
    %freed = gpu.dealloc async [%back] %dev : memref<?xf32>
    gpu.wait [%freed]
    return
  }

  func.func @printElement(%buf: memref<?xf32>, %i: index) {
    %x = memref.load %buf[%i] : memref<?xf32>
    %wide = arith.extf %x : f32 to f64
    %index = arith.index_cast %i : index to i64
    %format = llvm.mlir.addressof @elementFormat : !llvm.ptr
    %0 = llvm.call @printf(%format, %index, %wide) vararg(!llvm.func<i32 (ptr, ...)>) : (!llvm.ptr, i64, f64) -> i32
    return
  }

  func.func @main() -> i32 {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %c998 = arith.constant 998 : index
    %c999 = arith.constant 999 : index
    %c1000 = arith.constant 1000 : index
    %half = arith.constant 0.5 : f32
    %three = arith.constant 3.0 : f32
    %zero = arith.constant 0 : i64
    %one = arith.constant 1 : i64
    %storage = memref.alloc() : memref<1000xf32>
    %buf = memref.cast %storage : memref<1000xf32> to memref<?xf32>
    scf.for %i = %c0 to %c1000 step %c1 {
      %ii = arith.index_cast %i : index to i32
      %fi = arith.sitofp %ii : i32 to f32
      %x = arith.mulf %fi, %half : f32
      memref.store %x, %buf[%i] : memref<?xf32>
    }
    call @scale(%buf, %three) : (memref<?xf32>, f32) -> ()
    // Every element is exactly 1.5 * i (small multiples of 0.5 times 3).
    %mismatches = scf.for %i = %c0 to %c1000 step %c1 iter_args(%count = %zero) -> (i64) {
      %ii = arith.index_cast %i : index to i32
      %fi = arith.sitofp %ii : i32 to f32
      %x = arith.mulf %fi, %half : f32
      %expected = arith.mulf %x, %three : f32
      %y = memref.load %buf[%i] : memref<?xf32>
      %ok = arith.cmpf oeq, %y, %expected : f32
      %next = arith.addi %count, %one : i64
      %counted = arith.select %ok, %count, %next : i64
      scf.yield %counted : i64
    }
    call @printElement(%buf, %c0) : (memref<?xf32>, index) -> ()
    call @printElement(%buf, %c1) : (memref<?xf32>, index) -> ()
    call @printElement(%buf, %c2) : (memref<?xf32>, index) -> ()
    call @printElement(%buf, %c998) : (memref<?xf32>, index) -> ()
    call @printElement(%buf, %c999) : (memref<?xf32>, index) -> ()
    %format = llvm.mlir.addressof @mismatchFormat : !llvm.ptr
    %1 = llvm.call @printf(%format, %mismatches) vararg(!llvm.func<i32 (ptr, ...)>) : (!llvm.ptr, i64) -> i32
    memref.dealloc %storage : memref<1000xf32>
    %status = arith.trunci %mismatches : i64 to i32
    return %status : i32
  }
}
