//===- WNToGPU.cpp - wn ops to GPU kernels
//---------------------------------===//
//
// Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
// See the LICENSE file for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Lowers wn.weight_norm and wn.weight_norm_scale on memrefs (after
// bufferization; the memrefs are device memory) to gpu.launch kernels with an
// explicit mapping of slices to threads, blocks and grids. The arithmetic is
// WeightNormNumerics' (f32 in f64, f16/bf16 in f32 with Kahan's compensation,
// f64 in double-double), per thread; partial sums meet through warp shuffles
// (gpu.shuffle xor) and shared memory.
//
// v is viewed as [P, O, Q] around dim, as on the CPU. Strategies, chosen at
// run time from P, O and Q (the choice folds for static shapes) or forced by
// the `strategy` option:
//
// - thread (P = 1, Q <= kMaxThreadSlice): one thread per slice, which reads
//   its few elements, computes the scale and writes them (DAC's 7-element
//   slices). One kernel.
// - block (P = 1, enough slices): one block per slice; every thread reduces
//   a strided part of the row (coalesced), the block combines the threads'
//   sums through shuffles and shared memory, thread 0 computes the scale,
//   and the threads scale their elements. When the row is static and fits in
//   the threads' registers it is read from global memory once. One kernel.
// - grid (P = 1, few slices: the whole tensor): every slice is cut into
//   chunks reduced by one block each; a second kernel combines the chunks'
//   sums per slice, a third scales every element.
// - columns (P > 1: the last dim, middle dims): rows of R = O * Q elements;
//   thread j of a grid column accumulates position j over a chunk of rows
//   (coalesced across threads), a second kernel combines the chunks and the
//   Q positions of each slice, a third scales every element.
//
//===----------------------------------------------------------------------===//

#include "wn/Conversion/WNToGPU/WNToGPU.h"
#include "wn/Conversion/WNCommon/WeightNormLoweringBase.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Utils/MemRefUtils.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir {
namespace wn {
#define GEN_PASS_DEF_WNLOWERTOGPUPASS
#include "wn/Conversion/Passes.h.inc"
} // namespace wn
} // namespace mlir

using namespace mlir;
using namespace mlir::wn;

/// Threads per warp (NVIDIA).
static constexpr int64_t kWarpSize = 32;
/// Slices of at most this many elements get one thread each.
static constexpr int64_t kMaxThreadSlice = 32;
/// With P = 1 and at least this many slices, each slice gets one block;
/// fewer slices are cut into chunks spread over the grid.
static constexpr int64_t kMinSlicesForBlocks = 128;
/// A static row of at most this many elements per thread stays in
/// registers between the reduction and the scaling.
static constexpr int64_t kMaxRegistersPerThread = 8;
/// The largest grid y dimension (the grid strategy puts slices there).
static constexpr int64_t kMaxGridY = 65535;
/// Elements each block of the grid and columns strategies reduces, at
/// least (per thread: this divided by the block size).
static constexpr int64_t kElementsPerChunk = 16384;

namespace {

/// Builds the kernels of one weight norm op on memrefs.
class GPULowering : WeightNormLoweringBase {
public:
  GPULowering(ImplicitLocOpBuilder &b, WeightNormInterface op,
              const WNLowerToGPUPassOptions &options)
      : WeightNormLoweringBase(b, op), blockSize(options.blockSize),
        strategy(options.strategy) {}

  /// Builds the kernels before `op` (checkLowerableToGPU holds).
  void lower();

private:
  //===--------------------------------------------------------------------===//
  // Helpers
  //===--------------------------------------------------------------------===//

  /// `then(values)` when `cond`, else `otherwise`.
  SmallVector<Value> select(Value cond, TypeRange types,
                            function_ref<SmallVector<Value>()> then,
                            function_ref<SmallVector<Value>()> otherwise) {
    auto ifOp = scf::IfOp::create(b, types, cond, /*withElseRegion=*/true);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    scf::YieldOp::create(b, then());
    b.setInsertionPointToStart(ifOp.elseBlock());
    scf::YieldOp::create(b, otherwise());
    return ifOp.getResults();
  }

