//===- Passes.td - lowerings of wn to other dialects -------*- tablegen -*-===//
//
// Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
// See the LICENSE file for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef WN_CONVERSION_PASSES_TD
#define WN_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def WNLowerToLoopsPass : Pass<"wn-lower-to-loops", "::mlir::ModuleOp"> {
  let summary = "Lower wn ops on memrefs to fused, vectorized, parallel "
                "loops";
  let description = [{
    Lowers every `wn.weight_norm`, `wn.weight_norm_scale` and
    `wn.weight_norm_backward` with buffer semantics (after
    bufferization) to `scf` loops over `vector` operations, with
    `scf.parallel` loops over threads (OpenMP after `convert-scf-to-openmp`;
    the thread count is read at run time from `omp_get_max_threads`). This
    is the fused CPU strategy of `--wn-cpu-pipeline`. Large outputs are
    written with non-temporal stores (`nontemporal-min-bytes`), aligned ones
    when w and the runs written are aligned to the vector (checked at run
    time; the kernels are emitted once per kind of store).

    v is viewed as [P, O, Q] around `dim` (P: the sizes before it, Q: the
    sizes after it). Slices of one contiguous row (dim 0) are reduced and
    scaled in one pass while the row is in cache, in parallel over rows
    (on large tensors each thread reduces the next row in the loop that
    writes the current one: `pipeline-rows-min-bytes`; static rows shorter
    than a vector are finished `vector-size` at a time, one per lane:
    `batch-short-rows`); a few huge slices (the whole tensor) are cut into
    one chunk per thread; the last dim and middle dims accumulate
    per-position partial sums over contiguous rows (no strided access), or
    per-run sums for long runs, and scale in a second pass (each thread's
    part in blocks, the last first: `reverse-write-block-bytes`). Every
    contiguous reduction carries `accumulators` independent partial sums. The choice is made at run time from P, O and Q
    and folds away for static shapes. The arithmetic, per vector lane, is
    the op's, so results stay within its documented bounds. The backward
    runs through the same kernels: its sums of squares and of grad_w * v
    are reduced together in one read of v and grad_w, and grad_v is
    written in the pass that writes w for the forward.

    The kernels view v, grad_w, w and grad_v as flat arrays: strided ones
    (tiles of a larger buffer) are first copied to contiguous buffers with
    `linalg.copy` (and the output copied back), which costs two more
    passes.

    Every op is checked first (on memrefs, in a `builtin.module`): an op that
    cannot be lowered is an error and nothing changes. The rewrite is
    `populateWNToLoopsConversionPatterns`.
  }];
  let options = [
    Option<"vectorSize", "vector-size", "int64_t",
           /*default=*/"::mlir::wn::kDefaultVectorSize",
           "Elements per vector (a power of two); vectors of the compute "
           "type are twice as wide as the elements for f16, bf16 and f32">,
    Option<"parallel", "parallel", "bool", /*default=*/"true",
           "Emit scf.parallel loops (threads); off: one thread, no OpenMP "
           "runtime needed">,
    Option<"nontemporalMinBytes", "nontemporal-min-bytes", "int64_t",
           /*default=*/"::mlir::wn::kDefaultNontemporalMinBytes",
           "Write w with non-temporal (streaming) stores when it has at "
           "least this many bytes (decided at run time; 0: always, -1: "
           "never). Streaming saves the read-for-ownership of w and the "
           "cache pollution on tensors larger than the cache, and costs on "
           "smaller ones, which a consumer would find in cache">,
    Option<"accumulators", "accumulators", "int64_t",
           /*default=*/"::mlir::wn::kDefaultAccumulators",
           "Independent vector partial sums per reduction of a contiguous "
           "range (1 to 8), added up at its end: more hide the latency of "
           "the fused multiply-adds where the data comes from cache">,
    Option<"reverseWriteBlockBytes", "reverse-write-block-bytes", "int64_t",
           /*default=*/"::mlir::wn::kDefaultReverseWriteBlockBytes",
           "The two-pass kernels (chunks, columns) write each thread's part "
           "of the tensor in blocks of about this many bytes, the last block "
           "first and each block in order, so that the write pass starts on "
           "what the reduction left in cache while the prefetchers still see "
           "ascending streams; 0: the whole part in order">,
    Option<"batchShortRows", "batch-short-rows", "bool", /*default=*/"true",
           "The rows kernel finishes slices shorter than a vector (of a "
           "static length) vector-size at a time: their square roots and "
           "divisions as vectors, one slice per lane (the forward ops); off: "
           "one slice at a time">,
    Option<"pipelineRowsMinBytes", "pipeline-rows-min-bytes", "int64_t",
           /*default=*/"::mlir::wn::kDefaultPipelineRowsMinBytes",
           "For tensors of at least this many bytes (decided at run time; "
           "0: always, -1: never), the rows kernel gives each thread a range "
           "of rows and reduces row k + 1 in the loop that writes row k (two "
           "streams from memory in flight); else each row is reduced, then "
           "written, in parallel over rows (better on rows in cache)">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::LLVM::LLVMDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect"
  ];
}

