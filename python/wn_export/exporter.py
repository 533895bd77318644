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
"""

import math
import operator
from dataclasses import dataclass, field

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.weight_norm import WeightNorm

from . import mlir
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
                       f"{mlir.float_literal(float(x), self.ex.elem)} : "
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
        self.elem = mlir.ELEMENT_TYPES[dtype]
        self.names = mlir.Names()
        self.lines: list[str] = []
        self.args: list[str] = []          # "%name: type"
        self.param_args: list = []         # (path, tensor)
        self.resources: list = []          # (key, tensor)
        self.params: dict[str, Value] = {}
        self.module_weights: dict[tuple, Value | None] = {}
        self.constants: dict[str, str] = {}

    # -- basics -------------------------------------------------------------

    def fresh(self, hint: str) -> str:
        return "%" + self.names.fresh(hint)

    def type(self, shape) -> str:
        return mlir.tensor_type(shape, self.elem)

    def emit(self, line: str) -> None:
        self.lines.append(line)

    def const(self, x: float) -> str:
        literal = mlir.float_literal(float(x), self.elem)
        if literal not in self.constants:
            name = self.fresh("cst")
            self.emit(f"{name} = arith.constant {literal} : {self.elem}")
            self.constants[literal] = name
        return self.constants[literal]

    def empty(self, shape, hint="empty") -> str:
        name = self.fresh(hint)
        self.emit(f"{name} = tensor.empty() : {self.type(shape)}")
        return name

    def zeros(self, shape, hint="zeros") -> Value:
        zero = self.const(0.0)
        init = self.empty(shape)
        name = self.fresh(hint)
        t = self.type(shape)
        self.emit(f"{name} = linalg.fill ins({zero} : {self.elem}) "
                  f"outs({init} : {t}) -> {t}")
        return Value(name, tuple(shape))

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
            key = name[1:]
            self.resources.append((key, tensor.detach()))
            self.emit(f"{name} = arith.constant dense_resource<{key}> : "
                      f"{self.type(shape)}")
        value = Value(name, shape)
        self.params[path] = value
        return value

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
            init = self.empty(v.shape)
            value = Value(self.fresh(prefix + name), v.shape)
            dim = "" if wn.dim is None else f" dim({wn.dim})"
            tv, tg = self.type(v.shape), self.type(g.shape)
            self.emit(f"{value.ssa} = wn.weight_norm{dim} ins({v.ssa}, "
                      f"{g.ssa} : {tv}, {tg}) outs({init} : {tv}) -> {tv}")
        self.module_weights[key] = value
        return value

    # -- shapes -------------------------------------------------------------

    def reshape(self, x: Value, shape, hint="reshape") -> Value:
        """x viewed with `shape` (same element count): collapse to 1-D, then
        expand (the canonicalizer folds the pair where it can)."""
        shape = tuple(shape)
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
            dims = ", ".join(map(str, shape))
            self.emit(f"{name} = tensor.expand_shape {x.ssa} [[{group}]] "
                      f"output_shape [{dims}] : {self.type(flat)} into "
                      f"{self.type(shape)}")
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
                      f"output_shape [{', '.join(map(str, shape))}] : "
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
                  f"[{', '.join(map(str, offsets))}] "
                  f"[{', '.join(map(str, sizes))}] "
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
        if not any(low) and not any(high):
            return x
        shape = tuple(n + a + b for n, a, b in zip(x.shape, low, high))
        fill = self.const(value)
        name = self.fresh(hint)
        idx = ", ".join(f"{self.fresh('i')}: index" for _ in x.shape)
        self.emit(f"{name} = tensor.pad {x.ssa} low[{', '.join(map(str, low))}]"
                  f" high[{', '.join(map(str, high))}] {{\n"
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
        scalars; `fn(b, scalars)` gets one SSA scalar per operand."""
        shape = tuple(shape)
        rank = len(shape)
        tensors = [o for o in operands if isinstance(o, Value)]
        maps = []
        for t in tensors:
            lead = rank - len(t.shape)
            results = ["0" if n == 1 and shape[lead + i] != 1 else
                       f"d{lead + i}" for i, n in enumerate(t.shape)]
            maps.append(mlir.affine_map(rank, results))
        maps.append(mlir.identity_map(rank))
        init = Value(self.empty(shape), shape)

        def body(b, args, out):
            it = iter(args)
            scalars = [next(it) if isinstance(o, Value) else b.const(o)
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

    # -- layers -------------------------------------------------------------

    def conv(self, path, m, x: Value, out_shape) -> Value:
        nd = len(m.kernel_size)
        _check_zero_padding(m)
        if len(x.shape) != nd + 2:
            raise ExportError(f"expects a batched input of rank {nd + 2}, "
                              f"got shape {list(x.shape)}")
        pads = m._reversed_padding_repeated_twice
        low = [0, 0] + [pads[2 * (nd - 1 - i)] for i in range(nd)]
        high = [0, 0] + [pads[2 * (nd - 1 - i) + 1] for i in range(nd)]
        # A stride s > 1 along the last dim: the input is split into its s
        # phases, xt[.., r, j] = x[.., j*s + r] ([.., s, J], padded to J*s),
        # so that tap k of output o reads xt[.., (k*d) mod s, o + (k*d)
        # floordiv s]: contiguous along the output positions, which the CPU
        # pipeline's kernels need (a stride-s read is not).
        phases = m.stride[-1]
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
        w = self.module_param(path, m, "weight")
        bias = self.module_param(path, m, "bias")
        acc = self.accumulator(out_shape, bias, 1)
        # Loops (n, [g,] f, c, k_1..k_nd, o_1..o_nd): the output positions
        # innermost, so that the innermost loop walks the output and the
        # input contiguously (stride 1) with the weight invariant, and the
        # CPU pipeline's loops vectorize (a reduction innermost would not,
        # without reassociation). Groups: the input viewed as
        # [N, G, C/G, L..] and the output as [N, G, F, O..]; w is read at
        # (g * F + f, c, k..).
        G = m.groups
        N, C = x.shape[0], x.shape[1]
        O = out_shape[1]
        Fo, Cg = O // G, C // G
        lead = ["d0", "d1", "d2"] if G > 1 else ["d0", "d1"]
        c = f"d{len(lead)}"
        k = [f"d{len(lead) + 1 + i}" for i in range(nd)]
        o = [f"d{len(lead) + 1 + nd + i}" for i in range(nd)]
        loops = len(lead) + 1 + 2 * nd
        taps = [f"{_scaled(o[i], m.stride[i])} + {_scaled(k[i], m.dilation[i])}"
                for i in range(nd)]
        if phases > 1:
            tap = _scaled(k[-1], m.dilation[-1])
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
        maps = [mlir.affine_map(loops, r) for r in (x_map, w_map, out_map)]
        iters = ["parallel"] * len(lead) + ["reduction"] * (1 + nd) + \
            ["parallel"] * nd
        y = self.generic(path or "conv", [x, w], maps, acc, iters,
                         _multiply_accumulate)
        if G > 1:
            y = self.regroup(y, groups_out, y.shape, False, "conv_out")
        return y

    def conv_transpose(self, path, m, x: Value, out_shape) -> Value:
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
        (K,), (s,), (d,), (p,) = m.kernel_size, m.stride, m.dilation, \
            m.padding
        N, C, L = x.shape
        Lout = out_shape[2]
        G = m.groups
        O = out_shape[1]
        Fo, Cg = O // G, C // G
        w = self.module_param(path, m, "weight")
        bias = self.module_param(path, m, "bias")
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
            maps = [mlir.affine_map(7, r) for r in (x_map, w_map, out_map)]
            iters = ["parallel"] * 4 + ["reduction"] * 2 + ["parallel"]
            y = self.generic(path or "conv_transpose", [xg, w4], maps, accg,
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
            mlir.affine_map(4, ["d0", "d1", "d2"]), mlir.identity_map(4)],
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
        maps = [mlir.affine_map(6, r) for r in (x_map, w_map, out_map)]
        iters = ["parallel"] * 3 + ["reduction"] * 2 + ["parallel"]
        y = self.generic(path or "conv_transpose", [xg, w], maps, accg, iters,
                         _multiply_accumulate)
        return self.regroup(y, groups_x, y.shape, False, "conv_out")

    def linear(self, path, m, x: Value, out_shape) -> Value:
        w = self.module_param(path, m, "weight")
        bias = self.module_param(path, m, "bias")
        K = x.shape[-1] if x.shape else 0
        M = math.prod(x.shape[:-1])
        O = w.shape[0]
        x2 = self.reshape(x, (M, K), "rows")
        acc = self.accumulator((M, O), bias, 1)
        name = self.fresh(path or "linear")
        t = self.type((M, O))
        maps = [mlir.affine_map(3, r) for r in
                (["d0", "d2"], ["d1", "d2"], ["d0", "d1"])]
        self.emit(f"{name} = linalg.matmul indexing_maps = [{', '.join(maps)}]"
                  f" ins({x2.ssa}, {w.ssa} : {self.type(x2.shape)}, "
                  f"{self.type(w.shape)}) outs({acc.ssa} : {t}) -> {t}")
        return self.reshape(Value(name, (M, O)), out_shape, "linear_out")


def _check_zero_padding(m: nn.Module) -> None:
    if m.padding_mode != "zeros":
        raise ExportError(f"padding_mode '{m.padding_mode}' is not "
                          f"supported (only 'zeros')")


def _scaled(dim: str, factor: int) -> str:
    return dim if factor == 1 else f"{dim} * {factor}"


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

_BINARY = {
    "add": "arith.addf", "sub": "arith.subf", "mul": "arith.mulf",
    "div": "arith.divf",
}

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
    torch.reshape: "reshape", torch.flatten: "reshape",
    torch.squeeze: "reshape", torch.unsqueeze: "reshape",
    torch.transpose: "transpose", torch.permute: "permute",
    torch.t: "transpose", operator.getitem: "getitem", F.pad: "pad",
}

