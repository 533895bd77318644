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
                         Value g, Value init, std::optional<int64_t> dim) {
  IntegerAttr dimAttr = dim ? builder.getI64IntegerAttr(*dim) : IntegerAttr();
  build(builder, state, init.getType(), v, g, init, dimAttr);
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

GLayout WeightNormOp::getGLayout() {
  FailureOr<GLayout> layout =
      classifyGLayout(getVType(), getGType(), getNormalizedDim());
  assert(succeeded(layout) && "g layout of an unverified weight norm");
  return *layout;
}

AffineMap WeightNormOp::getGIndexingMap(unsigned numLoops,
                                        std::optional<unsigned> normLoop) {
  MLIRContext *ctx = getContext();
  int64_t gRank = getGType().getRank();
  AffineExpr zero = getAffineConstantExpr(0, ctx);
  SmallVector<AffineExpr> results(gRank, zero);
  std::optional<int64_t> dim = getNormalizedDim();
  assert(dim.has_value() == normLoop.has_value() &&
         "a loop walks dim exactly when the norm has a dim");
  switch (getGLayout()) {
  case GLayout::Scalar:
    break;
  case GLayout::Flat:
    results[0] = getAffineDimExpr(*normLoop, ctx);
    break;
  case GLayout::Keepdim:
    results[*dim] = getAffineDimExpr(*normLoop, ctx);
    break;
  }
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
  reifiedReturnShapes.push_back(
      tensor::getMixedSizes(b, getLoc(), getInit()));
  return success();
}

//===----------------------------------------------------------------------===//
// AggregatedOpInterface
//===----------------------------------------------------------------------===//

/// Widens `x` to the accumulation type `accType` when they differ.
static Value extendTo(OpBuilder &b, Location loc, Value x, Type accType) {
  if (x.getType() == accType)
    return x;
  return arith::ExtFOp::create(b, loc, accType, x);
}

/// Rounds `x` to `type` when they differ.
static Value truncateTo(OpBuilder &b, Location loc, Value x, Type type) {
  if (x.getType() == type)
    return x;
  return arith::TruncFOp::create(b, loc, type, x);
}

/// Decomposes
///   w = weight_norm(v, g, dim)
/// into
///   %zero  = linalg.fill 0                     : [O] (or 0-d), accumulation type
///   %sumsq = generic(reduce all but dim) x*x   : [O]
///   %scale = generic(parallel) g / sqrt(sumsq) : [O]
///   %w     = generic(parallel) v * scale       : v's shape
/// with f16/bf16 widened to f32 before any arithmetic and rounded once at the
/// end.
FailureOr<SmallVector<Value>> WeightNormOp::decomposeOperation(OpBuilder &b) {
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(*this);
  Location loc = getLoc();
  MLIRContext *ctx = getContext();
  Value v = getV();
  Value g = getG();
  int64_t rank = getRank();
  Type elementType = getVType().getElementType();
  Type accType = getAccumulationType();
  std::optional<int64_t> dim = getNormalizedDim();

  // The norm-shaped intermediates: [v.shape[dim]] or 0-d.
  SmallVector<OpFoldResult> normSizes;
  if (dim)
    normSizes.push_back(tensor::getMixedSize(b, loc, v, *dim));
  Value empty = tensor::EmptyOp::create(b, loc, normSizes, accType);
  Value zero = arith::ConstantOp::create(b, loc, accType,
                                         b.getFloatAttr(accType, 0.0));
  Value sumInit = linalg::FillOp::create(b, loc, zero, empty).getResult(0);

  // Sum of squares over every dimension but dim.
  AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, ctx);
  SmallVector<AffineExpr> normResults;
  if (dim)
    normResults.push_back(getAffineDimExpr(*dim, ctx));
  AffineMap toNorm = AffineMap::get(rank, 0, normResults, ctx);
  SmallVector<utils::IteratorType> reduceIterators(
      rank, utils::IteratorType::reduction);
  if (dim)
    reduceIterators[*dim] = utils::IteratorType::parallel;
  Value sumSq =
      linalg::GenericOp::create(
          b, loc, sumInit.getType(), ValueRange{v}, ValueRange{sumInit},
          ArrayRef<AffineMap>{identity, toNorm}, reduceIterators,
          [&](OpBuilder &nb, Location nl, ValueRange args) {
            Value x = extendTo(nb, nl, args[0], accType);
            Value sq = arith::MulFOp::create(nb, nl, x, x);
            Value acc = arith::AddFOp::create(nb, nl, args[1], sq);
            linalg::YieldOp::create(nb, nl, acc);
          })
          .getResult(0);

  // Per-slice scale g / sqrt(sumsq), over the norm-shaped domain.
  unsigned normLoops = dim ? 1 : 0;
  std::optional<unsigned> normLoop =
      dim ? std::optional<unsigned>(0) : std::nullopt;
  AffineMap normIdentity = AffineMap::getMultiDimIdentityMap(normLoops, ctx);
  AffineMap gMap = getGIndexingMap(normLoops, normLoop);
  Value scaleInit = tensor::EmptyOp::create(b, loc, normSizes, accType);
  Value scale =
      linalg::GenericOp::create(
          b, loc, scaleInit.getType(), ValueRange{sumSq, g},
          ValueRange{scaleInit},
          ArrayRef<AffineMap>{normIdentity, gMap, normIdentity},
          SmallVector<utils::IteratorType>(normLoops,
                                           utils::IteratorType::parallel),
          [&](OpBuilder &nb, Location nl, ValueRange args) {
            Value norm = math::SqrtOp::create(nb, nl, args[0]);
            Value gAcc = extendTo(nb, nl, args[1], accType);
            Value s = arith::DivFOp::create(nb, nl, gAcc, norm);
            linalg::YieldOp::create(nb, nl, s);
          })
          .getResult(0);

  // w = v * scale, rounded once to the element type.
  Value w = linalg::GenericOp::create(
                b, loc, getInit().getType(), ValueRange{v, scale},
                ValueRange{getInit()},
                ArrayRef<AffineMap>{identity, toNorm, identity},
                SmallVector<utils::IteratorType>(
                    rank, utils::IteratorType::parallel),
                [&](OpBuilder &nb, Location nl, ValueRange args) {
                  Value x = extendTo(nb, nl, args[0], accType);
                  Value y = arith::MulFOp::create(nb, nl, x, args[1]);
                  linalg::YieldOp::create(nb, nl,
                                          truncateTo(nb, nl, y, elementType));
                })
                .getResult(0);
  return SmallVector<Value>{w};
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

  // g follows the tile along dim; a whole-tensor g is used as it is.
  Value gTile = getG();
  if (dim) {
    int64_t gRank = getGType().getRank();
    SmallVector<OpFoldResult> gOffsets(gRank, b.getIndexAttr(0));
    SmallVector<OpFoldResult> gSizes(gRank, b.getIndexAttr(1));
    SmallVector<OpFoldResult> gStrides(gRank, b.getIndexAttr(1));
    int64_t gDim = getGLayout() == GLayout::Flat ? 0 : *dim;
    gOffsets[gDim] = offsets[*dim];
    gSizes[gDim] = sizes[*dim];
    auto gSlice = tensor::ExtractSliceOp::create(b, loc, getG(), gOffsets,
                                                 gSizes, gStrides);
    slices.push_back(gSlice);
    gTile = gSlice;
  }

  Operation *tiled =
      mlir::clone(b, getOperation(), TypeRange{initSlice.getType()},
                  ValueRange{vSlice, gTile, initSlice});
  return TilingResult{{tiled}, SmallVector<Value>(tiled->getResults()),
                      slices};
}

