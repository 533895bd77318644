//===- MemRefToGPU.h - buffers as device memory -----------------*- C++ -*-===//
//
// Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
// See the LICENSE file for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// memref.alloc, memref.dealloc and memref.copy as their gpu dialect twins,
// for code whose every buffer is device memory (--wn-memref-to-gpu).
//
//===----------------------------------------------------------------------===//

#ifndef WN_CONVERSION_MEMREFTOGPU_MEMREFTOGPU_H
#define WN_CONVERSION_MEMREFTOGPU_MEMREFTOGPU_H

#include "mlir/Pass/Pass.h"

namespace mlir {
class RewritePatternSet;

namespace wn {

#define GEN_PASS_DECL_WNMEMREFTOGPUPASS
#include "wn/Conversion/Passes.h.inc"

/// Adds the patterns that rewrite memref.alloc (without symbol operands),
/// memref.dealloc and memref.copy (of ranked, contiguous memrefs) into
/// gpu.alloc, gpu.dealloc and gpu.memcpy.
void populateWNMemRefToGPUPatterns(RewritePatternSet &patterns);

} // namespace wn
} // namespace mlir

#endif // WN_CONVERSION_MEMREFTOGPU_MEMREFTOGPU_H
