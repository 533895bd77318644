//===- WeightNormLoweringBase.h - shared by the loop and GPU lowerings ----===//
//
// Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
// See the LICENSE file for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// What --wn-lower-to-loops and --wn-lower-to-gpu both need to turn one wn op
// on memrefs into loops: index arithmetic, scf loops and ifs, the [P, O, Q]
// view of v around dim with eps, and the per-slice values (g of a slice, its
// norm and scale results). Each lowering derives from it and adds its
// kernels.
//
//===----------------------------------------------------------------------===//

#ifndef WN_CONVERSION_WNCOMMON_WEIGHTNORMLOWERINGBASE_H
#define WN_CONVERSION_WNCOMMON_WEIGHTNORMLOWERINGBASE_H

#include "wn/Dialect/WN/IR/WNNumerics.h"
#include "wn/Dialect/WN/IR/WNOps.h"
#include "wn/Support/IndexArithmetic.h"
#include "wn/Support/MemRefUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Utils/MemRefUtils.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Rewrite/FrozenRewritePatternSet.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

#include <optional>
#include <string>

namespace mlir {
namespace wn {

class WeightNormLoweringBase : protected IndexArithmetic {
protected:
  WeightNormLoweringBase(ImplicitLocOpBuilder &b, WeightNormInterface op)
      : IndexArithmetic(b), op(op),
        numerics(b, b.getLoc(), op.getVType().getElementType()),
        computeType(numerics.getComputeType()) {}

  //===--------------------------------------------------------------------===//
  // Loops and conditions (index arithmetic: IndexArithmetic)
  //===--------------------------------------------------------------------===//