LogicalResult WeightNormOp::getResultTilePosition(
    OpBuilder &b, unsigned resultNumber, ArrayRef<OpFoldResult> offsets,
    ArrayRef<OpFoldResult> sizes, SmallVector<OpFoldResult> &resultOffsets,
    SmallVector<OpFoldResult> &resultSizes) {
  assert(resultNumber == 0 && "wn.weight_norm has one result");
  resultOffsets.assign(offsets.begin(), offsets.end());
  resultSizes.assign(sizes.begin(), sizes.end());
  return success();
}

/// Produces a tile of the result. The norms need whole slices, so the tile is
/// computed over the full extent of every reduction dimension and the
/// requested part is extracted from it when it is smaller.
FailureOr<TilingResult>
WeightNormOp::generateResultTileValue(OpBuilder &b, unsigned resultNumber,
                                      ArrayRef<OpFoldResult> offsets,
                                      ArrayRef<OpFoldResult> sizes) {
  assert(resultNumber == 0 && "wn.weight_norm has one result");
  Location loc = getLoc();
  int64_t rank = getRank();
  std::optional<int64_t> dim = getNormalizedDim();
  SmallVector<OpFoldResult> fullSizes = tensor::getMixedSizes(b, loc, getV());
  SmallVector<OpFoldResult> domainOffsets(rank, b.getIndexAttr(0));
  SmallVector<OpFoldResult> domainSizes = fullSizes;
  bool partial = false;
  for (int64_t i = 0; i < rank; ++i) {
    if (dim && i == *dim) {
      domainOffsets[i] = offsets[i];
      domainSizes[i] = sizes[i];
      continue;
    }
    partial |= !coversWholeDim(getV(), i, offsets[i], sizes[i]);
  }
  FailureOr<TilingResult> tiled =
      getTiledImplementation(b, domainOffsets, domainSizes);
  if (failed(tiled) || !partial)
    return tiled;

  // Offsets within the computed tile: along dim the tile already starts at
  // the requested offset.
  SmallVector<OpFoldResult> innerOffsets(offsets.begin(), offsets.end());
  if (dim)
    innerOffsets[*dim] = b.getIndexAttr(0);
  SmallVector<OpFoldResult> strides(rank, b.getIndexAttr(1));
  auto extract = tensor::ExtractSliceOp::create(
      b, loc, tiled->tiledValues[0], innerOffsets, sizes, strides);
  tiled->tiledValues[0] = extract;
  tiled->generatedSlices.push_back(extract);
  return tiled;
}

#define GET_OP_CLASSES
#include "wn/Dialect/WN/IR/WNOps.cpp.inc"
