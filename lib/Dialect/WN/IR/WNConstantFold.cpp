//===- WNConstantFold.cpp - weight norms of constants on the host ---------===//
//
// Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
// See the LICENSE file for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The host twin of WNNumerics: the same compute types, summation schemes and
// per-slice norm and scale, in C++ float and double arithmetic, so that a
// folded weight norm keeps the op's accuracy contract. Slices are summed
// sequentially (the run-time kernels sum vector lanes and combine them
// pairwise); both orders stay within the documented bounds. Slices whose
// sums overflowed or underflowed are summed again with the exact
// power-of-two scaling of WNNumerics.h (getRescalingBounds,
// getRescalingExponent), as at run time.
//
// This file is compiled with -ffp-contract=off: a product contracted into a
// following addition would break the exact error terms of the compensated
// and double-double sums.
//
//===----------------------------------------------------------------------===//

#include "wn/Dialect/WN/IR/WNConstantFold.h"
#include "wn/Dialect/WN/IR/WNNumerics.h"

#include "mlir/IR/BuiltinAttributes.h"

#include <cmath>
#include <cstring>
#include <limits>

using namespace mlir;
using namespace mlir::wn;

/// Reads the elements of a constant of `type` (f16, bf16, f32 or f64) as
/// doubles, which hold all of them exactly.
static FailureOr<SmallVector<double>> readElements(Attribute attr,
                                                   ShapedType type) {
  auto typed = dyn_cast_or_null<TypedAttr>(attr);
  if (!typed || typed.getType() != type || !type.hasStaticShape())
    return failure();
  Type elementType = type.getElementType();
  if (!isSupportedElementType(elementType))
    return failure();
  int64_t count = type.getNumElements();
  SmallVector<double> values;
  values.reserve(count);
  const llvm::fltSemantics &semantics =
      cast<FloatType>(elementType).getFloatSemantics();
  auto push = [&](APFloat x) {
    bool losesInfo = false;
    x.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &losesInfo);
    values.push_back(x.convertToDouble());
  };

  if (auto dense = dyn_cast<DenseFPElementsAttr>(attr)) {
    if (elementType.isF32())
      llvm::append_range(values, dense.getValues<float>());
    else if (elementType.isF64())
      llvm::append_range(values, dense.getValues<double>());
    else
      for (APFloat x : dense.getValues<APFloat>())
        push(x);
    return values;
  }

  // Resource blobs hold the elements densely, in the host's byte order.
  auto resource = dyn_cast<DenseResourceElementsAttr>(attr);
  if (!resource)
    return failure();
  ArrayRef<char> data = resource.getData();
  int64_t bytes = llvm::divideCeil(elementType.getIntOrFloatBitWidth(), 8);
  if (static_cast<int64_t>(data.size()) != count * bytes)
    return failure();
  for (int64_t i = 0; i < count; ++i) {
    const char *p = data.data() + i * bytes;
    if (elementType.isF32()) {
      float x;
      std::memcpy(&x, p, sizeof(x));
      values.push_back(x);
    } else if (elementType.isF64()) {
      double x;
      std::memcpy(&x, p, sizeof(x));
      values.push_back(x);
    } else {
      uint16_t bits;
      std::memcpy(&bits, p, sizeof(bits));
      push(APFloat(semantics, APInt(16, bits)));
    }
  }
  return values;
}

