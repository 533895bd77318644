//===- WNNumerics.cpp - the arithmetic of a weight norm -------------------===//
//
// A sum of squares is carried as hi + lo:
// - Summation::Plain (f32 in f64): one running sum; lo is absent;
// - Summation::Kahan (f16, bf16 in f32): lo holds the part of the previous
//   updates lost to rounding, added to the next term;
// - Summation::DoubleDouble (f64): Ogita, Rump and Oishi's Sum2: every
//   addition's exact error (TwoSum) and every square's exact error (a fused
//   multiply-add) accumulate in lo; the per-slice norm and scale are
//   double-double too and w = fma(v, scale_hi, v * scale_lo).
//
//===----------------------------------------------------------------------===//

#include "wn/Dialect/WN/IR/WNNumerics.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinAttributes.h"

using namespace mlir;
using namespace mlir::wn;

WeightNormNumerics::WeightNormNumerics(OpBuilder &b, Location loc,
                                       Type elementType)
    : b(b), loc(loc), elementType(elementType),
      computeType(wn::getComputeType(elementType)),
      accType(wn::getAccumulationType(elementType)),
      summation(wn::getSummation(elementType)) {}

Value WeightNormNumerics::constant(Type type, double value) {
  if (auto vectorType = dyn_cast<VectorType>(type))
    return arith::ConstantOp::create(
        b, loc, vectorType,
        DenseElementsAttr::get(
            vectorType, b.getFloatAttr(vectorType.getElementType(), value)));
  return arith::ConstantOp::create(b, loc, type, b.getFloatAttr(type, value));
}
Value WeightNormNumerics::add(Value x, Value y) {
  return arith::AddFOp::create(b, loc, x, y);
}
Value WeightNormNumerics::sub(Value x, Value y) {
  return arith::SubFOp::create(b, loc, x, y);
}
Value WeightNormNumerics::mul(Value x, Value y) {
  return arith::MulFOp::create(b, loc, x, y);
}
Value WeightNormNumerics::div(Value x, Value y) {
  return arith::DivFOp::create(b, loc, x, y);
}
Value WeightNormNumerics::fma(Value x, Value y, Value z) {
  return math::FmaOp::create(b, loc, x, y, z);
}
Value WeightNormNumerics::neg(Value x) {
  return arith::NegFOp::create(b, loc, x);
}

std::pair<Value, Value> WeightNormNumerics::twoSum(Value x, Value y) {
  Value s = add(x, y);
  Value bv = sub(s, x);
  Value e = add(sub(x, sub(s, bv)), sub(y, bv));
  return {s, e};
}

PartialSum WeightNormNumerics::zeroSum(Type type) {
  PartialSum sum{constant(type, 0.0), Value()};
  if (hasLowPart())
    sum.lo = constant(type, -0.0);
  return sum;
}

/// `type` (a scalar type), shaped like `like` (a scalar or a vector).
static Type shapedLike(Type type, Value like) {
  if (auto vectorType = dyn_cast<VectorType>(like.getType()))
    return vectorType.clone(type);
  return type;
}

Value WeightNormNumerics::widen(Value x) {
  Type target = shapedLike(computeType, x);
  if (x.getType() == target)
    return x;
  return arith::ExtFOp::create(b, loc, target, x);
}

PartialSum WeightNormNumerics::accumulate(Value x, PartialSum sum) {
  switch (summation) {
  case Summation::Plain:
    // x * x is exact in the compute type: the fused multiply-add gives the
    // same sum as a product and an addition, in one operation.
    return {fma(x, x, sum.hi), Value()};
  case Summation::Kahan: {
    // y = x * x + lo; hi' = hi + y; lo' = y - (hi' - hi).
    Value y = add(mul(x, x), sum.lo);
    Value t = add(sum.hi, y);
    return {t, sub(y, sub(t, sum.hi))};
  }
  case Summation::DoubleDouble: {
    // TwoSum(hi, sq) = t + err exactly; x * x = sq + e exactly.
    Value sq = mul(x, x);
    auto [t, err] = twoSum(sum.hi, sq);
    Value e = fma(x, x, neg(sq));
    return {t, add(sum.lo, add(err, e))};
  }
  }
  llvm_unreachable("unknown summation");
}

PartialSum WeightNormNumerics::combine(PartialSum sum, PartialSum other) {
  switch (summation) {
  case Summation::Plain:
    return {add(sum.hi, other.hi), Value()};
  case Summation::Kahan: {
    // Adds other.hi (with sum's pending low part) by TwoSum, exact whichever
    // operand is larger (partial sums of lanes, threads or warps can be of
    // any relative size), then other's own low part.
    Value y = add(other.hi, sum.lo);
    auto [t, err] = twoSum(sum.hi, y);
    return {t, add(err, other.lo)};
  }
  case Summation::DoubleDouble: {
    auto [t, err] = twoSum(sum.hi, other.hi);
    return {t, add(sum.lo, add(other.lo, err))};
  }
  }
  llvm_unreachable("unknown summation");
}

