//===- Raise.cpp - decomposed weight norms back into wn.weight_norm ------===//
//
// Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
// See the LICENSE file for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Frontends decompose weight normalization into a DAG of reductions and
// elementwise ops, each in its own spelling (torch-mlir's fill + generic sum
// of squares + powf + div + broadcast + mul, Inductor's
// v * (g / pow(sum(pow(v, 2)), 0.5)), ONNX's (v / ReduceL2(v)) * g, Flax's
// v * rsqrt(sum(v * v) + eps) * g, CUDA-style g * v * (1 / n), with named
// linalg ops or linalg.generic, operands in any order). Rather than one
// pattern per spelling, this pass evaluates the DAG feeding a value
// symbolically, as a product of powers of atoms:
//
//   value[i] = c * prod_k atom_k[i] ^ e_k
//
// where an atom is a tensor (read at some of the value's indices: a
// broadcast) or the sum of squares of a tensor over some of its dimensions
// (plus a constant eps), and exponents are multiples of 1/2. A value whose
// form is exactly
//
//   v[i] * g[i_d] * (sum_{j : j_d = i_d} v[j]^2 [+ eps]) ^ (-1/2)
//
// (or the same with no d: one norm over the whole tensor) is replaced by
// wn.weight_norm dim(d) [eps(eps)] of v and g, provided every intermediate of
// the DAG is used only inside it. Anything else (another p, another tensor
// normed than scaled, a sum over other dims, an intermediate used elsewhere,
// an op the evaluator does not know) leaves the IR untouched.
//
//===----------------------------------------------------------------------===//

#include "wn/Dialect/WN/IR/WNOps.h"
#include "wn/Dialect/WN/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir {
namespace wn {
#define GEN_PASS_DEF_WNRAISEPASS
#include "wn/Dialect/WN/Transforms/Passes.h.inc"
} // namespace wn
} // namespace mlir

using namespace mlir;
using namespace mlir::wn;

namespace {

/// One factor atom^exponent of a symbolic value, relative to that value's
/// index space.
struct Factor {
  enum class Kind { Tensor, SumOfSquares };
  Kind kind;
  /// The tensor (Tensor), or the tensor whose squares are summed.
  Value base;
  /// Tensor: for every dimension of `base`, the dimension of the value that
  /// indexes it, or -1 for a unit dimension read at 0. SumOfSquares: for
  /// every kept (not summed) dimension of `base`, in order, the value's
  /// dimension that indexes it.
  SmallVector<int64_t> dims;
  /// SumOfSquares: the kept dimensions of `base`.
  SmallVector<int64_t> kept;
  /// SumOfSquares: the constant added to the sum, or 0.
  double eps = 0.0;
  /// Tensor: |base| rather than base (squared away by an even exponent).
  bool abs = false;
  /// In halves: 2 is ^1, -1 is ^(-1/2).
  int64_t halves = 2;

  bool sameAtom(const Factor &other) const {
    return kind == other.kind && base == other.base && dims == other.dims &&
           kept == other.kept && eps == other.eps && abs == other.abs;
  }
};

/// c * prod factors.
struct Sym {
  double constant = 1.0;
  SmallVector<Factor> factors;

