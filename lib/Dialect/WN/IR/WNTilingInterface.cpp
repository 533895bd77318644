//===- WNTilingInterface.cpp - Tiling of wn ops ---------------------------===//
//
// Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
// See the LICENSE file for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// TilingInterface of wn.weight_norm and wn.weight_norm_backward: the loops
// are v's dimensions, dim the one parallel loop. A tile cuts along dim only;
// a result tile that cuts a slice's reduction dimensions is computed over
// whole slices and the requested part extracted from it. Operands and
// results in v's shape follow the tile, those in g's shape (g, norms,
// grad_g) its range along dim.
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
// The tiling of any weight norm op with a v-shaped result first
//===----------------------------------------------------------------------===//

static SmallVector<utils::IteratorType>
getWeightNormIteratorTypes(WeightNormInterface op) {
  SmallVector<utils::IteratorType> iterators(op.getRank(),
                                             utils::IteratorType::reduction);
  if (std::optional<int64_t> dim = op.getNormalizedDim())
    iterators[*dim] = utils::IteratorType::parallel;
  return iterators;
}

static SmallVector<Range> getWeightNormIterationDomain(WeightNormInterface op,
                                                       OpBuilder &b) {
  Location loc = op.getLoc();
  OpFoldResult zero = b.getIndexAttr(0);
  OpFoldResult one = b.getIndexAttr(1);
  SmallVector<Range> domain;
  SmallVector<OpFoldResult> sizes =
      isa<RankedTensorType>(op.getVType())
          ? tensor::getMixedSizes(b, loc, op.getV())
          : memref::getMixedSizes(b, loc, op.getV());
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

/// The position in g's layout (g, norms, grad_g) of the iteration domain
/// tile at `offsets` and `sizes`: the range along dim, the whole of every
/// other g dimension.
static void getGTilePosition(WeightNormInterface op, OpBuilder &b,
                             ArrayRef<OpFoldResult> offsets,
                             ArrayRef<OpFoldResult> sizes,
                             SmallVector<OpFoldResult> &gOffsets,
                             SmallVector<OpFoldResult> &gSizes) {
  int64_t gRank = op.getGType().getRank();
  gOffsets.assign(gRank, b.getIndexAttr(0));
  gSizes.assign(gRank, b.getIndexAttr(1));
  if (std::optional<int64_t> gDim = op.getGDimAlongDim()) {
    int64_t dim = *op.getNormalizedDim();
    gOffsets[*gDim] = offsets[dim];
    gSizes[*gDim] = sizes[dim];
  }
}

static FailureOr<TilingResult>
getWeightNormTiledImplementation(WeightNormInterface op, OpBuilder &b,
                                 ArrayRef<OpFoldResult> offsets,
                                 ArrayRef<OpFoldResult> sizes) {
  int64_t rank = op.getRank();
  assert(static_cast<int64_t>(offsets.size()) == rank &&
         static_cast<int64_t>(sizes.size()) == rank &&
         "one offset and one size per loop");
  auto dps = cast<DestinationStyleOpInterface>(op.getOperation());
  if (!dps.hasPureTensorSemantics())
    return op.emitOpError("tiling needs tensor operands");
  std::optional<int64_t> dim = op.getNormalizedDim();
  for (int64_t i = 0; i < rank; ++i) {
    if (dim && i == *dim)
      continue;
    if (!coversWholeDim(op.getV(), i, offsets[i], sizes[i])) {
      InFlightDiagnostic diag =
          op.emitOpError("cannot tile reduction dimension ")
          << i << ": every norm must see whole slices";
      if (dim)
        diag << "; only dimension " << *dim << " can be tiled";
      else
        diag << "; a whole-tensor norm cannot be tiled";
      return failure();
    }
  }

  // v-shaped operands follow the tile; g-shaped ones its range along dim
  // (whole-tensor ones are used as they are).
  Location loc = op.getLoc();
  SmallVector<OpFoldResult> strides(rank, b.getIndexAttr(1));
  SmallVector<OpFoldResult> gOffsets, gSizes;
  getGTilePosition(op, b, offsets, sizes, gOffsets, gSizes);
  SmallVector<OpFoldResult> gStrides(gOffsets.size(), b.getIndexAttr(1));
  SmallVector<Operation *> slices;
  SmallVector<Value> operands;
  for (OpOperand &operand : op->getOpOperands()) {
    if (op.isVShapedOperand(operand.getOperandNumber())) {
      auto slice = tensor::ExtractSliceOp::create(b, loc, operand.get(),
                                                  offsets, sizes, strides);
      slices.push_back(slice);
      operands.push_back(slice);
    } else if (dim) {
      auto slice = tensor::ExtractSliceOp::create(b, loc, operand.get(),
                                                  gOffsets, gSizes, gStrides);
      slices.push_back(slice);
      operands.push_back(slice);
    } else {
      operands.push_back(operand.get());
    }
  }
  SmallVector<Type> resultTypes;
  for (OpOperand &init : dps.getDpsInitsMutable())
    resultTypes.push_back(operands[init.getOperandNumber()].getType());
  Operation *tiled = mlir::clone(b, op.getOperation(), resultTypes, operands);
  return TilingResult{{tiled}, SmallVector<Value>(tiled->getResults()), slices};
}

/// Whether result `resultNumber` has v's shape (else g's).
static bool isVShapedResult(WeightNormInterface op, unsigned resultNumber) {
  auto dps = cast<DestinationStyleOpInterface>(op.getOperation());
  return op.isVShapedOperand(
      dps.getDpsInitOperand(resultNumber)->getOperandNumber());
}

static LogicalResult getWeightNormResultTilePosition(
    WeightNormInterface op, OpBuilder &b, unsigned resultNumber,
    ArrayRef<OpFoldResult> offsets, ArrayRef<OpFoldResult> sizes,
    SmallVector<OpFoldResult> &resultOffsets,
    SmallVector<OpFoldResult> &resultSizes) {
  assert(resultNumber < op->getNumResults() && "result number out of range");
  if (!isVShapedResult(op, resultNumber)) {
    getGTilePosition(op, b, offsets, sizes, resultOffsets, resultSizes);
    return success();
  }
  resultOffsets.assign(offsets.begin(), offsets.end());
  resultSizes.assign(sizes.begin(), sizes.end());
  return success();
}

/// Produces a tile of a result. The norms need whole slices, so the tile is
/// computed over the full extent of every reduction dimension and the
/// requested part of a v-shaped result extracted from it when it is
/// smaller. A tile of a g-shaped result selects a range along dim only.
static FailureOr<TilingResult> generateWeightNormResultTileValue(
    WeightNormInterface op, OpBuilder &b, unsigned resultNumber,
    ArrayRef<OpFoldResult> offsets, ArrayRef<OpFoldResult> sizes) {
  assert(resultNumber < op->getNumResults() && "result number out of range");
  Location loc = op.getLoc();
  int64_t rank = op.getRank();
  std::optional<int64_t> dim = op.getNormalizedDim();
  SmallVector<OpFoldResult> domainOffsets(rank, b.getIndexAttr(0));
  SmallVector<OpFoldResult> domainSizes =
      tensor::getMixedSizes(b, loc, op.getV());
  bool partial = false;
  bool vShaped = isVShapedResult(op, resultNumber);
  if (!vShaped) {
    if (std::optional<int64_t> gDim = op.getGDimAlongDim()) {
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
      partial |= !coversWholeDim(op.getV(), i, offsets[i], sizes[i]);
    }
  }
  FailureOr<TilingResult> tiled =
      getWeightNormTiledImplementation(op, b, domainOffsets, domainSizes);
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

//===----------------------------------------------------------------------===//
// The ops' TilingInterface methods
//===----------------------------------------------------------------------===//

#define WN_DEFINE_TILING_INTERFACE(OpTy)                                       \
  SmallVector<utils::IteratorType> OpTy::getLoopIteratorTypes() {              \
    return getWeightNormIteratorTypes(*this);                                  \
  }                                                                            \
  SmallVector<Range> OpTy::getIterationDomain(OpBuilder &b) {                  \
    return getWeightNormIterationDomain(*this, b);                             \
  }                                                                            \
  FailureOr<TilingResult> OpTy::getTiledImplementation(                        \
      OpBuilder &b, ArrayRef<OpFoldResult> offsets,                            \
      ArrayRef<OpFoldResult> sizes) {                                          \
    return getWeightNormTiledImplementation(*this, b, offsets, sizes);         \
  }                                                                            \
  LogicalResult OpTy::getResultTilePosition(                                   \
      OpBuilder &b, unsigned resultNumber, ArrayRef<OpFoldResult> offsets,     \
      ArrayRef<OpFoldResult> sizes, SmallVector<OpFoldResult> &resultOffsets,  \
      SmallVector<OpFoldResult> &resultSizes) {                                \
    return getWeightNormResultTilePosition(*this, b, resultNumber, offsets,    \
                                           sizes, resultOffsets, resultSizes); \
  }                                                                            \
  FailureOr<TilingResult> OpTy::generateResultTileValue(                       \
      OpBuilder &b, unsigned resultNumber, ArrayRef<OpFoldResult> offsets,     \
      ArrayRef<OpFoldResult> sizes) {                                          \
    return generateWeightNormResultTileValue(*this, b, resultNumber, offsets,  \
                                             sizes);                           \
  }

WN_DEFINE_TILING_INTERFACE(WeightNormOp)
WN_DEFINE_TILING_INTERFACE(WeightNormBackwardOp)

#undef WN_DEFINE_TILING_INTERFACE

#include "wn/Dialect/WN/IR/WNInterfaces.cpp.inc"

#define GET_OP_CLASSES
#include "wn/Dialect/WN/IR/WNOps.cpp.inc"
