//===- GPUPipeline.cpp - wn to NVVM kernels and host code -----------------===//

#include "wn/Pipelines/Pipelines.h"
#include "wn/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Pipelines/Passes.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/LLVMIR/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Transforms/Passes.h"


using namespace mlir;
using namespace mlir::wn;

/// The compute capability in `chip` ("sm_90" -> 90, "sm_90a" -> 90), or
/// none when it is not of that form.
static std::optional<int> getComputeCapability(StringRef chip) {
  if (!chip.consume_front("sm_"))
    return std::nullopt;
  chip.consume_back("a");
  int capability = 0;
  if (chip.getAsInteger(10, capability) || capability < 50)
    return std::nullopt;
  return capability;
}

namespace {
/// Fails on the module with `message`: how a pipeline reports an invalid
/// option, since mlir-opt ignores a pipeline builder's failure.
struct InvalidPipelineOptionPass final
    : PassWrapper<InvalidPipelineOptionPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(InvalidPipelineOptionPass)

  explicit InvalidPipelineOptionPass(std::string message)
      : message(std::move(message)) {}
  StringRef getArgument() const final { return "wn-invalid-pipeline-option"; }
  void runOnOperation() override {
    getOperation().emitError() << message;
    signalPassFailure();
  }
  std::string message;
};

/// math.sqrt, math.fma and math.absf on f32 and f64 in kernels as correctly
/// rounded NVPTX intrinsics (sqrt.rn, fma.rn) and LLVM's fabs (abs in PTX),
/// not libdevice calls.
struct KernelMathToIntrinsicsPass final
    : PassWrapper<KernelMathToIntrinsicsPass,
                  OperationPass<gpu::GPUModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(KernelMathToIntrinsicsPass)

  StringRef getArgument() const final { return "wn-kernel-math-to-nvptx"; }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<LLVM::LLVMDialect>();
  }
  void runOnOperation() override {
    getOperation().walk([](Operation *op) {
      if (!isa<math::SqrtOp, math::FmaOp, math::AbsFOp>(op) ||
          !isa<Float32Type, Float64Type>(op->getResult(0).getType()))
        return;
      bool f64 = op->getResult(0).getType().isF64();
      StringRef name =
          isa<math::SqrtOp>(op)
              ? (f64 ? "llvm.nvvm.sqrt.rn.d" : "llvm.nvvm.sqrt.rn.f")
          : isa<math::FmaOp>(op) ? (f64 ? "llvm.fma.f64" : "llvm.fma.f32")
                                 : (f64 ? "llvm.fabs.f64" : "llvm.fabs.f32");
      OpBuilder b(op);
      auto call = LLVM::CallIntrinsicOp::create(
          b, op->getLoc(), op->getResult(0).getType(),
          b.getStringAttr(name), op->getOperands());
      op->replaceAllUsesWith(call->getResults());
      op->erase();
    });
  }
};
} // namespace

LogicalResult mlir::wn::buildWNGPUPipeline(
    OpPassManager &pm, const WNGPUPipelineOptions &options) {
  auto fail = [&](const Twine &message) {
    pm.addPass(std::make_unique<InvalidPipelineOptionPass>(
        ("--wn-gpu-pipeline: " + message).str()));
    return failure();
  };
  std::optional<int> capability = getComputeCapability(options.chip);
  if (!capability)
    return fail(Twine("chip must be sm_<N> with N >= 50 (e.g. sm_80, "
                      "sm_90), but is '") +
                options.chip + "'");
  if (!llvm::is_contained({"isa", "bin", "fatbin"}, options.format))
    return fail(Twine("format must be isa, bin or fatbin, but is '") +
                options.format + "'");
  if (options.optLevel < 0 || options.optLevel > 3)
    return fail(Twine("opt-level must be 0 to 3, but is ") +
                Twine(static_cast<int>(options.optLevel)));

  // Tensors to device buffers.
  pm.addNestedPass<func::FuncOp>(createConvertElementwiseToLinalgPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  buildWNBufferizationPasses(pm);

  // wn ops to kernels.
  WNLowerToGPUPassOptions lowering;
  lowering.blockSize = options.blockSize;
  lowering.strategy = options.strategy;
  pm.addPass(createWNLowerToGPUPass(lowering));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());

  // Kernels to NVVM and a binary; host code to LLVM (upstream's pipeline,
  // which outlines the kernels first).
  gpu::GPUToNVVMPipelineOptions nvvm;
  nvvm.cubinChip = options.chip;
  std::string features = options.features;
  if (features.empty())
    features = *capability >= 90 ? "+ptx80" : "+ptx70";
  nvvm.cubinFeatures = features;
  nvvm.cubinFormat = options.format;
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
  pm.addNestedPass<gpu::GPUModuleOp>(
      std::make_unique<KernelMathToIntrinsicsPass>());
  // Host-side gpu.alloc, gpu.dealloc and gpu.memcpy lower to runtime calls
  // only in their async form: chain the function's GPU work on one stream,
  // waited for where the host needs the results.
  pm.addNestedPass<func::FuncOp>(createGpuAsyncRegionPass());
  gpu::buildLowerToNVVMPassPipeline(pm, nvvm);
  return success();
}

void mlir::wn::registerWNGPUPipeline() {
  PassPipelineRegistration<WNGPUPipelineOptions>(
      "wn-gpu-pipeline",
      "Lower a module of func.func on tensors using wn ops to NVVM kernels "
      "(embedded by gpu-module-to-binary) and host code in the LLVM dialect "
      "calling the mgpu* runtime; every buffer is device memory",
      [](OpPassManager &pm, const WNGPUPipelineOptions &options) {
        return buildWNGPUPipeline(pm, options);
      });
}
