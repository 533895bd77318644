//===- LowerContractions.cpp - Register-blocked contraction kernels -------===//
//
// Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
// See the LICENSE file for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Lowers linalg contractions on memrefs (matmuls, convolutions, the
// exporter's generic convolutions, polyphase transposed convolutions: any
// linalg op whose body is out + a * b over affine maps) to register-blocked
// vector kernels in scf.parallel loops (OpenMP threads once converted).
//
// The iteration space is read off the op's indexing maps:
// - the vector dim v: a parallel dim along which one input ("x") is
//   contiguous (its last index is v + f(other dims), none of its other
//   indices depends on v) and on which the other input ("w") does not
//   depend. Lanes of a vector are consecutive values of v.
// - the row dim r: a parallel dim on which w depends and x does not, so
//   that one vector of x serves every row of a block.
// - the other parallel dims are loops of the scf.parallel, with the blocks.
// - the reduction dims are scf.for loops inside a block, carrying the block
//   of accumulators (rows x vectors vector registers) as iter_args.
// One reduction step loads `vectors` vectors of x and `rows` scalars of w
// (broadcast), and does rows x vectors FMAs. Blocks that do not fit the
// iteration space (its edges) use masked loads and stores, and clamped rows
// whose results are not stored.
//
// Without such a vector dim, a reduction dim along which both inputs are
// contiguous (x @ w^T) gets a dot kernel: lanes along that dim, a block of
// rows x columns accumulators, each summed across its lanes at the end.
//
//===----------------------------------------------------------------------===//

#include "wn/Support/IndexArithmetic.h"
#include "wn/Transforms/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/AffineExprVisitor.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir {
namespace wn {
#define GEN_PASS_DEF_WNLOWERCONTRACTIONSPASS
#include "wn/Transforms/Passes.h.inc"
} // namespace wn
} // namespace mlir

using namespace mlir;
using namespace mlir::wn;

/// Vector registers a block of accumulators may take by default: 24 of
/// AVX-512's 32, leaving room for the loaded vectors and a broadcast.
static constexpr int64_t kDefaultAccumulators = 24;
/// The same for dot kernels, whose loaded vectors are rows + columns.
static constexpr int64_t kDefaultDotAccumulators = 16;

namespace {

/// How one contraction is blocked: which loop dims play which part, and
/// the register block.
struct ContractionPlan {
  /// Broadcast kernels: lanes run along a parallel dim (vecDim), one input
  /// is loaded as vectors and the other broadcast. Dot kernels (`dot`):
  /// lanes run along a reduction dim (vecDim) along which both inputs are
  /// contiguous (x @ w^T); each accumulator is reduced across its lanes at
  /// the end of the block.
  bool dot = false;
  /// The input read as vectors along `vecDim` (0 or 1); the other input is
  /// read as broadcast scalars (dot: the input indexed by the row dim).
  unsigned xInput = 0;
  unsigned vecDim = 0;
  /// Dot: the parallel dim only the other input depends on, or -1; the
  /// block has `cols` of it.
  int64_t colDim = -1;
  int64_t cols = 1;
  /// The row dim, or -1: blocks of one row.
  int64_t rowDim = -1;
  /// Whether the output is contiguous along vecDim (else its accumulators
  /// are loaded and stored lane by lane).
  bool contiguousOutput = false;
  SmallVector<unsigned> outerDims;
  /// Parallel dims iterated inside the blocks in the parallel loop (after
  /// them, so that one thread runs them one after the other on the same
  /// block): those the broadcast input's innermost index depends on (a
  /// polyphase convolution's phase), whose weights share cache lines.
  SmallVector<unsigned> innerDims;
  SmallVector<unsigned> reductionDims;
  int64_t rows = 1;
  int64_t vectors = 1;
  /// The order of the blocks in the parallel loop: row blocks outer (each
  /// block of the row input stays in cache while the other input streams
  /// past it) or the other blocks outer, so that the smaller input is the
  /// one read again (rowBlocksFirst).
  bool rowBlocksOuter = true;
};

/// Lanes of a vector of `element`: the option's vector-size counts f32
/// elements, so f64 vectors have half as many.
int64_t lanesFor(Type element, const WNLowerContractionsPassOptions &options) {
  return element.isF64() ? std::max<int64_t>(1, options.vectorSize / 2)
                         : options.vectorSize;
}

/// Whether `value` is the block argument number `index` of `block`.
bool isBlockArg(Value value, Block &block, unsigned index) {
  auto arg = dyn_cast<BlockArgument>(value);
  return arg && arg.getOwner() == &block && arg.getArgNumber() == index;
}

/// Whether the op's body is `yield out + in0 * in1` (either operand order).
bool isMultiplyAccumulate(linalg::LinalgOp op) {
  Block &body = op->getRegion(0).front();
  if (body.getNumArguments() != 3 || body.getOperations().size() != 3)
    return false;
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  auto add = yield.getValues()[0].getDefiningOp<arith::AddFOp>();
  if (!add)
    return false;
  for (unsigned i = 0; i < 2; ++i) {
    auto mul = add->getOperand(1 - i).getDefiningOp<arith::MulFOp>();
    if (!isBlockArg(add->getOperand(i), body, 2) || !mul)
      continue;
    if ((isBlockArg(mul.getLhs(), body, 0) &&
         isBlockArg(mul.getRhs(), body, 1)) ||
        (isBlockArg(mul.getLhs(), body, 1) &&
         isBlockArg(mul.getRhs(), body, 0)))
      return true;
  }
  return false;
}

/// Whether any result of `map` depends on loop dim `dim`.
bool dependsOn(AffineMap map, unsigned dim) {
  return llvm::any_of(map.getResults(),
                      [&](AffineExpr e) { return e.isFunctionOfDim(dim); });
}

/// The coefficient of dim `dim` in `expr` when `expr` is `c * dim + f(other
/// dims)`, else nullopt.
std::optional<int64_t> linearCoefficient(AffineExpr expr, unsigned dim,
                                         unsigned numDims) {
  if (!expr.isFunctionOfDim(dim))
    return 0;
  MLIRContext *ctx = expr.getContext();
  AffineExpr d = getAffineDimExpr(dim, ctx);
  AffineExpr shifted = expr.replace(d, d + 1);
  AffineExpr delta = simplifyAffineExpr(shifted - expr, numDims, 0);
  if (auto constant = dyn_cast<AffineConstantExpr>(delta))
    return constant.getValue();
  return std::nullopt;
}

/// Whether the innermost stride of `type` is statically 1.
bool hasUnitInnerStride(MemRefType type) {
  if (type.getRank() == 0)
    return false;
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(type.getStridesAndOffset(strides, offset)))
    return false;
  return strides.back() == 1;
}

