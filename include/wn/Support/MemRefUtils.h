//===- MemRefUtils.h - memref layout queries --------------------*- C++ -*-===//
//
// Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
// See the LICENSE file for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef WN_SUPPORT_MEMREFUTILS_H
#define WN_SUPPORT_MEMREFUTILS_H

#include "mlir/Dialect/MemRef/Utils/MemRefUtils.h"
#include "mlir/IR/BuiltinTypes.h"

namespace mlir {
namespace wn {

/// Whether `type` is a memref whose elements lie contiguously in row-major
/// order, so that it can be viewed as one flat array (and copied as bytes).
inline bool isContiguousRowMajor(MemRefType type) {
  return type.getLayout().isIdentity() ||
         memref::isStaticShapeAndContiguousRowMajor(type);
}

} // namespace wn
} // namespace mlir

#endif // WN_SUPPORT_MEMREFUTILS_H
