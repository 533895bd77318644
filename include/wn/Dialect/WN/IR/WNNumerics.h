//===- WNNumerics.h - the arithmetic of a weight norm -----------*- C++ -*-===//
//
// Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
// See the LICENSE file for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// One place for how a weight norm computes: the compute type, the summation
// scheme of the sum of squares, and the per-slice norm and scale. Every
// lowering (the linalg decomposition, the fused loops) builds its arithmetic
// through WeightNormNumerics, on scalars or on vectors, so that all of them
// produce the same numbers within the bounds documented in WNOps.td.
//
//===----------------------------------------------------------------------===//

#ifndef WN_DIALECT_WN_IR_WNNUMERICS_H
#define WN_DIALECT_WN_IR_WNNUMERICS_H

#include "wn/Dialect/WN/IR/WNOps.h"

#include "mlir/IR/Builders.h"

#include <optional>

namespace mlir {
namespace wn {

//===----------------------------------------------------------------------===//
// Rescaled sums of squares
//===----------------------------------------------------------------------===//
//
// The fast sum of squares (WeightNormNumerics::accumulate) squares elements
// in the compute type as they are. For bf16 (in f32) and f64 squares can
// overflow (|v| above about 1.8e19 and 1.3e154) or underflow (below about
// 1e-19 and 1.5e-154), and for f16, bf16 and f64 an infinity turns the
// compensated sums into inf - inf = NaN. So every slice's sum is tested once
// (WeightNormNumerics::needsRescaling, one or two compares per slice) and,
// only when it is outside the range where the fast sum meets the documented
// bound, the slice is summed again from its elements, as reference BLAS nrm2
// does, but with one exact power-of-two scale
// (WeightNormNumerics::finalizeRescaled):
//   m = max |v| over the slice (NaN when some v is NaN);
//   e = max(E(m), ceil(E(eps) / 2)), E(x) = floor(log2 x) clamped below at
//       the compute type's minimum exponent (zero and subnormals);
//   sum = sum of (v * 2^-e)^2 with the same compensated summation (every
//       scaled |v| is below 2, the sum below 4n: no overflow; squares that
//       underflow are below 2^emin of a sum of at least 2^(2-2p));
//   norm = sqrt(sum + eps * 2^-2e) * 2^e, scale = (g / sqrt(...)) * 2^-e;
// and m = +inf gives norm = +inf, scale = g / inf (PyTorch's result: w = 0
// for finite v, NaN at the infinity). Powers of two 2^k are applied as two
// factors 2^floor(k/2) and 2^(k - floor(k/2)), normal numbers whose product
// is 2^k for every k in the range, so scaling is exact and never overflows
// in between.

/// When a slice's sum of squares needs the rescaled recomputation, for one
/// element type (the constant folder and WeightNormNumerics share it).
struct RescalingBounds {
  /// Test for sums above `maxSum` or NaN (an overflow, an infinity or a NaN
  /// in v). Off for f32: its f64 sums cannot overflow, and an infinity
  /// gives an infinite sum, not NaN.
  bool testHigh = false;
  /// 2^emax of the compute type: sums at most this large are finite after
  /// adding the low part and eps.
  double maxSum = 0.0;
  /// Test for sums below count * minSumPerElement - eps. Only where
  /// squares can be subnormal in the compute type (bf16, f64): each loses
  /// at most 2^(emin - p) (Kahan, f32: 2^-150), or 3 * 2^(emin - p) for
  /// double-double (square error, addition error and low part), against
  /// the summation's own error u S (Kahan) or u^2 S (Sum2); so
  /// minSumPerElement is 2^emin = 2^-126 for bf16 and 2^(emin + p + 2) =
  /// 2^-967 for f64.
  bool testLow = false;
  double minSumPerElement = 0.0;
};
RescalingBounds getRescalingBounds(Type elementType);

/// The exponent e of the rescaled sum for a slice whose largest |v| is
/// `maxAbs` (finite, in the compute type) with `eps` (in the compute type,
/// may be absent): the host twin of the IR built by finalizeRescaled.
int64_t getRescalingExponent(Type elementType, double maxAbs,
                             std::optional<double> eps);

/// A sum of squares in the compute type: `hi + lo`, where `lo` is null for
/// Summation::Plain. Both are scalars or both are vectors.
struct PartialSum {
  Value hi;
  Value lo;
};

/// The per-slice results of a weight norm: the norm sqrt(sum [+ eps]) in the
/// compute type (plus a low part for Summation::DoubleDouble, null for a
/// saved norm) and the scale
/// g / norm in the scale type (see WeightNormNumerics::getScaleType), plus a
/// low part when hasScaleLowPart().
struct SliceScale {
  Value normHi, normLo;
  Value scaleHi, scaleLo;
};

/// The per-slice values of a weight norm's backward: grad_g (s / n rounded
/// to the element type) and the factors of grad_v = a grad_w - b' (v 2^-k),
/// with a = g / n, b' = g s / (n^2 (n 2^-k)) and k = floor(log2 n) (clamped):
/// a and b' in the scale type, with low parts when hasScaleLowPart(), and
/// vScale = 2^-k in the scale type. (b = g s / n^3 itself would overflow or
/// underflow where grad_v does not.)
struct SliceGradients {
  Value gradG;
  Value aHi, aLo;
  Value bHi, bLo;
  Value vScale;

