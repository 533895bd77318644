# Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
# See the LICENSE file for license information.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Training export: a PyTorch module and a loss -> one MLIR function that
computes the loss and the gradient of every parameter.

    exported = export_program(model, x, training=True)     # wn.export
    step = compile_exported(exported, workdir)             # wn.export.compiled
    loss, *grads = step(x)   # grads: one per exported.gradients name

How (export_training_program):
- Weight norm is taken out of PyTorch's hands: each weight-normed layer's
  hook is removed while tracing and its weight `w` becomes a leaf of the
  traced function, so PyTorch differentiates the layer with respect to w
  alone. The exported function computes `w, norm = wn.weight_norm(v, g)`
  where the layer uses w and turns the traced gradient of w into
  `grad_v, grad_g = wn.weight_norm_backward(grad_w, v, g, norm)`: one op per
  weight-normed layer, whatever its dim, fed the forward's saved norm.
- The step `loss(model(inputs), targets)`, then `torch.autograd.grad` of
  the loss with respect to the leaves (w of the weight-normed layers, every
  other parameter as it is), is traced by make_fx into one ATen graph
  (forward and backward).
- Each ATen operation lowers to linalg/tensor/arith through the inference
  exporter's helpers (_Exporter: convolution, transposed_convolution,
  matmul, reduce, elementwise with its formulas, reshape, transpose), plus
  the gradients of a convolution with respect to its weight and bias.
  Anything else is an ExportError naming the ATen operation and whether
  the forward or the backward pass needs it.
"""

import contextlib
import math
import operator

import torch
import torch.nn as nn
from torch.fx.experimental.proxy_tensor import make_fx
from torch.nn.utils import parametrize
from torch.nn.utils.weight_norm import WeightNorm

from . import mlir_text
from .exporter import (Exported, Value, _Exporter, _gelu, _leaky_relu, _pow,
                       _render, _UNARY, _dims, _multiply_accumulate)
from .weightnorm import ExportError, find_weight_norm


def default_loss(output, target=None):
    """The default loss: 0.5 * sum(output ** 2) without a target (its
    gradient with respect to the output is the output), the mean squared
    error F.mse_loss(output, target) with one."""
    if target is None:
        return 0.5 * (output ** 2).sum()
    return torch.nn.functional.mse_loss(output, target)


class _WeightNormed:
    """A weight-normed parameter of a layer: the hook that computes it
    (taken out while tracing, its weight a leaf of the traced step), v, g
    and their paths in the model, and wn's dim."""

    def __init__(self, path, module, hook, found, prefix):
        self.path = path
        self.module = module
        self.hook = hook
        self.name = hook.name
        self.v_path = prefix + found.v_name
        self.g_path = prefix + found.g_name
        self.v, self.g, self.dim = found.v, found.g, found.dim


def _leaves(model: nn.Module):
    """(weight norms, plain parameters): every weight-normed parameter
    (_WeightNormed) and every other parameter as (module, name, path,
    tensor), in model.named_parameters() order of their tensors."""
    order = {id(p): i for i, (_, p) in
             enumerate(model.named_parameters())}
    norms, plain, seen = [], [], {}
    for path, m in model.named_modules():
        prefix = f"{path}." if path else ""
        if parametrize.is_parametrized(m):
            raise ExportError(
                f"layer '{path or '<root>'}' ({type(m).__name__}): "
                f"parametrizations (torch.nn.utils.parametrizations."
                f"weight_norm) are not supported by the training export "
                f"yet; use torch.nn.utils.weight_norm")
        norm_params = set()
        for hook in m._forward_pre_hooks.values():
            if isinstance(hook, WeightNorm):
                found = find_weight_norm(m, hook.name, path)
                norms.append(_WeightNormed(path, m, hook, found, prefix))
                norm_params |= {found.v_name, found.g_name}
        for name, p in m._parameters.items():
            if p is None:
                continue
            if id(p) in seen:
                raise ExportError(
                    f"parameter '{prefix + name}' is the same tensor as "
                    f"'{seen[id(p)]}': shared parameters are not supported "
                    f"by the training export")
            seen[id(p)] = prefix + name
            if name not in norm_params:
                plain.append((m, name, prefix + name, p))
    norms.sort(key=lambda n: order[id(n.v)])
    plain.sort(key=lambda e: order[id(e[3])])
    return norms, plain


@contextlib.contextmanager
def _substituted(norms, plain, values):
    """The model with `values` in place of its leaves: each weight-normed
    layer's hook removed and its weight set to the leaf, each plain
    parameter replaced; everything restored on exit."""
    saved = []
    try:
        it = iter(values)
        for n in norms:
            hooks = n.module._forward_pre_hooks
            saved.append(("hooks", n.module, dict(hooks)))
            for key in [k for k, h in hooks.items() if h is n.hook]:
                del hooks[key]
            saved.append(("dict", n.module, n.name,
                          n.module.__dict__.get(n.name)))
            n.module.__dict__[n.name] = next(it)
        for m, name, _, _ in plain:
            saved.append(("param", m, name, m._parameters[name]))
            m._parameters[name] = next(it)
        yield
    finally:
        for entry in reversed(saved):
            if entry[0] == "hooks":
                entry[1]._forward_pre_hooks.clear()
                entry[1]._forward_pre_hooks.update(entry[2])
            elif entry[0] == "dict":
                entry[1].__dict__[entry[2]] = entry[3]
            else:
                entry[1]._parameters[entry[2]] = entry[3]


def _values(graph_module, args) -> dict:
    """Every node's value when the traced graph runs on `args`."""
    values = {}

    class Recorder(torch.fx.Interpreter):
        def run_node(self, node):
            result = super().run_node(node)
            values[node] = result
            return result

    with torch.no_grad():
        Recorder(graph_module).run(*args)
    return values


def _aten_name(target) -> str:
    """aten.<op>.<overload>, as messages spell an ATen operation."""
    name = getattr(target, "__name__", str(target))
    return name if name.startswith("aten.") else f"aten.{name}"


class _TrainingExporter(_Exporter):
    """Lowers the traced ATen graph of a training step."""

    def __init__(self, root, graph, values, norms, plain, n_inputs, dtype):
        super().__init__(root, "args", dtype)
        self.graph = graph
        self.values = values
        self.norms = norms
        self.plain = plain
        self.n_inputs = n_inputs
        self.env: dict = {}
        self.input_shapes: list = []
        self.results: list[Value] = []
        self.output_shapes: list = []
        self.gradients: list[str] = []
        # weight-norm index -> (v, g, norm, dim, SSA hint)
        self.saved: dict = {}
        self.backward_from = None    # the first node of the backward pass

    def run(self, input_names) -> None:
        nodes = list(self.graph.nodes)
        placeholders = [n for n in nodes if n.op == "placeholder"]
        self.declare(placeholders, input_names)
        output = nodes[-1]
        loss_node = output.args[0][0]
        self.backward_from = nodes.index(loss_node) + 1
        for i, node in enumerate(nodes):
            if node.op == "placeholder":
                continue
            try:
                self.visit(node)
            except ExportError as error:
                phase = "backward" if i >= self.backward_from else "forward"
                raise ExportError(f"{_aten_name(node.target)} in the "
                                  f"{phase} pass: {error}") from None

    def declare(self, placeholders, input_names) -> None:
        """The function's arguments: the inputs (and targets), then every
        parameter in model.named_parameters() order; w (and its norm) of
        each weight-normed layer."""
        for node, name in zip(placeholders[:self.n_inputs], input_names):
            value = self.values[node]
            ssa = self.fresh(name)
            self.args.append(f"{ssa}: {self.type(value.shape)}")
            self.env[node] = Value(ssa, tuple(value.shape))
            self.input_shapes.append(tuple(value.shape))
        order = {id(p): i for i, (_, p) in
                 enumerate(self.root.named_parameters())}
        tensors = [(n.v_path, n.v) for n in self.norms] + \
            [(n.g_path, n.g) for n in self.norms] + \
            [(path, p) for _, _, path, p in self.plain]
        for path, tensor in sorted(tensors, key=lambda e: order[id(e[1])]):
            self.param(path, tensor)
        leaves = placeholders[self.n_inputs:]
        for i, n in enumerate(self.norms):
            v, g = self.params[n.v_path], self.params[n.g_path]
            prefix = f"{n.path}." if n.path else ""
            w, norm = self.weight_norm(v, g, n.dim, prefix + n.name,
                                       with_norm=True)
            self.env[leaves[i]] = w
            self.saved[i] = (v, g, norm, n.dim, prefix + n.name)
        for j, (_, _, path, _) in enumerate(self.plain):
            self.env[leaves[len(self.norms) + j]] = self.params[path]

    def value(self, arg):
        if isinstance(arg, (list, tuple)):
            return type(arg)(self.value(a) for a in arg) \
                if isinstance(arg, tuple) else [self.value(a) for a in arg]
        if isinstance(arg, torch.fx.Node):
            return self.env[arg]
        return arg

    def visit(self, node) -> None:
        if node.op == "output":
            self.output(node.args[0])
            return
        if node.op == "get_attr":
            tensor = self.values[node]
            self.env[node] = self.resource(self.fresh(node.target), tensor)
            return
        if node.op != "call_function":
            raise ExportError(f"unexpected graph node {node.op}")
        args = self.value(list(node.args))
        kwargs = {k: self.value(v) for k, v in node.kwargs.items()}
        if node.target is operator.getitem:
            self.env[node] = args[0][args[1]]
            return
        packet = getattr(node.target, "overloadpacket", None)
        handler = getattr(self, f"aten_{packet.__name__}", None) \
            if packet is not None else None
        if handler is None:
            raise ExportError(f"no lowering of this operation in the "
                              f"training export (supported: "
                              f"{', '.join(supported_operations())})")
        traced = self.values[node]
        shape = tuple(traced.shape) if isinstance(traced, torch.Tensor) \
            else None
        out = handler(node, args, kwargs, shape)
        outs = out if isinstance(out, tuple) else (out,)
        traced = traced if isinstance(traced, (tuple, list)) else (traced,)
        for o, t in zip(outs, traced):
            if o is not None and tuple(o.shape) != tuple(t.shape):
                raise AssertionError(f"{node.name}: exported shape "
                                     f"{o.shape}, traced {tuple(t.shape)}")
        self.env[node] = out

    def output(self, outputs) -> None:
        loss, grads = outputs[0], outputs[1:]
        loss = self.env[loss]
        if loss.shape != ():
            raise ExportError(f"the loss must be a 0-d tensor, got shape "
                              f"{list(loss.shape)}")
        by_path = {}
        for i, grad in enumerate(grads):
            if i < len(self.norms):
                v, g, norm, dim, hint = self.saved[i]
                grad_w = self.env[grad] if grad is not None else \
                    self.zeros(v.shape)
                grad_v, grad_g = self.weight_norm_backward(
                    grad_w, v, g, norm, dim, hint)
                n = self.norms[i]
                by_path[n.v_path], by_path[n.g_path] = grad_v, grad_g
            else:
                path = self.plain[i - len(self.norms)][2]
                by_path[path] = self.env[grad] if grad is not None else \
                    self.zeros(self.params[path].shape)
        self.results = [loss]
        for path, _ in self.param_args:
            self.results.append(by_path[path])
            self.gradients.append(path)
        self.output_shapes = [tuple(r.shape) for r in self.results]

    def weight_norm_backward(self, grad_w, v, g, norm, dim, hint):
        """(grad_v, grad_g) = wn.weight_norm_backward, with the forward's
        saved norm."""
        tv, tg = self.type(v.shape), self.type(g.shape)
        gv_init, gg_init = self.empty(v.shape), self.empty(g.shape)
        grad_v = Value(self.fresh(f"{hint}_grad_v"), v.shape)
        grad_g = Value(self.fresh(f"{hint}_grad_g"), g.shape)
        dim_text = "" if dim is None else f" dim({dim})"
        self.emit(f"{grad_v.ssa}, {grad_g.ssa} = wn.weight_norm_backward"
                  f"{dim_text} ins({grad_w.ssa}, {v.ssa}, {g.ssa}, "
                  f"{norm.ssa} : {tv}, {tv}, {tg}, {tg}) outs({gv_init}, "
                  f"{gg_init} : {tv}, {tg}) -> {tv}, {tg}")
        return grad_v, grad_g

    # -- ATen operations: aten_<name>(node, args, kwargs, traced shape) ----

    # A weight norm PyTorch computes itself (torch._weight_norm called by
    # the model rather than a weight_norm hook, dim 0 or the last dim): its
    # fused interface and that interface's backward map onto the wn ops.
    def aten__weight_norm_interface(self, node, args, kwargs, shape):
        v, g = args[:2]
        dim = args[2] if len(args) > 2 else kwargs.get("dim", 0)
        return self.weight_norm(v, g, _dims([dim], len(v.shape))[0],
                                node.name, with_norm=True)

    def aten__weight_norm_interface_backward(self, node, args, kwargs, shape):
        grad_w, v, g, norm, dim = args
        return self.weight_norm_backward(
            grad_w, v, g, norm, _dims([dim], len(v.shape))[0], node.name)

    def check_dtype(self, kwargs) -> None:
        dtype = kwargs.get("dtype")
        if dtype is not None and dtype != self.dtype:
            raise ExportError(f"dtype {dtype} (the step's type is "
                              f"{self.dtype})")

    def binary(self, node, args, kwargs, shape, opname):
        alpha = kwargs.pop("alpha", 1)
        if kwargs.pop("rounding_mode", None) is not None:
            raise ExportError("rounding_mode is not supported")
        if kwargs:
            raise ExportError(f"unsupported arguments {sorted(kwargs)}")
        for operand in args[:2]:
            if not isinstance(operand, (Value, int, float)) or \
                    isinstance(operand, bool):
                raise ExportError(f"operand of type "
                                  f"{type(operand).__name__}")

        def fn(b, s):
            rhs = s[1] if alpha == 1 else b.f("arith.mulf", s[1],
                                              b.const(alpha))
            return b.f(opname, s[0], rhs)

        return self.elementwise(node.name, list(args[:2]), shape, fn)

    def aten_add(self, node, args, kwargs, shape):
        return self.binary(node, args, kwargs, shape, "arith.addf")

    def aten_sub(self, node, args, kwargs, shape):
        return self.binary(node, args, kwargs, shape, "arith.subf")

    def aten_mul(self, node, args, kwargs, shape):
        return self.binary(node, args, kwargs, shape, "arith.mulf")

    def aten_div(self, node, args, kwargs, shape):
        return self.binary(node, args, kwargs, shape, "arith.divf")

    def aten_pow(self, node, args, kwargs, shape):
        if not isinstance(args[0], Value) or isinstance(args[1], Value):
            raise ExportError("only tensor ** number is supported")
        exponent = args[1]
        return self.elementwise(node.name, [args[0], exponent], shape,
                                lambda b, s: _pow(b, s, exponent))

    def unary(self, node, args, name):
        return self.elementwise(node.name, [args[0]], args[0].shape,
                                _UNARY[name])

    def aten_neg(self, node, args, kwargs, shape):
        return self.unary(node, args, "neg")

    def aten_relu(self, node, args, kwargs, shape):
        return self.unary(node, args, "relu")

    def aten_tanh(self, node, args, kwargs, shape):
        return self.unary(node, args, "tanh")

    def aten_sigmoid(self, node, args, kwargs, shape):
        return self.unary(node, args, "sigmoid")

    def aten_exp(self, node, args, kwargs, shape):
        return self.unary(node, args, "exp")

    def aten_leaky_relu(self, node, args, kwargs, shape):
        slope = args[1] if len(args) > 1 else 0.01
        return self.elementwise(node.name, [args[0]], shape,
                                _leaky_relu(slope))

    def aten_gelu(self, node, args, kwargs, shape):
        return self.elementwise(node.name, [args[0]], shape,
                                _gelu(kwargs.get("approximate", "none")))

    def aten_leaky_relu_backward(self, node, args, kwargs, shape):
        # PyTorch: self > 0 ? grad : grad * negative_slope
        grad, x, slope = args[0], args[1], args[2]

        def fn(b, s):
            positive = b.op(f"arith.cmpf ogt, {s[1]}, {b.const(0.0)} : "
                            f"{self.elem}", "positive")
            scaled = b.f("arith.mulf", s[0], b.const(slope))
            return b.op(f"arith.select {positive}, {s[0]}, {scaled} : "
                        f"{self.elem}", "t")

        return self.elementwise(node.name, [grad, x], shape, fn)

    def aten_threshold_backward(self, node, args, kwargs, shape):
        # PyTorch: self <= threshold ? 0 : grad
        grad, x, threshold = args[0], args[1], args[2]

        def fn(b, s):
            below = b.op(f"arith.cmpf ule, {s[1]}, {b.const(threshold)} : "
                         f"{self.elem}", "below")
            return b.op(f"arith.select {below}, {b.const(0.0)}, {s[0]} : "
                        f"{self.elem}", "t")

        return self.elementwise(node.name, [grad, x], shape, fn)

    def aten_tanh_backward(self, node, args, kwargs, shape):
        # grad * (1 - y * y)
        return self.elementwise(node.name, args[:2], shape, lambda b, s: b.f(
            "arith.mulf", s[0], b.f("arith.subf", b.const(1.0),
                                    b.f("arith.mulf", s[1], s[1]))))

    def aten_sigmoid_backward(self, node, args, kwargs, shape):
        # grad * (1 - y) * y
        return self.elementwise(node.name, args[:2], shape, lambda b, s: b.f(
            "arith.mulf", b.f("arith.mulf", s[0], b.f(
                "arith.subf", b.const(1.0), s[1])), s[1]))

    def aten_sum(self, node, args, kwargs, shape):
        self.check_dtype(kwargs)
        dims = args[1] if len(args) > 1 and not isinstance(
            args[1], torch.dtype) else ()
        keepdim = args[2] if len(args) > 2 else kwargs.get("keepdim", False)
        return self.reduce(args[0], dims or (), keepdim, "sum", node.name)

    def aten_mean(self, node, args, kwargs, shape):
        self.check_dtype(kwargs)
        dims = args[1] if len(args) > 1 and not isinstance(
            args[1], torch.dtype) else ()
        keepdim = args[2] if len(args) > 2 else kwargs.get("keepdim", False)
        return self.mean(args[0], dims or (), keepdim, node.name)

    def aten_mse_loss(self, node, args, kwargs, shape):
        a, b_ = args[0], args[1]
        reduction = args[2] if len(args) > 2 else kwargs.get("reduction", 1)
        squares = self.elementwise(node.name, [a, b_], a.shape,
                                   lambda b, s: _square_difference(b, s))
        if reduction == 0:
            return squares
        if reduction == 1:
            return self.mean(squares, (), False, node.name)
        return self.reduce(squares, (), False, "sum", node.name)

    def aten_mse_loss_backward(self, node, args, kwargs, shape):
        # grad * (2 / N if mean else 2) * (a - b)
        grad, a, b_, reduction = args[:4]
        factor = 2.0 / max(math.prod(a.shape), 1) if reduction == 1 \
            else 2.0
        return self.elementwise(node.name, [grad, a, b_], shape, lambda b, s:
                                b.f("arith.mulf", b.f(
                                    "arith.mulf", s[0], b.const(factor)),
                                    b.f("arith.subf", s[1], s[2])))

    def like(self, args, kwargs, value):
        self.check_dtype(kwargs)
        return self.full(args[0].shape, value)

    def aten_ones_like(self, node, args, kwargs, shape):
        return self.like(args, kwargs, 1.0)

    def aten_zeros_like(self, node, args, kwargs, shape):
        return self.like(args, kwargs, 0.0)

    def aten_expand(self, node, args, kwargs, shape):
        x = args[0]
        rank = len(shape)
        lead = rank - len(x.shape)
        results = ["0" if n == 1 and shape[lead + i] != 1 else f"d{lead + i}"
                   for i, n in enumerate(x.shape)]
        init = Value(self.empty(shape), shape)
        return self.generic(node.name, [x], [
            mlir_text.affine_map(rank, results),
            mlir_text.identity_map(rank)], init, ["parallel"] * rank,
            lambda b, a, out: a[0])

    def identity(self, node, args, kwargs, shape):
        return args[0]

    aten_clone = aten_detach = aten_alias = aten_lift_fresh_copy = identity

    def reshape_to(self, node, args, kwargs, shape):
        return self.reshape(args[0], shape, node.name)

    aten_view = aten__unsafe_view = aten__reshape_alias = aten_reshape = \
        aten_squeeze = aten_unsqueeze = reshape_to

    def aten_t(self, node, args, kwargs, shape):
        rank = len(args[0].shape)
        return self.transpose(args[0], [1, 0] if rank == 2 else
                              list(range(rank)), node.name)

    def aten_transpose(self, node, args, kwargs, shape):
        x = args[0]
        perm = list(range(len(x.shape)))
        a, b_ = _dims([args[1], args[2]], len(x.shape))
        perm[a], perm[b_] = perm[b_], perm[a]
        return self.transpose(x, perm, node.name)

    def aten_permute(self, node, args, kwargs, shape):
        return self.transpose(args[0], _dims(args[1], len(args[0].shape)),
                              node.name)

    def aten_mm(self, node, args, kwargs, shape):
        return self.matmul(args[0], args[1], node.name)

    aten_bmm = aten_mm

    def aten_addmm(self, node, args, kwargs, shape):
        if kwargs.get("beta", 1) != 1 or kwargs.get("alpha", 1) != 1:
            raise ExportError("addmm with beta or alpha other than 1")
        product = self.matmul(args[1], args[2], node.name)
        return self.elementwise(node.name, [product, args[0]], shape,
                                lambda b, s: b.f("arith.addf", *s))

    def aten_convolution(self, node, args, kwargs, shape):
        x, w, bias, stride, padding, dilation, transposed, output_padding, \
            groups = args
        nd = len(w.shape) - 2
        if transposed:
            if nd != 1:
                raise ExportError("only 1-D transposed convolutions are "
                                  "supported")
            return self.transposed_convolution(
                x, w, bias, stride[0], dilation[0], padding[0],
                output_padding[0], groups, node.name)
        return self.convolution(x, w.shape[0], w.shape[2:], stride,
                                padding, padding, dilation, groups,
                                lambda: (w, bias), node.name)

    def aten_convolution_backward(self, node, args, kwargs, shape):
        grad, x, w, _, stride, padding, dilation, transposed, _, groups, \
            mask = args
        if transposed:
            raise ExportError("the gradient of a transposed convolution "
                              "(ConvTranspose) is not supported yet")
        if len(w.shape) != 3:
            raise ExportError("only the gradients of 1-D convolutions are "
                              "supported")
        hint = node.name
        grad_input = grad_weight = grad_bias = None
        if mask[0]:
            (s,), (p,), (d,) = stride, padding, dilation
            K, L = w.shape[2], x.shape[2]
            output_padding = L - ((grad.shape[2] - 1) * s - 2 * p +
                                  d * (K - 1) + 1)
            grad_input = self.transposed_convolution(
                grad, w, None, s, d, p, output_padding, groups,
                f"{hint}_input")
        if mask[1]:
            grad_weight = self.convolution_weight_gradient(
                grad, x, w.shape, stride, padding, dilation, groups,
                f"{hint}_weight")
        if mask[2]:
            grad_bias = self.reduce(grad, [0, 2], False, "sum",
                                    f"{hint}_bias")
        return grad_input, grad_weight, grad_bias

    def convolution_weight_gradient(self, grad, x, w_shape, stride, padding,
                                    dilation, groups, hint) -> Value:
        """grad_w[f, c, k] = sum_{n, o} grad[n, f, o] *
        xp[n, (f floordiv F/G) * C/G + c, o*s + k*d], xp the zero-padded
        input: loops (f, c, k, n, o)."""
        (s,), (p,), (d,) = stride, padding, dilation
        xp = self.pad(x, [0, 0, p], [0, 0, p])
        Fo = w_shape[0] // groups
        Cg = w_shape[1]
        channel = "d1" if groups == 1 else f"(d0 floordiv {Fo}) * {Cg} + d1"
        tap = f"{'d4' if s == 1 else f'd4 * {s}'} + " \
              f"{'d2' if d == 1 else f'd2 * {d}'}"
        maps = [mlir_text.affine_map(5, ["d3", "d0", "d4"]),
                mlir_text.affine_map(5, ["d3", channel, tap]),
                mlir_text.affine_map(5, ["d0", "d1", "d2"])]
        acc = self.zeros(tuple(w_shape), "acc")
        return self.generic(hint, [grad, xp], maps, acc,
                            ["parallel"] * 3 + ["reduction"] * 2,
                            _multiply_accumulate)


def _square_difference(b, s):
    difference = b.f("arith.subf", s[0], s[1])
    return b.f("arith.mulf", difference, difference)


def supported_operations() -> list[str]:
    """The ATen operations the training export lowers."""
    return sorted(name[len("aten_"):] for name in dir(_TrainingExporter)
                  if name.startswith("aten_"))


def export_training_program(module: nn.Module, inputs, targets, loss,
                            dtype: torch.dtype) -> Exported:
    """The training step of `module` (see export_program, training=True):
    @forward(inputs..., targets..., parameters...) -> (loss, the gradient
    of each parameter)."""
    loss = loss or default_loss
    # make_fx gives one tensor passed twice one placeholder (the last): an
    # input that is also the target (an autoencoder's) would be read from
    # the target's argument. Copies keep every argument its own.
    inputs = tuple(t.detach().clone() for t in inputs)
    targets = tuple(t.detach().clone() for t in targets)
    norms, plain = _leaves(module)
    leaves = [n.hook.compute_weight(n.module).detach().requires_grad_()
              for n in norms] + \
        [p.detach().requires_grad_() for _, _, _, p in plain]
    n_inputs = len(inputs) + len(targets)

    def step(*args):
        xs, ts = args[:len(inputs)], args[len(inputs):n_inputs]
        params = args[n_inputs:]
        with _substituted(norms, plain, params):
            out = module(*xs)
        value = loss(out, *ts)
        if not isinstance(value, torch.Tensor) or value.dim() != 0:
            raise ExportError(f"the loss must return a 0-d tensor, got "
                              f"{_describe(value)}")
        if not params or not value.requires_grad:  # gradients all zero
            return (value, *([None] * len(params)))
        grads = torch.autograd.grad(value, params, allow_unused=True)
        return (value, *grads)

    args = (*inputs, *targets, *leaves)
    try:
        graph_module = make_fx(step)(*args)
    except ExportError:
        raise
    except Exception as error:  # tracing runs the model's and loss's code
        raise ExportError(f"tracing the training step of "
                          f"{type(module).__name__} with make_fx failed: "
                          f"{type(error).__name__}: {error}") from error
    values = _values(graph_module, args)
    ex = _TrainingExporter(module, graph_module.graph, values, norms, plain,
                           n_inputs, dtype)
    names = [f"input{i}" if len(inputs) > 1 else "input"
             for i in range(len(inputs))] + \
        [f"target{i}" if len(targets) > 1 else "target"
         for i in range(len(targets))]
    ex.run(names)
    return Exported(_render(ex), ex.param_args, ex.input_shapes,
                    ex.output_shapes, dtype,
                    tuple(range(len(ex.results))), gradients=ex.gradients)


def _describe(value) -> str:
    if isinstance(value, torch.Tensor):
        return f"a tensor of shape {list(value.shape)}"
    return f"a {type(value).__name__}"
