//===- WNOps.cpp - wn dialect operations ----------------------------------===//
//
// wn.weight_norm: shape rules, verifier, decomposition into linalg and the
// TilingInterface implementation.
//
//===----------------------------------------------------------------------===//

#include "wn/Dialect/WN/IR/WNOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/Interfaces/ValueBoundsOpInterface.h"

#include <cmath>

using namespace mlir;
using namespace mlir::wn;

//===----------------------------------------------------------------------===//
// Shape rules shared by every wn pass
//===----------------------------------------------------------------------===//

bool mlir::wn::isSupportedElementType(Type type) {
  return type.isF16() || type.isBF16() || type.isF32() || type.isF64();
}

FloatType mlir::wn::getAccumulationType(Type elementType) {
  assert(isSupportedElementType(elementType) &&
         "weight norm element type must be f16, bf16, f32 or f64");
  if (elementType.isF16() || elementType.isBF16())
    return Float32Type::get(elementType.getContext());
  return cast<FloatType>(elementType);
}

FloatType mlir::wn::getComputeType(Type elementType) {
  assert(isSupportedElementType(elementType) &&
         "weight norm element type must be f16, bf16, f32 or f64");
  MLIRContext *ctx = elementType.getContext();
  if (elementType.isF16() || elementType.isBF16())
    return Float32Type::get(ctx);
  return Float64Type::get(ctx);
}

bool mlir::wn::needsDoubleDouble(Type elementType) {
  return elementType.isF64();
}

std::optional<int64_t> mlir::wn::normalizeDim(int64_t dim, int64_t rank) {
  if (dim < -rank || dim >= rank)
    return std::nullopt;
  return dim < 0 ? dim + rank : dim;
}

/// Formats a possibly dynamic size for a diagnostic.
static std::string formatSize(int64_t size) {
  return ShapedType::isDynamic(size) ? std::string("?") : std::to_string(size);
}

FailureOr<GLayout>
mlir::wn::classifyGLayout(RankedTensorType vType, RankedTensorType gType,
                          std::optional<int64_t> normDim,
                          function_ref<InFlightDiagnostic()> emitError) {
  int64_t vRank = vType.getRank();
  int64_t gRank = gType.getRank();
  ArrayRef<int64_t> gShape = gType.getShape();

  // Reports `g` dimension `i` having the wrong size.
  auto sizeError = [&](int64_t i, StringRef expected,
                       StringRef why) -> FailureOr<GLayout> {
    if (emitError)
      emitError() << "g dimension " << i << " has size "
                  << formatSize(gShape[i]) << " but expected " << expected
                  << " (" << why << ")";
    return failure();
  };
  // Sizes are compatible when equal or when either is dynamic.
  auto compatible = [](int64_t a, int64_t b) {
    return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
  };

  if (!normDim) {
    if (gRank != 0 && gRank != 1 && gRank != vRank) {
      if (emitError)
        emitError() << "g of a whole-tensor norm must be 0-d or have rank 1 "
                    << "or " << vRank << " (v's rank) with every size 1, "
                    << "but has rank " << gRank;
      return failure();
    }
    for (int64_t i = 0; i < gRank; ++i)
      if (gShape[i] != 1)
        return sizeError(i, "1", "whole-tensor norm");
    return GLayout::Scalar;
  }

  int64_t d = *normDim;
  int64_t normCount = vType.getDimSize(d);
  std::string expectedCount = formatSize(normCount);
  std::string why = "v.shape[" + std::to_string(d) + "]";
  if (gRank == vRank) {
    for (int64_t i = 0; i < gRank; ++i) {
      if (i == d) {
        if (!compatible(gShape[i], normCount))
          return sizeError(i, expectedCount, why);
        continue;
      }
      if (gShape[i] != 1)
        return sizeError(i, "1", "only dim " + std::to_string(d) +
                                     " may differ from 1");
    }
    return GLayout::Keepdim;
  }
  if (gRank == 1) {
    if (!compatible(gShape[0], normCount))
      return sizeError(0, expectedCount, why + ", flat layout");
    return GLayout::Flat;
  }
  if (emitError)
    emitError() << "g must have rank " << vRank
                << " (v's rank, size 1 except dim " << d
                << ") or rank 1 (flat, " << expectedCount
                << " elements), but has rank " << gRank;
  return failure();
}

