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
    weight norm. The rewrite is `populateWNFoldConstantsPatterns`.
  }];
  let options = [
    Option<"maxElements", "max-elements", "int64_t", /*default=*/"65536",
           "Fold weight norms whose v has at most this many elements, "
           "whatever v's other users (-1: no limit)">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

#endif // WN_TRANSFORMS_PASSES_TD
