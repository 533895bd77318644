//===- WNOps.cpp - wn dialect operations ----------------------------------===//
//
// wn.weight_norm: shape rules, verifier, decomposition into linalg and the
// TilingInterface implementation.
//
//===----------------------------------------------------------------------===//

#include "wn/Dialect/WN/IR/WNOps.h"
#include "wn/Dialect/WN/IR/WNNumerics.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/Interfaces/ValueBoundsOpInterface.h"

#include <cmath>
#include <functional>

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

Summation mlir::wn::getSummation(Type elementType) {
  assert(isSupportedElementType(elementType) &&
         "weight norm element type must be f16, bf16, f32 or f64");
  if (elementType.isF64())
    return Summation::DoubleDouble;
  if (elementType.isF32())
    return Summation::Plain;
  return Summation::Kahan;
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
mlir::wn::classifyGLayout(ShapedType vType, ShapedType gType,
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

bool mlir::wn::isCanonicalGLayout(ShapedType gType,
                                  std::optional<int64_t> normDim) {
  return gType.getRank() == (normDim ? 1 : 0);
}

std::optional<SmallVector<ReassociationIndices>>
mlir::wn::getCanonicalGReassociation(ShapedType gType,
                                     std::optional<int64_t> normDim) {
  if (isCanonicalGLayout(gType, normDim))
    return std::nullopt;
  // Whole-tensor norm: every size is 1, nothing is grouped (0-d).
  if (!normDim)
    return SmallVector<ReassociationIndices>{};
  // Keepdim: one group of every dimension.
  return SmallVector<ReassociationIndices>{
      llvm::to_vector_of<int64_t>(llvm::seq<int64_t>(0, gType.getRank()))};
}

//===----------------------------------------------------------------------===//
// WeightNormInterface: the rules both ops share
//===----------------------------------------------------------------------===//

std::optional<int64_t> mlir::wn::detail::getNormalizedDim(IntegerAttr dimAttr,
                                                          int64_t rank) {
  if (!dimAttr)
    return std::nullopt;
  std::optional<int64_t> dim = normalizeDim(dimAttr.getInt(), rank);
  assert(dim && "normalized dim of an unverified weight norm");
  return dim;
}

GLayout mlir::wn::detail::getGLayout(ShapedType vType, ShapedType gType,
                                     std::optional<int64_t> normDim) {
  FailureOr<GLayout> layout = classifyGLayout(vType, gType, normDim);
  assert(succeeded(layout) && "g layout of an unverified weight norm");
  return *layout;
}

std::optional<int64_t>
mlir::wn::detail::getGDimAlongDim(GLayout layout,
                                  std::optional<int64_t> normDim) {
  if (!normDim)
    return std::nullopt;
  return layout == GLayout::Flat ? 0 : *normDim;
}

std::optional<APFloat> mlir::wn::detail::getEpsIn(FloatAttr epsAttr,
                                                  Type accumulationType) {
  if (!epsAttr)
    return std::nullopt;
  APFloat eps = epsAttr.getValue();
  bool losesInfo = false;
  eps.convert(cast<FloatType>(accumulationType).getFloatSemantics(),
              APFloat::rmNearestTiesToEven, &losesInfo);
  return eps;
}

AffineMap mlir::wn::detail::getGIndexingMap(int64_t gRank,
                                            std::optional<int64_t> gDim,
                                            unsigned numLoops,
                                            std::optional<unsigned> normLoop,
                                            MLIRContext *ctx) {
  AffineExpr zero = getAffineConstantExpr(0, ctx);
  SmallVector<AffineExpr> results(gRank, zero);
  assert(gDim.has_value() == normLoop.has_value() &&
         "a loop walks dim exactly when the norm has a dim");
  if (gDim)
    results[*gDim] = getAffineDimExpr(*normLoop, ctx);
  return AffineMap::get(numLoops, /*symbolCount=*/0, results, ctx);
}

LogicalResult mlir::wn::detail::verifyWeightNormInterface(Operation *op) {
  auto weightNorm = cast<WeightNormInterface>(op);
  ShapedType vType = weightNorm.getVType();
  ShapedType gType = weightNorm.getGType();
  Type elementType = vType.getElementType();

  // Tensor semantics or buffer semantics, not a mix.
  bool tensors = isa<RankedTensorType>(vType);
  for (Value operand : op->getOperands())
    if (isa<RankedTensorType>(operand.getType()) != tensors)
      return op->emitOpError("v, g and the destinations must be all tensors "
                             "or all memrefs, but ")
             << (tensors ? "v is a tensor and " : "v is a memref and ")
             << "an operand has type " << operand.getType();

  if (vType.getRank() < 1)
    return op->emitOpError("v must have rank at least 1, but has rank 0");
  if (!isSupportedElementType(elementType))
    return op->emitOpError("v element type ")
           << elementType << " is not supported; expected f16, bf16, f32 "
           << "or f64";
  if (gType.getElementType() != elementType)
    return op->emitOpError("g element type ")
           << gType.getElementType() << " does not match v element type "
           << elementType;

  // eps must be a positive finite number in the accumulation type.
  if (FloatAttr epsAttr = weightNorm.getEpsAttr()) {
    Type accType = getAccumulationType(elementType);
    double eps = epsAttr.getValueAsDouble();
    if (!(eps > 0.0) || !std::isfinite(eps))
      return op->emitOpError("eps must be positive and finite, but is ")
             << eps;
    std::optional<APFloat> accEps = getEpsIn(epsAttr, accType);
    if (accEps->isZero())
      return op->emitOpError("eps ")
             << eps << " underflows to 0 in the accumulation type " << accType;
    if (accEps->isInfinity())
      return op->emitOpError("eps ")
             << eps << " overflows to infinity in the accumulation type "
             << accType;
  }

  std::optional<int64_t> normDim;
  if (IntegerAttr dimAttr = weightNorm.getDimAttr()) {
    int64_t rank = vType.getRank();
    normDim = normalizeDim(dimAttr.getInt(), rank);
    if (!normDim)
      return op->emitOpError("dim ")
             << dimAttr.getInt() << " is out of range for v of rank " << rank
             << "; expected " << -rank << " <= dim < " << rank;
  }
  return classifyGLayout(vType, gType, normDim,
                         [&]() { return op->emitOpError(); });
}

/// Whether a destination of `expected`'s shape and element type can hold a
/// result: the same type for tensors; for memrefs the same shape and element
/// type, with any layout.
static bool isDestinationFor(Type type, ShapedType expected) {
  if (isa<RankedTensorType>(type))
    return type == expected;
  auto shaped = cast<ShapedType>(type);
  return shaped.getShape() == expected.getShape() &&
         shaped.getElementType() == expected.getElementType();
}

/// g's shape in the accumulation type: the type of the norm and scale
/// results, as a tensor or a memref like v.
static ShapedType getGShapedAccumulationType(WeightNormInterface op) {
  ArrayRef<int64_t> shape = op.getGType().getShape();
  Type accType = op.getAccumulationType();
  if (isa<RankedTensorType>(op.getVType()))
    return RankedTensorType::get(shape, accType);
  return MemRefType::get(shape, accType);
}

/// Memory effects of a weight norm op: none with tensors; with memrefs, v
/// and g are read and the destinations written (entirely).
static void getWeightNormEffects(
    DestinationStyleOpInterface op,
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
        &effects) {
  if (op.hasPureTensorSemantics())
    return;
  for (OpOperand &operand : op->getOpOperands()) {
    if (!isa<MemRefType>(operand.get().getType()))
      continue;
    if (op.isDpsInit(&operand))
      effects.emplace_back(MemoryEffects::Write::get(), &operand,
                           SideEffects::DefaultResource::get());
    else
      effects.emplace_back(MemoryEffects::Read::get(), &operand,
                           SideEffects::DefaultResource::get());
  }
}

/// A weight norm op is speculatable on tensors (pure, no UB: a zero slice
/// gives NaN or infinities), not on buffers.
static Speculation::Speculatability
getWeightNormSpeculatability(DestinationStyleOpInterface op) {
  return op.hasPureTensorSemantics() ? Speculation::Speculatable
                                     : Speculation::NotSpeculatable;
}

/// Results of a destination-style op have their destinations' shapes.
static LogicalResult
reifyFromDestinations(DestinationStyleOpInterface op, OpBuilder &b,
                      ReifiedRankedShapedTypeDims &reifiedReturnShapes) {
  for (OpResult result : op->getResults())
    reifiedReturnShapes.push_back(tensor::getMixedSizes(
        b, op.getLoc(), op.getDpsInitOperand(result.getResultNumber())->get()));
  return success();
}

static IntegerAttr getDimAttrFor(OpBuilder &builder,
                                 std::optional<int64_t> dim) {
  return dim ? builder.getI64IntegerAttr(*dim) : IntegerAttr();
}
static FloatAttr getEpsAttrFor(OpBuilder &builder, std::optional<double> eps) {
  return eps ? builder.getF64FloatAttr(*eps) : FloatAttr();
}

//===----------------------------------------------------------------------===//
// WeightNormOp
//===----------------------------------------------------------------------===//

void WeightNormOp::build(OpBuilder &builder, OperationState &state, Value v,
                         Value g, Value init, std::optional<int64_t> dim,
                         std::optional<double> eps, Value normInit) {
  // Tensor semantics: one result per destination; buffer semantics: none.
  SmallVector<Type> resultTypes;
  if (isa<RankedTensorType>(init.getType())) {
    resultTypes.push_back(init.getType());
    if (normInit)
      resultTypes.push_back(normInit.getType());
  }
  build(builder, state, resultTypes, v, g, init, normInit,
        getDimAttrFor(builder, dim), getEpsAttrFor(builder, eps));
}

void WeightNormOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
        &effects) {
  getWeightNormEffects(*this, effects);
}

Speculation::Speculatability WeightNormOp::getSpeculatability() {
  return getWeightNormSpeculatability(*this);
}

void WeightNormOp::getAsmResultNames(
    function_ref<void(Value, StringRef)> setNameFn) {
  if (getNumResults() > 0)
    setNameFn(getWResult(), "w");
  if (Value norm = getNormResult())
    setNameFn(norm, "norm");
}

Value WeightNormOp::getWDestination() { return getInit(); }

Value WeightNormOp::getNormDestination() { return getNormInit(); }

LogicalResult WeightNormOp::verify() {
  // v, g, dim and eps: verifyWeightNormInterface.
  ShapedType vType = getVType();
  bool tensors = isa<RankedTensorType>(vType);
  if (!isDestinationFor(getInit().getType(), vType))
    return emitOpError("init type ")
           << getInit().getType() << " does not match v type " << vType;

  // The norm destination has g's shape in the accumulation type.
  Value normInit = getNormInit();
  ShapedType expectedNorm = getGShapedAccumulationType(*this);
  if (normInit && !isDestinationFor(normInit.getType(), expectedNorm))
    return emitOpError("norm_init type ")
           << normInit.getType() << " does not match " << expectedNorm
           << " (g's shape in the accumulation type)";

  // Results: one per destination, of its type, with tensors; none with
  // memrefs.
  if (!tensors) {
    if (getNumResults() != 0)
      return emitOpError("on memrefs the op has no results, but has ")
             << getNumResults();
    return success();
  }
  if (getNumResults() != getNumDpsInits())
    return emitOpError("expected one result per destination (")
           << getNumDpsInits() << "), but there are " << getNumResults()
           << (normInit ? "" : "; a norm result needs a norm_init");
  if (getWResult().getType() != vType)
    return emitOpError("result type ")
           << getWResult().getType() << " does not match v type " << vType;
  if (Value norm = getNormResult(); norm && norm.getType() != expectedNorm)
    return emitOpError("norm result type ")
           << norm.getType() << " does not match " << expectedNorm
           << " (g's shape in the accumulation type)";
  return success();
}

LogicalResult WeightNormOp::reifyResultShapes(
    OpBuilder &b, ReifiedRankedShapedTypeDims &reifiedReturnShapes) {
  return reifyFromDestinations(*this, b, reifiedReturnShapes);
}

//===----------------------------------------------------------------------===//
// WeightNormScaleOp
//===----------------------------------------------------------------------===//

void WeightNormScaleOp::build(OpBuilder &builder, OperationState &state,
                              Value v, Value g, Value init,
                              std::optional<int64_t> dim,
                              std::optional<double> eps) {
  SmallVector<Type> resultTypes;
  if (isa<RankedTensorType>(init.getType()))
    resultTypes.push_back(init.getType());
  build(builder, state, resultTypes, v, g, init, getDimAttrFor(builder, dim),
        getEpsAttrFor(builder, eps));
}

void WeightNormScaleOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
        &effects) {
  getWeightNormEffects(*this, effects);
}

