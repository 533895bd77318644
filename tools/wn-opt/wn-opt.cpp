//===- wn-opt.cpp - The wn optimizer driver -------------------------------===//
//
// mlir-opt with the wn dialect, passes and pipelines registered next to every
// upstream dialect, extension and pass.
//
//===----------------------------------------------------------------------===//

#include "wn/Conversion/Passes.h"
#include "wn/Dialect/WN/IR/WNDialect.h"
#include "wn/Dialect/WN/IR/WNOps.h"
#include "wn/Dialect/WN/Transforms/BufferizableOpInterfaceImpl.h"
#include "wn/Dialect/WN/Transforms/Passes.h"
#include "wn/Pipelines/Pipelines.h"
#include "wn/Transforms/Passes.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  mlir::wn::registerWNPasses();
  mlir::wn::registerWNConversionPasses();
  mlir::wn::registerWNTransformsPasses();
  mlir::wn::registerWNCPUPipeline();
  mlir::wn::registerWNOptimizePipeline();
  mlir::wn::registerWNGPUPipeline();

  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  // gpu-module-to-binary translates GPU modules to LLVM IR (NVVM, ROCDL).
  mlir::registerAllToLLVMIRTranslations(registry);
  registry.insert<mlir::wn::WNDialect>();
  mlir::wn::registerBufferizableOpInterfaceExternalModels(registry);

  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "wn optimizer driver\n", registry));
}
