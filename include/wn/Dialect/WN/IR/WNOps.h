//===- WNOps.h - wn dialect operations and shape rules ----------*- C++ -*-===//
//
// Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
// See the LICENSE file for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The operations of the wn dialect, and the rules every wn pass shares: which
// element types are supported, which type accumulates, how `dim` is
// normalized and which layouts of g are accepted. Passes call these rather
// than re-deriving them.
//
//===----------------------------------------------------------------------===//

#ifndef WN_DIALECT_WN_IR_WNOPS_H
#define WN_DIALECT_WN_IR_WNOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/TilingInterface.h"
#include "wn/Dialect/WN/IR/WNDialect.h"

namespace mlir {
namespace wn {

/// The accepted layouts of the magnitude operand g of a weight norm.
enum class GLayout {
  /// v's rank, size 1 in every dimension except `dim` (PyTorch's layout).
  Keepdim,
  /// 1-D with v.shape[dim] elements.
  Flat,
  /// Whole-tensor norm: 0-d, or every size 1 (1-D or v's rank).
  Scalar,
};

/// Returns true for the element types wn.weight_norm supports: f16, bf16,
/// f32 and f64.
bool isSupportedElementType(Type type);

/// Returns PyTorch's accumulation type for `elementType`: f32 for f16 and
/// bf16, the type itself for f32 and f64. It is the element type of the norm
/// result and the type eps is rounded to.
FloatType getAccumulationType(Type elementType);

/// Returns the type a weight norm over `elementType` computes in: f32 for f16
/// and bf16, f64 for f32 and f64. Squares of f16, bf16 and f32 values are
/// exact there.
FloatType getComputeType(Type elementType);

/// How a weight norm sums squares in its compute type (WNOps.td derives the
/// error bounds).
enum class Summation {
  /// One running sum (per vector lane): f32 in f64, where n u stays far
  /// below an f32 ulp.
  Plain,
  /// Kahan's compensated summation: f16 and bf16 in f32.
  Kahan,
  /// Double-double (Ogita, Rump and Oishi's Sum2) with exact square errors
  /// from fused multiply-adds, and double-double norms and scales: f64.
  DoubleDouble,
};

/// Returns the summation scheme of a weight norm over `elementType`.
Summation getSummation(Type elementType);

/// Normalizes a Python-style dimension index against `rank`: non-negative
/// values count from the front, negative ones from the back (-1 is the last
/// dimension). Returns std::nullopt when `dim` is out of [-rank, rank).
std::optional<int64_t> normalizeDim(int64_t dim, int64_t rank);

/// Classifies the layout of g for a weight norm of v over the normalized
/// dimension `normDim` (std::nullopt: whole tensor). On a shape that fits no
/// layout, fails and, when `emitError` is given, reports which dimension and
/// which size was expected.
FailureOr<GLayout>
classifyGLayout(ShapedType vType, ShapedType gType,
                std::optional<int64_t> normDim,
                function_ref<InFlightDiagnostic()> emitError = {});

/// Returns true when g (or a norm result, which has g's shape) of a weight
/// norm over the normalized dimension `normDim` is in the canonical layout:
/// 1-D (flat, `v.shape[dim]` elements) with a dim, 0-d for the whole-tensor
/// norm. Canonicalization rewrites the other layouts to it.
bool isCanonicalGLayout(ShapedType gType, std::optional<int64_t> normDim);

/// The reassociation that collapses a tensor in g's layout (`gType`, of a
/// verified weight norm over `normDim`) to the canonical layout: every
/// dimension into one with a dim, none (0-d) without. std::nullopt when
/// `gType` is already canonical.
std::optional<SmallVector<ReassociationIndices>>
getCanonicalGReassociation(ShapedType gType, std::optional<int64_t> normDim);

/// Collapses `gShaped` (g or a norm destination, a tensor in g's layout) to
/// the canonical layout with tensor.collapse_shape; returns it unchanged when
/// it is canonical already.
Value collapseToCanonicalGLayout(OpBuilder &b, Location loc, Value gShaped,
                                 std::optional<int64_t> normDim);

/// Expands `canonical` (a tensor in the canonical layout) back to
/// `gShapedType` (g's layout) with tensor.expand_shape, dynamic sizes taken
/// from `canonical`; returns it unchanged when the types already agree.
Value expandFromCanonicalGLayout(OpBuilder &b, Location loc, Value canonical,
                                 RankedTensorType gShapedType,
                                 std::optional<int64_t> normDim);

namespace detail {
/// The rules behind WeightNormInterface's shared methods (see there).
std::optional<int64_t> getNormalizedDim(IntegerAttr dimAttr, int64_t rank);
GLayout getGLayout(ShapedType vType, ShapedType gType,
                   std::optional<int64_t> normDim);
std::optional<int64_t> getGDimAlongDim(GLayout layout,
                                       std::optional<int64_t> normDim);
std::optional<APFloat> getEpsIn(FloatAttr epsAttr, Type accumulationType);
AffineMap getGIndexingMap(int64_t gRank, std::optional<int64_t> gDim,
                          unsigned numLoops, std::optional<unsigned> normLoop,
                          MLIRContext *ctx);
/// Verifies what every weight norm op shares: all tensors or all memrefs,
/// v's rank and element type, g's element type and layout, dim and eps.
LogicalResult verifyWeightNormInterface(Operation *op);
} // namespace detail

} // namespace wn
} // namespace mlir

#include "wn/Dialect/WN/IR/WNInterfaces.h.inc"

#define GET_OP_CLASSES
#include "wn/Dialect/WN/IR/WNOps.h.inc"

#endif // WN_DIALECT_WN_IR_WNOPS_H
