//===- WNDialect.cpp - The wn dialect -------------------------------------===//

#include "wn/Dialect/WN/IR/WNDialect.h"
#include "wn/Dialect/WN/IR/WNOps.h"

using namespace mlir;
using namespace mlir::wn;

#include "wn/Dialect/WN/IR/WNOpsDialect.cpp.inc"

void WNDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "wn/Dialect/WN/IR/WNOps.cpp.inc"
      >();
}
