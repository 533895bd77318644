//===- WNTilingInterface.cpp - Tiling of wn.weight_norm -------------------===//
//
// Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
// See the LICENSE file for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// TilingInterface of wn.weight_norm: tiles along any dimension; a tile that
// cuts a slice's reduction dimensions is computed over whole slices and the
// requested part of w extracted from it.
//
//===----------------------------------------------------------------------===//

#include "wn/Dialect/WN/IR/WNOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Builders.h"
#include "mlir/Interfaces/ValueBoundsOpInterface.h"

using namespace mlir;
using namespace mlir::wn;

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
  SmallVector<OpFoldResult> sizes = hasPureTensorSemantics()
                                        ? tensor::getMixedSizes(b, loc, getV())
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
  auto vSlice =
      tensor::ExtractSliceOp::create(b, loc, getV(), offsets, sizes, strides);
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
  return TilingResult{{tiled}, SmallVector<Value>(tiled->getResults()), slices};
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
  SmallVector<OpFoldResult> domainSizes = tensor::getMixedSizes(b, loc, getV());
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
