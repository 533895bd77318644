//===- ApproximateMath.cpp - Vectorizable math functions ------------------===//
//
// Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
// See the LICENSE file for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The CPU pipeline leaves math functions that have an LLVM intrinsic to
// LLVM, whose loop vectorizer calls glibc's vector library (libmvec) for
// them: sin, cos, exp, log, pow, tan. LLVM maps nothing else to libmvec, so
// erf (exact GELU), tanh (HiFi-GAN's and DAC's output, Mish), expm1 (ELU)
// and log1p (Softplus) stay one scalar libm call per element: exact GELU
// ran 13x slower than PyTorch's vectorized one on wav2vec2's feature
// extractor. This pass rewrites them on f32 (scalars and vectors) with
// upstream's polynomial approximations
// (populateMathPolynomialApproximationPatterns with a predicate), which are
// plain arithmetic that vectorizes; f64 keeps libm.
//
//===----------------------------------------------------------------------===//

#include "wn/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include "llvm/ADT/StringSet.h"

namespace mlir {
namespace wn {
#define GEN_PASS_DEF_WNAPPROXIMATEMATHPASS
#include "wn/Transforms/Passes.h.inc"
} // namespace wn
} // namespace mlir

using namespace mlir;
using namespace mlir::wn;

namespace {
/// The math functions the pass approximates: those that LLVM does not map
/// to libmvec and upstream approximates on f32.
constexpr StringRef kApproximated[] = {"erf", "erfc", "tanh", "expm1", "log1p"};

struct WNApproximateMathPass final
    : wn::PassWithOptionErrors<
          wn::impl::WNApproximateMathPassBase<WNApproximateMathPass>> {
  using PassWithOptionErrors::PassWithOptionErrors;

  LogicalResult initialize(MLIRContext *context) override {
    SmallVector<OptionProblem> problems;
    for (const std::string &name : functions)
      problems.push_back(checkOneOf("functions", name, kApproximated));
    return reportOptionProblems(context, getArgument(), problems);
  }

  void runOnOperation() override {
    llvm::StringSet<> names;
    if (functions.empty())
      names.insert(std::begin(kApproximated), std::end(kApproximated));
    for (const std::string &name : functions)
      names.insert(name);
    RewritePatternSet patterns(&getContext());
    wn::populateWNApproximateMathPatterns(patterns, names);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace

void mlir::wn::populateWNApproximateMathPatterns(
    RewritePatternSet &patterns, const llvm::StringSet<> &functions) {
  populateMathPolynomialApproximationPatterns(patterns, [&](StringRef name) {
    // Called (when populating) with operation names, "math.erf".
    name.consume_front("math.");
    return functions.contains(name);
  });
}
