//===- Passes.h - lowerings of wn to other dialects -------------*- C++ -*-===//
//
// Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
// See the LICENSE file for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef WN_CONVERSION_PASSES_H
#define WN_CONVERSION_PASSES_H

#include "wn/Conversion/MathToNVVMIntrinsics/MathToNVVMIntrinsics.h"
#include "wn/Conversion/MemRefToGPU/MemRefToGPU.h"
#include "wn/Conversion/WNToGPU/WNToGPU.h"
#include "wn/Conversion/WNToLoops/WNToLoops.h"

namespace mlir {
namespace wn {

#define GEN_PASS_REGISTRATION
#include "wn/Conversion/Passes.h.inc"

} // namespace wn
} // namespace mlir

#endif // WN_CONVERSION_PASSES_H
