// RUN: wn-opt %s '--wn-gpu-pipeline=chip=sm_80 format=isa' | FileCheck %s --check-prefix=SM80
// RUN: wn-opt %s '--wn-gpu-pipeline=format=isa emit-c-interface=1' | FileCheck %s --check-prefix=SM90
// RUN: wn-opt %s '--wn-gpu-pipeline=chip=sm_100 format=isa' | FileCheck %s --check-prefix=SM100
// RUN: not wn-opt %s '--wn-gpu-pipeline=chip=gfx90a' 2>&1 | FileCheck %s --check-prefix=BADCHIP
// RUN: not wn-opt %s '--wn-gpu-pipeline=chip=sm_99' 2>&1 | FileCheck %s --check-prefix=BADCHIP2
// RUN: not wn-opt %s '--wn-gpu-pipeline=features=+ptx60' 2>&1 | FileCheck %s --check-prefix=OLDPTX
// RUN: not wn-opt %s '--wn-gpu-pipeline=chip=sm_100 features=+ptx80' 2>&1 | FileCheck %s --check-prefix=OLDPTX100
// RUN: not wn-opt %s '--wn-gpu-pipeline=features=+ptx80,+foo' 2>&1 | FileCheck %s --check-prefix=BADFEATURES
// RUN: not wn-opt %s '--pass-pipeline=builtin.module(func.func(wn-gpu-pipeline))' 2>&1 | FileCheck %s --check-prefix=NESTED
// RUN: not wn-opt %s '--wn-gpu-pipeline=format=cubin' 2>&1 | FileCheck %s --check-prefix=BADFORMAT
// RUN: not wn-opt %s '--wn-gpu-pipeline=opt-level=7' 2>&1 | FileCheck %s --check-prefix=BADOPT
// RUN: not wn-opt %s '--wn-gpu-pipeline=block-size=100' 2>&1 | FileCheck %s --check-prefix=BADBLOCK
// RUN: not wn-opt %s '--wn-gpu-pipeline=strategy=warp' 2>&1 | FileCheck %s --check-prefix=BADSTRATEGY

/// A weight norm on tensors through the whole GPU pipeline: bufferized, its
/// kernel outlined into a gpu.module compiled for the chip (PTX 7.0 for
/// sm_80; sm_90, the default, needs PTX 8.0) and embedded by
/// gpu-module-to-binary; the host function is LLVM dialect code that loads
/// the module and launches the kernel through the mgpu* runtime, with C
/// wrappers on request.
/// The kernel's square roots and fused multiply-adds are the correctly
/// rounded PTX instructions, not libdevice calls (nothing links libdevice).
// SM80: llvm.func @rows(
// SM80: gpu.launch_func
// SM80-NOT: _mlir_ciface_
// SM80: gpu.binary @{{.*}} [#gpu.object<#nvvm.target<O = 3, chip = "sm_80", features = "+ptx70">
// SM80-SAME: .target sm_80
// SM80-SAME: sqrt.rn.f64
// SM80-NOT: __nv_
// SM90: llvm.func @rows(
// SM90: llvm.func @_mlir_ciface_rows(
// SM90: gpu.binary @{{.*}} [#gpu.object<#nvvm.target<O = 3, chip = "sm_90", features = "+ptx80">
// SM90-SAME: .target sm_90
// SM90-SAME: fma.rn.f32

// BADCHIP: error: --wn-gpu-pipeline: chip must be one of sm_50, {{.*}}, sm_90, sm_90a, sm_100, {{.*}}, but is 'gfx90a'
// BADCHIP2: error: --wn-gpu-pipeline: chip must be one of {{.*}}, but is 'sm_99'
// BADFORMAT: for the --format option: Cannot find option named 'cubin'!
// BADFORMAT-NEXT: error: --wn-gpu-pipeline: invalid options 'format=cubin'
// BADOPT: error: --wn-gpu-pipeline: opt-level must be 0 to 3, but is 7
// BADBLOCK: error: --wn-gpu-pipeline: block-size must be a multiple of 32 from 32 to 1024, but is 100
/// A PTX version the NVPTX backend cannot use for the chip is an error here,
/// not a fatal error in the backend; so are features other than +ptx<N>.
// OLDPTX: error: --wn-gpu-pipeline: features '+ptx60' is older than sm_90 needs: +ptx78 or newer
// OLDPTX100: error: --wn-gpu-pipeline: features '+ptx80' is older than sm_100 needs: +ptx86 or newer
// BADFEATURES: error: --wn-gpu-pipeline: features must be one PTX version, +ptx<N> with N one of {{.*}}, but is '+ptx80,+foo'
// NESTED: error: --wn-gpu-pipeline runs on builtin.module, not nested in 'func.func'
/// Without features, the least PTX version the chip needs (8.6 for sm_100).
// SM100: gpu.binary @{{.*}} [#gpu.object<#nvvm.target<O = 3, chip = "sm_100", features = "+ptx86">
// SM100-SAME: .target sm_100
// BADSTRATEGY: for the --strategy option: Cannot find option named 'warp'!
// BADSTRATEGY-NEXT: error: --wn-gpu-pipeline: invalid options 'strategy=warp'

func.func @rows(%v: tensor<512x256xf32>, %g: tensor<512x1xf32>) -> tensor<512x256xf32> {
  %e = tensor.empty() : tensor<512x256xf32>
  %w = wn.weight_norm dim(0) ins(%v, %g : tensor<512x256xf32>, tensor<512x1xf32>) outs(%e : tensor<512x256xf32>) -> tensor<512x256xf32>
  return %w : tensor<512x256xf32>
}
