//===- Passes.h - wn transformation passes ----------------------*- C++ -*-===//

#ifndef WN_TRANSFORMS_PASSES_H
#define WN_TRANSFORMS_PASSES_H

#include "mlir/Pass/Pass.h"

namespace mlir {
class RewritePatternSet;

namespace wn {

#define GEN_PASS_DECL
#include "wn/Transforms/Passes.h.inc"

/// Adds the patterns that replace wn.weight_norm with its linalg
/// decomposition (AggregatedOpInterface::decomposeOperation).
void populateWNDecompositionPatterns(RewritePatternSet &patterns);

/// Adds the pattern that computes a contraction consuming the w of a
/// wn.weight_norm (over its output channels) on v instead, and scales its
/// output by wn.weight_norm_scale (--wn-fuse-into-consumers).
void populateWNFuseIntoConsumersPatterns(RewritePatternSet &patterns);

#define GEN_PASS_REGISTRATION
#include "wn/Transforms/Passes.h.inc"

} // namespace wn
} // namespace mlir

#endif // WN_TRANSFORMS_PASSES_H