/// Whether the memref's last index is `vecDim` itself (stride 1 along it).
bool isContiguousAlong(AffineMap map, MemRefType type, unsigned vecDim) {
  if (map.getNumResults() == 0 || !hasUnitInnerStride(type))
    return false;
  auto last = dyn_cast<AffineDimExpr>(map.getResults().back());
  if (!last || last.getPosition() != vecDim)
    return false;
  for (AffineExpr e : map.getResults().drop_back())
    if (e.isFunctionOfDim(vecDim))
      return false;
  return true;
}

/// Chooses the register block for a `rowExtent` x `vecExtent` space (0:
/// unknown) with at most `budget` accumulators: the least padded work
/// (blocks cut by the edges cost as much as full ones), weighted by the
/// per-step overhead of small blocks.
std::pair<int64_t, int64_t> chooseBlock(int64_t rowExtent, int64_t vecExtent,
                                        int64_t vectorSize, bool hasRows,
                                        int64_t budget) {
  std::pair<int64_t, int64_t> best = {1, 1};
  double bestCost = std::numeric_limits<double>::infinity();
  for (int64_t rows = 1; rows <= (hasRows ? budget : 1); ++rows) {
    for (int64_t vectors = 1; rows * vectors <= budget; ++vectors) {
      double padded = 1;
      if (rowExtent > 0)
        padded *= double(llvm::divideCeil(rowExtent, rows) * rows) / rowExtent;
      if (vecExtent > 0) {
        int64_t width = vectors * vectorSize;
        padded *=
            double(llvm::divideCeil(vecExtent, width) * width) / vecExtent;
      }
      // Per reduction step, for rows * vectors FMAs: the loop's own work
      // (the 4 / (rows * vectors) term, which also penalizes blocks too
      // small to hide the FMA latency: 4 cycles on 2 pipes need 8
      // accumulators) and rows + vectors loads.
      double cost =
          padded * (1.0 + 4.0 / double(rows * vectors) +
                    0.25 * double(rows + vectors) / double(rows * vectors));
      if (cost < bestCost - 1e-9) {
        bestCost = cost;
        best = {rows, vectors};
      }
    }
  }
  return best;
}

