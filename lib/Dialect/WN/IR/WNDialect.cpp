//===- WNDialect.cpp - The wn dialect -------------------------------------===//

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
