//===- OutlineParallelRegions.cpp - omp.parallel into functions -----------===//
//
// Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
// See the LICENSE file for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Each outermost omp.parallel of an llvm.func with several moves into an
// internal function of its own, so that the translation to LLVM IR (whose
// OpenMPIRBuilder analyzes the whole enclosing function per region) works on
// small functions.
//
//===----------------------------------------------------------------------===//

#include "wn/Transforms/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/RegionUtils.h"

#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/SmallPtrSet.h"

#include <functional>

namespace mlir {
namespace wn {
#define GEN_PASS_DEF_WNOUTLINEPARALLELREGIONSPASS
#include "wn/Transforms/Passes.h.inc"
} // namespace wn
} // namespace mlir

using namespace mlir;

namespace {
/// The values that are recreated in an outlined function rather than passed
/// to it: what LLVM IR folds into constants, which the translation of the
/// region would not capture either. Constants, addresses of globals, and
/// pure LLVM ops of such values (a memref descriptor of a global built with
/// llvm.insertvalue, an llvm.getelementptr into it).
class Rematerializable {
public:
  bool contains(Value value) {
    Operation *def = value.getDefiningOp();
    if (!def)
      return false;
    auto [it, inserted] = known.try_emplace(def, false);
    if (!inserted)
      return it->second;
    bool result =
        isa<LLVM::ConstantOp, LLVM::AddressOfOp, LLVM::ZeroOp, LLVM::UndefOp,
            LLVM::PoisonOp>(def) ||
        (isa<LLVM::InsertValueOp, LLVM::ExtractValueOp, LLVM::GEPOp>(def) &&
         isPure(def) && llvm::all_of(def->getOperands(), [&](Value operand) {
           return contains(operand);
         }));
    known[def] = result;
    return result;
  }

  /// The ops that compute `values`, each after the ops it uses.
  SmallVector<Operation *> ops(ArrayRef<Value> values) {
    SmallVector<Operation *> order;
    llvm::SmallPtrSet<Operation *, 16> visited;
    std::function<void(Operation *)> visit = [&](Operation *op) {
      if (!visited.insert(op).second)
        return;
      for (Value operand : op->getOperands())
        visit(operand.getDefiningOp());
      order.push_back(op);
    };
    for (Value value : values)
      visit(value.getDefiningOp());
    return order;
  }

  /// Forgets `op`, about to be erased.
  void forget(Operation *op) { known.erase(op); }

private:
  llvm::DenseMap<Operation *, bool> known;
};
} // namespace

/// Moves `region` (an omp.parallel in `func`) into a new internal function,
/// `@<func>_parallel_<index>`, called where `region` was and inserted after
/// `after`; returns it.
static LLVM::LLVMFuncOp outline(omp::ParallelOp region, LLVM::LLVMFuncOp func,
                                unsigned index, Operation *after,
                                SymbolTable &symbols,
                                Rematerializable &rematerializable) {
  // The values the region uses from the function: its operands and the
  // values its body captures.
  llvm::SetVector<Value> captured;
  captured.insert(region->operand_begin(), region->operand_end());
  getUsedValuesDefinedAbove(region->getRegions(), captured);
  SmallVector<Value> arguments, recreated;
  for (Value value : captured)
    (rematerializable.contains(value) ? recreated : arguments).push_back(value);
  SmallVector<Operation *> rematerialized = rematerializable.ops(recreated);

  MLIRContext *context = region.getContext();
  Location loc = region.getLoc();
  OpBuilder builder(after);
  builder.setInsertionPointAfter(after);
  auto type = LLVM::LLVMFunctionType::get(
      LLVM::LLVMVoidType::get(context),
      llvm::to_vector(ValueRange(arguments).getTypes()));
  auto outlined = LLVM::LLVMFuncOp::create(
      builder, loc, (func.getSymName() + "_parallel_" + Twine(index)).str(),
      type, LLVM::Linkage::Internal);
  // Renamed if the name is taken. Inlined back once translated.
  symbols.insert(outlined);
  outlined.setAlwaysInline(true);
  Block *entry = outlined.addEntryBlock(builder);

  IRMapping mapping;
  mapping.map(arguments, entry->getArguments());
  builder.setInsertionPointToStart(entry);
  for (Operation *def : rematerialized)
    builder.clone(*def, mapping);
  LLVM::ReturnOp::create(builder, loc, ValueRange());

  builder.setInsertionPoint(region);
  LLVM::CallOp::create(builder, loc, outlined, arguments);
  region->moveBefore(entry->getTerminator());
  region->walk([&](Operation *op) {
    for (OpOperand &operand : op->getOpOperands())
      if (Value replacement = mapping.lookupOrNull(operand.get()))
        operand.set(replacement);
  });
  for (Operation *def : llvm::reverse(rematerialized)) {
    if (def->use_empty()) {
      rematerializable.forget(def);
      def->erase();
    }
  }
  return outlined;
}

void mlir::wn::outlineParallelRegions(ModuleOp module) {
  SymbolTable symbols(module);
  Rematerializable rematerializable;
  for (auto func : llvm::to_vector(module.getOps<LLVM::LLVMFuncOp>())) {
    SmallVector<omp::ParallelOp> regions;
    func.walk<WalkOrder::PreOrder>([&](omp::ParallelOp region) {
      regions.push_back(region);
      return WalkResult::skip();
    });
    if (regions.size() < 2)
      continue;
    Operation *after = func;
    for (auto [index, region] : llvm::enumerate(regions))
      after = outline(region, func, index, after, symbols, rematerializable);
  }
}

namespace {
struct WNOutlineParallelRegionsPass final
    : wn::impl::WNOutlineParallelRegionsPassBase<WNOutlineParallelRegionsPass> {
  using Base::Base;

  void runOnOperation() override { wn::outlineParallelRegions(getOperation()); }
};
} // namespace
