//===- Passes.h - wn dialect rewrites ---------------------------*- C++ -*-===//
//
// Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
// See the LICENSE file for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Passes whose subject is the wn dialect: raising decomposed weight norms
// into wn ops, folding constant ones, fusing them into the contractions that
// consume them, caching them across calls, and decomposing them into linalg.
//
//===----------------------------------------------------------------------===//

#ifndef WN_DIALECT_WN_TRANSFORMS_PASSES_H
#define WN_DIALECT_WN_TRANSFORMS_PASSES_H

#include "wn/Dialect/WN/IR/WNConstantFold.h"

#include "mlir/Pass/Pass.h"

namespace mlir {
class RewritePatternSet;

namespace wn {

#define GEN_PASS_DECL
#include "wn/Dialect/WN/Transforms/Passes.h.inc"

/// Adds the patterns that replace wn.weight_norm with its linalg
/// decomposition (AggregatedOpInterface::decomposeOperation).
void populateWNDecompositionPatterns(RewritePatternSet &patterns);

/// Adds the pattern that computes a contraction consuming the w of a
/// wn.weight_norm (over its output channels) on v instead, and scales its
/// output by wn.weight_norm_scale (--wn-fuse-into-consumers).
void populateWNFuseIntoConsumersPatterns(RewritePatternSet &patterns);

/// Adds the pattern that replaces a wn.weight_norm on tensors of constant v
/// and g, v with at most `maxElements` elements (-1: any size), by constants
/// computed on the host (computeConstantWeightNorm).
void populateWNFoldConstantsPatterns(RewritePatternSet &patterns,
                                     int64_t maxElements);

/// Adds the pattern that replaces a decomposed weight norm (any DAG of
/// linalg ops whose value is v * g / ||v||) by wn.weight_norm (--wn-raise).
void populateWNRaisePatterns(RewritePatternSet &patterns);

#define GEN_PASS_REGISTRATION
#include "wn/Dialect/WN/Transforms/Passes.h.inc"

} // namespace wn
} // namespace mlir

#endif // WN_DIALECT_WN_TRANSFORMS_PASSES_H