//===----------------------------------------------------------------------===//
// WeightNormOp
//===----------------------------------------------------------------------===//

void WeightNormOp::build(OpBuilder &builder, OperationState &state, Value v,
                         Value g, Value init, std::optional<int64_t> dim,
                         std::optional<double> eps, Value normInit) {
  IntegerAttr dimAttr = dim ? builder.getI64IntegerAttr(*dim) : IntegerAttr();
  FloatAttr epsAttr = eps ? builder.getF64FloatAttr(*eps) : FloatAttr();
  Type normType = normInit ? normInit.getType() : Type();
  build(builder, state, init.getType(), normType, v, g, init, normInit,
        dimAttr, epsAttr);
}

std::optional<int64_t> WeightNormOp::getNormalizedDim() {
  IntegerAttr dimAttr = getDimAttr();
  if (!dimAttr)
    return std::nullopt;
  std::optional<int64_t> dim = normalizeDim(dimAttr.getInt(), getRank());
  assert(dim && "normalized dim of an unverified weight norm");
  return dim;
}

Type WeightNormOp::getAccumulationType() {
  return wn::getAccumulationType(getVType().getElementType());
}

Type WeightNormOp::getComputeType() {
  return wn::getComputeType(getVType().getElementType());
}

RankedTensorType WeightNormOp::getExpectedNormType() {
  return RankedTensorType::get(getGType().getShape(), getAccumulationType());
}

std::optional<APFloat> WeightNormOp::getEpsInAccumulationType() {
  FloatAttr epsAttr = getEpsAttr();
  if (!epsAttr)
    return std::nullopt;
  APFloat eps = epsAttr.getValue();
  bool losesInfo = false;
  eps.convert(cast<FloatType>(getAccumulationType()).getFloatSemantics(),
              APFloat::rmNearestTiesToEven, &losesInfo);
  return eps;
}

GLayout WeightNormOp::getGLayout() {
  FailureOr<GLayout> layout =
      classifyGLayout(getVType(), getGType(), getNormalizedDim());
  assert(succeeded(layout) && "g layout of an unverified weight norm");
  return *layout;
}

std::optional<int64_t> WeightNormOp::getGDimAlongDim() {
  std::optional<int64_t> dim = getNormalizedDim();
  if (!dim)
    return std::nullopt;
  return getGLayout() == GLayout::Flat ? 0 : *dim;
}

AffineMap WeightNormOp::getGIndexingMap(unsigned numLoops,
                                        std::optional<unsigned> normLoop) {
  MLIRContext *ctx = getContext();
  int64_t gRank = getGType().getRank();
  AffineExpr zero = getAffineConstantExpr(0, ctx);
  SmallVector<AffineExpr> results(gRank, zero);
  std::optional<int64_t> gDim = getGDimAlongDim();
  assert(gDim.has_value() == normLoop.has_value() &&
         "a loop walks dim exactly when the norm has a dim");
  if (gDim)
    results[*gDim] = getAffineDimExpr(*normLoop, ctx);
  return AffineMap::get(numLoops, /*symbolCount=*/0, results, ctx);
}

