//===- WNToGPU.cpp - wn ops to GPU kernels --------------------------------===//
//
// Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
// See the LICENSE file for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Lowers wn.weight_norm, wn.weight_norm_scale and wn.weight_norm_backward on
// memrefs (after bufferization; the memrefs are device memory) to gpu.launch
// kernels with an explicit mapping of slices to threads, blocks and grids.
// The arithmetic is WeightNormNumerics' (f32 in f64, f16/bf16 in f32 with
// Kahan's compensation, f64 in double-double), per thread, through
// WeightNormLoweringBase's per-slice State: the partial sums of a slice (the
// squares of v unless the backward is given the saved norm, and for the
// backward the products grad_w * v) meet as a whole through warp shuffles
// (gpu.shuffle xor of every value of the state) and shared memory (one array
// per value of the state), and a finished slice gives its factors (the scale
// of w, or the backward's a, b' and 2^-k of grad_v = a grad_w - b' v 2^-k:
// SliceGradients) and stores its per-slice results (norm, scale, grad_g).
// Every strategy reads v (and
// grad_w) once for the sums and once more to write w (or grad_v), except
// the block strategy's rows kept in registers, read once.
//
// v is viewed as [P, O, Q] around dim, as on the CPU. Strategies, chosen at
// run time from P, O and Q (the choice folds for static shapes) or forced by
// the `strategy` option:
//
// - thread (P = 1, Q <= kMaxThreadSlice): one thread per slice, which reads
//   its few elements, finishes the slice and writes them (DAC's 7-element
//   slices). One kernel.
// - block (P = 1, enough slices): one block per slice; every thread reduces
//   a strided part of the row (coalesced), the block combines the threads'
//   states through shuffles and shared memory, thread 0 finishes the slice
//   into shared factors, and the threads write their elements. When the row
//   is static and fits in the threads' registers it is read from global
//   memory once. One kernel.
// - grid (P = 1, few slices: the whole tensor): every slice is cut into
//   chunks reduced by one block each; a second kernel combines the chunks'
//   states per slice into its factors, a third writes every element.
// - columns (P > 1: the last dim, middle dims): rows of R = O * Q elements;
//   thread j of a grid column accumulates position j over a chunk of rows
//   (coalesced across threads), a second kernel combines the chunks and the
//   Q positions of each slice, a third writes every element.
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

  /// The sum of the states of all lanes of a warp, in every lane (butterfly
  /// of xor shuffles of every value of the state).
  State warpReduce(ValueRange state) {
    State sum = llvm::to_vector(state);
    for (int64_t offset = kWarpSize / 2; offset >= 1; offset /= 2) {
      State other = llvm::map_to_vector(sum, [&](Value value) -> Value {
        return gpu::ShuffleOp::create(b, value, offset, kWarpSize,
                                      gpu::ShuffleMode::XOR)
            .getShuffleResult();
      });
      sum = combineState(sum, other);
    }
    return sum;
  }

  /// The sum of every thread's `state` over the block, valid in thread 0.
  /// `shared` (reduceSharedTypes) holds one state per warp.
  State blockReduce(ValueRange state, Value tid, ValueRange shared) {
    State sum = warpReduce(state);
    int64_t warps = blockSize / kWarpSize;
    if (warps == 1)
      return sum;
    Value lane = remU(tid, idx(kWarpSize));
    Value warp = divU(tid, idx(kWarpSize));
    ifThen(cmp(arith::CmpIPredicate::eq, lane, idx(0)),
           [&] { storeAll(sum, shared, warp); });
    barrier();
    State zero = zeroState(computeType);
    SmallVector<Type> types(zero.size(), computeType);
    State partial = select(
        cmp(arith::CmpIPredicate::ult, tid, idx(warps)), types,
        [&] { return loadAll(shared, tid); }, [&] { return zero; });
    return warpReduce(partial);
  }

  /// Shared arrays for blockReduce: every value of a state per warp.
  SmallVector<Type> reduceSharedTypes() {
    int64_t warps = std::max<int64_t>(1, blockSize / kWarpSize);
    return SmallVector<Type>(stateWidth(), sharedArray(computeType, warps));
  }

  /// Device scratch: `size` states (one array per value of a state), and
  /// `size` slices' factors.
  SmallVector<Value> allocStates(Value size) {
    return llvm::map_to_vector(llvm::seq(stateWidth()), [&](unsigned) {
      return allocDevice(computeType, size);
    });
  }
  SmallVector<Value> allocFactors(Value size) {
    return llvm::map_to_vector(llvm::seq(factorWidth()), [&](unsigned) {
      return allocDevice(numerics.getScaleType(), size);
    });
  }
  /// The scalars at `at` of `arrays`.
  State loadAll(ValueRange arrays, Value at) {
    return llvm::map_to_vector(arrays, [&](Value array) -> Value {
      return memref::LoadOp::create(b, array, ValueRange{at});
    });
  }
  /// Stores the scalars `values` at `at` of `arrays`.
  void storeAll(ValueRange values, ValueRange arrays, Value at) {
    for (auto [value, array] : llvm::zip_equal(values, arrays))
      memref::StoreOp::create(b, value, array, ValueRange{at});
  }

  /// `state` with the elements at i of v1 (and gw1) added.
  State accumulateAt(Value i, ValueRange state) {
    Value x = memref::LoadOp::create(b, v1, ValueRange{i});
    Value gw = gw1 ? memref::LoadOp::create(b, gw1, ValueRange{i}).getResult()
                   : Value();
    return accumulateState(x, gw, state);
  }
  /// w1[i] = the output element (w, or grad_v) of v1[i] (and gw1[i]) with
  /// the slice's `factors`.
  void writeAt(Value i, ValueRange factors) {
    Value x = memref::LoadOp::create(b, v1, ValueRange{i});
    Value gw = gw1 ? memref::LoadOp::create(b, gw1, ValueRange{i}).getResult()
                   : Value();
    memref::StoreOp::create(b, writeElement(x, gw, factors), w1, ValueRange{i});
  }

  //===--------------------------------------------------------------------===//
  // Strategies
  //===--------------------------------------------------------------------===//

  /// The per-slice results of O slices of zero elements (v is empty).
  void emptySlices();
  void threadPerSlice();
  void blockPerSlice();
  void gridChunks();
  void columns();
  /// The third kernel of grid and columns: every output element from its
  /// slice's factors, held in the device arrays `factorArrays`.
  void writeAll(ValueRange factorArrays);
  /// The second kernel of grid and columns: per slice k, combines the
  /// partial states partials[c * stride + k * positions + q] for c < chunks
  /// and q < positions, finishes the slice and stores its factors into
  /// `factorArrays` (when not empty).
  void finishSlices(ValueRange partials, Value chunks, Value stride,
                    Value positions, ValueRange factorArrays);
  /// The second and third kernels of grid and columns, with the factors in
  /// device scratch; frees the partial states.
  void finishAndWrite(ValueRange partials, Value chunks, Value stride,
                      Value positions);

  int64_t blockSize;
  GPUStrategy strategy;
};

