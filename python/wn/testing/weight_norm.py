# Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
# See the LICENSE file for license information.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""MLIR text of functions computing one wn.weight_norm or one
wn.weight_norm_backward.

Two styles, both with the `llvm.emit_c_interface` attribute:
- "memref": `@name(%v, %g, %w[, %norm] : memref)` writes w (and the norm)
  into the caller's buffers with no copy (to_tensor restrict +
  materialize_in_destination);
- "tensor": `@name(%v, %g : tensor) -> tensor[, tensor]` returns a new w (and
  norm).
The backward's functions take grad_w, v, g[, norm] and give grad_v and
grad_g the same two ways.
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


class _Signature:
    """The shared frame of a test function: v's and g's types for one case
    (dynamic sizes as `?`), the arguments of either calling style and the
    `tensor.dim`s of v's dynamic sizes.

    - "memref": `@name(inputs..., outputs... : memref)`; each input becomes
      a tensor with `bufferization.to_tensor restrict`, each result is
      written with `materialize_in_destination` (no copy);
    - "tensor": `@name(inputs... : tensor) -> (outputs...)`.
    """

    def __init__(self, shape: list[int], dim: int | None, g_layout: str,
                 elem: str, dynamic: bool, style: str):
        if elem not in ELEMENT_TYPES:
            raise ValueError(f"unsupported element type {elem!r}")
        if style not in ("memref", "tensor"):
            raise ValueError(f"unknown style {style!r}")
        self.style = style
        self.d = normalize_dim(dim, len(shape))
        self.dynamic = dynamic
        self.v_shape = ["?"] * len(shape) if dynamic else list(shape)
        self.g_shape = g_shape(shape, dim, g_layout)
        if dynamic and self.d is not None:
            self.g_shape[0 if g_layout == "flat" else self.d] = "?"
        acc = accumulation_type(elem)
        # (tensor type, memref type) of v's shape, g's shape in the element
        # type and in the accumulation type (the norm).
        self.v = (_type("tensor", self.v_shape, elem),
                  _type("memref", self.v_shape, elem))
        self.g = (_type("tensor", self.g_shape, elem),
                  _type("memref", self.g_shape, elem))
        self.n = (_type("tensor", self.g_shape, acc),
                  _type("memref", self.g_shape, acc))

    def header(self, name: str, inputs: list[tuple[str, tuple[str, str]]],
               outputs: list[tuple[str, tuple[str, str]]]) -> list[str]:
        """The function's first lines: `inputs` and `outputs` are (SSA name
        without %, (tensor type, memref type)); in the body each input is a
        tensor named %NAME. Ends with v's dynamic sizes, %d<i>."""
        if self.style == "memref":
            args = [f"%{n}m: {t[1]}" for n, t in inputs + outputs]
            lines = [f"func.func @{name}({', '.join(args)}) "
                     "attributes {llvm.emit_c_interface} {"]
            lines += [f"  %{n} = bufferization.to_tensor %{n}m restrict : "
                      f"{t[1]} to {t[0]}" for n, t in inputs]
        else:
            args = [f"%{n}: {t[0]}" for n, t in inputs]
            types = [t[0] for _, t in outputs]
            results = types[0] if len(types) == 1 else f"({', '.join(types)})"
            lines = [f"func.func @{name}({', '.join(args)}) -> {results} "
                     "attributes {llvm.emit_c_interface} {"]
        for i, size in enumerate(self.v_shape):
            if size == "?":
                lines += [f"  %c{i} = arith.constant {i} : index",
                          f"  %d{i} = tensor.dim %v, %c{i} : {self.v[0]}"]
        return lines

    def v_sizes(self) -> str:
        """The dynamic sizes of a tensor.empty of v's shape."""
        return ", ".join(f"%d{i}" for i, s in enumerate(self.v_shape)
                         if s == "?")

    def g_sizes(self) -> str:
        """The dynamic sizes of a tensor.empty of g's shape."""
        return f"%d{self.d}" if self.dynamic and self.d is not None else ""

    def footer(self, outputs: list[tuple[str, tuple[str, str]]]) -> list[str]:
        """Writes (memref) or returns (tensor) the results %NAME."""
        if self.style == "memref":
            return [f"  bufferization.materialize_in_destination %{n} in "
                    f"restrict writable %{n}m : ({t[0]}, {t[1]}) -> ()"
                    for n, t in outputs] + ["  return", "}"]
        return [f"  return {', '.join('%' + n for n, _ in outputs)} : "
                f"{', '.join(t[0] for _, t in outputs)}", "}"]


