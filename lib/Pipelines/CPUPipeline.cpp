//===- CPUPipeline.cpp - wn to LLVM for the CPU ---------------------------===//
//
// Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
// See the LICENSE file for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "wn/Conversion/Passes.h"
#include "wn/Dialect/WN/Transforms/Passes.h"
#include "wn/Pipelines/Pipelines.h"
#include "wn/Transforms/Passes.h"

#include "Registration.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Conversion/VectorToSCF/VectorToSCF.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::wn;

/// Tensor level: with the materialize strategy, wn ops become linalg (the
/// reference decomposition); the fused strategy keeps them for bufferization.
static void addTensorPasses(OpPassManager &pm,
                            const WNCPUPipelineOptions &options) {
  // Elementwise arith/math on tensors become linalg so they bufferize.
  pm.addNestedPass<func::FuncOp>(createConvertElementwiseToLinalgPass());
  // Chains of activations as one pass over memory (contractions untouched).
  if (options.contractions == ContractionStrategy::Kernels)
    pm.addNestedPass<func::FuncOp>(createWNFuseElementwisePass());
  // Math functions LLVM cannot call libmvec for, as arithmetic that
  // vectorizes.
  if (options.approximateMath)
    pm.addNestedPass<func::FuncOp>(createWNApproximateMathPass());
  if (options.strategy == CPUStrategy::Materialize)
    pm.addPass(createWNDecomposePass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

/// The options of --wn-lower-to-loops the pipeline runs it with.
static WNLowerToLoopsPassOptions
getLoweringOptions(const WNCPUPipelineOptions &options) {
  WNLowerToLoopsPassOptions loweringOptions;
  loweringOptions.vectorSize = options.vectorSize;
  loweringOptions.parallel = options.parallel;
  loweringOptions.nontemporalMinBytes = options.nontemporalMinBytes;
  loweringOptions.accumulators = options.accumulators;
  loweringOptions.reverseWriteBlockBytes = options.reverseWriteBlockBytes;
  loweringOptions.batchShortRows = options.batchShortRows;
  loweringOptions.pipelineRowsMinBytes = options.pipelineRowsMinBytes;
  return loweringOptions;
}

/// Buffer level: wn ops on memrefs become fused loops (fused strategy).
static void addWNLoweringPasses(OpPassManager &pm,
                                const WNCPUPipelineOptions &options) {
  if (options.strategy != CPUStrategy::Fused)
    return;
  pm.addPass(createWNLowerToLoopsPass(getLoweringOptions(options)));
  // Folds the kernel choice for static shapes.
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

/// Tensors to buffers. Function boundaries get identity-layout memrefs so
/// that C callers pass plain descriptors; empty-tensor elimination lets a
/// result written with bufferization.materialize_in_destination land directly
/// in the caller's buffer, with no copy.
void mlir::wn::buildWNBufferizationPasses(OpPassManager &pm) {
  pm.addPass(bufferization::createEmptyTensorEliminationPass());
  bufferization::OneShotBufferizePassOptions bufferizeOptions;
  bufferizeOptions.bufferizeFunctionBoundaries = true;
  bufferizeOptions.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  bufferizeOptions.unknownTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferizeOptions));
  pm.addPass(createCanonicalizerPass());
  bufferization::buildBufferDeallocationPipeline(pm);
  // Clones the deallocation pipeline inserted (e.g. for a returned global).
  pm.addPass(createConvertBufferizationToMemRefPass());
}

/// Buffer level: linalg contractions become register-blocked vector kernels
/// and all-parallel linalg ops are shared by threads row by row (kernels
/// strategy); the loops strategy leaves both to convert-linalg-to-loops.
static void addContractionPasses(OpPassManager &pm,
                                 const WNCPUPipelineOptions &options) {
  if (options.contractions != ContractionStrategy::Kernels)
    return;
  WNLowerContractionsPassOptions contractionOptions;
  contractionOptions.vectorSize = options.vectorSize;
  contractionOptions.rows = options.registerRows;
  contractionOptions.vectors = options.registerVectors;
  contractionOptions.parallel = options.parallel;
  pm.addNestedPass<func::FuncOp>(
      createWNLowerContractionsPass(contractionOptions));
  if (options.parallel)
    pm.addNestedPass<func::FuncOp>(createWNParallelizeElementwisePass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

/// Buffers and loops to the LLVM dialect.
static void addLLVMLoweringPasses(OpPassManager &pm,
                                  const WNCPUPipelineOptions &options) {
  // Copies into strided subviews (bufferized tensor.pad, insert_slice) as
  // loops rather than calls to memrefCopy from MLIR's runtime library.
  pm.addNestedPass<func::FuncOp>(createWNLowerStridedCopiesPass());
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  // Vector transfers of rank above 1 (vectorized contractions) as unrolled
  // 1-D ones, which the LLVM conversion turns into loads and stores.
  pm.addNestedPass<func::FuncOp>(createConvertVectorToSCFPass(
      VectorTransferToSCFOptions().enableFullUnroll()));
  // Parallel loops become OpenMP worksharing loops. The conversion wraps
  // every body in memref.alloca_scope; canonicalization inlines the scopes
  // that allocate nothing, before control flow lowering splits their
  // single-block regions.
  pm.addPass(createConvertSCFToOpenMPPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createLowerAffinePass());
  // Subviews as explicit offsets and strides, and vector ops to the LLVM
  // dialect, while loops are still structured: both passes first rewrite
  // greedily, which also simplifies every region, and a function's regions
  // are single blocks here but thousands of blocks after control flow
  // lowering (HiFi-GAN generator: 1.4 s -> 0.7 s for the two, the same
  // machine code).
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createConvertVectorToLLVMPass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  if (options.emitCInterface)
    pm.addNestedPass<func::FuncOp>(LLVM::createLLVMRequestCWrappersPass());
  pm.addPass(createConvertMathToLLVMPass());
  // Math functions with no LLVM intrinsic (erf, tanh, ...) as libm calls.
  pm.addPass(createConvertMathToLibmPass());
  // bf16 conversions become integer arithmetic: no soft-float helper from
  // the C runtime is needed, under mlir-runner or ahead of time.
  arith::ArithExpandOpsPassOptions expandOptions;
  expandOptions.includeBf16 = true;
  pm.addPass(arith::createArithExpandOpsPass(expandOptions));
  // The index arithmetic of expanded strided metadata.
  pm.addPass(createLowerAffinePass());
  // memref, func, arith, cf, index, ub and omp to the LLVM dialect in one
  // conversion (the dialects' ConvertToLLVMPatternInterface, which wn-opt
  // registers with the extensions): the same patterns and result as
  // finalize-memref-to-llvm, convert-func-to-llvm, convert-arith-to-llvm,
  // convert-cf-to-llvm, convert-index-to-llvm, convert-ub-to-llvm and
  // convert-openmp-to-llvm in turn, one walk instead of seven (whole
  // HiFi-GAN generator: 0.5 s instead of 2.3 s).
  pm.addPass(createConvertToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  // Folds and deduplicates what the conversions materialized (constants per
  // use). Blocks and their arguments were simplified at the cf level; walking
  // the LLVM dialect's control flow again finds nothing (the same output for
  // the HiFi-GAN generator) and took half of this pass's 1 s there.
  pm.addPass(createCanonicalizerPass(
      GreedyRewriteConfig().setRegionSimplificationLevel(
          GreedySimplifyRegionLevel::Disabled)));
}

OptionProblem
mlir::wn::checkWNCPUPipelineOptions(const WNCPUPipelineOptions &options) {
  for (OptionProblem problem :
       {checkWNLowerToLoopsOptions(getLoweringOptions(options)),
        checkRegisterBlock("register-rows", "register-vectors",
                           options.registerRows, options.registerVectors)})
    if (problem)
      return problem;
  return std::nullopt;
}

LogicalResult
mlir::wn::buildWNCPUPipeline(OpPassManager &pm,
                             const WNCPUPipelineOptions &options) {
  if (checkWNCPUPipelineOptions(options))
    return failure();
  addTensorPasses(pm, options);
  buildWNBufferizationPasses(pm);
  addWNLoweringPasses(pm, options);
  addContractionPasses(pm, options);
  addLLVMLoweringPasses(pm, options);
  return success();
}

void mlir::wn::registerWNCPUPipeline() {
  registerWNPipeline<WNCPUPipelineOptions>(
      "wn-cpu-pipeline",
      "Lower a module of func.func on tensors using wn ops (with linalg, "
      "tensor, arith, math and bufferization ops) to the LLVM dialect for the "
      "CPU",
      checkWNCPUPipelineOptions, buildWNCPUPipeline, /*onModule=*/true);
}