/// Whether the row blocks should be the outer block loop: the input
/// indexed by the rows (`rowInput`) is then read once and the other once
/// per row block, so the larger one (in elements per point of the outer
/// dims it depends on: per group, batch, ...) should be the row input.
bool rowBlocksFirst(const ContractionPlan &plan, ArrayRef<MemRefType> types,
                    ArrayRef<AffineMap> maps, ArrayRef<int64_t> extents,
                    unsigned rowInput) {
  auto perOuterPoint = [&](unsigned input) -> std::optional<int64_t> {
    if (!types[input].hasStaticShape())
      return std::nullopt;
    int64_t elements = types[input].getNumElements();
    for (unsigned d :
         llvm::concat<const unsigned>(plan.outerDims, plan.innerDims))
      if (dependsOn(maps[input], d) && !ShapedType::isDynamic(extents[d]) &&
          extents[d] > 0)
        elements /= extents[d];
    return elements;
  };
  std::optional<int64_t> rowElements = perOuterPoint(rowInput);
  std::optional<int64_t> otherElements = perOuterPoint(1 - rowInput);
  return !rowElements || !otherElements || *rowElements >= *otherElements;
}

/// The parallel dim of the largest static extent (dynamic counts as large)
/// that `in` depends on and `notIn` does not, or -1.
int64_t pickParallelDim(ArrayRef<utils::IteratorType> iterators,
                        ArrayRef<int64_t> extents, AffineMap in,
                        AffineMap notIn, ArrayRef<int64_t> exclude) {
  int64_t best = -1, bestExtent = -1;
  for (unsigned d = 0; d < iterators.size(); ++d) {
    if (iterators[d] != utils::IteratorType::parallel ||
        llvm::is_contained(exclude, int64_t(d)) || !dependsOn(in, d) ||
        dependsOn(notIn, d))
      continue;
    int64_t extent = ShapedType::isDynamic(extents[d]) ? 1 << 20 : extents[d];
    if (extent > bestExtent) {
      bestExtent = extent;
      best = d;
    }
  }
  return best;
}

/// The dot plan: a reduction dim along which both inputs are contiguous.
FailureOr<ContractionPlan>
planDot(linalg::LinalgOp op, const WNLowerContractionsPassOptions &options,
        ArrayRef<MemRefType> types, ArrayRef<AffineMap> maps,
        ArrayRef<int64_t> extents, std::string &reason) {
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  unsigned numLoops = op.getNumLoops();
  auto contiguousAlong = [&](unsigned input, unsigned d) {
    AffineMap map = maps[input];
    return hasUnitInnerStride(types[input]) && map.getNumResults() > 0 &&
           linearCoefficient(map.getResults().back(), d, numLoops) ==
               std::optional<int64_t>(1) &&
           llvm::none_of(map.getResults().drop_back(),
                         [&](AffineExpr e) { return e.isFunctionOfDim(d); });
  };
  int64_t vectorSize = lanesFor(types[2].getElementType(), options);
  for (unsigned k = 0; k < numLoops; ++k) {
    // A dot dim shorter than a vector (a convolution's taps) would leave
    // most lanes idle.
    if (iterators[k] != utils::IteratorType::reduction ||
        !contiguousAlong(0, k) || !contiguousAlong(1, k) ||
        (!ShapedType::isDynamic(extents[k]) && extents[k] < vectorSize))
      continue;
    ContractionPlan plan;
    plan.dot = true;
    plan.vecDim = k;
    plan.rowDim = pickParallelDim(iterators, extents, maps[0], maps[1], {});
    plan.colDim = pickParallelDim(iterators, extents, maps[1], maps[0], {});
    for (unsigned d = 0; d < numLoops; ++d) {
      if (d == k || int64_t(d) == plan.rowDim || int64_t(d) == plan.colDim)
        continue;
      if (iterators[d] == utils::IteratorType::reduction)
        plan.reductionDims.push_back(d);
      else
        plan.outerDims.push_back(d);
    }
    auto staticExtent = [&](int64_t d) -> int64_t {
      return d < 0 || ShapedType::isDynamic(extents[d]) ? 0 : extents[d];
    };
    // Rows + columns vectors are loaded per step for rows x columns FMAs:
    // 16 accumulators and 8 loads fit AVX-512's 32 registers.
    auto [rows, cols] =
        chooseBlock(staticExtent(plan.rowDim), staticExtent(plan.colDim), 1,
                    plan.rowDim >= 0, kDefaultDotAccumulators);
    plan.rows = plan.rowDim < 0 ? 1 : (options.rows > 0 ? options.rows : rows);
    plan.cols =
        plan.colDim < 0 ? 1 : (options.vectors > 0 ? options.vectors : cols);
    plan.rowBlocksOuter =
        rowBlocksFirst(plan, types, maps, extents, /*rowInput=*/0);
    return plan;
  }
  reason = "no parallel dim along which one input is contiguous and the "
           "other constant, and no reduction dim of a vector or more along "
           "which both are";
  return failure();
}