  static Sym ofConstant(double c) {
    Sym s;
    s.constant = c;
    return s;
  }
  /// Whether raising to a non-integer or negative power is safe: every atom
  /// is a sum of squares or an even power, and the constant is positive.
  bool isNonNegative() const {
    if (!(constant > 0.0))
      return false;
    return llvm::all_of(factors, [](const Factor &f) {
      return f.kind == Factor::Kind::SumOfSquares || f.halves % 4 == 0;
    });
  }
};

Sym multiply(Sym a, const Sym &b) {
  a.constant *= b.constant;
  for (const Factor &f : b.factors) {
    auto it = llvm::find_if(a.factors,
                            [&](const Factor &g) { return g.sameAtom(f); });
    if (it != a.factors.end())
      it->halves += f.halves;
    else
      a.factors.push_back(f);
  }
  llvm::erase_if(a.factors, [](const Factor &f) { return f.halves == 0; });
  return a;
}

/// a^(halves / 2).
std::optional<Sym> power(Sym a, int64_t halves) {
  if (halves % 2 != 0 || halves < 0)
    if (!a.isNonNegative())
      return std::nullopt;
  a.constant = std::pow(a.constant, halves / 2.0);
  for (Factor &f : a.factors) {
    int64_t product = f.halves * halves;
    if (product % 2 != 0)
      return std::nullopt;
    f.halves = product / 2;
  }
  // |x|^(2k) = x^(2k).
  for (Factor &f : a.factors)
    if (f.abs && f.halves % 4 == 0)
      f.abs = false;
  llvm::erase_if(a.factors, [](const Factor &f) { return f.halves == 0; });
  return a;
}

/// The float value of a scalar constant, if `value` is one.
std::optional<double> getConstantFloat(Value value) {
  FloatAttr attr;
  if (matchPattern(value, m_Constant(&attr)))
    return attr.getValueAsDouble();
  DenseElementsAttr dense;
  if (matchPattern(value, m_Constant(&dense)) && dense.isSplat() &&
      isa<FloatType>(dense.getElementType()))
    return dense.getSplatValue<APFloat>().convertToDouble();
  return std::nullopt;
}

/// How deep the evaluator looks through producers of a tensor (and through
/// the ops of a linalg body): every known spelling of a weight norm is a few
/// ops deep, and what lies deeper is an opaque leaf. The bound keeps the
/// recursion off the stack's limit and the pass linear in the number of ops
/// (each root looks at most this deep).
constexpr unsigned kMaxEvaluationDepth = 32;

/// Evaluates tensors symbolically and records the ops it looked through.
class Evaluator {
public:
  /// The symbolic form of the tensor `value` (relative to its own indices).
  std::optional<Sym> evaluate(Value value);

  /// The ops evaluated through (the DAG), besides leaves.
  llvm::SetVector<Operation *> dagOps;

  /// Whether a value was found to depend on itself (an SSA cycle, possible
  /// in graph regions): nothing is raised then.
  bool sawCycle = false;

private:
  std::optional<Sym> evaluateUncached(Value value);
  std::optional<Sym> evaluateLinalg(linalg::LinalgOp op, Value result);
  std::optional<Sym> evaluateReshape(Value result, Value source,
                                     ArrayRef<ReassociationIndices> groups,
                                     bool expand);
  /// The body value `v` of a linalg op, given the symbolic forms of its
  /// block arguments (in loop space; null: unusable).
  std::optional<Sym> evaluateBody(Value v,
                                  DenseMap<Value, std::optional<Sym>> &args,
                                  unsigned depth = 0);
  std::optional<Sym> evaluateBodyOp(Operation *op,
                                    DenseMap<Value, std::optional<Sym>> &args,
                                    unsigned depth);