void GPULowering::lower() {
  v1 = flatten(op.getV());
  if (Value gradW = op.getGradW())
    gw1 = flatten(gradW);
  if (Value w = getOutputDestination())
    w1 = flatten(w);
  setView();

  // An empty v: no output elements to write and no kernel of zero blocks,
  // but slices of zero elements still have their per-slice results (norm,
  // scale, grad_g).
  Value empty = cmp(arith::CmpIPredicate::eq, mul(mul(P, O), Q), idx(0));
  auto nonEmpty = scf::IfOp::create(b, empty, /*withElseRegion=*/true);
  OpBuilder::InsertionGuard guard(b);
  if (op.getNormDestination() || op.getScaleDestination() ||
      op.getGradGDestination()) {
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
           [&] { finishSliceState(k, zeroState(computeType)); });
  });
}

void GPULowering::threadPerSlice() {
  launch(divUp(O, idx(blockSize)), idx(1), {}, [&](gpu::LaunchOp) {
    Value k = add(mul(blockIdX(), idx(blockSize)), threadId());
    ifThen(cmp(arith::CmpIPredicate::ult, k, O), [&] {
      Value base = mul(k, Q);
      State sum = forLoop(idx(0), Q, idx(1), zeroState(computeType),
                          [&](Value q, ValueRange args) {
                            return accumulateAt(add(base, q), args);
                          });
      State factors = finishSliceState(k, sum);
      if (w1)
        forLoop(idx(0), Q, idx(1),
                [&](Value q) { writeAt(add(base, q), factors); });
    });
  });
}