/// The plan for `op`, or failure with the reason it stays loops.
FailureOr<ContractionPlan>
planContraction(linalg::LinalgOp op,
                const WNLowerContractionsPassOptions &options,
                std::string &reason) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1) {
    reason = "not a two-input, one-output op on memrefs";
    return failure();
  }
  SmallVector<MemRefType> types;
  for (OpOperand &operand : op->getOpOperands()) {
    auto type = dyn_cast<MemRefType>(operand.get().getType());
    if (!type || type.getRank() == 0) {
      reason = "an operand is not a ranked memref of rank 1 or more";
      return failure();
    }
    types.push_back(type);
  }
  Type element = types[2].getElementType();
  if (!element.isF32() && !element.isF64()) {
    reason = "element type is not f32 or f64";
    return failure();
  }
  if (types[0].getElementType() != element ||
      types[1].getElementType() != element) {
    reason = "mixed element types";
    return failure();
  }
  if (!isMultiplyAccumulate(op)) {
    reason = "body is not out + a * b";
    return failure();
  }
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  for (AffineMap map : maps)
    if (map.getNumSymbols() != 0) {
      reason = "indexing maps with symbols";
      return failure();
    }
  unsigned numLoops = op.getNumLoops();
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  AffineMap outMap = maps[2];
  if (!outMap.isProjectedPermutation()) {
    reason = "output map is not a projected permutation";
    return failure();
  }
  for (unsigned d = 0; d < numLoops; ++d)
    if (iterators[d] == utils::IteratorType::reduction &&
        dependsOn(outMap, d)) {
      reason = "output indexed by a reduction dim";
      return failure();
    }
  SmallVector<int64_t> extents = op.getStaticLoopRanges();

  // The vector dim: prefer a contiguous output, then the longest extent.
  std::optional<ContractionPlan> best;
  int64_t bestScore = -1;
  for (unsigned v = 0; v < numLoops; ++v) {
    if (iterators[v] != utils::IteratorType::parallel || !dependsOn(outMap, v))
      continue;
    for (unsigned x = 0; x < 2; ++x) {
      AffineMap xMap = maps[x], wMap = maps[1 - x];
      if (dependsOn(wMap, v) || !hasUnitInnerStride(types[x]) ||
          xMap.getNumResults() == 0)
        continue;
      if (linearCoefficient(xMap.getResults().back(), v, numLoops) !=
          std::optional<int64_t>(1))
        continue;
      if (llvm::any_of(xMap.getResults().drop_back(),
                       [&](AffineExpr e) { return e.isFunctionOfDim(v); }))
        continue;
      ContractionPlan plan;
      plan.xInput = x;
      plan.vecDim = v;
      plan.contiguousOutput = isContiguousAlong(outMap, types[2], v);
      int64_t extent = ShapedType::isDynamic(extents[v]) ? 1 << 20 : extents[v];
      int64_t score = (plan.contiguousOutput ? (int64_t(1) << 40) : 0) + extent;
      if (score > bestScore) {
        bestScore = score;
        best = plan;
      }
    }
  }
  if (!best)
    return planDot(op, options, types, maps, extents, reason);
  ContractionPlan plan = *best;
  AffineMap xMap = maps[plan.xInput], wMap = maps[1 - plan.xInput];
  int64_t bestRowExtent = -1;
  for (unsigned d = 0; d < numLoops; ++d) {
    if (d == plan.vecDim || iterators[d] != utils::IteratorType::parallel ||
        dependsOn(xMap, d) || !dependsOn(wMap, d))
      continue;
    int64_t extent = ShapedType::isDynamic(extents[d]) ? 1 << 20 : extents[d];
    if (extent > bestRowExtent) {
      bestRowExtent = extent;
      plan.rowDim = d;
    }
  }
  for (unsigned d = 0; d < numLoops; ++d) {
    if (iterators[d] == utils::IteratorType::reduction)
      plan.reductionDims.push_back(d);
    else if (d != plan.vecDim && int64_t(d) != plan.rowDim)
      (wMap.getNumResults() && wMap.getResults().back().isFunctionOfDim(d)
           ? plan.innerDims
           : plan.outerDims)
          .push_back(d);
  }
  int64_t vectorSize = lanesFor(element, options);
  auto staticExtent = [&](int64_t d) -> int64_t {
    return d < 0 || ShapedType::isDynamic(extents[d]) ? 0 : extents[d];
  };
  auto [rows, vectors] =
      chooseBlock(staticExtent(plan.rowDim), staticExtent(plan.vecDim),
                  vectorSize, plan.rowDim >= 0, kDefaultAccumulators);
  plan.rows = plan.rowDim < 0 ? 1 : (options.rows > 0 ? options.rows : rows);
  plan.vectors = options.vectors > 0 ? options.vectors : vectors;

  plan.rowBlocksOuter =
      rowBlocksFirst(plan, types, maps, extents, /*rowInput=*/1 - plan.xInput);
  return plan;
}

