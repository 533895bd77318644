// Host code that makes gpu-to-llvm emit every mgpu* call it has outside the
// sparse and TMA ones: device selection, host registration of a memref,
// streams, events (two tokens joined), allocation, memsets of 32 and 16 bits,
// a cluster launch, deallocation. A library module (no main).
module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @k(%buf: memref<?xf32>) kernel {
      gpu.return
    }
  }
  func.func @everyCall(%host: memref<?xf32>, %h2: memref<4xf32>, %i: memref<?xi16>, %dev: i32) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %f = arith.constant 1.0 : f32
    %s = arith.constant 1 : i16
    gpu.set_default_device %dev
    %cast = memref.cast %h2 : memref<4xf32> to memref<*xf32>
    gpu.host_register %cast : memref<*xf32>
    %n = memref.dim %host, %c0 : memref<?xf32>
    %t0 = gpu.wait async
    %ta = gpu.wait async
    %d, %t1 = gpu.alloc async [%t0] (%n) : memref<?xf32>
    %t2 = gpu.memset async [%t1] %d, %f : memref<?xf32>, f32
    %di, %t7 = gpu.alloc async [%ta] (%n) : memref<?xi16>
    %t8 = gpu.memset async [%t7] %di, %s : memref<?xi16>, i16
    %tj = gpu.wait async [%t2, %t8]
    %t3 = gpu.launch_func async [%tj] @kernels::@k clusters in (%c1, %c1, %c1) blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%d : memref<?xf32>)
    %t4 = gpu.dealloc async [%t3] %d : memref<?xf32>
    %t9 = gpu.dealloc async [%t4] %di : memref<?xi16>
    gpu.wait [%t9]
    gpu.host_unregister %cast : memref<*xf32>
    return
  }
}
