// Transform schedule for the contractions of bench/layers.py's Linear layer
// (linalg.matmul reading its B operand as [N, K], as after
// --wn-fuse-into-consumers or for x @ w^T): blocks of 4 output columns
// (4 rows of v, read once from memory) by 4 rows of x, the reduction over K
// in vectors of 16 kept in registers (a vector<4x4x16> accumulator) and
// added up at the end. One thread. Used as
//   wn-opt --transform-preload-library=transform-library-paths=linear.mlir
//          -transform-interpreter ...
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %mm = transform.structured.match ops{["linalg.matmul"]} in %root : (!transform.any_op) -> !transform.any_op
    %t1, %l1 = transform.structured.tile_using_for %mm tile_sizes [0, 4, 0] : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    %t2, %l2 = transform.structured.tile_using_for %t1 tile_sizes [4, 0, 0] : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    %fill, %split, %comb, %loop = transform.structured.tile_reduction_using_for %t2 by tile_sizes = [0, 0, 16] : (!transform.any_op) -> (!transform.any_op, !transform.any_op, !transform.any_op, !transform.any_op)
    transform.structured.vectorize %split : !transform.any_op
    transform.structured.vectorize %comb : !transform.any_op
    transform.structured.vectorize %fill : !transform.any_op
    %func = transform.structured.match ops{["func.func"]} in %root : (!transform.any_op) -> !transform.any_op
    transform.apply_patterns to %func {
      transform.apply_patterns.canonicalization
    } : !transform.any_op
    transform.apply_cse to %func : !transform.any_op
    %fors = transform.structured.match ops{["scf.for"]} in %root : (!transform.any_op) -> !transform.any_op
    transform.foreach %fors : !transform.any_op {
    ^bb0(%f: !transform.any_op):
      transform.loop.hoist_loop_invariant_subsets %f : !transform.any_op
    }
    transform.apply_patterns to %func {
      transform.apply_patterns.vector.transfer_permutation_patterns
      transform.apply_patterns.vector.lower_multi_reduction lowering_strategy = "innerreduction"
      transform.apply_patterns.vector.lower_transpose
      transform.apply_patterns.vector.lower_broadcast
      transform.apply_patterns.canonicalization
    } : !transform.any_op
    transform.yield
  }
}