  /// The factors of grad_v as a list, the order every lowering passes them
  /// to the element: aHi[, aLo], bHi[, bLo], vScale.
  SmallVector<Value> factors() const {
    SmallVector<Value> values = {aHi};
    if (aLo)
      values.push_back(aLo);
    values.push_back(bHi);
    if (bLo)
      values.push_back(bLo);
    values.push_back(vScale);
    return values;
  }
  /// The factors back from such a list (3 values, or 5 with low parts).
  static SliceGradients fromFactors(ValueRange values) {
    assert((values.size() == 3 || values.size() == 5) &&
           "a, b' (with or without low parts) and the scale of v");
    bool pairs = values.size() == 5;
    SliceGradients gradients;
    gradients.aHi = values[0];
    gradients.aLo = pairs ? values[1] : Value();
    gradients.bHi = values[pairs ? 2 : 1];
    gradients.bLo = pairs ? values[3] : Value();
    gradients.vScale = values.back();
    return gradients;
  }
};

/// Calls its second argument, `body(x, acc)`, for every element `x` of one
/// slice of v (a scalar of the element type), in any order, carrying the
/// values `acc` from its first argument; returns the last ones. It builds at
/// the insertion point of the numerics' builder and leaves it after the
/// loops.
using SliceElementFn = function_ref<SmallVector<Value>(Value, ValueRange)>;
using SliceReducer =
    function_ref<SmallVector<Value>(ValueRange, SliceElementFn)>;

/// Builds weight norm arithmetic for one element type at the builder's
/// insertion point.
class WeightNormNumerics {
public:
  WeightNormNumerics(OpBuilder &b, Location loc, Type elementType);

  Type getElementType() const { return elementType; }
  FloatType getComputeType() const { return computeType; }
  FloatType getAccumulationType() const { return accType; }
  Summation getSummation() const { return summation; }
  /// Whether partial sums carry a low part.
  bool hasLowPart() const { return summation != Summation::Plain; }
  /// The type of the per-slice scale: the compute type, except for f32,
  /// whose f64 scale is split into an f32 pair so that w = v * scale runs in
  /// f32 (one product and one fused multiply-add per element).
  FloatType getScaleType() const {
    return summation == Summation::Plain ? cast<FloatType>(elementType)
                                         : computeType;
  }
  /// Whether the scale is a pair hi + lo (f32 and f64).
  bool hasScaleLowPart() const { return summation != Summation::Kahan; }

