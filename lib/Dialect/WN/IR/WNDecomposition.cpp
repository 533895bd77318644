//===- WNDecomposition.cpp - wn ops as linalg ops -------------------------===//
//
// Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
// See the LICENSE file for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// AggregatedOpInterface of wn.weight_norm, wn.weight_norm_scale and
// wn.weight_norm_backward: their decomposition into linalg.fill and
// linalg.generic ops on tensors, with the arithmetic of WNNumerics.h (the
// reference lowering).
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
/// What the per-slice step of a decomposition is asked to produce, besides
/// the sums it reads.
struct SliceRequest {
  /// The backward: grad_w, whose products with v are summed too, and the
  /// factors a and b of grad_v produced.
  Value gradW;
  /// A saved norm (g-shaped, accumulation type) read instead of summing
  /// squares (the backward only).
  Value savedNorm;
  /// The scale in the scale type over the norm-shaped domain (for scaling
  /// v).
  bool scalePair = false;
  /// Destinations (g-shaped, may be null) of the norm and scale results in
  /// the accumulation type, and of grad_g in g's type.
  Value normInit, scaleInit, gradGInit;
};

/// What the first steps of a decomposition produce: norm-shaped values in
/// the scale type (the scale, the backward's factors; hi, and lo when they
/// are pairs) and the requested results in g's shape.
struct SliceResults {
  Value scaleHi, scaleLo;
  SliceGradients factors;
  Value norm, scale, gradG;
};
} // namespace

