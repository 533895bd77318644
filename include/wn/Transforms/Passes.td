//===- Passes.td - wn transformation passes ----------------*- tablegen -*-===//

#ifndef WN_TRANSFORMS_PASSES_TD
#define WN_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def WNDecomposePass : Pass<"wn-decompose"> {
  let summary = "Decompose wn.weight_norm into linalg operations";
  let description = [{
    Replaces every `wn.weight_norm` with its AggregatedOpInterface
    decomposition: a `linalg.fill` and three `linalg.generic` ops computing
    the sum of squares per slice, the per-slice scale `g / sqrt(sum)` and the
    scaled copy `v * scale`, in the op's accumulation type. This is the
    reference ("materialize") lowering: every later lowering must produce the
    same numbers.

    The rewrite is exposed as `populateWNDecompositionPatterns` for reuse in
    other pipelines, and the transform dialect reaches the same decomposition
    through `transform.structured.decompose_interface`.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

def WNCacheWeightsPass : Pass<"wn-cache-weights", "::mlir::ModuleOp"> {
  let summary = "Split the weight preparation of functions out into "
                "<f>_prepare and <f>_cached";
  let description = [{
    At inference the weights are constant, yet a weight-normed layer
    recomputes `w = g * v / ||v||` on every call. This pass does what
    PyTorch users do by hand with `parametrize.cached()` or
    `remove_weight_norm`: for every public `func.func` on tensors (before
    bufferization) in which some wn ops depend only on some of the
    arguments, it adds

    - `@<f>_prepare(weights) -> prepared values`, which computes everything
      that depends on the weights alone, and
    - `@<f>_cached(other arguments, prepared values) -> f's results`, the
      rest of `f`, which computes no norm of a weight,

    so that a streaming caller runs `_prepare` once per weight update and
    `_cached` per input: `f_cached(x, f_prepare(v, g)) == f(x, v, g)`.
    `@<f>` itself stays as it is.

    - **Weights** are the arguments read only by the wn ops of the entry
      block and by the ops without memory effects that compute their inputs
      before any norm (a transpose or a cast of v, say). An argument read
      anywhere else is not one, and what depends on it stays in `_cached`:
      an activation from which a norm's input is computed (`x` in
      `x + wn(x * x, g)` or in `wn(x + wn(v, g), g2)`), or a weight also used
      unnormalized. One exception: the v of a `wn.weight_norm_scale`, the
      form `--wn-fuse-into-consumers` leaves (a contraction reads v and
      scales its output), is a weight though read outside the norms;
      `_prepare` passes it through, next to its scale.
    - **The prepared region** is every op of the entry block with no memory
      effects (regions included: linalg on tensors, tensor.empty, a
      transpose of w, ...) whose inputs are weights, results of the region
      or values computed without arguments (constants), and that depends on
      at least one weight. It must contain a wn op (any op of the dialect
      without memory effects, e.g. `wn.weight_norm`), or the function is
      left alone.
    - **The prepared values** are the region's results used outside it, in
      block order: `_prepare`'s results, and `_cached`'s last arguments,
      after `f`'s other arguments in their order. They are marked
      `bufferization.writable = false` there, so that bufferization never
      writes into a cache that later calls read. Constants are cloned into
      each function that uses them, never passed.
    - `_prepare` takes the weights in their order. Both functions get `f`'s
      `llvm.emit_c_interface` and the attributes of the arguments and
      results they keep.

    Left alone: private functions, declarations, functions whose norms
    depend on values computed from activations, and norms inside loops (run
    `--wn-optimize` or `--loop-invariant-code-motion` first, which hoists
    loop-invariant norms out). A name already taken by `<f>_prepare` or `<f>_cached` is an error
    on `f`.

    The logic is public (`analyzeWeightPreparation`,
    `buildCachedWeightFunctions` in `wn/Transforms/CacheWeights.h`) for
    pipelines to reuse.
  }];
  let options = [
    ListOption<"functions", "functions", "std::string",
               "Functions to split (default: every public function); an "
               "unknown name is an error, and a named function with nothing "
               "to cache gets a warning saying why">
  ];
  let dependentDialects = [
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::func::FuncDialect"
  ];
}

def WNLowerToLoopsPass : Pass<"wn-lower-to-loops", "::mlir::ModuleOp"> {
  let summary = "Lower wn.weight_norm on memrefs to fused, vectorized, "
                "parallel loops";
  let description = [{
    Lowers every `wn.weight_norm` with buffer semantics (after
    bufferization) to `scf` loops over `vector` operations, with
    `scf.parallel` loops over threads (OpenMP after `convert-scf-to-openmp`;
    the thread count is read at run time from `omp_get_max_threads`). This
    is the fused CPU strategy of `--wn-cpu-pipeline`. Large outputs are
    written with non-temporal stores (`nontemporal-min-bytes`), aligned ones
    when w and the runs written are aligned to the vector (checked at run
    time; the kernels are emitted once per kind of store).

    v is viewed as [P, O, Q] around `dim` (P: the sizes before it, Q: the
    sizes after it). Slices of one contiguous row (dim 0) are reduced and
    scaled in one pass while the row is in cache, in parallel over rows; a
    few huge slices (the whole tensor) are cut into one chunk per thread;
    the last dim and middle dims accumulate per-position partial sums over
    contiguous rows (no strided access), or per-run sums for long runs, and
    scale in a second pass. The choice is made at run time from P, O and Q
    and folds away for static shapes. The arithmetic, per vector lane, is
    the op's (WNNumerics.h), so results stay within its documented bounds.

    The kernels view v and w as flat arrays: strided ones (tiles of a
    larger buffer) are first copied to contiguous buffers with
    `linalg.copy` (and w copied back), which costs two more passes.
  }];
  let options = [
    Option<"vectorSize", "vector-size", "int64_t", /*default=*/"16",
           "Elements per vector (a power of two); vectors of the compute "
           "type are twice as wide as the elements for f16, bf16 and f32">,
    Option<"parallel", "parallel", "bool", /*default=*/"true",
           "Emit scf.parallel loops (threads); off: one thread, no OpenMP "
           "runtime needed">,
    Option<"nontemporalMinBytes", "nontemporal-min-bytes", "int64_t",
           /*default=*/"12582912",
           "Write w with non-temporal (streaming) stores when it has at "
           "least this many bytes (decided at run time; 0: always, -1: "
           "never). Streaming saves the read-for-ownership of w and the "
           "cache pollution on tensors larger than the cache, and costs on "
           "smaller ones, which a consumer would find in cache">
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
    Option<"vectorSize", "vector-size", "int64_t", /*default=*/"16",
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

def WNFuseIntoConsumersPass : Pass<"wn-fuse-into-consumers"> {
  let summary = "Compute contractions on v and scale their outputs instead "
                "of materializing a weight-normed w";
  let description = [{
    A Linear or Conv weight normalized over its output channels never needs
    to exist: `x @ w^T = (x @ v^T) * (g / ||v||)` per output column, and the
    same for convolution output channels. For every `wn.weight_norm` on
    tensors whose w feeds only contractions (directly, or each through a
    `linalg.transpose` of w), this pass rewrites

    ```
    %w = wn.weight_norm dim(d) ins(%v, %g) outs(...)
    %y = <contraction>(%x, %w) outs(%init)
    ```

    into

    ```
    %s   = wn.weight_norm_scale dim(d) ins(%v, %g) outs(...)   // g's shape
    %acc = <contraction>(%x, %v) outs(zeros)
    %y   = linalg.generic: %init + %acc * %s[channel]
    ```

    when each contraction's body is `out + x * w` with x its other input
    (casts allowed around the product and on each factor), its accumulator
    (output element type) is f32 or wider, the loop reading w's dimension
    `d` is parallel and appears in the output (so the scale is constant over
    the summation), and the norm result is unused. One scale serves every
    consumer. Without `dim` (one norm over the whole
    tensor) the scale is a scalar and every such contraction qualifies.
    Named ops stay named (linalg.matmul with plain or transposed B, also
    through indexing maps, linalg.batch_matmul, linalg.conv_1d_ncw_fcw,
    linalg.conv_2d_nchw_fchw, ...); through a transpose the consumer becomes
    a linalg.generic whose map reads v directly. When the destination is a
    `linalg.fill` of zeros the epilogue scales in place.

    Left alone: a w with any other user, a contraction over `dim` (e.g. a
    ConvTranspose weight [in, out, k] normalized over dim 0, its input
    channels), bodies that are not linear in w (e.g. `out + out * w`), f16
    and bf16 accumulators (the sum over unnormalized v could overflow where
    the sum over w does not), ops on memrefs. The result
    differs from the unfused one by rounding only (the sum of x * v scaled
    once instead of a sum of x * round(v * s)).

    The pattern is exposed as `populateWNFuseIntoConsumersPatterns`.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::tensor::TensorDialect"
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
    into their caller, and the code is the same. `translateModuleToObject`
    (`wn-translate --mlir-to-object`) runs it; the exposed function is
    `outlineParallelRegions`.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def WNFoldConstantsPass : Pass<"wn-fold-constants"> {
  let summary = "Fold wn.weight_norm of constant v and g into constants";
  let description = [{
    A compile-time `remove_weight_norm`: every `wn.weight_norm` on tensors
    whose v and g are constants (`DenseElementsAttr`, or
    `DenseResourceElementsAttr` with loaded data) is replaced by
    `arith.constant` ops holding w and, with a norm result, the norm,
    computed on the host with the op's arithmetic
    (`computeConstantWeightNorm` in WNConstantFold.h), within the op's
    documented bounds.

    Canonicalization folds the same weight norms when v has at most 65536
    elements or when v's constant has no other user. This pass folds up to
    `max-elements` elements of v whatever v's other users, for users who
    accept keeping both v and w (for example when a later pass drops v).

    Example: `--wn-fold-constants=max-elements=-1` folds every constant
    weight norm up to the folding limit, 2^26 elements of v
    (`kWeightNormFoldLimit`); larger ones are left to the kernels with a
    warning. The rewrite is `populateWNFoldConstantsPatterns`.
  }];
  let options = [
    Option<"maxElements", "max-elements", "int64_t",
           /*default=*/"::mlir::wn::kWeightNormFoldMaxElements",
           "Fold weight norms whose v has at most this many elements, "
           "whatever v's other users (-1: up to the folding limit, 2^26)">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def WNLowerToGPUPass : Pass<"wn-lower-to-gpu", "::mlir::ModuleOp"> {
  let summary = "Lower wn ops on memrefs to GPU kernels (gpu.launch)";
  let description = [{
    Lowers every `wn.weight_norm` and `wn.weight_norm_scale` with buffer
    semantics to `gpu.launch` kernels with an explicit mapping of slices to
    threads, blocks and grids; the memrefs are device memory, so the
    module's `memref.alloc`, `memref.dealloc` and `memref.copy` become
    `gpu.alloc`, `gpu.dealloc` and `gpu.memcpy`. The arithmetic is the op's
    (WNNumerics.h) per thread; threads' partial sums meet through
    `gpu.shuffle xor` butterflies within a warp and shared memory
    (workgroup attributions) across warps.

    v is viewed as [P, O, Q] around `dim`. Strategies, chosen at run time
    from P, O and Q (static shapes fold the choice) unless `strategy` forces
    one:

    - `thread` (P = 1, Q <= 32): one thread per slice (short slices such as
      DAC's 7-element ones); one kernel.
    - `block` (P = 1, at least 128 slices): one block per slice, every
      thread reducing a strided, coalesced part of the row, a block-wide
      tree (shuffles, then shared memory), thread 0 computing the scale; a
      static row of at most 8 elements per thread stays in registers and is
      read from global memory once. One kernel.
    - `grid` (P = 1, fewer slices: the whole tensor): chunks of every slice
      reduced by one block each, a kernel combining the chunks per slice, a
      kernel scaling every element.
    - `columns` (P > 1: the last dim and middle dims): thread j accumulates
      position j of a chunk of rows (coalesced across threads), a kernel
      combines the chunks and positions per slice, a kernel scales.

    Forcing a strategy that does not fit the layout (e.g. `thread` for
    long slices) stays correct, only slower: `thread`, `block` and `grid`
    apply to P = 1 and fall back to `columns` for P > 1, `grid` to `block`
    beyond 65535 slices. An empty v still gets its norm and scale results
    (one per slice). Strided buffers are an error.
  }];
  let options = [
    Option<"blockSize", "block-size", "int64_t", /*default=*/"256",
           "Threads per block: a multiple of 32 up to 1024">,
    Option<"strategy", "strategy", "std::string", /*default=*/"\"auto\"",
           "auto, thread, block, grid or columns">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::gpu::GPUDialect",
    "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect"
  ];
}

def WNRaisePass : Pass<"wn-raise"> {
  let summary = "Raise decomposed weight norms back into wn.weight_norm";
  let description = [{
    Frontends decompose weight normalization into reductions and
    elementwise ops, each in its own spelling: torch-mlir's linalg form
    (fill, a generic sum of abs(x)^2 or x*x, powf(., 0.5) or sqrt, div(g,
    norm), broadcast, mul(v, .)), Inductor's v * (g / pow(sum(pow(v, 2)),
    0.5)), ONNX's (v / ReduceL2(v)) * g, Flax's v * rsqrt(sum(v * v) + eps)
    * g, CUDA-style g * v * (1 / n), written with linalg.generic or the
    named ops (linalg.reduce, linalg.broadcast, linalg.mul, linalg.div,
    linalg.sqrt, ...), with keepdim reshapes (tensor.expand_shape /
    collapse_shape of unit dims) and commutative operands in any order. TOSA
    input is raised after upstream's tosa-to-linalg(-named).

    Rather than one pattern per spelling, the pass evaluates the DAG that
    feeds each linalg result symbolically as c * prod atom^e, where an atom
    is a tensor read at some of the result's indices (a broadcast) or the sum
    of squares of a tensor over some of its dims plus a constant eps, and
    exponents are multiples of 1/2 (sqrt, rsqrt, powf with constant
    exponents, reciprocals and divisions; |x|^2 = x^2). A result whose form
    is exactly v[i] * g[i_d] * (sum_{j_d = i_d} v[j]^2 [+ eps])^(-1/2)
    becomes `wn.weight_norm dim(d) [eps]` (no dim for one norm over the whole
    tensor), g in its canonical layout.

    Left alone (near misses): another p, a norm of a different tensor than
    the one scaled, a sum over other dims, an intermediate (the norm, g /
    norm) with a user outside the DAG, an op the evaluator does not model.
    The raised op computes with wn's numerics (correctly rounded), which
    differ from the decomposed arithmetic by rounding only. The pattern is
    exposed as `populateWNRaisePatterns`.
  }];
  let dependentDialects = [
    "::mlir::tensor::TensorDialect",
    "::mlir::wn::WNDialect"
  ];
}

#endif // WN_TRANSFORMS_PASSES_TD
