//===- WNConstantFold.h - weight norms of constants on the host -*- C++ -*-===//
//
// Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
// See the LICENSE file for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// One host implementation of a weight norm of constant operands, used by the
// op's folder (canonicalization) and by --wn-fold-constants: a compile-time
// remove_weight_norm. It follows the op's numerics contract (WNOps.td) with
// the arithmetic of WNNumerics.h, element by element on the host.
//
//===----------------------------------------------------------------------===//

#ifndef WN_DIALECT_WN_IR_WNCONSTANTFOLD_H
#define WN_DIALECT_WN_IR_WNCONSTANTFOLD_H

#include "wn/Dialect/WN/IR/WNOps.h"

namespace mlir {
namespace wn {

/// The largest v, in elements, that canonicalization folds when v's constant
/// has users besides the weight norm: folding then keeps both v and w alive.
/// A constant v whose only user is the weight norm folds up to
/// kWeightNormFoldLimit elements (it dies with the op, nothing is
/// duplicated). --wn-fold-constants sets its own limit.
constexpr int64_t kWeightNormFoldMaxElements = 65536;

/// The largest v, in elements, folded at all (by canonicalization or
/// --wn-fold-constants): the host computation holds v and w as doubles (16
/// bytes an element, 1 GiB here) and takes seconds; larger weight norms,
/// splats among them, are left to the compiled kernels.
constexpr int64_t kWeightNormFoldLimit = int64_t(1) << 26;

/// Computes a weight norm of constants on the host. `v` and `g` are
/// DenseElementsAttr or DenseResourceElementsAttr (with their data loaded) of
/// v's and g's types; `wType` is w's type (v's), `normDim` the normalized dim
/// (std::nullopt: whole tensor), `eps` the op's eps rounded to the
/// accumulation type, `normType` the norm result's type or null for none.
/// Returns w's value, then the norm's when `normType` is given; fails when an
/// operand is not a constant of a supported, statically shaped type or when
/// v has more than kWeightNormFoldLimit elements.
///
/// The arithmetic is the op's (WNNumerics.h), per slice: f32 squares summed
/// in f64 and the scale g / norm in f64, applied as an f32 pair
/// (fma(v, hi, v * lo)); f16 and bf16 accumulated in f32 with Kahan's
/// compensation, w = v * scale in f32 rounded once (to nearest even); f64
/// with double-double sums, norms and scales. An all-zero slice without eps
/// gives NaN, as at run time.
FailureOr<SmallVector<Attribute>>
computeConstantWeightNorm(Attribute v, Attribute g, ShapedType wType,
                          std::optional<int64_t> normDim,
                          std::optional<APFloat> eps, ShapedType normType);

/// computeConstantWeightNorm for `op` (tensor semantics) with constant
/// operands `v` and `g`: w's and, with a norm result, the norm's values.
FailureOr<SmallVector<Attribute>>
foldConstantWeightNorm(WeightNormOp op, Attribute v, Attribute g);

} // namespace wn
} // namespace mlir

#endif // WN_DIALECT_WN_IR_WNCONSTANTFOLD_H