/// Decomposes the per-slice part of a weight norm op into, with C the
/// compute type (f32 for f16/bf16, f64 for f32/f64):
///   %hi0[, %lo0]  = linalg.fill 0[, -0.0]                 : [O] or 0-d, C
///   %hi[, %lo]... = generic(reduce all but dim)           : sum of x*x
///                   (and of grad_w * x for the backward)
///   [%scale_hi[, %scale_lo]][, factors][, %norm][, %scale][, %grad_g]
///                 = generic(parallel)                     : [O]
///       norm = sqrt((hi + lo) [+ eps]), scale = g / norm (an f32 pair for
///       f32, a double-double for f64); the backward's factors and grad_g
///       from WeightNormNumerics::finalizeGradients
/// The arithmetic comes from WeightNormNumerics: inputs widened to C first,
/// every result rounded once, the sum plain, compensated or double-double
/// (the `lo` parts) by element type. The g-shaped destinations are collapsed
/// to [O] (or 0-d) for the generic and expanded back.
static SliceResults decomposeSlices(OpBuilder &b, WeightNormInterface op,
                                    const SliceRequest &request) {
  Location loc = op.getLoc();
  MLIRContext *ctx = op.getContext();
  Value v = op.getV();
  int64_t rank = op.getRank();
  WeightNormNumerics numerics(b, loc, op.getVType().getElementType());
  Type computeType = numerics.getComputeType();
  bool lowPart = numerics.hasLowPart();
  std::optional<int64_t> dim = op.getNormalizedDim();
  bool sumSquares = !request.savedNorm;
  bool sumProducts = static_cast<bool>(request.gradW);
  unsigned sumWidth = lowPart ? 2 : 1;

  // The norm-shaped intermediates: [v.shape[dim]] or 0-d.
  SmallVector<OpFoldResult> normSizes;
  if (dim)
    normSizes.push_back(tensor::getMixedSize(b, loc, v, *dim));
  auto emptyNormShaped = [&](Type type) -> Value {
    return tensor::EmptyOp::create(b, loc, normSizes, type);
  };
  PartialSum zero = numerics.zeroSum(computeType);
  SmallVector<Value> sumInits;
  for (bool wanted : {sumSquares, sumProducts}) {
    if (!wanted)
      continue;
    sumInits.push_back(
        linalg::FillOp::create(b, loc, zero.hi, emptyNormShaped(computeType))
            .getResult(0));
    if (lowPart)
      sumInits.push_back(
          linalg::FillOp::create(b, loc, zero.lo, emptyNormShaped(computeType))
              .getResult(0));
  }

  // The sums over every dimension but dim: of squares of v (unless the norm
  // is saved), of grad_w * v (the backward).
  AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, ctx);
  SmallVector<AffineExpr> normResults;
  if (dim)
    normResults.push_back(getAffineDimExpr(*dim, ctx));
  AffineMap toNorm = AffineMap::get(rank, 0, normResults, ctx);
  SmallVector<utils::IteratorType> reduceIterators(
      rank, utils::IteratorType::reduction);
  if (dim)
    reduceIterators[*dim] = utils::IteratorType::parallel;
  SmallVector<Value> sumInputs = {v};
  if (sumProducts)
    sumInputs.push_back(request.gradW);
  SmallVector<AffineMap> sumMaps(sumInputs.size(), identity);
  sumMaps.append(sumInits.size(), toNorm);
  auto sumOp = linalg::GenericOp::create(
      b, loc, ValueRange(sumInits).getTypes(), sumInputs, sumInits, sumMaps,
      reduceIterators, [&](OpBuilder &nb, Location nl, ValueRange args) {
        WeightNormNumerics n(nb, nl, numerics.getElementType());
        Value x = n.widen(args[0]);
        ValueRange acc = args.drop_front(sumInputs.size());
        auto partial = [&](unsigned i) {
          return PartialSum{acc[i * sumWidth],
                            lowPart ? acc[i * sumWidth + 1] : Value()};
        };
        SmallVector<Value> yields;
        auto append = [&](PartialSum sum) {
          yields.push_back(sum.hi);
          if (lowPart)
            yields.push_back(sum.lo);
        };
        unsigned next = 0;
        if (sumSquares)
          append(n.accumulate(x, partial(next++)));
        if (sumProducts)
          append(n.accumulateProduct(x, n.widen(args[1]), partial(next)));
        linalg::YieldOp::create(nb, nl, yields);
      });

  // Per-slice values over the norm-shaped domain: outputs scale_hi and
  // scale_lo (with scalePair), the factors a and b (the backward), then the
  // norm, the scale and grad_g results.
  unsigned normLoops = dim ? 1 : 0;
  std::optional<unsigned> normLoop =
      dim ? std::optional<unsigned>(0) : std::nullopt;
  AffineMap normIdentity = AffineMap::getMultiDimIdentityMap(normLoops, ctx);
  AffineMap gMap = op.getGIndexingMap(normLoops, normLoop);
  bool pairLo = numerics.hasScaleLowPart();
  // The backward's factors of grad_v (SliceGradients::factors).
  unsigned factorCount = pairLo ? 5 : 3;
  // Outputs in the scale type: the scale pair, then the backward's factors.
  unsigned scaleTypeOutputs = (request.scalePair ? (pairLo ? 2 : 1) : 0) +
                              (sumProducts ? factorCount : 0);
  SmallVector<Value> sliceOutputs;
  for (unsigned i = 0; i < scaleTypeOutputs; ++i)
    sliceOutputs.push_back(emptyNormShaped(numerics.getScaleType()));
  for (Value init : {request.normInit, request.scaleInit, request.gradGInit})
    if (init)
      sliceOutputs.push_back(collapseToCanonicalGLayout(b, loc, init, dim));
  SmallVector<Value> sliceInputs(sumOp.getResults());
  sliceInputs.push_back(op.getG());
  SmallVector<AffineMap> sliceMaps(sumOp.getNumResults(), normIdentity);
  sliceMaps.push_back(gMap);
  if (request.savedNorm) {
    sliceInputs.push_back(request.savedNorm);
    sliceMaps.push_back(gMap);
  }
  sliceMaps.append(sliceOutputs.size(), normIdentity);
  std::optional<APFloat> eps = op.getEpsInAccumulationType();
  // For sums that overflowed or underflowed (bf16, f16 and f64 only), the
  // per-slice body reduces its slice of v again (WeightNormNumerics::
  // finalizeSlice): a loop nest over the other dims reading v.
  SmallVector<Value> vSizes;
  Value sliceCount;
  if (sumSquares && numerics.mayNeedRescaling()) {
    sliceCount = arith::ConstantIndexOp::create(b, loc, 1);
    for (int64_t d = 0; d < rank; ++d) {
      vSizes.push_back(b.createOrFold<tensor::DimOp>(loc, v, d));
      if (d != dim)
        sliceCount = b.createOrFold<arith::MulIOp>(loc, sliceCount, vSizes[d]);
    }
  }
  unsigned sumCount = sumOp.getNumResults();
  auto sliceOp = linalg::GenericOp::create(
      b, loc, ValueRange(sliceOutputs).getTypes(), sliceInputs, sliceOutputs,
      sliceMaps,
      SmallVector<utils::IteratorType>(normLoops,
                                       utils::IteratorType::parallel),
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        WeightNormNumerics n(nb, nl, numerics.getElementType());
        Value epsValue = eps ? n.epsConstant(*eps) : Value();
        Value g = n.widen(args[sumCount]);
        auto partial = [&](unsigned i) {
          return PartialSum{args[i * sumWidth],
                            lowPart ? args[i * sumWidth + 1] : Value()};
        };
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
        SliceScale slice = sumSquares ? n.finalizeSlice(partial(0), epsValue, g,
                                                        sliceCount, reduceSlice)
                                      : n.fromSavedNorm(args[sumCount + 1], g);
        SmallVector<Value> yields;
        if (request.scalePair) {
          yields.push_back(slice.scaleHi);
          if (pairLo)
            yields.push_back(slice.scaleLo);
        }
        SliceGradients gradients;
        if (sumProducts) {
          gradients =
              n.finalizeGradients(slice, partial(sumSquares ? 1 : 0), g);
          llvm::append_range(yields, gradients.factors());
        }
        if (request.normInit)
          yields.push_back(n.normResult(slice));
        if (request.scaleInit)
          yields.push_back(n.scaleResult(slice));
        if (request.gradGInit)
          yields.push_back(gradients.gradG);
        linalg::YieldOp::create(nb, nl, yields);
      });

  SliceResults result;
  ValueRange outs = sliceOp.getResults();
  if (request.scalePair) {
    result.scaleHi = outs.front();
    outs = outs.drop_front();
    if (pairLo) {
      result.scaleLo = outs.front();
      outs = outs.drop_front();
    }
  }
  if (sumProducts) {
    result.factors = SliceGradients::fromFactors(outs.take_front(factorCount));
    outs = outs.drop_front(factorCount);
  }
  auto expandToG = [&](Value &result, Value gShapedInit) {
    if (!gShapedInit)
      return;
    result = expandFromCanonicalGLayout(
        b, loc, outs.front(), cast<RankedTensorType>(gShapedInit.getType()),
        dim);
    outs = outs.drop_front();
  };
  expandToG(result.norm, request.normInit);
  expandToG(result.scale, request.scaleInit);
  expandToG(result.gradG, request.gradGInit);
  return result;
}

