//===- IndexArithmetic.h - folded index arithmetic for lowerings ----------===//
//
// Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
// See the LICENSE file for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The index arithmetic every loop-building lowering of wn uses (the weight
// norm's CPU and GPU kernels, the contraction kernels): constants and
// integer operations on an ImplicitLocOpBuilder, folded where they can be.
//
//===----------------------------------------------------------------------===//

#ifndef WN_SUPPORT_INDEXARITHMETIC_H
#define WN_SUPPORT_INDEXARITHMETIC_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

namespace mlir {
namespace wn {

class IndexArithmetic {
protected:
  explicit IndexArithmetic(ImplicitLocOpBuilder &b) : b(b) {}

  Value idx(int64_t value) { return arith::ConstantIndexOp::create(b, value); }
  Value add(Value x, Value y) { return b.createOrFold<arith::AddIOp>(x, y); }
  Value sub(Value x, Value y) { return b.createOrFold<arith::SubIOp>(x, y); }
  Value mul(Value x, Value y) { return b.createOrFold<arith::MulIOp>(x, y); }
  Value divU(Value x, Value y) { return b.createOrFold<arith::DivUIOp>(x, y); }
  Value remU(Value x, Value y) { return b.createOrFold<arith::RemUIOp>(x, y); }
  Value divUp(Value x, Value y) {
    return b.createOrFold<arith::CeilDivUIOp>(x, y);
  }
  Value minU(Value x, Value y) { return b.createOrFold<arith::MinUIOp>(x, y); }
  Value maxU(Value x, Value y) { return b.createOrFold<arith::MaxUIOp>(x, y); }
  Value minS(Value x, Value y) { return b.createOrFold<arith::MinSIOp>(x, y); }
  Value maxS(Value x, Value y) { return b.createOrFold<arith::MaxSIOp>(x, y); }
  Value cmp(arith::CmpIPredicate predicate, Value x, Value y) {
    return b.createOrFold<arith::CmpIOp>(predicate, x, y);
  }

  ImplicitLocOpBuilder &b;
};

} // namespace wn
} // namespace mlir

#endif // WN_SUPPORT_INDEXARITHMETIC_H
