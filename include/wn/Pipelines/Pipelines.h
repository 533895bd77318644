//===- Pipelines.h - wn lowering pipelines ----------------------*- C++ -*-===//
//
// Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
// See the LICENSE file for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef WN_PIPELINES_PIPELINES_H
#define WN_PIPELINES_PIPELINES_H

#include "wn/Conversion/WNToGPU/WNToGPU.h"
#include "wn/Conversion/WNToLoops/WNToLoops.h"
#include "wn/Support/PassOptions.h"

#include "mlir/Pass/PassOptions.h"
#include "mlir/Support/LLVM.h"

namespace mlir {
class OpPassManager;

namespace wn {

/// How --wn-cpu-pipeline lowers wn.weight_norm.
enum class CPUStrategy {
  /// Fused, vectorized, parallel loops (--wn-lower-to-loops): the default.
  Fused,
  /// The linalg decomposition lowered to plain loops (--wn-decompose): the
  /// reference.
  Materialize,
};

/// How --wn-cpu-pipeline lowers linalg contractions (matmuls, convolutions).
enum class ContractionStrategy {
  /// Register-blocked vector kernels on threads (--wn-lower-contractions):
  /// the default.
  Kernels,
  /// convert-linalg-to-loops: scalar loops on one thread, left to LLVM's
  /// vectorizer.
  Loops,
};

/// Options of --wn-cpu-pipeline.
struct WNCPUPipelineOptions : public PassPipelineOptions<WNCPUPipelineOptions> {
  PassOptions::Option<CPUStrategy> strategy{
      *this, "strategy", llvm::cl::desc("How to lower wn.weight_norm"),
      llvm::cl::init(CPUStrategy::Fused),
      llvm::cl::values(
          clEnumValN(CPUStrategy::Fused, "fused",
                     "fused, vectorized, parallel loops (--wn-lower-to-loops)"),
          clEnumValN(CPUStrategy::Materialize, "materialize",
                     "the linalg decomposition as plain loops (the "
                     "reference)"))};
  PassOptions::Option<int64_t> vectorSize{
      *this, "vector-size",
      llvm::cl::desc("fused: elements per vector (a power of two)"),
      llvm::cl::init(kDefaultVectorSize)};
  PassOptions::Option<bool> parallel{
      *this, "parallel",
      llvm::cl::desc("fused: run on OMP_NUM_THREADS threads through OpenMP "
                     "(link libomp); off: one thread, no OpenMP"),
      llvm::cl::init(true)};
  PassOptions::Option<int64_t> nontemporalMinBytes{
      *this, "nontemporal-min-bytes",
      llvm::cl::desc("fused: write w with non-temporal (streaming) stores "
                     "when it has at least this many bytes (0: always, -1: "
                     "never)"),
      llvm::cl::init(kDefaultNontemporalMinBytes)};
  PassOptions::Option<int64_t> accumulators{
      *this, "accumulators",
      llvm::cl::desc("fused: independent vector partial sums per reduction "
                     "of a contiguous range (1 to 8)"),
      llvm::cl::init(kDefaultAccumulators)};
  PassOptions::Option<int64_t> reverseWriteBlockBytes{
      *this, "reverse-write-block-bytes",
      llvm::cl::desc("fused: the two-pass kernels write each thread's part "
                     "in blocks of about this many bytes, the last first (0: "
                     "in order)"),
      llvm::cl::init(kDefaultReverseWriteBlockBytes)};
  PassOptions::Option<bool> batchShortRows{
      *this, "batch-short-rows",
      llvm::cl::desc("fused: slices shorter than a vector are finished "
                     "vector-size at a time, one per lane"),
      llvm::cl::init(true)};
  PassOptions::Option<int64_t> pipelineRowsMinBytes{
      *this, "pipeline-rows-min-bytes",
      llvm::cl::desc("fused: for tensors of at least this many bytes (0: "
                     "always, -1: never), the rows kernel reduces row k + 1 "
                     "in the loop that writes row k"),
      llvm::cl::init(kDefaultPipelineRowsMinBytes)};
  PassOptions::Option<ContractionStrategy> contractions{
      *this, "contractions", llvm::cl::desc("How to lower linalg contractions"),
      llvm::cl::init(ContractionStrategy::Kernels),
      llvm::cl::values(clEnumValN(ContractionStrategy::Kernels, "kernels",
                                  "register-blocked vector kernels on threads "
                                  "(--wn-lower-contractions)"),
                       clEnumValN(ContractionStrategy::Loops, "loops",
                                  "scalar loops on one thread "
                                  "(convert-linalg-to-loops)"))};
  PassOptions::Option<int64_t> registerRows{
      *this, "register-rows",
      llvm::cl::desc("kernels: rows of the register block (0: chosen per "
                     "contraction)"),
      llvm::cl::init(0)};
  PassOptions::Option<int64_t> registerVectors{
      *this, "register-vectors",
      llvm::cl::desc("kernels: vectors per row of the register block (0: "
                     "chosen per contraction)"),
      llvm::cl::init(0)};
  PassOptions::Option<bool> approximateMath{
      *this, "approximate-math",
      llvm::cl::desc("f32 erf, erfc, tanh, expm1 and log1p as polynomial "
                     "approximations that vectorize (--wn-approximate-math) "
                     "rather than scalar libm calls"),
      llvm::cl::init(true)};
  PassOptions::Option<bool> emitCInterface{
      *this, "emit-c-interface",
      llvm::cl::desc("Give every function a C interface wrapper "
                     "(_mlir_ciface_<name>, taking memref descriptors), as "
                     "if it carried llvm.emit_c_interface"),
      llvm::cl::init(false)};
};

/// The first invalid value of `options`, as a message naming the option.
OptionProblem checkWNCPUPipelineOptions(const WNCPUPipelineOptions &options);

/// Builds the CPU pipeline on `pm` (anchored on builtin.module): func.func on
/// tensors with wn, linalg, tensor, arith, math and bufferization ops, down
/// to the LLVM dialect, ready for mlir-runner or mlir-translate
/// --mlir-to-llvmir. Fails, adding nothing, on invalid options
/// (checkWNCPUPipelineOptions says which).
LogicalResult buildWNCPUPipeline(OpPassManager &pm,
                                 const WNCPUPipelineOptions &options);

/// Registers --wn-cpu-pipeline.
void registerWNCPUPipeline();

/// Tensors to buffers as both lowering pipelines do it: empty-tensor
/// elimination, one-shot bufferization with identity-layout function
/// boundaries, ownership-based deallocation, bufferization to memref.
void buildWNBufferizationPasses(OpPassManager &pm);

/// What --wn-gpu-pipeline embeds in the host module (gpu-module-to-binary's
/// format).
enum class GPUBinaryFormat { Isa, Bin, Fatbin };

/// Options of --wn-gpu-pipeline.
struct WNGPUPipelineOptions : public PassPipelineOptions<WNGPUPipelineOptions> {
  PassOptions::Option<std::string> chip{
      *this, "chip",
      llvm::cl::desc("The NVIDIA GPU to compile for (sm_80, sm_90, ...)"),
      llvm::cl::init("sm_90")};
  PassOptions::Option<std::string> features{
      *this, "features",
      llvm::cl::desc("PTX features, as +ptx<N> (the PTX ISA version); empty: "
                     "the least the chip needs, at least +ptx70 (+ptx80 for "
                     "sm_90 and newer)"),
      llvm::cl::init("")};
  PassOptions::Option<GPUBinaryFormat> format{
      *this, "format", llvm::cl::desc("What gpu-module-to-binary embeds"),
      llvm::cl::init(GPUBinaryFormat::Fatbin),
      llvm::cl::values(
          clEnumValN(GPUBinaryFormat::Isa, "isa", "PTX text"),
          clEnumValN(GPUBinaryFormat::Bin, "bin", "cubin, through ptxas"),
          clEnumValN(GPUBinaryFormat::Fatbin, "fatbin",
                     "a fat binary with the cubin and the PTX"))};
  PassOptions::Option<GPUStrategy> strategy{
      *this, "strategy", llvm::cl::desc("Kernel strategy of --wn-lower-to-gpu"),
      llvm::cl::init(GPUStrategy::Auto), getGPUStrategyValues()};
  PassOptions::Option<int64_t> blockSize{
      *this, "block-size",
      llvm::cl::desc("Threads per block (a multiple of 32 up to 1024)"),
      llvm::cl::init(kDefaultGPUBlockSize)};
  PassOptions::Option<int> optLevel{
      *this, "opt-level",
      llvm::cl::desc("Optimization level of the device code (0 to 3)"),
      llvm::cl::init(3)};
  PassOptions::Option<bool> emitCInterface{
      *this, "emit-c-interface",
      llvm::cl::desc("Give every host function a C interface wrapper "
                     "(_mlir_ciface_<name>, taking memref descriptors of "
                     "device memory)"),
      llvm::cl::init(false)};
};

/// Builds the GPU pipeline: func.func on tensors with wn ops, bufferized
/// (every buffer is device memory), wn ops lowered to kernels
/// (--wn-lower-to-gpu), kernels outlined and compiled for NVVM and embedded
/// by gpu-module-to-binary, host code in the LLVM dialect calling the mgpu*
/// runtime functions. Fails, adding nothing, on invalid options
/// (checkWNGPUPipelineOptions says which).
LogicalResult buildWNGPUPipeline(OpPassManager &pm,
                                 const WNGPUPipelineOptions &options);

/// The first invalid value of `options` (a chip the NVPTX backend does not
/// know, features other than one +ptx<N> or a PTX version older than the
/// chip needs, ...), as a message naming the option.
OptionProblem checkWNGPUPipelineOptions(const WNGPUPipelineOptions &options);

/// Registers --wn-gpu-pipeline.
void registerWNGPUPipeline();

/// Options of --wn-optimize.
struct WNOptimizePipelineOptions
    : public PassPipelineOptions<WNOptimizePipelineOptions> {
  PassOptions::Option<bool> raise{
      *this, "raise",
      llvm::cl::desc(
          "Run --wn-raise first: decomposed weight norms (torch-mlir, "
          "Inductor, ONNX, Flax, CUDA-style forms) become "
          "wn.weight_norm"),
      llvm::cl::init(true)};
  PassOptions::Option<bool> fuseIntoConsumers{
      *this, "fuse-into-consumers",
      llvm::cl::desc("Run --wn-fuse-into-consumers: contractions over a "
                     "weight norm's output channels run on v and scale their "
                     "outputs, so w is never materialized"),
      llvm::cl::init(true)};
};

/// Builds --wn-optimize: --wn-raise, canonicalize (normalized dim, canonical g
/// layout, folding of small constant weight norms), CSE, loop-invariant code
/// motion,
/// --wn-fuse-into-consumers, canonicalize and CSE again.
LogicalResult buildWNOptimizePipeline(OpPassManager &pm,
                                      const WNOptimizePipelineOptions &options);

/// Registers --wn-optimize.
void registerWNOptimizePipeline();

} // namespace wn
} // namespace mlir

#endif // WN_PIPELINES_PIPELINES_H