  /// A kernel of `grid` (x, y) blocks of blockSize threads, with shared
  /// arrays of the given types; `body` receives the launch.
  void launch(Value gridX, Value gridY, TypeRange shared,
              function_ref<void(gpu::LaunchOp)> body) {
    Value one = idx(1);
    auto launchOp =
        gpu::LaunchOp::create(b, gridX, gridY, one, idx(blockSize), one, one,
                              /*dynamicSharedMemorySize=*/nullptr,
                              /*asyncTokenType=*/nullptr,
                              /*asyncDependencies=*/{}, shared);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&launchOp.getBody().front());
    body(launchOp);
    gpu::TerminatorOp::create(b);
  }
  Value threadId() { return gpu::ThreadIdOp::create(b, gpu::Dimension::x); }
  Value blockIdX() { return gpu::BlockIdOp::create(b, gpu::Dimension::x); }
  Value blockIdY() { return gpu::BlockIdOp::create(b, gpu::Dimension::y); }
  void barrier() { gpu::BarrierOp::create(b); }

  /// A workgroup (shared memory) array type of `count` `type`s.
  MemRefType sharedArray(Type type, int64_t count) {
    auto space = gpu::AddressSpaceAttr::get(b.getContext(),
                                            gpu::AddressSpace::Workgroup);
    return MemRefType::get({count}, type, MemRefLayoutAttrInterface(), space);
  }

  /// Device scratch of `size` elements of `type`.
  Value allocDevice(Type type, Value size) {
    auto alloc = gpu::AllocOp::create(
        b, MemRefType::get({ShapedType::kDynamic}, type),
        /*asyncToken=*/Type(), /*asyncDependencies=*/ValueRange{},
        ValueRange{size}, /*symbolOperands=*/ValueRange{});
    return alloc.getMemref();
  }
  void deallocDevice(Value memref) {
    gpu::DeallocOp::create(b, /*asyncToken=*/Type(), ValueRange{}, memref);
  }

  /// The sum of the PartialSums of all lanes of a warp, in every lane
  /// (butterfly of xor shuffles).
  PartialSum warpReduce(PartialSum sum) {
    for (int64_t offset = kWarpSize / 2; offset >= 1; offset /= 2) {
      PartialSum other;
      auto shuffle = [&](Value value) -> Value {
        return gpu::ShuffleOp::create(b, value, offset, kWarpSize,
                                      gpu::ShuffleMode::XOR)
            .getShuffleResult();
      };
      other.hi = shuffle(sum.hi);
      if (sum.lo)
        other.lo = shuffle(sum.lo);
      sum = numerics.combine(sum, other);
    }
    return sum;
  }

  /// The sum of every thread's `sum` over the block, valid in thread 0.
  /// `sharedHi`/`sharedLo` hold one value per warp.
  PartialSum blockReduce(PartialSum sum, Value tid, Value sharedHi,
                         Value sharedLo) {
    sum = warpReduce(sum);
    int64_t warps = blockSize / kWarpSize;
    if (warps == 1)
      return sum;
    Value lane = remU(tid, idx(kWarpSize));
    Value warp = divU(tid, idx(kWarpSize));
    ifThen(cmp(arith::CmpIPredicate::eq, lane, idx(0)), [&] {
      memref::StoreOp::create(b, sum.hi, sharedHi, ValueRange{warp});
      if (sum.lo)
        memref::StoreOp::create(b, sum.lo, sharedLo, ValueRange{warp});
    });
    barrier();
    PartialSum zero = numerics.zeroSum(computeType);
    SmallVector<Type> types(pack(zero).size(), computeType);
    PartialSum partial = unpack(select(
        cmp(arith::CmpIPredicate::ult, tid, idx(warps)), types,
        [&] {
          SmallVector<Value> values = {
              memref::LoadOp::create(b, sharedHi, ValueRange{tid})};
          if (sharedLo)
            values.push_back(
                memref::LoadOp::create(b, sharedLo, ValueRange{tid}));
          return values;
        },
        [&] { return pack(zero); }));
    return warpReduce(partial);
  }

  /// Shared arrays for blockReduce: hi (and lo) per warp.
  SmallVector<Type> reduceSharedTypes() {
    int64_t warps = std::max<int64_t>(1, blockSize / kWarpSize);
    SmallVector<Type> types = {sharedArray(computeType, warps)};
    if (numerics.hasLowPart())
      types.push_back(sharedArray(computeType, warps));
    return types;
  }

