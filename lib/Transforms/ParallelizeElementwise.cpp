//===- ParallelizeElementwise.cpp - Elementwise linalg ops on threads -----===//
//
// Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
// See the LICENSE file for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// An all-parallel linalg op on memrefs (elementwise generics, fills,
// broadcasts, copies, transposes) becomes an scf.parallel over its outer
// loop dims whose body is the op's tile of one innermost row, built by the
// op's TilingInterface (a linalg op on subviews). The rows run on OpenMP
// threads once converted; each row lowers to one loop over contiguous
// elements, which LLVM vectorizes.
//
//===----------------------------------------------------------------------===//

#include "wn/Transforms/Passes.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/TilingInterface.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir {
namespace wn {
#define GEN_PASS_DEF_WNPARALLELIZEELEMENTWISEPASS
#include "wn/Transforms/Passes.h.inc"
} // namespace wn
} // namespace mlir

using namespace mlir;
using namespace mlir::wn;

namespace {

struct ParallelizeElementwise final
    : OpInterfaceRewritePattern<linalg::LinalgOp> {
  ParallelizeElementwise(MLIRContext *context, int64_t minElements)
      : OpInterfaceRewritePattern(context), minElements(minElements) {}

  LogicalResult matchAndRewrite(linalg::LinalgOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureBufferSemantics() || op.getNumLoops() < 2 ||
        op.getNumParallelLoops() != op.getNumLoops())
      return rewriter.notifyMatchFailure(op, "not all-parallel on memrefs");
    auto tileable = dyn_cast<TilingInterface>(op.getOperation());
    if (!tileable)
      return rewriter.notifyMatchFailure(op, "not tileable");
    // Static extents decide; a dynamic extent counts as large. Ops with one
    // row (which is also what this pattern leaves) stay as they are.
    SmallVector<int64_t> extents = op.getStaticLoopRanges();
    bool dynamicRows = false, dynamic = false;
    int64_t rows = 1, elements = 1;
    for (auto [i, extent] : llvm::enumerate(extents)) {
      bool outer = i + 1 < extents.size();
      if (ShapedType::isDynamic(extent)) {
        dynamic = true;
        dynamicRows |= outer;
        continue;
      }
      elements *= extent;
      if (outer)
        rows *= extent;
    }
    if ((!dynamicRows && rows <= 1) || (!dynamic && elements < minElements))
      return rewriter.notifyMatchFailure(op, "too small to share");

    Location loc = op.getLoc();
    SmallVector<Range> ranges = op.createLoopRanges(rewriter, loc);
    SmallVector<Value> lower, upper, steps;
    for (const Range &range : llvm::ArrayRef(ranges).drop_back()) {
      lower.push_back(
          getValueOrCreateConstantIndexOp(rewriter, loc, range.offset));
      upper.push_back(
          getValueOrCreateConstantIndexOp(rewriter, loc, range.size));
      steps.push_back(
          getValueOrCreateConstantIndexOp(rewriter, loc, range.stride));
    }
    auto loop = scf::ParallelOp::create(rewriter, loc, lower, upper, steps);
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPoint(loop.getBody()->getTerminator());
    SmallVector<OpFoldResult> offsets =
        getAsOpFoldResult(ValueRange(loop.getInductionVars()));
    offsets.push_back(ranges.back().offset);
    SmallVector<OpFoldResult> sizes(offsets.size() - 1,
                                    rewriter.getIndexAttr(1));
    sizes.push_back(ranges.back().size);
    FailureOr<TilingResult> tiled =
        tileable.getTiledImplementation(rewriter, offsets, sizes);
    if (failed(tiled))
      return rewriter.notifyMatchFailure(op, "tiling failed");
    rewriter.eraseOp(op);
    return success();
  }

  int64_t minElements;
};

struct WNParallelizeElementwisePass final
    : wn::PassWithOptionErrors<wn::impl::WNParallelizeElementwisePassBase<
          WNParallelizeElementwisePass>> {
  using PassWithOptionErrors::PassWithOptionErrors;

  LogicalResult initialize(MLIRContext *context) override {
    return reportOptionProblems(context, getArgument(),
                                {checkAtLeast("min-elements", minElements, 0)});
  }

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    wn::populateWNParallelizeElementwisePatterns(patterns, minElements);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace

void mlir::wn::populateWNParallelizeElementwisePatterns(
    RewritePatternSet &patterns, int64_t minElements) {
  patterns.add<ParallelizeElementwise>(patterns.getContext(), minElements);
}
