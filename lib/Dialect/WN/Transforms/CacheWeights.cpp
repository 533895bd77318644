//===- CacheWeights.cpp - Split weight preparation out of functions -------===//
//
// Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
// See the LICENSE file for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// --wn-cache-weights: for a function whose weight norms depend only on some
// of its arguments (the weights), emit <f>_prepare, which computes what
// depends on the weights alone, and <f>_cached, which takes the prepared
// values instead of the weights. This is what PyTorch users do by hand with
// parametrize.cached() or remove_weight_norm.
//
//===----------------------------------------------------------------------===//

#include "wn/Dialect/WN/Transforms/CacheWeights.h"
#include "wn/Dialect/WN/IR/WNDialect.h"
#include "wn/Dialect/WN/IR/WNOps.h"
#include "wn/Dialect/WN/Transforms/Passes.h"
#include "wn/Support/PassOptions.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/BitVector.h"

namespace mlir {
namespace wn {
#define GEN_PASS_DEF_WNCACHEWEIGHTSPASS
#include "wn/Dialect/WN/Transforms/Passes.h.inc"
} // namespace wn
} // namespace mlir

using namespace mlir;
using namespace mlir::wn;

/// Whether `op` can move into another function: it has no memory effects
/// (its regions included) and is not a terminator.
static bool isMovable(Operation *op) {
  return !op->hasTrait<OpTrait::IsTerminator>() && isMemoryEffectFree(op);
}

/// Whether `op` is a wn op on tensors (weight norms and whatever else of the
/// dialect has no memory effects): the computations worth caching.
static bool isWNOpOnTensors(Operation *op) {
  return isa_and_nonnull<WNDialect>(op->getDialect()) &&
         op->getNumResults() > 0 && isMovable(op);
}

/// The values `op` reads: its operands and the values its regions use from
/// above.
static SmallVector<Value> getInputs(Operation *op) {
  llvm::SetVector<Value> inputs(op->operand_begin(), op->operand_end());
  getUsedValuesDefinedAbove(op->getRegions(), inputs);
  return inputs.takeVector();
}

/// Whether `value` has a use outside `ops`, ops of `block` (uses nested in
/// the regions of one of them count as inside).
static bool isUsedOutside(Value value, Block &block,
                          const llvm::SetVector<Operation *> &ops) {
  return llvm::any_of(value.getUsers(), [&](Operation *user) {
    Operation *ancestor = block.findAncestorOpInBlock(*user);
    return !ancestor || !ops.contains(ancestor);
  });
}

/// The arguments of `entry` that are the v of a wn.weight_norm_scale: the
/// form --wn-fuse-into-consumers leaves, where a contraction reads v itself
/// and scales its output. They are weights even though read outside the
/// norms; _prepare passes them through to _cached next to their scales.
static llvm::BitVector getPassThroughWeights(Block &entry) {
  llvm::BitVector passThrough(entry.getNumArguments());
  for (auto scale : entry.getOps<WeightNormScaleOp>()) {
    auto arg = dyn_cast<BlockArgument>(scale.getV());
    if (!arg || arg.getOwner() != &entry || !scale.hasPureTensorSemantics())
      continue;
    // Every other reader of v is an op (a contraction) whose result feeds
    // an op that also reads the scale (its epilogue): otherwise v is an
    // activation normalized on the fly, not a weight.
    Value scaleResult = scale.getScaleResult();
    bool fusedOnly = llvm::all_of(arg.getUsers(), [&](Operation *user) {
      if (user == scale.getOperation())
        return true;
      return user->getNumResults() == 1 &&
             llvm::any_of(user->getResult(0).getUsers(), [&](Operation *op) {
               return llvm::is_contained(op->getOperands(), scaleResult);
             });
    });
    if (fusedOnly)
      passThrough.set(arg.getArgNumber());
  }
  return passThrough;
}