def _clauses(dim: int | None, eps: float | None) -> str:
    clauses = "" if dim is None else f"dim({dim}) "
    if eps is not None:
        clauses += f"eps({float(eps):.17e}) "
    return clauses


def weight_norm_func(name: str, shape: list[int], dim: int | None,
                     g_layout: str, elem: str, dynamic: bool = False,
                     style: str = "memref", eps: float | None = None,
                     with_norm: bool = False) -> str:
    """A func.func named `name` computing wn.weight_norm of one case.

    With `dynamic`, every dimension of v (and g's `dim` dimension) is `?`.
    `eps` sets the op's eps attribute; `with_norm` adds the norm result (g's
    shape, accumulation type) as a second output. Arguments: v, g (memref
    style: then w and the norm).
    """
    sig = _Signature(shape, dim, g_layout, elem, dynamic, style)
    outputs = [("w", sig.v)] + ([("n", sig.n)] if with_norm else [])
    lines = sig.header(name, [("v", sig.v), ("g", sig.g)], outputs)
    vt, gt, nt = sig.v[0], sig.g[0], sig.n[0]
    clauses = _clauses(dim, eps)
    lines.append(f"  %init = tensor.empty({sig.v_sizes()}) : {vt}")
    if with_norm:
        lines += [
            f"  %ninit = tensor.empty({sig.g_sizes()}) : {nt}",
            f"  %w, %n = wn.weight_norm {clauses}ins(%v, %g : {vt}, {gt}) "
            f"outs(%init, %ninit : {vt}, {nt}) -> {vt}, {nt}",
        ]
    else:
        lines.append(f"  %w = wn.weight_norm {clauses}ins(%v, %g : {vt}, "
                     f"{gt}) outs(%init : {vt}) -> {vt}")
    return "\n".join(lines + sig.footer(outputs)) + "\n"


def weight_norm_backward_func(name: str, shape: list[int], dim: int | None,
                              g_layout: str, elem: str,
                              dynamic: bool = False, style: str = "memref",
                              eps: float | None = None,
                              with_norm: bool = False) -> str:
    """A func.func named `name` computing wn.weight_norm_backward of one
    case: arguments grad_w, v, g and, `with_norm`, the saved norm (g's
    shape, accumulation type); results grad_v and grad_g (memref style:
    their buffers follow the arguments). `dynamic` and `eps` as for
    weight_norm_func."""
    sig = _Signature(shape, dim, g_layout, elem, dynamic, style)
    inputs = [("gw", sig.v), ("v", sig.v), ("g", sig.g)]
    if with_norm:
        inputs.append(("n", sig.n))
    outputs = [("gv", sig.v), ("gg", sig.g)]
    lines = sig.header(name, inputs, outputs)
    names = ", ".join(f"%{n}" for n, _ in inputs)
    types = ", ".join(t[0] for _, t in inputs)
    vt, gt = sig.v[0], sig.g[0]
    lines += [
        f"  %gvinit = tensor.empty({sig.v_sizes()}) : {vt}",
        f"  %gginit = tensor.empty({sig.g_sizes()}) : {gt}",
        f"  %gv, %gg = wn.weight_norm_backward {_clauses(dim, eps)}"
        f"ins({names} : {types}) outs(%gvinit, %gginit : {vt}, {gt}) -> "
        f"{vt}, {gt}",
    ]
    return "\n".join(lines + sig.footer(outputs)) + "\n"
