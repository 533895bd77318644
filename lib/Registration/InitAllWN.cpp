//===- InitAllWN.cpp - Register every wn dialect and pass -----------------===//
//
// Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
// See the LICENSE file for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "wn/InitAllWN.h"

#include "wn/Conversion/Passes.h"
#include "wn/Dialect/WN/IR/WNDialect.h"
#include "wn/Dialect/WN/Transforms/BufferizableOpInterfaceImpl.h"
#include "wn/Dialect/WN/Transforms/Passes.h"
#include "wn/Pipelines/Pipelines.h"
#include "wn/Transforms/Passes.h"

#include "mlir/IR/DialectRegistry.h"

void mlir::wn::registerAllWNPasses() {
  // Registering a pass pipeline twice is an error in builds of MLIR with
  // assertions: register once, whoever calls first (wn-opt, the C API).
  static const bool registered = [] {
    registerWNPasses();
    registerWNConversionPasses();
    registerWNTransformsPasses();
    registerWNCPUPipeline();
    registerWNOptimizePipeline();
    registerWNGPUPipeline();
    return true;
  }();
  (void)registered;
}

void mlir::wn::registerAllWNDialects(DialectRegistry &registry) {
  registry.insert<WNDialect>();
  registerBufferizableOpInterfaceExternalModels(registry);
}