/// Emits the loops and kernels of one planned contraction.
class ContractionLowering : IndexArithmetic {
public:
  ContractionLowering(ImplicitLocOpBuilder &b, linalg::LinalgOp op,
                      const ContractionPlan &plan,
                      const WNLowerContractionsPassOptions &options)
      : IndexArithmetic(b), op(op), plan(plan), options(options),
        maps(op.getIndexingMapsArray()) {
    element = cast<MemRefType>(op.getDpsInits()[0].getType()).getElementType();
    vectorSize = lanesFor(element, options);
    vectorType = VectorType::get({vectorSize}, element);
    maskType = VectorType::get({vectorSize}, b.getI1Type());
    x = op.getDpsInputs()[plan.xInput];
    w = op.getDpsInputs()[1 - plan.xInput];
    out = op.getDpsInits()[0];
  }

  void lower();

private:
  /// The indices into the operand of `map` at loop point `dims`.
  SmallVector<Value> indices(AffineMap map, ArrayRef<Value> dims) {
    SmallVector<Value> result;
    for (unsigned i = 0; i < map.getNumResults(); ++i)
      result.push_back(affine::AffineApplyOp::create(b, map.getSubMap({i}),
                                                     ValueRange(dims)));
    return result;
  }

  /// A vector of zeros.
  Value zeros() {
    return arith::ConstantOp::create(
        b, vectorType,
        DenseElementsAttr::get(vectorType, b.getZeroAttr(element)));
  }
  /// A vector load from `base` at `at`; with `mask`, masked (zeros in the
  /// lanes off).
  Value loadVector(Value base, ValueRange at, Value mask) {
    if (mask)
      return vector::MaskedLoadOp::create(b, vectorType, base, at, mask,
                                          zeros());
    return vector::LoadOp::create(b, vectorType, base, at);
  }

  /// One block at outer indices `point` (row and vector dims at the block's
  /// first row and lane); `masked`: some rows or lanes lie outside.
  void emitBlock(SmallVector<Value> point, bool masked);
  /// One block of a dot plan at `point` (row and column dims at the block's
  /// first row and column); `masked`: some rows or columns lie outside.
  void emitDotBlock(SmallVector<Value> point, bool masked);

  /// The loops over plan.reductionDims from `level` on at `point`, carrying
  /// `carried`; `innermost` builds one step from the loop point and the
  /// carried values and returns the next ones. Returns the final values.
  SmallVector<Value> reductionNest(
      unsigned level, SmallVector<Value> point, ValueRange carried,
      function_ref<SmallVector<Value>(ArrayRef<Value>, ValueRange)> innermost) {
    if (level == plan.reductionDims.size())
      return innermost(point, carried);
    unsigned d = plan.reductionDims[level];
    auto loop = scf::ForOp::create(b, idx(0), extents[d], idx(1), carried);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    point[d] = loop.getInductionVar();
    scf::YieldOp::create(b, reductionNest(level + 1, point,
                                          loop.getRegionIterArgs(), innermost));
    return SmallVector<Value>(loop.getResults());
  }

  /// Clamped indices (the last valid one past the edge when `masked`) and
  /// whether each lies inside, for `count` consecutive values of loop dim
  /// `d` from `start`; nothing when `d` is -1.
  void edgeIndices(int64_t d, Value start, int64_t count, bool masked,
                   SmallVectorImpl<Value> &index,
                   SmallVectorImpl<Value> &inside) {
    if (d < 0)
      return;
    Value last = sub(extents[d], idx(1));
    for (int64_t i = 0; i < count; ++i) {
      Value v = add(start, idx(i));
      index.push_back(masked ? minS(v, last) : v);
      inside.push_back(masked ? cmp(arith::CmpIPredicate::ult, v, extents[d])
                              : Value());
    }
  }

  linalg::LinalgOp op;
  const ContractionPlan &plan;
  const WNLowerContractionsPassOptions &options;
  SmallVector<AffineMap> maps;
  Type element;
  int64_t vectorSize;
  VectorType vectorType, maskType;
  Value x, w, out;
  /// Loop extents, per loop dim.
  SmallVector<Value> extents;
};

