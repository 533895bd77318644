//===- FuseIntoConsumers.cpp - weight norms folded into contractions ------===//
//
// Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
// See the LICENSE file for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// For a weight w = weight_norm(v, g, dim) consumed by a contraction that sums
// over every dimension of w except dim and keeps dim in its output (a Linear
// or Conv weight normalized over its output channels), the norm's scale
// factors out of the sum:
//
//   y[.., n, ..] = init + sum_k x[..k..] * v[n, k] * s[n]
//                = init + s[n] * sum_k x[..k..] * v[n, k],   s = g / ||v||
//
// so the consumer runs on v and its output is scaled per channel by
// wn.weight_norm_scale: w is never materialized. Without dim (one norm over
// the whole tensor) s is a scalar and any contraction qualifies.
//
//===----------------------------------------------------------------------===//

#include "wn/Dialect/WN/IR/WNOps.h"
#include "wn/Dialect/WN/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir {
namespace wn {
#define GEN_PASS_DEF_WNFUSEINTOCONSUMERSPASS
#include "wn/Dialect/WN/Transforms/Passes.h.inc"
} // namespace wn
} // namespace mlir

using namespace mlir;
using namespace mlir::wn;

namespace {

/// Follows a chain of floating-point extensions and truncations (which
/// commute with scaling, up to rounding) from `value` back to its source.
Value skipCasts(Value value) {
  while (Operation *def = value.getDefiningOp()) {
    if (!isa<arith::ExtFOp, arith::TruncFOp>(def))
      break;
    value = def->getOperand(0);
  }
  return value;
}

/// Whether the body of `op` is `yield(out + cast(cast(x) * cast(w)))`
/// (either order) with `w` the block argument of input `wInput` and `x` the
/// other input's, each reaching the product through casts only and `w`'s
/// casts used by nothing else: the result is then linear in w (and in the
/// output's initial value only through the addition), and a factor of w can
/// be moved to the output.
bool isLinearContractionIn(linalg::LinalgOp op, unsigned wInput) {
  Block *body = op.getBlock();
  auto yield = dyn_cast<linalg::YieldOp>(body->getTerminator());
  if (!yield || yield.getNumOperands() != 1)
    return false;
  auto add = yield.getOperand(0).getDefiningOp<arith::AddFOp>();
  if (!add)
    return false;
  BlockArgument out = op.getMatchingBlockArgument(op.getDpsInitOperand(0));
  BlockArgument w = body->getArgument(wInput);
  Value product;
  if (add.getLhs() == out)
    product = add.getRhs();
  else if (add.getRhs() == out)
    product = add.getLhs();
  else
    return false;
  auto mul = skipCasts(product).getDefiningOp<arith::MulFOp>();
  if (!mul)
    return false;
  // w reaches the product through casts that nothing else uses, and only
  // one side of it.
  Value cur = w;
  while (cur.hasOneUse() &&
         isa<arith::ExtFOp, arith::TruncFOp>(*cur.getUsers().begin()))
    cur = cur.getUsers().begin()->getResult(0);
  if (!cur.hasOneUse() || *cur.getUsers().begin() != mul.getOperation())
    return false;
  // The other factor is the other input, not the output (out + out * w is
  // not linear in w once out is scaled) nor anything computed from it.
  unsigned xInput = wInput == 0 ? 1 : 0;
  BlockArgument x = body->getArgument(xInput);
  Value lhs = skipCasts(mul.getLhs()), rhs = skipCasts(mul.getRhs());
  return (lhs == w && rhs == x) || (lhs == x && rhs == w);
}

/// Whether `value` is a tensor filled with zeros by linalg.fill.
bool isZeroFilled(Value value) {
  auto fill = value.getDefiningOp<linalg::FillOp>();
  return fill && matchPattern(fill.getInputs()[0], m_AnyZeroFloat());
}

/// How one contraction consumes a weight norm's w: `consumer` reads it
/// (directly, or through `transpose`) as input `input`, with `wMap` from the
/// consumer's loops to w's dimensions; `outputDim` is the output dimension
/// walked by the loop that walks w's `dim` (none for the whole-tensor norm).
struct FusionPlan {
  linalg::LinalgOp consumer;
  linalg::TransposeOp transpose;
  unsigned input;
  AffineMap wMap;
  std::optional<unsigned> outputDim;
};

/// Plans the fusion of `weightNorm` into the op using its w through `use`:
/// fails unless that op is a two-input contraction on tensors, linear in w,
/// summing over every dimension of w but `dim` and keeping `dim` in its
/// output.
FailureOr<FusionPlan> planFusion(WeightNormOp weightNorm, OpOperand &use) {
  Operation *user = use.getOwner();
  linalg::TransposeOp transpose;
  OpOperand *operand = &use;
  if ((transpose = dyn_cast<linalg::TransposeOp>(user))) {
    // w must be what is transposed, not the transpose's destination.
    if (!transpose.hasPureTensorSemantics() || !transpose.isDpsInput(&use) ||
        !transpose->getResult(0).hasOneUse())
      return failure();
    operand = &*transpose->getResult(0).getUses().begin();
    user = operand->getOwner();
  }
  auto op = dyn_cast<linalg::LinalgOp>(user);
  if (!op || !op.hasPureTensorSemantics() || op.getNumDpsInits() != 1 ||
      op.getNumDpsInputs() != 2 || op->getNumResults() != 1 ||
      !op.isDpsInput(operand))
    return failure();
  // w (or its transpose) in one input only: w @ w^T is no weight use.
  if (op.getDpsInputOperand(0)->get() == op.getDpsInputOperand(1)->get())
    return failure();
  unsigned input = operand->getOperandNumber();
  if (!isLinearContractionIn(op, input))
    return failure();
  // The contraction sums x * v over unnormalized v before scaling: in an
  // f16 or bf16 accumulator that can overflow (or underflow) where the sum
  // of x * w would not. Only f32 and wider accumulators are fused.
  Type outElement = getElementTypeOrSelf(op.getDpsInitOperand(0)->get());
  if (!isa<FloatType>(outElement) || outElement.getIntOrFloatBitWidth() < 32)
    return failure();

  AffineMap map = op.getMatchingIndexingMap(operand);
  if (transpose) {
    // t[i] = w[.. perm[i] ..]: w's dimension perm[i] is read at t's index i.
    ArrayRef<int64_t> perm = transpose.getPermutation();
    SmallVector<AffineExpr> results(perm.size());
    for (auto [i, p] : llvm::enumerate(perm))
      results[p] = map.getResult(i);
    map = AffineMap::get(map.getNumDims(), map.getNumSymbols(), results,
                         op.getContext());
  }
  FusionPlan plan{op, transpose, input, map, std::nullopt};
  std::optional<int64_t> dim = weightNorm.getNormalizedDim();
  if (!dim)
    return plan;
  // The loop walking dim must be parallel and appear in the output.
  AffineMap outMap = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  auto loop = dyn_cast<AffineDimExpr>(map.getResult(*dim));
  if (!loop || !outMap.isProjectedPermutation() ||
      op.getIteratorTypesArray()[loop.getPosition()] !=
          utils::IteratorType::parallel)
    return failure();
  plan.outputDim = outMap.getResultPosition(loop);
  if (!plan.outputDim)
    return failure();
  return plan;
}

/// Rewrites the consumer of `plan` to run on v and scale its output by
/// `scale` (g's shape, accumulation type).
void fuseInto(PatternRewriter &rewriter, const FusionPlan &plan, Value v,
              WeightNormScaleOp scale) {
  linalg::LinalgOp op = plan.consumer;
  Location loc = op.getLoc();
  MLIRContext *ctx = op.getContext();
  rewriter.setInsertionPoint(op);

  // The contraction on v, into zeros (or into its own destination when that
  // is all zeros already).
  OpOperand *init = op.getDpsInitOperand(0);
  Value out = init->get();
  auto outType = cast<RankedTensorType>(out.getType());
  Type outElement = outType.getElementType();
  bool zeroInit = isZeroFilled(out);
  Value accInit = out;
  if (!zeroInit) {
    Value empty = tensor::EmptyOp::create(
        rewriter, loc, tensor::getMixedSizes(rewriter, loc, out), outElement);
    Value zero = arith::ConstantOp::create(rewriter, loc,
                                           rewriter.getZeroAttr(outElement));
    accInit = linalg::FillOp::create(rewriter, loc, zero, empty).result();
  }
  Value acc;
  if (!plan.transpose) {
    SmallVector<Value> operands(op->getOperands());
    operands[plan.input] = v;
    operands[init->getOperandNumber()] = accInit;
    acc = mlir::clone(rewriter, op, {outType}, operands)->getResult(0);
  } else {
    // The transpose goes into the indexing map of a linalg.generic.
    SmallVector<AffineMap> maps = op.getIndexingMapsArray();
    maps[plan.input] = plan.wMap;
    SmallVector<Value> inputs = op.getDpsInputs();
    inputs[plan.input] = v;
    auto generic = linalg::GenericOp::create(rewriter, loc, TypeRange{outType},
                                             inputs, ValueRange{accInit}, maps,
                                             op.getIteratorTypesArray());
    rewriter.cloneRegionBefore(op->getRegion(0), generic.getRegion(),
                               generic.getRegion().begin());
    acc = generic.getResult(0);
  }

  // y = [init +] acc * s per output element, computed in the wider of the
  // output and scale types and rounded once to the output type, written
  // over acc (ins: acc, s[, init or the tensor it is broadcast from]; outs:
  // acc). The payload never reads its output argument: elementwise fusion
  // with the ops that consume y then leaves no extra result behind (linalg
  // keeps a producer's result whose output argument its payload reads, and
  // that result and the destination it needs cost a pass over the output
  // each: 17% of a Conv1d of 32 channels over 8192 frames).
  int64_t outRank = outType.getRank();
  AffineMap identity = AffineMap::getMultiDimIdentityMap(outRank, ctx);
  AffineMap scaleMap = cast<WeightNormInterface>(scale.getOperation())
                           .getGIndexingMap(outRank, plan.outputDim);
  Type accType =
      cast<ShapedType>(scale.getScaleResult().getType()).getElementType();
  Type wide =
      outElement.getIntOrFloatBitWidth() >= accType.getIntOrFloatBitWidth()
          ? outElement
          : accType;
  SmallVector<Value> inputs = {acc, scale.getScaleResult()};
  SmallVector<AffineMap> maps = {identity, scaleMap};
  if (!zeroInit) {
    // A destination broadcast from a smaller tensor (a bias) is read from
    // that tensor, not materialized.
    Value init = out;
    AffineMap initMap = identity;
    if (auto broadcast = out.getDefiningOp<linalg::BroadcastOp>()) {
      init = broadcast.getInput();
      SmallVector<AffineExpr> kept;
      for (int64_t d = 0; d < outRank; ++d)
        if (!llvm::is_contained(broadcast.getDimensions(), d))
          kept.push_back(rewriter.getAffineDimExpr(d));
      initMap = AffineMap::get(outRank, 0, kept, ctx);
    }
    inputs.push_back(init);
    maps.push_back(initMap);
  }
  maps.push_back(identity);
  auto epilogue = linalg::GenericOp::create(
      rewriter, loc, TypeRange{outType}, inputs, ValueRange{acc}, maps,
      SmallVector<utils::IteratorType>(outRank, utils::IteratorType::parallel),
      [&](OpBuilder &b, Location l, ValueRange args) {
        auto convert = [&](Value x, Type type) -> Value {
          if (x.getType() == type)
            return x;
          if (x.getType().getIntOrFloatBitWidth() <
              type.getIntOrFloatBitWidth())
            return arith::ExtFOp::create(b, l, type, x);
          return arith::TruncFOp::create(b, l, type, x);
        };
        Value y = arith::MulFOp::create(b, l, convert(args[0], wide),
                                        convert(args[1], wide));
        if (!zeroInit)
          y = arith::AddFOp::create(b, l, convert(args[2], wide), y);
        linalg::YieldOp::create(b, l, convert(y, outElement));
      });
  rewriter.replaceOp(op, epilogue.getResults());
  if (plan.transpose)
    rewriter.eraseOp(plan.transpose);
}

/// weight_norm(v, g) consumed only by contractions over its output channels
/// -> each contraction on v, its output scaled by one
/// weight_norm_scale(v, g) (see the file comment).
struct FuseWeightNormIntoContractions final : OpRewritePattern<WeightNormOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(WeightNormOp weightNorm,
                                PatternRewriter &rewriter) const override {
    if (!weightNorm.hasPureTensorSemantics())
      return rewriter.notifyMatchFailure(weightNorm, "buffer semantics");
    if (Value norm = weightNorm.getNormResult(); norm && !norm.use_empty())
      return rewriter.notifyMatchFailure(weightNorm, "the norm is used");
    Value w = weightNorm.getWResult();
    if (w.use_empty())
      return rewriter.notifyMatchFailure(weightNorm, "w is unused");
    SmallVector<FusionPlan> plans;
    for (OpOperand &use : w.getUses()) {
      FailureOr<FusionPlan> plan = planFusion(weightNorm, use);
      if (failed(plan))
        return rewriter.notifyMatchFailure(
            use.getOwner(), "a user of w is not a contraction over its "
                            "output channels");
      plans.push_back(*plan);
    }
    // Two uses in one consumer (e.g. both inputs) cannot both be replaced.
    for (auto [i, plan] : llvm::enumerate(plans))
      for (const FusionPlan &other : ArrayRef(plans).drop_front(i + 1))
        if (other.consumer == plan.consumer)
          return rewriter.notifyMatchFailure(weightNorm, "w used twice");

    // s = g / ||v||, in g's layout and the accumulation type, where w was.
    Location loc = weightNorm.getLoc();
    Value g = weightNorm.getG();
    rewriter.setInsertionPoint(weightNorm);
    Value scaleInit = tensor::EmptyOp::create(
        rewriter, loc, tensor::getMixedSizes(rewriter, loc, g),
        weightNorm.getAccumulationType());
    std::optional<double> eps;
    if (FloatAttr epsAttr = weightNorm.getEpsAttr())
      eps = epsAttr.getValueAsDouble();
    auto scale = WeightNormScaleOp::create(rewriter, loc, weightNorm.getV(), g,
                                           scaleInit,
                                           weightNorm.getNormalizedDim(), eps);
    for (const FusionPlan &plan : plans)
      fuseInto(rewriter, plan, weightNorm.getV(), scale);
    rewriter.eraseOp(weightNorm);
    return success();
  }
};

struct WNFuseIntoConsumersPass final
    : wn::impl::WNFuseIntoConsumersPassBase<WNFuseIntoConsumersPass> {
  using Base::Base;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateWNFuseIntoConsumersPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace

void mlir::wn::populateWNFuseIntoConsumersPatterns(
    RewritePatternSet &patterns) {
  patterns.add<FuseWeightNormIntoContractions>(patterns.getContext());
}