/// The arguments of `entry` that may be weights: those read only by wn ops
/// and by the ops that compute their inputs before any norm (movable ops of
/// `entry` in the backward slice of a wn op that read no norm result, e.g.
/// a transpose or a cast of v). An argument read anywhere else is an
/// activation, even where it also feeds a norm: `x` in `x + wn(x * x, g)`
/// or in `wn(x + wn(v, g), g2)` — except the `passThrough` arguments
/// (getPassThroughWeights), which are candidates whatever their readers.
static llvm::BitVector getCandidateWeights(Block &entry,
                                           const llvm::BitVector &passThrough) {
  // The wn ops, and the ops that read a norm result, directly or not.
  llvm::SetVector<Operation *> wnOps;
  DenseSet<Value> afterNorm;
  for (Operation &op : entry) {
    bool readsNorm = isWNOpOnTensors(&op);
    if (readsNorm)
      wnOps.insert(&op);
    for (Value input : getInputs(&op))
      readsNorm |= afterNorm.contains(input);
    if (readsNorm)
      afterNorm.insert(op.result_begin(), op.result_end());
  }
  // The ops that compute the inputs of wn ops before any norm.
  DenseSet<Operation *> beforeNorm;
  SmallVector<Operation *> worklist(wnOps.begin(), wnOps.end());
  while (!worklist.empty()) {
    Operation *op = worklist.pop_back_val();
    for (Value input : getInputs(op)) {
      Operation *def = input.getDefiningOp();
      if (def && def->getBlock() == &entry && isMovable(def) &&
          !afterNorm.contains(input) && beforeNorm.insert(def).second)
        worklist.push_back(def);
    }
  }
  llvm::BitVector candidates = passThrough;
  for (BlockArgument arg : entry.getArguments()) {
    bool feedsNorm = false, onlyForNorms = true;
    for (Operation *user : arg.getUsers()) {
      Operation *ancestor = entry.findAncestorOpInBlock(*user);
      if (ancestor &&
          (wnOps.contains(ancestor) || beforeNorm.contains(ancestor))) {
        feedsNorm = true;
        continue;
      }
      onlyForNorms = false;
      break;
    }
    if (feedsNorm && onlyForNorms)
      candidates.set(arg.getArgNumber());
  }
  return candidates;
}

/// The movable ops of `entry` that depend on the `weights` arguments and
/// otherwise only on values computed without any argument (constants,
/// static tensor.empty, ...), in block order.
static llvm::SetVector<Operation *>
getPreparedOps(Block &entry, const llvm::BitVector &weights) {
  llvm::SetVector<Operation *> prepared;
  // Values computed from weights, and values computed from no argument.
  DenseSet<Value> dependent, invariant;
  for (unsigned i : weights.set_bits())
    dependent.insert(entry.getArgument(i));
  for (Operation &op : entry) {
    if (!isMovable(&op))
      continue;
    bool known = true, fromWeights = false;
    for (Value input : getInputs(&op)) {
      if (dependent.contains(input)) {
        fromWeights = true;
        continue;
      }
      if (!invariant.contains(input)) {
        known = false;
        break;
      }
    }
    if (!known)
      continue;
    if (fromWeights) {
      prepared.insert(&op);
      dependent.insert(op.result_begin(), op.result_end());
    } else {
      invariant.insert(op.result_begin(), op.result_end());
    }
  }
  return prepared;
}

FailureOr<WeightPreparation>
mlir::wn::analyzeWeightPreparation(func::FuncOp func, std::string *whyNot) {
  auto fail = [&](const Twine &reason) -> FailureOr<WeightPreparation> {
    if (whyNot)
      *whyNot = reason.str();
    return failure();
  };
  if (func.isDeclaration())
    return fail("it is a declaration");
  if (!func.isPublic())
    return fail("it is not public");

  // Weights are the candidates (arguments used only to compute norms) whose
  // every use lies in the prepared region: one that also feeds a norm of an
  // activation is not, and neither is what depends on it. Dropping an
  // argument can only shrink the prepared region, and with it the uses
  // counted as inside, so this converges.
  Block &entry = func.front();
  llvm::BitVector passThrough = getPassThroughWeights(entry);
  llvm::BitVector weights = getCandidateWeights(entry, passThrough);
  llvm::SetVector<Operation *> prepared;
  while (true) {
    prepared = getPreparedOps(entry, weights);
    bool changed = false;
    for (unsigned i : llvm::to_vector(weights.set_bits())) {
      if (!passThrough.test(i) &&
          isUsedOutside(entry.getArgument(i), entry, prepared)) {
        weights.reset(i);
        changed = true;
      }
    }
    if (!changed)
      break;
  }
  if (!llvm::any_of(prepared, isWNOpOnTensors))
    return fail("no wn op of its entry block depends only on arguments "
                "used for weights and on constants (norms inside loops must "
                "be hoisted first, e.g. by --loop-invariant-code-motion)");

  WeightPreparation preparation;
  preparation.func = func;
  preparation.weightArgs = llvm::to_vector(weights.set_bits());
  // Weights read outside the prepared ops (v next to its scale) pass
  // through _prepare.
  for (unsigned i : preparation.weightArgs)
    if (isUsedOutside(entry.getArgument(i), entry, prepared))
      preparation.preparedValues.push_back(entry.getArgument(i));
  for (Operation *op : prepared)
    for (Value result : op->getResults())
      if (isUsedOutside(result, entry, prepared))
        preparation.preparedValues.push_back(result);
  if (preparation.preparedValues.empty())
    return fail("the results of its weight norms are unused");
  preparation.preparedOps = std::move(prepared);
  return preparation;
}

