//===- WNNumerics.cpp - the arithmetic of a weight norm -------------------===//
//
// Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
// See the LICENSE file for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
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
// Sums that may have overflowed or underflowed are recomputed with an exact
// power-of-two scaling (finalizeSlice; the rule is in WNNumerics.h).
//
//===----------------------------------------------------------------------===//

#include "wn/Dialect/WN/IR/WNNumerics.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinAttributes.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::wn;

RescalingBounds mlir::wn::getRescalingBounds(Type elementType) {
  const llvm::fltSemantics &element =
      cast<FloatType>(elementType).getFloatSemantics();
  const llvm::fltSemantics &compute =
      getComputeType(elementType).getFloatSemantics();
  int emin = APFloat::semanticsMinExponent(compute);
  int emax = APFloat::semanticsMaxExponent(compute);
  int precision = APFloat::semanticsPrecision(compute);
  Summation summation = getSummation(elementType);
  RescalingBounds bounds;
  // f32 in f64: n squares of at most 2^256 stay below 2^1024 for any n
  // below 2^64, and an infinity makes the plain sum infinite, which is the
  // defined result.
  bounds.testHigh = summation != Summation::Plain;
  bounds.maxSum = std::ldexp(1.0, emax);
  // Squares of the smallest subnormal element are normal in the compute
  // type for f16 (2^-48 in f32) and f32 (2^-298 in f64): no test.
  int smallestElementExponent = APFloat::semanticsMinExponent(element) -
                                APFloat::semanticsPrecision(element) + 1;
  bounds.testLow = 2 * smallestElementExponent < emin;
  if (bounds.testLow)
    bounds.minSumPerElement = summation == Summation::DoubleDouble
                                  ? std::ldexp(1.0, emin + precision + 2)
                                  : std::ldexp(1.0, emin);
  return bounds;
}

/// floor(log2 x) clamped below at `emin`, for a finite x >= 0 (the host
/// twin of WeightNormNumerics::clampedExponent).
static int64_t clampedExponent(double x, int emin) {
  if (x == 0.0)
    return emin;
  return std::max<int64_t>(std::ilogb(x), emin);
}

int64_t mlir::wn::getRescalingExponent(Type elementType, double maxAbs,
                                       std::optional<double> eps) {
  int emin = APFloat::semanticsMinExponent(
      getComputeType(elementType).getFloatSemantics());
  int64_t e = clampedExponent(maxAbs, emin);
  if (eps) {
    // ceil(E(eps) / 2): eps * 2^-2e stays below 2.
    int64_t half = clampedExponent(*eps, emin) + 1;
    e = std::max<int64_t>(e, half >= 0 ? half / 2 : -((1 - half) / 2));
  }
  return e;
}

WeightNormNumerics::WeightNormNumerics(OpBuilder &b, Location loc,
                                       Type elementType)
    : b(b), loc(loc), elementType(elementType),
      computeType(wn::getComputeType(elementType)),
      accType(wn::getAccumulationType(elementType)),
      summation(wn::getSummation(elementType)),
      bounds(getRescalingBounds(elementType)) {}

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

Value WeightNormNumerics::narrow(Value x, Type scalarType) {
  Type target = shapedLike(scalarType, x);
  if (x.getType() == target)
    return x;
  return arith::TruncFOp::create(b, loc, target, x);
}

Value WeightNormNumerics::widen(Value x) {
  Type target = shapedLike(computeType, x);
  if (x.getType() == target)
    return x;
  return arith::ExtFOp::create(b, loc, target, x);
}

PartialSum WeightNormNumerics::accumulate(Value x, PartialSum sum) {
  return accumulateProduct(x, x, sum);
}

