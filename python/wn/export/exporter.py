# Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
# See the LICENSE file for license information.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""PyTorch module -> MLIR: one func.func @forward on tensors, with
wn.weight_norm for every weight-normed parameter and upstream linalg,
tensor and arith for the layers around it.

Lowerings (x: NC[H]W activations, weights in PyTorch's layouts):
- Conv1d/Conv2d: tensor.pad for the zero padding, then a linalg.generic
  out[n, f, o..] += x[n, c, o*s + k*d..] * w[f, c, k..] accumulating into
  the broadcast bias, with loops (n, f, c, k.., o..): the output positions
  innermost, so that the CPU pipeline's innermost loop is a contiguous,
  vectorizable axpy (15x faster than the named ops' reduction-innermost
  order on HiFi-GAN's ResBlock1). Groups: activations viewed as
  [N, G, C/G, L..], w read at (g*F + f, c, k..). A stride s > 1 on the last
  dim splits the input into its s phases first ([.., s, L/s], a transpose),
  so that the input is read contiguously along the output positions:
  x[.., o*s + k*d] = xt[.., (k*d) mod s, o + (k*d) floordiv s].
- ConvTranspose1d: polyphase when dilation is 1 and K a multiple of the
  stride (see conv_transpose), else the input spread with zeros every s
  positions, padded by d*(K-1) - p, and out[n, o, l] += xs[n, c, l +
  (K-1-k)*d] * w[c, o, k]; grouped like Conv; output positions innermost.
- Linear: linalg.matmul with w read transposed through its indexing map.
- Elementwise functions and activations: one linalg.generic each, with
  PyTorch's broadcasting and its formulas (leaky_relu: x > 0 ? x : x*slope;
  gelu: x*0.5*(1 + erf(x/sqrt(2)))).
- Reshapes: tensor.collapse_shape/expand_shape, linalg.transpose,
  tensor.extract_slice.

Training (export_program(..., training=True), training.py): the function
returns the loss and the gradient of every parameter instead; the model's
ATen graph (forward and backward, from make_fx) is lowered with the same
helpers (convolution and transposed_convolution serve both the layers here
and the ATen convolutions and input gradients there), and each weight-normed
layer is a wn.weight_norm with its norm result and, for its gradients, one
wn.weight_norm_backward.
"""

import math
import operator
from dataclasses import dataclass, field

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.weight_norm import WeightNorm

from . import mlir_text, where
from .symbolic import Sym
from .tracing import ROOT_PREFIX, trace
from .weightnorm import ExportError, find_weight_norm

WEIGHTS = ("constants", "args")



@dataclass
class Value:
    """An SSA tensor value of the exported function."""
    ssa: str
    shape: tuple


@dataclass
class Exported:
    """An exported module: its text and what @forward takes and returns."""
    text: str
    # With weights="args", @forward's arguments after the inputs, in order:
    # (name, tensor); the names are parameter paths in the module.
    parameters: list = field(default_factory=list)
    input_shapes: list = field(default_factory=list)
    output_shapes: list = field(default_factory=list)
    dtype: torch.dtype = torch.float32
    # None when forward() returns one tensor; else one entry per element of
    # the tuple it returns: the index of that output among @forward's
    # results, or None where forward() returns None.
    output_structure: tuple | None = None
    # training=True: the parameter names whose gradients @forward returns
    # after the loss, in order (every parameter, in `parameters` order).
    gradients: list = field(default_factory=list)


@dataclass
class Scalar:
    """A scalar SSA value computed outside a region (a dynamic count), usable
    as an elementwise() operand like a Python number."""
    ssa: str


class _Body:
    """Lines of a linalg region body; SSA names come from the exporter."""

    def __init__(self, ex: "_Exporter"):
        self.ex = ex
        self.lines: list[str] = []

    def op(self, text: str, hint: str = "t") -> str:
        name = self.ex.fresh(hint)
        self.lines.append(f"{name} = {text}")
        return name

    def const(self, x: float) -> str:
        return self.op(f"arith.constant "
                       f"{mlir_text.float_literal(float(x), self.ex.elem)} : "
                       f"{self.ex.elem}", "cst")

    def f(self, opname: str, *operands: str, hint: str = "t") -> str:
        """An arith/math op on `elem` scalars."""
        return self.op(f"{opname} {', '.join(operands)} : {self.ex.elem}",
                       hint)


def _describe_target(node) -> str:
    if node.op == "call_method":
        return f"Tensor.{node.target}"
    target = node.target
    module = getattr(target, "__module__", None) or ""
    name = getattr(target, "__name__", str(target))
    if module in ("_operator", "operator"):
        return f"operator.{name}"
    if module.startswith("torch"):
        for prefix, spelled in (("torch.nn.functional", "F"),
                                ("torch._C._nn", "F"),
                                ("torch._C._VariableFunctions", "torch")):
            if module.startswith(prefix):
                return f"{spelled}.{name}"
        return f"{module}.{name}"
    return f"{module}.{name}" if module else name


def _user_line(node) -> str:
    """'file:line: code' of the innermost user frame that made `node`."""
    trace_text = getattr(node, "stack_trace", None) or ""
    lines = trace_text.splitlines()
    for i, line in enumerate(lines):
        line = line.strip()
        if line.startswith("File "):
            parts = line.split(", ")
            filename = parts[0][len("File "):].strip('"')
            lineno = parts[1].replace("line ", "") if len(parts) > 1 else "?"
            code = lines[i + 1].strip() if i + 1 < len(lines) else ""
            return f"{filename}:{lineno} (`{code}`)"
    return ""


class _Exporter:
    def __init__(self, root: nn.Module, weights: str, dtype: torch.dtype):
        self.root = root
        self.weights = weights
        self.dtype = dtype
        self.elem = mlir_text.ELEMENT_TYPES[dtype]
        self.names = mlir_text.Names()
        self.lines: list[str] = []
        self.args: list[str] = []          # "%name: type"
        self.param_args: list = []         # (path, tensor)
        self.resources: list = []          # (key, tensor)
        self.params: dict[str, Value] = {}
        self.module_weights: dict[tuple, Value | None] = {}
        self.constants: dict[str, str] = {}
        self.symbols: list[str] = []       # index SSA of s0, s1, ..
        self.sizes: dict[str, str] = {}    # affine expression -> SSA

    # -- basics -------------------------------------------------------------

    def fresh(self, hint: str) -> str:
        return "%" + self.names.fresh(hint)

    def type(self, shape) -> str:
        return mlir_text.tensor_type(shape, self.elem)

    def emit(self, line: str) -> None:
        self.lines.append(line)

    def const(self, x: float) -> str:
        literal = mlir_text.float_literal(float(x), self.elem)
        if literal not in self.constants:
            name = self.fresh("cst")
            self.emit(f"{name} = arith.constant {literal} : {self.elem}")
            self.constants[literal] = name
        return self.constants[literal]

    def index(self, n) -> str:
        """A size or offset as an op operand: the int, or for a dynamic size
        (Sym) an index SSA value: affine.apply of its expression to the
        inputs' dynamic dims, emitted once per expression."""
        if isinstance(n, int):
            return str(n)
        expr = n.affine()
        if expr not in self.sizes:
            symbols = ", ".join(f"s{i}" for i in range(len(self.symbols)))
            name = self.fresh("size")
            self.emit(f"{name} = affine.apply affine_map<()[{symbols}] -> "
                      f"({expr})>()[{', '.join(self.symbols)}]")
            self.sizes[expr] = name
        return self.sizes[expr]

    def index_list(self, sizes) -> str:
        return ", ".join(self.index(n) for n in sizes)

    def scalar(self, n) -> "float | Scalar":
        """A size as a float operand of elementwise(): the number, or for a
        dynamic size its index value converted at run time."""
        if isinstance(n, int):
            return float(n)
        as_int = self.fresh("count")
        self.emit(f"{as_int} = arith.index_cast {self.index(n)} : index to "
                  f"i64")
        name = self.fresh("count")
        self.emit(f"{name} = arith.sitofp {as_int} : i64 to {self.elem}")
        return Scalar(name)

    def empty(self, shape, hint="empty") -> str:
        name = self.fresh(hint)
        dynamic = [self.index(n) for n in shape if not isinstance(n, int)]
        self.emit(f"{name} = tensor.empty({', '.join(dynamic)}) : "
                  f"{self.type(shape)}")
        return name

    def full(self, shape, value: float, hint="full") -> Value:
        """A tensor of `shape` filled with `value` (linalg.fill)."""
        scalar = self.const(value)
        init = self.empty(shape)
        name = self.fresh(hint)
        t = self.type(shape)
        self.emit(f"{name} = linalg.fill ins({scalar} : {self.elem}) "
                  f"outs({init} : {t}) -> {t}")
        return Value(name, tuple(shape))

    def zeros(self, shape, hint="zeros") -> Value:
        return self.full(shape, 0.0, hint)

    # -- parameters ---------------------------------------------------------

    def param(self, path: str, tensor: torch.Tensor) -> Value:
        """A parameter, buffer or constant tensor of the model: a function
        argument (weights="args") or a dense_resource constant."""
        if path in self.params:
            return self.params[path]
        if tensor.dtype != self.dtype:
            raise ExportError(f"parameter '{path}' is {tensor.dtype}, but the "
                              f"input is {self.dtype}; convert the model "
                              f"with .to({self.dtype})")
        shape = tuple(tensor.shape)
        name = self.fresh(path)
        if self.weights == "args":
            self.args.append(f"{name}: {self.type(shape)}")
            self.param_args.append((path, tensor.detach()))
        else:
            self.resource(name, tensor)
        value = Value(name, shape)
        self.params[path] = value
        return value

    def resource(self, name: str, tensor: torch.Tensor) -> Value:
        """`name` = a dense_resource constant holding `tensor`."""
        key = name[1:]
        self.resources.append((key, tensor.detach()))
        self.emit(f"{name} = arith.constant dense_resource<{key}> : "
                  f"{self.type(tuple(tensor.shape))}")
        return Value(name, tuple(tensor.shape))

    def module_param(self, path: str, module: nn.Module,
                     name: str) -> Value | None:
        """`module.<name>` as the model computes it: a wn.weight_norm of v and
        g for a weight-normed parameter, else the parameter (None if the
        module has none, like a Conv1d without bias)."""
        key = (path, name)
        if key in self.module_weights:
            return self.module_weights[key]
        prefix = f"{path}." if path else ""
        wn = find_weight_norm(module, name, path)
        if wn is None:
            tensor = getattr(module, name, None)
            value = None if tensor is None else \
                self.param(prefix + name, tensor)
        else:
            v = self.param(prefix + wn.v_name, wn.v)
            g = self.param(prefix + wn.g_name, wn.g)
            value = self.weight_norm(v, g, wn.dim, prefix + name)
        self.module_weights[key] = value
        return value

    def weight_norm(self, v: Value, g: Value, dim: int | None, hint: str,
                    with_norm: bool = False):
        """w = wn.weight_norm of v and g (dim None: the whole tensor); with
        `with_norm`, (w, norm): the op's second result, the norm of each
        slice in g's shape, which wn.weight_norm_backward reuses."""
        init = self.empty(v.shape)
        w = Value(self.fresh(hint), v.shape)
        dim_text = "" if dim is None else f" dim({dim})"
        tv, tg = self.type(v.shape), self.type(g.shape)
        if not with_norm:
            self.emit(f"{w.ssa} = wn.weight_norm{dim_text} ins({v.ssa}, "
                      f"{g.ssa} : {tv}, {tg}) outs({init} : {tv}) -> {tv}")
            return w
        norm = Value(self.fresh(f"{hint}_norm"), g.shape)
        norm_init = self.empty(g.shape)
        self.emit(f"{w.ssa}, {norm.ssa} = wn.weight_norm{dim_text} "
                  f"ins({v.ssa}, {g.ssa} : {tv}, {tg}) outs({init}, "
                  f"{norm_init} : {tv}, {tg}) -> {tv}, {tg}")
        return w, norm

    # -- shapes -------------------------------------------------------------

    def reshape(self, x: Value, shape, hint="reshape") -> Value:
        """x viewed with `shape` (same element count): collapse to 1-D, then
        expand (the canonicalizer folds the pair where it can). Traced
        dynamic dims in `shape` (Unknown) are solved from x's sizes."""
        shape = _reshape_target(x.shape, shape)
        if x.shape == shape:
            return x
        flat = (math.prod(x.shape),)
        if len(x.shape) != 1:
            name = self.fresh(hint)
            if len(x.shape) == 0:
                self.emit(f"{name} = tensor.expand_shape {x.ssa} [] "
                          f"output_shape [1] : {self.type(x.shape)} into "
                          f"{self.type(flat)}")
            else:
                group = ", ".join(map(str, range(len(x.shape))))
                self.emit(f"{name} = tensor.collapse_shape {x.ssa} "
                          f"[[{group}]] : {self.type(x.shape)} into "
                          f"{self.type(flat)}")
            x = Value(name, flat)
        if len(shape) == 1:
            return x
        name = self.fresh(hint)
        if len(shape) == 0:
            self.emit(f"{name} = tensor.collapse_shape {x.ssa} [] : "
                      f"{self.type(flat)} into {self.type(shape)}")
        else:
            group = ", ".join(map(str, range(len(shape))))
            self.emit(f"{name} = tensor.expand_shape {x.ssa} [[{group}]] "
                      f"output_shape [{self.index_list(shape)}] : "
                      f"{self.type(flat)} into {self.type(shape)}")
        return Value(name, shape)

    def regroup(self, x: Value, groups: list[list[int]], shape,
                expand: bool, hint: str) -> Value:
        """tensor.expand_shape (expand) or collapse_shape with the given
        reassociation; `shape` is the expanded shape."""
        reassoc = "[" + ", ".join("[" + ", ".join(map(str, g)) + "]"
                                  for g in groups) + "]"
        name = self.fresh(hint)
        if expand:
            self.emit(f"{name} = tensor.expand_shape {x.ssa} {reassoc} "
                      f"output_shape [{self.index_list(shape)}] : "
                      f"{self.type(x.shape)} into {self.type(shape)}")
            return Value(name, tuple(shape))
        out = tuple(math.prod(x.shape[i] for i in g) for g in groups)
        self.emit(f"{name} = tensor.collapse_shape {x.ssa} {reassoc} : "
                  f"{self.type(x.shape)} into {self.type(out)}")
        return Value(name, out)

    def slice(self, x: Value, offsets, sizes, strides=None,
              hint="slice") -> Value:
        """tensor.extract_slice of `x` (unit strides by default)."""
        sizes = tuple(sizes)
        strides = list(strides or [1] * len(sizes))
        name = self.fresh(hint)
        self.emit(f"{name} = tensor.extract_slice {x.ssa}"
                  f"[{self.index_list(offsets)}] "
                  f"[{self.index_list(sizes)}] "
                  f"[{', '.join(map(str, strides))}] : "
                  f"{self.type(x.shape)} to {self.type(sizes)}")
        return Value(name, sizes)

    def transpose(self, x: Value, perm, hint="transpose") -> Value:
        perm = [p % max(len(x.shape), 1) for p in perm]
        if perm == list(range(len(x.shape))):
            return x
        shape = tuple(x.shape[p] for p in perm)
        init = self.empty(shape)
        name = self.fresh(hint)
        self.emit(f"{name} = linalg.transpose ins({x.ssa} : "
                  f"{self.type(x.shape)}) outs({init} : {self.type(shape)}) "
                  f"permutation = [{', '.join(map(str, perm))}]")
        return Value(name, shape)

    def pad(self, x: Value, low, high, value: float = 0.0,
            hint="padded") -> Value:
        if all(isinstance(n, int) and n == 0 for n in [*low, *high]):
            return x
        shape = tuple(n + a + b for n, a, b in zip(x.shape, low, high))
        fill = self.const(value)
        name = self.fresh(hint)
        idx = ", ".join(f"{self.fresh('i')}: index" for _ in x.shape)
        self.emit(f"{name} = tensor.pad {x.ssa} low[{self.index_list(low)}]"
                  f" high[{self.index_list(high)}] {{\n"
                  f"    ^bb0({idx}):\n"
                  f"      tensor.yield {fill} : {self.elem}\n"
                  f"    }} : {self.type(x.shape)} to {self.type(shape)}")
        return Value(name, shape)

    # -- linalg.generic -----------------------------------------------------

    def generic(self, hint: str, inputs: list[Value], maps: list[str],
                init: Value, iterators: list[str], body) -> Value:
        """A linalg.generic; `body(b, args, out)` builds the region with the
        _Body `b` from the block argument names and returns the yield."""
        b = _Body(self)
        args = [self.fresh("in") for _ in inputs]
        out = self.fresh("out")
        result = body(b, args, out)
        name = self.fresh(hint)
        t = self.type(init.shape)
        block_args = ", ".join(f"{a}: {self.elem}" for a in args + [out])
        ins = ", ".join(v.ssa for v in inputs)
        in_types = ", ".join(self.type(v.shape) for v in inputs)
        iters = ", ".join(f'"{i}"' for i in iterators)
        text = [f"{name} = linalg.generic {{indexing_maps = "
                f"[{', '.join(maps)}], iterator_types = [{iters}]}}"
                f"{f' ins({ins} : {in_types})' if inputs else ''}"
                f" outs({init.ssa} : {t}) {{",
                f"    ^bb0({block_args}):"]
        text += [f"      {line}" for line in b.lines]
        text += [f"      linalg.yield {result} : {self.elem}", f"    }} -> {t}"]
        self.emit("\n".join(text))
        return Value(name, init.shape)

    def elementwise(self, hint: str, operands: list, shape, fn) -> Value:
        """PyTorch-broadcast elementwise op of tensors (Value) and Python
        scalars; `fn(b, scalars)` gets one SSA scalar per operand. The
        result's shape is the operands' broadcast (`shape`, the traced one,
        only gives its rank)."""
        tensors = [o for o in operands if isinstance(o, Value)]
        rank = len(shape)
        shape = _broadcast([t.shape for t in tensors], rank)
        maps = []
        for t in tensors:
            lead = rank - len(t.shape)
            results = ["0" if n == 1 and shape[lead + i] != 1 else
                       f"d{lead + i}" for i, n in enumerate(t.shape)]
            maps.append(mlir_text.affine_map(rank, results))
        maps.append(mlir_text.identity_map(rank))
        init = Value(self.empty(shape), shape)

        def body(b, args, out):
            it = iter(args)
            scalars = [next(it) if isinstance(o, Value) else
                       o.ssa if isinstance(o, Scalar) else b.const(o)
                       for o in operands]
            return fn(b, scalars)

        return self.generic(hint, tensors, maps, init, ["parallel"] * rank,
                            body)

    def accumulator(self, shape, bias: Value | None, channel: int) -> Value:
        """The init of a contraction: the bias broadcast along `channel`, or
        zeros."""
        if bias is None:
            return self.zeros(shape, "acc")
        init = self.empty(shape)
        name = self.fresh("acc")
        dims = [i for i in range(len(shape)) if i != channel]
        self.emit(f"{name} = linalg.broadcast ins({bias.ssa} : "
                  f"{self.type(bias.shape)}) outs({init} : "
                  f"{self.type(shape)}) dimensions = "
                  f"[{', '.join(map(str, dims))}]")
        return Value(name, tuple(shape))

    # -- reductions, normalizations, contractions ---------------------------

    def reduce(self, x: Value, dims, keepdim: bool, kind: str,
               hint="reduce") -> Value:
        """The sum, max or min of `x` over `dims` (all dims if empty): one
        linalg.generic with those loops as reductions, into a fill of the
        identity. max and min propagate NaN, like PyTorch's."""
        rank = len(x.shape)
        dims = set(_dims(dims, rank)) if dims else set(range(rank))
        kept = [i for i in range(rank) if keepdim or i not in dims]
        shape = tuple(1 if i in dims else x.shape[i] for i in kept)
        identity, combine = _REDUCTIONS[kind]
        init = self.full(shape, identity, f"{hint}_init")
        maps = [mlir_text.identity_map(rank), mlir_text.affine_map(
            rank, ["0" if i in dims else f"d{i}" for i in kept])]
        iters = ["reduction" if i in dims else "parallel"
                 for i in range(rank)]
        return self.generic(hint, [x], maps, init, iters,
                            lambda b, a, out: b.f(combine, a[0], out))

    def mean(self, x: Value, dims, keepdim: bool, hint="mean") -> Value:
        count = _count(x.shape, dims)
        total = self.reduce(x, dims, keepdim, "sum", hint)
        return self.elementwise(hint, [total, self.scalar(count)],
                                total.shape,
                                lambda b, s: b.f("arith.divf", *s))

    def moments(self, x: Value, dims, correction: float, keepdim: bool,
                hint="var") -> tuple[Value, Value]:
        """(mean, variance) of `x` over `dims` in two passes, PyTorch's
        var(x, dims, correction): sum((x - mean)^2) / (n - correction). The
        mean keeps the reduced dims; the variance keeps them if
        `keepdim`."""
        count = _count(x.shape, dims)
        mean = self.mean(x, dims, True, f"{hint}_mean")
        squares = self.elementwise(
            f"{hint}_squares", [x, mean], x.shape,
            lambda b, s: _square(b, b.f("arith.subf", *s)))
        total = self.reduce(squares, dims, keepdim, "sum", hint)
        var = self.elementwise(
            hint, [total, self.scalar(count - correction)
                   if count - correction > 0 else 0.0], total.shape,
            lambda b, s: b.f("arith.divf", *s))
        return mean, var

    def normalize(self, x: Value, dims, eps: float, hint: str) -> Value:
        """(x - mean) / sqrt(var + eps) over `dims` (biased variance), as
        layer_norm and group_norm compute it."""
        mean, var = self.moments(x, dims, 0, True, f"{hint}_var")

        def fn(b, s):
            centered = b.f("arith.subf", s[0], s[1])
            return b.f("arith.mulf", centered, b.f(
                "math.rsqrt", b.f("arith.addf", s[2], b.const(eps))))

        return self.elementwise(hint, [x, mean, var], x.shape, fn)

    def affine(self, x: Value, weight: Value | None, bias: Value | None,
               channel: int, hint: str) -> Value:
        """x * weight + bias with weight and bias along dims channel.. of x
        (PyTorch's elementwise_affine / affine parameters)."""
        trailing = len(x.shape) - channel
        for p, fn in ((weight, "arith.mulf"), (bias, "arith.addf")):
            if p is None:
                continue
            p = self.reshape(p, p.shape + (1,) * (trailing - len(p.shape)),
                             f"{hint}_param")
            x = self.elementwise(hint, [x, p], x.shape,
                                 lambda b, s, fn=fn: b.f(fn, *s))
        return x

    def layer_norm(self, x: Value, normalized_shape, weight, bias,
                   eps: float, hint: str) -> Value:
        k = len(normalized_shape)
        if tuple(x.shape[len(x.shape) - k:]) != tuple(normalized_shape):
            raise ExportError(f"normalized_shape {list(normalized_shape)} "
                              f"does not match the input's "
                              f"{list(x.shape)}")
        dims = list(range(len(x.shape) - k, len(x.shape)))
        y = self.normalize(x, dims, eps, hint)
        return self.affine(y, weight, bias, len(x.shape) - k, hint)

    def group_norm(self, x: Value, groups: int, weight, bias, eps: float,
                   hint: str) -> Value:
        if len(x.shape) < 2 or x.shape[1] % groups:
            raise ExportError(f"group_norm with {groups} groups needs an "
                              f"input [N, C, ...] with C divisible by "
                              f"{groups}, got {list(x.shape)}")
        N, C = x.shape[:2]
        rest = x.shape[2:]
        xg = self.reshape(x, (N, groups, C // groups) + rest, f"{hint}_groups")
        y = self.normalize(xg, list(range(2, len(xg.shape))), eps, hint)
        y = self.reshape(y, x.shape, hint)
        return self.affine(y, weight, bias, 1, hint)

    def softmax(self, x: Value, dim: int, log: bool, hint: str) -> Value:
        """exp(x - max) / sum(exp(x - max)) along `dim` (log: x - max -
        log(sum)), as PyTorch computes it."""
        top = self.reduce(x, [dim], True, "max", f"{hint}_max")
        shifted = self.elementwise(f"{hint}_shifted", [x, top], x.shape,
                                   lambda b, s: b.f("arith.subf", *s))
        e = self.elementwise(f"{hint}_exp", [shifted], x.shape,
                             lambda b, s: b.f("math.exp", s[0]))
        total = self.reduce(e, [dim], True, "sum", f"{hint}_sum")
        if log:
            return self.elementwise(hint, [shifted, total], x.shape,
                                    lambda b, s: b.f("arith.subf", s[0],
                                                     b.f("math.log", s[1])))
        return self.elementwise(hint, [e, total], x.shape,
                                lambda b, s: b.f("arith.divf", *s))

    def matmul(self, a: Value, b_: Value, hint: str) -> Value:
        """torch.matmul: 1-D operands as a row (a) or column (b), batch
        dims broadcast; one linalg.generic with loops (batch.., m, n, k)."""
        if not a.shape or not b_.shape:
            raise ExportError("matmul of a 0-d tensor")
        a2 = a if len(a.shape) > 1 else self.reshape(a, (1,) + a.shape, hint)
        b2 = b_ if len(b_.shape) > 1 else self.reshape(b_, b_.shape + (1,),
                                                       hint)
        (M, K), (K2, N) = a2.shape[-2:], b2.shape[-2:]
        if K != K2:
            raise ExportError(f"matmul of {list(a.shape)} and "
                              f"{list(b_.shape)}: inner sizes differ")
        nb = max(len(a2.shape), len(b2.shape)) - 2
        batch = _broadcast([a2.shape[:-2], b2.shape[:-2]], nb)
        loops = nb + 3
        m, n, k = f"d{nb}", f"d{nb + 1}", f"d{nb + 2}"

        def batch_map(shape):
            lead = nb - len(shape)
            return ["0" if size == 1 and batch[lead + i] != 1 else
                    f"d{lead + i}" for i, size in enumerate(shape)]

        maps = [mlir_text.affine_map(loops, batch_map(a2.shape[:-2]) + [m, k]),
                mlir_text.affine_map(loops, batch_map(b2.shape[:-2]) + [k, n]),
                mlir_text.affine_map(loops,
                                     [f"d{i}" for i in range(nb)] + [m, n])]
        acc = self.zeros(batch + (M, N), "acc")
        iters = ["parallel"] * (nb + 2) + ["reduction"]
        y = self.generic(hint, [a2, b2], maps, acc, iters,
                         _multiply_accumulate)
        out_shape = batch + (M,) * (len(a.shape) > 1) + \
            (N,) * (len(b_.shape) > 1)
        return self.reshape(y, out_shape, hint)

    def concat(self, tensors: list, dim: int, hint: str) -> Value:
        """torch.cat: tensor.insert_slice of each into a tensor.empty."""
        if not tensors or not all(isinstance(t, Value) for t in tensors):
            raise ExportError("cat expects a non-empty list of tensors")
        rank = len(tensors[0].shape)
        dim = _dims([dim], rank)[0]
        shape = list(tensors[0].shape)
        shape[dim] = sum(t.shape[dim] for t in tensors)
        out = Value(self.empty(shape, hint), tuple(shape))
        offset = 0
        for t in tensors:
            offsets = [0] * rank
            offsets[dim] = offset
            name = self.fresh(hint)
            self.emit(f"{name} = tensor.insert_slice {t.ssa} into {out.ssa}"
                      f"[{self.index_list(offsets)}] "
                      f"[{self.index_list(t.shape)}] "
                      f"[{', '.join(['1'] * rank)}] : "
                      f"{self.type(t.shape)} into {self.type(shape)}")
            out = Value(name, tuple(shape))
            offset += t.shape[dim]
        return out

    def pad_border(self, x: Value, low, high, mode: str,
                   hint: str) -> Value:
        """Reflect or replicate padding: out[i] = x[src(i)], with src(i) =
        j clamped to [0, n-1] (replicate) or (n-1) - |(n-1) - |j||
        (reflect), j = i - low, per padded dim; a linalg.generic reading x
        with tensor.extract."""
        for i, (lo, hi) in enumerate(zip(low, high)):
            n = x.shape[i]
            limit = n - 1 if mode == "reflect" else n
            if (lo or hi) and (max(lo, hi) > limit or n == 0):
                raise ExportError(
                    f"{mode} padding ({lo}, {hi}) of a dim of size {n}: "
                    f"PyTorch needs padding < {'size' if mode == 'reflect' else 'size + 1'}")
        shape = tuple(n + a + b for n, a, b in zip(x.shape, low, high))
        rank = len(shape)
        init = Value(self.empty(shape), shape)
        # x's last index per padded dim, an SSA value when dynamic
        last = [n - 1 if isinstance(n, int) else self.index(n - 1)
                for n in x.shape]

        def body(b, args, out):
            idx = []
            for i in range(rank):
                j = b.op(f"linalg.index {i} : index", "i")
                if low[i] or high[i]:
                    j = _source_index(b, j, low[i], last[i], mode)
                idx.append(j)
            return b.op(f"tensor.extract {x.ssa}[{', '.join(idx)}] : "
                        f"{self.type(x.shape)}", "t")

        return self.generic(hint, [], [mlir_text.identity_map(rank)], init,
                            ["parallel"] * rank, body)

    # -- layers -------------------------------------------------------------

    def conv(self, path, m, x: Value) -> Value:
        nd = len(m.kernel_size)
        if m.padding_mode not in ("zeros", "reflect", "replicate"):
            raise ExportError(f"padding_mode '{m.padding_mode}' is not "
                              f"supported (only 'zeros', 'reflect', "
                              f"'replicate')")
        if len(x.shape) != nd + 2:
            raise ExportError(f"expects a batched input of rank {nd + 2}, "
                              f"got shape {list(x.shape)}")
        pads = m._reversed_padding_repeated_twice
        low = [pads[2 * (nd - 1 - i)] for i in range(nd)]
        high = [pads[2 * (nd - 1 - i) + 1] for i in range(nd)]
        if m.padding_mode != "zeros":
            x = self.pad_border(x, [0, 0] + low, [0, 0] + high,
                                m.padding_mode, "padded")
            low, high = [0] * nd, [0] * nd
        return self.convolution(
            x, m.out_channels, m.kernel_size, m.stride, low, high,
            m.dilation, m.groups,
            lambda: (self.module_param(path, m, "weight"),
                     self.module_param(path, m, "bias")), path or "conv")

    def convolution(self, x: Value, out_channels: int, kernel, stride, low,
                    high, dilation, groups: int, params, hint: str) -> Value:
        """A convolution of x ([N, C, L..]) with zero padding `low`/`high`
        per spatial dim; `params()` gives (w, bias or None), called once
        the input is prepared (module_param emits the weight norm there)."""
        nd = len(kernel)
        low, high = [0, 0] + list(low), [0, 0] + list(high)
        out_shape = (x.shape[0], out_channels) + tuple(
            (x.shape[2 + i] + low[2 + i] + high[2 + i] -
             dilation[i] * (kernel[i] - 1) - 1) // stride[i] + 1
            for i in range(nd))
        # A stride s > 1 along the last dim: the input is split into its s
        # phases, xt[.., r, j] = x[.., j*s + r] ([.., s, J], padded to J*s),
        # so that tap k of output o reads xt[.., (k*d) mod s, o + (k*d)
        # floordiv s]: contiguous along the output positions, which the CPU
        # pipeline's kernels need (a stride-s read is not).
        phases = stride[-1]
        if phases > 1:
            high[-1] += -(x.shape[-1] + low[-1] + high[-1]) % phases
        x = self.pad(x, low, high)
        if phases > 1:
            J = x.shape[-1] // phases
            x = self.regroup(x, [[i] for i in range(len(x.shape) - 1)] +
                             [[len(x.shape) - 1, len(x.shape)]],
                             x.shape[:-1] + (J, phases), True, "phases")
            rank = len(x.shape)
            x = self.transpose(x, list(range(rank - 2)) + [rank - 1, rank - 2],
                               "phases")
        w, bias = params()
        acc = self.accumulator(out_shape, bias, 1)
        # Loops (n, [g,] f, c, k_1..k_nd, o_1..o_nd): the output positions
        # innermost, so that the innermost loop walks the output and the
        # input contiguously (stride 1) with the weight invariant, and the
        # CPU pipeline's loops vectorize (a reduction innermost would not,
        # without reassociation). Groups: the input viewed as
        # [N, G, C/G, L..] and the output as [N, G, F, O..]; w is read at
        # (g * F + f, c, k..).
        G = groups
        N, C = x.shape[0], x.shape[1]
        O = out_shape[1]
        Fo, Cg = O // G, C // G
        lead = ["d0", "d1", "d2"] if G > 1 else ["d0", "d1"]
        c = f"d{len(lead)}"
        k = [f"d{len(lead) + 1 + i}" for i in range(nd)]
        o = [f"d{len(lead) + 1 + nd + i}" for i in range(nd)]
        loops = len(lead) + 1 + 2 * nd
        taps = [f"{_scaled(o[i], stride[i])} + {_scaled(k[i], dilation[i])}"
                for i in range(nd)]
        if phases > 1:
            tap = _scaled(k[-1], dilation[-1])
            taps[-1:] = [f"({tap}) mod {phases}",
                         f"{o[-1]} + ({tap}) floordiv {phases}"]
        if G > 1:
            spatial = list(range(3, len(x.shape) + 1))
            groups_x = [[0], [1, 2]] + [[s] for s in spatial]
            x = self.regroup(x, groups_x, (N, G, Cg) + x.shape[2:], True,
                             "grouped_input")
            groups_out = [[0], [1, 2]] + [[3 + i] for i in range(nd)]
            acc = self.regroup(acc, groups_out,
                               (N, G, Fo) + tuple(out_shape[2:]), True,
                               "grouped_acc")
            x_map = ["d0", "d1", c] + taps
            w_map = [f"d1 * {Fo} + d2", c] + k
            out_map = ["d0", "d1", "d2"] + o
        else:
            x_map = ["d0", c] + taps
            w_map = ["d1", c] + k
            out_map = ["d0", "d1"] + o
        maps = [mlir_text.affine_map(loops, r)
                for r in (x_map, w_map, out_map)]
        iters = ["parallel"] * len(lead) + ["reduction"] * (1 + nd) + \
            ["parallel"] * nd
        y = self.generic(hint, [x, w], maps, acc, iters,
                         _multiply_accumulate)
        if G > 1:
            y = self.regroup(y, groups_out, y.shape, False, "conv_out")
        return y

    def conv_transpose(self, path, m, x: Value) -> Value:
        """ConvTranspose1d: y[n, o, l*s + k*d - p] += x[n, c, l] * w[c, o, k].

        With dilation 1 and K a multiple of s (every upsampling layer of
        HiFi-GAN, DAC, EnCodec), polyphase: output position q*s + r only
        meets taps k = a_r + s*j (a_r = (r+p) mod s, b_r = (r+p) floordiv
        s), so y[n, o, q, r] = sum_{c, j} x[n, c, q + b_r - j] *
        w[c, o, j, a_r] over w viewed as [C, O, K/s, s]: no product with
        a zero. Otherwise the input is scattered every s positions into
        zeros, and y[l] = sum_k xs[l + (K-1-k)*d] * w[k].
        """
        if len(m.kernel_size) != 1:
            raise ExportError("only ConvTranspose1d is supported")
        _check_zero_padding(m)
        if len(x.shape) != 3:
            raise ExportError(f"expects a batched input [N, C, L], got shape "
                              f"{list(x.shape)}")
        w = self.module_param(path, m, "weight")
        bias = self.module_param(path, m, "bias")
        return self.transposed_convolution(
            x, w, bias, m.stride[0], m.dilation[0], m.padding[0],
            m.output_padding[0], m.groups, path or "conv_transpose")

    def transposed_convolution(self, x: Value, w: Value, bias: Value | None,
                               s: int, d: int, p: int, output_padding: int,
                               groups: int, hint: str) -> Value:
        """The 1-D transposed convolution of x [N, C, L] with w
        [C, O/groups, K] (see conv_transpose); also the gradient of a
        convolution with respect to its input."""
        K = w.shape[2]
        N, C, L = x.shape
        Lout = (L - 1) * s - 2 * p + d * (K - 1) + output_padding + 1
        G = groups
        O = w.shape[1] * G
        out_shape = (N, O, Lout)
        Fo, Cg = O // G, C // G
        if d == 1 and K % s == 0:
            J = K // s
            Q = -(-Lout // s)
            bmax = (s - 1 + p) // s
            right = max(0, Q - 1 + bmax - (L - 1))
            xp = self.pad(x, [0, 0, J - 1], [0, 0, right])
            xg = self.regroup(xp, [[0], [1, 2], [3]], (N, G, Cg, xp.shape[2]),
                              True, "grouped_input")
            w4 = self.regroup(w, [[0], [1], [2, 3]], (C, Fo, J, s), True,
                              "phases")
            acc = self.accumulator((N, O, Q * s), bias, 1)
            accg = self.regroup(acc, [[0], [1, 2], [3, 4]], (N, G, Fo, Q, s),
                                True, "grouped_acc")
            # loops (n, g, f, r, c, j, q): the output positions q innermost
            # (contiguous in x, stride s in the output), as in conv().
            x_map = ["d0", "d1", "d4",
                     f"d6 + (d3 + {p}) floordiv {s} - d5 + {J - 1}"]
            w_map = [f"d1 * {Cg} + d4" if G > 1 else "d4", "d2", "d5",
                     f"(d3 + {p}) mod {s}"]
            out_map = ["d0", "d1", "d2", "d6", "d3"]
            maps = [mlir_text.affine_map(7, r)
                    for r in (x_map, w_map, out_map)]
            iters = ["parallel"] * 4 + ["reduction"] * 2 + ["parallel"]
            y = self.generic(hint, [xg, w4], maps, accg,
                             iters, _multiply_accumulate)
            y = self.regroup(y, [[0], [1, 2], [3, 4]], y.shape, False,
                             "conv_out")
            if Q * s != Lout:
                y = self.slice(y, [0, 0, 0], (N, O, Lout), hint="conv_out")
            return y
        left = d * (K - 1) - p
        if left < 0:
            raise ExportError(f"padding {p} larger than dilation * "
                              f"(kernel_size - 1) = {d * (K - 1)} is not "
                              f"supported")
        # xs[left + l*s] = x[l], zeros elsewhere: x spread over [.., L, s]
        # (zeros but at r = 0), collapsed, then padded to length
        # Lout + d*(K-1) (or cut: the cut part is zeros).
        spread_init = Value(self.empty((N, C, L, s)), (N, C, L, s))

        def spread(b, args, out):
            r = b.op("linalg.index 3 : index", "r")
            zero_index = b.op("arith.constant 0 : index", "c0")
            first = b.op(f"arith.cmpi eq, {r}, {zero_index} : index", "first")
            return b.op(f"arith.select {first}, {args[0]}, {b.const(0.0)} : "
                        f"{self.elem}", "t")

        xs = self.generic("spread", [x], [
            mlir_text.affine_map(4, ["d0", "d1", "d2"]),
            mlir_text.identity_map(4)],
            spread_init, ["parallel"] * 4, spread)
        xs = self.regroup(xs, [[0], [1], [2, 3]], xs.shape, False, "spread")
        length = Lout + d * (K - 1)
        high = length - left - L * s
        if high < 0:
            xs = self.slice(xs, [0, 0, 0], (N, C, L * s + high),
                            hint="spread")
            high = 0
        xs = self.pad(xs, [0, 0, left], [0, 0, high], hint="scattered")
        acc = self.accumulator(out_shape, bias, 1)
        groups_x = [[0], [1, 2], [3]]
        xg = self.regroup(xs, groups_x, (N, G, Cg, length), True,
                          "grouped_input")
        accg = self.regroup(acc, groups_x, (N, G, Fo, Lout), True,
                            "grouped_acc")
        # loops (n, g, f, c, k, l), output positions innermost
        x_map = ["d0", "d1", "d3", f"d5 - {_scaled('d4', d)} + {(K - 1) * d}"]
        w_map = [f"d1 * {Cg} + d3" if G > 1 else "d3", "d2", "d4"]
        out_map = ["d0", "d1", "d2", "d5"]
        maps = [mlir_text.affine_map(6, r) for r in (x_map, w_map, out_map)]
        iters = ["parallel"] * 3 + ["reduction"] * 2 + ["parallel"]
        y = self.generic(hint, [xg, w], maps, accg, iters,
                         _multiply_accumulate)
        return self.regroup(y, groups_x, y.shape, False, "conv_out")

    def linear(self, path, m, x: Value) -> Value:
        w = self.module_param(path, m, "weight")
        bias = self.module_param(path, m, "bias")
        K = x.shape[-1] if x.shape else 0
        M = math.prod(x.shape[:-1])
        O = w.shape[0]
        x2 = self.reshape(x, (M, K), "rows")
        acc = self.accumulator((M, O), bias, 1)
        name = self.fresh(path or "linear")
        t = self.type((M, O))
        maps = [mlir_text.affine_map(3, r) for r in
                (["d0", "d2"], ["d1", "d2"], ["d0", "d1"])]
        self.emit(f"{name} = linalg.matmul indexing_maps = [{', '.join(maps)}]"
                  f" ins({x2.ssa}, {w.ssa} : {self.type(x2.shape)}, "
                  f"{self.type(w.shape)}) outs({acc.ssa} : {t}) -> {t}")
        return self.reshape(Value(name, (M, O)), x.shape[:-1] + (O,),
                            "linear_out")


def _check_zero_padding(m: nn.Module) -> None:
    if m.padding_mode != "zeros":
        raise ExportError(f"padding_mode '{m.padding_mode}' is not "
                          f"supported (only 'zeros')")


def _scaled(dim: str, factor: int) -> str:
    return dim if factor == 1 else f"{dim} * {factor}"


class Unknown:
    """A traced size that differs between the traces (a dynamic dim) before
    the exporter has derived its expression; any arithmetic on it fails."""

    def __init__(self, values):
        self.values = tuple(values)

    def __repr__(self):
        return f"Unknown({list(self.values)})"


def _reshape_target(source, shape) -> tuple:
    """`shape` (traced; Unknown where dynamic) with each Unknown solved from
    the sizes of `source`: a single one from the element count, several
    from source dims of the same traced sizes."""
    shape = tuple(shape)
    unknown = [i for i, n in enumerate(shape) if isinstance(n, Unknown)]
    if not unknown:
        return shape
    out = list(shape)
    if len(unknown) == 1:
        known = math.prod(n for n in shape if isinstance(n, int))
        total = math.prod(source) if len(
            [n for n in source if isinstance(n, Sym)]) <= 1 else None
        if total is not None and known and total % known == 0:
            out[unknown[0]] = total // known
            return tuple(out)
    for i in unknown:
        same = [n for n in source if isinstance(n, Sym) and
                n.values == shape[i].values]
        if len(same) != 1 or any(not same[0].same(o) for o in same):
            raise ExportError(f"cannot tell which dynamic dims of "
                              f"{_show(source)} make the dynamic dims of the "
                              f"reshape to {_show(shape)}")
        out[i] = same[0]
    return tuple(out)


def _show(shape) -> str:
    """A shape for messages: dynamic dims as their sizes at the traces."""
    return "[" + ", ".join(
        str(n) if isinstance(n, int) else "/".join(map(str, n.values))
        for n in shape) + "]"


def _slice_range(index: slice, n) -> tuple:
    """(start, size, step) of Python's slice `index` of a dim of size `n`
    (an int, or a dynamic Sym: bounds that are negative or past the end
    then resolve the same way at every traced size, or the export fails)."""
    step = 1 if index.step is None else index.step
    if not isinstance(step, int) or step <= 0:
        raise ExportError("slices with a non-positive step are not "
                          "supported")

    def bound(v, default):
        if v is None:
            return default
        if not isinstance(v, int):
            raise ExportError(f"slice bound of type {type(v).__name__}")
        if v < 0:
            v = v + n
            return v if v >= 0 else 0
        return v if v <= n else n

    start, stop = bound(index.start, 0), bound(index.stop, n)
    size = (stop - start + step - 1) // step
    return start, (size if size >= 0 else 0), step


def _traced_shape(value, second) -> tuple:
    """The traced result's shape, Unknown where the second trace (dynamic
    dims) gives another size."""
    if second is None:
        return tuple(value.shape)
    return tuple(a if a == b else Unknown((a, b))
                 for a, b in zip(value.shape, second.shape))


def _broadcast(shapes, rank: int) -> tuple:
    """PyTorch's broadcast of `shapes` (aligned at the end) to `rank` dims:
    per dim the size that is not 1, a dynamic one first."""
    out = []
    for i in range(rank):
        sizes = [s[len(s) - rank + i] for s in shapes
                 if len(s) - rank + i >= 0]
        dynamic = [n for n in sizes if not isinstance(n, int)]
        other = [n for n in sizes if isinstance(n, int) and n != 1]
        out.append(dynamic[0] if dynamic else other[0] if other else 1)
    return tuple(out)


def _has_value(arg) -> bool:
    """Whether `arg` holds an exported tensor (Value), however nested."""
    if isinstance(arg, Value):
        return True
    if isinstance(arg, (list, tuple)):
        return any(_has_value(a) for a in arg)
    return False


def _dims(dims, rank: int) -> list[int]:
    """PyTorch dims (an int or a sequence, negative from the end) as
    non-negative ints, checked."""
    dims = [dims] if isinstance(dims, int) else list(dims)
    out = []
    for d in dims:
        if not isinstance(d, int) or not -max(rank, 1) <= d < max(rank, 1):
            raise ExportError(f"dim {d} out of range for rank {rank}")
        out.append(d % max(rank, 1))
    return out


def _count(shape, dims) -> int:
    """Elements per reduction of `shape` over `dims` (all if empty)."""
    dims = _dims(dims, len(shape)) if dims else range(len(shape))
    return math.prod(shape[d] for d in set(dims))


# kind -> (identity, combining op) of reduce().
_REDUCTIONS = {"sum": (0.0, "arith.addf"),
               "max": (-math.inf, "arith.maximumf"),
               "min": (math.inf, "arith.minimumf")}


def _square(b: "_Body", x: str) -> str:
    return b.f("arith.mulf", x, x)


def _source_index(b: "_Body", i: str, low: int, last, mode: str) -> str:
    """The index of x that output index `i` of a border pad reads; `last`
    is x's last index along the dim (an int, or an SSA value)."""
    def index(text, hint="j"):
        return b.op(f"{text} : index", hint)

    if isinstance(last, int):
        last = index(f"arith.constant {last}", "c")
    j = index(f"arith.subi {i}, {index(f'arith.constant {low}', 'c')}")
    if mode == "replicate":
        zero = index("arith.constant 0", "c")
        return index(f"arith.minsi {index(f'arith.maxsi {j}, {zero}')}, "
                     f"{last}")

    def absolute(v):
        zero = index("arith.constant 0", "c")
        negative = b.op(f"arith.cmpi slt, {v}, {zero} : index", "neg")
        return b.op(f"arith.select {negative}, "
                    f"{index(f'arith.subi {zero}, {v}')}, {v} : index", "j")

    return index(f"arith.subi {last}, "
                 f"{absolute(index(f'arith.subi {last}, {absolute(j)}'))}")


def _multiply_accumulate(b: _Body, args, out):
    product = b.f("arith.mulf", args[0], args[1])
    return b.f("arith.addf", out, product)


# -- elementwise formulas (PyTorch's) ---------------------------------------

def _leaky_relu(slope):
    def fn(b, s):
        zero = b.const(0.0)
        positive = b.op(f"arith.cmpf ogt, {s[0]}, {zero} : {b.ex.elem}",
                        "positive")
        scaled = b.f("arith.mulf", s[0], b.const(slope))
        return b.op(f"arith.select {positive}, {s[0]}, {scaled} : "
                    f"{b.ex.elem}", "t")
    return fn


def _gelu(approximate):
    def exact(b, s):
        # x * 0.5 * (1 + erf(x * M_SQRT1_2))
        half = b.f("arith.mulf", s[0], b.const(0.5))
        scaled = b.f("arith.mulf", s[0], b.const(math.sqrt(0.5)))
        erf = b.f("math.erf", scaled)
        return b.f("arith.mulf", half,
                   b.f("arith.addf", b.const(1.0), erf))

    def tanh(b, s):
        # 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3)))
        x = s[0]
        cube = b.f("arith.mulf", b.f("arith.mulf", x, x), x)
        inner = b.f("arith.addf", x, b.f("arith.mulf", b.const(0.044715),
                                         cube))
        t = b.f("math.tanh", b.f("arith.mulf",
                                 b.const(math.sqrt(2 / math.pi)), inner))
        half_x = b.f("arith.mulf", b.const(0.5), x)
        return b.f("arith.mulf", half_x, b.f("arith.addf", b.const(1.0), t))

    if approximate == "none":
        return exact
    if approximate == "tanh":
        return tanh
    raise ExportError(f"gelu approximate={approximate!r} is not supported")


def _elu(alpha):
    # x > 0 ? x : alpha * expm1(x)
    def fn(b, s):
        positive = b.op(f"arith.cmpf ogt, {s[0]}, {b.const(0.0)} : "
                        f"{b.ex.elem}", "positive")
        negative = b.f("arith.mulf", b.const(alpha), b.f("math.expm1", s[0]))
        return b.op(f"arith.select {positive}, {s[0]}, {negative} : "
                    f"{b.ex.elem}", "t")
    return fn


def _softplus(beta, threshold):
    # x * beta > threshold ? x : log1p(exp(x * beta)) / beta
    def fn(b, s):
        scaled = s[0] if beta == 1 else b.f("arith.mulf", s[0],
                                            b.const(beta))
        linear = b.op(f"arith.cmpf ogt, {scaled}, {b.const(threshold)} : "
                      f"{b.ex.elem}", "linear")
        soft = b.f("math.log1p", b.f("math.exp", scaled))
        if beta != 1:
            soft = b.f("arith.divf", soft, b.const(beta))
        return b.op(f"arith.select {linear}, {s[0]}, {soft} : "
                    f"{b.ex.elem}", "t")
    return fn


def _clamp(low, high):
    # min(max(x, low), high), NaN propagating like torch.clamp
    def fn(b, s):
        x = s[0]
        if low is not None:
            x = b.f("arith.maximumf", x, b.const(low))
        if high is not None:
            x = b.f("arith.minimumf", x, b.const(high))
        return x
    return fn


def _pow(b, s, exponent):
    if isinstance(exponent, (int, float)) and not isinstance(exponent, bool):
        if exponent == 1:
            return s[0]
        if exponent == 2:
            return b.f("arith.mulf", s[0], s[0])
        if exponent == 3:
            return b.f("arith.mulf", b.f("arith.mulf", s[0], s[0]), s[0])
        if exponent == 0.5:
            return b.f("math.sqrt", s[0])
        if exponent == -1:
            return b.f("arith.divf", b.const(1.0), s[0])
    return b.f("math.powf", s[0], s[1])


_UNARY = {
    "neg": lambda b, s: b.f("arith.negf", s[0]),
    "relu": lambda b, s: b.f("arith.maximumf", s[0], b.const(0.0)),
    "tanh": lambda b, s: b.f("math.tanh", s[0]),
    "sigmoid": lambda b, s: b.f(
        "arith.divf", b.const(1.0),
        b.f("arith.addf", b.const(1.0),
            b.f("math.exp", b.f("arith.negf", s[0])))),
    "sin": lambda b, s: b.f("math.sin", s[0]),
    "cos": lambda b, s: b.f("math.cos", s[0]),
    "exp": lambda b, s: b.f("math.exp", s[0]),
    "log": lambda b, s: b.f("math.log", s[0]),
    "sqrt": lambda b, s: b.f("math.sqrt", s[0]),
    "rsqrt": lambda b, s: b.f("math.rsqrt", s[0]),
    "abs": lambda b, s: b.f("math.absf", s[0]),
    "reciprocal": lambda b, s: b.f("arith.divf", b.const(1.0), s[0]),
}

_UNARY.update({
    "silu": lambda b, s: b.f("arith.mulf", s[0], _UNARY["sigmoid"](b, s)),
    # x * tanh(softplus(x)), softplus with PyTorch's threshold 20
    "mish": lambda b, s: b.f("arith.mulf", s[0], b.f(
        "math.tanh", _softplus(1.0, 20.0)(b, s))),
})

_BINARY = {
    "add": "arith.addf", "sub": "arith.subf", "mul": "arith.mulf",
    "div": "arith.divf", "maximum": "arith.maximumf",
    "minimum": "arith.minimumf",
}

_REQUIRED = object()

# Parameters of the functions handled by _GraphExporter.visit_<kind>, in
# PyTorch's order: (name, default), _REQUIRED where there is none.
_SIGNATURES = {
    "sum": [("input", _REQUIRED), ("dim", None), ("keepdim", False),
            ("dtype", None)],
    "mean": [("input", _REQUIRED), ("dim", None), ("keepdim", False),
             ("dtype", None)],
    "max": [("input", _REQUIRED), ("dim", None), ("keepdim", False)],
    "min": [("input", _REQUIRED), ("dim", None), ("keepdim", False)],
    "amax": [("input", _REQUIRED), ("dim", ()), ("keepdim", False)],
    "amin": [("input", _REQUIRED), ("dim", ()), ("keepdim", False)],
    "var": [("input", _REQUIRED), ("dim", None), ("unbiased", None),
            ("keepdim", False), ("correction", None)],
    "std": [("input", _REQUIRED), ("dim", None), ("unbiased", None),
            ("keepdim", False), ("correction", None)],
    "softmax": [("input", _REQUIRED), ("dim", None), ("_stacklevel", 3),
                ("dtype", None)],
    "log_softmax": [("input", _REQUIRED), ("dim", None), ("_stacklevel", 3),
                    ("dtype", None)],
    "layer_norm": [("input", _REQUIRED), ("normalized_shape", _REQUIRED),
                   ("weight", None), ("bias", None), ("eps", 1e-5)],
    "group_norm": [("input", _REQUIRED), ("num_groups", _REQUIRED),
                   ("weight", None), ("bias", None), ("eps", 1e-5)],
    "matmul": [("input", _REQUIRED), ("other", _REQUIRED)],
    "cat": [("tensors", _REQUIRED), ("dim", 0)],
    "stack": [("tensors", _REQUIRED), ("dim", 0)],
    "elu": [("input", _REQUIRED), ("alpha", 1.0), ("inplace", False)],
    "softplus": [("input", _REQUIRED), ("beta", 1.0), ("threshold", 20.0)],
    "hardtanh": [("input", _REQUIRED), ("min_val", -1.0), ("max_val", 1.0),
                 ("inplace", False)],
    "relu6": [("input", _REQUIRED), ("inplace", False)],
    "clamp": [("input", _REQUIRED), ("min", None), ("max", None)],
    "dropout": [("input", _REQUIRED), ("p", 0.5), ("training", True),
                ("inplace", False)],
}


def _bind(kind: str, args, kwargs) -> dict:
    """The arguments of a call of `kind` by parameter name, defaults
    filled in."""
    params = _SIGNATURES[kind]
    names = [name for name, _ in params]
    if len(args) > len(params):
        raise ExportError(f"{kind} takes at most {len(params)} arguments, "
                          f"got {len(args)}")
    unknown = sorted(set(kwargs) - set(names))
    if unknown:
        raise ExportError(f"unsupported arguments {unknown}")
    bound = dict(zip(names, args))
    for name, default in params:
        if name in kwargs:
            if name in bound:
                raise ExportError(f"argument '{name}' given twice")
            bound[name] = kwargs[name]
        elif name not in bound:
            if default is _REQUIRED:
                raise ExportError(f"missing argument '{name}'")
            bound[name] = default
    return bound

# Spellings of each elementwise function: torch.X, F.X, Tensor.X and
# operator.X all map to one name.
_FUNCTIONS = {
    operator.add: "add", operator.iadd: "add", torch.add: "add",
    operator.sub: "sub", operator.isub: "sub", torch.sub: "sub",
    operator.mul: "mul", operator.imul: "mul", torch.mul: "mul",
    operator.truediv: "div", operator.itruediv: "div", torch.div: "div",
    operator.neg: "neg", torch.neg: "neg",
    operator.pow: "pow", torch.pow: "pow",
    torch.relu: "relu", F.relu: "relu", torch.tanh: "tanh", F.tanh: "tanh",
    torch.sigmoid: "sigmoid", F.sigmoid: "sigmoid", torch.sin: "sin",
    torch.cos: "cos", torch.exp: "exp", torch.log: "log", torch.sqrt: "sqrt",
    torch.rsqrt: "rsqrt", torch.abs: "abs", torch.reciprocal: "reciprocal",
    F.leaky_relu: "leaky_relu", F.gelu: "gelu",
    torch.sum: "sum", torch.mean: "mean", torch.max: "max",
    torch.min: "min", torch.amax: "amax", torch.amin: "amin",
    torch.var: "var", torch.std: "std", torch.softmax: "softmax",
    F.softmax: "softmax", torch.log_softmax: "log_softmax",
    F.log_softmax: "log_softmax", F.layer_norm: "layer_norm",
    F.group_norm: "group_norm", torch.matmul: "matmul",
    operator.matmul: "matmul", torch.bmm: "matmul", torch.mm: "matmul",
    torch.cat: "cat", torch.concat: "cat", torch.stack: "stack",
    F.elu: "elu", F.silu: "silu", F.mish: "mish", F.softplus: "softplus",
    F.hardtanh: "hardtanh", F.relu6: "relu6", torch.clamp: "clamp",
    torch.clip: "clamp", F.dropout: "dropout", torch.maximum: "maximum",
    torch.minimum: "minimum",
    torch.reshape: "reshape", torch.flatten: "reshape",
    torch.squeeze: "reshape", torch.unsqueeze: "reshape",
    torch.transpose: "transpose", torch.permute: "permute",
    torch.t: "transpose", operator.getitem: "getitem", F.pad: "pad",
}

_METHODS = {name: name for name in
            ("add", "sub", "mul", "div", "neg", "pow", "relu", "tanh",
             "sigmoid", "sin", "cos", "exp", "log", "sqrt", "rsqrt", "abs",
             "reciprocal", "transpose", "permute", "sum", "mean", "max",
             "min", "amax", "amin", "var", "std", "softmax", "log_softmax",
             "matmul", "clamp", "maximum", "minimum")}
_METHODS.update({"bmm": "matmul", "mm": "matmul", "clip": "clamp",
                 "__matmul__": "matmul"})
_METHODS.update({"view": "reshape", "reshape": "reshape",
                 "flatten": "reshape", "squeeze": "reshape",
                 "unsqueeze": "reshape", "view_as": "reshape",
                 "reshape_as": "reshape", "t": "transpose",
                 "contiguous": "identity", "clone": "identity",
                 "detach": "identity"})

# What fx adds for forward() parameters traced with their defaults.
_ASSERTIONS = (torch._assert, torch.fx._symbolic_trace._assert_is_none)

_ACTIVATION_MODULES = {nn.ReLU: "relu", nn.Tanh: "tanh",
                       nn.Sigmoid: "sigmoid", nn.SiLU: "silu",
                       nn.Mish: "mish"}

SUPPORTED_LAYERS = (
    "Conv1d, Conv2d, ConvTranspose1d, Linear, LayerNorm, GroupNorm, "
    "Softmax, LogSoftmax, LeakyReLU, ReLU, ReLU6, Hardtanh, ELU, SiLU, "
    "Mish, Softplus, Tanh, Sigmoid, GELU, ReflectionPad1d/2d, "
    "ReplicationPad1d/2d, ConstantPad1d/2d, Identity, Dropout (eval)")


class _GraphExporter(_Exporter):
    """Walks the traced graph, one handler per node."""

    def __init__(self, root, graph, tracer, weights, dtype, strip="",
                 dynamic=None):
        super().__init__(root, weights, dtype)
        self.dynamic = dynamic or {}   # input index -> dynamic dims
        self.strip = strip
        self.graph = graph
        self.tracer = tracer
        self.env: dict = {}
        self.input_shapes: list[tuple] = []
        self.results: list[Value] = []
        self.output_structure: tuple | None = None
        self.output_shapes: list[tuple] = []

    def run(self) -> None:
        for node in self.graph.nodes:
            try:
                self.visit(node)
            except ExportError as error:
                raise ExportError(self.context(node) + str(error)) from None

    def context(self, node) -> str:
        where = []
        if node.op == "call_module":
            m = self.root.get_submodule(node.target)
            where.append(f"layer '{self.path(node.target) or '<root>'}' "
                         f"({_type_name(m)})")
        elif node.op in ("call_function", "call_method"):
            where.append(f"{_describe_target(node)}")
            stack = node.meta.get("module_stack") or []
            if stack:
                path, cls = stack[-1]
                where.append(f"in layer '{path}' ({cls.__name__})")
        line = _user_line(node)
        if line:
            where.append(f"at {line}")
        return " ".join(where) + ": " if where else ""

    def value(self, arg):
        """A node argument's exporter value (Value for tensors) or its
        Python value; lists and tuples element by element."""
        if isinstance(arg, list):  # fx's immutable_list too
            return [self.value(a) for a in arg]
        if isinstance(arg, tuple) and not isinstance(arg, torch.Size):
            return tuple(self.value(a) for a in arg)
        if isinstance(arg, torch.fx.Node):
            if arg not in self.env:
                raise ExportError(f"operand '{arg.name}' is not a tensor the "
                                  f"exporter knows")
            return self.env[arg]
        return arg

    def visit(self, node) -> None:
        if node.op == "placeholder":
            value = self.tracer.value_of(node)
            if node.meta.get("concrete_arg"):
                self.env[node] = value  # a forward() default, a constant
                return
            self.check_tensor(value, f"input '{node.target}'")
            name = self.fresh(node.target)
            shape = list(value.shape)
            second = node.meta.get("value2")
            dynamic = sorted(self.dynamic.get(len(self.input_shapes), ()))
            for d in dynamic:
                shape[d] = Sym.symbol(len(self.symbols) + dynamic.index(d),
                                      (shape[d], second.shape[d]))
            self.args.append(f"{name}: {self.type(shape)}")
            for d in dynamic:  # s<k> = tensor.dim of the input
                c, size = self.fresh("c"), self.fresh(f"{node.target}_dim{d}")
                self.emit(f"{c} = arith.constant {d} : index")
                self.emit(f"{size} = tensor.dim {name}, {c} : "
                          f"{self.type(shape)}")
                self.symbols.append(size)
            self.env[node] = Value(name, tuple(shape))
            self.input_shapes.append(tuple(
                n if isinstance(n, int) else None for n in shape))
        elif node.op == "get_attr":
            value = self.tracer.value_of(node)
            if not isinstance(value, torch.Tensor):
                raise ExportError(f"attribute '{node.target}' is a "
                                  f"{type(value).__name__}, not a tensor")
            self.env[node] = self.param(self.path(node.target), value)
        elif node.op == "output":
            outputs = node.args[0]
            single = not isinstance(outputs, (tuple, list))
            structure = []
            for o in [outputs] if single else outputs:
                v = self.value(o)
                if v is None and not single:
                    structure.append(None)  # wav2vec2's (x, lengths=None)
                    continue
                if not isinstance(v, Value):
                    raise ExportError("forward() must return a tensor or a "
                                      "tuple of tensors and Nones")
                structure.append(len(self.results))
                self.results.append(v)
                self.output_shapes.append(tuple(
                    n if isinstance(n, int) else None for n in v.shape))
            if not self.results:
                raise ExportError("forward() returns no tensor")
            self.output_structure = None if single else tuple(structure)
        elif node.op == "call_function" and node.target in _ASSERTIONS:
            return  # fx's checks of a forward() default: always true here
        else:
            result = self.tracer.value_of(node)
            # A tuple result (Tensor.max(dim)'s values and indices) becomes
            # a tuple of Values, None where the exporter has none.
            results = tuple(result) if isinstance(result, tuple) else \
                (result,)
            if not results or not isinstance(results[0], torch.Tensor):
                operands = [self.value(list(node.args)),
                            self.value(list(node.kwargs.values()))]
                if node.op == "call_function" and not _has_value(operands):
                    # Python arithmetic on constants (fx's check that a
                    # forward() default is what was traced).
                    self.env[node] = result
                    return
                raise ExportError(f"produces a {type(result).__name__}, not "
                                  f"a tensor")
            self.check_tensor(results[0], "the result")
            seconds = node.meta.get("value2")
            seconds = tuple(seconds) if isinstance(seconds, tuple) else \
                (seconds,)
            shape = _traced_shape(results[0], seconds[0])
            if node.op == "call_module":
                out = self.visit_module(node, shape)
            else:
                out = self.visit_function(node, shape)
            outs = out if isinstance(out, tuple) else (out,)
            if len(outs) != len(results) or not isinstance(result, tuple) \
                    and isinstance(out, tuple):
                raise AssertionError(f"{node.name}: {len(outs)} exported "
                                     f"results, traced {len(results)}")
            for o, r, r2 in zip(outs, results, seconds * len(results)
                                if seconds[0] is None else seconds):
                if o is not None:
                    self.check_shape(node, o.shape, r, r2)
            self.env[node] = out

    def check_shape(self, node, shape, traced, second) -> None:
        """The exported `shape` against the traced result (and the result at
        the second trace's sizes, with dynamic dims)."""
        expected = [tuple(traced.shape)]
        if second is not None:
            expected.append(tuple(second.shape))
        got = [tuple(n if isinstance(n, int) else n.values[t] for n in shape)
               for t in range(len(expected))]
        if got == expected and len(shape) == len(expected[0]):
            return
        if second is None:
            raise AssertionError(f"{node.name}: exported shape {got[0]}, "
                                 f"traced {expected[0]}")
        raise ExportError(
            f"the result's shape at the traced sizes is "
            f"{' and '.join(map(_show, expected))}, but the export gives "
            f"{' and '.join(map(_show, got))}: the model computes it from "
            f"Python ints (sizes read from x.shape and used in a slice, pad "
            f"or view?), which wn cannot make dynamic")

    def check_tensor(self, value, what):
        if not isinstance(value, torch.Tensor):
            raise ExportError(f"{what} is a {type(value).__name__}, not a "
                              f"tensor")
        if value.dtype != self.dtype:
            raise ExportError(f"{what} is {value.dtype}; every tensor must be "
                              f"{self.dtype}, the input's type")

    # -- modules ------------------------------------------------------------

    def path(self, target: str) -> str:
        """A module path as the user's model spells it."""
        if self.strip and target == self.strip[:-1]:
            return ""
        return target[len(self.strip):] if self.strip and \
            target.startswith(self.strip) else target

    def visit_module(self, node, shape) -> Value:
        m = self.root.get_submodule(node.target)
        path = self.path(node.target)
        if node.kwargs or len(node.args) != 1:
            raise ExportError("expects one positional tensor argument")
        x = self.value(node.args[0])
        if not isinstance(x, Value):
            raise ExportError("expects a tensor argument")
        if isinstance(m, (nn.Conv1d, nn.Conv2d)):
            return self.conv(path, m, x)
        if isinstance(m, nn.ConvTranspose1d):
            return self.conv_transpose(path, m, x)
        if isinstance(m, nn.Linear):
            return self.linear(path, m, x)
        if isinstance(m, nn.LeakyReLU):
            return self.elementwise(path, [x], shape,
                                    _leaky_relu(m.negative_slope))
        if isinstance(m, nn.GELU):
            return self.elementwise(path, [x], shape, _gelu(m.approximate))
        for cls, name in _ACTIVATION_MODULES.items():
            if isinstance(m, cls):
                return self.elementwise(path, [x], shape, _UNARY[name])
        if isinstance(m, nn.LayerNorm):
            return self.layer_norm(
                x, m.normalized_shape, self.module_param(path, m, "weight"),
                self.module_param(path, m, "bias"), m.eps, path)
        if isinstance(m, nn.GroupNorm):
            return self.group_norm(
                x, m.num_groups, self.module_param(path, m, "weight"),
                self.module_param(path, m, "bias"), m.eps, path)
        if isinstance(m, (nn.Softmax, nn.LogSoftmax)):
            if m.dim is None:
                raise ExportError("softmax without dim is not supported")
            return self.softmax(x, m.dim, isinstance(m, nn.LogSoftmax), path)
        if isinstance(m, nn.ELU):
            return self.elementwise(path, [x], shape, _elu(m.alpha))
        if isinstance(m, nn.Softplus):
            return self.elementwise(path, [x], shape,
                                    _softplus(m.beta, m.threshold))
        if isinstance(m, nn.Hardtanh):  # and ReLU6
            return self.elementwise(path, [x], shape,
                                    _clamp(m.min_val, m.max_val))
        if isinstance(m, (nn.ReflectionPad1d, nn.ReflectionPad2d,
                          nn.ReplicationPad1d, nn.ReplicationPad2d,
                          nn.ConstantPad1d, nn.ConstantPad2d)):
            mode = "reflect" if "Reflection" in type(m).__name__ else \
                "replicate" if "Replication" in type(m).__name__ else \
                "constant"
            return self.pad_mode(x, list(m.padding), mode,
                                 getattr(m, "value", 0.0), path)
        if isinstance(m, nn.Identity) or (
                isinstance(m, nn.Dropout) and not m.training):
            return x
        if isinstance(m, nn.Dropout):
            raise ExportError("dropout in training mode is not supported; "
                              "call model.eval() first")
        raise ExportError(f"unsupported layer type {_type_name(m)}; "
                          f"supported: {SUPPORTED_LAYERS}")

    # -- functions and methods ----------------------------------------------

    def visit_function(self, node, shape) -> Value:
        if node.op == "call_method":
            kind = _METHODS.get(node.target)
        else:
            kind = _FUNCTIONS.get(node.target)
        inplace = node.kwargs.get("inplace") or (
            node.op == "call_method" and node.target.endswith("_") and
            not node.target.endswith("__"))
        if inplace:
            raise ExportError("in-place operations are not supported; use "
                              "the out-of-place form")
        if kind is None:
            raise ExportError("unsupported operation")
        if node.meta.get("args_differ") and kind not in _SIZE_ARGUMENT_KINDS:
            raise ExportError(
                "an argument differs between the traces at other sizes of "
                "the dynamic dims (a Python number computed from x.shape?): "
                "wn would bake in the example's value")
        args = [self.value(a) for a in node.args]
        kwargs = {k: self.value(v) for k, v in node.kwargs.items()}
        hint = node.name
        if kind == "identity":
            return args[0]
        if kind == "reshape":
            return self.reshape(args[0], shape, hint)
        if kind in ("transpose", "permute"):
            return self.visit_permutation(node, kind, args, kwargs, hint)
        if kind == "getitem":
            return self.visit_getitem(args, shape, hint)
        if kind == "pad":
            return self.visit_pad(node, args, kwargs)
        if kind in _BINARY:
            return self.visit_binary(kind, args, kwargs, shape, hint)
        if kind == "pow":
            base, exponent = args[0], args[1] if len(args) > 1 else \
                kwargs.get("exponent")
            return self.elementwise(hint, [base, exponent], shape,
                                    lambda b, s: _pow(b, s, exponent))
        if kind == "leaky_relu":
            slope = args[1] if len(args) > 1 else \
                kwargs.get("negative_slope", 0.01)
            return self.elementwise(hint, [args[0]], shape,
                                    _leaky_relu(slope))
        if kind == "gelu":
            return self.elementwise(hint, [args[0]], shape,
                                    _gelu(kwargs.get("approximate", "none")))
        if kind in _SIGNATURES:
            a = _bind(kind, args, kwargs)
            return getattr(self, f"visit_{kind}")(a, shape, hint)
        extra = set(kwargs) - {"inplace"}
        if len(args) != 1 or extra:
            raise ExportError(f"unsupported arguments {sorted(extra)}"
                              if extra else "expects one tensor argument")
        return self.elementwise(hint, args, shape, _UNARY[kind])

    # Handlers of the kinds in _SIGNATURES: `a` holds the arguments by
    # parameter name.

    def visit_sum(self, a, shape, hint):
        self.check_dtype(a)
        return self.reduce(a["input"], a["dim"] or (), a["keepdim"], "sum",
                           hint)

    def visit_mean(self, a, shape, hint):
        self.check_dtype(a)
        return self.mean(a["input"], a["dim"] or (), a["keepdim"], hint)

    def visit_max(self, a, shape, hint, kind="max"):
        dim = a["dim"]
        if isinstance(dim, Value):  # torch.max(a, b): elementwise
            return self.elementwise(hint, [a["input"], dim], shape,
                                    lambda b, s: b.f(
                                        _REDUCTIONS[kind][1], *s))
        if dim is None:
            return self.reduce(a["input"], (), False, kind, hint)
        # (values, indices): the indices are not exported.
        return self.reduce(a["input"], [dim], a["keepdim"], kind, hint), None

    def visit_min(self, a, shape, hint):
        return self.visit_max(a, shape, hint, "min")

    def visit_amax(self, a, shape, hint, kind="max"):
        return self.reduce(a["input"], a["dim"], a["keepdim"], kind, hint)

    def visit_amin(self, a, shape, hint):
        return self.visit_amax(a, shape, hint, "min")

    def visit_var(self, a, shape, hint, root=False):
        dim, unbiased = a["dim"], a["unbiased"]
        if isinstance(dim, bool):  # var(x, unbiased)
            dim, unbiased = None, dim
        correction = a["correction"]
        if correction is None:
            correction = 1 if unbiased is None or unbiased else 0
        _, var = self.moments(a["input"], dim or (), correction,
                              a["keepdim"], hint)
        if root:
            return self.elementwise(hint, [var], shape,
                                    lambda b, s: b.f("math.sqrt", s[0]))
        return var

    def visit_std(self, a, shape, hint):
        return self.visit_var(a, shape, hint, root=True)

    def visit_softmax(self, a, shape, hint, log=False):
        self.check_dtype(a)
        if a["dim"] is None:
            raise ExportError("softmax without dim is not supported")
        return self.softmax(a["input"], a["dim"], log, hint)

    def visit_log_softmax(self, a, shape, hint):
        return self.visit_softmax(a, shape, hint, log=True)

    def visit_layer_norm(self, a, shape, hint):
        return self.layer_norm(a["input"], a["normalized_shape"],
                               a["weight"], a["bias"], a["eps"], hint)

    def visit_group_norm(self, a, shape, hint):
        return self.group_norm(a["input"], a["num_groups"], a["weight"],
                               a["bias"], a["eps"], hint)

    def visit_matmul(self, a, shape, hint):
        return self.matmul(a["input"], a["other"], hint)

    def visit_cat(self, a, shape, hint):
        return self.concat(list(a["tensors"]), a["dim"], hint)

    def visit_stack(self, a, shape, hint):
        tensors = list(a["tensors"])
        if not tensors or not all(isinstance(t, Value) for t in tensors):
            raise ExportError("stack expects a non-empty list of tensors")
        dim = _dims([a["dim"]], len(tensors[0].shape) + 1)[0]
        parts = [self.reshape(t, t.shape[:dim] + (1,) + t.shape[dim:], hint)
                 for t in tensors]
        return self.concat(parts, dim, hint)

    def visit_elu(self, a, shape, hint):
        return self.elementwise(hint, [a["input"]], shape, _elu(a["alpha"]))

    def visit_softplus(self, a, shape, hint):
        return self.elementwise(hint, [a["input"]], shape,
                                _softplus(a["beta"], a["threshold"]))

    def visit_hardtanh(self, a, shape, hint):
        return self.elementwise(hint, [a["input"]], shape,
                                _clamp(a["min_val"], a["max_val"]))

    def visit_relu6(self, a, shape, hint):
        return self.elementwise(hint, [a["input"]], shape, _clamp(0.0, 6.0))

    def visit_clamp(self, a, shape, hint):
        if isinstance(a["min"], Value) or isinstance(a["max"], Value):
            raise ExportError("clamp with tensor bounds is not supported")
        return self.elementwise(hint, [a["input"]], shape,
                                _clamp(a["min"], a["max"]))

    def visit_dropout(self, a, shape, hint):
        if a["training"]:
            raise ExportError("dropout with training=True is not supported; "
                              "pass training=self.training and call "
                              "model.eval()")
        return a["input"]

    def check_dtype(self, a) -> None:
        if a.get("dtype") not in (None, self.dtype):
            raise ExportError(f"dtype={a['dtype']} is not supported (the "
                              f"model's type is {self.dtype})")

    def visit_binary(self, kind, args, kwargs, shape, hint) -> Value:
        if len(args) < 2:
            args = args + [kwargs.pop("other")]
        alpha = kwargs.pop("alpha", 1)
        rounding = kwargs.pop("rounding_mode", None)
        if rounding is not None:
            raise ExportError(f"rounding_mode={rounding!r} is not supported")
        if kwargs:
            raise ExportError(f"unsupported arguments {sorted(kwargs)}")
        a, b_ = args[0], args[1]
        for operand in (a, b_):
            if not isinstance(operand, (Value, int, float)) or \
                    isinstance(operand, bool):
                raise ExportError(f"operand of type "
                                  f"{type(operand).__name__} is not "
                                  f"supported")
        opname = _BINARY[kind]

        def fn(b, s):
            rhs = s[1]
            if alpha != 1:
                rhs = b.f("arith.mulf", rhs, b.const(alpha))
            return b.f(opname, s[0], rhs)

        return self.elementwise(hint, [a, b_], shape, fn)

    def visit_permutation(self, node, kind, args, kwargs, hint) -> Value:
        x = args[0]
        rank = len(x.shape)
        if kind == "permute":
            perm = args[1:] if len(args) > 2 or not args[1:] or \
                isinstance(args[1], int) else args[1]
            perm = list(kwargs.get("dims", perm))
        else:
            if len(args) == 1:  # .t()
                a, b_ = (0, 1) if rank == 2 else (0, 0)
            else:
                a, b_ = args[1], args[2]
            perm = list(range(rank))
            perm[a], perm[b_] = perm[b_], perm[a]
        return self.transpose(x, perm, hint)

    def visit_getitem(self, args, shape, hint) -> Value:
        x, index = args
        if isinstance(x, tuple):  # Tensor.max(dim)'s (values, indices)
            if not isinstance(index, int) or not -len(x) <= index < len(x):
                raise ExportError(f"index {index!r} of a tuple of {len(x)}")
            if x[index] is None:
                raise ExportError("the indices of max/min are not "
                                  "supported; use the values")
            return x[index]
        if not isinstance(x, Value):
            raise ExportError("indexing is only supported on tensors")
        index = index if isinstance(index, tuple) else (index,)
        if any(isinstance(i, Value) or isinstance(i, torch.Tensor)
               for i in index):
            raise ExportError("indexing with tensors is not supported")
        if sum(i is Ellipsis for i in index) > 1:
            raise ExportError("more than one '...' in an index")
        consumed = sum(1 for i in index if i is not None and i is not Ellipsis)
        expanded = []
        for i in index:
            if i is Ellipsis:
                expanded += [slice(None)] * (len(x.shape) - consumed)
            else:
                expanded.append(i)
        offsets, sizes, strides, out_shape = [], [], [], []
        dim = 0
        for i in expanded:
            if i is None:
                out_shape.append(1)
                continue
            n = x.shape[dim]
            if isinstance(i, int):
                if not -n <= i < n:
                    raise ExportError(f"index {i} out of range for size "
                                      f"{_show([n])[1:-1]}")
                offsets.append(i + n if i < 0 else i)
                sizes.append(1)
                strides.append(1)
            elif isinstance(i, slice):
                start, size, step = _slice_range(i, n)
                offsets.append(start)
                sizes.append(size)
                strides.append(step)
                out_shape.append(size)
            else:
                raise ExportError(f"index of type {type(i).__name__} is not "
                                  f"supported")
            dim += 1
        offsets += [0] * (len(x.shape) - dim)
        sizes += list(x.shape[dim:])
        out_shape += list(x.shape[dim:])
        strides += [1] * (len(x.shape) - dim)
        if tuple(sizes) != x.shape or any(o != 0 for o in offsets) or \
                any(s != 1 for s in strides):
            x = self.slice(x, offsets, sizes, strides, hint)
        return self.reshape(x, out_shape, hint)

    def visit_pad(self, node, args, kwargs) -> Value:
        x = args[0]
        pads = list(args[1] if len(args) > 1 else kwargs["pad"])
        mode = args[2] if len(args) > 2 else kwargs.get("mode", "constant")
        value = args[3] if len(args) > 3 else kwargs.get("value", 0.0)
        return self.pad_mode(x, pads, mode, value or 0.0, node.name)

    def pad_mode(self, x: Value, pads, mode: str, value: float,
                 hint: str) -> Value:
        """F.pad's (left, right[, top, bottom..]) from the last dim back."""
        if mode not in ("constant", "reflect", "replicate"):
            raise ExportError(f"pad mode {mode!r} is not supported (only "
                              f"'constant', 'reflect', 'replicate')")
        if any(p < 0 for p in pads):
            raise ExportError("negative padding is not supported")
        rank = len(x.shape)
        if len(pads) % 2 or len(pads) // 2 > rank:
            raise ExportError(f"padding {pads} for an input of rank {rank}")
        low, high = [0] * rank, [0] * rank
        for i in range(len(pads) // 2):
            low[rank - 1 - i], high[rank - 1 - i] = pads[2 * i], \
                pads[2 * i + 1]
        if mode == "constant":
            return self.pad(x, low, high, value, hint)
        return self.pad_border(x, low, high, mode, hint)


def _type_name(m) -> str:
    cls = type(m)
    return cls.__name__ if cls.__module__.startswith("torch.nn") else \
        f"{cls.__module__}.{cls.__qualname__}"


def _render(ex: _GraphExporter) -> str:
    results = ex.results
    result_types = ", ".join(ex.type(r.shape) for r in results)
    signature = f"({result_types})" if len(results) != 1 else result_types
    out = ["module {",
           f"  func.func @forward({', '.join(ex.args)}) -> {signature} {{"]
    for line in ex.lines:
        out.append("    " + line)
    out.append(f"    return {', '.join(r.ssa for r in results)} : "
               f"{result_types}")
    out += ["  }", "}"]
    if ex.resources:
        out += ["", "{-#", "  dialect_resources: {", "    builtin: {"]
        blobs = [f'      {key}: "{mlir_text.resource_blob(t)}"'
                 for key, t in ex.resources]
        out.append(",\n".join(blobs))
        out += ["    }", "  }", "#-}"]
    return "\n".join(out) + "\n"


def _check_weight_norm_on_leaves(module: nn.Module) -> None:
    """fx calls a traced-through (non-torch.nn) module's forward() without
    its hooks, so weight norm applied to such a module would be lost. (A
    root that is a torch.nn leaf is wrapped by trace() and keeps them.)"""
    leaf = torch.fx.Tracer().is_leaf_module
    for path, m in module.named_modules():
        if leaf(m, path):
            continue
        names = [h.name for h in m._forward_pre_hooks.values()
                 if isinstance(h, WeightNorm)]
        names += list(getattr(m, "parametrizations", {}))
        for name in names:
            if find_weight_norm(m, name, path) is not None:
                raise ExportError(
                    f"layer '{path or '<root>'}' ({_type_name(m)}): weight "
                    f"norm on '{name}' of a module that is not a torch.nn "
                    f"layer is not supported (torch.fx does not run its "
                    f"hooks); apply it to the torch.nn layer that uses it")


def _dynamic_dims(dynamic_dims, inputs) -> dict[int, set[int]]:
    """export()'s dynamic_dims as {input index: non-negative dims}: a
    sequence of dims of the (first) input, or a dict by input index."""
    if dynamic_dims is None:
        return {}
    if isinstance(dynamic_dims, int) and not isinstance(dynamic_dims, bool):
        dynamic_dims = [dynamic_dims]
    if not isinstance(dynamic_dims, dict):
        if len(inputs) != 1:
            raise ExportError("with several inputs, dynamic_dims is a dict "
                              "{input index: [dims]}")
        dynamic_dims = {0: dynamic_dims}
    out = {}
    for index, dims in dynamic_dims.items():
        if not isinstance(index, int) or not 0 <= index < len(inputs):
            raise ExportError(f"dynamic_dims names input {index!r}; there "
                              f"are {len(inputs)}")
        dims = [dims] if isinstance(dims, int) else list(dims)
        rank = inputs[index].dim()
        for d in dims:
            if isinstance(d, bool) or not isinstance(d, int) or \
                    not -rank <= d < rank:
                raise ExportError(f"dynamic dim {d!r} of input {index} "
                                  f"(rank {rank}) out of range")
        if dims:
            out[index] = {d % rank for d in dims}
    return out


def _second_inputs(inputs, dynamic) -> tuple:
    """Inputs for the second trace: each dynamic dim of size n grown to
    n + n // 2 + 1 (another parity, so that floor divisions that differ
    show)."""
    out = []
    for i, x in enumerate(inputs):
        shape = [n + n // 2 + 1 if d in dynamic.get(i, ()) else n
                 for d, n in enumerate(x.shape)]
        out.append(torch.randn(shape, dtype=x.dtype) if shape != list(
            x.shape) else x)
    return tuple(out)


def _attach_second_trace(graph, tracer, graph2, tracer2, sizes) -> None:
    """node.meta["value2"]: each node's value at the second trace, whose
    graph must be the same (no Python control flow on a dynamic size)."""
    nodes, nodes2 = list(graph.nodes), list(graph2.nodes)
    for a, b in zip(nodes, nodes2):
        if (a.op, a.target) != (b.op, b.target):
            break
        a.meta["value2"] = tracer2.value_of(b) if b.op != "output" else None
        a.meta["args_differ"] = _constants(a.args, a.kwargs) != \
            _constants(b.args, b.kwargs)
    else:
        if len(nodes) == len(nodes2):
            return
    where = _user_line(a) if len(nodes) > len(nodes2) or \
        (a.op, a.target) != (b.op, b.target) else ""
    raise ExportError(f"the model runs other operations when the dynamic "
                      f"dims have sizes {sizes} (Python control flow on "
                      f"the input's shape{' at ' + where if where else ''}"
                      f"): it cannot be exported with those dims dynamic")


def _constants(args, kwargs) -> list:
    """The Python constants among a node's arguments, in order (Nodes as
    None): what a second trace must reproduce for them to be constants."""
    out = []
    torch.fx.node.map_aggregate(
        (args, kwargs), lambda a: out.append(
            None if isinstance(a, torch.fx.Node) else a))
    return out


# Functions whose integer arguments are sizes or indices that the exporter
# does not take as constants (it derives every size from the operands' and
# checks it against both traces): reshapes, indexing, padding.
_SIZE_ARGUMENT_KINDS = ("reshape", "getitem", "pad", "identity")


def _trace(module, inputs, second: bool = False):
    """trace(); an exception of the model's own code is an ExportError
    naming it and where it was raised (the second trace, at the grown sizes
    of the dynamic dims, says so)."""
    try:
        return trace(module, tuple(inputs))
    except ExportError:
        raise
    except (Exception, SystemExit) as error:  # tracing runs user code
        sizes = (f" at input sizes {[list(x.shape) for x in inputs]} (other "
                 f"sizes of the dynamic dims)" if second else "")
        raise ExportError(f"tracing {type(module).__name__} with "
                          f"torch.fx{sizes} failed: "
                          f"{where.describe(error)}") from error


def export_program(module: nn.Module, example_input,
                   weights: str | None = None, dynamic_dims=None,
                   training: bool = False, loss=None,
                   target=None) -> Exported:
    """Like export(), with what the caller needs to run the result: the
    parameters @forward takes after its inputs (weights="args"), the input
    and output shapes (None at dynamic dims), how the outputs make
    forward()'s return value and, with training=True, which parameter each
    gradient is of (Exported.gradients)."""
    if weights is None:
        weights = "args" if training else "constants"
    if weights not in WEIGHTS:
        raise ExportError(f"weights must be one of {WEIGHTS}, not "
                          f"{weights!r}")
    inputs = example_input if isinstance(example_input, (tuple, list)) \
        else (example_input,)
    if not inputs or not all(isinstance(t, torch.Tensor) for t in inputs):
        raise ExportError("example_input must be a tensor or a tuple of "
                          "tensors")
    dtype = inputs[0].dtype
    if dtype not in mlir_text.ELEMENT_TYPES:
        raise ExportError(f"input dtype {dtype} is not supported (float32 "
                          f"or float64)")
    dynamic = _dynamic_dims(dynamic_dims, inputs)
    for name, tensor in list(module.named_parameters()) + list(
            module.named_buffers()):
        if tensor.is_floating_point() and tensor.dtype != dtype:
            raise ExportError(f"parameter '{name}' is {tensor.dtype}, but the "
                              f"input is {dtype}; convert the model with "
                              f".to({dtype}) or the input")
    if training:
        return _export_training(module, inputs, weights, dynamic, loss,
                                target, dtype)
    if loss is not None or target is not None:
        raise ExportError("loss and target are arguments of the training "
                          "export (training=True)")
    was_training = module.training
    module.eval()
    try:
        _check_weight_norm_on_leaves(module)
        graph, tracer, root, wrapped = _trace(module, inputs)
        if dynamic:
            second = _second_inputs(inputs, dynamic)
            graph2, tracer2, _, _ = _trace(module, second, second=True)
            _attach_second_trace(graph, tracer, graph2, tracer2,
                                 [list(x.shape) for x in second])
        ex = _GraphExporter(root, graph, tracer, weights, dtype,
                            ROOT_PREFIX if wrapped else "", dynamic)
        ex.run()
    finally:
        module.train(was_training)
    return Exported(_render(ex), ex.param_args, ex.input_shapes,
                    ex.output_shapes, dtype, ex.output_structure)


def _export_training(module, inputs, weights, dynamic, loss, target,
                     dtype) -> Exported:
    """export_program(training=True): checks, then training.py."""
    if weights != "args":
        raise ExportError("training=True needs weights='args' (the default "
                          "with training): the step takes the parameters "
                          "as arguments and returns their gradients")
    if dynamic:
        raise ExportError("dynamic_dims are not supported with "
                          "training=True (the training step has static "
                          "shapes)")
    if loss is not None and not callable(loss):
        raise ExportError(f"loss must be a callable loss(output[, target])"
                          f", not a {type(loss).__name__}")
    targets = () if target is None else target if isinstance(
        target, (tuple, list)) else (target,)
    for t in targets:
        if not isinstance(t, torch.Tensor) or t.dtype != dtype:
            raise ExportError(f"target must be a tensor (or a tuple of "
                              f"tensors) of the input's dtype {dtype}")
    from .training import export_training_program
    return export_training_program(module, tuple(inputs), tuple(targets),
                                   loss, dtype)


def export(module: nn.Module, example_input, weights: str | None = None,
           dynamic_dims=None, training: bool = False, loss=None,
           target=None) -> str:
    """The MLIR module text of `module` traced on `example_input`.

    Its entry is `func.func @forward`, taking the input tensor(s) (then,
    with weights="args", every parameter in first-use order; see
    export_program) and returning the output tensor(s). With
    weights="constants" (the default unless training) the parameters are
    dense_resource constants. `dynamic_dims` marks input dims dynamic (`?`
    in the types): a list of dims of the input (e.g. [-1], the time axis),
    or {input index: dims}; sizes derived from them follow at run time, and
    the module runs at any size the model accepts. Static shapes are the
    default. Raises ExportError, naming the layer, for anything it cannot
    export exactly.

    training=True exports a training step instead (wn.export.training):
    `@forward(inputs..., targets..., parameters...) -> (loss, gradients...)`
    with the loss `loss(output, *targets)` (default: 0.5 * sum(output ** 2)
    without a target, F.mse_loss(output, target) with one), `target` an
    example target tensor (or tuple), every parameter an argument in
    model.named_parameters() order (weights="args", the default then) and
    one gradient per parameter in that order, each weight-normed layer's
    grad_v and grad_g from one wn.weight_norm_backward. The module runs in
    its current train()/eval() mode.
    """
    return export_program(module, example_input, weights, dynamic_dims,
                          training, loss, target).text