void ContractionLowering::lower() {
  for (Range range : op.createLoopRanges(b, b.getLoc()))
    extents.push_back(
        getValueOrCreateConstantIndexOp(b, b.getLoc(), range.size));
  // The parallel space: outer dims, row blocks, vector blocks (dot: column
  // blocks).
  SmallVector<Value> upper;
  for (unsigned d : plan.outerDims)
    upper.push_back(extents[d]);
  Value rowExtent = plan.rowDim >= 0 ? extents[plan.rowDim] : idx(1);
  int64_t blockDim = plan.dot ? plan.colDim : int64_t(plan.vecDim);
  Value vecExtent = blockDim >= 0 ? extents[blockDim] : idx(1);
  int64_t width = plan.dot ? plan.cols : plan.vectors * vectorSize;
  Value rowBlocks = divUp(rowExtent, idx(plan.rows));
  Value vecBlocks = divUp(vecExtent, idx(width));
  unsigned rowPos = upper.size() + (plan.rowBlocksOuter ? 0 : 1);
  unsigned vecPos = upper.size() + (plan.rowBlocksOuter ? 1 : 0);
  upper.append(plan.rowBlocksOuter ? SmallVector<Value>{rowBlocks, vecBlocks}
                                   : SmallVector<Value>{vecBlocks, rowBlocks});
  for (unsigned d : plan.innerDims)
    upper.push_back(extents[d]);
  SmallVector<Value> lower(upper.size(), idx(0)), steps(upper.size(), idx(1));

  auto body = [&](ValueRange ivs) {
    SmallVector<Value> point(op.getNumLoops(), idx(0));
    for (auto [d, iv] : llvm::zip(plan.outerDims, ivs))
      point[d] = iv;
    for (auto [d, iv] :
         llvm::zip(plan.innerDims, ivs.drop_front(plan.outerDims.size() + 2)))
      point[d] = iv;
    Value row0 = mul(ivs[rowPos], idx(plan.rows));
    Value vec0 = mul(ivs[vecPos], idx(width));
    if (plan.rowDim >= 0)
      point[plan.rowDim] = row0;
    if (blockDim >= 0)
      point[blockDim] = vec0;
    Value fullRows =
        cmp(arith::CmpIPredicate::ule, add(row0, idx(plan.rows)), rowExtent);
    Value fullVecs =
        cmp(arith::CmpIPredicate::ule, add(vec0, idx(width)), vecExtent);
    Value full = b.createOrFold<arith::AndIOp>(fullRows, fullVecs);
    auto ifOp = scf::IfOp::create(b, full, /*withElseRegion=*/true);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
    plan.dot ? emitDotBlock(point, /*masked=*/false)
             : emitBlock(point, /*masked=*/false);
    b.setInsertionPoint(ifOp.elseBlock()->getTerminator());
    plan.dot ? emitDotBlock(point, /*masked=*/true)
             : emitBlock(point, /*masked=*/true);
  };

  if (options.parallel) {
    auto loop = scf::ParallelOp::create(b, lower, upper, steps);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(loop.getBody()->getTerminator());
    body(loop.getInductionVars());
    return;
  }
  // Sequential: a nest of scf.for.
  SmallVector<Value> ivs;
  OpBuilder::InsertionGuard guard(b);
  for (auto [lb, ub, step] : llvm::zip(lower, upper, steps)) {
    auto loop = scf::ForOp::create(b, lb, ub, step);
    b.setInsertionPoint(loop.getBody()->getTerminator());
    ivs.push_back(loop.getInductionVar());
  }
  body(ivs);
}