LogicalResult WeightNormOp::verify() {
  RankedTensorType vType = getVType();
  RankedTensorType gType = getGType();
  Type elementType = vType.getElementType();

  if (vType.getRank() < 1)
    return emitOpError("v must have rank at least 1, but has rank 0");
  if (!isSupportedElementType(elementType))
    return emitOpError("v element type ")
           << elementType << " is not supported; expected f16, bf16, f32 "
           << "or f64";
  if (gType.getElementType() != elementType)
    return emitOpError("g element type ")
           << gType.getElementType() << " does not match v element type "
           << elementType;
  if (getInit().getType() != vType)
    return emitOpError("init type ")
           << getInit().getType() << " does not match v type " << vType;
  if (getResult().getType() != vType)
    return emitOpError("result type ")
           << getResult().getType() << " does not match v type " << vType;

  // The norm result comes with its destination, g's shape in the
  // accumulation type.
  Value normInit = getNormInit();
  Value norm = getNorm();
  if (static_cast<bool>(normInit) != static_cast<bool>(norm))
    return emitOpError("a norm result needs a norm_init destination and vice "
                       "versa, but there is ")
           << (normInit ? "a norm_init and no norm result"
                        : "a norm result and no norm_init");
  if (normInit) {
    RankedTensorType expected = RankedTensorType::get(
        gType.getShape(), wn::getAccumulationType(elementType));
    if (normInit.getType() != expected)
      return emitOpError("norm_init type ")
             << normInit.getType() << " does not match " << expected
             << " (g's shape in the accumulation type)";
    if (norm.getType() != expected)
      return emitOpError("norm result type ")
             << norm.getType() << " does not match " << expected
             << " (g's shape in the accumulation type)";
  }

  // eps must be a positive finite number in the accumulation type.
  if (FloatAttr epsAttr = getEpsAttr()) {
    double eps = epsAttr.getValueAsDouble();
    if (!(eps > 0.0) || !std::isfinite(eps))
      return emitOpError("eps must be positive and finite, but is ") << eps;
    std::optional<APFloat> accEps = getEpsInAccumulationType();
    Type accType = getAccumulationType();
    if (accEps->isZero())
      return emitOpError("eps ")
             << eps << " underflows to 0 in the accumulation type " << accType;
    if (accEps->isInfinity())
      return emitOpError("eps ")
             << eps << " overflows to infinity in the accumulation type "
             << accType;
  }

  std::optional<int64_t> normDim;
  if (IntegerAttr dimAttr = getDimAttr()) {
    int64_t rank = vType.getRank();
    normDim = normalizeDim(dimAttr.getInt(), rank);
    if (!normDim)
      return emitOpError("dim ")
             << dimAttr.getInt() << " is out of range for v of rank " << rank
             << "; expected " << -rank << " <= dim < " << rank;
  }
  return classifyGLayout(vType, gType, normDim,
                         [&]() { return emitOpError(); });
}

LogicalResult WeightNormOp::reifyResultShapes(
    OpBuilder &b, ReifiedRankedShapedTypeDims &reifiedReturnShapes) {
  for (Value init : getDpsInits())
    reifiedReturnShapes.push_back(tensor::getMixedSizes(b, getLoc(), init));
  return success();
}

//===----------------------------------------------------------------------===//
// AggregatedOpInterface
//===----------------------------------------------------------------------===//

/// Widens `x` to `type` when they differ.
static Value extendTo(OpBuilder &b, Location loc, Value x, Type type) {
  if (x.getType() == type)
    return x;
  return arith::ExtFOp::create(b, loc, type, x);
}

/// Rounds `x` to `type` when they differ.
static Value truncateTo(OpBuilder &b, Location loc, Value x, Type type) {
  if (x.getType() == type)
    return x;
  return arith::TruncFOp::create(b, loc, type, x);
}

/// Reassociation that collapses a g-shaped tensor (g's layout) to the
/// norm-shaped domain: [v.shape[dim]] with a dim, 0-d without. Empty when no
/// reshape is needed.
static std::optional<SmallVector<ReassociationIndices>>
getGToNormReassociation(GLayout layout, int64_t gRank) {
  if (layout == GLayout::Flat || gRank == 0)
    return std::nullopt;
  if (layout == GLayout::Scalar)
    return SmallVector<ReassociationIndices>{};
  ReassociationIndices all;
  for (int64_t i = 0; i < gRank; ++i)
    all.push_back(i);
  return SmallVector<ReassociationIndices>{all};
}

