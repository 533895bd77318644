//===- WNOps.td - wn dialect operations --------------------*- tablegen -*-===//
//
// Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
// See the LICENSE file for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Operations of the wn dialect.
//
//===----------------------------------------------------------------------===//

#ifndef WN_DIALECT_WN_IR_WNOPS_TD
#define WN_DIALECT_WN_IR_WNOPS_TD

include "wn/Dialect/WN/IR/WNDialect.td"
include "wn/Dialect/WN/IR/WNInterfaces.td"
include "mlir/Dialect/Linalg/IR/LinalgInterfaces.td"
include "mlir/IR/OpAsmInterface.td"
include "mlir/Interfaces/DestinationStyleOpInterface.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/TilingInterface.td"

def WN_TensorOrMemRef : AnyTypeOf<[AnyRankedTensor, AnyMemRef],
                                   "ranked tensor or memref">;

def WN_WeightNormOp : WN_Op<"weight_norm", [
    DeclareOpInterfaceMethods<WN_WeightNormInterface,
      ["getWDestination", "getNormDestination"]>,
    DeclareOpInterfaceMethods<MemoryEffectsOpInterface>,
    DeclareOpInterfaceMethods<ConditionallySpeculatable>,
    DestinationStyleOpInterface,
    DeclareOpInterfaceMethods<OpAsmOpInterface, ["getAsmResultNames"]>,
    DeclareOpInterfaceMethods<ReifyRankedShapedTypeOpInterface,
      ["reifyResultShapes"]>,
    DeclareOpInterfaceMethods<AggregatedOpInterface, ["decomposeOperation"]>,
    DeclareOpInterfaceMethods<TilingInterface,
      ["getIterationDomain",
       "getLoopIteratorTypes",
       "getResultTilePosition",
       "getTiledImplementation",
       "generateResultTileValue"]>]> {
  let summary = "Weight normalization: w = g * v / ||v||";
  let description = [{
    Computes PyTorch's weight normalization, `torch._weight_norm(v, g, dim)`:

    ```
    w[i] = g[k(i)] * v[i] / sqrt(sum_{j : k(j) == k(i)} v[j]^2)
    ```

    where `k(i)` is the index of element `i` along dimension `dim`: one L2
    norm per index along `dim` (per *slice*), taken over all other
    dimensions. Without `dim` there is one norm over the whole tensor
    (PyTorch's `dim=None`) and `k(i) = 0`.

    `dim` counts from the front when non-negative and from the back when
    negative, with Python's meaning (`-1` is the last dimension). PyTorch's
    `torch._weight_norm` spells the whole-tensor norm `-1`: importers map
    PyTorch's `None` and `-1` to an absent `dim`, and its other negative
    dims to `rank + dim`.

    The op is in destination-passing style, like `linalg.softmax`, with
    tensor or buffer semantics. On tensors it returns its results as new
    values of the destinations' types; it has no side effects and is
    speculatable, so CSE merges identical weight norms and loop-invariant
    code motion hoists one with invariant operands out of `scf.for`,
    `scf.while` and `affine.for`. On memrefs it has no results: it reads `v`
    and `g` and writes the destinations. One-shot bufferization turns the
    first form into the second, writing into the destinations' buffers;
    `--wn-lower-to-loops` and `--wn-lower-to-gpu` lower the second.

    Operands:

    - `v`: the direction, of rank 1 or more, with f16, bf16, f32 or f64
      elements and static or dynamic sizes.
    - `g`: the magnitude, with v's element type, in one of two layouts:
      PyTorch's (v's rank, size 1 in every dimension except `dim`, where it
      is `v.shape[dim]`) or flat (1-D with `v.shape[dim]` elements). Without
      `dim`, `g` is 0-d or has every size 1 (v's rank, or 1-D).
    - `init`: the destination of `w`, of v's type.
    - `norm_init` (optional): the destination of the norm result, in g's
      shape and the accumulation type.

    Attributes:

    - `dim` (optional): the dimension with one norm per index, as above.
    - `eps` (optional, positive): computes
      `w = g * v / sqrt(sum(v * v) + eps)`, Flax's form, which gives an
      all-zero slice `w = 0` instead of NaN. It is rounded to the
      accumulation type and must stay positive and finite there. Absent
      means PyTorch's exact behaviour.

    Results (tensor semantics only):

    - `w`, of v's type.
    - `norm`, with `norm_init`: the denominator `sqrt(sum(v * v) [+ eps])`
      of each slice, as PyTorch's `_weight_norm_interface` returns it, in
      g's shape and the accumulation type (f32 for f16 and bf16 inputs,
      otherwise v's element type).

    Numerics. Every lowering of the op (fused CPU loops, GPU kernels, the
    linalg decomposition) and its constant folding compute in the same way
    and meet the same contract:

    - Every input is widened to the compute type before any arithmetic:
      f32 for f16 and bf16, f64 for f32 and f64. Squares of f16, bf16 and
      f32 values are exact there. Every result is rounded once to its type.
    - The sum of squares costs no extra pass over memory and is as exact as
      the result needs: for f32, one running sum in f64; for f16 and bf16,
      Kahan's compensated summation in f32; for f64, double-double
      summation (Ogita, Rump and Oishi's Sum2) with each square's exact
      error recovered by a fused multiply-add, and the norm and the scale
      `g / norm` of each slice carried as double-double, so that
      `w = fma(v, scale_hi, v * scale_lo)`.
    - Error bound. With u the compute type's unit roundoff and n the slice
      length, the sum of squares is within n u (f32), 2u + O(n u^2) (Kahan;
      Higham 2002, section 4.3) or about n^2 u^2 (Sum2) of the exact sum,
      relatively. Norm, division and product add a few u. In ulps of the
      result type this leaves `w` correctly rounded up to 2^-9 ulp for
      slices of up to 2^20 elements (beyond, the f32 and f64 terms grow with
      n and n^2), for every type and layout; the norm result is within
      0.5 + 2^-9 ulps of the accumulation type for f32 and f64, and within
      1.5 ulps (an f32 norm of an f32 sum) for f16 and bf16. PyTorch's CPU
      kernels, which sum sequentially or in a few vector lanes in the
      accumulation type, are off by several ulps on long slices.
    - Sums that overflow or underflow. The sums square the elements as they
      are, so squares of bf16 values (in f32) above about 1.8e19 or below
      about 1e-19, and of f64 values above about 1.3e154 or below about
      1.5e-154, would overflow or lose accuracy. Every slice's sum is
      therefore tested once (above 2^emax of the compute type or NaN; for
      bf16 and f64 also below n 2^-126 or n 2^-967, minus eps, where the
      squares that underflowed could cost more than the summation's own
      error), and only such a slice is summed again from its elements with
      an exact power-of-two scaling, as reference BLAS nrm2 does:
      e = max(floor(log2 max|v|), ceil(log2(eps) / 2)), the squares of
      v 2^-e summed with the same compensated summation,
      norm = sqrt(sum + eps 2^-2e) 2^e and scale = (g / sqrt(...)) 2^-e.
      The bounds above then hold for every magnitude, as long as `w`, the
      norm and g / norm are normal numbers of their types (f32 and f64
      results in the subnormal range are within 1 ulp). f16 slices are
      tested for infinite or NaN sums only (their squares fit in f32), f32
      slices not at all (their f64 sums cannot overflow).
    - Infinities and NaN in v, every element type alike (PyTorch's f32
      result): a slice holding a NaN gives NaN everywhere, norm NaN; a
      slice holding infinities and no NaN has norm +inf and scale g / inf,
      so `w` is 0 (signed) at its finite elements and NaN at its
      infinities.
    - Without `eps`, an all-zero slice has norm 0 and gives `0 * inf = NaN`,
      exactly as in PyTorch.
    - f64 needs fused multiply-adds: on CPUs without FMA they become calls
      to libm's `fma`, correct but slow.
    - Tensors with zero elements are valid and give an empty result.

    Example, in the custom form:

    ```mlir
    %w = wn.weight_norm dim(0)
           ins(%v, %g : tensor<64x32x3xf32>, tensor<64x1x1xf32>)
           outs(%init : tensor<64x32x3xf32>) -> tensor<64x32x3xf32>
    // The last dimension, flat g:
    %w1 = wn.weight_norm dim(-1)
            ins(%v, %g1 : tensor<64x32x3xf32>, tensor<3xf32>)
            outs(%init : tensor<64x32x3xf32>) -> tensor<64x32x3xf32>
    // One norm over the whole tensor:
    %w2 = wn.weight_norm ins(%v, %s : tensor<64x32x3xf32>, tensor<f32>)
            outs(%init : tensor<64x32x3xf32>) -> tensor<64x32x3xf32>
    // bf16 with an epsilon, also returning the f32 norm:
    %w3, %n3 = wn.weight_norm dim(0) eps(1.0e-12)
            ins(%vb, %gb : tensor<64x32x3xbf16>, tensor<64x1x1xbf16>)
            outs(%initb, %ninit : tensor<64x32x3xbf16>, tensor<64x1x1xf32>)
            -> tensor<64x32x3xbf16>, tensor<64x1x1xf32>
    // On buffers (after bufferization): no results.
    wn.weight_norm dim(0) ins(%vm, %gm : memref<64x32x3xf32>, memref<64xf32>)
      outs(%wm : memref<64x32x3xf32>)
    ```

    and in the generic form:

    ```mlir
    %w = "wn.weight_norm"(%v, %g, %init) <{dim = 0 : i64}>
           : (tensor<64x32x3xf32>, tensor<64x1x1xf32>, tensor<64x32x3xf32>)
           -> tensor<64x32x3xf32>
    ```

    Folding and canonicalization:

    - A negative `dim` folds, in place, to its non-negative form, on tensors
      and on memrefs.
    - On tensors, g takes the canonical layout: 1-D with `v.shape[dim]`
      elements with a `dim`, 0-d for the whole-tensor norm. A keepdim,
      all-ones or one-element g and the norm destination are collapsed with
      `tensor.collapse_shape`, and the norm result is expanded back to its
      type with `tensor.expand_shape` (dynamic sizes too), so its users see
      no change. The buffer form keeps its layout.
    - On tensors, a weight norm whose v and g are constants (`dense<...>`,
      or `dense_resource<...>` with loaded data) folds to `arith.constant`s
      of `w` and of the norm result: a compile-time `remove_weight_norm`,
      computed on the host with the op's arithmetic and bounds (an all-zero
      slice without `eps` gives NaN, as at run time). So that a large weight
      is not duplicated unasked, it folds only when v has at most 65536
      elements, or when v's constant has no other user (it dies with the
      op) and at most 2^26 elements, the limit of the host computation.
      `--wn-fold-constants=max-elements=N` folds up to N elements whatever
      v's other users.

    Decomposition and tiling. The op implements `AggregatedOpInterface`
    (`--wn-decompose`, `transform.structured.decompose_interface`): on
    tensors it decomposes into linalg ops with the arithmetic above, one
    `linalg.fill` per part of the running sum (two for f16, bf16 and f64)
    and three `linalg.generic` ops: the sum of squares of each slice, the
    scale `g / norm` (and the norm) of each slice, which reads its slice of
    v again with `tensor.extract` when the sum needs rescaling, and the
    scaled copy of v. It implements `TilingInterface`: the loops are v's
    dimensions, `dim` is the one parallel loop and every other loop is a
    reduction that must stay whole, so tiles are taken along `dim` only (a
    request to tile another dimension is an error); the norm result tiles
    like g.
  }];

  let arguments = (ins WN_TensorOrMemRef:$v,
                       WN_TensorOrMemRef:$g,
                       WN_TensorOrMemRef:$init,
                       Optional<WN_TensorOrMemRef>:$norm_init,
                       OptionalAttr<I64Attr>:$dim,
                       OptionalAttr<F64Attr>:$eps);
  let results = (outs Variadic<AnyRankedTensor>:$results);

  let assemblyFormat = [{
    (`dim` `(` $dim^ `)`)?
    (`eps` `(` $eps^ `)`)?
    `ins` `(` $v `,` $g `:` type($v) `,` type($g) `)`
    `outs` `(` $init (`,` $norm_init^)? `:` type($init)
               (`,` type($norm_init)^)? `)`
    attr-dict (`->` type($results)^)?
  }];

  let builders = [
    /// `normInit` may be null: no norm result.
    OpBuilder<(ins "Value":$v, "Value":$g, "Value":$init,
                   "std::optional<int64_t>":$dim,
                   CArg<"std::optional<double>", "std::nullopt">:$eps,
                   CArg<"Value", "Value()">:$normInit)>
  ];

  let extraClassDeclaration = [{
    /// The destinations: init, then norm_init when present.
    MutableOperandRange getDpsInitsMutable() {
      return MutableOperandRange(getOperation(), /*start=*/2,
                                 getOperation()->getNumOperands() - 2);
    }

    /// w, the first result (tensor semantics only).
    Value getWResult() { return getResults().front(); }
    /// The norm result, or null (always null on memrefs).
    Value getNormResult() {
      return getNumResults() > 1 ? getResults()[1] : Value();
    }
  }];

  let hasVerifier = 1;
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def WN_WeightNormScaleOp : WN_Op<"weight_norm_scale", [
    DeclareOpInterfaceMethods<WN_WeightNormInterface, ["getScaleDestination"]>,
    DeclareOpInterfaceMethods<MemoryEffectsOpInterface>,
    DeclareOpInterfaceMethods<ConditionallySpeculatable>,
    DestinationStyleOpInterface,
    DeclareOpInterfaceMethods<OpAsmOpInterface, ["getAsmResultNames"]>,
    DeclareOpInterfaceMethods<ReifyRankedShapedTypeOpInterface,
      ["reifyResultShapes"]>,
    DeclareOpInterfaceMethods<AggregatedOpInterface, ["decomposeOperation"]>]> {
  let summary = "The per-slice scale of a weight norm: g / ||v||";
  let description = [{
    Computes the factor `wn.weight_norm` multiplies each slice of v by,
    without computing `w`:

    ```
    scale[k] = g[k] / sqrt(sum_{j in slice k} v[j]^2 [+ eps])
    ```

    with the same `dim`, g layouts, `eps` and verification as
    `wn.weight_norm`. The result has g's shape in the accumulation type
    (f32 for f16, bf16 and f32; f64 for f64). The sum, norm and quotient
    are computed exactly as for `wn.weight_norm` (f32 in f64, f16 and bf16
    in f32 with Kahan's compensation, f64 in double-double, rescaled where
    the sum overflows or underflows). For f32 and f64 the scale is rounded
    once to the accumulation type: within half an ulp of g / ||v|| plus the
    bound of the sum (see `wn.weight_norm`). For f16 and bf16 the square
    root and the quotient are each rounded in f32, so the f32 scale is
    within about 2 f32 ulps (far below an f16 or bf16 ulp). A zero slice
    gives g / 0 (an infinity or NaN), as `wn.weight_norm`'s scale would.

    This is what a consumer needs when `w` is never materialized: for a
    contraction over every dimension of `w` except `dim` whose output keeps
    `dim` (a Linear or Conv weight normalized over its output channels),
    `consumer(x, w) = consumer(x, v) * scale` per output channel
    (`--wn-fuse-into-consumers`), and it is the prepared value that
    `--wn-cache-weights` keeps next to v. Like `wn.weight_norm` it has
    tensor and buffer semantics, bufferizes in place, decomposes into
    linalg ops (`AggregatedOpInterface`) and is lowered to fused loops by
    `--wn-lower-to-loops` (one read of v). Canonicalization gives it a
    non-negative `dim` and the canonical g layout as for `wn.weight_norm`;
    it is not constant-folded.

    ```mlir
    %s = wn.weight_norm_scale dim(0)
           ins(%v, %g : tensor<4096x4096xf32>, tensor<4096x1xf32>)
           outs(%init : tensor<4096x1xf32>) -> tensor<4096x1xf32>
    ```
  }];

  let arguments = (ins WN_TensorOrMemRef:$v,
                       WN_TensorOrMemRef:$g,
                       WN_TensorOrMemRef:$init,
                       OptionalAttr<I64Attr>:$dim,
                       OptionalAttr<F64Attr>:$eps);
  let results = (outs Variadic<AnyRankedTensor>:$results);

  let assemblyFormat = [{
    (`dim` `(` $dim^ `)`)?
    (`eps` `(` $eps^ `)`)?
    `ins` `(` $v `,` $g `:` type($v) `,` type($g) `)`
    `outs` `(` $init `:` type($init) `)`
    attr-dict (`->` type($results)^)?
  }];

  let builders = [
    OpBuilder<(ins "Value":$v, "Value":$g, "Value":$init,
                   "std::optional<int64_t>":$dim,
                   CArg<"std::optional<double>", "std::nullopt">:$eps)>
  ];

  let extraClassDeclaration = [{
    MutableOperandRange getDpsInitsMutable() { return getInitMutable(); }
    /// The scale (tensor semantics only).
    Value getScaleResult() { return getResults().front(); }
  }];

  let hasVerifier = 1;
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def WN_WeightNormBackwardOp : WN_Op<"weight_norm_backward", [
    DeclareOpInterfaceMethods<WN_WeightNormInterface,
      ["getGradW", "getSavedNorm", "getGradVDestination",
       "getGradGDestination"]>,
    DeclareOpInterfaceMethods<MemoryEffectsOpInterface>,
    DeclareOpInterfaceMethods<ConditionallySpeculatable>,
    DestinationStyleOpInterface,
    DeclareOpInterfaceMethods<OpAsmOpInterface, ["getAsmResultNames"]>,
    DeclareOpInterfaceMethods<ReifyRankedShapedTypeOpInterface,
      ["reifyResultShapes"]>,
    DeclareOpInterfaceMethods<AggregatedOpInterface, ["decomposeOperation"]>,
    DeclareOpInterfaceMethods<TilingInterface,
      ["getIterationDomain",
       "getLoopIteratorTypes",
       "getResultTilePosition",
       "getTiledImplementation",
       "generateResultTileValue"]>]> {
  let summary = "The gradients of a weight norm: grad_v and grad_g from grad_w";
  let description = [{
    The backward of `wn.weight_norm`: given the gradient `grad_w` of a loss
    with respect to `w = g * v / ||v||`, computes its gradients with respect
    to v and g, as PyTorch's `_weight_norm_interface_backward` and autograd
    through `torch._weight_norm` do. Per slice (the same slices as the
    forward: one per index along `dim`, or the whole tensor), with
    `n = sqrt(sum(v * v) [+ eps])` and `s = sum(grad_w * v)`:

    ```
    grad_g = s / n
    grad_v = (g / n) * grad_w - (g * s / n^3) * v
    ```

    With `eps` this is the derivative of the eps form
    `w = g * v / sqrt(sum(v * v) + eps)`: the same formulas with n including
    eps.

    Operands and attributes follow `wn.weight_norm` (the same `dim`, g
    layouts, element types, `eps` and verification):

    - `grad_w`: the incoming gradient, of v's type.
    - `v`, `g`: the forward's operands.
    - `norm` (optional): the forward's norm result (`wn.weight_norm`'s
      second result, PyTorch's saved `norm`), in g's shape and the
      accumulation type. When given, n is read from it (it already holds
      eps) and the op sums only `grad_w * v`; otherwise n is computed from v
      exactly as the forward computes it.
    - `grad_v_init`, `grad_g_init`: the destinations, of v's and g's types.

    Results (tensor semantics only): `grad_v` and `grad_g`, of the
    destinations' types. On memrefs the op has no results and writes the
    destinations; bufferization and the lowerings work as for
    `wn.weight_norm`.

    Numerics, the forward's contract carried over:

    - Inputs are widened to the compute type (f32 for f16 and bf16, f64 for
      f32 and f64). The sum of squares is the forward's (plain in f64 for
      f32, Kahan in f32 for f16 and bf16, double-double for f64, rescaled
      where it overflows or underflows). The dot product `s` is summed the
      same way: products of f16, bf16 and f32 values are exact in the
      compute type; for f64 each product's exact error is recovered with a
      fused multiply-add (Ogita, Rump and Oishi's Dot2).
    - Per slice, `a = g / n` and `c = s / n` are computed in the compute
      type (double-double for f64); `grad_g` is c rounded once to g's type,
      within 0.5 + 2^-9 ulps. The factor `b = a * c / n` of v grows like
      1 / |v|^2 and would overflow or underflow where grad_v does not, so v
      is scaled per slice by an exact power of two, 2^-k with
      k = floor(log2 n): `grad_v = a * grad_w - b' * (v * 2^-k)` with
      `b' = a * c / (n * 2^-k)`, of grad_v's magnitude.
    - `grad_v` cancels where grad_w is nearly parallel to v. For f16 and
      bf16 it is one fused multiply-add in f32, rounded to the element type:
      within 0.5 + 2^-9 ulps of the largest of |a grad_w|, |b v| and
      |grad_v|. For f32 and f64, a and b' are carried as pairs of the
      element type and both products are formed exactly (fused
      multiply-adds recover their errors); the difference of the products
      and the sum of the errors are each rounded once: within 1 + 2^-9 ulps
      of the largest of |a grad_w|, |b v| and |grad_v| (PyTorch's
      `g / n * (grad_w - s / n^2 * v)` is off by up to thousands of such
      ulps where the terms cancel).
    - These bounds hold at every magnitude (the sums of squares rescaled as
      in the forward, b' scaled) as long as grad_v, grad_g, the norm and
      g / n are normal numbers of their types and the dot product `s` stays
      in range.
    - `s` is not rescaled: where products of grad_w and v overflow or
      underflow the compute type, s overflows or loses accuracy as
      PyTorch's does. An infinite or NaN `s` propagates unchanged.
    - Without `eps`, an all-zero slice has n = 0 and gives NaN gradients,
      as in PyTorch.

    ```mlir
    %gv, %gg = wn.weight_norm_backward dim(0)
        ins(%grad_w, %v, %g : tensor<64x32x3xf32>, tensor<64x32x3xf32>,
            tensor<64x1x1xf32>)
        outs(%gv_init, %gg_init : tensor<64x32x3xf32>, tensor<64x1x1xf32>)
        -> tensor<64x32x3xf32>, tensor<64x1x1xf32>
    // Reusing the forward's saved norm:
    %gv2, %gg2 = wn.weight_norm_backward dim(0)
        ins(%grad_w, %v, %g, %norm : tensor<64x32x3xf32>,
            tensor<64x32x3xf32>, tensor<64x1x1xf32>, tensor<64x1x1xf32>)
        outs(%gv_init, %gg_init : tensor<64x32x3xf32>, tensor<64x1x1xf32>)
        -> tensor<64x32x3xf32>, tensor<64x1x1xf32>
    ```

    Canonicalization gives it a non-negative `dim` and the canonical g
    layout (g, the saved norm and grad_g collapsed, grad_g's result
    expanded back) as for `wn.weight_norm`. It decomposes into linalg ops
    (`AggregatedOpInterface`: the sums of each slice, the per-slice factors
    and grad_g, and grad_v) and tiles along `dim` only (`TilingInterface`),
    like the forward (tiles of grad_g follow g's).
  }];

  let arguments = (ins WN_TensorOrMemRef:$grad_w,
                       WN_TensorOrMemRef:$v,
                       WN_TensorOrMemRef:$g,
                       Optional<WN_TensorOrMemRef>:$norm,
                       WN_TensorOrMemRef:$grad_v_init,
                       WN_TensorOrMemRef:$grad_g_init,
                       OptionalAttr<I64Attr>:$dim,
                       OptionalAttr<F64Attr>:$eps);
  let results = (outs Variadic<AnyRankedTensor>:$results);

  let assemblyFormat = [{
    (`dim` `(` $dim^ `)`)?
    (`eps` `(` $eps^ `)`)?
    `ins` `(` $grad_w `,` $v `,` $g (`,` $norm^)? `:` type($grad_w) `,`
              type($v) `,` type($g) (`,` type($norm)^)? `)`
    `outs` `(` $grad_v_init `,` $grad_g_init `:` type($grad_v_init) `,`
               type($grad_g_init) `)`
    attr-dict (`->` type($results)^)?
  }];

  let builders = [
    /// `norm` may be null: the op computes the norms.
    OpBuilder<(ins "Value":$gradW, "Value":$v, "Value":$g,
                   "Value":$gradVInit, "Value":$gradGInit,
                   "std::optional<int64_t>":$dim,
                   CArg<"std::optional<double>", "std::nullopt">:$eps,
                   CArg<"Value", "Value()">:$norm)>
  ];

  let extraClassDeclaration = [{
    /// The destinations: grad_v_init, then grad_g_init.
    MutableOperandRange getDpsInitsMutable() {
      return MutableOperandRange(getOperation(),
                                 getOperation()->getNumOperands() - 2, 2);
    }
    /// grad_v and grad_g (tensor semantics only).
    Value getGradVResult() { return getResults()[0]; }
    Value getGradGResult() { return getResults()[1]; }
  }];

  let hasVerifier = 1;
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

#endif // WN_DIALECT_WN_IR_WNOPS_TD