/// The elementwise generic over v's domain computing `init` from the
/// v-shaped `inputs` and the norm-shaped `perSlice` values (broadcast along
/// every dimension but dim); `body` gets the first as they are, then the
/// second.
static Value buildElementwise(
    OpBuilder &b, WeightNormInterface op, ValueRange inputs,
    ValueRange perSlice, Value init,
    function_ref<Value(OpBuilder &, Location, ValueRange, ValueRange)> body) {
  Location loc = op.getLoc();
  MLIRContext *ctx = op.getContext();
  int64_t rank = op.getRank();
  AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, ctx);
  SmallVector<AffineExpr> normResults;
  if (std::optional<int64_t> dim = op.getNormalizedDim())
    normResults.push_back(getAffineDimExpr(*dim, ctx));
  AffineMap toNorm = AffineMap::get(rank, 0, normResults, ctx);
  SmallVector<Value> allInputs(inputs);
  llvm::append_range(allInputs, perSlice);
  SmallVector<AffineMap> maps(inputs.size(), identity);
  maps.append(perSlice.size(), toNorm);
  maps.push_back(identity);
  unsigned count = inputs.size();
  return linalg::GenericOp::create(
             b, loc, init.getType(), allInputs, ValueRange{init}, maps,
             SmallVector<utils::IteratorType>(rank,
                                              utils::IteratorType::parallel),
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               linalg::YieldOp::create(
                   nb, nl,
                   body(nb, nl, args.take_front(count),
                        args.slice(count, perSlice.size())));
             })
      .getResult(0);
}