void GPULowering::blockPerSlice() {
  SmallVector<Type> shared = reduceSharedTypes();
  unsigned sharedStates = shared.size();
  shared.append(factorWidth(), sharedArray(numerics.getScaleType(), 1));
  std::optional<int64_t> staticQ = getConstantIntValue(Q);
  int64_t perThread =
      staticQ ? llvm::divideCeil(*staticQ, blockSize) : int64_t(0);
  // The backward keeps two elements per position (v and grad_w).
  bool inRegisters =
      staticQ && perThread * (isBackward() ? 2 : 1) <= kMaxRegistersPerThread;
  launch(O, idx(1), shared, [&](gpu::LaunchOp launchOp) {
    ValueRange attributions = launchOp.getWorkgroupAttributions();
    ValueRange sharedState = attributions.take_front(sharedStates);
    ValueRange sharedFactors = attributions.drop_front(sharedStates);
    Value k = blockIdX();
    Value tid = threadId();
    Value base = mul(k, Q);
    State sum = zeroState(computeType);
    // A static row that fits: each thread keeps its elements of v (and
    // grad_w), or zeros past the end, in registers.
    SmallVector<Value> kept, keptGw, keptValid;
    if (inRegisters) {
      Type elementType = numerics.getElementType();
      SmallVector<Type> types(gw1 ? 2 : 1, elementType);
      for (int64_t r = 0; r < perThread; ++r) {
        Value i = add(tid, idx(r * blockSize));
        Value valid = cmp(arith::CmpIPredicate::ult, i, Q);
        SmallVector<Value> values = select(
            valid, types,
            [&] {
              SmallVector<Value> loaded = {
                  memref::LoadOp::create(b, v1, ValueRange{add(base, i)})};
              if (gw1)
                loaded.push_back(
                    memref::LoadOp::create(b, gw1, ValueRange{add(base, i)}));
              return loaded;
            },
            [&] {
              return SmallVector<Value>(
                  types.size(),
                  arith::ConstantOp::create(b, b.getZeroAttr(elementType)));
            });
        Value x = values[0];
        Value gw = gw1 ? values[1] : Value();
        kept.push_back(x);
        keptGw.push_back(gw);
        keptValid.push_back(valid);
        sum = accumulateState(x, gw, sum);
      }
    } else {
      sum = forLoop(tid, Q, idx(blockSize), sum, [&](Value i, ValueRange args) {
        return accumulateAt(add(base, i), args);
      });
    }
    State total = blockReduce(sum, tid, sharedState);
    ifThen(cmp(arith::CmpIPredicate::eq, tid, idx(0)), [&] {
      storeAll(finishSliceState(k, total), sharedFactors, idx(0));
    });
    if (!w1)
      return;
    barrier();
    State factors = loadAll(sharedFactors, idx(0));
    if (inRegisters) {
      for (auto [r, x] : llvm::enumerate(kept))
        ifThen(keptValid[r], [&, r = r, x = x] {
          Value i = add(base, add(tid, idx(r * blockSize)));
          memref::StoreOp::create(b, writeElement(x, keptGw[r], factors), w1,
                                  ValueRange{i});
        });
      return;
    }
    forLoop(tid, Q, idx(blockSize),
            [&](Value i) { writeAt(add(base, i), factors); });
  });
}

void GPULowering::finishSlices(ValueRange partials, Value chunks, Value stride,
                               Value positions, ValueRange factorArrays) {
  launch(divUp(O, idx(blockSize)), idx(1), {}, [&](gpu::LaunchOp) {
    Value k = add(mul(blockIdX(), idx(blockSize)), threadId());
    ifThen(cmp(arith::CmpIPredicate::ult, k, O), [&] {
      State total = forLoop(
          idx(0), chunks, idx(1), zeroState(computeType),
          [&](Value c, ValueRange args) {
            Value first = add(mul(c, stride), mul(k, positions));
            return forLoop(idx(0), positions, idx(1), args,
                           [&](Value q, ValueRange inner) {
                             return combineState(
                                 inner, loadAll(partials, add(first, q)));
                           });
          });
      State factors = finishSliceState(k, total);
      if (!factorArrays.empty())
        storeAll(factors, factorArrays, k);
    });
  });
}

