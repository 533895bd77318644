//===- FuseIntoConsumers.cpp - weight norms folded into contractions ------===//
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
#include "wn/Transforms/Passes.h"

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
#include "wn/Transforms/Passes.h.inc"
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

/// Whether the body of `op` is `yield(out + cast(cast(a) * cast(b)))` with
/// `b` (or `a`) the block argument of input `wInput` reached only through
/// casts, and nothing else depending on it: the result is then linear in
/// that input, and a factor of it can be moved to the output.
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
  return skipCasts(mul.getLhs()) != skipCasts(mul.getRhs());
}

/// Whether `value` is a tensor filled with zeros by linalg.fill.
bool isZeroFilled(Value value) {
  auto fill = value.getDefiningOp<linalg::FillOp>();
  return fill && matchPattern(fill.getInputs()[0], m_AnyZeroFloat());
}

/// A weight norm's w feeding input `input` of a contraction, directly or
/// through a linalg.transpose, and the indexing map from the contraction's
/// loops to w's dimensions.
struct WeightUse {
  WeightNormOp weightNorm;
  linalg::TransposeOp transpose;
  unsigned input;
  AffineMap wMap;
};

/// Finds an input of `op` that is the w of a tensor wn.weight_norm used by
/// `op` alone (possibly through a transpose used by `op` alone), whose norm
/// result is unused.
std::optional<WeightUse> findWeightUse(linalg::LinalgOp op) {
  for (OpOperand *operand : op.getDpsInputOperands()) {
    Value value = operand->get();
    AffineMap map = op.getMatchingIndexingMap(operand);
    linalg::TransposeOp transpose;
    if ((transpose = value.getDefiningOp<linalg::TransposeOp>())) {
      if (!transpose->hasOneUse())
        continue;
      // t[i] = w[.. perm[i] ..]: w's dimension perm[i] is read at t's
      // index i.
      ArrayRef<int64_t> perm = transpose.getPermutation();
      SmallVector<AffineExpr> results(perm.size());
      for (auto [i, p] : llvm::enumerate(perm))
        results[p] = map.getResult(i);
      map = AffineMap::get(map.getNumDims(), map.getNumSymbols(), results,
                           op.getContext());
      value = transpose.getInput();
    }
    auto weightNorm = value.getDefiningOp<WeightNormOp>();
    if (!weightNorm || !weightNorm.hasPureTensorSemantics() ||
        !weightNorm.getWResult().hasOneUse() ||
        (weightNorm.getNormResult() && !weightNorm.getNormResult().use_empty()))
      continue;
    return WeightUse{weightNorm, transpose, operand->getOperandNumber(), map};
  }
  return std::nullopt;
}

