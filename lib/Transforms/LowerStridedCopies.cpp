//===- LowerStridedCopies.cpp - Non-contiguous memref.copy to linalg ------===//
//
// Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
// See the LICENSE file for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// memref.copy between buffers that are not both contiguous lowers to a call
// to memrefCopy (libmlir_c_runner_utils); as linalg.copy it lowers to loops
// and needs no runtime library.
//
//===----------------------------------------------------------------------===//

#include "wn/Transforms/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Utils/MemRefUtils.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir {
namespace wn {
#define GEN_PASS_DEF_WNLOWERSTRIDEDCOPIESPASS
#include "wn/Transforms/Passes.h.inc"
} // namespace wn
} // namespace mlir

using namespace mlir;

namespace {
/// Whether the LLVM lowering copies `type` with one memcpy: an identity
/// layout, or strides that describe a contiguous row-major buffer.
bool isContiguous(MemRefType type) {
  return type.getLayout().isIdentity() ||
         memref::isStaticShapeAndContiguousRowMajor(type);
}

struct LowerStridedCopy final : OpRewritePattern<memref::CopyOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(memref::CopyOp op,
                                PatternRewriter &rewriter) const override {
    auto source = dyn_cast<MemRefType>(op.getSource().getType());
    auto target = dyn_cast<MemRefType>(op.getTarget().getType());
    if (!source || !target)
      return rewriter.notifyMatchFailure(op, "unranked memref");
    if (isContiguous(source) && isContiguous(target))
      return rewriter.notifyMatchFailure(op, "contiguous: a memcpy");
    rewriter.replaceOpWithNewOp<linalg::CopyOp>(op, op.getSource(),
                                                op.getTarget());
    return success();
  }
};

struct WNLowerStridedCopiesPass final
    : wn::impl::WNLowerStridedCopiesPassBase<WNLowerStridedCopiesPass> {
  using Base::Base;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    wn::populateWNLowerStridedCopiesPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace

void mlir::wn::populateWNLowerStridedCopiesPatterns(
    RewritePatternSet &patterns) {
  patterns.add<LowerStridedCopy>(patterns.getContext());
}