PartialSum WeightNormNumerics::accumulateProduct(Value x, Value y,
                                                 PartialSum sum) {
  switch (summation) {
  case Summation::Plain:
    // x * y is exact in the compute type: the fused multiply-add gives the
    // same sum as a product and an addition, in one operation.
    return {fma(x, y, sum.hi), Value()};
  case Summation::Kahan: {
    // t = x * y + lo; hi' = hi + t; lo' = t - (hi' - hi).
    Value t0 = add(mul(x, y), sum.lo);
    Value t = add(sum.hi, t0);
    return {t, sub(t0, sub(t, sum.hi))};
  }
  case Summation::DoubleDouble: {
    // TwoSum(hi, p) = t + err exactly; x * y = p + e exactly.
    Value p = mul(x, y);
    auto [t, err] = twoSum(sum.hi, p);
    Value e = fma(x, y, neg(p));
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

std::pair<Value, Value> WeightNormNumerics::splitToPair(Value x) {
  Type pairType = shapedLike(getScaleType(), x);
  Value hi = arith::TruncFOp::create(b, loc, pairType, x);
  Value lo = arith::TruncFOp::create(
      b, loc, pairType, sub(x, arith::ExtFOp::create(b, loc, x.getType(), hi)));
  return {hi, lo};
}

std::pair<Value, Value> WeightNormNumerics::divideDD(Value xHi, Value xLo,
                                                     Value yHi, Value yLo) {
  // (xHi + xLo) / (yHi + yLo) = q + qLo, qLo = (xHi - q yHi + xLo - q yLo)
  // / yHi: the residual's first part exact by the fused multiply-add.
  Value q = div(xHi, yHi);
  Value residual = fma(neg(q), yHi, xHi);
  if (xLo)
    residual = add(residual, xLo);
  if (yLo)
    residual = sub(residual, mul(q, yLo));
  return {q, div(residual, yHi)};
}

SliceScale WeightNormNumerics::scaleByNorm(Value normHi, Value normLo,
                                           Value g) {
  if (summation != Summation::DoubleDouble) {
    Value scale = div(g, normHi);
    if (summation == Summation::Kahan)
      return {normHi, Value(), scale, Value()};
    // f32: the f64 scale as an f32 pair; hi + lo is within 2^-48 of it.
    auto [hi, lo] = splitToPair(scale);
    return {normHi, Value(), hi, lo};
  }
  // g / (r + rLo) = q + qLo. For r = 0 it is NaN, and so is every w of the
  // (all-zero) slice, as without it.
  auto [q, qLo] = divideDD(g, Value(), normHi, normLo);
  return {normHi, normLo, q, qLo};
}

SliceScale WeightNormNumerics::finalize(PartialSum sum, Value eps, Value g) {
  // Scalar eps for vector sums (one slice per lane) is broadcast.
  if (eps && eps.getType() != sum.hi.getType())
    eps = vector::BroadcastOp::create(b, loc, sum.hi.getType(), eps);
  if (summation != Summation::DoubleDouble) {
    Value total = sum.lo ? add(sum.hi, sum.lo) : sum.hi;
    if (eps)
      total = add(total, eps);
    return scaleByNorm(math::SqrtOp::create(b, loc, total), Value(), g);
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
  return scaleByNorm(r, rLo, g);
}

SliceScale WeightNormNumerics::fromSavedNorm(Value norm, Value g) {
  // A saved norm has no low part, even for double-double.
  return scaleByNorm(widen(norm), Value(), g);
}

SliceGradients WeightNormNumerics::finalizeGradients(const SliceScale &slice,
                                                     PartialSum dot, Value g) {
  // s = hi + lo, renormalized for double-double; an infinite or NaN hi is
  // taken alone (its low part would be inf - inf).
  Value sHi = dot.hi, sLo;
  if (dot.lo) {
    Value inf =
        constant(dot.hi.getType(), std::numeric_limits<double>::infinity());
    Value finite =
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT,
                              math::AbsFOp::create(b, loc, dot.hi), inf);
    Value hi = add(dot.hi, dot.lo);
    sHi = arith::SelectOp::create(b, loc, finite, hi, dot.hi);
    if (summation == Summation::DoubleDouble) {
      Value lo = sub(dot.lo, sub(hi, dot.hi));
      Value zero = constant(dot.hi.getType(), 0.0);
      sLo = arith::SelectOp::create(b, loc, finite, lo, zero);
    }
  }
  // b = a c / n grows like 1 / |v|^2 while b v and grad_v do not: b would
  // overflow or underflow long before them (|v| near 1e-19 or 1e19 for an
  // f32 pair). So v is scaled per slice by 2^-k, k = floor(log2 n) clamped
  // to the scale type's normal exponents, exact: b' = a c / (n 2^-k), of
  // the magnitude of grad_v, and grad_v = a grad_w - b' (v 2^-k).
  const llvm::fltSemantics &scaleSemantics = getScaleType().getFloatSemantics();
  Value k = clampedExponent(slice.normHi);
  k = arith::MaxSIOp::create(
      b, loc, k, intConstant(APFloat::semanticsMinExponent(scaleSemantics)));
  k = arith::MinSIOp::create(
      b, loc, k,
      intConstant(APFloat::semanticsMaxExponent(scaleSemantics) - 1));
  Value down = powerOfTwo(arith::SubIOp::create(b, loc, intConstant(0), k));
  Value scaledNormHi = mul(slice.normHi, down);
  Value scaledNormLo = slice.normLo ? mul(slice.normLo, down) : Value();
  SliceGradients result;
  result.vScale = narrow(down, getScaleType());
  if (summation != Summation::DoubleDouble) {
    // a = g / n, c = s / n, b' = a c / n' in the compute type.
    Value n = slice.normHi;
    Value a = div(g, n);
    Value c = div(sHi, n);
    Value bFactor = div(mul(a, c), scaledNormHi);
    result.gradG = narrow(c, elementType);
    if (summation == Summation::Kahan) {
      result.aHi = a;
      result.bHi = bFactor;
      return result;
    }
    std::tie(result.aHi, result.aLo) = splitToPair(a);
    std::tie(result.bHi, result.bLo) = splitToPair(bFactor);
    return result;
  }
  // Double-double: a is the slice's scale, c = s / n, b' = (a c) / n'.
  auto [cHi, cLo] = divideDD(sHi, sLo, slice.normHi, slice.normLo);
  result.gradG = add(cHi, cLo);
  Value p = mul(slice.scaleHi, cHi);
  Value pErr = fma(slice.scaleHi, cHi, neg(p));
  Value cross1 = mul(slice.scaleHi, cLo);
  Value cross2 = mul(slice.scaleLo, cHi);
  Value pLo = add(pErr, add(cross1, cross2));
  std::tie(result.bHi, result.bLo) =
      divideDD(p, pLo, scaledNormHi, scaledNormLo);
  result.aHi = slice.scaleHi;
  result.aLo = slice.scaleLo;
  return result;
}

Value WeightNormNumerics::gradientElement(Value gradW, Value v,
                                          const SliceGradients &factors) {
  Value y;
  if (summation == Summation::Kahan) {
    // f16, bf16: a gw - b v in f32, one fused multiply-add.
    Value x = widen(gradW);
    Value bv = mul(factors.bHi, mul(widen(v), factors.vScale));
    y = fma(factors.aHi, x, neg(bv));
  } else {
    // f32, f64: both products exact as p + e (fused multiply-adds), the low
    // parts of a and b added to the errors, the difference rounded last.
    Value p1 = mul(factors.aHi, gradW);
    Value e1 = fma(factors.aHi, gradW, neg(p1));
    v = mul(v, factors.vScale);
    Value p2 = mul(factors.bHi, v);
    Value e2 = fma(factors.bHi, v, neg(p2));
    // (Operands built in order: C++ leaves argument evaluation unordered.)
    Value lo1 = fma(factors.aLo, gradW, e1);
    Value lo2 = fma(factors.bLo, v, e2);
    Value lo = sub(lo1, lo2);
    y = add(sub(p1, p2), lo);
  }
  return narrow(y, elementType);
}

IntegerType WeightNormNumerics::bitsType() {
  return b.getIntegerType(computeType.getWidth());
}

Value WeightNormNumerics::intConstant(int64_t value) {
  return arith::ConstantOp::create(b, loc, bitsType(),
                                   b.getIntegerAttr(bitsType(), value));
}

Value WeightNormNumerics::clampedExponent(Value x) {
  const llvm::fltSemantics &semantics = computeType.getFloatSemantics();
  int64_t mantissaBits = APFloat::semanticsPrecision(semantics) - 1;
  int64_t exponentBits = computeType.getWidth() - mantissaBits - 1;
  int64_t bias = 1 - APFloat::semanticsMinExponent(semantics);
  Value bits = arith::BitcastOp::create(b, loc, bitsType(), x);
  // The biased exponent field (the sign bit is shifted out of the mask),
  // at least 1: zero and subnormals count as 2^emin.
  Value field = arith::AndIOp::create(
      b, loc, arith::ShRUIOp::create(b, loc, bits, intConstant(mantissaBits)),
      intConstant((int64_t(1) << exponentBits) - 1));
  field = arith::MaxSIOp::create(b, loc, field, intConstant(1));
  return arith::SubIOp::create(b, loc, field, intConstant(bias));
}

Value WeightNormNumerics::powerOfTwo(Value j) {
  const llvm::fltSemantics &semantics = computeType.getFloatSemantics();
  int64_t mantissaBits = APFloat::semanticsPrecision(semantics) - 1;
  int64_t bias = 1 - APFloat::semanticsMinExponent(semantics);
  // The biased exponent in the exponent field, a zero significand.
  Value bits = arith::ShLIOp::create(
      b, loc, arith::AddIOp::create(b, loc, j, intConstant(bias)),
      intConstant(mantissaBits));
  return arith::BitcastOp::create(b, loc, computeType, bits);
}

std::pair<Value, Value> WeightNormNumerics::powerOfTwoFactors(Value k) {
  // 2^j for |j| <= emax / 2 + 1 is a normal number.
  Value half = arith::ShRSIOp::create(b, loc, k, intConstant(1));
  return {powerOfTwo(half), powerOfTwo(arith::SubIOp::create(b, loc, k, half))};
}

Value WeightNormNumerics::needsRescaling(PartialSum sum, Value count,
                                         Value eps) {
  Value result;
  // Scalars, or vectors of one slice per lane (count and eps broadcast).
  Type type = sum.hi.getType();
  if (bounds.testHigh)
    // Unordered or greater: NaN too.
    result = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UGT, sum.hi,
                                   constant(type, bounds.maxSum));
  if (bounds.testLow) {
    Value n = arith::UIToFPOp::create(
        b, loc, computeType,
        arith::IndexCastUIOp::create(b, loc, b.getI64Type(), count));
    Value threshold = mul(n, constant(computeType, bounds.minSumPerElement));
    // The sum plus eps must reach the threshold.
    if (eps)
      threshold = sub(threshold, eps);
    if (threshold.getType() != type)
      threshold = vector::BroadcastOp::create(b, loc, type, threshold);
    Value low = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, sum.hi,
                                      threshold);
    result =
        result ? arith::OrIOp::create(b, loc, result, low).getResult() : low;
  }
  return result;
}

SliceScale WeightNormNumerics::finalizeRescaled(Value eps, Value g,
                                                SliceReducer reduceSlice) {
  assert(summation != Summation::Plain && !isa<VectorType>(g.getType()) &&
         "rescaled sums are for compensated scalar sums");
  // m = max |v|: maximumf propagates NaN.
  Value maxAbs =
      reduceSlice({constant(computeType, 0.0)},
                  [&](Value x, ValueRange acc) -> SmallVector<Value> {
                    Value abs = math::AbsFOp::create(b, loc, widen(x));
                    return {arith::MaximumFOp::create(b, loc, acc[0], abs)};
                  })[0];
  Value e = clampedExponent(maxAbs);
  if (eps) {
    // ceil(E(eps) / 2) = floor((E(eps) + 1) / 2).
    Value half = arith::ShRSIOp::create(
        b, loc,
        arith::AddIOp::create(b, loc, clampedExponent(eps), intConstant(1)),
        intConstant(1));
    e = arith::MaxSIOp::create(b, loc, e, half);
  }
  // (Named values, not structured bindings: lambdas below capture them.)
  Value down1, down2, up1, up2;
  std::tie(down1, down2) =
      powerOfTwoFactors(arith::SubIOp::create(b, loc, intConstant(0), e));
  std::tie(up1, up2) = powerOfTwoFactors(e);
  auto scaleBy = [&](Value x, Value f1, Value f2) -> Value {
    return x ? mul(mul(x, f1), f2) : Value();
  };
  PartialSum zero = zeroSum(computeType);
  SmallVector<Value> inits = {zero.hi};
  if (zero.lo)
    inits.push_back(zero.lo);
  SmallVector<Value> sums =
      reduceSlice(inits, [&](Value x, ValueRange acc) -> SmallVector<Value> {
        PartialSum next =
            accumulate(scaleBy(widen(x), down1, down2),
                       {acc[0], acc.size() > 1 ? acc[1] : Value()});
        SmallVector<Value> values = {next.hi};
        if (next.lo)
          values.push_back(next.lo);
        return values;
      });
  Value scaledEps =
      eps ? scaleBy(scaleBy(eps, down1, down2), down1, down2) : Value();
  SliceScale slice =
      finalize({sums[0], sums.size() > 1 ? sums[1] : Value()}, scaledEps, g);
  slice.normHi = scaleBy(slice.normHi, up1, up2);
  slice.normLo = scaleBy(slice.normLo, up1, up2);
  slice.scaleHi = scaleBy(slice.scaleHi, down1, down2);
  slice.scaleLo = scaleBy(slice.scaleLo, down1, down2);
  // An infinity (and no NaN): norm = inf, scale = g / inf.
  Value inf = constant(computeType, std::numeric_limits<double>::infinity());
  Value isInf =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, maxAbs, inf);
  auto pick = [&](Value ifInf, Value otherwise) -> Value {
    return otherwise ? arith::SelectOp::create(b, loc, isInf, ifInf, otherwise)
                           .getResult()
                     : Value();
  };
  Value zeroValue = constant(computeType, 0.0);
  slice.normHi = pick(inf, slice.normHi);
  slice.normLo = pick(zeroValue, slice.normLo);
  slice.scaleHi = pick(div(g, inf), slice.scaleHi);
  slice.scaleLo = pick(zeroValue, slice.scaleLo);
  return slice;
}

