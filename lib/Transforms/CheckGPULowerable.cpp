//===- CheckGPULowerable.cpp - linalg ops left in GPU code
//-----------------===//
//
// Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
// See the LICENSE file for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// --wn-gpu-pipeline makes GPU kernels of wn ops only: a linalg op left after
// --wn-lower-to-gpu would read device memory on the host, or stay
// half-lowered. This pass reports it at its location.
//
//===----------------------------------------------------------------------===//

#include "wn/Transforms/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/BuiltinOps.h"

namespace mlir {
namespace wn {
#define GEN_PASS_DEF_WNCHECKGPULOWERABLEPASS
#include "wn/Transforms/Passes.h.inc"
} // namespace wn
} // namespace mlir

using namespace mlir;

namespace {
struct WNCheckGPULowerablePass final
    : wn::impl::WNCheckGPULowerablePassBase<WNCheckGPULowerablePass> {
  void runOnOperation() override {
    WalkResult result =
        getOperation().walk<WalkOrder::PreOrder>([](Operation *op) {
          if (!isa<linalg::LinalgDialect>(op->getDialect()))
            return WalkResult::advance();
          // At the op's location, without a dump of the bufferized module.
          emitError(op->getLoc())
              << "--wn-gpu-pipeline: '" << op->getName()
              << "' is not supported: only wn ops become GPU kernels (lower "
                 "other ops for the GPU before the pipeline, or compile for "
                 "the CPU with --wn-cpu-pipeline)";
          return WalkResult::interrupt();
        });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace
