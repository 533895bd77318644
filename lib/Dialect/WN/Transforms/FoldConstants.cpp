//===- FoldConstants.cpp - Fold weight norms of constants -----------------===//
//
// Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
// See the LICENSE file for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "wn/Dialect/WN/IR/WNConstantFold.h"
#include "wn/Dialect/WN/IR/WNOps.h"
#include "wn/Dialect/WN/Transforms/Passes.h"
#include "wn/Support/PassOptions.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir {
namespace wn {
#define GEN_PASS_DEF_WNFOLDCONSTANTSPASS
#include "wn/Dialect/WN/Transforms/Passes.h.inc"
} // namespace wn
} // namespace mlir

using namespace mlir;
using namespace mlir::wn;

namespace {
/// Replaces a weight norm of constants, v of at most `maxElements` elements
/// (negative: any size), with arith.constant ops of its results.
struct FoldConstantWeightNorm final : OpRewritePattern<WeightNormOp> {
  FoldConstantWeightNorm(MLIRContext *context, int64_t maxElements)
      : OpRewritePattern(context), maxElements(maxElements) {}

  LogicalResult matchAndRewrite(WeightNormOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureTensorSemantics())
      return rewriter.notifyMatchFailure(op, "buffer semantics");
    Attribute v, g;
    if (!matchPattern(op.getV(), m_Constant(&v)) ||
        !matchPattern(op.getG(), m_Constant(&g)))
      return rewriter.notifyMatchFailure(op, "v or g is not a constant");
    if (maxElements >= 0 && op.getVType().getNumElements() > maxElements)
      return rewriter.notifyMatchFailure(op, "v is larger than max-elements");
    FailureOr<SmallVector<Attribute>> folded = foldConstantWeightNorm(op, v, g);
    if (failed(folded))
      return rewriter.notifyMatchFailure(op, "unsupported constant");
    SmallVector<Value> replacements;
    for (Attribute value : *folded)
      replacements.push_back(arith::ConstantOp::create(rewriter, op.getLoc(),
                                                       cast<TypedAttr>(value)));
    rewriter.replaceOp(op, replacements);
    return success();
  }

  int64_t maxElements;
};

struct WNFoldConstantsPass final
    : wn::PassWithOptionErrors<
          wn::impl::WNFoldConstantsPassBase<WNFoldConstantsPass>> {
  using PassWithOptionErrors::PassWithOptionErrors;

  LogicalResult initialize(MLIRContext *context) override {
    return reportOptionProblems(context, getArgument(),
                                {checkAtLeast("max-elements", maxElements, -1,
                                              "-1: up to the folding limit")});
  }

  void runOnOperation() override {
    // Weight norms the user asked to fold but that are past the folding
    // limit are left, with a warning.
    if (maxElements == -1 || maxElements > kWeightNormFoldLimit)
      getOperation()->walk([](WeightNormOp op) {
        ShapedType vType = op.getVType();
        if (op.hasPureTensorSemantics() && vType.hasStaticShape() &&
            vType.getNumElements() > kWeightNormFoldLimit &&
            matchPattern(op.getV(), m_Constant()) &&
            matchPattern(op.getG(), m_Constant()))
          op.emitWarning("not folded: v has ")
              << vType.getNumElements() << " elements, more than the "
              << kWeightNormFoldLimit << " that constants are folded up to";
      });
    RewritePatternSet patterns(&getContext());
    populateWNFoldConstantsPatterns(patterns, maxElements);
    // Only this rewrite: other ops are left to the canonicalizer. Constants
    // left without users (a folded v) are erased.
    if (failed(applyPatternsGreedily(
            getOperation(), std::move(patterns),
            GreedyRewriteConfig().enableFolding(false)))) {
      getOperation()->emitError(
          "--wn-fold-constants: the rewrite did not converge");
      signalPassFailure();
    }
  }
};
} // namespace

void mlir::wn::populateWNFoldConstantsPatterns(RewritePatternSet &patterns,
                                               int64_t maxElements) {
  patterns.add<FoldConstantWeightNorm>(patterns.getContext(), maxElements);
}