  /// The value a partial sum starts from, of `type` (the compute type or a
  /// vector of it). The low part starts at -0.0 rather than +0.0: the same
  /// number here (x + -0.0 == x), but a distinct constant, which keeps CSE
  /// from merging the two accumulators of a linalg reduction into one tensor
  /// that bufferization would then have to copy.
  PartialSum zeroSum(Type type);
  /// Widens `x` (element type, scalar or vector) to the compute type.
  Value widen(Value x);
  /// Adds x * x (x already widened) to `sum`.
  PartialSum accumulate(Value x, PartialSum sum);
  /// Adds x * y (both widened) to `sum`: the dot products of the backward,
  /// with the same summation (exact products for f16, bf16 and f32; each
  /// product's error recovered by a fused multiply-add for f64).
  PartialSum accumulateProduct(Value x, Value y, PartialSum sum);
  /// Adds the partial sum `other` to `sum` (lanes, chunks, threads).
  PartialSum combine(PartialSum sum, PartialSum other);
  /// Adds up the lanes of a vector partial sum (a power-of-two width) into a
  /// scalar one, pairwise.
  PartialSum reduceLanes(PartialSum sum);
  /// The norm and the scale of a slice from its (scalar) sum of squares, with
  /// `eps` (compute type, may be null) and `g` (widened).
  SliceScale finalize(PartialSum sum, Value eps, Value g);
  /// The norm and scale of a slice from a saved norm (the accumulation
  /// type, as wn.weight_norm returns it) and `g` (widened).
  SliceScale fromSavedNorm(Value norm, Value g);
  /// The backward's per-slice values from the slice's norm and scale
  /// (finalizeSlice or fromSavedNorm), its (scalar) dot product
  /// s = sum(grad_w * v) and `g` (widened).
  SliceGradients finalizeGradients(const SliceScale &slice, PartialSum dot,
                                   Value g);
  /// grad_v = a grad_w - b v for grad_w and v in the element type (scalars
  /// or vectors, the factors broadcast to their shape by the caller),
  /// rounded once to the element type.
  Value gradientElement(Value gradW, Value v, const SliceGradients &factors);
  /// Whether this type's sums are ever rescaled (needsRescaling is not
  /// null): bf16, f16 and f64.
  bool mayNeedRescaling() const { return bounds.testHigh || bounds.testLow; }
  /// An i1, true when the scalar sum of squares `sum` of a slice of `count`
  /// (index) elements is outside the range where it meets the documented
  /// bound (RescalingBounds); null when the type needs no test (f32). For
  /// a vector sum (one slice per lane), a vector of i1.
  Value needsRescaling(PartialSum sum, Value count, Value eps);
  /// The norm and scale of a slice computed from its elements with an exact
  /// power-of-two scaling (the comment above RescalingBounds): two passes of
  /// `reduceSlice` over the slice. `eps` (may be null) and `g` as for
  /// finalize. Scalars only.
  SliceScale finalizeRescaled(Value eps, Value g, SliceReducer reduceSlice);
  /// The norm and scale of a slice from its scalar sum `sum` of `count`
  /// elements: finalize, or finalizeRescaled when needsRescaling (an
  /// scf.if, one compare or two per slice on the fast path). What every
  /// lowering computes per slice.
  SliceScale finalizeSlice(PartialSum sum, Value eps, Value g, Value count,
                           SliceReducer reduceSlice);
  /// The norm result value, rounded to the accumulation type.
  Value normResult(const SliceScale &slice);
  /// The scale g / norm rounded once to the accumulation type (the result
  /// of wn.weight_norm_scale).
  Value scaleResult(const SliceScale &slice);
  /// w = v * scale for v in the element type (scalar or vector), rounded to
  /// the element type; `scaleHi` and `scaleLo` are broadcast to v's shape by
  /// the caller.
  Value scaleElement(Value v, Value scaleHi, Value scaleLo);
  /// eps rounded to the accumulation type, as a compute type constant.
  Value epsConstant(const APFloat &eps);

private:
  Value constant(Type type, double value);
  Value add(Value x, Value y);
  Value sub(Value x, Value y);
  Value mul(Value x, Value y);
  Value div(Value x, Value y);
  Value fma(Value x, Value y, Value z);
  Value neg(Value x);
  /// TwoSum: returns (s, e) with s = fl(x + y) and s + e == x + y exactly.
  std::pair<Value, Value> twoSum(Value x, Value y);
  /// `x` (scalar or vector) rounded to `scalarType` (shaped like x); x
  /// itself when it has that type already. The twin of widen.
  Value narrow(Value x, Type scalarType);
  /// x in the compute type as a pair hi + lo of the scale type (f32 for
  /// f32 elements), hi + lo within 2^-48 of x.
  std::pair<Value, Value> splitToPair(Value x);
  /// The double-double quotient (xHi + xLo) / (yHi + yLo) as q + qLo (the
  /// low parts may be null).
  std::pair<Value, Value> divideDD(Value xHi, Value xLo, Value yHi, Value yLo);
  /// The slice's SliceScale from its norm normHi + normLo (normLo null
  /// except for double-double, where it may be null too: a saved norm) and
  /// g.
  SliceScale scaleByNorm(Value normHi, Value normLo, Value g);
  /// The integer type as wide as the compute type, and an integer constant.
  IntegerType bitsType();
  Value intConstant(int64_t value);
  /// floor(log2 x) of a scalar x >= 0 of the compute type, clamped below at
  /// the type's minimum exponent (for zero and subnormals); emax + 1 for
  /// inf and NaN.
  Value clampedExponent(Value x);
  /// 2^j in the compute type, for an integer j (bitsType) within
  /// [emin, emax].
  Value powerOfTwo(Value j);
  /// 2^k as two factors (see above RescalingBounds), for an integer k
  /// within [emin - 1, emax + 1] of the compute type.
  std::pair<Value, Value> powerOfTwoFactors(Value k);

  OpBuilder &b;
  Location loc;
  Type elementType;
  FloatType computeType;
  FloatType accType;
  Summation summation;
  RescalingBounds bounds;
};

} // namespace wn
} // namespace mlir

#endif // WN_DIALECT_WN_IR_WNNUMERICS_H