namespace {
/// Builds the per-element and per-slice arithmetic of a weight norm in its
/// compute type. A sum of squares is carried as a pair (hi, lo) standing for
/// hi + lo:
/// - f16, bf16 (in f32) and f32 (in f64): Kahan's compensated summation,
///   lo holding the part of the previous updates lost to rounding;
/// - f64: double-double summation (Ogita, Rump and Oishi's Sum2): every
///   addition's exact error (TwoSum) and every square's exact error (a fused
///   multiply-add) accumulate in lo, and the per-slice norm and scale are
///   computed as double-double too.
struct WeightNormArith {
  OpBuilder &b;
  Location loc;
  Type computeType;
  bool extended;

  Value constant(double value) {
    return arith::ConstantOp::create(b, loc, computeType,
                                     b.getFloatAttr(computeType, value));
  }
  Value add(Value x, Value y) { return arith::AddFOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return arith::SubFOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulFOp::create(b, loc, x, y); }
  Value div(Value x, Value y) { return arith::DivFOp::create(b, loc, x, y); }
  Value fma(Value x, Value y, Value z) {
    return math::FmaOp::create(b, loc, x, y, z);
  }
  Value neg(Value x) { return arith::NegFOp::create(b, loc, x); }

  /// Adds x * x to the pair (hi, lo); returns the new pair.
  std::pair<Value, Value> accumulate(Value x, Value hi, Value lo) {
    Value sq = mul(x, x);
    if (!extended) {
      // Kahan: y = sq + lo; hi' = hi + y; lo' = y - (hi' - hi).
      Value y = add(sq, lo);
      Value t = add(hi, y);
      return {t, sub(y, sub(t, hi))};
    }
    // TwoSum(hi, sq) = t + err exactly; x * x = sq + e exactly.
    Value t = add(hi, sq);
    Value bv = sub(t, hi);
    Value err = add(sub(hi, sub(t, bv)), sub(sq, bv));
    Value e = fma(x, x, neg(sq));
    return {t, add(lo, add(err, e))};
  }

  /// The norm sqrt(hi + lo [+ eps]) and the scale g / norm, each as hi
  /// (and lo when extended, else null).
  struct Slice {
    Value normHi, normLo, scaleHi, scaleLo;
  };
  Slice finalize(Value sumHi, Value sumLo, Value eps, Value g) {
    if (!extended) {
      Value total = add(sumHi, sumLo);
      if (eps)
        total = add(total, eps);
      Value norm = math::SqrtOp::create(b, loc, total);
      return {norm, Value(), div(g, norm), Value()};
    }
    // Renormalize (Fast2Sum: |sumHi| >= |sumLo|).
    Value hi = add(sumHi, sumLo);
    Value lo = sub(sumLo, sub(hi, sumHi));
    if (eps) {
      // TwoSum(hi, eps), then renormalize.
      Value s = add(hi, eps);
      Value bv = sub(s, hi);
      Value err = add(sub(hi, sub(s, bv)), sub(eps, bv));
      Value l = add(lo, err);
      hi = add(s, l);
      lo = sub(l, sub(hi, s));
    }
    // sqrt(hi + lo) = r + rLo, rLo = (hi - r * r + lo) / (2 r); 0 when r = 0.
    Value r = math::SqrtOp::create(b, loc, hi);
    Value rem = add(fma(neg(r), r, hi), lo);
    Value zero = constant(0.0);
    Value positive =
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, r, zero);
    Value rLo = arith::SelectOp::create(
        b, loc, positive, div(rem, add(r, r)), zero);
    // g / (r + rLo) = q + qLo, qLo = (g - q * r - q * rLo) / r. For r = 0 it
    // is NaN, and so is every w of the (all-zero) slice, as without it.
    Value q = div(g, r);
    Value qLo = div(sub(fma(neg(q), r, g), mul(q, rLo)), r);
    return {r, rLo, q, qLo};
  }

