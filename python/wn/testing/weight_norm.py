# Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
# See the LICENSE file for license information.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""MLIR text of functions computing one wn.weight_norm (weight_norm_func)
or one wn.weight_norm_backward (weight_norm_backward_func).

Two styles, both with the `llvm.emit_c_interface` attribute:
- "memref": `@name(%v, %g, %w[, %norm] : memref)` writes w (and the norm)
  into the caller's buffers with no copy (to_tensor restrict +
  materialize_in_destination);
- "tensor": `@name(%v, %g : tensor) -> tensor[, tensor]` returns a new w (and
  norm).
The backward's functions are memref style only.
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


def accumulation_type(elem: str) -> str:
    """The dialect's accumulation type, also the norm result's element type:
    f32 for f16 and bf16, the type itself otherwise."""
    return "f32" if elem in ("f16", "bf16") else elem


def _type(kind: str, shape: list, elem: str) -> str:
    return f"{kind}<{''.join(f'{s}x' for s in shape)}{elem}>"


def weight_norm_func(name: str, shape: list[int], dim: int | None,
                     g_layout: str, elem: str, dynamic: bool = False,
                     style: str = "memref", eps: float | None = None,
                     with_norm: bool = False) -> str:
    """A func.func named `name` computing wn.weight_norm of one case.

    With `dynamic`, every dimension of v (and g's `dim` dimension) is `?`.
    `eps` sets the op's eps attribute; `with_norm` adds the norm result (g's
    shape, accumulation type) as a second output.
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
    acc = accumulation_type(elem)
    nt, nm = _type("tensor", gs, acc), _type("memref", gs, acc)

    if style == "memref":
        norm_arg = f", %nm: {nm}" if with_norm else ""
        lines = [
            f"func.func @{name}(%vm: {vm}, %gm: {gm}, %wm: {vm}{norm_arg}) "
            "attributes {llvm.emit_c_interface} {",
            f"  %v = bufferization.to_tensor %vm restrict : {vm} to {vt}",
            f"  %g = bufferization.to_tensor %gm restrict : {gm} to {gt}",
        ]
    else:
        results = f"({vt}, {nt})" if with_norm else vt
        lines = [f"func.func @{name}(%v: {vt}, %g: {gt}) -> {results} "
                 "attributes {llvm.emit_c_interface} {"]
    sizes = []
    for i, size in enumerate(v_shape):
        if size == "?":
            lines += [f"  %c{i} = arith.constant {i} : index",
                      f"  %d{i} = tensor.dim %v, %c{i} : {vt}"]
            sizes.append(f"%d{i}")
    clauses = "" if dim is None else f"dim({dim}) "
    if eps is not None:
        clauses += f"eps({float(eps):.17e}) "
    lines.append(f"  %init = tensor.empty({', '.join(sizes)}) : {vt}")
    if with_norm:
        gsizes = []
        if dynamic and d is not None:
            gsizes.append(f"%d{d}")
        lines += [
            f"  %ninit = tensor.empty({', '.join(gsizes)}) : {nt}",
            f"  %w, %n = wn.weight_norm {clauses}ins(%v, %g : {vt}, {gt}) "
            f"outs(%init, %ninit : {vt}, {nt}) -> {vt}, {nt}",
        ]
    else:
        lines.append(f"  %w = wn.weight_norm {clauses}ins(%v, %g : {vt}, "
                     f"{gt}) outs(%init : {vt}) -> {vt}")
    if style == "memref":
        lines.append("  bufferization.materialize_in_destination %w in "
                     f"restrict writable %wm : ({vt}, {vm}) -> ()")
        if with_norm:
            lines.append("  bufferization.materialize_in_destination %n in "
                         f"restrict writable %nm : ({nt}, {nm}) -> ()")
        lines.append("  return")
    elif with_norm:
        lines.append(f"  return %w, %n : {vt}, {nt}")
    else:
        lines.append(f"  return %w : {vt}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def weight_norm_backward_func(name: str, shape: list[int], dim: int | None,
                              g_layout: str, elem: str, dynamic: bool = False,
                              eps: float | None = None,
                              saved_norm: bool = False) -> str:
    """A func.func named `name` computing wn.weight_norm_backward of one
    case, in the memref style:
    `@name(%grad_w, %v, %g[, %norm], %grad_v, %grad_g : memref)` reads
    grad_w, v, g (and with `saved_norm` the forward's norm: g's shape, the
    accumulation type) and writes grad_v and grad_g into the caller's
    buffers. `dynamic` and `eps` as for weight_norm_func.
    """
    if elem not in ELEMENT_TYPES:
        raise ValueError(f"unsupported element type {elem!r}")
    d = normalize_dim(dim, len(shape))
    v_shape = ["?"] * len(shape) if dynamic else list(shape)
    gs = g_shape(shape, dim, g_layout)
    if dynamic and d is not None:
        gs[0 if g_layout == "flat" else d] = "?"
    vt, gt = _type("tensor", v_shape, elem), _type("tensor", gs, elem)
    vm, gm = _type("memref", v_shape, elem), _type("memref", gs, elem)
    acc = accumulation_type(elem)
    nt, nm = _type("tensor", gs, acc), _type("memref", gs, acc)
    norm_arg = f", %nm: {nm}" if saved_norm else ""
    lines = [
        f"func.func @{name}(%gwm: {vm}, %vm: {vm}, %gm: {gm}{norm_arg}, "
        f"%gvm: {vm}, %ggm: {gm}) attributes {{llvm.emit_c_interface}} {{",
        f"  %gw = bufferization.to_tensor %gwm restrict : {vm} to {vt}",
        f"  %v = bufferization.to_tensor %vm restrict : {vm} to {vt}",
        f"  %g = bufferization.to_tensor %gm restrict : {gm} to {gt}",
    ]
    if saved_norm:
        lines.append(f"  %n = bufferization.to_tensor %nm restrict : {nm} "
                     f"to {nt}")
    sizes = []
    for i, size in enumerate(v_shape):
        if size == "?":
            lines += [f"  %c{i} = arith.constant {i} : index",
                      f"  %d{i} = tensor.dim %v, %c{i} : {vt}"]
            sizes.append(f"%d{i}")
    gsizes = [f"%d{d}"] if dynamic and d is not None else []
    clauses = "" if dim is None else f"dim({dim}) "
    if eps is not None:
        clauses += f"eps({float(eps):.17e}) "
    operands, types = "%gw, %v, %g", f"{vt}, {vt}, {gt}"
    if saved_norm:
        operands, types = operands + ", %n", types + f", {nt}"
    lines += [
        f"  %gvinit = tensor.empty({', '.join(sizes)}) : {vt}",
        f"  %gginit = tensor.empty({', '.join(gsizes)}) : {gt}",
        f"  %gv, %gg = wn.weight_norm_backward {clauses}ins({operands} : "
        f"{types}) outs(%gvinit, %gginit : {vt}, {gt}) -> {vt}, {gt}",
        "  bufferization.materialize_in_destination %gv in restrict "
        f"writable %gvm : ({vt}, {vm}) -> ()",
        "  bufferization.materialize_in_destination %gg in restrict "
        f"writable %ggm : ({gt}, {gm}) -> ()",
        "  return",
        "}",
    ]
    return "\n".join(lines) + "\n"
