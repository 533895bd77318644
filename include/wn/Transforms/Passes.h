//===- Passes.h - wn passes on upstream dialects ----------------*- C++ -*-===//
//
// Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
// See the LICENSE file for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The passes of wn's pipelines that work on upstream dialects: contraction
// kernels, elementwise fusion and threading, math approximations, strided
// copies, the outlining of OpenMP regions, the GPU pipeline's check.
//
//===----------------------------------------------------------------------===//

#ifndef WN_TRANSFORMS_PASSES_H
#define WN_TRANSFORMS_PASSES_H

#include "wn/Support/PassOptions.h"

#include "mlir/Pass/Pass.h"
#include "llvm/ADT/StringSet.h"

namespace mlir {
class ModuleOp;
class RewritePatternSet;

namespace wn {

#define GEN_PASS_DECL
#include "wn/Transforms/Passes.h.inc"

/// memref.copy with a non-contiguous source or target -> linalg.copy (see
/// --wn-lower-strided-copies).
void populateWNLowerStridedCopiesPatterns(RewritePatternSet &patterns);

/// Adds the pattern that lowers linalg contractions on memrefs (out + a * b
/// over affine maps) to register-blocked vector kernels in scf.parallel
/// loops (see --wn-lower-contractions).
void populateWNLowerContractionsPatterns(
    RewritePatternSet &patterns, const WNLowerContractionsPassOptions &options);

/// Adds the pattern that runs all-parallel linalg ops on memrefs with at
/// least `minElements` elements as scf.parallel loops over rows, each row
/// the op's tile (see --wn-parallelize-elementwise).
void populateWNParallelizeElementwisePatterns(RewritePatternSet &patterns,
                                              int64_t minElements);

/// Adds upstream's elementwise fusion patterns, restricted to producers and
/// consumers that are both all-parallel linalg.generic ops (see
/// --wn-fuse-elementwise).
void populateWNFuseElementwisePatterns(RewritePatternSet &patterns);

/// Adds upstream's polynomial approximations of the math functions named in
/// `functions` (any of erf, erfc, tanh, expm1, log1p), on f32 (see
/// --wn-approximate-math).
void populateWNApproximateMathPatterns(RewritePatternSet &patterns,
                                       const llvm::StringSet<> &functions);

/// Moves each outermost omp.parallel of every llvm.func in `module` that has
/// more than one into an internal llvm.func of its own, called in its place
/// (see --wn-outline-parallel-regions).
void outlineParallelRegions(ModuleOp module);

#define GEN_PASS_REGISTRATION
#include "wn/Transforms/Passes.h.inc"

} // namespace wn
} // namespace mlir

#endif // WN_TRANSFORMS_PASSES_H
