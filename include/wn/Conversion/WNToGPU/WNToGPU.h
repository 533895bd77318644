//===- WNToGPU.h - wn ops to GPU kernels ------------------------*- C++ -*-===//
//
// Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
// See the LICENSE file for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The GPU lowering of wn.weight_norm and wn.weight_norm_scale on memrefs of
// device memory: gpu.launch kernels (--wn-lower-to-gpu).
//
//===----------------------------------------------------------------------===//

#ifndef WN_CONVERSION_WNTOGPU_WNTOGPU_H
#define WN_CONVERSION_WNTOGPU_WNTOGPU_H

#include "wn/Support/PassOptions.h"

#include "mlir/Pass/Pass.h"

namespace mlir {
class RewritePatternSet;

namespace wn {
class WeightNormInterface;

/// How --wn-lower-to-gpu maps slices to threads (see the pass description).
enum class GPUStrategy {
  /// Chosen per op at run time from its shape (folds for static shapes).
  Auto,
  /// One thread per slice.
  Thread,
  /// One block per slice.
  Block,
  /// Every slice cut into chunks over the grid.
  Grid,
  /// Positions of rows accumulated by threads (the last and middle dims).
  Columns,
};

/// The values of a GPUStrategy option (auto, thread, block, grid, columns),
/// for --wn-lower-to-gpu and --wn-gpu-pipeline.
llvm::cl::ValuesClass getGPUStrategyValues();

/// Default threads per block of --wn-lower-to-gpu and --wn-gpu-pipeline.
constexpr int64_t kDefaultGPUBlockSize = 256;

#define GEN_PASS_DECL_WNLOWERTOGPUPASS
#include "wn/Conversion/Passes.h.inc"

/// Whether `op` can be lowered to GPU kernels: on contiguous row-major
/// memrefs. Emits an error at `op` saying why not.
LogicalResult checkLowerableToGPU(WeightNormInterface op);

/// Adds the pattern that lowers every wn op on contiguous memrefs to
/// gpu.launch kernels. Ops that checkLowerableToGPU rejects are not matched.
void populateWNToGPUConversionPatterns(RewritePatternSet &patterns,
                                       const WNLowerToGPUPassOptions &options);

} // namespace wn
} // namespace mlir

#endif // WN_CONVERSION_WNTOGPU_WNTOGPU_H
