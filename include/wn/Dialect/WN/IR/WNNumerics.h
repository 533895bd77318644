//===- WNNumerics.h - the arithmetic of a weight norm -----------*- C++ -*-===//
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

namespace mlir {
namespace wn {

/// A sum of squares in the compute type: `hi + lo`, where `lo` is null for
/// Summation::Plain. Both are scalars or both are vectors.
struct PartialSum {
  Value hi;
  Value lo;
};

/// The per-slice results of a weight norm: the norm sqrt(sum [+ eps]) in the
/// compute type (plus a low part for Summation::DoubleDouble) and the scale
/// g / norm in the scale type (see WeightNormNumerics::getScaleType), plus a
/// low part when hasScaleLowPart().
struct SliceScale {
  Value normHi, normLo;
  Value scaleHi, scaleLo;
};

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
  /// Adds the partial sum `other` to `sum` (lanes, chunks, threads).
  PartialSum combine(PartialSum sum, PartialSum other);
  /// Adds up the lanes of a vector partial sum (a power-of-two width) into a
  /// scalar one, pairwise.
  PartialSum reduceLanes(PartialSum sum);
  /// The norm and the scale of a slice from its (scalar) sum of squares, with
  /// `eps` (compute type, may be null) and `g` (widened).
  SliceScale finalize(PartialSum sum, Value eps, Value g);
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

  OpBuilder &b;
  Location loc;
  Type elementType;
  FloatType computeType;
  FloatType accType;
  Summation summation;
};

} // namespace wn
} // namespace mlir

#endif // WN_DIALECT_WN_IR_WNNUMERICS_H