/// consumer(x, weight_norm(v, g)) -> consumer(x, v) * weight_norm_scale(v, g)
/// per output channel (see the file comment).
struct FuseWeightNormIntoContraction final
    : OpInterfaceRewritePattern<linalg::LinalgOp> {
  using OpInterfaceRewritePattern::OpInterfaceRewritePattern;

  LogicalResult matchAndRewrite(linalg::LinalgOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureTensorSemantics() || op.getNumDpsInits() != 1 ||
        op.getNumDpsInputs() != 2 || op->getNumResults() != 1)
      return rewriter.notifyMatchFailure(op, "not a two-input contraction");
    std::optional<WeightUse> use = findWeightUse(op);
    if (!use)
      return rewriter.notifyMatchFailure(op, "no weight norm input");
    if (!isLinearContractionIn(op, use->input))
      return rewriter.notifyMatchFailure(op, "body not linear in the weight");
    WeightNormOp weightNorm = use->weightNorm;

    // The output position of the loop walking dim, which must be parallel.
    OpOperand *init = op.getDpsInitOperand(0);
    AffineMap outMap = op.getMatchingIndexingMap(init);
    if (!outMap.isProjectedPermutation())
      return rewriter.notifyMatchFailure(op, "output map not a projection");
    std::optional<unsigned> outputDim;
    if (std::optional<int64_t> dim = weightNorm.getNormalizedDim()) {
      auto loop = dyn_cast<AffineDimExpr>(use->wMap.getResult(*dim));
      if (!loop)
        return rewriter.notifyMatchFailure(op, "dim not read by a loop");
      if (op.getIteratorTypesArray()[loop.getPosition()] !=
          utils::IteratorType::parallel)
        return rewriter.notifyMatchFailure(op, "dim is contracted");
      std::optional<unsigned> position =
          outMap.getResultPosition(getAffineDimExpr(loop.getPosition(),
                                                    op.getContext()));
      if (!position)
        return rewriter.notifyMatchFailure(op, "dim not in the output");
      outputDim = *position;
    }

    Location loc = op.getLoc();
    Value v = weightNorm.getV();
    Value g = weightNorm.getG();

    // s = g / ||v||, in g's layout and the accumulation type.
    rewriter.setInsertionPoint(op);
    Type accType = weightNorm.getAccumulationType();
    Value scaleInit = tensor::EmptyOp::create(
        rewriter, loc, tensor::getMixedSizes(rewriter, loc, g), accType);
    std::optional<double> eps;
    if (FloatAttr epsAttr = weightNorm.getEpsAttr())
      eps = epsAttr.getValueAsDouble();
    auto scaleOp = WeightNormScaleOp::create(
        rewriter, loc, v, g, scaleInit, weightNorm.getNormalizedDim(), eps);

    // The contraction on v, into zeros (or into its own destination when
    // that is all zeros already).
    Value out = init->get();
    auto outType = cast<RankedTensorType>(out.getType());
    bool zeroInit = isZeroFilled(out);
    Value accInit = out;
    if (!zeroInit) {
      Value empty = tensor::EmptyOp::create(
          rewriter, loc, tensor::getMixedSizes(rewriter, loc, out),
          outType.getElementType());
      Value zero = arith::ConstantOp::create(
          rewriter, loc, rewriter.getZeroAttr(outType.getElementType()));
      accInit = linalg::FillOp::create(rewriter, loc, zero, empty).result();
    }
    Value acc;
    if (!use->transpose) {
      SmallVector<Value> operands(op->getOperands());
      operands[use->input] = v;
      operands[init->getOperandNumber()] = accInit;
      acc = mlir::clone(rewriter, op, {outType}, operands)->getResult(0);
    } else {
      // The transpose goes into the indexing map of a linalg.generic.
      SmallVector<AffineMap> maps = op.getIndexingMapsArray();
      maps[use->input] = use->wMap;
      SmallVector<Value> inputs = op.getDpsInputs();
      inputs[use->input] = v;
      auto generic = linalg::GenericOp::create(
          rewriter, loc, TypeRange{outType}, inputs, ValueRange{accInit},
          maps, op.getIteratorTypesArray());
      rewriter.cloneRegionBefore(op->getRegion(0), generic.getRegion(),
                                 generic.getRegion().begin());
      acc = generic.getResult(0);
    }

    // y = [init +] acc * s, per output element; computed in the wider of the
    // output and scale types, rounded once to the output type.
    int64_t outRank = outType.getRank();
    MLIRContext *ctx = op.getContext();
    AffineMap identity = AffineMap::getMultiDimIdentityMap(outRank, ctx);
    AffineMap scaleMap = cast<WeightNormInterface>(scaleOp.getOperation())
                             .getGIndexingMap(outRank, outputDim);
    Type outElement = outType.getElementType();
    Type wide = outElement.getIntOrFloatBitWidth() >=
                        accType.getIntOrFloatBitWidth()
                    ? outElement
                    : accType;
    // With a zero destination the contraction's result is scaled in place
    // (ins: s; outs: acc), else added to the destination (ins: acc, s;
    // outs: init).
    SmallVector<Value> inputs = {scaleOp.getScaleResult()};
    SmallVector<AffineMap> maps = {scaleMap, identity};
    if (!zeroInit) {
      inputs.insert(inputs.begin(), acc);
      maps.insert(maps.begin(), identity);
    }
    Value dest = zeroInit ? acc : out;
    auto epilogue = linalg::GenericOp::create(
        rewriter, loc, TypeRange{outType}, inputs, ValueRange{dest}, maps,
        SmallVector<utils::IteratorType>(outRank,
                                         utils::IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange args) {
          auto convert = [&](Value x, Type type) -> Value {
            unsigned from = x.getType().getIntOrFloatBitWidth();
            unsigned to = type.getIntOrFloatBitWidth();
            if (x.getType() == type)
              return x;
            if (from < to)
              return arith::ExtFOp::create(b, l, type, x);
            return arith::TruncFOp::create(b, l, type, x);
          };
          Value product = zeroInit ? args[1] : args[0];
          Value scale = zeroInit ? args[0] : args[1];
          Value y = arith::MulFOp::create(b, l, convert(product, wide),
                                          convert(scale, wide));
          if (!zeroInit)
            y = arith::AddFOp::create(b, l, convert(args[2], wide), y);
          linalg::YieldOp::create(b, l, convert(y, outElement));
        });
    rewriter.replaceOp(op, epilogue.getResults());
    if (use->transpose)
      rewriter.eraseOp(use->transpose);
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
  patterns.add<FuseWeightNormIntoContraction>(patterns.getContext());
}