void ContractionLowering::emitBlock(SmallVector<Value> point, bool masked) {
  int64_t rows = plan.rows, vectors = plan.vectors;
  Value row0 = plan.rowDim >= 0 ? point[plan.rowDim] : Value();
  Value vec0 = point[plan.vecDim];
  Value vecExtent = extents[plan.vecDim];
  Value vecLast = sub(vecExtent, idx(1));
  Value zeroVector = zeros();

  // Per row: its index (clamped to the last row when masked) and whether
  // it is inside; per vector: its first lane and mask.
  SmallVector<Value> rowIndex, rowInside, vecStart, vecMask;
  edgeIndices(plan.rowDim, row0, rows, masked, rowIndex, rowInside);
  for (int64_t j = 0; j < vectors; ++j) {
    Value start = add(vec0, idx(j * vectorSize));
    vecStart.push_back(start);
    if (masked) {
      Value left = maxS(sub(vecExtent, start), idx(0));
      vecMask.push_back(vector::CreateMaskOp::create(
          b, maskType, ValueRange{minS(left, idx(vectorSize))}));
    }
  }
  auto pointAt = [&](int64_t i, Value vecIndex) {
    SmallVector<Value> p = point;
    if (plan.rowDim >= 0)
      p[plan.rowDim] = rowIndex[i];
    p[plan.vecDim] = vecIndex;
    return p;
  };

  // Accumulators: acc[i * vectors + j].
  SmallVector<Value> acc;
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = 0; j < vectors; ++j) {
      if (plan.contiguousOutput) {
        SmallVector<Value> at = indices(maps[2], pointAt(i, vecStart[j]));
        acc.push_back(loadVector(out, at, masked ? vecMask[j] : Value()));
        continue;
      }
      Value lanes = zeroVector;
      for (int64_t l = 0; l < vectorSize; ++l) {
        Value lane = add(vecStart[j], idx(l));
        if (masked)
          lane = minS(lane, vecLast);
        Value scalar =
            memref::LoadOp::create(b, out, indices(maps[2], pointAt(i, lane)));
        lanes = vector::InsertOp::create(b, scalar, lanes, l);
      }
      acc.push_back(lanes);
    }
  }

  // The reduction loops, carrying the accumulators.
  acc =
      reductionNest(0, point, acc, [&](ArrayRef<Value> at, ValueRange carried) {
        SmallVector<Value> xs;
        for (int64_t j = 0; j < vectors; ++j) {
          SmallVector<Value> p(at);
          p[plan.vecDim] = vecStart[j];
          SmallVector<Value> xAt = indices(maps[plan.xInput], p);
          xs.push_back(loadVector(x, xAt, masked ? vecMask[j] : Value()));
        }
        SmallVector<Value> next(carried);
        for (int64_t i = 0; i < rows; ++i) {
          SmallVector<Value> p(at);
          if (plan.rowDim >= 0)
            p[plan.rowDim] = rowIndex[i];
          Value scalar =
              memref::LoadOp::create(b, w, indices(maps[1 - plan.xInput], p));
          Value broadcast = vector::BroadcastOp::create(b, vectorType, scalar);
          for (int64_t j = 0; j < vectors; ++j) {
            Value &a = next[i * vectors + j];
            a = vector::FMAOp::create(b, xs[j], broadcast, a);
          }
        }
        return next;
      });

  // Stores, skipping the rows outside.
  for (int64_t i = 0; i < rows; ++i) {
    OpBuilder::InsertionGuard guard(b);
    if (masked && plan.rowDim >= 0) {
      auto ifOp = scf::IfOp::create(b, rowInside[i], false);
      b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
    }
    for (int64_t j = 0; j < vectors; ++j) {
      Value value = acc[i * vectors + j];
      if (plan.contiguousOutput) {
        SmallVector<Value> at = indices(maps[2], pointAt(i, vecStart[j]));
        if (masked)
          vector::MaskedStoreOp::create(b, out, at, vecMask[j], value);
        else
          vector::StoreOp::create(b, value, out, at);
        continue;
      }
      for (int64_t l = 0; l < vectorSize; ++l) {
        OpBuilder::InsertionGuard laneGuard(b);
        Value lane = add(vecStart[j], idx(l));
        if (masked) {
          auto ifOp = scf::IfOp::create(
              b, cmp(arith::CmpIPredicate::ult, lane, vecExtent), false);
          b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
        }
        Value scalar = vector::ExtractOp::create(b, value, l);
        memref::StoreOp::create(b, scalar, out,
                                indices(maps[2], pointAt(i, lane)));
      }
    }
  }
}

