//===- Passes.td - passes on upstream dialects -------------*- tablegen -*-===//
//
// Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
// See the LICENSE file for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef WN_TRANSFORMS_PASSES_TD
#define WN_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def WNFuseElementwisePass : Pass<"wn-fuse-elementwise"> {
  let summary = "Fuse chains of elementwise linalg.generic ops on tensors, "
                "not into contractions";
  let description = [{
    Upstream's elementwise fusion (`linalg-fuse-elementwise-ops`,
    `linalg::populateElementwiseOpsFusionPatterns`) restricted to a producer
    and a consumer that are both `linalg.generic` ops with only parallel
    loops: a chain of activations (the exporter emits one generic per
    PyTorch operation: DAC's Snake is five, a fused weight-norm scale
    epilogue is followed by a LeakyReLU) becomes one pass over memory. A
    contraction is neither fused into nor fused with, so it keeps the
    `out + a * b` body that `--wn-lower-contractions` turns into kernels
    (upstream's pass would move an activation into a convolution's input,
    recomputing it for every tap). `--wn-cpu-pipeline` runs it before
    bufferization with `contractions=kernels`. Patterns:
    `populateWNFuseElementwisePatterns`.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def WNApproximateMathPass : Pass<"wn-approximate-math"> {
  let summary = "f32 math functions without a vector library mapping as "
                "polynomial approximations";
  let description = [{
    LLVM vectorizes loops that call sin, cos, exp, log, pow and tan through
    glibc's vector library (libmvec, `-fveclib=libmvec`), but maps nothing
    else there: erf (exact GELU), tanh (HiFi-GAN's and DAC's output, Mish),
    expm1 (ELU) and log1p (Softplus) stay one scalar libm call per element
    (exact GELU ran 13x slower than PyTorch on wav2vec2's feature
    extractor). This pass rewrites those math ops on f32 scalars and vectors
    with upstream's polynomial approximations
    (`populateMathPolynomialApproximationPatterns` with a predicate): plain
    arithmetic that vectorizes, within a few ulps. f64 keeps libm.
    `--wn-cpu-pipeline` runs it unless `approximate-math=0`. Patterns:
    `populateWNApproximateMathPatterns`.
  }];
  let options = [
    ListOption<"functions", "functions", "std::string",
               "the functions to approximate (default: all of erf, erfc, "
               "tanh, expm1, log1p)">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::vector::VectorDialect"];
}

def WNLowerContractionsPass : Pass<"wn-lower-contractions"> {
  let summary = "Lower linalg contractions on memrefs to register-blocked, "
                "vectorized, parallel kernels";
  let description = [{
    Lowers every linalg op with buffer semantics whose body is
    `out + a * b` (f32 or f64) over affine indexing maps (`linalg.matmul`
    with plain maps, `linalg.batch_matmul`, the named and the exporter's
    generic convolutions, grouped, dilated and polyphase transposed ones)
    to vector kernels in `scf.parallel` loops (OpenMP threads after
    `convert-scf-to-openmp`). This is the `contractions=kernels` strategy of
    `--wn-cpu-pipeline`.

    The roles of the loop dims are read off the indexing maps:
    - the **vector dim**: a parallel dim along which one input is
      contiguous (its last index is `v + f(other dims)` on a unit-stride
      memref) and on which the other input does not depend: the output
      positions of a convolution, the columns of a matmul;
    - the **row dim**: a parallel dim on which the other input depends and
      this one does not (output channels, matmul rows);
    - the reduction dims run inside each block (`scf.for` carrying the
      accumulators), the other parallel dims and the blocks are the
      iterations of one `scf.parallel`.

    A block keeps `rows x vectors` accumulators in vector registers; each
    reduction step loads `vectors` vectors of the contiguous input,
    broadcasts `rows` scalars of the other and does `rows x vectors` fused
    multiply-adds. Blocks cut by the edges of the iteration space use masked
    loads and stores. The block is chosen per op from its static extents
    (the least padded work with at most 24 accumulators) unless `rows` and
    `vectors` are given. Contractions without such a vector dim (e.g. a
    matmul whose both inputs are contiguous along the reduction only), other
    bodies and element types are left for `convert-linalg-to-loops`.

    Example: a 1-D convolution with output positions innermost,
    `out[n, f, o] += x[n, c, o + k] * w[f, c, k]`, gets vector dim `o`,
    row dim `f`, reduction dims `c` and `k`.
  }];
  let options = [
    Option<"vectorSize", "vector-size", "int64_t",
           /*default=*/"::mlir::wn::kDefaultVectorSize",
           "f32 elements per vector (a power of two; f64 vectors have half "
           "as many)">,
    Option<"rows", "rows", "int64_t", /*default=*/"0",
           "Rows of the register block (0: chosen per op)">,
    Option<"vectors", "vectors", "int64_t", /*default=*/"0",
           "Vectors per row of the register block (0: chosen per op)">,
    Option<"parallel", "parallel", "bool", /*default=*/"true",
           "Emit scf.parallel loops (threads); off: one thread">
  ];
  let dependentDialects = [
    "::mlir::affine::AffineDialect",
    "::mlir::arith::ArithDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect"
  ];
}

def WNParallelizeElementwisePass : Pass<"wn-parallelize-elementwise"> {
  let summary = "Run all-parallel linalg ops on memrefs row by row on "
                "threads";
  let description = [{
    Rewrites every linalg op with buffer semantics whose loops are all
    parallel (elementwise generics, `linalg.fill`, `linalg.broadcast`,
    `linalg.copy`, `linalg.transpose`) and that has at least
    `min-elements` elements into an `scf.parallel` over all its loop dims
    but the innermost, whose body is the op's tile of one innermost row
    (built by the op's `TilingInterface`: the same op on subviews). After
    `convert-scf-to-openmp` the rows are shared by the OpenMP threads, and
    each row lowers to one loop over contiguous elements that LLVM
    vectorizes. `--wn-cpu-pipeline` runs it when `parallel` is on, so that
    activations, pads, bias broadcasts and residual adds around the
    contractions do not run on one thread while the others wait.

    Example: `linalg.generic` over `memref<1x192x1024xf32>` becomes
    `scf.parallel (%i, %j) = (0, 0) to (1, 192)` around the generic on
    `memref<1x1x1024xf32, strided<...>>` subviews.
  }];
  let options = [
    Option<"minElements", "min-elements", "int64_t", /*default=*/"16384",
           "Leave ops with fewer elements (static shapes) on one thread: "
           "starting the threads costs more than they save">
  ];
  let dependentDialects = [
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect"
  ];
}

def WNLowerStridedCopiesPass : Pass<"wn-lower-strided-copies"> {
  let summary = "Rewrite memref.copy between non-contiguous buffers into "
                "linalg.copy";
  let description = [{
    The LLVM lowering of `memref.copy` turns a copy whose source or target
    is not contiguous (a strided subview, as bufferized `tensor.pad` and
    `tensor.insert_slice` produce) into a call to `memrefCopy` from
    libmlir_c_runner_utils. This pass rewrites exactly those copies into
    `linalg.copy`, which lowers to loops, so that compiled code needs no
    MLIR runtime library; contiguous copies stay `memref.copy` (a memcpy).
    `--wn-cpu-pipeline` runs it after bufferization. The rewrite is
    `populateWNLowerStridedCopiesPatterns`.

    Example:
    ```mlir
    memref.copy %src, %dst : memref<4x5xf32> to memref<4x5xf32, strided<[7, 1], offset: 1>>
    // becomes
    linalg.copy ins(%src : memref<4x5xf32>) outs(%dst : memref<4x5xf32, strided<[7, 1], offset: 1>>)
    ```
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def WNOutlineParallelRegionsPass
    : Pass<"wn-outline-parallel-regions", "::mlir::ModuleOp"> {
  let summary = "Move each omp.parallel of an llvm.func with several into a "
                "function of its own";
  let description = [{
    Prepares the LLVM dialect for translation to LLVM IR. The translation of
    `omp.parallel` (LLVM's OpenMPIRBuilder) analyzes the whole enclosing
    function once per parallel region to outline the region, so a function
    with hundreds of them (a model's `forward`, one per layer and activation)
    translates in time quadratic in its size: 80% of the 3.6 s translation of
    the HiFi-GAN generator's 384 regions.

    This pass moves every outermost `omp.parallel` of an `llvm.func` that has
    more than one into a new internal `llvm.func` (`@<f>_parallel_<n>`) that
    takes the values the region uses from the enclosing function as
    arguments and is called in the region's place; what LLVM IR folds into
    constants, which the translation would not capture either (constants,
    addresses of globals, and `llvm.insertvalue`, `llvm.extractvalue` and
    `llvm.getelementptr` of them: the memref descriptor of a global), is
    recreated inside instead, so that each translation analyzes a small
    function. The new functions are `always_inline`: LLVM puts them back
    into their caller, and the code is the same. `wn-translate
    --mlir-to-object` runs it before translating; the exposed function is
    `outlineParallelRegions`.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def WNCheckGPULowerablePass
    : Pass<"wn-check-gpu-lowerable", "::mlir::ModuleOp"> {
  let summary = "Fail on linalg ops left after the wn ops became GPU kernels";
  let description = [{
    `--wn-gpu-pipeline` makes GPU kernels of wn ops only; a linalg op left on
    the host would read device memory, or stay half-lowered. This pass,
    which the pipeline runs after `--wn-lower-to-gpu`, reports the first
    linalg op it finds as an error at the op's location (not as a dump of
    the bufferized module) and fails.
  }];
}

#endif // WN_TRANSFORMS_PASSES_TD