/// Writes `values` (already rounded to f32 or f64, or to be rounded to f16
/// or bf16 to nearest even) as a constant of `type`.
static DenseElementsAttr writeElements(ShapedType type,
                                       ArrayRef<double> values) {
  Type elementType = type.getElementType();
  // Equal values (a splat v with a splat g) are stored once.
  if (!values.empty() && llvm::all_equal(llvm::map_range(values, [](double x) {
        return llvm::bit_cast<uint64_t>(x);
      })))
    values = values.take_front();
  if (values.size() == 1 && type.getNumElements() != 1) {
    APFloat x(values.front());
    bool losesInfo = false;
    x.convert(cast<FloatType>(elementType).getFloatSemantics(),
              APFloat::rmNearestTiesToEven, &losesInfo);
    return DenseElementsAttr::get(type, x);
  }
  if (elementType.isF64())
    return DenseElementsAttr::get(type, values);
  if (elementType.isF32()) {
    SmallVector<float> floats(values.begin(), values.end());
    return DenseElementsAttr::get(type, ArrayRef<float>(floats));
  }
  const llvm::fltSemantics &semantics =
      cast<FloatType>(elementType).getFloatSemantics();
  SmallVector<uint16_t> bits;
  bits.reserve(values.size());
  for (double value : values) {
    APFloat x(value);
    bool losesInfo = false;
    x.convert(semantics, APFloat::rmNearestTiesToEven, &losesInfo);
    bits.push_back(static_cast<uint16_t>(x.bitcastToAPInt().getZExtValue()));
  }
  return DenseElementsAttr::getFromRawBuffer(
      type, ArrayRef<char>(reinterpret_cast<const char *>(bits.data()),
                           bits.size() * sizeof(uint16_t)));
}

namespace {
/// v viewed as [P, O, Q] around dim: element i belongs to slice
/// (i / Q) % O. The whole-tensor norm has one slice.
struct SliceView {
  int64_t slices = 1;
  int64_t inner = 1;

  SliceView(ShapedType type, std::optional<int64_t> normDim) {
    if (!normDim)
      return;
    slices = type.getDimSize(*normDim);
    for (int64_t i = *normDim + 1, e = type.getRank(); i < e; ++i)
      inner *= type.getDimSize(i);
  }
  int64_t sliceOf(int64_t i) const {
    return slices == 1 ? 0 : (i / inner) % slices;
  }
};

/// The per-slice results: w's scale and the norm result.
struct FoldedValues {
  SmallVector<double> w;
  SmallVector<double> norm;
};
} // namespace

/// f32: squares summed in f64 (Summation::Plain), the f64 scale g / norm
/// split into an f32 pair, w = fma(v, hi, v * lo) in f32.
static FoldedValues foldF32(ArrayRef<double> v, ArrayRef<double> g,
                            const SliceView &view, std::optional<double> eps) {
  SmallVector<double> sums(view.slices, 0.0);
  for (auto [i, x] : llvm::enumerate(v))
    sums[view.sliceOf(i)] = std::fma(x, x, sums[view.sliceOf(i)]);
  FoldedValues out;
  SmallVector<float> hi(view.slices), lo(view.slices);
  for (int64_t k = 0; k < view.slices; ++k) {
    double total = eps ? sums[k] + *eps : sums[k];
    double norm = std::sqrt(total);
    double scale = g[k] / norm;
    hi[k] = static_cast<float>(scale);
    lo[k] = static_cast<float>(scale - static_cast<double>(hi[k]));
    out.norm.push_back(static_cast<float>(norm));
  }
  out.w.reserve(v.size());
  for (auto [i, x] : llvm::enumerate(v)) {
    float xf = static_cast<float>(x);
    int64_t k = view.sliceOf(i);
    out.w.push_back(std::fma(xf, hi[k], xf * lo[k]));
  }
  return out;
}

/// floor(k / 2) for any integer k.
static int64_t floorHalf(int64_t k) { return k >= 0 ? k / 2 : -((1 - k) / 2); }

