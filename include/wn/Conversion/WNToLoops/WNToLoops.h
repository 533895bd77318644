//===- WNToLoops.h - wn ops to fused CPU loops ------------------*- C++ -*-===//
//
// Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
// See the LICENSE file for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The fused CPU lowering of wn.weight_norm, wn.weight_norm_scale and
// wn.weight_norm_backward on memrefs: vectorized scf loops, parallel over
// threads (--wn-lower-to-loops).
//
//===----------------------------------------------------------------------===//

#ifndef WN_CONVERSION_WNTOLOOPS_WNTOLOOPS_H
#define WN_CONVERSION_WNTOLOOPS_WNTOLOOPS_H

#include "wn/Support/PassOptions.h"

#include "mlir/Pass/Pass.h"

namespace mlir {
class RewritePatternSet;

namespace wn {
class WeightNormInterface;

/// Default of the nontemporal-min-bytes option of --wn-lower-to-loops and
/// --wn-cpu-pipeline: 12 MiB, about the last-level cache of the machines it
/// was measured on.
constexpr int64_t kDefaultNontemporalMinBytes = 12582912;

/// Default of the pipeline-rows-min-bytes option of --wn-lower-to-loops and
/// --wn-cpu-pipeline: the same size, above which the rows are streamed from
/// memory rather than found in cache.
constexpr int64_t kDefaultPipelineRowsMinBytes = kDefaultNontemporalMinBytes;

/// Default of the reverse-write-block-bytes option of --wn-lower-to-loops and
/// --wn-cpu-pipeline: 1 MiB (interleaved A/B on the whole-tensor norm of a
/// [4096, 4096] f32 tensor: 4% to 7% faster than in order, 256 KiB 1% to 3%,
/// 2 KiB 24% to 35% slower; the last dim within 2% for every size).
constexpr int64_t kDefaultReverseWriteBlockBytes = 1048576;

/// Default and largest value of the accumulators option of
/// --wn-lower-to-loops and --wn-cpu-pipeline.
constexpr int64_t kDefaultAccumulators = 4;
constexpr int64_t kMaxAccumulators = 8;

#define GEN_PASS_DECL_WNLOWERTOLOOPSPASS
#include "wn/Conversion/Passes.h.inc"

/// The first invalid value of `options`, as a message naming the option
/// (the pass and --wn-cpu-pipeline check theirs with it).
OptionProblem
checkWNLowerToLoopsOptions(const WNLowerToLoopsPassOptions &options);

/// Whether `op` can be lowered to loops: on memrefs, in a builtin.module
/// (whose symbol table gets the OpenMP runtime's declarations). Emits an
/// error at `op` saying why not.
LogicalResult checkLowerableToLoops(WeightNormInterface op);

/// Adds the pattern that lowers every wn op on memrefs in a builtin.module
/// to fused, vectorized loops (parallel ones with `options.parallel`).
/// Ops that checkLowerableToLoops rejects are not matched.
void populateWNToLoopsConversionPatterns(
    RewritePatternSet &patterns, const WNLowerToLoopsPassOptions &options);

} // namespace wn
} // namespace mlir

#endif // WN_CONVERSION_WNTOLOOPS_WNTOLOOPS_H
