//===- Pipelines.h - wn lowering pipelines ----------------------*- C++ -*-===//

#ifndef WN_PIPELINES_PIPELINES_H
#define WN_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassOptions.h"

namespace mlir {
class OpPassManager;

namespace wn {

/// Options of --wn-cpu-pipeline.
struct WNCPUPipelineOptions : public PassPipelineOptions<WNCPUPipelineOptions> {
  PassOptions::Option<bool> emitCInterface{
      *this, "emit-c-interface",
      llvm::cl::desc("Give every function a C interface wrapper "
                     "(_mlir_ciface_<name>, taking memref descriptors), as "
                     "if it carried llvm.emit_c_interface"),
      llvm::cl::init(false)};
};

/// Builds the CPU pipeline: func.func on tensors with wn, linalg, tensor,
/// arith, math and bufferization ops, down to the LLVM dialect, ready for
/// mlir-runner or mlir-translate --mlir-to-llvmir.
void buildWNCPUPipeline(OpPassManager &pm, const WNCPUPipelineOptions &options);

/// Registers --wn-cpu-pipeline.
void registerWNCPUPipeline();

} // namespace wn
} // namespace mlir

#endif // WN_PIPELINES_PIPELINES_H
