//===- WNCanonicalize.cpp - folders and canonicalization of wn ops --------===//
//
// The folders of wn.weight_norm (constants, negative dims) and
// wn.weight_norm_scale (negative dims), their canonicalization patterns (the
// canonical g layout), and the layout rewrites as free functions.
//
//===----------------------------------------------------------------------===//

#include "wn/Dialect/WN/IR/WNConstantFold.h"
#include "wn/Dialect/WN/IR/WNOps.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
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
template <typename OpTy>
static LogicalResult normalizeDimInPlace(OpTy op) {
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

namespace {
/// Rewrites a weight norm on tensors whose g is not in the canonical layout
/// (keepdim, all-ones or [1]) to one with the canonical g (1-D along dim,
/// 0-d for the whole tensor): g and the norm destination are collapsed, the
/// norm result is expanded back to its type.
struct CanonicalizeGLayout final : OpRewritePattern<WeightNormOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(WeightNormOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureTensorSemantics())
      return rewriter.notifyMatchFailure(op, "buffer semantics");
    std::optional<int64_t> dim = op.getNormalizedDim();
    if (isCanonicalGLayout(op.getGType(), dim))
      return rewriter.notifyMatchFailure(op, "g is canonical");

    Location loc = op.getLoc();
    Value g = collapseToCanonicalGLayout(rewriter, loc, op.getG(), dim);
    Value normInit = op.getNormInit();
    SmallVector<Type> resultTypes = {op.getWResult().getType()};
    if (normInit) {
      normInit = collapseToCanonicalGLayout(rewriter, loc, normInit, dim);
      resultTypes.push_back(normInit.getType());
    }
    auto canonical = WeightNormOp::create(rewriter, loc, resultTypes, op.getV(),
                                          g, op.getInit(), normInit,
                                          op.getDimAttr(), op.getEpsAttr());
    canonical->setDiscardableAttrs(op->getDiscardableAttrDictionary());

    SmallVector<Value> replacements = {canonical.getWResult()};
    if (Value norm = canonical.getNormResult())
      replacements.push_back(expandFromCanonicalGLayout(
          rewriter, loc, norm,
          cast<RankedTensorType>(op.getNormResult().getType()), dim));
    rewriter.replaceOp(op, replacements);
    return success();
  }
};
/// The same for wn.weight_norm_scale: g and the scale destination are
/// collapsed, the scale result expanded back to its type.
struct CanonicalizeScaleGLayout final : OpRewritePattern<WeightNormScaleOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(WeightNormScaleOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureTensorSemantics())
      return rewriter.notifyMatchFailure(op, "buffer semantics");
    std::optional<int64_t> dim = op.getNormalizedDim();
    if (isCanonicalGLayout(op.getGType(), dim))
      return rewriter.notifyMatchFailure(op, "g is canonical");
    Location loc = op.getLoc();
    Value g = collapseToCanonicalGLayout(rewriter, loc, op.getG(), dim);
    Value init = collapseToCanonicalGLayout(rewriter, loc, op.getInit(), dim);
    auto canonical = WeightNormScaleOp::create(
        rewriter, loc, TypeRange{init.getType()}, op.getV(), g, init,
        op.getDimAttr(), op.getEpsAttr());
    canonical->setDiscardableAttrs(op->getDiscardableAttrDictionary());
    rewriter.replaceOp(
        op, expandFromCanonicalGLayout(
                rewriter, loc, canonical.getScaleResult(),
                cast<RankedTensorType>(op.getScaleResult().getType()), dim));
    return success();
  }
};
} // namespace

void WeightNormOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                               MLIRContext *context) {
  results.add<CanonicalizeGLayout>(context);
}

void WeightNormScaleOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                                    MLIRContext *context) {
  results.add<CanonicalizeScaleGLayout>(context);
}