  DenseMap<Value, std::optional<Sym>> cache;
  /// The values being evaluated, outermost first.
  llvm::SmallPtrSet<Value, 8> inProgress;
};

/// A tensor leaf: `value` read at the same indices.
Sym leaf(Value value) {
  Sym s;
  Factor f;
  f.kind = Factor::Kind::Tensor;
  f.base = value;
  auto type = cast<RankedTensorType>(value.getType());
  for (int64_t i = 0; i < type.getRank(); ++i)
    f.dims.push_back(type.getDimSize(i) == 1 ? -1 : i);
  s.factors.push_back(f);
  return s;
}

/// Re-expresses `s` (relative to an operand) in the loop space of an op
/// that reads the operand with `map`; fails on maps other than dims and
/// constant 0 on unit dims.
std::optional<Sym> throughMap(Sym s, AffineMap map) {
  for (Factor &f : s.factors)
    for (int64_t &d : f.dims) {
      if (d < 0)
        continue;
      auto dim = dyn_cast<AffineDimExpr>(map.getResult(d));
      if (!dim)
        return std::nullopt;
      d = dim.getPosition();
    }
  return s;
}

std::optional<Sym> Evaluator::evaluate(Value value) {
  if (auto it = cache.find(value); it != cache.end())
    return it->second;
  if (!isa<RankedTensorType>(value.getType()))
    return std::nullopt;
  // Too deep, or a cycle: an opaque leaf, not cached (a shorter path may
  // still see through it).
  if (inProgress.size() >= kMaxEvaluationDepth)
    return leaf(value);
  if (inProgress.contains(value)) {
    sawCycle = true;
    return leaf(value);
  }
  inProgress.insert(value);
  std::optional<Sym> result = evaluateUncached(value);
  inProgress.erase(value);
  cache[value] = result;
  return result;
}

std::optional<Sym> Evaluator::evaluateUncached(Value value) {
  std::optional<Sym> result;
  if (std::optional<double> c = getConstantFloat(value)) {
    result = Sym::ofConstant(*c);
  } else if (auto op = value.getDefiningOp<linalg::LinalgOp>();
             op && !isa<linalg::FillOp>(op)) {
    result = evaluateLinalg(op, value);
  } else if (auto fill = value.getDefiningOp<linalg::FillOp>()) {
    if (std::optional<double> c = getConstantFloat(fill.getInputs()[0]))
      result = Sym::ofConstant(*c);
  } else if (auto expand = value.getDefiningOp<tensor::ExpandShapeOp>()) {
    result = evaluateReshape(value, expand.getSrc(),
                             expand.getReassociationIndices(), true);
    if (result)
      dagOps.insert(expand);
  } else if (auto collapse = value.getDefiningOp<tensor::CollapseShapeOp>()) {
    result = evaluateReshape(value, collapse.getSrc(),
                             collapse.getReassociationIndices(), false);
    if (result)
      dagOps.insert(collapse);
  } else {
    result = leaf(value);
  }
  // What the evaluator cannot see through is a leaf.
  if (!result)
    result = leaf(value);
  return result;
}

std::optional<Sym>
Evaluator::evaluateReshape(Value result, Value source,
                           ArrayRef<ReassociationIndices> groups, bool expand) {
  // Only unit dimensions may be added or removed: every group has at most
  // one non-unit dimension on the side with more dimensions.
  auto expanded =
      cast<RankedTensorType>(expand ? result.getType() : source.getType());
  auto collapsed =
      cast<RankedTensorType>(expand ? source.getType() : result.getType());
  // For every collapsed dim, its non-unit expanded dim (or -1).
  SmallVector<int64_t> toExpanded(collapsed.getRank(), -1);
  for (auto [c, group] : llvm::enumerate(groups)) {
    int64_t nonUnit = -1;
    for (int64_t e : group)
      if (expanded.getDimSize(e) != 1) {
        if (nonUnit >= 0)
          return std::nullopt;
        nonUnit = e;
      }
    toExpanded[c] = nonUnit;
  }
  std::optional<Sym> s = evaluate(source);
  if (!s)
    return std::nullopt;
  for (Factor &f : s->factors)
    for (int64_t &d : f.dims) {
      if (d < 0)
        continue;
      if (expand) {
        d = toExpanded[d];
      } else {
        // d is an expanded dim: find its collapsed dim.
        auto it = llvm::find(toExpanded, d);
        d = it == toExpanded.end() ? -1 : it - toExpanded.begin();
      }
    }
  return s;
}

std::optional<Sym> Evaluator::evaluateLinalg(linalg::LinalgOp op,
                                             Value result) {
  if (!op.hasPureTensorSemantics() || op.getNumDpsInits() != 1 ||
      op->getNumResults() != 1)
    return std::nullopt;
  Block *body = op.getBlock();
  OpOperand *init = op.getDpsInitOperand(0);
  AffineMap outMap = op.getMatchingIndexingMap(init);
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  auto resultType = cast<RankedTensorType>(result.getType());

  // Inputs in loop space.
  DenseMap<Value, std::optional<Sym>> args;
  for (OpOperand *input : op.getDpsInputOperands()) {
    BlockArgument arg = op.getMatchingBlockArgument(input);
    if (!isa<RankedTensorType>(input->get().getType())) {
      if (std::optional<double> c = getConstantFloat(input->get()))
        args[arg] = Sym::ofConstant(*c);
      else
        args[arg] = std::nullopt;
      continue;
    }
    std::optional<Sym> s = evaluate(input->get());
    args[arg] =
        s ? throughMap(*s, op.getMatchingIndexingMap(input)) : std::nullopt;
  }
  auto yield = cast<linalg::YieldOp>(body->getTerminator());
  if (yield.getNumOperands() != 1)
    return std::nullopt;
  Value yielded = yield.getOperand(0);
  BlockArgument out = op.getMatchingBlockArgument(init);

  // For every loop, the result dimension it walks (or -1).
  SmallVector<int64_t> loopToResult(op.getNumLoops(), -1);
  for (auto [i, expr] : llvm::enumerate(outMap.getResults())) {
    if (auto dim = dyn_cast<AffineDimExpr>(expr)) {
      loopToResult[dim.getPosition()] = i;
      continue;
    }
    auto c = dyn_cast<AffineConstantExpr>(expr);
    if (!c || c.getValue() != 0 || resultType.getDimSize(i) != 1)
      return std::nullopt;
  }

  bool reduction = llvm::any_of(iterators, [](utils::IteratorType t) {
    return t == utils::IteratorType::reduction;
  });
  if (!reduction) {
    // Elementwise (possibly broadcasting): the output is not read.
    if (!out.use_empty())
      return std::nullopt;
    std::optional<Sym> s = evaluateBody(yielded, args);
    if (!s)
      return std::nullopt;
    for (Factor &f : s->factors)
      for (int64_t &d : f.dims)
        if (d >= 0) {
          d = loopToResult[d];
          if (d < 0)
            return std::nullopt;
        }
    dagOps.insert(op);
    return s;
  }

  // A sum of squares: yield(out + x) with x = t^2 for one tensor t read at
  // every loop, into zeros.
  auto add = yielded.getDefiningOp<arith::AddFOp>();
  if (!add)
    return std::nullopt;
  Value term = add.getLhs() == out ? add.getRhs() : add.getLhs();
  if ((add.getLhs() == out) == (add.getRhs() == out))
    return std::nullopt;
  std::optional<Sym> initSym = evaluate(init->get());
  if (!initSym || !initSym->factors.empty() || initSym->constant != 0.0)
    return std::nullopt;
  std::optional<Sym> sq = evaluateBody(term, args);
  if (!sq || sq->constant != 1.0 || sq->factors.size() != 1)
    return std::nullopt;
  const Factor &t = sq->factors.front();
  if (t.kind != Factor::Kind::Tensor || t.halves != 4 || t.abs)
    return std::nullopt;
  // Every dimension of t is walked by a distinct loop; the kept ones are
  // the parallel loops.
  Factor sum;
  sum.kind = Factor::Kind::SumOfSquares;
  sum.base = t.base;
  sum.halves = 2;
  llvm::SmallBitVector seen(op.getNumLoops());
  for (auto [j, loop] : llvm::enumerate(t.dims)) {
    if (loop < 0)
      continue;
    if (seen.test(loop))
      return std::nullopt;
    seen.set(loop);
    if (iterators[loop] == utils::IteratorType::parallel) {
      if (loopToResult[loop] < 0)
        return std::nullopt;
      sum.kept.push_back(j);
      sum.dims.push_back(loopToResult[loop]);
    }
  }
  // Every reduction loop sums over some dimension of t.
  for (auto [loop, type] : llvm::enumerate(iterators))
    if (type == utils::IteratorType::reduction && !seen.test(loop))
      return std::nullopt;
  Sym s;
  s.factors.push_back(sum);
  dagOps.insert(op);
  return s;
}

std::optional<Sym>
Evaluator::evaluateBody(Value v, DenseMap<Value, std::optional<Sym>> &args,
                        unsigned depth) {
  // `args` holds the block arguments' forms and memoizes the body values
  // evaluated so far (a value used twice is evaluated once).
  if (auto it = args.find(v); it != args.end())
    return it->second;
  if (std::optional<double> c = getConstantFloat(v))
    return Sym::ofConstant(*c);
  Operation *op = v.getDefiningOp();
  if (!op || depth >= kMaxEvaluationDepth)
    return std::nullopt;
  std::optional<Sym> result = evaluateBodyOp(op, args, depth);
  args[v] = result;
  return result;
}

std::optional<Sym> Evaluator::evaluateBodyOp(
    Operation *op, DenseMap<Value, std::optional<Sym>> &args, unsigned depth) {
  auto operand = [&](unsigned i) {
    return evaluateBody(op->getOperand(i), args, depth + 1);
  };
  if (isa<arith::ExtFOp, arith::TruncFOp>(op))
    return operand(0);
  if (isa<arith::MulFOp>(op)) {
    std::optional<Sym> a = operand(0), b = operand(1);
    if (!a || !b)
      return std::nullopt;
    return multiply(*a, *b);
  }
  if (isa<arith::DivFOp>(op)) {
    std::optional<Sym> a = operand(0), b = operand(1);
    if (!a || !b)
      return std::nullopt;
    std::optional<Sym> inverse = power(*b, -2);
    if (!inverse)
      return std::nullopt;
    return multiply(*a, *inverse);
  }
  if (isa<arith::NegFOp>(op)) {
    std::optional<Sym> a = operand(0);
    if (!a)
      return std::nullopt;
    a->constant = -a->constant;
    return a;
  }
  if (isa<math::SqrtOp>(op)) {
    std::optional<Sym> a = operand(0);
    return a ? power(*a, 1) : std::nullopt;
  }
  if (isa<math::RsqrtOp>(op)) {
    std::optional<Sym> a = operand(0);
    return a ? power(*a, -1) : std::nullopt;
  }
  if (isa<math::PowFOp>(op)) {
    // The exponent is a constant, in the body or as a splat input.
    std::optional<Sym> a = operand(0), e = operand(1);
    if (!a || !e || !e->factors.empty() ||
        std::fmod(e->constant * 2.0, 1.0) != 0.0)
      return std::nullopt;
    return power(*a, static_cast<int64_t>(e->constant * 2.0));
  }
  if (isa<math::AbsFOp>(op)) {
    std::optional<Sym> a = operand(0);
    if (!a || a->factors.size() != 1 ||
        a->factors.front().kind != Factor::Kind::Tensor)
      return a && a->factors.empty()
                 ? std::optional<Sym>(Sym::ofConstant(std::abs(a->constant)))
                 : (a && a->isNonNegative() ? a : std::nullopt);
    Factor &f = a->factors.front();
    if (f.halves % 4 != 0)
      f.abs = true;
    a->constant = std::abs(a->constant);
    return a;
  }
  if (isa<arith::AddFOp>(op)) {
    // sum of squares + eps.
    std::optional<Sym> a = operand(0), b = operand(1);
    if (!a || !b)
      return std::nullopt;
    if (a->factors.empty())
      std::swap(a, b);
    if (!b->factors.empty() || !(b->constant > 0.0) || a->constant != 1.0 ||
        a->factors.size() != 1)
      return std::nullopt;
    Factor f = a->factors.front();
    if (f.kind != Factor::Kind::SumOfSquares || f.halves != 2 || f.eps != 0.0)
      return std::nullopt;
    f.eps = b->constant;
    Sym s;
    s.factors.push_back(f);
    return s;
  }
  return std::nullopt;
}

/// Replaces every value whose symbolic form is a weight norm.
struct RaiseWeightNorm final : OpInterfaceRewritePattern<linalg::LinalgOp> {
  using OpInterfaceRewritePattern::OpInterfaceRewritePattern;