namespace {
/// The rescaled recomputation of the slices whose sums need it
/// (WeightNormNumerics::finalizeRescaled on the host): which slices, their
/// largest |v| (NaN when some v is NaN) and their scaling exponent e, with
/// 2^-e and 2^e as the same two factors each as at run time.
template <typename T> struct Rescaling {
  SmallVector<bool> flagged;
  SmallVector<T> maxAbs;
  SmallVector<int64_t> exponent;

  bool any() const { return llvm::is_contained(flagged, true); }
  /// Flags slice k when its sum `hi` of `count` elements is out of range
  /// (WeightNormNumerics::needsRescaling, in T like the IR).
  void check(const RescalingBounds &bounds, int64_t k, T hi, int64_t count,
             std::optional<T> eps) {
    bool high = bounds.testHigh && !(hi <= static_cast<T>(bounds.maxSum));
    T threshold =
        static_cast<T>(count) * static_cast<T>(bounds.minSumPerElement);
    if (eps)
      threshold = threshold - *eps;
    bool low = bounds.testLow && hi < threshold;
    flagged[k] = high || low;
  }
  /// The largest |v| and the exponent of every flagged slice.
  void scan(Type elementType, ArrayRef<double> v, const SliceView &view,
            std::optional<T> eps) {
    for (auto [i, x] : llvm::enumerate(v)) {
      int64_t k = view.sliceOf(i);
      T a = std::fabs(static_cast<T>(x));
      if (flagged[k] && (std::isnan(a) || a > maxAbs[k]))
        maxAbs[k] = a;
    }
    for (int64_t k = 0, e = flagged.size(); k < e; ++k)
      if (flagged[k] && std::isfinite(maxAbs[k]))
        exponent[k] = getRescalingExponent(elementType, maxAbs[k],
                                           eps ? std::optional<double>(*eps)
                                               : std::nullopt);
  }
  /// x * 2^j applied as the two factors.
  static T scaleBy(T x, int64_t j) {
    int64_t half = floorHalf(j);
    return x * static_cast<T>(std::ldexp(1.0, static_cast<int>(half))) *
           static_cast<T>(std::ldexp(1.0, static_cast<int>(j - half)));
  }
  explicit Rescaling(int64_t slices)
      : flagged(slices, false), maxAbs(slices, T(0)), exponent(slices, 0) {}
};

/// The sums of squares of the slices, hi + lo, and the rescaled sums of the
/// slices that need them (WeightNormNumerics::finalizeSlice on the host).
template <typename T> struct SlicedSums {
  SmallVector<T> hi, lo;
  Rescaling<T> rescaling;
  /// The sums of the flagged slices' elements times 2^-e (empty when no
  /// slice is flagged).
  SmallVector<T> scaledHi, scaledLo;
};

/// The slices' sums `sumSlices(nullptr)` (a pair hi, lo of vectors), the
/// slices they flag, and for those the sums `sumSlices(&rescaling)`.
template <typename T, typename SumFn>
SlicedSums<T> sumSquares(Type elementType, ArrayRef<double> v,
                         const SliceView &view, std::optional<T> eps,
                         SumFn sumSlices) {
  SlicedSums<T> sums{{}, {}, Rescaling<T>(view.slices), {}, {}};
  std::tie(sums.hi, sums.lo) = sumSlices(nullptr);
  int64_t count = view.slices ? v.size() / view.slices : 0;
  RescalingBounds bounds = getRescalingBounds(elementType);
  for (int64_t k = 0; k < view.slices; ++k)
    sums.rescaling.check(bounds, k, sums.hi[k], count, eps);
  if (sums.rescaling.any()) {
    sums.rescaling.scan(elementType, v, view, eps);
    std::tie(sums.scaledHi, sums.scaledLo) = sumSlices(&sums.rescaling);
  }
  return sums;
}
} // namespace

