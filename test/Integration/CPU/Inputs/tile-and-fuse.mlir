// Transform schedule for tiled.mlir: tile the consumer of each weight norm by
// [2, 3, 0] and fuse the weight norm into the inner loop, so the producer must
// compute whole slices and hand the consumer a part of them; also tile a
// standalone weight norm along its dim with a partial last tile.
module attributes {transform.with_named_sequence} {
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
    %fused_fn = transform.structured.match ops{["func.func"]} attributes {sym_name = "fused"} in %root : (!transform.any_op) -> !transform.any_op
    %wn = transform.structured.match ops{["wn.weight_norm"]} in %fused_fn : (!transform.any_op) -> !transform.any_op
    %consumer = transform.structured.match ops{["linalg.generic"]} in %fused_fn : (!transform.any_op) -> !transform.any_op
    %tiled, %l0, %l1 = transform.structured.tile_using_for %consumer tile_sizes [2, 3, 0] : (!transform.any_op) -> (!transform.any_op, !transform.any_op, !transform.any_op)
    %f, %n = transform.structured.fuse_into_containing_op %wn into %l1 : (!transform.any_op, !transform.any_op) -> (!transform.any_op, !transform.any_op)
    %tiled_fn = transform.structured.match ops{["func.func"]} attributes {sym_name = "tiled"} in %root : (!transform.any_op) -> !transform.any_op
    %wn2 = transform.structured.match ops{["wn.weight_norm"]} in %tiled_fn : (!transform.any_op) -> !transform.any_op
    %t2, %l2 = transform.structured.tile_using_for %wn2 tile_sizes [0, 0, 3] : (!transform.any_op) -> (!transform.any_op, !transform.any_op)
    transform.yield
  }
}