  LogicalResult matchAndRewrite(linalg::LinalgOp op,
                                PatternRewriter &rewriter) const override {
    if (op->getNumResults() != 1 || isa<linalg::FillOp>(op))
      return failure();
    Value result = op->getResult(0);
    auto type = dyn_cast<RankedTensorType>(result.getType());
    if (!type || !isSupportedElementType(type.getElementType()) ||
        type.getRank() < 1)
      return failure();
    Evaluator evaluator;
    std::optional<Sym> s = evaluator.evaluate(result);
    if (evaluator.sawCycle)
      return rewriter.notifyMatchFailure(op, "a value depends on itself");
    if (!s || s->constant != 1.0 || s->factors.size() != 3)
      return rewriter.notifyMatchFailure(op, "not three factors");
    const Factor *v = nullptr, *g = nullptr, *sum = nullptr;
    for (const Factor &f : s->factors) {
      if (f.kind == Factor::Kind::SumOfSquares)
        sum = &f;
      else if (f.base.getType() == type && !v && f.halves == 2)
        v = &f;
      else
        g = &f;
    }
    if (!v || !g || !sum || sum->halves != -1 || g->halves != 2 || g->abs ||
        v->abs || sum->base != v->base)
      return rewriter.notifyMatchFailure(op, "not v * g / ||v||");
    int64_t rank = type.getRank();
    for (int64_t i = 0; i < rank; ++i)
      if (v->dims[i] != (type.getDimSize(i) == 1 ? -1 : i))
        return rewriter.notifyMatchFailure(op, "v is broadcast");
    // dim: the one kept dimension of the sum (none: whole tensor), walked
    // by the same result dimension; g indexed by it alone.
    std::optional<int64_t> dim;
    if (!sum->kept.empty()) {
      if (sum->kept.size() != 1 || sum->dims[0] != sum->kept[0])
        return rewriter.notifyMatchFailure(op, "summed over other dims");
      dim = sum->kept[0];
    }
    for (int64_t d : g->dims)
      if (d >= 0 && (!dim || d != *dim))
        return rewriter.notifyMatchFailure(op, "g not along dim");
    auto gType = cast<RankedTensorType>(g->base.getType());
    if (gType.getElementType() != type.getElementType())
      return rewriter.notifyMatchFailure(op, "g of another type");
    // Every intermediate is used only inside the DAG.
    for (Operation *dagOp : evaluator.dagOps) {
      if (dagOp == op.getOperation())
        continue;
      for (Operation *user : dagOp->getUsers())
        if (!evaluator.dagOps.contains(user))
          return rewriter.notifyMatchFailure(op, "an intermediate escapes");
    }
    if (!llvm::is_contained(evaluator.dagOps, op.getOperation()))
      return rewriter.notifyMatchFailure(op, "not computed by the DAG");

    // The raised op must verify: g's size along dim, eps in the
    // accumulation type.
    SmallVector<int64_t> flatShape;
    if (dim)
      flatShape.push_back(ShapedType::getNumElements(gType.getShape()) > 0 &&
                                  gType.hasStaticShape()
                              ? ShapedType::getNumElements(gType.getShape())
                              : ShapedType::kDynamic);
    auto flatType = RankedTensorType::get(flatShape, gType.getElementType());
    if (dim &&
        llvm::count_if(gType.getShape(), [](int64_t n) { return n != 1; }) > 1)
      return rewriter.notifyMatchFailure(op, "g not a vector");
    if (failed(classifyGLayout(type, flatType, dim)))
      return rewriter.notifyMatchFailure(op, "g does not fit v");
    if (sum->eps != 0.0) {
      std::optional<APFloat> accEps = mlir::wn::detail::getEpsIn(
          FloatAttr::get(Float64Type::get(getContext()), sum->eps),
          getAccumulationType(type.getElementType()));
      if (!std::isfinite(sum->eps) || accEps->isZero() || accEps->isInfinity())
        return rewriter.notifyMatchFailure(op, "eps out of range");
    }

    // g in the canonical layout: 1-D along dim, 0-d for the whole tensor.
    Location loc = op.getLoc();
    Value gValue = g->base;
    if (dim) {
      if (gType.getRank() != 1) {
        SmallVector<ReassociationIndices> all(1);
        for (int64_t i = 0; i < gType.getRank(); ++i)
          all[0].push_back(i);
        gValue = tensor::CollapseShapeOp::create(rewriter, loc, gValue, all);
      }
    } else if (gType.getRank() != 0) {
      gValue = tensor::CollapseShapeOp::create(
          rewriter, loc, gValue, SmallVector<ReassociationIndices>{});
    }
    Value init = tensor::EmptyOp::create(
        rewriter, loc, tensor::getMixedSizes(rewriter, loc, v->base),
        type.getElementType());
    std::optional<double> eps;
    if (sum->eps != 0.0)
      eps = sum->eps;
    auto raised =
        WeightNormOp::create(rewriter, loc, v->base, gValue, init, dim, eps);
    rewriter.replaceOp(op, raised.getWResult());
    return success();
  }
};

struct WNRaisePass final : wn::impl::WNRaisePassBase<WNRaisePass> {
  using Base::Base;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateWNRaisePatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace

void mlir::wn::populateWNRaisePatterns(RewritePatternSet &patterns) {
  patterns.add<RaiseWeightNorm>(patterns.getContext());
}
