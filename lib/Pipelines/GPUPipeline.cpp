//===- GPUPipeline.cpp - wn to NVVM kernels and host code -----------------===//
//
// Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
// See the LICENSE file for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "wn/Conversion/Passes.h"
#include "wn/Pipelines/Pipelines.h"
#include "wn/Transforms/Passes.h"

#include "Registration.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Pipelines/Passes.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::wn;

namespace {
/// A chip of LLVM 22's NVPTX backend and the oldest PTX ISA version it
/// accepts for it (llc rejects older ones with a fatal error).
struct Chip {
  StringLiteral name;
  int minPTX;
};
} // namespace

static constexpr Chip kChips[] = {
    {"sm_50", 40},   {"sm_52", 41},   {"sm_53", 42},   {"sm_60", 50},
    {"sm_61", 50},   {"sm_62", 50},   {"sm_70", 60},   {"sm_72", 61},
    {"sm_75", 63},   {"sm_80", 70},   {"sm_86", 71},   {"sm_87", 74},
    {"sm_88", 90},   {"sm_89", 78},   {"sm_90", 78},   {"sm_90a", 80},
    {"sm_100", 86},  {"sm_100a", 86}, {"sm_100f", 88}, {"sm_101", 86},
    {"sm_101a", 86}, {"sm_101f", 88}, {"sm_103", 88},  {"sm_103a", 88},
    {"sm_103f", 88}, {"sm_110", 90},  {"sm_110a", 90}, {"sm_110f", 90},
    {"sm_120", 87},  {"sm_120a", 87}, {"sm_120f", 88}, {"sm_121", 88},
    {"sm_121a", 88}, {"sm_121f", 88}};

/// The PTX ISA versions LLVM 22 can emit (+ptx<N>).
static constexpr int kPTXVersions[] = {
    32, 40, 41, 42, 43, 50, 60, 61, 62, 63, 64, 65, 70, 71, 72, 73,
    74, 75, 76, 77, 78, 80, 81, 82, 83, 84, 85, 86, 87, 88, 90};

static const Chip *lookupChip(StringRef name) {
  const Chip *it = llvm::find_if(
      kChips, [&](const Chip &chip) { return chip.name == name; });
  return it == std::end(kChips) ? nullptr : it;
}

/// The PTX version of `features` ("+ptx80" -> 80), or none when it is not
/// one +ptx<N> that LLVM knows.
static std::optional<int> parsePTXFeature(StringRef features) {
  int version = 0;
  if (!features.consume_front("+ptx") || features.getAsInteger(10, version) ||
      !llvm::is_contained(kPTXVersions, version))
    return std::nullopt;
  return version;
}

/// The features used for `chip`: the user's, else the least PTX version the
/// chip needs, at least 7.0 (8.0 from sm_90 on).
static std::string getFeatures(const WNGPUPipelineOptions &options,
                               const Chip &chip) {
  if (!options.features.empty())
    return options.features;
  int capability = 0;
  (void)chip.name.drop_front(3)
      .take_while(llvm::isDigit)
      .getAsInteger(10, capability);
  int floor = capability >= 90 ? 80 : 70;
  return "+ptx" + std::to_string(std::max(chip.minPTX, floor));
}

/// gpu-module-to-binary's name of `format`.
static StringRef getFormatName(GPUBinaryFormat format) {
  switch (format) {
  case GPUBinaryFormat::Isa:
    return "isa";
  case GPUBinaryFormat::Bin:
    return "bin";
  case GPUBinaryFormat::Fatbin:
    return "fatbin";
  }
  llvm_unreachable("unknown GPUBinaryFormat");
}

OptionProblem
mlir::wn::checkWNGPUPipelineOptions(const WNGPUPipelineOptions &options) {
  const Chip *chip = lookupChip(options.chip);
  if (!chip) {
    SmallVector<StringRef> names;
    for (const Chip &known : kChips)
      names.push_back(known.name);
    return checkOneOf("chip", options.chip, names);
  }
  if (!options.features.empty()) {
    std::optional<int> ptx = parsePTXFeature(options.features);
    if (!ptx)
      return "features must be one PTX version, +ptx<N> with N one of 32, "
             "40 to 43, 50, 60 to 65, 70 to 78, 80 to 88 or 90, but is '" +
             options.features + "'";
    if (*ptx < chip->minPTX)
      return "features '" + options.features + "' is older than " +
             chip->name.str() + " needs: +ptx" + std::to_string(chip->minPTX) +
             " or newer";
  }
  for (OptionProblem problem :
       {checkGPUBlockSize("block-size", options.blockSize)})
    if (problem)
      return problem;
  if (options.optLevel < 0 || options.optLevel > 3)
    return "opt-level must be 0 to 3, but is " +
           std::to_string(options.optLevel);
  return std::nullopt;
}

LogicalResult
mlir::wn::buildWNGPUPipeline(OpPassManager &pm,
                             const WNGPUPipelineOptions &options) {
  if (checkWNGPUPipelineOptions(options))
    return failure();
  const Chip &chip = *lookupChip(options.chip);

  // Tensors to device buffers.
  pm.addNestedPass<func::FuncOp>(createConvertElementwiseToLinalgPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  buildWNBufferizationPasses(pm);

  // wn ops to kernels.
  WNLowerToGPUPassOptions lowering;
  lowering.blockSize = options.blockSize;
  lowering.strategy = options.strategy;
  // Every buffer is device memory: the module's allocations, deallocations
  // and copies become their gpu dialect twins.
  pm.addPass(createWNMemRefToGPUPass());
  pm.addPass(createWNLowerToGPUPass(lowering));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addPass(createWNCheckGPULowerablePass());

  // Kernels to NVVM and a binary; host code to LLVM (upstream's pipeline,
  // which outlines the kernels first).
  gpu::GPUToNVVMPipelineOptions nvvm;
  nvvm.cubinChip = options.chip;
  nvvm.cubinFeatures = getFeatures(options, chip);
  nvvm.cubinFormat = getFormatName(options.format);
  nvvm.optLevel = options.optLevel;
  if (options.emitCInterface)
    pm.addNestedPass<func::FuncOp>(LLVM::createLLVMRequestCWrappersPass());
  // The kernels' math ops become NVPTX intrinsics (sqrt.rn, fma.rn in PTX)
  // before the NVVM conversion would turn them into libdevice calls, which
  // nothing links: a module with unresolved __nv_* functions fails to load.
  // Constants and index computations go into the kernels rather than
  // becoming kernel parameters.
  pm.addNestedPass<func::FuncOp>(createGpuLaunchSinkIndexComputationsPass());
  pm.addPass(createGpuKernelOutliningPass());
  pm.addNestedPass<gpu::GPUModuleOp>(createWNMathToNVVMIntrinsicsPass());
  // Host-side gpu.alloc, gpu.dealloc and gpu.memcpy lower to runtime calls
  // only in their async form: chain the function's GPU work on one stream,
  // waited for where the host needs the results.
  pm.addNestedPass<func::FuncOp>(createGpuAsyncRegionPass());
  gpu::buildLowerToNVVMPassPipeline(pm, nvvm);
  return success();
}

void mlir::wn::registerWNGPUPipeline() {
  registerWNPipeline<WNGPUPipelineOptions>(
      "wn-gpu-pipeline",
      "Lower a module of func.func on tensors using wn ops to NVVM kernels "
      "(embedded by gpu-module-to-binary) and host code in the LLVM dialect "
      "calling the mgpu* runtime; every buffer is device memory",
      checkWNGPUPipelineOptions, buildWNGPUPipeline, /*onModule=*/true);
}
