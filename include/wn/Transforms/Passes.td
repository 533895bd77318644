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
    "::mlir::tensor::TensorDialect"
  ];
}

#endif // WN_TRANSFORMS_PASSES_TD