/// The ops of `entry` outside `prepared` whose results the prepared ops
/// read, directly or not: by construction, ops that depend on no argument.
static DenseSet<Operation *>
getInvariantOpsNeeded(Block &entry,
                      const llvm::SetVector<Operation *> &prepared) {
  DenseSet<Operation *> needed;
  SmallVector<Operation *> worklist(prepared.begin(), prepared.end());
  while (!worklist.empty()) {
    Operation *op = worklist.pop_back_val();
    for (Value input : getInputs(op)) {
      Operation *def = input.getDefiningOp();
      if (def && def->getBlock() == &entry && !prepared.contains(def) &&
          needed.insert(def).second)
        worklist.push_back(def);
    }
  }
  return needed;
}

FailureOr<CachedWeightFunctions>
mlir::wn::buildCachedWeightFunctions(const WeightPreparation &preparation,
                                     SymbolTable &symbolTable) {
  func::FuncOp func = preparation.func;
  std::string prepareName = (func.getSymName() + "_prepare").str();
  std::string cachedName = (func.getSymName() + "_cached").str();
  for (StringRef name : {StringRef(prepareName), StringRef(cachedName)}) {
    if (Operation *existing = symbolTable.lookup(name)) {
      InFlightDiagnostic diag = func.emitError()
                                << "cannot cache the weights of @"
                                << func.getSymName() << ": symbol @" << name
                                << " already exists";
      diag.attachNote(existing->getLoc()) << "@" << name << " is defined here";
      return failure();
    }
  }

  MLIRContext *ctx = func.getContext();
  Location loc = func.getLoc();
  Block &entry = func.front();
  const llvm::SetVector<Operation *> &prepared = preparation.preparedOps;
  llvm::BitVector isWeight(func.getNumArguments());
  for (unsigned i : preparation.weightArgs)
    isWeight.set(i);
  SmallVector<Type> weightTypes, preparedTypes;
  for (unsigned i : preparation.weightArgs)
    weightTypes.push_back(func.getArgumentTypes()[i]);
  for (Value value : preparation.preparedValues)
    preparedTypes.push_back(value.getType());
  StringRef cInterface = LLVM::LLVMDialect::getEmitCWrapperAttrName();
  bool hasCInterface = func->hasAttr(cInterface);
  OpBuilder b(ctx);

  // <f>_prepare(weights) -> prepared values: the prepared ops and the
  // constants they need, in their original order.
  auto prepare = func::FuncOp::create(
      b, loc, prepareName, FunctionType::get(ctx, weightTypes, preparedTypes));
  symbolTable.insert(prepare, std::next(Block::iterator(func)));
  if (hasCInterface)
    prepare->setAttr(cInterface, UnitAttr::get(ctx));
  for (auto [j, i] : llvm::enumerate(preparation.weightArgs))
    if (DictionaryAttr attrs = func.getArgAttrDict(i))
      prepare.setArgAttrs(j, attrs);
  Block *prepareBody = prepare.addEntryBlock();
  IRMapping prepareMapping;
  for (auto [j, i] : llvm::enumerate(preparation.weightArgs))
    prepareMapping.map(entry.getArgument(i), prepareBody->getArgument(j));
  DenseSet<Operation *> invariantNeeded =
      getInvariantOpsNeeded(entry, prepared);
  b.setInsertionPointToEnd(prepareBody);
  for (Operation &op : entry)
    if (prepared.contains(&op) || invariantNeeded.contains(&op))
      b.clone(op, prepareMapping);
  SmallVector<Value> returned =
      llvm::map_to_vector(preparation.preparedValues, [&](Value value) {
        return prepareMapping.lookup(value);
      });
  func::ReturnOp::create(b, loc, returned);
  b.clearInsertionPoint();

  // <f>_cached(other arguments, prepared values): f's body with the prepared
  // values as arguments instead of the ops that computed them.
  auto cached =
      func::FuncOp::create(b, loc, cachedName, func.getFunctionType());
  symbolTable.insert(cached, std::next(Block::iterator(prepare)));
  if (hasCInterface)
    cached->setAttr(cInterface, UnitAttr::get(ctx));
  IRMapping cachedMapping;
  func.getBody().cloneInto(&cached.getBody(), cachedMapping);
  Block &cachedEntry = cached.front();
  for (Value value : preparation.preparedValues) {
    BlockArgument arg =
        cachedEntry.addArgument(value.getType(), value.getLoc());
    cachedMapping.lookup(value).replaceAllUsesWith(arg);
  }
  // Later ops first: a prepared op is only used by later prepared ops now.
  for (Operation *op : llvm::reverse(prepared))
    cachedMapping.lookup(op)->erase();
  for (Operation &op : llvm::make_early_inc_range(llvm::reverse(entry))) {
    if (!invariantNeeded.contains(&op))
      continue;
    Operation *clone = cachedMapping.lookup(&op);
    if (clone->use_empty())
      clone->erase();
  }
  assert(llvm::all_of(preparation.weightArgs,
                      [&](unsigned i) {
                        return cachedEntry.getArgument(i).use_empty();
                      }) &&
         "weight arguments are only used by prepared ops");
  // The prepared values were appended: they stay.
  llvm::BitVector erased = isWeight;
  erased.resize(cachedEntry.getNumArguments());
  cachedEntry.eraseArguments(erased);
  cached.setFunctionType(FunctionType::get(ctx, cachedEntry.getArgumentTypes(),
                                           func.getResultTypes()));
  unsigned position = 0;
  for (unsigned i = 0, e = func.getNumArguments(); i < e; ++i) {
    if (isWeight.test(i))
      continue;
    if (DictionaryAttr attrs = func.getArgAttrDict(i))
      cached.setArgAttrs(position, attrs);
    ++position;
  }
  // The prepared values are a cache: bufferization must not write into
  // them, or the next call would read what this one wrote.
  for (Value value : preparation.preparedValues) {
    if (isa<TensorType>(value.getType()))
      cached.setArgAttr(position,
                        bufferization::BufferizationDialect::kWritableAttrName,
                        BoolAttr::get(ctx, false));
    ++position;
  }
  for (unsigned r = 0, e = func.getNumResults(); r < e; ++r)
    if (DictionaryAttr attrs = func.getResultAttrDict(r))
      cached.setResultAttrs(r, attrs);
  return CachedWeightFunctions{prepare, cached};
}

