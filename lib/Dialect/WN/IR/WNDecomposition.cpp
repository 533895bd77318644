//===- WNDecomposition.cpp - wn ops as linalg ops -------------------------===//
//
// Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
// See the LICENSE file for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// AggregatedOpInterface of wn.weight_norm and wn.weight_norm_scale: their
// decomposition into linalg.fill and linalg.generic ops on tensors or
// memrefs, with the arithmetic of WNNumerics.h (the reference lowering).
//
//===----------------------------------------------------------------------===//

#include "wn/Dialect/WN/IR/WNNumerics.h"
#include "wn/Dialect/WN/IR/WNOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace mlir::wn;

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
      b, loc, ValueRange(sumInits).getTypes(), ValueRange{v}, sumInits, sumMaps,
      reduceIterators, [&](OpBuilder &nb, Location nl, ValueRange args) {
        WeightNormNumerics n(nb, nl, numerics.getElementType());
        PartialSum sum = n.accumulate(n.widen(args[0]),
                                      {args[1], lowPart ? args[2] : Value()});
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
            auto loop =
                scf::ForOp::create(nb, nl, zeroIndex, vSizes[d], oneIndex, acc);
            OpBuilder::InsertionGuard guard(nb);
            nb.setInsertionPointToStart(loop.getBody());
            indices[d] = loop.getInductionVar();
            scf::YieldOp::create(nb, nl, nest(d + 1, loop.getRegionIterArgs()));
            return SmallVector<Value>(loop.getResults());
          };
          return nest(0, inits);
        };
        SliceScale slice =
            n.finalizeSlice({args[0], lowPart ? args[1] : Value()}, epsValue,
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
        b, loc, normShaped, cast<RankedTensorType>(gShapedInit.getType()), dim);
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
  Value w =
      linalg::GenericOp::create(
          b, loc, getInit().getType(), wInputs, ValueRange{getInit()}, wMaps,
          SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
          [&](OpBuilder &nb, Location nl, ValueRange args) {
            WeightNormNumerics n(nb, nl, elementType);
            Value y =
                n.scaleElement(args[0], args[1], scaleLo ? args[2] : Value());
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