def WNLowerToGPUPass : Pass<"wn-lower-to-gpu", "::mlir::ModuleOp"> {
  let summary = "Lower wn ops on memrefs to GPU kernels (gpu.launch)";
  let description = [{
    Lowers every `wn.weight_norm`, `wn.weight_norm_scale` and
    `wn.weight_norm_backward` with buffer semantics to `gpu.launch` kernels
    with an explicit mapping of slices to threads, blocks and grids. The
    memrefs are device memory (run `--wn-memref-to-gpu` for the module's
    other buffers); the kernels' temporary buffers are `gpu.alloc`s. The
    arithmetic is the op's per thread; threads' partial sums meet through
    `gpu.shuffle xor` butterflies within a warp and shared memory
    (workgroup attributions) across warps. The backward's kernels are the
    forward's: per slice they carry the sums of squares of v (unless the
    saved norm is given) and of grad_w * v together through the same
    reductions, read v and grad_w once for the sums and once more to write
    grad_v, and write grad_g where the forward writes the norm.

    v is viewed as [P, O, Q] around `dim`. Strategies, chosen at run time
    from P, O and Q (static shapes fold the choice) unless `strategy` forces
    one:

    - `thread` (P = 1, Q <= 32): one thread per slice (short slices such as
      DAC's 7-element ones); one kernel.
    - `block` (P = 1, at least 128 slices): one block per slice, every
      thread reducing a strided, coalesced part of the row, a block-wide
      tree (shuffles, then shared memory), thread 0 computing the scale (or
      the backward's factors); a static row of at most 8 elements per
      thread (4 for the backward, which keeps v and grad_w) stays in
      registers and is read from global memory once. One kernel.
    - `grid` (P = 1, fewer slices: the whole tensor): chunks of every slice
      reduced by one block each, a kernel combining the chunks per slice, a
      kernel writing every element.
    - `columns` (P > 1: the last dim and middle dims): thread j accumulates
      position j of a chunk of rows (coalesced across threads), a kernel
      combines the chunks and positions per slice, a kernel writes every
      element.

    Forcing a strategy that does not fit the layout (e.g. `thread` for
    long slices) stays correct, only slower: `thread`, `block` and `grid`
    apply to P = 1 and fall back to `columns` for P > 1, `grid` to `block`
    beyond 65535 slices. An empty v still gets its norm, scale and grad_g
    results (one per slice). Strided buffers are an error, reported for every op
    before anything changes. The rewrite is
    `populateWNToGPUConversionPatterns`.
  }];
  let options = [
    Option<"blockSize", "block-size", "int64_t",
           /*default=*/"::mlir::wn::kDefaultGPUBlockSize",
           "Threads per block: a multiple of 32 up to 1024">,
    Option<"strategy", "strategy", "::mlir::wn::GPUStrategy",
           /*default=*/"::mlir::wn::GPUStrategy::Auto",
           "The kernel strategy (auto: chosen per op at run time)",
           [{::mlir::wn::getGPUStrategyValues()}]>
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::gpu::GPUDialect",
    "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect"
  ];
}

def WNMemRefToGPUPass : Pass<"wn-memref-to-gpu"> {
  let summary = "Allocate, free and copy buffers as device memory";
  let description = [{
    For code whose every buffer lives in GPU memory (`--wn-gpu-pipeline`):
    rewrites `memref.alloc`, `memref.dealloc` and `memref.copy` into
    `gpu.alloc`, `gpu.dealloc` and `gpu.memcpy` (synchronous; run
    `gpu-async-region` to chain them on a stream).

    Example:
    ```mlir
    %0 = memref.alloc() : memref<64x3xf32>
    memref.copy %0, %arg0 : memref<64x3xf32> to memref<64x3xf32>
    memref.dealloc %0 : memref<64x3xf32>
    // becomes
    %0 = gpu.alloc () : memref<64x3xf32>
    gpu.memcpy %arg0, %0 : memref<64x3xf32>, memref<64x3xf32>
    gpu.dealloc %0 : memref<64x3xf32>
    ```

    `gpu.memcpy` copies bytes, so both sides of a copy must be ranked and
    contiguous; allocations with symbol operands have no gpu twin. Both are
    errors at the op. The rewrite is `populateWNMemRefToGPUPatterns`.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
}

def WNMathToNVVMIntrinsicsPass
    : Pass<"wn-math-to-nvvm-intrinsics", "::mlir::gpu::GPUModuleOp"> {
  let summary = "Kernel math.sqrt, math.fma and math.absf on f32 and f64 as "
                "correctly rounded NVPTX intrinsics";
  let description = [{
    Rewrites `math.sqrt`, `math.fma` and `math.absf` on f32 and f64 scalars
    in GPU kernels into `llvm.call_intrinsic` of `llvm.nvvm.sqrt.rn.*`,
    `llvm.fma.*` and `llvm.fabs.*`: correctly rounded `sqrt.rn`, `fma.rn`
    and `abs` in PTX, where `convert-gpu-to-nvvm` would call libdevice
    (`__nv_sqrtf`, ...), which nothing links when the kernels are compiled by
    `gpu-module-to-binary`. `--wn-gpu-pipeline` runs it on the outlined
    kernels. Other types and math ops are left alone.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

#endif // WN_CONVERSION_PASSES_TD