/// The decomposition builds on tensors: an op on memrefs is an error.
static LogicalResult checkDecomposable(DestinationStyleOpInterface op) {
  if (op.hasPureTensorSemantics())
    return success();
  return op->emitOpError("the linalg decomposition needs tensor operands; "
                         "lower ops on memrefs with --wn-lower-to-loops");
}

/// Decomposes
///   w[, norm] = weight_norm(v, g, dim) [eps]
/// into decomposeSlices' fill, sum of squares and per-slice scale (and norm),
/// then
///   %w = generic(parallel) v * scale                      : v's shape
/// rounded once to the element type.
FailureOr<SmallVector<Value>> WeightNormOp::decomposeOperation(OpBuilder &b) {
  if (failed(checkDecomposable(*this)))
    return failure();
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(*this);
  Type elementType = getVType().getElementType();
  SliceRequest request;
  request.scalePair = true;
  request.normInit = getNormInit();
  SliceResults slices = decomposeSlices(b, *this, request);

  // w = v * scale, rounded once to the element type.
  SmallVector<Value> perSlice = {slices.scaleHi};
  if (slices.scaleLo)
    perSlice.push_back(slices.scaleLo);
  Value w = buildElementwise(
      b, *this, getV(), perSlice, getInit(),
      [&](OpBuilder &nb, Location nl, ValueRange in, ValueRange scale) {
        WeightNormNumerics n(nb, nl, elementType);
        return n.scaleElement(in[0], scale[0],
                              scale.size() > 1 ? scale[1] : Value());
      });
  SmallVector<Value> results = {w};
  if (slices.norm)
    results.push_back(slices.norm);
  return results;
}

/// Decomposes
///   scale = weight_norm_scale(v, g, dim) [eps]
/// into decomposeSlices' fill, sum of squares and per-slice scale, rounded
/// once to the accumulation type.
FailureOr<SmallVector<Value>>
WeightNormScaleOp::decomposeOperation(OpBuilder &b) {
  if (failed(checkDecomposable(*this)))
    return failure();
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(*this);
  SliceRequest request;
  request.scaleInit = getInit();
  return SmallVector<Value>{decomposeSlices(b, *this, request).scale};
}

/// Decomposes
///   grad_v, grad_g = weight_norm_backward(grad_w, v, g[, norm], dim) [eps]
/// into decomposeSlices' fills, sums of squares (unless the norm is given)
/// and of grad_w * v, the per-slice factors a, b', the scale 2^-k of v and
/// grad_g, then
///   %grad_v = generic(parallel) a * grad_w - b' * (v * 2^-k) : v's shape
/// (WeightNormNumerics::gradientElement).
FailureOr<SmallVector<Value>>
WeightNormBackwardOp::decomposeOperation(OpBuilder &b) {
  if (failed(checkDecomposable(*this)))
    return failure();
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(*this);
  Type elementType = getVType().getElementType();
  SliceRequest request;
  request.gradW = getGradW();
  request.savedNorm = getNorm();
  request.gradGInit = getGradGInit();
  SliceResults slices = decomposeSlices(b, *this, request);
  Value gradV = buildElementwise(
      b, *this, ValueRange{getGradW(), getV()}, slices.factors.factors(),
      getGradVInit(),
      [&](OpBuilder &nb, Location nl, ValueRange in, ValueRange factors) {
        WeightNormNumerics n(nb, nl, elementType);
        return n.gradientElement(in[0], in[1],
                                 SliceGradients::fromFactors(factors));
      });
  return SmallVector<Value>{gradV, slices.gradG};
}