Speculation::Speculatability WeightNormScaleOp::getSpeculatability() {
  return getWeightNormSpeculatability(*this);
}

void WeightNormScaleOp::getAsmResultNames(
    function_ref<void(Value, StringRef)> setNameFn) {
  if (getNumResults() > 0)
    setNameFn(getScaleResult(), "scale");
}

Value WeightNormScaleOp::getScaleDestination() { return getInit(); }

LogicalResult WeightNormScaleOp::verify() {
  // v, g, dim and eps: verifyWeightNormInterface.
  ShapedType expected = getGShapedAccumulationType(*this);
  if (!isDestinationFor(getInit().getType(), expected))
    return emitOpError("init type ")
           << getInit().getType() << " does not match " << expected
           << " (g's shape in the accumulation type)";
  if (!isa<RankedTensorType>(getVType())) {
    if (getNumResults() != 0)
      return emitOpError("on memrefs the op has no results, but has ")
             << getNumResults();
    return success();
  }
  if (getNumResults() != 1)
    return emitOpError("expected one result, but there are ")
           << getNumResults();
  if (getScaleResult().getType() != expected)
    return emitOpError("result type ")
           << getScaleResult().getType() << " does not match " << expected
           << " (g's shape in the accumulation type)";
  return success();
}

LogicalResult WeightNormScaleOp::reifyResultShapes(
    OpBuilder &b, ReifiedRankedShapedTypeDims &reifiedReturnShapes) {
  return reifyFromDestinations(*this, b, reifiedReturnShapes);
}