/// f16 and bf16: Kahan's compensated sum in f32, the f32 scale g / norm,
/// w = v * scale in f32 (rounded to the element type by writeElements).
static FoldedValues foldKahan(Type elementType, ArrayRef<double> v,
                              ArrayRef<double> g, const SliceView &view,
                              std::optional<float> eps) {
  // Kahan sums of the slices, of their elements times 2^-e when rescaled.
  auto sumSlices = [&](const Rescaling<float> *rescaling) {
    SmallVector<float> hi(view.slices, 0.0f), lo(view.slices, -0.0f);
    for (auto [i, x] : llvm::enumerate(v)) {
      int64_t k = view.sliceOf(i);
      float xf = static_cast<float>(x);
      if (rescaling) {
        if (!rescaling->flagged[k])
          continue;
        xf = Rescaling<float>::scaleBy(xf, -rescaling->exponent[k]);
      }
      float y = xf * xf + lo[k];
      float t = hi[k] + y;
      lo[k] = y - (t - hi[k]);
      hi[k] = t;
    }
    return std::make_pair(hi, lo);
  };
  auto [hi, lo, rescaling, scaledHi, scaledLo] =
      sumSquares<float>(elementType, v, view, eps, sumSlices);
  // finalize: norm = sqrt(hi + lo [+ eps]), scale = g / norm.
  auto finalize = [](float h, float l, std::optional<float> e, float gk) {
    float total = h + l;
    if (e)
      total = total + *e;
    float norm = std::sqrt(total);
    return std::make_pair(norm, gk / norm);
  };
  FoldedValues out;
  SmallVector<float> scales(view.slices);
  for (int64_t k = 0; k < view.slices; ++k) {
    float gk = static_cast<float>(g[k]);
    float norm, scale;
    if (!rescaling.flagged[k]) {
      std::tie(norm, scale) = finalize(hi[k], lo[k], eps, gk);
    } else if (std::isinf(rescaling.maxAbs[k])) {
      norm = std::numeric_limits<float>::infinity();
      scale = gk / norm;
    } else if (std::isnan(rescaling.maxAbs[k])) {
      norm = scale = std::numeric_limits<float>::quiet_NaN();
    } else {
      int64_t e = rescaling.exponent[k];
      std::optional<float> scaledEps;
      if (eps)
        scaledEps =
            Rescaling<float>::scaleBy(Rescaling<float>::scaleBy(*eps, -e), -e);
      std::tie(norm, scale) = finalize(scaledHi[k], scaledLo[k], scaledEps, gk);
      norm = Rescaling<float>::scaleBy(norm, e);
      scale = Rescaling<float>::scaleBy(scale, -e);
    }
    scales[k] = scale;
    out.norm.push_back(norm);
  }
  out.w.reserve(v.size());
  for (auto [i, x] : llvm::enumerate(v))
    out.w.push_back(static_cast<float>(x) * scales[view.sliceOf(i)]);
  return out;
}

/// TwoSum: s = fl(x + y) and s + e == x + y exactly.
static std::pair<double, double> twoSum(double x, double y) {
  double s = x + y;
  double bv = s - x;
  double e = (x - (s - bv)) + (y - bv);
  return {s, e};
}

/// f64: double-double sums (Sum2 with exact square errors), norm and scale
/// (WeightNormNumerics::finalize), w = fma(v, q, v * qLo).
static FoldedValues foldF64(Type elementType, ArrayRef<double> v,
                            ArrayRef<double> g, const SliceView &view,
                            std::optional<double> eps) {
  // Sum2 over the slices, of their elements times 2^-e when rescaled.
  auto sumSlices = [&](const Rescaling<double> *rescaling) {
    SmallVector<double> hi(view.slices, 0.0), lo(view.slices, -0.0);
    for (auto [i, value] : llvm::enumerate(v)) {
      int64_t k = view.sliceOf(i);
      double x = value;
      if (rescaling) {
        if (!rescaling->flagged[k])
          continue;
        x = Rescaling<double>::scaleBy(x, -rescaling->exponent[k]);
      }
      double sq = x * x;
      auto [t, err] = twoSum(hi[k], sq);
      double e = std::fma(x, x, -sq);
      lo[k] = lo[k] + (err + e);
      hi[k] = t;
    }
    return std::make_pair(hi, lo);
  };
  auto [hi, lo, rescaling, scaledHi, scaledLo] =
      sumSquares<double>(elementType, v, view, eps, sumSlices);
  // finalize: the double-double norm r + rLo and scale q + qLo.
  struct Slice {
    double r, rLo, q, qLo;
  };
  auto finalize = [](double h0, double l0, std::optional<double> e, double gk) {
    double h = h0 + l0;
    double l = l0 - (h - h0);
    if (e) {
      auto [s, err] = twoSum(h, *e);
      double sl = l + err;
      h = s + sl;
      l = sl - (h - s);
    }
    double r = std::sqrt(h);
    double rem = std::fma(-r, r, h) + l;
    double rLo = r > 0.0 ? rem / (r + r) : 0.0;
    double q = gk / r;
    double qLo = (std::fma(-q, r, gk) - q * rLo) / r;
    return Slice{r, rLo, q, qLo};
  };
  FoldedValues out;
  SmallVector<double> q(view.slices), qLo(view.slices);
  for (int64_t k = 0; k < view.slices; ++k) {
    Slice slice;
    if (!rescaling.flagged[k]) {
      slice = finalize(hi[k], lo[k], eps, g[k]);
    } else if (std::isinf(rescaling.maxAbs[k])) {
      double inf = std::numeric_limits<double>::infinity();
      slice = {inf, 0.0, g[k] / inf, 0.0};
    } else if (std::isnan(rescaling.maxAbs[k])) {
      double nan = std::numeric_limits<double>::quiet_NaN();
      slice = {nan, nan, nan, nan};
    } else {
      int64_t e = rescaling.exponent[k];
      std::optional<double> scaledEps;
      if (eps)
        scaledEps = Rescaling<double>::scaleBy(
            Rescaling<double>::scaleBy(*eps, -e), -e);
      slice = finalize(scaledHi[k], scaledLo[k], scaledEps, g[k]);
      slice.r = Rescaling<double>::scaleBy(slice.r, e);
      slice.rLo = Rescaling<double>::scaleBy(slice.rLo, e);
      slice.q = Rescaling<double>::scaleBy(slice.q, -e);
      slice.qLo = Rescaling<double>::scaleBy(slice.qLo, -e);
    }
    q[k] = slice.q;
    qLo[k] = slice.qLo;
    out.norm.push_back(slice.r + slice.rLo);
  }
  out.w.reserve(v.size());
  for (auto [i, x] : llvm::enumerate(v)) {
    int64_t k = view.sliceOf(i);
    out.w.push_back(std::fma(x, q[k], x * qLo[k]));
  }
  return out;
}

