// scale(buf, factor): buf[i] *= factor on the GPU, from the host: a device
// buffer, copies both ways, and a gpu.launch that the pipeline outlines into
// a kernel. A library module (no main); @scale has a C interface.
func.func @scale(%host: memref<?xf32>, %factor: f32) attributes {llvm.emit_c_interface} {
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
  %launched = gpu.launch async [%copied]
      blocks(%bx, %by, %bz) in (%gx = %blocks, %gy = %c1, %gz = %c1)
      threads(%tx, %ty, %tz) in (%sx = %c128, %sy = %c1, %sz = %c1) {
    %base = arith.muli %bx, %sx : index
    %i = arith.addi %base, %tx : index
    %inside = arith.cmpi ult, %i, %n : index
    scf.if %inside {
      %x = memref.load %dev[%i] : memref<?xf32>
      %y = arith.mulf %x, %factor : f32
      memref.store %y, %dev[%i] : memref<?xf32>
    }
    gpu.terminator
  }
  %back = gpu.memcpy async [%launched] %host, %dev : memref<?xf32>, memref<?xf32>
  %freed = gpu.dealloc async [%back] %dev : memref<?xf32>
  gpu.wait [%freed]
  return
}