//===----------------------------------------------------------------------===//
// AggregatedOpInterface
//===----------------------------------------------------------------------===//

namespace {
/// What the first steps of a decomposition produce: the scale in the scale
/// type over the norm-shaped domain (hi, and lo when it is a pair), and the
/// requested norm and scale results in g's shape.
struct NormsAndScales {
  Value scaleHi, scaleLo;
  Value norm, scale;
};
} // namespace

/// Decomposes the norms of a weight norm op into, with C the compute type
/// (f32 for f16/bf16, f64 for f32/f64):
///   %hi0[, %lo0]  = linalg.fill 0[, -0.0]                 : [O] or 0-d, C
///   %hi[, %lo]    = generic(reduce all but dim)           : sum of x*x
///   [%scale_hi[, %scale_lo]][, %norm][, %scale] = generic(parallel) : [O]
///       norm = sqrt((hi + lo) [+ eps]), scale = g / norm (an f32 pair for
///       f32, a double-double for f64)
/// The arithmetic comes from WeightNormNumerics: inputs widened to C first,
/// every result rounded once, the sum plain, compensated or double-double
/// (the `lo` parts) by element type. `scalePair` asks for the scale in the
/// scale type (for scaling v); `normInit` and `scaleInit` (g-shaped, may be
/// null) for the norm and scale results in the accumulation type: they are
/// collapsed to [O] (or 0-d) for the generic and expanded back.
static NormsAndScales decomposeNorms(OpBuilder &b, WeightNormInterface op,
                                     bool scalePair, Value normInit,
                                     Value scaleInit) {
  Location loc = op.getLoc();
  MLIRContext *ctx = op.getContext();
  Value v = op.getV();
  int64_t rank = op.getRank();
  WeightNormNumerics numerics(b, loc, op.getVType().getElementType());
  Type computeType = numerics.getComputeType();
  bool lowPart = numerics.hasLowPart();
  std::optional<int64_t> dim = op.getNormalizedDim();

  // The norm-shaped intermediates: [v.shape[dim]] or 0-d.
  SmallVector<OpFoldResult> normSizes;
  if (dim)
    normSizes.push_back(tensor::getMixedSize(b, loc, v, *dim));
  auto emptyNormShaped = [&](Type type) -> Value {
    return tensor::EmptyOp::create(b, loc, normSizes, type);
  };
  PartialSum zero = numerics.zeroSum(computeType);
  SmallVector<Value> sumInits = {
      linalg::FillOp::create(b, loc, zero.hi, emptyNormShaped(computeType))
          .getResult(0)};
  if (lowPart)
    sumInits.push_back(
        linalg::FillOp::create(b, loc, zero.lo, emptyNormShaped(computeType))
            .getResult(0));

  // The sum of squares over every dimension but dim.
  AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, ctx);
  SmallVector<AffineExpr> normResults;
  if (dim)
    normResults.push_back(getAffineDimExpr(*dim, ctx));
  AffineMap toNorm = AffineMap::get(rank, 0, normResults, ctx);
  SmallVector<utils::IteratorType> reduceIterators(
      rank, utils::IteratorType::reduction);
  if (dim)
    reduceIterators[*dim] = utils::IteratorType::parallel;
  SmallVector<AffineMap> sumMaps = {identity};
  sumMaps.append(sumInits.size(), toNorm);
  auto sumOp = linalg::GenericOp::create(
      b, loc, ValueRange(sumInits).getTypes(), ValueRange{v}, sumInits,
      sumMaps, reduceIterators,
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        WeightNormNumerics n(nb, nl, numerics.getElementType());
        PartialSum sum = n.accumulate(
            n.widen(args[0]), {args[1], lowPart ? args[2] : Value()});
        SmallVector<Value> yields = {sum.hi};
        if (lowPart)
          yields.push_back(sum.lo);
        linalg::YieldOp::create(nb, nl, yields);
      });

  // Per-slice norm and scale over the norm-shaped domain: outputs scale_hi
  // and scale_lo (with scalePair), then the norm, then the scale result.
  unsigned normLoops = dim ? 1 : 0;
  std::optional<unsigned> normLoop =
      dim ? std::optional<unsigned>(0) : std::nullopt;
  AffineMap normIdentity = AffineMap::getMultiDimIdentityMap(normLoops, ctx);
  AffineMap gMap = op.getGIndexingMap(normLoops, normLoop);
  bool scaleLo = scalePair && numerics.hasScaleLowPart();
  SmallVector<Value> scaleOutputs;
  if (scalePair) {
    scaleOutputs.push_back(emptyNormShaped(numerics.getScaleType()));
    if (scaleLo)
      scaleOutputs.push_back(emptyNormShaped(numerics.getScaleType()));
  }
  if (normInit)
    scaleOutputs.push_back(collapseToCanonicalGLayout(b, loc, normInit, dim));
  if (scaleInit)
    scaleOutputs.push_back(collapseToCanonicalGLayout(b, loc, scaleInit, dim));
  SmallVector<Value> scaleInputs(sumOp.getResults());
  scaleInputs.push_back(op.getG());
  SmallVector<AffineMap> scaleMaps(sumOp.getNumResults(), normIdentity);
  scaleMaps.push_back(gMap);
  scaleMaps.append(scaleOutputs.size(), normIdentity);
  std::optional<APFloat> eps = op.getEpsInAccumulationType();
  // For sums that overflowed or underflowed (bf16, f16 and f64 only), the
  // per-slice body reduces its slice of v again (WeightNormNumerics::
  // finalizeSlice): a loop nest over the other dims reading v.
  SmallVector<Value> vSizes;
  Value sliceCount;
  if (numerics.mayNeedRescaling()) {
    sliceCount = arith::ConstantIndexOp::create(b, loc, 1);
    for (int64_t d = 0; d < rank; ++d) {
      vSizes.push_back(b.createOrFold<tensor::DimOp>(loc, v, d));
      if (d != dim)
        sliceCount = b.createOrFold<arith::MulIOp>(loc, sliceCount, vSizes[d]);
    }
  }
  auto scaleOp = linalg::GenericOp::create(
      b, loc, ValueRange(scaleOutputs).getTypes(), scaleInputs, scaleOutputs,
      scaleMaps,
      SmallVector<utils::IteratorType>(normLoops,
                                       utils::IteratorType::parallel),
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        WeightNormNumerics n(nb, nl, numerics.getElementType());
        Value epsValue = eps ? n.epsConstant(*eps) : Value();
        unsigned gIndex = lowPart ? 2 : 1;
        // Slice k's elements v[i_0, .., k, .., i_rank-1], in row-major order
        // (linalg.index must be a direct child of the generic).
        Value sliceIndex = dim && sliceCount
                               ? linalg::IndexOp::create(nb, nl, 0).getResult()
                               : Value();
        auto reduceSlice = [&](ValueRange inits, SliceElementFn body) {
          SmallVector<Value> indices(rank);
          if (dim)
            indices[*dim] = sliceIndex;
          Value zeroIndex = arith::ConstantIndexOp::create(nb, nl, 0);
          Value oneIndex = arith::ConstantIndexOp::create(nb, nl, 1);
          std::function<SmallVector<Value>(int64_t, ValueRange)> nest =
              [&](int64_t d, ValueRange acc) -> SmallVector<Value> {
            if (d == rank)
              return body(tensor::ExtractOp::create(nb, nl, v, indices), acc);
            if (d == dim)
              return nest(d + 1, acc);
            auto loop = scf::ForOp::create(nb, nl, zeroIndex, vSizes[d],
                                           oneIndex, acc);
            OpBuilder::InsertionGuard guard(nb);
            nb.setInsertionPointToStart(loop.getBody());
            indices[d] = loop.getInductionVar();
            scf::YieldOp::create(nb, nl, nest(d + 1, loop.getRegionIterArgs()));
            return SmallVector<Value>(loop.getResults());
          };
          return nest(0, inits);
        };
        SliceScale slice = n.finalizeSlice(
            {args[0], lowPart ? args[1] : Value()}, epsValue,
            n.widen(args[gIndex]), sliceCount, reduceSlice);
        SmallVector<Value> yields;
        if (scalePair) {
          yields.push_back(slice.scaleHi);
          if (scaleLo)
            yields.push_back(slice.scaleLo);
        }
        if (normInit)
          yields.push_back(n.normResult(slice));
        if (scaleInit)
          yields.push_back(n.scaleResult(slice));
        linalg::YieldOp::create(nb, nl, yields);
      });

  NormsAndScales result;
  ValueRange outs = scaleOp.getResults();
  if (scalePair) {
    result.scaleHi = outs.front();
    outs = outs.drop_front();
    if (scaleLo) {
      result.scaleLo = outs.front();
      outs = outs.drop_front();
    }
  }
  auto expandToG = [&](Value normShaped, Value gShapedInit) -> Value {
    return expandFromCanonicalGLayout(
        b, loc, normShaped, cast<RankedTensorType>(gShapedInit.getType()),
        dim);
  };
  if (normInit) {
    result.norm = expandToG(outs.front(), normInit);
    outs = outs.drop_front();
  }
  if (scaleInit)
    result.scale = expandToG(outs.front(), scaleInit);
  return result;
}

