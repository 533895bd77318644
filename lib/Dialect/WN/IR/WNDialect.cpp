//===- WNDialect.cpp - The wn dialect -------------------------------------===//
//
// Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
// See the LICENSE file for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "wn/Dialect/WN/IR/WNDialect.h"
#include "wn/Dialect/WN/IR/WNOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;
using namespace mlir::wn;

#include "wn/Dialect/WN/IR/WNOpsDialect.cpp.inc"

void WNDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "wn/Dialect/WN/IR/WNOps.cpp.inc"
      >();
}

Operation *WNDialect::materializeConstant(OpBuilder &builder, Attribute value,
                                          Type type, Location loc) {
  return arith::ConstantOp::materialize(builder, value, type, loc);
}
