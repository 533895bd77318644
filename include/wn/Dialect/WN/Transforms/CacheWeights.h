//===- CacheWeights.h - Split weight preparation out of functions -*- C++
//-*-===//
//
// Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
// See the LICENSE file for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The logic of --wn-cache-weights, public so that pipelines can reuse it:
// find what a function computes from its weights alone (the weight norms and
// what follows from them), and split it into <f>_prepare and <f>_cached.
//
//===----------------------------------------------------------------------===//

#ifndef WN_DIALECT_WN_TRANSFORMS_CACHEWEIGHTS_H
#define WN_DIALECT_WN_TRANSFORMS_CACHEWEIGHTS_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/SetVector.h"

#include <string>

namespace mlir {
namespace wn {

/// How a function splits into the part that depends only on its weights
/// (the prepared region) and the rest.
struct WeightPreparation {
  /// The function analyzed.
  func::FuncOp func;
  /// Positions of the weight arguments, ascending: arguments read only to
  /// compute the inputs of wn ops, all in the prepared region.
  SmallVector<unsigned> weightArgs;
  /// The prepared region: the ops of the entry block, in block order, that
  /// have no memory effects and compute from weight arguments, constants and
  /// each other; at least one of them is a wn op.
  llvm::SetVector<Operation *> preparedOps;
  /// The results of prepared ops used outside the prepared region, in block
  /// order: what <f>_prepare returns and <f>_cached takes.
  SmallVector<Value> preparedValues;
};

/// Finds what `func` computes from its weights alone. Fails, and leaves a
/// reason in `whyNot` when given, if there is nothing to cache: `func` is a
/// declaration or private, or no wn op of its entry block depends only on
/// arguments used for weights and on constants.
FailureOr<WeightPreparation>
analyzeWeightPreparation(func::FuncOp func, std::string *whyNot = nullptr);

/// The two functions a weight preparation is split into.
struct CachedWeightFunctions {
  /// <f>_prepare(weight arguments) -> prepared values.
  func::FuncOp prepare;
  /// <f>_cached(other arguments, prepared values) -> f's results.
  func::FuncOp cached;
};

/// Builds <f>_prepare and <f>_cached from `preparation` and inserts them
/// into `symbolTable` after the function, which stays as it is. The prepared
/// values are read-only arguments of <f>_cached (`bufferization.writable =
/// false`), so a cache survives any number of calls. Constants are cloned
/// into whichever function uses them. Fails with an error on the function if
/// either name is taken.
FailureOr<CachedWeightFunctions>
buildCachedWeightFunctions(const WeightPreparation &preparation,
                           SymbolTable &symbolTable);

} // namespace wn
} // namespace mlir

#endif // WN_DIALECT_WN_TRANSFORMS_CACHEWEIGHTS_H