  /// x * scale, with the low part of the scale when extended.
  Value scaleElement(Value x, Value scaleHi, Value scaleLo) {
    if (!scaleLo)
      return mul(x, scaleHi);
    return fma(x, scaleHi, mul(x, scaleLo));
  }
};
} // namespace

/// Decomposes
///   w[, norm] = weight_norm(v, g, dim) [eps]
/// into, with C the compute type (f32 for f16/bf16, f64 for f32/f64):
///   %hi0, %lo0    = linalg.fill 0, -0.0                   : [O] or 0-d, C
///   %hi, %lo      = generic(reduce all but dim)           : sum of x*x
///   %scale[, %scale_lo][, %norm] = generic(parallel)      : [O]
///       norm = sqrt((hi + lo) [+ eps]), scale = g / norm
///   %w            = generic(parallel) v * scale           : v's shape
/// Inputs are widened to C before any arithmetic and every result is rounded
/// once. The sum is compensated (Kahan) or, for f64, double-double, which
/// also carries the per-slice values (the `_lo` parts). The norm destination is collapsed to [O]
/// (or 0-d) for the scale generic and the result expanded back to g's shape.
FailureOr<SmallVector<Value>> WeightNormOp::decomposeOperation(OpBuilder &b) {
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(*this);
  Location loc = getLoc();
  MLIRContext *ctx = getContext();
  Value v = getV();
  Value g = getG();
  int64_t rank = getRank();
  Type elementType = getVType().getElementType();
  Type computeType = getComputeType();
  Type accType = getAccumulationType();
  bool extended = wn::needsDoubleDouble(elementType);
  std::optional<int64_t> dim = getNormalizedDim();

  // The norm-shaped intermediates: [v.shape[dim]] or 0-d.
  SmallVector<OpFoldResult> normSizes;
  if (dim)
    normSizes.push_back(tensor::getMixedSize(b, loc, v, *dim));
  auto emptyNormShaped = [&]() {
    return tensor::EmptyOp::create(b, loc, normSizes, computeType);
  };
  auto filled = [&](double value) {
    Value cst = arith::ConstantOp::create(b, loc, computeType,
                                          b.getFloatAttr(computeType, value));
    return linalg::FillOp::create(b, loc, cst, Value(emptyNormShaped()))
        .getResult(0);
  };
  // The low part starts at -0.0 rather than +0.0. Numerically they are the
  // same here (x + -0.0 == x for every x), but distinct fills keep CSE from
  // merging the two accumulators into one tensor that bufferization would
  // then have to copy.
  Value sumInit = filled(0.0);
  Value compInit = filled(-0.0);

  // Compensated sum of squares over every dimension but dim, as a pair
  // (hi, lo) (see WeightNormArith).
  AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, ctx);
  SmallVector<AffineExpr> normResults;
  if (dim)
    normResults.push_back(getAffineDimExpr(*dim, ctx));
  AffineMap toNorm = AffineMap::get(rank, 0, normResults, ctx);
  SmallVector<utils::IteratorType> reduceIterators(
      rank, utils::IteratorType::reduction);
  if (dim)
    reduceIterators[*dim] = utils::IteratorType::parallel;
  auto sumOp = linalg::GenericOp::create(
      b, loc, TypeRange{sumInit.getType(), compInit.getType()}, ValueRange{v},
      ValueRange{sumInit, compInit},
      ArrayRef<AffineMap>{identity, toNorm, toNorm}, reduceIterators,
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        WeightNormArith ops{nb, nl, computeType, extended};
        Value x = extendTo(nb, nl, args[0], computeType);
        auto [sum, comp] = ops.accumulate(x, args[1], args[2]);
        linalg::YieldOp::create(nb, nl, ValueRange{sum, comp});
      });

  // Per-slice norm and scale over the norm-shaped domain: outputs scale,
  // then scale_lo (extended), then the norm result (with a norm_init).
  unsigned normLoops = dim ? 1 : 0;
  std::optional<unsigned> normLoop =
      dim ? std::optional<unsigned>(0) : std::nullopt;
  AffineMap normIdentity = AffineMap::getMultiDimIdentityMap(normLoops, ctx);
  AffineMap gMap = getGIndexingMap(normLoops, normLoop);
  SmallVector<Value> scaleOutputs = {emptyNormShaped()};
  if (extended)
    scaleOutputs.push_back(emptyNormShaped());
  std::optional<SmallVector<ReassociationIndices>> gToNorm =
      getGToNormReassociation(getGLayout(), getGType().getRank());
  bool withNorm = static_cast<bool>(getNormInit());
  if (withNorm) {
    Value normInit = getNormInit();
    if (gToNorm)
      normInit = tensor::CollapseShapeOp::create(b, loc, normInit, *gToNorm);
    scaleOutputs.push_back(normInit);
  }
  SmallVector<AffineMap> scaleMaps = {normIdentity, normIdentity, gMap};
  scaleMaps.append(scaleOutputs.size(), normIdentity);
  // eps is rounded to the accumulation type first: its value does not depend
  // on the compute type.
  std::optional<APFloat> eps = getEpsInAccumulationType();
  auto scaleOp = linalg::GenericOp::create(
      b, loc, ValueRange(scaleOutputs).getTypes(),
      ValueRange{sumOp.getResult(0), sumOp.getResult(1), g}, scaleOutputs,
      scaleMaps,
      SmallVector<utils::IteratorType>(normLoops,
                                       utils::IteratorType::parallel),
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        WeightNormArith ops{nb, nl, computeType, extended};
        Value epsValue;
        if (eps)
          epsValue = extendTo(nb, nl,
                              arith::ConstantOp::create(
                                  nb, nl, accType,
                                  nb.getFloatAttr(accType, *eps)),
                              computeType);
        Value gc = extendTo(nb, nl, args[2], computeType);
        WeightNormArith::Slice slice =
            ops.finalize(args[0], args[1], epsValue, gc);
        SmallVector<Value> yields = {slice.scaleHi};
        if (extended)
          yields.push_back(slice.scaleLo);
        if (withNorm) {
          Value norm = extended ? ops.add(slice.normHi, slice.normLo)
                                : slice.normHi;
          yields.push_back(truncateTo(nb, nl, norm, accType));
        }
        linalg::YieldOp::create(nb, nl, yields);
      });

  // w = v * scale, rounded once to the element type.
  SmallVector<Value> wInputs = {v, scaleOp.getResult(0)};
  if (extended)
    wInputs.push_back(scaleOp.getResult(1));
  SmallVector<AffineMap> wMaps = {identity};
  wMaps.append(wInputs.size() - 1, toNorm);
  wMaps.push_back(identity);
  Value w = linalg::GenericOp::create(
                b, loc, getInit().getType(), wInputs, ValueRange{getInit()},
                wMaps,
                SmallVector<utils::IteratorType>(
                    rank, utils::IteratorType::parallel),
                [&](OpBuilder &nb, Location nl, ValueRange args) {
                  WeightNormArith ops{nb, nl, computeType, extended};
                  Value x = extendTo(nb, nl, args[0], computeType);
                  Value y = ops.scaleElement(
                      x, args[1], extended ? args[2] : Value());
                  linalg::YieldOp::create(nb, nl,
                                          truncateTo(nb, nl, y, elementType));
                })
                .getResult(0);
  SmallVector<Value> results = {w};
  if (withNorm) {
    Value norm = scaleOp.getResults().back();
    if (gToNorm)
      norm = tensor::ExpandShapeOp::create(b, loc, getNormInit().getType(),
                                           norm, *gToNorm);
    results.push_back(norm);
  }
  return results;
}