_METHODS = {name: name for name in
            ("add", "sub", "mul", "div", "neg", "pow", "relu", "tanh",
             "sigmoid", "sin", "cos", "exp", "log", "sqrt", "rsqrt", "abs",
             "reciprocal", "transpose", "permute")}
_METHODS.update({"view": "reshape", "reshape": "reshape",
                 "flatten": "reshape", "squeeze": "reshape",
                 "unsqueeze": "reshape", "view_as": "reshape",
                 "reshape_as": "reshape", "t": "transpose",
                 "contiguous": "identity", "clone": "identity",
                 "detach": "identity"})

_ACTIVATION_MODULES = {nn.ReLU: "relu", nn.Tanh: "tanh",
                       nn.Sigmoid: "sigmoid"}


class _GraphExporter(_Exporter):
    """Walks the traced graph, one handler per node."""

    def __init__(self, root, graph, tracer, weights, dtype, strip=""):
        super().__init__(root, weights, dtype)
        self.strip = strip
        self.graph = graph
        self.tracer = tracer
        self.env: dict = {}
        self.input_shapes: list[tuple] = []
        self.results: list[Value] = []

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
        Python value."""
        if isinstance(arg, torch.fx.Node):
            if arg not in self.env:
                raise ExportError(f"operand '{arg.name}' is not a tensor the "
                                  f"exporter knows")
            return self.env[arg]
        return arg

    def visit(self, node) -> None:
        if node.op == "placeholder":
            value = self.tracer.value_of(node)
            if not isinstance(value, torch.Tensor) and not node.users:
                return  # a forward() default traced as a constant
            self.check_tensor(value, f"input '{node.target}'")
            name = self.fresh(node.target)
            self.args.append(f"{name}: {self.type(value.shape)}")
            self.env[node] = Value(name, tuple(value.shape))
            self.input_shapes.append(tuple(value.shape))
        elif node.op == "get_attr":
            value = self.tracer.value_of(node)
            if not isinstance(value, torch.Tensor):
                raise ExportError(f"attribute '{node.target}' is a "
                                  f"{type(value).__name__}, not a tensor")
            self.env[node] = self.param(self.path(node.target), value)
        elif node.op == "output":
            outputs = node.args[0]
            outputs = list(outputs) if isinstance(outputs, (tuple, list)) \
                else [outputs]
            for o in outputs:
                v = self.value(o)
                if not isinstance(v, Value):
                    raise ExportError("forward() must return a tensor or a "
                                      "tuple of tensors")
                self.results.append(v)
        else:
            result = self.tracer.value_of(node)
            if not isinstance(result, torch.Tensor):
                raise ExportError(f"produces a {type(result).__name__}, not "
                                  f"a tensor")
            self.check_tensor(result, "the result")
            shape = tuple(result.shape)
            if node.op == "call_module":
                out = self.visit_module(node, shape)
            else:
                out = self.visit_function(node, shape)
            if out.shape != shape:
                raise AssertionError(f"{node.name}: exported shape "
                                     f"{out.shape}, traced {shape}")
            self.env[node] = out

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
            return self.conv(path, m, x, shape)
        if isinstance(m, nn.ConvTranspose1d):
            return self.conv_transpose(path, m, x, shape)
        if isinstance(m, nn.Linear):
            return self.linear(path, m, x, shape)
        if isinstance(m, nn.LeakyReLU):
            return self.elementwise(path, [x], shape,
                                    _leaky_relu(m.negative_slope))
        if isinstance(m, nn.GELU):
            return self.elementwise(path, [x], shape, _gelu(m.approximate))
        for cls, name in _ACTIVATION_MODULES.items():
            if isinstance(m, cls):
                return self.elementwise(path, [x], shape, _UNARY[name])
        if isinstance(m, nn.Identity) or (
                isinstance(m, nn.Dropout) and not m.training):
            return x
        if isinstance(m, nn.Dropout):
            raise ExportError("dropout in training mode is not supported; "
                              "call model.eval() first")
        raise ExportError(f"unsupported layer type {_type_name(m)}; "
                          f"supported: Conv1d, Conv2d, ConvTranspose1d, "
                          f"Linear, LeakyReLU, ReLU, Tanh, Sigmoid, GELU, "
                          f"Identity, Dropout (eval)")

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
        extra = set(kwargs) - {"inplace"}
        if len(args) != 1 or extra:
            raise ExportError(f"unsupported arguments {sorted(extra)}"
                              if extra else "expects one tensor argument")
        return self.elementwise(hint, args, shape, _UNARY[kind])

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
        offsets, sizes, strides = [], [], []
        dim = 0
        for i in expanded:
            if i is None:
                continue
            n = x.shape[dim]
            if isinstance(i, int):
                offsets.append(i % n if n else 0)
                sizes.append(1)
                strides.append(1)
            elif isinstance(i, slice):
                start, stop, step = i.indices(n)
                if step <= 0:
                    raise ExportError("slices with a non-positive step are "
                                      "not supported")
                offsets.append(start)
                sizes.append(max(0, (stop - start + step - 1) // step))
                strides.append(step)
            else:
                raise ExportError(f"index of type {type(i).__name__} is not "
                                  f"supported")
            dim += 1
        offsets += [0] * (len(x.shape) - dim)
        sizes += list(x.shape[dim:])
        strides += [1] * (len(x.shape) - dim)
        if tuple(sizes) != x.shape or any(offsets) or any(s != 1
                                                         for s in strides):
            x = self.slice(x, offsets, sizes, strides, hint)
        return self.reshape(x, shape, hint)

    def visit_pad(self, node, args, kwargs) -> Value:
        x = args[0]
        pads = list(args[1] if len(args) > 1 else kwargs["pad"])
        mode = args[2] if len(args) > 2 else kwargs.get("mode", "constant")
        value = args[3] if len(args) > 3 else kwargs.get("value", 0.0)
        if mode != "constant":
            raise ExportError(f"pad mode {mode!r} is not supported (only "
                              f"'constant')")
        if any(p < 0 for p in pads):
            raise ExportError("negative padding is not supported")
        rank = len(x.shape)
        low, high = [0] * rank, [0] * rank
        for i in range(len(pads) // 2):
            low[rank - 1 - i], high[rank - 1 - i] = pads[2 * i], \
                pads[2 * i + 1]
        return self.pad(x, low, high, value or 0.0, node.name)


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
        blobs = [f'      {key}: "{mlir.resource_blob(t)}"'
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


def export_program(module: nn.Module, example_input,
                   weights: str = "constants") -> Exported:
    """Like export(), with what the caller needs to run the result: the
    parameters @forward takes after its inputs (weights="args") and the
    input and output shapes."""
    if weights not in WEIGHTS:
        raise ExportError(f"weights must be one of {WEIGHTS}, not "
                          f"{weights!r}")
    inputs = example_input if isinstance(example_input, (tuple, list)) \
        else (example_input,)
    if not inputs or not all(isinstance(t, torch.Tensor) for t in inputs):
        raise ExportError("example_input must be a tensor or a tuple of "
                          "tensors")
    dtype = inputs[0].dtype
    if dtype not in mlir.ELEMENT_TYPES:
        raise ExportError(f"input dtype {dtype} is not supported (float32 "
                          f"or float64)")
    for name, tensor in list(module.named_parameters()) + list(
            module.named_buffers()):
        if tensor.is_floating_point() and tensor.dtype != dtype:
            raise ExportError(f"parameter '{name}' is {tensor.dtype}, but the "
                              f"input is {dtype}; convert the model with "
                              f".to({dtype}) or the input")
    was_training = module.training
    module.eval()
    try:
        try:
            _check_weight_norm_on_leaves(module)
            graph, tracer, root, wrapped = trace(module, tuple(inputs))
        except ExportError:
            raise
        except Exception as error:  # tracing runs user code
            raise ExportError(f"tracing {type(module).__name__} with "
                              f"torch.fx failed: {type(error).__name__}: "
                              f"{error}") from error
        ex = _GraphExporter(root, graph, tracer, weights, dtype,
                            ROOT_PREFIX if wrapped else "")
        ex.run()
    finally:
        module.train(was_training)
    return Exported(_render(ex), ex.param_args, ex.input_shapes,
                    [r.shape for r in ex.results], dtype)


def export(module: nn.Module, example_input,
           weights: str = "constants") -> str:
    """The MLIR module text of `module` traced on `example_input`.

    Its entry is `func.func @forward`, taking the input tensor(s) (then,
    with weights="args", every parameter in first-use order; see
    export_program) and returning the output tensor. With
    weights="constants" the parameters are dense_resource constants. Raises
    ExportError, naming the layer, for anything it cannot export exactly.
    """
    return export_program(module, example_input, weights).text