namespace {
struct WNCacheWeightsPass final
    : wn::PassWithOptionErrors<
          wn::impl::WNCacheWeightsPassBase<WNCacheWeightsPass>> {
  using PassWithOptionErrors::PassWithOptionErrors;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbolTable(module);
    // Explicitly named functions get a warning when there is nothing to
    // cache in them; the others are skipped silently.
    bool named = !functions.empty();
    llvm::SetVector<func::FuncOp> targets;
    if (named) {
      for (const std::string &name : functions) {
        auto func = symbolTable.lookup<func::FuncOp>(name);
        if (!func) {
          // At the module's location, without a dump of the whole module.
          emitError(module.getLoc()) << "wn-cache-weights: no func.func named '"
                                     << name << "' (option 'functions')";
          return signalPassFailure();
        }
        targets.insert(func);
      }
    } else {
      for (func::FuncOp func : module.getOps<func::FuncOp>())
        targets.insert(func);
    }

    bool failed = false;
    for (func::FuncOp func : targets) {
      std::string whyNot;
      FailureOr<WeightPreparation> preparation =
          analyzeWeightPreparation(func, &whyNot);
      if (::mlir::failed(preparation)) {
        if (named)
          func.emitWarning() << "weights of @" << func.getSymName()
                             << " not cached: " << whyNot;
        continue;
      }
      if (::mlir::failed(buildCachedWeightFunctions(*preparation, symbolTable)))
        failed = true;
    }
    if (failed)
      signalPassFailure();
  }
};
} // namespace