//===----------------------------------------------------------------------===//
// TilingInterface
//===----------------------------------------------------------------------===//

SmallVector<utils::IteratorType> WeightNormOp::getLoopIteratorTypes() {
  SmallVector<utils::IteratorType> iterators(getRank(),
                                             utils::IteratorType::reduction);
  if (std::optional<int64_t> dim = getNormalizedDim())
    iterators[*dim] = utils::IteratorType::parallel;
  return iterators;
}

SmallVector<Range> WeightNormOp::getIterationDomain(OpBuilder &b) {
  Location loc = getLoc();
  OpFoldResult zero = b.getIndexAttr(0);
  OpFoldResult one = b.getIndexAttr(1);
  SmallVector<Range> domain;
  for (OpFoldResult size : tensor::getMixedSizes(b, loc, getV()))
    domain.push_back(Range{zero, size, one});
  return domain;
}

/// Returns true when [offset, offset + size) provably covers the whole of
/// dimension `dim` of `shaped`.
static bool coversWholeDim(Value shaped, int64_t dim, OpFoldResult offset,
                           OpFoldResult size) {
  if (!isZeroInteger(offset))
    return false;
  FailureOr<bool> equal = ValueBoundsConstraintSet::areEqual(
      ValueBoundsConstraintSet::Variable(size),
      ValueBoundsConstraintSet::Variable(shaped, dim));
  return succeeded(equal) && *equal;
}