PartialSum WeightNormNumerics::reduceLanes(PartialSum sum) {
  auto vectorType = cast<VectorType>(sum.hi.getType());
  assert(vectorType.getRank() == 1 &&
         llvm::isPowerOf2_64(vectorType.getNumElements()) &&
         "lanes of a 1-D vector of a power-of-two size");
  // Pairwise: the two halves are combined until one lane is left.
  for (int64_t width = vectorType.getNumElements(); width > 1; width /= 2) {
    auto half = [&](Value v, int64_t offset) -> Value {
      if (!v)
        return Value();
      return vector::ExtractStridedSliceOp::create(
          b, loc, v, ArrayRef<int64_t>{offset}, ArrayRef<int64_t>{width / 2},
          ArrayRef<int64_t>{1});
    };
    sum = combine({half(sum.hi, 0), half(sum.lo, 0)},
                  {half(sum.hi, width / 2), half(sum.lo, width / 2)});
  }
  auto lane = [&](Value v) -> Value {
    return v ? vector::ExtractOp::create(b, loc, v, ArrayRef<int64_t>{0})
                   .getResult()
             : Value();
  };
  return {lane(sum.hi), lane(sum.lo)};
}

Value WeightNormNumerics::epsConstant(const APFloat &eps) {
  return widen(
      arith::ConstantOp::create(b, loc, accType, b.getFloatAttr(accType, eps)));
}

SliceScale WeightNormNumerics::finalize(PartialSum sum, Value eps, Value g) {
  // Scalar eps for vector sums (one slice per lane) is broadcast.
  if (eps && eps.getType() != sum.hi.getType())
    eps = vector::BroadcastOp::create(b, loc, sum.hi.getType(), eps);
  if (summation != Summation::DoubleDouble) {
    Value total = sum.lo ? add(sum.hi, sum.lo) : sum.hi;
    if (eps)
      total = add(total, eps);
    Value norm = math::SqrtOp::create(b, loc, total);
    Value scale = div(g, norm);
    if (summation == Summation::Kahan)
      return {norm, Value(), scale, Value()};
    // f32: the f64 scale as an f32 pair; hi + lo is within 2^-48 of it.
    Type scaleType = shapedLike(getScaleType(), scale);
    Value hi = arith::TruncFOp::create(b, loc, scaleType, scale);
    Value lo = arith::TruncFOp::create(
        b, loc, scaleType,
        sub(scale, arith::ExtFOp::create(b, loc, scale.getType(), hi)));
    return {norm, Value(), hi, lo};
  }
  // Renormalize (Fast2Sum: |hi| >= |lo|).
  Value hi = add(sum.hi, sum.lo);
  Value lo = sub(sum.lo, sub(hi, sum.hi));
  if (eps) {
    auto [s, err] = twoSum(hi, eps);
    Value l = add(lo, err);
    hi = add(s, l);
    lo = sub(l, sub(hi, s));
  }
  // sqrt(hi + lo) = r + rLo, rLo = (hi - r * r + lo) / (2 r); 0 when r = 0.
  Value r = math::SqrtOp::create(b, loc, hi);
  Value rem = add(fma(neg(r), r, hi), lo);
  Value zero = constant(r.getType(), 0.0);
  Value positive =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, r, zero);
  Value rLo =
      arith::SelectOp::create(b, loc, positive, div(rem, add(r, r)), zero);
  // g / (r + rLo) = q + qLo, qLo = (g - q * r - q * rLo) / r. For r = 0 it is
  // NaN, and so is every w of the (all-zero) slice, as without it.
  Value q = div(g, r);
  Value qLo = div(sub(fma(neg(q), r, g), mul(q, rLo)), r);
  return {r, rLo, q, qLo};
}

Value WeightNormNumerics::normResult(const SliceScale &slice) {
  Value norm = slice.normLo ? add(slice.normHi, slice.normLo) : slice.normHi;
  Type target = shapedLike(accType, norm);
  if (norm.getType() == target)
    return norm;
  return arith::TruncFOp::create(b, loc, target, norm);
}

Value WeightNormNumerics::scaleResult(const SliceScale &slice) {
  // f32: the high part of the pair is the f64 quotient rounded to f32;
  // f16 and bf16: the f32 quotient; f64: the double-double quotient rounded
  // to f64 (its parts are not normalized).
  assert(getElementTypeOrSelf(slice.scaleHi.getType()) == accType &&
         "the scale type is the accumulation type");
  if (summation == Summation::DoubleDouble)
    return add(slice.scaleHi, slice.scaleLo);
  return slice.scaleHi;
}

Value WeightNormNumerics::scaleElement(Value v, Value scaleHi, Value scaleLo) {
  // f16, bf16: widened to f32, one product; f32 and f64: in their own type,
  // fma(v, hi, v * lo), rounded once.
  Value x = summation == Summation::Kahan ? widen(v) : v;
  Value y = scaleLo ? fma(x, scaleHi, mul(x, scaleLo)) : mul(x, scaleHi);
  Type target = shapedLike(elementType, y);
  if (y.getType() == target)
    return y;
  return arith::TruncFOp::create(b, loc, target, y);
}
