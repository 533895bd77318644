//===- WNToLoops.cpp - wn ops to fused, vectorized loops ------------------===//
//
// Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
// See the LICENSE file for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Lowers wn.weight_norm, wn.weight_norm_scale and wn.weight_norm_backward on
// memrefs (after bufferization) to scf loops over vectors, with scf.parallel
// loops for threads (OpenMP once converted). The arithmetic comes from
// WeightNormNumerics, per vector lane, so the numbers stay within the op's
// documented bounds. The kernels reduce and write through the per-slice
// State of WeightNormLoweringBase: the forward's sum of squares and scale,
// or the backward's sums of squares and of grad_w * v and its factors.
//
// v is viewed as [P, O, Q]: P the product of the sizes before dim, O the size
// of dim and Q the product of the sizes after it (the whole-tensor norm is
// P = O = 1). Slice k is v[:, k, :]. Four kernels, chosen at run time from P,
// O and Q (the choice folds away for static shapes):
//
// - rows (P = 1, O >= 4: dim 0): each slice is one contiguous row of Q
//   elements. Per row, in parallel over rows: reduce the row into vector
//   partial sums, add the lanes up, compute norm and scale, then scale the
//   row while it is still in cache. One pass over memory. On large tensors
//   (pipeline-rows-min-bytes) each thread takes a range of rows and reduces
//   row k + 1 in the loop that scales row k; static rows shorter than a
//   vector (batch-short-rows, the forward) are finished vector-size at a
//   time, their lanes added by shuffles into one sum per lane.
// - chunks (P = 1, O < 4: the whole tensor, or a few huge slices): each slice
//   is cut into one chunk per thread; the chunks' partial sums are reduced in
//   parallel, combined, and the slice is scaled in parallel.
// - columns (P > 1, Q < 4 vectors: the last dim and middle dims with short
//   runs): rows of R = O * Q contiguous elements; every thread accumulates
//   per-position partial sums over its rows (vectorized along the row, no
//   strided access), the threads' partials are combined, and a second pass
//   scales every row with a per-position scale, each thread its own rows in
//   blocks, the last first (reverse-write-block-bytes; the chunks kernel
//   too), starting on what the first pass left in cache.
// - runs (P > 1, Q >= 4 vectors): every (p, k) run of Q elements is reduced
//   into per-thread partial sums per slice; a second pass scales the runs.
//
// "Scale" reads, for the backward, as "write grad_v = a grad_w - b v". The
// kernels view v, grad_w and the output (w or grad_v) as flat arrays.
// Strided ones (tiles of a larger buffer) are copied to contiguous buffers
// first (the output copied back after).
//
//===----------------------------------------------------------------------===//

#include "wn/Conversion/WNToLoops/WNToLoops.h"
#include "wn/Conversion/WNCommon/WeightNormLoweringBase.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Utils/MemRefUtils.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir {
namespace wn {
#define GEN_PASS_DEF_WNLOWERTOLOOPSPASS
#include "wn/Conversion/Passes.h.inc"
} // namespace wn
} // namespace mlir

using namespace mlir;
using namespace mlir::wn;

/// The OpenMP runtime function giving the number of threads a parallel region
/// will use (OMP_NUM_THREADS, omp_set_num_threads).
static constexpr StringLiteral kMaxThreadsFn = "omp_get_max_threads";

/// Slices with fewer than this many runs of Q elements per row use the
/// columns kernel, measured in vectors: shorter runs are cheaper to
/// accumulate per position than to reduce one by one.
static constexpr int64_t kMinRunVectors = 4;
/// The columns kernel accumulates this many rows per load and store of its
/// partial sums.
static constexpr int64_t kRowsPerPass = 8;
/// The columns kernel keeps the partial sums of rows of at most this many
/// vectors (of a static length) in registers.
static constexpr int64_t kMaxRegisterVectors = 8;
/// The columns kernel scales this many rows per load of its per-position
/// scales (four: in a [4096, 4096] f32 micro-benchmark, 6.1 ms with one row,
/// 4.9 with two, 4.3 with four, 4.7 with eight). The backward, which reads
/// two inputs per row, writes one row per load of its factors: more rows
/// make more concurrent streams than the prefetchers follow (wav2vec2's
/// positional conv, f32, one thread: 3.7 ms with one row, 4.6 with two,
/// 5.3 with four).
static constexpr int64_t kRowsPerScalePass = 4;
static constexpr int64_t kRowsPerBackwardPass = 1;
/// With P = 1 and fewer slices than this, slices are split into chunks so
/// that every thread has work.
static constexpr int64_t kMinRowsForRowKernel = 4;

namespace {

/// Builds the loops of one wn op on memrefs.
class WeightNormLowering : WeightNormLoweringBase {
public:
  WeightNormLowering(ImplicitLocOpBuilder &b, WeightNormInterface op,
                     const WNLowerToLoopsPassOptions &options)
      : WeightNormLoweringBase(b, op), options(options),
        elementType(op.getVType().getElementType()),
        elementBytes(elementType.getIntOrFloatBitWidth() / 8),
        vectorSize(options.vectorSize) {}

  void lower();

private:
  /// How stores of w being built write: normally, non-temporally, or
  /// non-temporally with every full vector aligned.
  enum class Streaming { Off, Unaligned, Aligned };

  //===--------------------------------------------------------------------===//
  // Index arithmetic and loops
  //===--------------------------------------------------------------------===//