FailureOr<TilingResult>
WeightNormOp::getTiledImplementation(OpBuilder &b,
                                     ArrayRef<OpFoldResult> offsets,
                                     ArrayRef<OpFoldResult> sizes) {
  int64_t rank = getRank();
  assert(static_cast<int64_t>(offsets.size()) == rank &&
         static_cast<int64_t>(sizes.size()) == rank &&
         "one offset and one size per loop");
  std::optional<int64_t> dim = getNormalizedDim();
  for (int64_t i = 0; i < rank; ++i) {
    if (dim && i == *dim)
      continue;
    if (!coversWholeDim(getV(), i, offsets[i], sizes[i])) {
      InFlightDiagnostic diag = emitOpError("cannot tile reduction dimension ")
                                << i << ": every norm must see whole slices";
      if (dim)
        diag << "; only dimension " << *dim << " can be tiled";
      else
        diag << "; a whole-tensor norm cannot be tiled";
      return failure();
    }
  }

  Location loc = getLoc();
  SmallVector<OpFoldResult> strides(rank, b.getIndexAttr(1));
  auto vSlice = tensor::ExtractSliceOp::create(b, loc, getV(), offsets, sizes,
                                               strides);
  auto initSlice = tensor::ExtractSliceOp::create(b, loc, getInit(), offsets,
                                                  sizes, strides);
  SmallVector<Operation *> slices = {vSlice, initSlice};

  // g and the norm follow the tile along dim; whole-tensor ones are used as
  // they are.
  SmallVector<OpFoldResult> gOffsets, gSizes;
  getGTilePosition(b, offsets, sizes, gOffsets, gSizes);
  auto sliceLikeG = [&](Value gShaped) -> Value {
    if (!dim)
      return gShaped;
    SmallVector<OpFoldResult> gStrides(gOffsets.size(), b.getIndexAttr(1));
    auto slice = tensor::ExtractSliceOp::create(b, loc, gShaped, gOffsets,
                                                gSizes, gStrides);
    slices.push_back(slice);
    return slice;
  };
  SmallVector<Value> operands = {vSlice, sliceLikeG(getG()), initSlice};
  SmallVector<Type> resultTypes = {initSlice.getType()};
  if (Value normInit = getNormInit()) {
    operands.push_back(sliceLikeG(normInit));
    resultTypes.push_back(operands.back().getType());
  }

  Operation *tiled = mlir::clone(b, getOperation(), resultTypes, operands);
  return TilingResult{{tiled}, SmallVector<Value>(tiled->getResults()),
                      slices};
}

