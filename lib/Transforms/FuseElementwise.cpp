//===- FuseElementwise.cpp - Chains of elementwise linalg ops as one
//-------===//
//
// Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
// See the LICENSE file for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Upstream's elementwise fusion (linalg::populateElementwiseOpsFusionPatterns)
// restricted to producers and consumers that are both all-parallel generics:
// a chain of activations (Snake's five ops, a scale epilogue and the
// activation after it) becomes one pass over memory, while contractions keep
// the out + a * b body that --wn-lower-contractions turns into kernels
// (upstream's pass would fuse an activation into a convolution's input).
//
//===----------------------------------------------------------------------===//

#include "wn/Transforms/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir {
namespace wn {
#define GEN_PASS_DEF_WNFUSEELEMENTWISEPASS
#include "wn/Transforms/Passes.h.inc"
} // namespace wn
} // namespace mlir

using namespace mlir;

namespace {
/// Whether `op` is a linalg.generic whose loops are all parallel.
bool isElementwiseGeneric(Operation *op) {
  auto generic = dyn_cast_or_null<linalg::GenericOp>(op);
  return generic && generic.getNumLoops() == generic.getNumParallelLoops();
}

struct WNFuseElementwisePass final
    : wn::impl::WNFuseElementwisePassBase<WNFuseElementwisePass> {
  using Base::Base;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    wn::populateWNFuseElementwisePatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace

void mlir::wn::populateWNFuseElementwisePatterns(RewritePatternSet &patterns) {
  linalg::populateElementwiseOpsFusionPatterns(patterns, [](OpOperand *fused) {
    return isElementwiseGeneric(fused->get().getDefiningOp()) &&
           isElementwiseGeneric(fused->getOwner());
  });
}
