//===- MemRefToGPU.cpp - buffers as device memory
//--------------------------===//
//
// Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
// See the LICENSE file for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// memref.alloc, memref.dealloc and memref.copy as gpu.alloc, gpu.dealloc and
// gpu.memcpy, for code whose every buffer lives in GPU memory.
//
//===----------------------------------------------------------------------===//

#include "wn/Conversion/MemRefToGPU/MemRefToGPU.h"
#include "wn/Support/MemRefUtils.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

namespace mlir {
namespace wn {
#define GEN_PASS_DEF_WNMEMREFTOGPUPASS
#include "wn/Conversion/Passes.h.inc"
} // namespace wn
} // namespace mlir

using namespace mlir;
using namespace mlir::wn;

/// The operand of a copy that gpu.memcpy cannot copy as bytes (unranked or
/// not contiguous), or null.
static Value getUncopyableSide(memref::CopyOp copy) {
  for (Value side : {copy.getSource(), copy.getTarget()}) {
    auto type = dyn_cast<MemRefType>(side.getType());
    if (!type || !isContiguousRowMajor(type))
      return side;
  }
  return Value();
}

/// Emits an error at `op` when it has no gpu dialect twin.
static LogicalResult checkConvertible(Operation *op, StringRef pass) {
  if (auto alloc = dyn_cast<memref::AllocOp>(op);
      alloc && !alloc.getSymbolOperands().empty())
    return alloc.emitOpError("--")
           << pass << ": allocations with symbol operands are not supported";
  if (auto copy = dyn_cast<memref::CopyOp>(op))
    if (Value side = getUncopyableSide(copy))
      return copy.emitOpError("--")
             << pass
             << ": copies of unranked or non-contiguous memrefs are not "
                "supported, but an operand has type "
             << side.getType();
  return success();
}

namespace {
struct AllocToGPU final : OpRewritePattern<memref::AllocOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(memref::AllocOp alloc,
                                PatternRewriter &rewriter) const override {
    if (!alloc.getSymbolOperands().empty())
      return rewriter.notifyMatchFailure(alloc, "symbol operands");
    auto device = gpu::AllocOp::create(
        rewriter, alloc.getLoc(), alloc.getType(), /*asyncToken=*/Type(),
        ValueRange{}, alloc.getDynamicSizes(), ValueRange{});
    rewriter.replaceOp(alloc, device.getMemref());
    return success();
  }
};

struct DeallocToGPU final : OpRewritePattern<memref::DeallocOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(memref::DeallocOp dealloc,
                                PatternRewriter &rewriter) const override {
    gpu::DeallocOp::create(rewriter, dealloc.getLoc(), /*asyncToken=*/Type(),
                           ValueRange{}, dealloc.getMemref());
    rewriter.eraseOp(dealloc);
    return success();
  }
};

struct CopyToGPU final : OpRewritePattern<memref::CopyOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(memref::CopyOp copy,
                                PatternRewriter &rewriter) const override {
    if (getUncopyableSide(copy))
      return rewriter.notifyMatchFailure(copy, "not contiguous");
    gpu::MemcpyOp::create(rewriter, copy.getLoc(), /*asyncToken=*/Type(),
                          ValueRange{}, copy.getTarget(), copy.getSource());
    rewriter.eraseOp(copy);
    return success();
  }
};

struct WNMemRefToGPUPass final
    : wn::impl::WNMemRefToGPUPassBase<WNMemRefToGPUPass> {
  LogicalResult initialize(MLIRContext *context) override {
    RewritePatternSet set(context);
    populateWNMemRefToGPUPatterns(set);
    patterns = std::move(set);
    return success();
  }

  void runOnOperation() override {
    // The first op without a twin is an error, before any change.
    WalkResult result = getOperation()->walk([&](Operation *op) {
      return failed(checkConvertible(op, getArgument()))
                 ? WalkResult::interrupt()
                 : WalkResult::advance();
    });
    if (result.wasInterrupted())
      return signalPassFailure();
    walkAndApplyPatterns(getOperation(), patterns);
  }

  FrozenRewritePatternSet patterns;
};
} // namespace

void mlir::wn::populateWNMemRefToGPUPatterns(RewritePatternSet &patterns) {
  patterns.add<AllocToGPU, DeallocToGPU, CopyToGPU>(patterns.getContext());
}