  /// w1[i] = v1[i] * scale.
  void scaleElement(Value i, Value scaleHi, Value scaleLo) {
    Value x = memref::LoadOp::create(b, v1, ValueRange{i});
    memref::StoreOp::create(b, numerics.scaleElement(x, scaleHi, scaleLo), w1,
                            ValueRange{i});
  }
  PartialSum accumulateAt(Value i, PartialSum sum) {
    return numerics.accumulate(
        numerics.widen(memref::LoadOp::create(b, v1, ValueRange{i})), sum);
  }

  //===--------------------------------------------------------------------===//
  // Strategies
  //===--------------------------------------------------------------------===//

  /// The norm and scale of O slices of zero elements (v is empty).
  void emptySlices();
  void threadPerSlice();
  void blockPerSlice();
  void gridChunks();
  void columns();
  /// The third kernel of grid and columns: w[i] = v[i] * scale[slice of i]
  /// with the slices' scales in device arrays.
  void scaleAll(Value scaleHi, Value scaleLo);
  /// The second kernel of grid and columns: per slice k, combines the
  /// partial sums partial[c * stride + k * Q + q] for c < chunks and
  /// q < positions, finishes the slice and stores its scale.
  void finishSlices(Value partialHi, Value partialLo, Value chunks,
                    Value stride, Value positions, Value scaleHi,
                    Value scaleLo);
  /// The second and third kernels of grid and columns, with the scales in
  /// device scratch; frees the partial sums.
  void finishAndScale(Value partialHi, Value partialLo, Value chunks,
                      Value stride, Value positions);

  int64_t blockSize;
  GPUStrategy strategy;
};

void GPULowering::lower() {
  v1 = flatten(op.getV());
  if (Value w = op.getWDestination())
    w1 = flatten(w);
  setView();

  // An empty v: no w to write and no kernel of zero blocks, but slices of
  // zero elements still have a norm (sqrt(eps), or 0) and a scale.
  Value empty = cmp(arith::CmpIPredicate::eq, mul(mul(P, O), Q), idx(0));
  auto nonEmpty = scf::IfOp::create(b, empty, /*withElseRegion=*/true);
  OpBuilder::InsertionGuard guard(b);
  if (op.getNormDestination() || op.getScaleDestination()) {
    b.setInsertionPoint(nonEmpty.thenBlock()->getTerminator());
    ifThen(cmp(arith::CmpIPredicate::ne, O, idx(0)), [&] { emptySlices(); });
  }
  b.setInsertionPoint(nonEmpty.elseBlock()->getTerminator());
  // A forced strategy for slices of one row (thread, block, grid) applies
  // when P = 1; with P > 1 the columns strategy runs instead, and grid falls
  // back to block beyond 65535 slices (its grid's y dimension).
  auto singleRow = [&](function_ref<void()> body) {
    ifThenElse(cmp(arith::CmpIPredicate::eq, P, idx(1)), body,
               [&] { columns(); });
  };
  switch (strategy) {
  case GPUStrategy::Thread:
    singleRow([&] { threadPerSlice(); });
    return;
  case GPUStrategy::Block:
    singleRow([&] { blockPerSlice(); });
    return;
  case GPUStrategy::Grid:
    singleRow([&] {
      ifThenElse(
          cmp(arith::CmpIPredicate::ule, O, idx(kMaxGridY)),
          [&] { gridChunks(); }, [&] { blockPerSlice(); });
    });
    return;
  case GPUStrategy::Columns:
    columns();
    return;
  case GPUStrategy::Auto:
    break;
  }
  ifThenElse(
      cmp(arith::CmpIPredicate::eq, P, idx(1)),
      [&] {
        ifThenElse(
            cmp(arith::CmpIPredicate::ule, Q, idx(kMaxThreadSlice)),
            [&] { threadPerSlice(); },
            [&] {
              ifThenElse(
                  cmp(arith::CmpIPredicate::uge, O, idx(kMinSlicesForBlocks)),
                  [&] { blockPerSlice(); }, [&] { gridChunks(); });
            });
      },
      [&] { columns(); });
}

void GPULowering::emptySlices() {
  launch(divUp(O, idx(blockSize)), idx(1), {}, [&](gpu::LaunchOp) {
    Value k = add(mul(blockIdX(), idx(blockSize)), threadId());
    ifThen(cmp(arith::CmpIPredicate::ult, k, O),
           [&] { finishSlice(k, numerics.zeroSum(computeType)); });
  });
}