  /// A loop whose iterations may run on different threads (scf.parallel),
  /// or a sequential one with the pass's `parallel` option off.
  void parallelLoop(Value lb, Value ub, function_ref<void(Value)> body) {
    if (!options.parallel)
      return forLoop(lb, ub, idx(1), body);
    auto loop = scf::ParallelOp::create(b, ValueRange{lb}, ValueRange{ub},
                                        ValueRange{idx(1)});
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(loop.getBody()->getTerminator());
    body(loop.getInductionVars()[0]);
  }
  /// Runs `body` when `count` is not zero (a tail of fewer than vectorSize
  /// elements); for static sizes the test folds away.
  void ifNonZero(Value count, function_ref<void()> body) {
    auto ifOp = scf::IfOp::create(
        b, cmp(arith::CmpIPredicate::ne, count, idx(0)), false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
    body();
  }
  /// `body(values)` when `count` is not zero, else `values` unchanged.
  SmallVector<Value>
  ifNonZero(Value count, ValueRange values,
            function_ref<SmallVector<Value>(ValueRange)> body) {
    auto ifOp = scf::IfOp::create(b, values.getTypes(),
                                  cmp(arith::CmpIPredicate::ne, count, idx(0)),
                                  /*withElseRegion=*/true);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    scf::YieldOp::create(b, body(values));
    b.setInsertionPointToStart(ifOp.elseBlock());
    scf::YieldOp::create(b, values);
    return ifOp.getResults();
  }

  /// Declares the OpenMP runtime's omp_get_max_threads in the module
  /// (checkLowerable: the op's nearest symbol table).
  void declareMaxThreads() {
    auto module = cast<ModuleOp>(SymbolTable::getNearestSymbolTable(op));
    if (module.lookupSymbol(kMaxThreadsFn))
      return;
    OpBuilder builder = OpBuilder::atBlockBegin(module.getBody());
    LLVM::LLVMFuncOp::create(
        builder, module.getLoc(), kMaxThreadsFn,
        LLVM::LLVMFunctionType::get(builder.getI32Type(), {}));
  }

  /// The number of threads parallel loops will run on (1 when sequential).
  Value threadCount() {
    if (!options.parallel)
      return idx(1);
    declareMaxThreads();
    // An LLVM dialect call: C-interface wrapping (emit-c-interface) applies
    // to func.func declarations and must not rename the runtime function.
    auto call = LLVM::CallOp::create(b, TypeRange{b.getI32Type()},
                                     kMaxThreadsFn, ValueRange{});
    Value threads =
        arith::IndexCastUIOp::create(b, b.getIndexType(), call.getResult());
    return arith::MaxUIOp::create(b, threads, idx(1));
  }

  //===--------------------------------------------------------------------===//
  // Vectors and partial sums
  //===--------------------------------------------------------------------===//

  VectorType vectorOf(Type type) { return VectorType::get({vectorSize}, type); }
  Value splat(Value scalar) {
    return vector::BroadcastOp::create(b, vectorOf(scalar.getType()), scalar);
  }
  Value mask(Value count) {
    return vector::CreateMaskOp::create(b, vectorOf(b.getI1Type()),
                                        ValueRange{count});
  }
  Value zeroVector(Type type) {
    return arith::ConstantOp::create(
        b, DenseElementsAttr::get(vectorOf(type), b.getZeroAttr(type)));
  }
  Value load(Value memref, Value offset) {
    return vector::LoadOp::create(b, vectorOf(getElementTypeOf(memref)), memref,
                                  ValueRange{offset});
  }
  /// Loads the first `count` (< vectorSize) elements at `offset`, zeros
  /// after.
  Value maskedLoad(Value memref, Value offset, Value count) {
    Type type = getElementTypeOf(memref);
    return vector::MaskedLoadOp::create(b, vectorOf(type), memref,
                                        ValueRange{offset}, mask(count),
                                        zeroVector(type));
  }
  /// Stores a full vector of w: non-temporal when streaming, and then
  /// with the vector's alignment when it is known (else the backend splits
  /// a non-temporal vector store into 8-byte ones).
  void store(Value value, Value memref, Value offset) {
    llvm::MaybeAlign alignment;
    if (streaming == Streaming::Aligned)
      alignment = llvm::Align(streamAlignment());
    vector::StoreOp::create(b, value, memref, ValueRange{offset},
                            /*nontemporal=*/streaming != Streaming::Off,
                            alignment);
  }
  /// The size of a full vector of w, up to 64 bytes: the alignment aligned
  /// non-temporal stores need.
  int64_t streamAlignment() {
    return std::min<int64_t>(64, vectorSize * elementBytes);
  }
  /// Emits `writePhase` once per kind of store it can use: when streaming,
  /// aligned if w's start and `strideBytes` (the distance between the
  /// starts of the runs it writes in vectors) are multiples of the vector
  /// size, else unaligned.
  void withStoreAlignment(Value strideBytes, function_ref<void()> writePhase) {
    if (streaming == Streaming::Off)
      return writePhase();
    Value alignment = idx(streamAlignment());
    auto metadata = memref::ExtractStridedMetadataOp::create(b, w1);
    Value start = add(memref::ExtractAlignedPointerAsIndexOp::create(b, w1),
                      bytesOf(metadata.getOffset()));
    Value misaligned =
        arith::OrIOp::create(b, arith::RemUIOp::create(b, start, alignment),
                             arith::RemUIOp::create(b, strideBytes, alignment));
    Streaming saved = streaming;
    emitPerStoreKind(cmp(arith::CmpIPredicate::eq, misaligned, idx(0)),
                     Streaming::Aligned, Streaming::Unaligned, writePhase);
    streaming = saved;
  }
  /// Emits `body` twice under `cond`: with stores of kind `ifTrue`, else
  /// `ifFalse`.
  void emitPerStoreKind(Value cond, Streaming ifTrue, Streaming ifFalse,
                        function_ref<void()> body) {
    ifThenElse(
        cond,
        [&] {
          streaming = ifTrue;
          body();
        },
        [&] {
          streaming = ifFalse;
          body();
        });
  }
  Value bytesOf(Value elements) { return mul(elements, idx(elementBytes)); }
  void maskedStore(Value value, Value memref, Value offset, Value count) {
    vector::MaskedStoreOp::create(b, memref, ValueRange{offset}, mask(count),
                                  value);
  }
  static Type getElementTypeOf(Value memref) {
    return cast<MemRefType>(memref.getType()).getElementType();
  }

  /// A number of elements as `full` elements in whole vectors and a `rest`
  /// of fewer than vectorSize.
  struct VectorSpan {
    Value full, rest;
  };
  VectorSpan splitVectors(Value count) {
    Value vs = idx(vectorSize);
    Value full = mul(arith::DivUIOp::create(b, count, vs), vs);
    return {full, sub(count, full)};
  }
  /// Calls `body(j, tail)` for the vectors of `span`: whole ones with a null
  /// `tail`, then, when the rest is not zero, the last one with its number
  /// of elements in `tail`.
  void forEachVector(VectorSpan span, function_ref<void(Value, Value)> body) {
    forLoop(idx(0), span.full, idx(vectorSize),
            [&](Value j) { body(j, Value()); });
    ifNonZero(span.rest, [&] { body(span.full, span.rest); });
  }
  /// Part t of [0, total) cut into parts of `size`: [begin, end), empty
  /// past the end.
  std::pair<Value, Value> partOf(Value t, Value size, Value total) {
    Value begin = minU(mul(t, size), total);
    return {begin, minU(add(begin, size), total)};
  }
  /// Calls `body(lo, hi)` for the blocks [begin + i * size, min(begin + (i +
  /// 1) * size, end)) of [begin, end), the last first.
  void forEachBlockReversed(Value begin, Value end, Value size,
                            function_ref<void(Value, Value)> body) {
    Value blocks = divUp(sub(end, begin), size);
    forLoop(idx(0), blocks, idx(1), [&](Value i) {
      Value lo = add(begin, mul(sub(sub(blocks, idx(1)), i), size));
      body(lo, minU(add(lo, size), end));
    });
  }
  /// A vector at `offset`: whole, or its first `tail` elements (zeros after)
  /// when `tail` is not null.
  Value loadVector(Value memref, Value offset, Value tail) {
    return tail ? maskedLoad(memref, offset, tail) : load(memref, offset);
  }

  /// `state` plus the vector of v1 (and gw1) at `at` (its first `tail`
  /// elements when `tail` is not null).
  State accumulateAt(Value at, Value tail, ValueRange state) {
    Value gw = gw1 ? loadVector(gw1, at, tail) : Value();
    return accumulateState(loadVector(v1, at, tail), gw, state);
  }
  /// Writes the output vector at `at` (its first `tail` elements when
  /// `tail` is not null) from v1 (and gw1) there and `factors` (vectors).
  void writeAt(Value at, Value tail, ValueRange factors) {
    Value gw = gw1 ? loadVector(gw1, at, tail) : Value();
    Value y = writeElement(loadVector(v1, at, tail), gw, factors);
    if (tail)
      maskedStore(y, w1, at, tail);
    else
      store(y, w1, at);
  }

  /// The vector state of v1[offset, offset + count) (and of gw1 for the
  /// backward): options.accumulators states over blocks of as many
  /// vectors, added up, then the remaining vectors and the tail. With
  /// `alongside`, calls it with the position (from `offset`) and tail of
  /// each vector reduced, in the same loops.
  State reduceRange(Value offset, Value count,
                    function_ref<void(Value, Value)> alongside = nullptr) {
    // The vector at `offset` + i, and what goes alongside.
    auto step = [&](Value i, Value tail, ValueRange state) {
      if (alongside)
        alongside(i, tail);
      return accumulateAt(add(offset, i), tail, state);
    };
    VectorSpan span = splitVectors(count);
    auto accumulateVectors = [&](Value begin, ValueRange init) {
      return forLoop(
          begin, span.full, idx(vectorSize), init,
          [&](Value i, ValueRange args) { return step(i, Value(), args); });
    };
    State zero = zeroState(vectorOf(computeType));
    // No more chains than a static count has whole vectors.
    int64_t chains = options.accumulators;
    if (std::optional<int64_t> n = getConstantIntValue(count))
      chains = std::clamp<int64_t>(*n / vectorSize, 1, chains);
    State sum = zero;
    Value blocksEnd = idx(0);
    if (chains > 1) {
      Value block = idx(chains * vectorSize);
      blocksEnd = mul(arith::DivUIOp::create(b, span.full, block), block);
      State init;
      for (int64_t c = 0; c < chains; ++c)
        llvm::append_range(init, zero);
      size_t width = zero.size();
      State sums = forLoop(
          idx(0), blocksEnd, block, init, [&](Value i, ValueRange args) {
            State next;
            for (int64_t c = 0; c < chains; ++c)
              llvm::append_range(next,
                                 step(add(i, idx(c * vectorSize)), Value(),
                                      args.slice(c * width, width)));
            return next;
          });
      // Pairwise: chain c + stride into chain c.
      for (int64_t stride = 1; stride < chains; stride *= 2)
        for (int64_t c = 0; c + stride < chains; c += 2 * stride) {
          State combined = combineState(
              ArrayRef<Value>(sums).slice(c * width, width),
              ArrayRef<Value>(sums).slice((c + stride) * width, width));
          llvm::copy(combined, sums.begin() + c * width);
        }
      sum.assign(sums.begin(), sums.begin() + width);
    }
    sum = accumulateVectors(blocksEnd, sum);
    // The tail, zero-padded.
    return ifNonZero(span.rest, sum, [&](ValueRange args) {
      return step(span.full, span.rest, args);
    });
  }

  /// w1[offset, offset + count) = the output elements (w, or grad_v) of
  /// v1[...] (and gw1[...]) for every offset of `offsets` (ranges of the
  /// same length), where `factorsAt(j, tail)` gives the factors (vectors) of
  /// the vector at j of the ranges: loaded once for all of them.
  void writeRanges(ArrayRef<Value> offsets, VectorSpan span,
                   function_ref<State(Value, Value)> factorsAt) {
    forEachVector(span, [&](Value j, Value tail) {
      State factors = factorsAt(j, tail);
      for (Value offset : offsets)
        writeAt(add(offset, j), tail, factors);
    });
  }
  /// The same with one slice's factors for the whole range.
  void writeRange(Value offset, Value count, ValueRange factors) {
    State splats =
        llvm::map_to_vector(factors, [&](Value f) { return splat(f); });
    writeRanges(offset, splitVectors(count),
                [&](Value, Value) { return splats; });
  }

  //===--------------------------------------------------------------------===//
  // Scratch arrays
  //===--------------------------------------------------------------------===//

  /// A heap array of `size` values of `type`.
  Value allocArray(Type type, Value size) {
    return memref::AllocOp::create(
        b, MemRefType::get({ShapedType::kDynamic}, type), ValueRange{size});
  }
  /// Arrays of `size` states (one array per value of a state).
  SmallVector<Value> allocStates(Value size) {
    return llvm::map_to_vector(llvm::seq(stateWidth()), [&](unsigned) {
      return allocArray(computeType, size);
    });
  }
  /// Arrays of `size` slices' factors.
  SmallVector<Value> allocFactors(Value size) {
    return llvm::map_to_vector(llvm::seq(factorWidth()), [&](unsigned) {
      return allocArray(numerics.getScaleType(), size);
    });
  }
  /// The scalars at `at` of `arrays`.
  State loadAll(ArrayRef<Value> arrays, Value at) {
    return llvm::map_to_vector(arrays, [&](Value array) -> Value {
      return memref::LoadOp::create(b, array, ValueRange{at});
    });
  }
  /// Stores the scalars `values` at `at` of `arrays`.
  void storeAll(ValueRange values, ArrayRef<Value> arrays, Value at) {
    for (auto [value, array] : llvm::zip_equal(values, arrays))
      memref::StoreOp::create(b, value, array, ValueRange{at});
  }
  /// Stores the vectors `values` at `at` of `arrays`, their first `tail`
  /// lanes when `tail` is not null.
  void storeVectors(ValueRange values, ArrayRef<Value> arrays, Value at,
                    Value tail) {
    for (auto [value, array] : llvm::zip_equal(values, arrays)) {
      if (tail)
        maskedStore(value, array, at, tail);
      else
        vector::StoreOp::create(b, value, array, ValueRange{at});
    }
  }
  /// The vectors at `at` of `arrays`.
  State loadVectors(ArrayRef<Value> arrays, Value at, Value tail) {
    return llvm::map_to_vector(
        arrays, [&](Value array) { return loadVector(array, at, tail); });
  }
  void deallocAll(ArrayRef<Value> arrays) {
    for (Value array : arrays)
      if (array)
        memref::DeallocOp::create(b, array);
  }
  /// The sum of the states at `at(t)` of `arrays` for t < count.
  State sumOver(Value count, ArrayRef<Value> arrays,
                function_ref<Value(Value)> at) {
    return forLoop(idx(0), count, idx(1), zeroState(computeType),
                   [&](Value t, ValueRange args) {
                     return combineState(args, loadAll(arrays, at(t)));
                   });
  }

  //===--------------------------------------------------------------------===//
  // Kernels
  //===--------------------------------------------------------------------===//

  void rowsKernel();
  /// The rows kernel for tensors of at least pipeline-rows-min-bytes.
  void pipelinedRows();
  /// The rows kernel's row k (a slice) from its scalar state: its factors,
  /// then its output.
  void finishRow(Value k, ValueRange total);
  /// The rows kernel's short rows first to first + batch - 1 (the
  /// batch-short-rows option): one slice per lane of their norms and
  /// scales.
  void finishBatch(Value first, int64_t batch);
  /// The vector states of `rows.size()` rows (a power of two, each of
  /// vectorSize lanes, at most that many) as one state of one lane per row, in
  /// order: each row's lanes added up pairwise, as reduceStateLanes would,
  /// by shuffles that move several rows at once.
  State transposeLanes(ArrayRef<State> rows);
  void chunksKernel();
  void columnsKernel();
  void runsKernel();

  const WNLowerToLoopsPassOptions &options;
  Type elementType;
  int64_t elementBytes;
  int64_t vectorSize;
  Streaming streaming = Streaming::Off;
};

void WeightNormLowering::lower() {
  int64_t rank = op.getRank();
  SmallVector<Value> sizes = setView();
  // Strided v, grad_w or outputs (tiles of a larger tensor) go through
  // contiguous copies.
  auto contiguousCopyOf = [&](Value memref) -> Value {
    auto type = cast<MemRefType>(memref.getType());
    SmallVector<Value> dynamicSizes;
    for (int64_t i = 0; i < rank; ++i)
      if (type.isDynamicDim(i))
        dynamicSizes.push_back(sizes[i]);
    return memref::AllocOp::create(
        b, MemRefType::get(type.getShape(), type.getElementType()),
        dynamicSizes);
  };
  auto isStrided = [](Value memref) {
    return memref && !isContiguousRowMajor(cast<MemRefType>(memref.getType()));
  };
  // An input as a flat array, copied first when strided.
  SmallVector<Value> copies;
  auto flatInput = [&](Value memref) -> Value {
    if (!isStrided(memref))
      return flatten(memref);
    Value copy = contiguousCopyOf(memref);
    linalg::CopyOp::create(b, memref, copy);
    copies.push_back(copy);
    return flatten(copy);
  };
  v1 = flatInput(op.getV());
  if (Value gradW = op.getGradW())
    gw1 = flatInput(gradW);
  Value w = getOutputDestination();
  Value wCopy;
  if (isStrided(w))
    wCopy = contiguousCopyOf(w);
  if (w)
    w1 = flatten(wCopy ? wCopy : w);
  auto dispatch = [&] {
    Value single = cmp(arith::CmpIPredicate::eq, P, idx(1));
    ifThenElse(
        single,
        [&] {
          ifThenElse(
              cmp(arith::CmpIPredicate::uge, O, idx(kMinRowsForRowKernel)),
              [&] { rowsKernel(); }, [&] { chunksKernel(); });
        },
        [&] {
          ifThenElse(
              cmp(arith::CmpIPredicate::ult, Q,
                  idx(kMinRunVectors * vectorSize)),
              [&] { columnsKernel(); }, [&] { runsKernel(); });
        });
  };
  // Streaming (non-temporal) stores for outputs of at least
  // nontemporal-min-bytes: the kernels are emitted twice.
  int64_t minBytes = options.nontemporalMinBytes;
  if (minBytes < 0 || !w1) {
    dispatch();
  } else {
    Value bytes = bytesOf(mul(mul(P, O), Q));
    emitPerStoreKind(cmp(arith::CmpIPredicate::uge, bytes, idx(minBytes)),
                     Streaming::Unaligned, Streaming::Off, dispatch);
  }

  if (wCopy) {
    linalg::CopyOp::create(b, wCopy, w);
    memref::DeallocOp::create(b, wCopy);
  }
  deallocAll(copies);
}

void WeightNormLowering::rowsKernel() {
  // Rows shorter than a vector, of a static length: vectors of the next
  // power of two (fewer lanes to add up per row), and for the forward,
  // batches of rows finished together.
  int64_t savedVectorSize = vectorSize;
  int64_t batch = 1;
  if (std::optional<int64_t> q = getConstantIntValue(Q);
      q && *q > 0 && *q < vectorSize) {
    if (options.batchShortRows && !isBackward())
      batch = vectorSize;
    vectorSize = std::max<int64_t>(2, llvm::PowerOf2Ceil(*q));
  }
  Value batchesEnd = idx(0);
  if (batch > 1) {
    // A batch is batch * Q elements: Q vectors of `batch` elements.
    Value batches = arith::DivUIOp::create(b, O, idx(batch));
    batchesEnd = mul(batches, idx(batch));
    withStoreAlignment(bytesOf(mul(Q, idx(batch))), [&] {
      parallelLoop(idx(0), batches,
                   [&](Value i) { finishBatch(mul(i, idx(batch)), batch); });
    });
  }
  auto perRow = [&] {
    parallelLoop(batchesEnd, O, [&](Value k) {
      finishRow(k, reduceStateLanes(reduceRange(mul(k, Q), Q)));
    });
  };
  withStoreAlignment(bytesOf(Q), [&] {
    int64_t minBytes = options.pipelineRowsMinBytes;
    if (!w1 || batch > 1 || minBytes < 0)
      return perRow();
    // Pipelined for tensors of at least pipeline-rows-min-bytes.
    Value bytes = bytesOf(mul(mul(P, O), Q));
    ifThenElse(
        cmp(arith::CmpIPredicate::uge, bytes, idx(minBytes)),
        [&] { pipelinedRows(); }, perRow);
  });
  vectorSize = savedVectorSize;
}

void WeightNormLowering::pipelinedRows() {
  // Each thread its own range of rows [begin, end): the first row reduced,
  // then for each row k the loop that writes it also reduces row k + 1
  // (two streams in flight), then the last row written.
  Value threads = threadCount();
  Value rowsPerThread = divUp(O, threads);
  parallelLoop(idx(0), threads, [&](Value t) {
    auto [begin, end] = partOf(t, rowsPerThread, O);
    ifThen(cmp(arith::CmpIPredicate::ult, begin, end), [&] {
      State first = finishSliceState(
          begin, reduceStateLanes(reduceRange(mul(begin, Q), Q)));
      Value last = sub(end, idx(1));
      State factors =
          forLoop(begin, last, idx(1), first, [&](Value k, ValueRange carried) {
            Value written = mul(k, Q);
            State splats =
                llvm::map_to_vector(carried, [&](Value f) { return splat(f); });
            Value next = add(k, idx(1));
            State sum = reduceRange(mul(next, Q), Q, [&](Value i, Value tail) {
              writeAt(add(written, i), tail, splats);
            });
            return finishSliceState(next, reduceStateLanes(sum));
          });
      writeRange(mul(last, Q), Q, factors);
    });
  });
}

void WeightNormLowering::finishRow(Value k, ValueRange total) {
  State factors = finishSliceState(k, total);
  if (w1)
    writeRange(mul(k, Q), Q, factors);
}

WeightNormLowering::State
WeightNormLowering::transposeLanes(ArrayRef<State> rows) {
  // Level by level, pairs of vectors (a, b) whose lanes hold groups of
  // `group` lanes, one group per row, become one vector of twice as many
  // groups of half the lanes: the first halves of a's groups then of b's,
  // added to the second halves (the pairs of lanes reduceLanes adds).
  //
  // Each value of the states x and y shuffled with `mask`.
  auto shuffled = [&](const State &x, const State &y, ArrayRef<int64_t> mask) {
    return llvm::map_to_vector(llvm::zip_equal(x, y), [&](auto pair) -> Value {
      return vector::ShuffleOp::create(b, std::get<0>(pair), std::get<1>(pair),
                                       mask);
    });
  };
  // The rows' states are vectors of vectorSize lanes (reduceRange's).
  int64_t width = vectorSize;
  SmallVector<State> level(rows);
  for (int64_t group = width; group > 1 && level.size() > 1; group /= 2) {
    auto halves = [&](int64_t half) {
      SmallVector<int64_t> mask;
      for (int64_t source = 0; source < 2; ++source)
        for (int64_t first = 0; first < width; first += group)
          for (int64_t lane = 0; lane < group / 2; ++lane)
            mask.push_back(source * width + first + half * group / 2 + lane);
      return mask;
    };
    SmallVector<int64_t> low = halves(0), high = halves(1);
    SmallVector<State> next;
    for (size_t i = 0; i + 1 < level.size(); i += 2)
      next.push_back(combineState(shuffled(level[i], level[i + 1], low),
                                  shuffled(level[i], level[i + 1], high)));
    level = std::move(next);
  }
  // One lane per row in each of the remaining vectors: concatenated.
  while (level.size() > 1) {
    SmallVector<State> next;
    for (size_t i = 0; i + 1 < level.size(); i += 2) {
      int64_t lanes =
          cast<VectorType>(level[i].front().getType()).getNumElements();
      auto mask = llvm::to_vector(llvm::seq<int64_t>(0, 2 * lanes));
      next.push_back(shuffled(level[i], level[i + 1], mask));
    }
    level = std::move(next);
  }
  return level.front();
}

void WeightNormLowering::finishBatch(Value first, int64_t batch) {
  // The rows' vector sums turned into one vector of `batch` lanes, one row
  // per lane, then the slices' norms and scales as such vectors.
  Value base = mul(first, Q);
  SmallVector<Value> rows;
  SmallVector<State> sums;
  for (int64_t r = 0; r < batch; ++r) {
    Value k = add(first, idx(r));
    rows.push_back(k);
    sums.push_back(reduceRange(mul(k, Q), Q));
  }
  State lanes = transposeLanes(sums);
  PartialSum sum = statePart(lanes, 0);
  auto lane = [&](Value vector, int64_t r) -> Value {
    return vector ? vector::ExtractOp::create(b, vector, ArrayRef<int64_t>{r})
                        .getResult()
                  : Value();
  };
  auto vectorPath = [&] {
    SmallVector<Value> gs =
        llvm::map_to_vector(rows, [&](Value k) { return loadG(k); });
    SliceScale slices = numerics.finalize(
        sum, eps,
        vector::FromElementsOp::create(
            b, VectorType::get({batch}, gs.front().getType()), gs));
    for (int64_t r = 0; r < batch; ++r)
      storeSliceResults(rows[r],
                        {lane(slices.normHi, r), lane(slices.normLo, r),
                         lane(slices.scaleHi, r), lane(slices.scaleLo, r)});
    if (!w1)
      return;
    // The batch's Q whole vectors; lane j of vector m belongs to row
    // (m * batch + j) / Q, whose scale a shuffle puts there.
    int64_t q = *getConstantIntValue(Q);
    VectorType type = VectorType::get({batch}, elementType);
    for (int64_t m = 0; m < q; ++m) {
      SmallVector<int64_t> mask;
      for (int64_t j = 0; j < batch; ++j)
        mask.push_back((m * batch + j) / q);
      auto spread = [&](Value scale) -> Value {
        return scale ? vector::ShuffleOp::create(b, scale, scale, mask)
                           .getResult()
                     : Value();
      };
      Value at = add(base, idx(m * batch));
      Value x = vector::LoadOp::create(b, type, v1, ValueRange{at});
      store(numerics.scaleElement(x, spread(slices.scaleHi),
                                  spread(slices.scaleLo)),
            w1, at);
    }
  };
  // A slice whose sum needs rescaling: the batch one row at a time, from
  // each row's lanes (the sums reduceLanes gives).
  Value rescale = numerics.needsRescaling(sum, mul(P, Q), eps);
  if (!rescale)
    return vectorPath();
  Value any =
      vector::ReductionOp::create(b, vector::CombiningKind::OR, rescale);
  ifThenElse(
      any,
      [&] {
        for (int64_t r = 0; r < batch; ++r)
          finishRow(rows[r], llvm::map_to_vector(lanes, [&](Value part) {
                      return lane(part, r);
                    }));
      },
      vectorPath);
}

void WeightNormLowering::chunksKernel() {
  Value threads = threadCount();
  // Chunks of whole vectors, one per thread.
  Value vs = idx(vectorSize);
  Value chunk = mul(divUp(divUp(Q, threads), vs), vs);
  SmallVector<Value> partials = allocStates(threads);

  forLoop(idx(0), O, idx(1), [&](Value k) {
    Value base = mul(k, Q);
    parallelLoop(idx(0), threads, [&](Value t) {
      auto [begin, end] = partOf(t, chunk, Q);
      storeAll(reduceStateLanes(reduceRange(add(base, begin), sub(end, begin))),
               partials, t);
    });
    State factors = finishSliceState(
        k, sumOver(threads, partials, [](Value t) { return t; }));
    if (!w1)
      return;
    State splats =
        llvm::map_to_vector(factors, [&](Value f) { return splat(f); });
    withStoreAlignment(bytesOf(Q), [&] {
      parallelLoop(idx(0), threads, [&](Value t) {
        auto [begin, end] = partOf(t, chunk, Q);
        auto write = [&](Value lo, Value hi) {
          writeRanges(add(base, lo), splitVectors(sub(hi, lo)),
                      [&](Value, Value) { return splats; });
        };
        if (!options.reverseWriteBlockBytes)
          return write(begin, end);
        // Blocks of whole vectors, the last first.
        int64_t block = std::max<int64_t>(
            vectorSize, options.reverseWriteBlockBytes / elementBytes /
                            vectorSize * vectorSize);
        forEachBlockReversed(begin, end, idx(block), write);
      });
    });
  });
  deallocAll(partials);
}

void WeightNormLowering::columnsKernel() {
  // Rows of R = O * Q elements; position j of a row belongs to slice j / Q.
  Value R = mul(O, Q);
  Value threads = threadCount();
  Value rowsPerThread = divUp(P, threads);
  VectorSpan row = splitVectors(R);
  // Per-thread partial states per position: [threads][R].
  SmallVector<Value> partials = allocStates(mul(threads, R));
  // Adds the elements of row p at position j (a vector of positions) to
  // `state`.
  auto accumulateRowAt = [&](Value p, Value j, Value tail, ValueRange state) {
    return accumulateAt(add(mul(p, R), j), tail, state);
  };
  // Accumulates `rows` consecutive rows of v from row p into the partials at
  // `base`, a vector of positions at a time: each partial vector is loaded
  // and stored once for all the rows.
  auto accumulateRows = [&](Value p, int64_t rows, Value base) {
    forEachVector(row, [&](Value j, Value tail) {
      Value at = add(base, j);
      State part = loadVectors(partials, at, tail);
      for (int64_t u = 0; u < rows; ++u)
        part = accumulateRowAt(add(p, idx(u)), j, tail, part);
      storeVectors(part, partials, at, tail);
    });
  };
  // Short static rows (at most kMaxRegisterVectors vectors): the partial
  // states of the row stay in registers (loop-carried vectors) over all the
  // thread's rows, stored once at the end. The backward's two sums per
  // position need twice the registers, and LLVM spills some: still faster
  // than either the partials in memory or the row's vectors taken in blocks,
  // one pass over the rows per block (wav2vec2's positional conv, f32, one
  // thread: 6.3 ms against 8.7 and 8.5; 2.4 ms for the forward).
  std::optional<int64_t> staticR = getConstantIntValue(R);
  bool partialsInRegisters =
      staticR && *staticR > 0 &&
      llvm::divideCeil(*staticR, vectorSize) <= kMaxRegisterVectors;
  auto accumulateInRegisters = [&](Value begin, Value end, Value base) {
    int64_t vectors = llvm::divideCeil(*staticR, vectorSize);
    int64_t rest = *staticR % vectorSize;
    // The vector at index i of a row: its offset and, for a partial last
    // one, its number of elements.
    auto vectorAt = [&](int64_t i) {
      Value tail = i == vectors - 1 && rest ? idx(rest) : Value();
      return std::make_pair(idx(i * vectorSize), tail);
    };
    State zeros;
    for (int64_t i = 0; i < vectors; ++i)
      llvm::append_range(zeros, zeroState(vectorOf(computeType)));
    size_t width = stateWidth();
    State sums =
        forLoop(begin, end, idx(1), zeros, [&](Value p, ValueRange args) {
          State next;
          for (int64_t i = 0; i < vectors; ++i) {
            auto [j, tail] = vectorAt(i);
            llvm::append_range(
                next,
                accumulateRowAt(p, j, tail, args.slice(i * width, width)));
          }
          return next;
        });
    for (int64_t i = 0; i < vectors; ++i) {
      auto [j, tail] = vectorAt(i);
      storeVectors(ArrayRef<Value>(sums).slice(i * width, width), partials,
                   add(base, j), tail);
    }
  };
  parallelLoop(idx(0), threads, [&](Value t) {
    Value base = mul(t, R);
    auto [begin, end] = partOf(t, rowsPerThread, P);
    if (partialsInRegisters)
      return accumulateInRegisters(begin, end, base);
    State zero = zeroState(computeType);
    forLoop(idx(0), R, idx(1),
            [&](Value j) { storeAll(zero, partials, add(base, j)); });
    // Groups of kRowsPerPass rows, then the remaining rows one by one.
    Value group = idx(kRowsPerPass);
    Value groupsEnd = add(
        begin, mul(arith::DivUIOp::create(b, sub(end, begin), group), group));
    forLoop(begin, groupsEnd, group,
            [&](Value p) { accumulateRows(p, kRowsPerPass, base); });
    forLoop(groupsEnd, end, idx(1),
            [&](Value p) { accumulateRows(p, 1, base); });
  });
  // Per slice: combine the threads' partials over its Q positions, then
  // spread its factors over those positions (when writing an output).
  SmallVector<Value> factorArrays;
  if (w1)
    factorArrays = allocFactors(R);
  parallelLoop(idx(0), O, [&](Value k) {
    Value first = mul(k, Q);
    State total =
        forLoop(idx(0), threads, idx(1), zeroState(computeType),
                [&](Value t, ValueRange args) {
                  return forLoop(
                      idx(0), Q, idx(1), args, [&](Value q, ValueRange inner) {
                        Value at = add(mul(t, R), add(first, q));
                        return combineState(inner, loadAll(partials, at));
                      });
                });
    State factors = finishSliceState(k, total);
    if (!w1)
      return;
    forLoop(idx(0), Q, idx(1),
            [&](Value q) { storeAll(factors, factorArrays, add(first, q)); });
  });
  if (!w1)
    return deallocAll(partials);
  // Write every row with the per-position factors, kRowsPerScalePass rows
  // (the backward: kRowsPerBackwardPass) per load of the factors, then the
  // remaining rows one by one.
  auto factorsAt = [&](Value j, Value tail) {
    return loadVectors(factorArrays, j, tail);
  };
  auto writeRows = [&](Value p, int64_t rows) {
    SmallVector<Value> offsets;
    for (int64_t u = 0; u < rows; ++u)
      offsets.push_back(mul(add(p, idx(u)), R));
    writeRanges(offsets, row, factorsAt);
  };
  int64_t rowsPerPass = isBackward() ? kRowsPerBackwardPass : kRowsPerScalePass;
  withStoreAlignment(bytesOf(R), [&] {
    if (options.reverseWriteBlockBytes) {
      // Each thread its own rows, in blocks of whole groups of rowsPerPass
      // rows, the last block first; in a block, groups then single rows.
      Value blockRows =
          mul(idx(rowsPerPass),
              arith::MaxUIOp::create(
                  b,
                  arith::DivUIOp::create(b, idx(options.reverseWriteBlockBytes),
                                         bytesOf(mul(R, idx(rowsPerPass)))),
                  idx(1)));
      return parallelLoop(idx(0), threads, [&](Value t) {
        auto [begin, end] = partOf(t, rowsPerThread, P);
        forEachBlockReversed(begin, end, blockRows, [&](Value lo, Value hi) {
          Value groups =
              arith::DivUIOp::create(b, sub(hi, lo), idx(rowsPerPass));
          Value groupsEnd = add(lo, mul(groups, idx(rowsPerPass)));
          forLoop(lo, groupsEnd, idx(rowsPerPass),
                  [&](Value p) { writeRows(p, rowsPerPass); });
          forLoop(groupsEnd, hi, idx(1), [&](Value p) { writeRows(p, 1); });
        });
      });
    }
    if (rowsPerPass == 1)
      return parallelLoop(idx(0), P, [&](Value p) { writeRows(p, 1); });
    Value groups = arith::DivUIOp::create(b, P, idx(rowsPerPass));
    Value groupsEnd = mul(groups, idx(rowsPerPass));
    parallelLoop(idx(0), groups, [&](Value group) {
      writeRows(mul(group, idx(rowsPerPass)), rowsPerPass);
    });
    parallelLoop(groupsEnd, P, [&](Value p) { writeRows(p, 1); });
  });
  deallocAll(partials);
  deallocAll(factorArrays);
}

void WeightNormLowering::runsKernel() {
  // Rows of O runs of Q elements; run (p, k) starts at (p * O + k) * Q.
  Value threads = threadCount();
  Value rowsPerThread = divUp(P, threads);
  SmallVector<Value> partials = allocStates(mul(threads, O));
  parallelLoop(idx(0), threads, [&](Value t) {
    Value base = mul(t, O);
    auto [begin, end] = partOf(t, rowsPerThread, P);
    forLoop(idx(0), O, idx(1), [&](Value k) {
      State sum = forLoop(begin, end, idx(1), zeroState(computeType),
                          [&](Value p, ValueRange args) {
                            Value offset = mul(add(mul(p, O), k), Q);
                            return combineState(
                                args, reduceStateLanes(reduceRange(offset, Q)));
                          });
      storeAll(sum, partials, add(base, k));
    });
  });
  SmallVector<Value> factorArrays;
  if (w1)
    factorArrays = allocFactors(O);
  parallelLoop(idx(0), O, [&](Value k) {
    State factors = finishSliceState(
        k,
        sumOver(threads, partials, [&](Value t) { return add(mul(t, O), k); }));
    if (w1)
      storeAll(factors, factorArrays, k);
  });
  if (!w1)
    return deallocAll(partials);
  withStoreAlignment(bytesOf(Q), [&] {
    parallelLoop(idx(0), P, [&](Value p) {
      forLoop(idx(0), O, idx(1), [&](Value k) {
        writeRange(mul(add(mul(p, O), k), Q), Q, loadAll(factorArrays, k));
      });
    });
  });
  deallocAll(partials);
  deallocAll(factorArrays);
}

} // namespace

/// Why `op` cannot be lowered to loops, or nothing when it can.
static std::optional<std::string> getUnlowerableReason(WeightNormInterface op) {
  if (!cast<DestinationStyleOpInterface>(op.getOperation())
           .hasPureBufferSemantics())
    return std::string("--wn-lower-to-loops needs the op on memrefs; "
                       "bufferize first (one-shot-bufferize)");
  // Host code: its threads call the OpenMP runtime, declared in the module.
  Operation *symbolTable = SymbolTable::getNearestSymbolTable(op);
  if (!isa<ModuleOp>(symbolTable))
    return ("--wn-lower-to-loops lowers for the CPU, but the op is in '" +
            symbolTable->getName().getStringRef() +
            "', not a builtin.module (GPU code: --wn-lower-to-gpu)")
        .str();
  return std::nullopt;
}

LogicalResult mlir::wn::checkLowerableToLoops(WeightNormInterface op) {
  return checkLowerable(op, getUnlowerableReason);
}

namespace {
struct WNLowerToLoopsPass final
    : wn::PassWithOptionErrors<
          wn::impl::WNLowerToLoopsPassBase<WNLowerToLoopsPass>> {
  using PassWithOptionErrors::PassWithOptionErrors;

  LogicalResult initialize(MLIRContext *context) override {
    WNLowerToLoopsPassOptions options;
    options.vectorSize = vectorSize;
    options.parallel = parallel;
    options.nontemporalMinBytes = nontemporalMinBytes;
    options.accumulators = accumulators;
    options.reverseWriteBlockBytes = reverseWriteBlockBytes;
    options.batchShortRows = batchShortRows;
    options.pipelineRowsMinBytes = pipelineRowsMinBytes;
    if (failed(reportOptionProblems(context, getArgument(),
                                    {checkWNLowerToLoopsOptions(options)})))
      return failure();
    RewritePatternSet set(context);
    populateWNToLoopsConversionPatterns(set, options);
    patterns = std::move(set);
    return success();
  }

  void runOnOperation() override {
    if (failed(checkAndLowerWeightNormOps(getOperation(), getUnlowerableReason,
                                          patterns)))
      signalPassFailure();
  }

  FrozenRewritePatternSet patterns;
};
} // namespace

OptionProblem
mlir::wn::checkWNLowerToLoopsOptions(const WNLowerToLoopsPassOptions &options) {
  for (OptionProblem problem :
       {checkVectorSize("vector-size", options.vectorSize),
        checkAtLeast("nontemporal-min-bytes", options.nontemporalMinBytes, -1,
                     "-1: never"),
        checkInRange("accumulators", options.accumulators, 1, kMaxAccumulators),
        checkAtLeast("pipeline-rows-min-bytes", options.pipelineRowsMinBytes,
                     -1, "-1: never"),
        checkAtLeast("reverse-write-block-bytes",
                     options.reverseWriteBlockBytes, 0, "0: in order")})
    if (problem)
      return problem;
  return std::nullopt;
}

void mlir::wn::populateWNToLoopsConversionPatterns(
    RewritePatternSet &patterns, const WNLowerToLoopsPassOptions &options) {
  patterns.add<
      WeightNormLoweringPattern<WeightNormLowering, WNLowerToLoopsPassOptions>>(
      patterns.getContext(), getUnlowerableReason, options);
}
