//===- Passes.td - wn dialect rewrites ---------------------*- tablegen -*-===//
//
// Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
// See the LICENSE file for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef WN_DIALECT_WN_TRANSFORMS_PASSES_TD
#define WN_DIALECT_WN_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

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

def WNFoldConstantsPass : Pass<"wn-fold-constants"> {
  let summary = "Fold wn.weight_norm of constant v and g into constants";
  let description = [{
    A compile-time `remove_weight_norm`: every `wn.weight_norm` on tensors
    whose v and g are constants (`DenseElementsAttr`, or
    `DenseResourceElementsAttr` with loaded data) is replaced by
    `arith.constant` ops holding w and, with a norm result, the norm,
    computed on the host with the op's arithmetic, within the op's
    documented bounds.

    Canonicalization folds the same weight norms when v has at most 65536
    elements or when v's constant has no other user. This pass folds up to
    `max-elements` elements of v whatever v's other users, for users who
    accept keeping both v and w (for example when a later pass drops v).

    Example: `--wn-fold-constants=max-elements=-1` folds every constant
    weight norm up to the folding limit, 2^26 elements of v; larger ones
    are left to the kernels with a warning. The rewrite is `populateWNFoldConstantsPatterns`.
  }];
  let options = [
    Option<"maxElements", "max-elements", "int64_t",
           /*default=*/"::mlir::wn::kWeightNormFoldMaxElements",
           "Fold weight norms whose v has at most this many elements, "
           "whatever v's other users (-1: up to the folding limit, 2^26)">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
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
    `linalg.fill` of zeros the epilogue only scales; when it is a
    `linalg.broadcast` (a bias) the epilogue reads the broadcast's input.
    The epilogue writes over %acc and never reads its output argument, so
    that elementwise fusion with what consumes %y (an activation) leaves no
    extra result and destination behind: each was a pass over the output
    (17% of a Conv1d of 32 channels over 8192 frames, 20% of the whole
    HiFi-GAN generator with weights as arguments).

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

    The analysis and the rewrite are public C++ functions
    (`analyzeWeightPreparation`, `buildCachedWeightFunctions`) for pipelines
    to reuse.
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

def WNDecomposePass : Pass<"wn-decompose"> {
  let summary = "Decompose wn ops into linalg operations";
  let description = [{
    Replaces every wn op with its AggregatedOpInterface decomposition. For
    `wn.weight_norm`: `linalg.fill`s of the running sums and three
    `linalg.generic` ops computing the sum of squares per slice, the
    per-slice scale `g / sqrt(sum)` and the scaled copy `v * scale`, with
    the op's arithmetic. `wn.weight_norm_scale` stops after the scale;
    `wn.weight_norm_backward` sums squares and `grad_w * v` in one generic,
    computes its per-slice factors and grad_g in the second and grad_v in
    the third. This is the reference ("materialize") lowering: every later
    lowering must produce the same numbers.

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

#endif // WN_DIALECT_WN_TRANSFORMS_PASSES_TD
