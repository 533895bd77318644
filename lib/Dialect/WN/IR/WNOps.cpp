//===- WNOps.cpp - wn dialect operations ----------------------------------===//
//
// Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
// See the LICENSE file for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// wn.weight_norm, wn.weight_norm_scale and wn.weight_norm_backward: shape
// rules, the interface helpers, builders, verifiers and memory effects.
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
        return sizeError(
            i, "1", "only dim " + std::to_string(d) + " may differ from 1");
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
      return op->emitOpError("eps must be positive and finite, but is ") << eps;
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

bool WeightNormOp::isVShapedOperand(unsigned operandNumber) {
  return operandNumber == getVMutable().getOperandNumber() ||
         operandNumber == getInitMutable().getOperandNumber();
}

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

bool WeightNormScaleOp::isVShapedOperand(unsigned operandNumber) {
  return operandNumber == getVMutable().getOperandNumber();
}

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
// WeightNormBackwardOp
//===----------------------------------------------------------------------===//

void WeightNormBackwardOp::build(OpBuilder &builder, OperationState &state,
                                 Value gradW, Value v, Value g, Value gradVInit,
                                 Value gradGInit, std::optional<int64_t> dim,
                                 std::optional<double> eps, Value norm) {
  SmallVector<Type> resultTypes;
  if (isa<RankedTensorType>(gradVInit.getType()))
    resultTypes = {gradVInit.getType(), gradGInit.getType()};
  build(builder, state, resultTypes, gradW, v, g, norm, gradVInit, gradGInit,
        getDimAttrFor(builder, dim), getEpsAttrFor(builder, eps));
}

void WeightNormBackwardOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
        &effects) {
  getWeightNormEffects(*this, effects);
}

Speculation::Speculatability WeightNormBackwardOp::getSpeculatability() {
  return getWeightNormSpeculatability(*this);
}

void WeightNormBackwardOp::getAsmResultNames(
    function_ref<void(Value, StringRef)> setNameFn) {
  if (getNumResults() != 2)
    return;
  setNameFn(getGradVResult(), "grad_v");
  setNameFn(getGradGResult(), "grad_g");
}

Value WeightNormBackwardOp::getSavedNorm() { return getNorm(); }
Value WeightNormBackwardOp::getGradVDestination() { return getGradVInit(); }
Value WeightNormBackwardOp::getGradGDestination() { return getGradGInit(); }

bool WeightNormBackwardOp::isVShapedOperand(unsigned operandNumber) {
  return operandNumber == getGradWMutable().getOperandNumber() ||
         operandNumber == getVMutable().getOperandNumber() ||
         operandNumber == getGradVInitMutable().getOperandNumber();
}

LogicalResult WeightNormBackwardOp::verify() {
  // v, g, dim and eps: verifyWeightNormInterface.
  ShapedType vType = getVType();
  ShapedType gType = getGType();
  if (!isDestinationFor(getGradW().getType(), vType))
    return emitOpError("grad_w type ")
           << getGradW().getType() << " does not match v type " << vType;
  ShapedType expectedNorm = getGShapedAccumulationType(*this);
  if (Value norm = getNorm();
      norm && !isDestinationFor(norm.getType(), expectedNorm))
    return emitOpError("norm type ")
           << norm.getType() << " does not match " << expectedNorm
           << " (g's shape in the accumulation type)";
  if (!isDestinationFor(getGradVInit().getType(), vType))
    return emitOpError("grad_v_init type ")
           << getGradVInit().getType() << " does not match v type " << vType;
  if (!isDestinationFor(getGradGInit().getType(), gType))
    return emitOpError("grad_g_init type ")
           << getGradGInit().getType() << " does not match g type " << gType;
  if (!isa<RankedTensorType>(vType)) {
    if (getNumResults() != 0)
      return emitOpError("on memrefs the op has no results, but has ")
             << getNumResults();
    return success();
  }
  if (getNumResults() != 2)
    return emitOpError("expected two results (grad_v, grad_g), but there are ")
           << getNumResults();
  if (getGradVResult().getType() != vType)
    return emitOpError("grad_v result type ")
           << getGradVResult().getType() << " does not match v type " << vType;
  if (getGradGResult().getType() != gType)
    return emitOpError("grad_g result type ")
           << getGradGResult().getType() << " does not match g type " << gType;
  return success();
}

LogicalResult WeightNormBackwardOp::reifyResultShapes(
    OpBuilder &b, ReifiedRankedShapedTypeDims &reifiedReturnShapes) {
  return reifyFromDestinations(*this, b, reifiedReturnShapes);
}
