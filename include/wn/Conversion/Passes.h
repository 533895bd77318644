//===- Passes.h - lowerings of wn to other dialects -------------*- C++ -*-===//

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
