//===- WNCanonicalize.cpp - folders and canonicalization of wn ops --------===//
//
// Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
// See the LICENSE file for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The folders of wn.weight_norm (constants, negative dims),
// wn.weight_norm_scale and wn.weight_norm_backward (negative dims), their
// canonicalization patterns (the canonical g layout), and the layout rewrites
// as free functions.
//
//===----------------------------------------------------------------------===//

#include "wn/Dialect/WN/IR/WNConstantFold.h"
#include "wn/Dialect/WN/IR/WNOps.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::wn;

//===----------------------------------------------------------------------===//
// The canonical g layout
//===----------------------------------------------------------------------===//

Value mlir::wn::collapseToCanonicalGLayout(OpBuilder &b, Location loc,
                                           Value gShaped,
                                           std::optional<int64_t> normDim) {
  std::optional<SmallVector<ReassociationIndices>> reassociation =
      getCanonicalGReassociation(cast<ShapedType>(gShaped.getType()), normDim);
  if (!reassociation)
    return gShaped;
  return tensor::CollapseShapeOp::create(b, loc, gShaped, *reassociation);
}

Value mlir::wn::expandFromCanonicalGLayout(OpBuilder &b, Location loc,
                                           Value canonical,
                                           RankedTensorType gShapedType,
                                           std::optional<int64_t> normDim) {
  if (canonical.getType() == gShapedType)
    return canonical;
  std::optional<SmallVector<ReassociationIndices>> reassociation =
      getCanonicalGReassociation(gShapedType, normDim);
  assert(reassociation && "a non-canonical type differs from the canonical "
                          "one");
  return tensor::ExpandShapeOp::create(b, loc, gShapedType, canonical,
                                       *reassociation);
}

//===----------------------------------------------------------------------===//
// WeightNormOp
//===----------------------------------------------------------------------===//

/// Returns true when folding `op` does not duplicate a large constant: v has
/// at most kWeightNormFoldMaxElements elements, or no user but `op`.
static bool isCheapToFold(WeightNormOp op) {
  ShapedType vType = op.getVType();
  if (!vType.hasStaticShape())
    return false;
  if (vType.getNumElements() <= kWeightNormFoldMaxElements)
    return true;
  return llvm::all_of(op.getV().getUsers(), [&](Operation *user) {
    return user == op.getOperation();
  });
}

/// A negative dim becomes its non-negative form, in place.
template <typename OpTy> static LogicalResult normalizeDimInPlace(OpTy op) {
  IntegerAttr dimAttr = op.getDimAttr();
  if (!dimAttr || dimAttr.getInt() >= 0)
    return failure();
  op.setDimAttr(IntegerAttr::get(dimAttr.getType(), *op.getNormalizedDim()));
  return success();
}

LogicalResult WeightNormOp::fold(FoldAdaptor adaptor,
                                 SmallVectorImpl<OpFoldResult> &results) {
  // Constant v and g: w (and the norm) computed on the host.
  if (adaptor.getV() && adaptor.getG() && hasPureTensorSemantics() &&
      isCheapToFold(*this)) {
    FailureOr<SmallVector<Attribute>> folded =
        foldConstantWeightNorm(*this, adaptor.getV(), adaptor.getG());
    if (succeeded(folded)) {
      results.append(folded->begin(), folded->end());
      return success();
    }
  }
  return normalizeDimInPlace(*this);
}

LogicalResult WeightNormScaleOp::fold(FoldAdaptor,
                                      SmallVectorImpl<OpFoldResult> &) {
  return normalizeDimInPlace(*this);
}

LogicalResult WeightNormBackwardOp::fold(FoldAdaptor,
                                         SmallVectorImpl<OpFoldResult> &) {
  return normalizeDimInPlace(*this);
}

namespace {
/// Rewrites a weight norm op on tensors whose g is not in the canonical
/// layout (keepdim, all-ones or [1]) to one with the canonical g (1-D along
/// dim, 0-d for the whole tensor): the operands in g's layout (g, a saved
/// norm; the norm, scale and grad_g destinations) are collapsed, their
/// results expanded back to their types; the v-shaped operands and results
/// are kept.
template <typename OpTy>
struct CanonicalizeGLayout final : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;

  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureTensorSemantics())
      return rewriter.notifyMatchFailure(op, "buffer semantics");
    std::optional<int64_t> dim = op.getNormalizedDim();
    if (isCanonicalGLayout(op.getGType(), dim))
      return rewriter.notifyMatchFailure(op, "g is canonical");

    Location loc = op.getLoc();
    // Every operand in g's layout (g, a saved norm, the norm, scale and
    // grad_g destinations) is collapsed, even when it is the same value as
    // a v-shaped one; the v-shaped ones are kept.
    SmallVector<Value> operands(op->getOperands());
    for (OpOperand &operand : op->getOpOperands())
      if (!op.isVShapedOperand(operand.getOperandNumber()))
        operands[operand.getOperandNumber()] =
            collapseToCanonicalGLayout(rewriter, loc, operand.get(), dim);
    SmallVector<Type> resultTypes;
    for (OpOperand &init : op.getDpsInitsMutable())
      resultTypes.push_back(operands[init.getOperandNumber()].getType());
    Operation *canonical = mlir::clone(rewriter, op, resultTypes, operands);
    SmallVector<Value> replacements;
    for (auto [result, original] :
         llvm::zip(canonical->getResults(), op->getResults()))
      replacements.push_back(
          result.getType() == original.getType()
              ? result
              : expandFromCanonicalGLayout(
                    rewriter, loc, result,
                    cast<RankedTensorType>(original.getType()), dim));
    rewriter.replaceOp(op, replacements);
    return success();
  }
};
} // namespace

void WeightNormOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                               MLIRContext *context) {
  results.add<CanonicalizeGLayout<WeightNormOp>>(context);
}

void WeightNormScaleOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                                    MLIRContext *context) {
  results.add<CanonicalizeGLayout<WeightNormScaleOp>>(context);
}

void WeightNormBackwardOp::getCanonicalizationPatterns(
    RewritePatternSet &results, MLIRContext *context) {
  results.add<CanonicalizeGLayout<WeightNormBackwardOp>>(context);
}
