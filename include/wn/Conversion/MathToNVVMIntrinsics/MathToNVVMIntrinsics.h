//===- MathToNVVMIntrinsics.h - kernel math as NVPTX intrinsics -*- C++ -*-===//
//
// Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
// See the LICENSE file for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// math.sqrt, math.fma and math.absf on f32 and f64 in GPU kernels as
// correctly rounded NVPTX intrinsics (--wn-math-to-nvvm-intrinsics).
//
//===----------------------------------------------------------------------===//

#ifndef WN_CONVERSION_MATHTONVVMINTRINSICS_MATHTONVVMINTRINSICS_H
#define WN_CONVERSION_MATHTONVVMINTRINSICS_MATHTONVVMINTRINSICS_H

#include "mlir/Pass/Pass.h"

namespace mlir {
class RewritePatternSet;

namespace wn {

#define GEN_PASS_DECL_WNMATHTONVVMINTRINSICSPASS
#include "wn/Conversion/Passes.h.inc"

/// Adds the patterns that rewrite math.sqrt, math.fma and math.absf on f32
/// and f64 into llvm.call_intrinsic of llvm.nvvm.sqrt.rn.*, llvm.fma.* and
/// llvm.fabs.*.
void populateWNMathToNVVMIntrinsicsPatterns(RewritePatternSet &patterns);

} // namespace wn
} // namespace mlir

#endif // WN_CONVERSION_MATHTONVVMINTRINSICS_MATHTONVVMINTRINSICS_H