FailureOr<SmallVector<Attribute>> mlir::wn::computeConstantWeightNorm(
    Attribute v, Attribute g, ShapedType wType, std::optional<int64_t> normDim,
    std::optional<APFloat> eps, ShapedType normType) {
  auto vAttr = dyn_cast_or_null<TypedAttr>(v);
  auto gAttr = dyn_cast_or_null<TypedAttr>(g);
  if (!vAttr || !gAttr || !wType.hasStaticShape() ||
      (normType && !normType.hasStaticShape()))
    return failure();
  auto vType = cast<ShapedType>(vAttr.getType());
  auto gType = cast<ShapedType>(gAttr.getType());
  if (!vType.hasStaticShape() || vType.getNumElements() > kWeightNormFoldLimit)
    return failure();
  FailureOr<SmallVector<double>> vValues = readElements(v, vType);
  FailureOr<SmallVector<double>> gValues = readElements(g, gType);
  if (failed(vValues) || failed(gValues))
    return failure();
  SliceView view(vType, normDim);
  // g holds one value per slice in every layout.
  if (static_cast<int64_t>(gValues->size()) != view.slices)
    return failure();

  Type elementType = vType.getElementType();
  FoldedValues folded;
  switch (getSummation(elementType)) {
  case Summation::Plain:
    folded = foldF32(*vValues, *gValues, view,
                     eps ? std::optional<double>(eps->convertToFloat())
                         : std::nullopt);
    break;
  case Summation::Kahan:
    folded = foldKahan(elementType, *vValues, *gValues, view,
                       eps ? std::optional<float>(eps->convertToFloat())
                           : std::nullopt);
    break;
  case Summation::DoubleDouble:
    folded = foldF64(elementType, *vValues, *gValues, view,
                     eps ? std::optional<double>(eps->convertToDouble())
                         : std::nullopt);
    break;
  }

  SmallVector<Attribute> results = {writeElements(wType, folded.w)};
  if (normType)
    results.push_back(writeElements(normType, folded.norm));
  return results;
}

FailureOr<SmallVector<Attribute>>
mlir::wn::foldConstantWeightNorm(WeightNormOp op, Attribute v, Attribute g) {
  if (!op.hasPureTensorSemantics())
    return failure();
  Value norm = op.getNormResult();
  return computeConstantWeightNorm(
      v, g, cast<ShapedType>(op.getWResult().getType()), op.getNormalizedDim(),
      op.getEpsInAccumulationType(),
      norm ? cast<ShapedType>(norm.getType()) : ShapedType());
}
