//===- InitAllWN.h - Register every wn dialect and pass ---------*- C++ -*-===//
//
// Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
// See the LICENSE file for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The one place that lists what a tool embedding wn registers: the wn dialect
// with its external models, and every wn pass and pipeline. wn-opt, wn-fuzz
// and the C API (wn-c/WN.h) call these functions.
//
//===----------------------------------------------------------------------===//

#ifndef WN_INITALLWN_H
#define WN_INITALLWN_H

namespace mlir {
class DialectRegistry;

namespace wn {

/// Registers every wn pass (--wn-decompose, --wn-lower-to-loops, ...) and
/// pipeline (--wn-cpu-pipeline, --wn-gpu-pipeline, --wn-optimize) with the
/// global pass registry, so that textual pass pipelines and mlir-opt-style
/// command lines can name them. Safe to call more than once.
void registerAllWNPasses();

/// Adds the wn dialect to `registry`, with the external models its ops need
/// from other dialects (BufferizableOpInterface, for one-shot bufferization
/// and the lowering pipelines).
void registerAllWNDialects(DialectRegistry &registry);

} // namespace wn
} // namespace mlir

#endif // WN_INITALLWN_H