void WeightNormOp::getGTilePosition(OpBuilder &b,
                                    ArrayRef<OpFoldResult> offsets,
                                    ArrayRef<OpFoldResult> sizes,
                                    SmallVector<OpFoldResult> &gOffsets,
                                    SmallVector<OpFoldResult> &gSizes) {
  int64_t gRank = getGType().getRank();
  gOffsets.assign(gRank, b.getIndexAttr(0));
  gSizes.assign(gRank, b.getIndexAttr(1));
  if (std::optional<int64_t> gDim = getGDimAlongDim()) {
    int64_t dim = *getNormalizedDim();
    gOffsets[*gDim] = offsets[dim];
    gSizes[*gDim] = sizes[dim];
  }
}

LogicalResult WeightNormOp::getResultTilePosition(
    OpBuilder &b, unsigned resultNumber, ArrayRef<OpFoldResult> offsets,
    ArrayRef<OpFoldResult> sizes, SmallVector<OpFoldResult> &resultOffsets,
    SmallVector<OpFoldResult> &resultSizes) {
  assert(resultNumber < getNumResults() && "result number out of range");
  if (resultNumber == 1) {
    getGTilePosition(b, offsets, sizes, resultOffsets, resultSizes);
    return success();
  }
  resultOffsets.assign(offsets.begin(), offsets.end());
  resultSizes.assign(sizes.begin(), sizes.end());
  return success();
}

/// Produces a tile of a result. The norms need whole slices, so the tile is
/// computed over the full extent of every reduction dimension and the
/// requested part of w is extracted from it when it is smaller. A tile of
/// the norm result (g's shape) selects a range along dim only.
FailureOr<TilingResult>
WeightNormOp::generateResultTileValue(OpBuilder &b, unsigned resultNumber,
                                      ArrayRef<OpFoldResult> offsets,
                                      ArrayRef<OpFoldResult> sizes) {
  assert(resultNumber < getNumResults() && "result number out of range");
  Location loc = getLoc();
  int64_t rank = getRank();
  std::optional<int64_t> dim = getNormalizedDim();
  SmallVector<OpFoldResult> domainOffsets(rank, b.getIndexAttr(0));
  SmallVector<OpFoldResult> domainSizes =
      tensor::getMixedSizes(b, loc, getV());
  bool partial = false;
  if (resultNumber == 1) {
    if (std::optional<int64_t> gDim = getGDimAlongDim()) {
      domainOffsets[*dim] = offsets[*gDim];
      domainSizes[*dim] = sizes[*gDim];
    }
  } else {
    for (int64_t i = 0; i < rank; ++i) {
      if (dim && i == *dim) {
        domainOffsets[i] = offsets[i];
        domainSizes[i] = sizes[i];
        continue;
      }
      partial |= !coversWholeDim(getV(), i, offsets[i], sizes[i]);
    }
  }
  FailureOr<TilingResult> tiled =
      getTiledImplementation(b, domainOffsets, domainSizes);
  if (failed(tiled))
    return failure();
  Value value = tiled->tiledValues[resultNumber];
  if (partial) {
    // Offsets within the computed tile: along dim the tile already starts
    // at the requested offset.
    SmallVector<OpFoldResult> innerOffsets(offsets.begin(), offsets.end());
    if (dim)
      innerOffsets[*dim] = b.getIndexAttr(0);
    SmallVector<OpFoldResult> strides(rank, b.getIndexAttr(1));
    auto extract = tensor::ExtractSliceOp::create(b, loc, value, innerOffsets,
                                                  sizes, strides);
    tiled->generatedSlices.push_back(extract);
    value = extract;
  }
  return TilingResult{tiled->tiledOps, {value}, tiled->generatedSlices};
}

#define GET_OP_CLASSES
#include "wn/Dialect/WN/IR/WNOps.cpp.inc"
