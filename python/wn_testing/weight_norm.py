"""MLIR text of functions computing one wn.weight_norm.

Two styles, both with the `llvm.emit_c_interface` attribute:
- "memref": `@name(%v, %g, %w : memref)` writes w into the caller's buffer
  with no copy (to_tensor restrict + materialize_in_destination);
- "tensor": `@name(%v, %g : tensor) -> tensor` returns a new w.
"""

ELEMENT_TYPES = ("f16", "bf16", "f32", "f64")
G_LAYOUTS = ("keepdim", "flat", "scalar", "ones")


def normalize_dim(dim: int | None, rank: int) -> int | None:
    """`dim` in [0, rank), or None for the whole-tensor norm."""
    if dim is None:
        return None
    if not -rank <= dim < rank:
        raise ValueError(f"dim {dim} out of range for rank {rank}")
    return dim % rank


def g_shape(shape: list[int], dim: int | None, layout: str) -> list[int]:
    """g's shape for v of `shape`: keepdim/flat with a dim, scalar/ones
    without."""
    d = normalize_dim(dim, len(shape))
    if (d is None) != (layout in ("scalar", "ones")):
        raise ValueError(f"g layout {layout!r} does not fit dim {dim}")
    if layout == "keepdim":
        return [shape[i] if i == d else 1 for i in range(len(shape))]
    if layout == "flat":
        return [shape[d]]
    if layout == "scalar":
        return []
    return [1] * len(shape)


def _type(kind: str, shape: list, elem: str) -> str:
    return f"{kind}<{''.join(f'{s}x' for s in shape)}{elem}>"


def weight_norm_func(name: str, shape: list[int], dim: int | None,
                     g_layout: str, elem: str, dynamic: bool = False,
                     style: str = "memref") -> str:
    """A func.func named `name` computing wn.weight_norm of one case.

    With `dynamic`, every dimension of v (and g's `dim` dimension) is `?`.
    """
    if elem not in ELEMENT_TYPES:
        raise ValueError(f"unsupported element type {elem!r}")
    if style not in ("memref", "tensor"):
        raise ValueError(f"unknown style {style!r}")
    d = normalize_dim(dim, len(shape))
    v_shape = ["?"] * len(shape) if dynamic else list(shape)
    gs = g_shape(shape, dim, g_layout)
    if dynamic and d is not None:
        gs[0 if g_layout == "flat" else d] = "?"
    vt, gt = _type("tensor", v_shape, elem), _type("tensor", gs, elem)
    vm, gm = _type("memref", v_shape, elem), _type("memref", gs, elem)

    if style == "memref":
        lines = [
            f"func.func @{name}(%vm: {vm}, %gm: {gm}, %wm: {vm}) "
            "attributes {llvm.emit_c_interface} {",
            f"  %v = bufferization.to_tensor %vm restrict : {vm} to {vt}",
            f"  %g = bufferization.to_tensor %gm restrict : {gm} to {gt}",
        ]
    else:
        lines = [f"func.func @{name}(%v: {vt}, %g: {gt}) -> {vt} "
                 "attributes {llvm.emit_c_interface} {"]
    sizes = []
    for i, size in enumerate(v_shape):
        if size == "?":
            lines += [f"  %c{i} = arith.constant {i} : index",
                      f"  %d{i} = tensor.dim %v, %c{i} : {vt}"]
            sizes.append(f"%d{i}")
    dim_clause = "" if dim is None else f"dim({dim}) "
    lines += [
        f"  %init = tensor.empty({', '.join(sizes)}) : {vt}",
        f"  %w = wn.weight_norm {dim_clause}ins(%v, %g : {vt}, {gt}) "
        f"outs(%init : {vt}) -> {vt}",
    ]
    if style == "memref":
        lines += ["  bufferization.materialize_in_destination %w in restrict "
                  f"writable %wm : ({vt}, {vm}) -> ()",
                  "  return"]
    else:
        lines.append(f"  return %w : {vt}")
    lines.append("}")
    return "\n".join(lines) + "\n"
