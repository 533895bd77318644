//===- Decompose.cpp - Decompose wn ops into linalg -----------------------===//
//
// Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
// See the LICENSE file for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "wn/Dialect/WN/IR/WNOps.h"
#include "wn/Dialect/WN/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

namespace mlir {
namespace wn {
#define GEN_PASS_DEF_WNDECOMPOSEPASS
#include "wn/Dialect/WN/Transforms/Passes.h.inc"
} // namespace wn
} // namespace mlir

using namespace mlir;
using namespace mlir::wn;

namespace {
/// Replaces a wn op (weight_norm, weight_norm_scale, weight_norm_backward)
/// with its linalg decomposition.
struct DecomposeWeightNorm final
    : OpInterfaceRewritePattern<WeightNormInterface> {
  using OpInterfaceRewritePattern::OpInterfaceRewritePattern;

  LogicalResult matchAndRewrite(WeightNormInterface op,
                                PatternRewriter &rewriter) const override {
    FailureOr<SmallVector<Value>> results =
        cast<linalg::AggregatedOpInterface>(op.getOperation())
            .decomposeOperation(rewriter);
    if (failed(results))
      return rewriter.notifyMatchFailure(op, "decomposition failed");
    rewriter.replaceOp(op, *results);
    return success();
  }
};

struct WNDecomposePass final : wn::impl::WNDecomposePassBase<WNDecomposePass> {
  using Base::Base;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateWNDecompositionPatterns(patterns);
    walkAndApplyPatterns(getOperation(), std::move(patterns));
    // Every verified op decomposes; one left behind is a bug worth reporting.
    WalkResult left = getOperation()->walk([](WeightNormInterface op) {
      op.emitOpError("could not be decomposed");
      return WalkResult::interrupt();
    });
    if (left.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace

void mlir::wn::populateWNDecompositionPatterns(RewritePatternSet &patterns) {
  patterns.add<DecomposeWeightNorm>(patterns.getContext());
}