void ContractionLowering::emitDotBlock(SmallVector<Value> point, bool masked) {
  int64_t rows = plan.rows, cols = plan.cols;
  Value row0 = plan.rowDim >= 0 ? point[plan.rowDim] : Value();
  Value col0 = plan.colDim >= 0 ? point[plan.colDim] : Value();
  SmallVector<Value> rowIndex, rowInside, colIndex, colInside;
  edgeIndices(plan.rowDim, row0, rows, masked, rowIndex, rowInside);
  edgeIndices(plan.colDim, col0, cols, masked, colIndex, colInside);
  auto pointAt = [&](ArrayRef<Value> at, int64_t i, int64_t j) {
    SmallVector<Value> p(at);
    if (plan.rowDim >= 0)
      p[plan.rowDim] = rowIndex[i];
    if (plan.colDim >= 0)
      p[plan.colDim] = colIndex[j];
    return p;
  };
  Value zeroVector = zeros();
  Value extent = extents[plan.vecDim];
  Value full = mul(divU(extent, idx(vectorSize)), idx(vectorSize));
  Value tailMask =
      vector::CreateMaskOp::create(b, maskType, ValueRange{sub(extent, full)});

  // rows x cols vectors of partial sums along the dot dim: full vectors,
  // then one masked step for the tail (all lanes off when there is none).
  SmallVector<Value> acc(rows * cols, zeroVector);
  auto step = [&](ArrayRef<Value> at, ValueRange carried, Value start,
                  Value mask) {
    SmallVector<Value> as, bs;
    auto load = [&](unsigned input, SmallVector<Value> p) -> Value {
      p[plan.vecDim] = start;
      SmallVector<Value> where = indices(maps[input], p);
      return loadVector(op.getDpsInputs()[input], where, mask);
    };
    for (int64_t i = 0; i < rows; ++i)
      as.push_back(load(0, pointAt(at, i, 0)));
    for (int64_t j = 0; j < cols; ++j)
      bs.push_back(load(1, pointAt(at, 0, j)));
    SmallVector<Value> next(carried);
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < cols; ++j)
        next[i * cols + j] =
            vector::FMAOp::create(b, as[i], bs[j], next[i * cols + j]);
    return next;
  };
  acc =
      reductionNest(0, point, acc, [&](ArrayRef<Value> at, ValueRange carried) {
        SmallVector<Value> values(carried);
        auto loop =
            scf::ForOp::create(b, idx(0), full, idx(vectorSize), values);
        {
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPointToStart(loop.getBody());
          scf::YieldOp::create(b, step(at, loop.getRegionIterArgs(),
                                       loop.getInductionVar(), Value()));
        }
        return step(at, loop.getResults(), full, tailMask);
      });

  // out += the sum of each accumulator's lanes, skipping rows and columns
  // outside.
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = 0; j < cols; ++j) {
      OpBuilder::InsertionGuard guard(b);
      if (masked) {
        Value inside = Value();
        for (Value v : {plan.rowDim >= 0 ? rowInside[i] : Value(),
                        plan.colDim >= 0 ? colInside[j] : Value()})
          if (v)
            inside = inside ? b.createOrFold<arith::AndIOp>(inside, v) : v;
        if (inside) {
          auto ifOp = scf::IfOp::create(b, inside, false);
          b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
        }
      }
      SmallVector<Value> at = indices(maps[2], pointAt(point, i, j));
      Value sum = vector::ReductionOp::create(b, vector::CombiningKind::ADD,
                                              acc[i * cols + j]);
      Value old = memref::LoadOp::create(b, out, at);
      memref::StoreOp::create(b, arith::AddFOp::create(b, old, sum), out, at);
    }
  }
}

/// linalg contraction on memrefs -> register-blocked vector kernels.
struct LowerContraction final : OpInterfaceRewritePattern<linalg::LinalgOp> {
  LowerContraction(MLIRContext *context,
                   const WNLowerContractionsPassOptions &options)
      : OpInterfaceRewritePattern(context), options(options) {}

  LogicalResult matchAndRewrite(linalg::LinalgOp op,
                                PatternRewriter &rewriter) const override {
    std::string reason;
    FailureOr<ContractionPlan> plan = planContraction(op, options, reason);
    if (failed(plan))
      return rewriter.notifyMatchFailure(op, reason);
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    b.setInsertionPoint(op);
    ContractionLowering(b, op, *plan, options).lower();
    rewriter.eraseOp(op);
    return success();
  }

  WNLowerContractionsPassOptions options;
};

struct WNLowerContractionsPass final
    : wn::PassWithOptionErrors<
          wn::impl::WNLowerContractionsPassBase<WNLowerContractionsPass>> {
  using PassWithOptionErrors::PassWithOptionErrors;

  LogicalResult initialize(MLIRContext *context) override {
    return reportOptionProblems(
        context, getArgument(),
        {checkVectorSize("vector-size", vectorSize),
         checkRegisterBlock("rows", "vectors", rows, vectors)});
  }

  void runOnOperation() override {
    WNLowerContractionsPassOptions options;
    options.vectorSize = vectorSize;
    options.rows = rows;
    options.vectors = vectors;
    options.parallel = parallel;
    RewritePatternSet patterns(&getContext());
    populateWNLowerContractionsPatterns(patterns, options);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace

void mlir::wn::populateWNLowerContractionsPatterns(
    RewritePatternSet &patterns,
    const WNLowerContractionsPassOptions &options) {
  patterns.add<LowerContraction>(patterns.getContext(), options);
}