SliceScale WeightNormNumerics::finalizeSlice(PartialSum sum, Value eps, Value g,
                                             Value count,
                                             SliceReducer reduceSlice) {
  Value rescale = needsRescaling(sum, count, eps);
  if (!rescale)
    return finalize(sum, eps, g);
  // The parts of a compensated SliceScale: norm and scale, with their low
  // parts for double-double.
  bool pairs = summation == Summation::DoubleDouble;
  SmallVector<Type> types(pairs ? 4 : 2, computeType);
  auto ifOp = scf::IfOp::create(b, loc, types, rescale,
                                /*withElseRegion=*/true);
  auto yield = [&](Block *block, function_ref<SliceScale()> build) {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(block);
    SliceScale slice = build();
    SmallVector<Value> values = {slice.normHi, slice.scaleHi};
    if (pairs)
      values = {slice.normHi, slice.normLo, slice.scaleHi, slice.scaleLo};
    scf::YieldOp::create(b, loc, values);
  };
  yield(ifOp.thenBlock(),
        [&] { return finalizeRescaled(eps, g, reduceSlice); });
  yield(ifOp.elseBlock(), [&] { return finalize(sum, eps, g); });
  ValueRange results = ifOp.getResults();
  if (pairs)
    return {results[0], results[1], results[2], results[3]};
  return {results[0], Value(), results[1], Value()};
}

Value WeightNormNumerics::normResult(const SliceScale &slice) {
  Value norm = slice.normLo ? add(slice.normHi, slice.normLo) : slice.normHi;
  return narrow(norm, accType);
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
  return narrow(y, elementType);
}