/// Decomposes
///   w[, norm] = weight_norm(v, g, dim) [eps]
/// into decomposeNorms' fill, sum of squares and per-slice scale (and norm),
/// then
///   %w = generic(parallel) v * scale                      : v's shape
/// rounded once to the element type.
FailureOr<SmallVector<Value>> WeightNormOp::decomposeOperation(OpBuilder &b) {
  if (!hasPureTensorSemantics())
    return emitOpError("the linalg decomposition needs tensor operands; "
                       "lower ops on memrefs with --wn-lower-to-loops");
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(*this);
  Location loc = getLoc();
  MLIRContext *ctx = getContext();
  int64_t rank = getRank();
  Type elementType = getVType().getElementType();
  NormsAndScales norms = decomposeNorms(b, *this, /*scalePair=*/true,
                                        getNormInit(), /*scaleInit=*/Value());

  // w = v * scale, rounded once to the element type.
  AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, ctx);
  SmallVector<AffineExpr> normResults;
  if (std::optional<int64_t> dim = getNormalizedDim())
    normResults.push_back(getAffineDimExpr(*dim, ctx));
  AffineMap toNorm = AffineMap::get(rank, 0, normResults, ctx);
  SmallVector<Value> wInputs = {getV(), norms.scaleHi};
  if (norms.scaleLo)
    wInputs.push_back(norms.scaleLo);
  SmallVector<AffineMap> wMaps = {identity};
  wMaps.append(wInputs.size() - 1, toNorm);
  wMaps.push_back(identity);
  bool scaleLo = static_cast<bool>(norms.scaleLo);
  Value w = linalg::GenericOp::create(
                b, loc, getInit().getType(), wInputs, ValueRange{getInit()},
                wMaps,
                SmallVector<utils::IteratorType>(
                    rank, utils::IteratorType::parallel),
                [&](OpBuilder &nb, Location nl, ValueRange args) {
                  WeightNormNumerics n(nb, nl, elementType);
                  Value y = n.scaleElement(args[0], args[1],
                                           scaleLo ? args[2] : Value());
                  linalg::YieldOp::create(nb, nl, y);
                })
                .getResult(0);
  SmallVector<Value> results = {w};
  if (norms.norm)
    results.push_back(norms.norm);
  return results;
}

/// Decomposes
///   scale = weight_norm_scale(v, g, dim) [eps]
/// into decomposeNorms' fill, sum of squares and per-slice scale, rounded
/// once to the accumulation type.
FailureOr<SmallVector<Value>>
WeightNormScaleOp::decomposeOperation(OpBuilder &b) {
  if (!hasPureTensorSemantics())
    return emitOpError("the linalg decomposition needs tensor operands; "
                       "lower ops on memrefs with --wn-lower-to-loops");
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(*this);
  NormsAndScales norms = decomposeNorms(b, *this, /*scalePair=*/false,
                                        /*normInit=*/Value(), getInit());
  return SmallVector<Value>{norms.scale};
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
  SmallVector<OpFoldResult> sizes =
      hasPureTensorSemantics() ? tensor::getMixedSizes(b, loc, getV())
                               : memref::getMixedSizes(b, loc, getV());
  for (OpFoldResult size : sizes)
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
  if (!hasPureTensorSemantics())
    return emitOpError("tiling needs tensor operands");
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

#include "wn/Dialect/WN/IR/WNInterfaces.cpp.inc"

#define GET_OP_CLASSES
#include "wn/Dialect/WN/IR/WNOps.cpp.inc"