void GPULowering::finishAndWrite(ValueRange partials, Value chunks,
                                 Value stride, Value positions) {
  SmallVector<Value> factorArrays;
  if (w1)
    factorArrays = allocFactors(O);
  finishSlices(partials, chunks, stride, positions, factorArrays);
  if (w1)
    writeAll(factorArrays);
  for (ValueRange arrays : {partials, ValueRange(factorArrays)})
    for (Value array : arrays)
      deallocDevice(array);
}

void GPULowering::writeAll(ValueRange factorArrays) {
  Value total = mul(mul(P, O), Q);
  // A grid-stride loop over every element, enough blocks to fill the
  // device.
  Value blocks = minU(divUp(total, idx(blockSize)), idx(65535));
  launch(blocks, idx(1), {}, [&](gpu::LaunchOp) {
    Value first = add(mul(blockIdX(), idx(blockSize)), threadId());
    Value stride = mul(blocks, idx(blockSize));
    forLoop(first, total, stride, [&](Value i) {
      Value k = remU(divU(i, Q), O);
      writeAt(i, loadAll(factorArrays, k));
    });
  });
}

void GPULowering::gridChunks() {
  // Chunks of each slice (P = 1): at least kElementsPerChunk elements per
  // block, at most 1024 blocks per slice.
  Value chunks =
      maxU(minU(divUp(Q, idx(kElementsPerChunk)), idx(1024)), idx(1));
  Value chunkSize = divUp(Q, chunks);
  SmallVector<Value> partials = allocStates(mul(chunks, O));
  launch(chunks, O, reduceSharedTypes(), [&](gpu::LaunchOp launchOp) {
    ValueRange shared = launchOp.getWorkgroupAttributions();
    Value c = blockIdX();
    Value k = blockIdY();
    Value tid = threadId();
    Value begin = minU(mul(c, chunkSize), Q);
    Value end = minU(add(begin, chunkSize), Q);
    Value base = mul(k, Q);
    State sum = forLoop(add(begin, tid), end, idx(blockSize),
                        zeroState(computeType), [&](Value i, ValueRange args) {
                          return accumulateAt(add(base, i), args);
                        });
    State total = blockReduce(sum, tid, shared);
    ifThen(cmp(arith::CmpIPredicate::eq, tid, idx(0)), [&] {
      // Slice k's chunks are contiguous: chunk c of slice k at c + k *
      // chunks (finishSlices' layout with stride 1 and `chunks` positions).
      storeAll(total, partials, add(c, mul(k, chunks)));
    });
  });
  finishAndWrite(partials, /*chunks=*/idx(1), /*stride=*/idx(0),
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
  SmallVector<Value> partials = allocStates(mul(chunks, R));
  launch(divUp(R, idx(blockSize)), chunks, {}, [&](gpu::LaunchOp) {
    Value j = add(mul(blockIdX(), idx(blockSize)), threadId());
    Value c = blockIdY();
    ifThen(cmp(arith::CmpIPredicate::ult, j, R), [&] {
      Value begin = mul(c, rowsPerChunk);
      Value end = minU(add(begin, rowsPerChunk), P);
      State sum = forLoop(begin, end, idx(1), zeroState(computeType),
                          [&](Value p, ValueRange args) {
                            return accumulateAt(add(mul(p, R), j), args);
                          });
      storeAll(sum, partials, add(mul(c, R), j));
    });
  });
  finishAndWrite(partials, chunks, /*stride=*/R, /*positions=*/Q);
}

/// Why `op` cannot be lowered to GPU kernels, or nothing when it can.
static std::optional<std::string> getUnlowerableReason(WeightNormInterface op) {
  if (!cast<DestinationStyleOpInterface>(op.getOperation())
           .hasPureBufferSemantics())
    return std::string("--wn-lower-to-gpu needs the op on memrefs; "
                       "bufferize first (one-shot-bufferize)");
  // The kernels index v, grad_w and the v-shaped output (w or grad_v) as
  // flat arrays.
  for (Value memref : {op.getV(), op.getGradW(), op.getWDestination(),
                       op.getGradVDestination()}) {
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