void GPULowering::threadPerSlice() {
  launch(divUp(O, idx(blockSize)), idx(1), {}, [&](gpu::LaunchOp) {
    Value k = add(mul(blockIdX(), idx(blockSize)), threadId());
    ifThen(cmp(arith::CmpIPredicate::ult, k, O), [&] {
      Value base = mul(k, Q);
      PartialSum sum = unpack(
          forLoop(idx(0), Q, idx(1), pack(numerics.zeroSum(computeType)),
                  [&](Value q, ValueRange args) {
                    return pack(accumulateAt(add(base, q), unpack(args)));
                  }));
      SliceScale slice = finishSlice(k, sum);
      if (w1)
        forLoop(idx(0), Q, idx(1), [&](Value q) {
          scaleElement(add(base, q), slice.scaleHi, slice.scaleLo);
        });
    });
  });
}

void GPULowering::blockPerSlice() {
  SmallVector<Type> shared = reduceSharedTypes();
  Type scaleType = numerics.getScaleType();
  shared.push_back(sharedArray(scaleType, 1));
  if (numerics.hasScaleLowPart())
    shared.push_back(sharedArray(scaleType, 1));
  std::optional<int64_t> staticQ = getConstantIntValue(Q);
  int64_t perThread =
      staticQ ? llvm::divideCeil(*staticQ, blockSize) : int64_t(0);
  bool inRegisters = staticQ && perThread <= kMaxRegistersPerThread;
  launch(O, idx(1), shared, [&](gpu::LaunchOp launchOp) {
    ValueRange attributions = launchOp.getWorkgroupAttributions();
    bool lowPart = numerics.hasLowPart();
    Value sharedHi = attributions[0];
    Value sharedLo = lowPart ? attributions[1] : Value();
    Value scaleHiShared = attributions[lowPart ? 2 : 1];
    Value scaleLoShared =
        numerics.hasScaleLowPart() ? attributions[lowPart ? 3 : 2] : Value();
    Value k = blockIdX();
    Value tid = threadId();
    Value base = mul(k, Q);
    PartialSum sum = numerics.zeroSum(computeType);
    // A static row that fits: each thread keeps its elements (or nothing
    // past the end) in registers.
    SmallVector<Value> kept;
    SmallVector<Value> keptValid;
    if (inRegisters) {
      Type elementType = numerics.getElementType();
      for (int64_t r = 0; r < perThread; ++r) {
        Value i = add(tid, idx(r * blockSize));
        Value valid = cmp(arith::CmpIPredicate::ult, i, Q);
        Value x = select(
            valid, {elementType},
            [&] {
              return SmallVector<Value>{
                  memref::LoadOp::create(b, v1, ValueRange{add(base, i)})};
            },
            [&] {
              return SmallVector<Value>{
                  arith::ConstantOp::create(b, b.getZeroAttr(elementType))};
            })[0];
        kept.push_back(x);
        keptValid.push_back(valid);
        sum = numerics.accumulate(numerics.widen(x), sum);
      }
    } else {
      sum = unpack(forLoop(
          tid, Q, idx(blockSize), pack(sum), [&](Value i, ValueRange args) {
            return pack(accumulateAt(add(base, i), unpack(args)));
          }));
    }
    PartialSum total = blockReduce(sum, tid, sharedHi, sharedLo);
    ifThen(cmp(arith::CmpIPredicate::eq, tid, idx(0)), [&] {
      SliceScale slice = finishSlice(k, total);
      memref::StoreOp::create(b, slice.scaleHi, scaleHiShared,
                              ValueRange{idx(0)});
      if (scaleLoShared)
        memref::StoreOp::create(b, slice.scaleLo, scaleLoShared,
                                ValueRange{idx(0)});
    });
    if (!w1)
      return;
    barrier();
    Value scaleHi =
        memref::LoadOp::create(b, scaleHiShared, ValueRange{idx(0)});
    Value scaleLo = scaleLoShared ? memref::LoadOp::create(b, scaleLoShared,
                                                           ValueRange{idx(0)})
                                        .getResult()
                                  : Value();
    if (inRegisters) {
      for (auto [r, x] : llvm::enumerate(kept))
        ifThen(keptValid[r], [&, r = r, x = x] {
          Value i = add(base, add(tid, idx(r * blockSize)));
          memref::StoreOp::create(b, numerics.scaleElement(x, scaleHi, scaleLo),
                                  w1, ValueRange{i});
        });
      return;
    }
    forLoop(tid, Q, idx(blockSize),
            [&](Value i) { scaleElement(add(base, i), scaleHi, scaleLo); });
  });
}