  /// A loop from `lb` to `ub` by `step` carrying `inits`; `body` receives the
  /// induction variable and the carried values and returns the next ones.
  SmallVector<Value>
  forLoop(Value lb, Value ub, Value step, ValueRange inits,
          function_ref<SmallVector<Value>(Value, ValueRange)> body) {
    auto loop = scf::ForOp::create(
        b, lb, ub, step, inits,
        [&](OpBuilder &nested, Location, Value iv, ValueRange args) {
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPoint(nested.getInsertionBlock(),
                              nested.getInsertionPoint());
          scf::YieldOp::create(b, body(iv, args));
        });
    return loop.getResults();
  }
  void forLoop(Value lb, Value ub, Value step, function_ref<void(Value)> body) {
    forLoop(lb, ub, step, {}, [&](Value iv, ValueRange) {
      body(iv);
      return SmallVector<Value>{};
    });
  }
  void ifThen(Value cond, function_ref<void()> body) {
    auto ifOp = scf::IfOp::create(b, cond, /*withElseRegion=*/false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
    body();
  }
  void ifThenElse(Value cond, function_ref<void()> thenBody,
                  function_ref<void()> elseBody) {
    auto ifOp = scf::IfOp::create(b, cond, /*withElseRegion=*/true);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
    thenBody();
    b.setInsertionPoint(ifOp.elseBlock()->getTerminator());
    elseBody();
  }

  //===--------------------------------------------------------------------===//
  // Partial sums
  //===--------------------------------------------------------------------===//

  /// `sum` as the values of a state: hi, and lo when it has one.
  SmallVector<Value> pack(const PartialSum &sum) {
    SmallVector<Value> values = {sum.hi};
    if (sum.lo)
      values.push_back(sum.lo);
    return values;
  }

  //===--------------------------------------------------------------------===//
  // The view of v and the per-slice values
  //===--------------------------------------------------------------------===//

  /// `memref` (contiguous, row-major) as a 1-D array with a unit stride.
  Value flatten(Value memref) {
    auto type = cast<MemRefType>(memref.getType());
    bool empty = llvm::is_contained(type.getShape(), 0);
    if (type.getLayout().isIdentity() && !empty) {
      if (type.getRank() == 1)
        return memref;
      SmallVector<ReassociationIndices> all(1);
      for (int64_t i = 0, e = type.getRank(); i < e; ++i)
        all[0].push_back(i);
      return memref::CollapseShapeOp::create(b, memref, all);
    }
    // A layout contiguous only by its static shape (unit dims of any
    // stride: memref<1xf32, strided<[?], offset: ?>>), or a static empty
    // shape (which collapse_shape does not take with dynamic dims): a
    // unit-stride view of the same elements at the same offset.
    int64_t count = empty ? 0 : type.getNumElements();
    auto metadata = memref::ExtractStridedMetadataOp::create(b, memref);
    auto flatType = MemRefType::get(
        {count}, type.getElementType(),
        StridedLayoutAttr::get(b.getContext(), ShapedType::kDynamic, {1}),
        type.getMemorySpace());
    return memref::ReinterpretCastOp::create(
        b, flatType, metadata.getBaseBuffer(),
        OpFoldResult(metadata.getOffset()),
        ArrayRef<OpFoldResult>{b.getIndexAttr(count)},
        ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
  }
  /// Sets P, O and Q (v as [P, O, Q] around dim; the whole-tensor norm is
  /// P = O = 1) and eps; returns v's sizes.
  SmallVector<Value> setView() {
    SmallVector<Value> sizes;
    for (int64_t i = 0, e = op.getRank(); i < e; ++i)
      sizes.push_back(b.createOrFold<memref::DimOp>(op.getV(), i));
    auto product = [&](ArrayRef<Value> values) {
      Value result = idx(1);
      for (Value value : values)
        result = mul(result, value);
      return result;
    };
    if (std::optional<int64_t> dim = op.getNormalizedDim()) {
      P = product(ArrayRef<Value>(sizes).take_front(*dim));
      O = sizes[*dim];
      Q = product(ArrayRef<Value>(sizes).drop_front(*dim + 1));
    } else {
      P = idx(1);
      O = idx(1);
      Q = product(sizes);
    }
    if (std::optional<APFloat> epsValue = op.getEpsInAccumulationType())
      eps = numerics.epsConstant(*epsValue);
    return sizes;
  }
  /// Indices of slice k in g's layout (and the norm's and scale's).
  SmallVector<Value> gIndices(Value k) {
    SmallVector<Value> indices(op.getGType().getRank(), idx(0));
    if (std::optional<int64_t> gDim = op.getGDimAlongDim())
      indices[*gDim] = k;
    return indices;
  }
  /// g of slice k, widened.
  Value loadG(Value k) {
    return numerics.widen(memref::LoadOp::create(b, op.getG(), gIndices(k)));
  }
  /// Reduces the elements of slice k of v1 one by one in a scalar loop nest
  /// (the SliceReducer of WeightNormNumerics::finalizeSlice: the rare
  /// rescaled sums of slices that overflowed or underflowed).
  SmallVector<Value> reduceSlice(Value k, ValueRange inits,
                                 SliceElementFn body) {
    return forLoop(idx(0), P, idx(1), inits, [&](Value p, ValueRange outer) {
      Value base = mul(add(mul(p, O), k), Q);
      return forLoop(idx(0), Q, idx(1), outer, [&](Value q, ValueRange acc) {
        Value x = memref::LoadOp::create(b, v1, ValueRange{add(base, q)});
        return body(x, acc);
      });
    });
  }
  /// The norm and scale of slice k from its scalar sum (rescaled when it
  /// overflowed or underflowed) and `g` (loaded when null); stores the norm
  /// and scale results the op has.
  SliceScale finishSlice(Value k, PartialSum sum, Value g = Value()) {
    SliceScale slice =
        numerics.finalizeSlice(sum, eps, g ? g : loadG(k), mul(P, Q),
                               [&](ValueRange inits, SliceElementFn body) {
                                 return reduceSlice(k, inits, body);
                               });
    storeSliceResults(k, slice);
    return slice;
  }
  /// Stores the norm and scale results the op has for slice k (scalars).
  void storeSliceResults(Value k, const SliceScale &slice) {
    if (Value norm = op.getNormDestination())
      memref::StoreOp::create(b, numerics.normResult(slice), norm, gIndices(k));
    if (Value scale = op.getScaleDestination())
      memref::StoreOp::create(b, numerics.scaleResult(slice), scale,
                              gIndices(k));
  }

  //===--------------------------------------------------------------------===//
  // What a kernel reduces and writes per element
  //===--------------------------------------------------------------------===//
  //
  // Every op is reduced per slice into a State, a list of compute type
  // values (scalars or vectors), partial sums of two kinds: the squares of
  // v (unless the norm is saved) and, for the backward, the products
  // grad_w * v; each is hi, plus lo when the summation has a low part. From
  // a slice's total, finishSliceState gives its factors (scalars of the
  // scale type), what the write phase needs per element: the scale of w
  // (hi[, lo]), or the backward's a, b' and the scale of v (a hi[, lo],
  // b' hi[, lo], 2^-k; see SliceGradients).

  using State = SmallVector<Value>;

  /// Whether the op is the backward (it reads grad_w and writes grad_v).
  bool isBackward() { return static_cast<bool>(op.getGradW()); }
  /// Whether the state sums squares of v (no saved norm).
  bool sumsSquares() { return !op.getSavedNorm(); }
  unsigned sumWidth() { return numerics.hasLowPart() ? 2 : 1; }
  /// The number of partial sums in a state.
  unsigned stateParts() {
    return (sumsSquares() ? 1 : 0) + (isBackward() ? 1 : 0);
  }
  unsigned stateWidth() { return stateParts() * sumWidth(); }
  /// The number of factors per slice.
  unsigned factorWidth() {
    unsigned pair = numerics.hasScaleLowPart() ? 2 : 1;
    // The backward: a, b' and the scale of v.
    return isBackward() ? 2 * pair + 1 : pair;
  }
  PartialSum statePart(ValueRange state, unsigned part) {
    unsigned width = sumWidth();
    return {state[part * width], width > 1 ? state[part * width + 1] : Value()};
  }
  /// The state with `fn` applied to every partial sum.
  State mapState(ValueRange state,
                 function_ref<PartialSum(PartialSum, unsigned)> fn) {
    State result;
    for (unsigned part = 0, e = stateParts(); part < e; ++part)
      llvm::append_range(result, pack(fn(statePart(state, part), part)));
    return result;
  }
  /// The empty state, of `type` (the compute type or a vector of it).
  State zeroState(Type type) {
    State result;
    for (unsigned part = 0, e = stateParts(); part < e; ++part)
      llvm::append_range(result, pack(numerics.zeroSum(type)));
    return result;
  }
  /// Adds the elements `x` of v and `gw` of grad_w (null for the forward;
  /// element type, scalars or vectors) to `state`.
  State accumulateState(Value x, Value gw, ValueRange state) {
    Value wideX = numerics.widen(x);
    Value wideGw = gw ? numerics.widen(gw) : Value();
    return mapState(state, [&](PartialSum sum, unsigned part) {
      if (part == 0 && sumsSquares())
        return numerics.accumulate(wideX, sum);
      return numerics.accumulateProduct(wideX, wideGw, sum);
    });
  }
  State combineState(ValueRange state, ValueRange other) {
    return mapState(state, [&](PartialSum sum, unsigned part) {
      return numerics.combine(sum, statePart(other, part));
    });
  }
  State reduceStateLanes(ValueRange state) {
    return mapState(state, [&](PartialSum sum, unsigned) {
      return numerics.reduceLanes(sum);
    });
  }
  /// The factors of slice k from its (scalar) total; stores the per-slice
  /// results the op has (norm, scale, grad_g).
  State finishSliceState(Value k, ValueRange total) {
    Value g = loadG(k);
    SliceScale slice =
        sumsSquares()
            ? finishSlice(k, statePart(total, 0), g)
            : numerics.fromSavedNorm(
                  memref::LoadOp::create(b, op.getSavedNorm(), gIndices(k)), g);
    if (!isBackward())
      return pack({slice.scaleHi, slice.scaleLo});
    SliceGradients gradients = numerics.finalizeGradients(
        slice, statePart(total, sumsSquares() ? 1 : 0), g);
    memref::StoreOp::create(b, gradients.gradG, op.getGradGDestination(),
                            gIndices(k));
    return gradients.factors();
  }
  /// The output element (w, or grad_v) from the elements `x` of v and `gw`
  /// of grad_w (null for the forward) and the slice's `factors`, broadcast
  /// to their shape.
  Value writeElement(Value x, Value gw, ValueRange factors) {
    if (!isBackward())
      return numerics.scaleElement(x, factors[0],
                                   factors.size() > 1 ? factors[1] : Value());
    return numerics.gradientElement(gw, x,
                                    SliceGradients::fromFactors(factors));
  }
  /// The v-shaped output the kernels write: w, or grad_v; null for the
  /// scale.
  Value getOutputDestination() {
    if (Value w = op.getWDestination())
      return w;
    return op.getGradVDestination();
  }

  WeightNormInterface op;
  WeightNormNumerics numerics;
  Type computeType;
  /// v, grad_w (the backward) and the v-shaped output (w or grad_v; null for
  /// the scale) as flat arrays, the [P, O, Q] view, eps.
  Value v1, gw1, w1, P, O, Q, eps;
};

/// Why a lowering cannot lower an op (a message naming the pass), or nothing
/// when it can.
using UnlowerableReasonFn = std::optional<std::string> (*)(WeightNormInterface);

/// Emits `reason(op)` as an error at `op` and fails when there is one.
inline LogicalResult checkLowerable(WeightNormInterface op,
                                    UnlowerableReasonFn reason) {
  if (std::optional<std::string> message = reason(op))
    return op.emitOpError(*message);
  return success();
}

/// The rewrite pattern of a lowering of wn ops: matches the ops `reason`
/// accepts, builds `Lowering(b, op, options).lower()` before the op and
/// erases it.
template <typename Lowering, typename Options>
class WeightNormLoweringPattern final
    : public OpInterfaceRewritePattern<WeightNormInterface> {
public:
  WeightNormLoweringPattern(MLIRContext *context, UnlowerableReasonFn reason,
                            const Options &options)
      : OpInterfaceRewritePattern(context), reason(reason), options(options) {}

  LogicalResult matchAndRewrite(WeightNormInterface op,
                                PatternRewriter &rewriter) const override {
    if (std::optional<std::string> message = reason(op))
      return rewriter.notifyMatchFailure(op, *message);
    rewriter.setInsertionPoint(op);
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Lowering(b, op, options).lower();
    rewriter.eraseOp(op);
    return success();
  }

private:
  UnlowerableReasonFn reason;
  Options options;
};

/// What a lowering pass of wn ops does: checks every wn op under `root`,
/// reporting at each op why `reason` says it cannot be lowered, and fails,
/// changing nothing, when any cannot; then rewrites the ops with `patterns`
/// (walk driver: no folding, new ops not revisited).
inline LogicalResult
checkAndLowerWeightNormOps(Operation *root, UnlowerableReasonFn reason,
                           const FrozenRewritePatternSet &patterns) {
  bool failedAny = false;
  root->walk([&](WeightNormInterface op) {
    failedAny |= failed(checkLowerable(op, reason));
  });
  if (failedAny)
    return failure();
  walkAndApplyPatterns(root, patterns);
  return success();
}

} // namespace wn
} // namespace mlir

#endif // WN_CONVERSION_WNCOMMON_WEIGHTNORMLOWERINGBASE_H
