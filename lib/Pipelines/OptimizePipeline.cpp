//===- OptimizePipeline.cpp - --wn-optimize
//--------------------------------===//
//
// Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
// See the LICENSE file for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The always-profitable rewrites of weight norms, before a lowering pipeline
// (--wn-cpu-pipeline, or a GPU one): raising of decomposed weight norms,
// canonicalization (dim and g layout,
// folding of small constant weight norms), CSE, loop-invariant code motion,
// then fusion into consuming contractions, and a final cleanup.
//
//===----------------------------------------------------------------------===//

#include "wn/Dialect/WN/Transforms/Passes.h"
#include "wn/Pipelines/Pipelines.h"

#include "Registration.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::wn;

LogicalResult
mlir::wn::buildWNOptimizePipeline(OpPassManager &pm,
                                  const WNOptimizePipelineOptions &options) {
  // Decomposed weight norms first, so that every later rewrite sees the op.
  if (options.raise)
    pm.addPass(createWNRaisePass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  // Weight norms with loop-invariant operands leave loops (they are pure
  // and speculatable on tensors), so that CSE and fusion see them once.
  pm.addPass(createLoopInvariantCodeMotionPass());
  pm.addPass(createCSEPass());
  if (options.fuseIntoConsumers)
    pm.addPass(createWNFuseIntoConsumersPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  return success();
}

void mlir::wn::registerWNOptimizePipeline() {
  // Every pass of it runs on any op: it may be nested (e.g. in func.func).
  registerWNPipeline<WNOptimizePipelineOptions>(
      "wn-optimize",
      "Always-profitable rewrites of weight norms (canonicalization and "
      "folding, CSE, loop-invariant code motion, fusion into consumers), "
      "before --wn-cpu-pipeline",
      [](const WNOptimizePipelineOptions &) -> OptionProblem {
        return std::nullopt;
      },
      buildWNOptimizePipeline, /*onModule=*/false);
}