void GPULowering::finishSlices(Value partialHi, Value partialLo, Value chunks,
                               Value stride, Value positions, Value scaleHi,
                               Value scaleLo) {
  launch(divUp(O, idx(blockSize)), idx(1), {}, [&](gpu::LaunchOp) {
    Value k = add(mul(blockIdX(), idx(blockSize)), threadId());
    ifThen(cmp(arith::CmpIPredicate::ult, k, O), [&] {
      PartialSum total = unpack(
          forLoop(idx(0), chunks, idx(1), pack(numerics.zeroSum(computeType)),
                  [&](Value c, ValueRange args) {
                    Value first = add(mul(c, stride), mul(k, positions));
                    return pack(unpack(forLoop(
                        idx(0), positions, idx(1), args,
                        [&](Value q, ValueRange inner) {
                          return pack(numerics.combine(
                              unpack(inner),
                              loadSum(partialHi, partialLo, add(first, q))));
                        })));
                  }));
      SliceScale slice = finishSlice(k, total);
      if (scaleHi)
        storePair(slice.scaleHi, slice.scaleLo, scaleHi, scaleLo, k);
    });
  });
}

void GPULowering::finishAndScale(Value partialHi, Value partialLo, Value chunks,
                                 Value stride, Value positions) {
  Type scaleType = numerics.getScaleType();
  Value scaleHi = w1 ? allocDevice(scaleType, O) : Value();
  Value scaleLo =
      w1 && numerics.hasScaleLowPart() ? allocDevice(scaleType, O) : Value();
  finishSlices(partialHi, partialLo, chunks, stride, positions, scaleHi,
               scaleLo);
  if (w1)
    scaleAll(scaleHi, scaleLo);
  for (Value array : {partialHi, partialLo, scaleHi, scaleLo})
    if (array)
      deallocDevice(array);
}

void GPULowering::scaleAll(Value scaleHi, Value scaleLo) {
  Value total = mul(mul(P, O), Q);
  // A grid-stride loop over every element, enough blocks to fill the
  // device.
  Value blocks = minU(divUp(total, idx(blockSize)), idx(65535));
  launch(blocks, idx(1), {}, [&](gpu::LaunchOp) {
    Value first = add(mul(blockIdX(), idx(blockSize)), threadId());
    Value stride = mul(blocks, idx(blockSize));
    forLoop(first, total, stride, [&](Value i) {
      Value k = remU(divU(i, Q), O);
      Value hi = memref::LoadOp::create(b, scaleHi, ValueRange{k});
      Value lo =
          scaleLo
              ? memref::LoadOp::create(b, scaleLo, ValueRange{k}).getResult()
              : Value();
      scaleElement(i, hi, lo);
    });
  });
}

void GPULowering::gridChunks() {
  // Chunks of each slice (P = 1): at least kElementsPerChunk elements per
  // block, at most 1024 blocks per slice.
  Value chunks =
      maxU(minU(divUp(Q, idx(kElementsPerChunk)), idx(1024)), idx(1));
  Value chunkSize = divUp(Q, chunks);
  Value partialHi = allocDevice(computeType, mul(chunks, O));
  Value partialLo = numerics.hasLowPart()
                        ? allocDevice(computeType, mul(chunks, O))
                        : Value();
  launch(chunks, O, reduceSharedTypes(), [&](gpu::LaunchOp launchOp) {
    ValueRange attributions = launchOp.getWorkgroupAttributions();
    Value sharedHi = attributions[0];
    Value sharedLo = numerics.hasLowPart() ? attributions[1] : Value();
    Value c = blockIdX();
    Value k = blockIdY();
    Value tid = threadId();
    Value begin = minU(mul(c, chunkSize), Q);
    Value end = minU(add(begin, chunkSize), Q);
    Value base = mul(k, Q);
    PartialSum sum = unpack(forLoop(
        add(begin, tid), end, idx(blockSize),
        pack(numerics.zeroSum(computeType)), [&](Value i, ValueRange args) {
          return pack(accumulateAt(add(base, i), unpack(args)));
        }));
    PartialSum total = blockReduce(sum, tid, sharedHi, sharedLo);
    ifThen(cmp(arith::CmpIPredicate::eq, tid, idx(0)), [&] {
      // Slice k's chunks are contiguous: chunk c of slice k at c + k *
      // chunks (finishSlices' layout with stride 1 and `chunks` positions).
      storePair(total.hi, total.lo, partialHi, partialLo,
                add(c, mul(k, chunks)));
    });
  });
  finishAndScale(partialHi, partialLo, /*chunks=*/idx(1), /*stride=*/idx(0),
                 /*positions=*/chunks);
}

