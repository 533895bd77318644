//===- BufferizableOpInterfaceImpl.h - wn bufferization ---------*- C++ -*-===//
//
// Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
// See the LICENSE file for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// One-Shot Bufferize support for wn ops.
//
//===----------------------------------------------------------------------===//

#ifndef WN_DIALECT_WN_TRANSFORMS_BUFFERIZABLEOPINTERFACEIMPL_H
#define WN_DIALECT_WN_TRANSFORMS_BUFFERIZABLEOPINTERFACEIMPL_H

namespace mlir {
class DialectRegistry;

namespace wn {
/// Registers the BufferizableOpInterface of wn.weight_norm: the op on
/// tensors becomes the op on memrefs, writing w (and the norm) into its
/// destinations' buffers.
void registerBufferizableOpInterfaceExternalModels(DialectRegistry &registry);
} // namespace wn
} // namespace mlir

#endif // WN_DIALECT_WN_TRANSFORMS_BUFFERIZABLEOPINTERFACEIMPL_H