void GPULowering::columns() {
  // Rows of R = O * Q elements; grid x over positions, grid y over chunks
  // of rows.
  Value R = mul(O, Q);
  Value rowsPerChunk =
      maxU(divU(idx(kElementsPerChunk), maxU(R, idx(1))), idx(1));
  rowsPerChunk = maxU(rowsPerChunk, divUp(P, idx(1024)));
  Value chunks = divUp(P, rowsPerChunk);
  Value partialHi = allocDevice(computeType, mul(chunks, R));
  Value partialLo = numerics.hasLowPart()
                        ? allocDevice(computeType, mul(chunks, R))
                        : Value();
  launch(divUp(R, idx(blockSize)), chunks, {}, [&](gpu::LaunchOp) {
    Value j = add(mul(blockIdX(), idx(blockSize)), threadId());
    Value c = blockIdY();
    ifThen(cmp(arith::CmpIPredicate::ult, j, R), [&] {
      Value begin = mul(c, rowsPerChunk);
      Value end = minU(add(begin, rowsPerChunk), P);
      PartialSum sum = unpack(
          forLoop(begin, end, idx(1), pack(numerics.zeroSum(computeType)),
                  [&](Value p, ValueRange args) {
                    return pack(accumulateAt(add(mul(p, R), j), unpack(args)));
                  }));
      storePair(sum.hi, sum.lo, partialHi, partialLo, add(mul(c, R), j));
    });
  });
  finishAndScale(partialHi, partialLo, chunks, /*stride=*/R, /*positions=*/Q);
}

/// Why `op` cannot be lowered to GPU kernels, or nothing when it can.
static std::optional<std::string> getUnlowerableReason(WeightNormInterface op) {
  if (!cast<DestinationStyleOpInterface>(op.getOperation())
           .hasPureBufferSemantics())
    return std::string("--wn-lower-to-gpu needs the op on memrefs; "
                       "bufferize first (one-shot-bufferize)");
  if (op.getGradW())
    return std::string("--wn-lower-to-gpu does not lower "
                       "wn.weight_norm_backward yet");
  // The kernels index v and w as flat arrays.
  for (Value memref : {op.getV(), op.getWDestination()}) {
    if (!memref || isContiguousRowMajor(cast<MemRefType>(memref.getType())))
      continue;
    std::string reason;
    llvm::raw_string_ostream os(reason);
    os << "--wn-lower-to-gpu needs contiguous row-major buffers, but an "
          "operand has type '"
       << memref.getType() << "'";
    return reason;
  }
  return std::nullopt;
}

struct WNLowerToGPUPass final
    : wn::PassWithOptionErrors<
          wn::impl::WNLowerToGPUPassBase<WNLowerToGPUPass>> {
  using PassWithOptionErrors::PassWithOptionErrors;

  LogicalResult initialize(MLIRContext *context) override {
    if (failed(
            reportOptionProblems(context, getArgument(),
                                 {checkGPUBlockSize("block-size", blockSize)})))
      return failure();
    RewritePatternSet set(context);
    populateWNToGPUConversionPatterns(
        set, WNLowerToGPUPassOptions{blockSize, strategy});
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

LogicalResult mlir::wn::checkLowerableToGPU(WeightNormInterface op) {
  return checkLowerable(op, getUnlowerableReason);
}

llvm::cl::ValuesClass mlir::wn::getGPUStrategyValues() {
  return llvm::cl::values(
      clEnumValN(GPUStrategy::Auto, "auto", "chosen per op from its shape"),
      clEnumValN(GPUStrategy::Thread, "thread", "one thread per slice"),
      clEnumValN(GPUStrategy::Block, "block", "one block per slice"),
      clEnumValN(GPUStrategy::Grid, "grid",
                 "every slice in chunks over the grid"),
      clEnumValN(GPUStrategy::Columns, "columns",
                 "positions of rows accumulated by threads"));
}

void mlir::wn::populateWNToGPUConversionPatterns(
    RewritePatternSet &patterns, const WNLowerToGPUPassOptions &options) {
  patterns.add<WeightNormLoweringPattern<GPULowering, WNLowerToGPUPassOptions>>(
      patterns.getContext(), getUnlowerableReason, options);
}
