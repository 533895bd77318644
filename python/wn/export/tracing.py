# Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
# See the LICENSE file for license information.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""torch.fx tracing with concrete values.

`trace(module, inputs)` runs torch.fx's symbolic tracer, but every proxy also
carries the real value of its node, computed from the example inputs as the
graph is recorded (node.meta["value"]). Shapes are therefore plain integers
while tracing: `x.shape[-1]`, `x.size(1)` and Python control flow on them
(DAC's `if pad > 0:`) work as in eager mode, and every node's shape and dtype
is known to the exporter. Standard torch.nn modules stay leaves
(call_module nodes), so a weight-normed Conv1d arrives as one node whose
module still has its weight_g/weight_v (or parametrizations).
"""

import inspect
import os

import torch
import torch.fx as fx
from torch.fx.node import map_arg


class ConcreteProxy(fx.Proxy):
    """A proxy that answers shape queries from its node's traced value."""

    @property
    def _value(self):
        return self.node.meta.get("value")

    @property
    def shape(self):
        return self._value.shape

    def size(self, dim=None):
        return self._value.size() if dim is None else self._value.size(dim)

    def dim(self):
        return self._value.dim()

    @property
    def ndim(self):
        return self._value.dim()

    def numel(self):
        return self._value.numel()

    @property
    def dtype(self):
        return self._value.dtype

    def __len__(self):
        return len(self._value)


# torch.fx patches nn.Module.__call__ and __getattr__ while it traces (calls
# become call_module nodes, parameters get_attr proxies); evaluating a leaf
# module on real tensors needs the originals back for the call.
_MODULE_CALL = torch.nn.Module.__call__
_MODULE_GETATTR = torch.nn.Module.__getattr__

_TORCH_DIR = os.path.dirname(torch.__file__) + os.sep
# The wn package: the exporter's frames are not the model's.
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) \
    + os.sep


def _call_unpatched(module, args, kwargs):
    patched = torch.nn.Module.__call__, torch.nn.Module.__getattr__
    torch.nn.Module.__call__ = _MODULE_CALL
    torch.nn.Module.__getattr__ = _MODULE_GETATTR
    try:
        return module(*args, **kwargs)
    finally:
        torch.nn.Module.__call__, torch.nn.Module.__getattr__ = patched


def _clone(value):
    return value.clone() if isinstance(value, torch.Tensor) else value


class ConcreteTracer(fx.Tracer):
    """Records the graph and evaluates each node on the example inputs.

    Arguments are cloned before each evaluation, so an in-place operation
    cannot change the recorded value of an earlier node.
    """

    def __init__(self, inputs):
        super().__init__()
        self.record_stack_traces = True
        self._inputs = list(inputs)
        self._placeholders = 0
        self._module_stack: list[tuple[str, type]] = []

    def _find_user_frame(self):
        """The innermost frame outside torch and the wn package: the model's
        code that made the node (for error messages). Overrides torch.fx's
        TracerBase._find_user_frame, which create_proxy calls to record
        node.stack_trace (record_stack_traces) and which would stop at this
        package's frames."""
        frame = inspect.currentframe()
        while frame:
            filename = frame.f_code.co_filename
            if not (filename.startswith(_TORCH_DIR) or
                    filename.startswith(_PACKAGE_DIR)):
                return frame
            frame = frame.f_back
        return None

    def proxy(self, node):
        return ConcreteProxy(node, self)

    def call_module(self, m, forward, args, kwargs):
        self._module_stack.append((self.path_of_module(m), type(m)))
        try:
            return super().call_module(m, forward, args, kwargs)
        finally:
            self._module_stack.pop()

    def create_proxy(self, kind, target, args, kwargs, name=None,
                     type_expr=None, proxy_factory_fn=None):
        proxy = super().create_proxy(kind, target, args, kwargs, name,
                                     type_expr, proxy_factory_fn)
        node = proxy.node
        node.meta["module_stack"] = list(self._module_stack)
        node.meta["value"] = self._evaluate(node)
        return proxy

    def value_of(self, node):
        if "value" not in node.meta:
            # get_attr nodes that create_arg made for tensor constants.
            node.meta["value"] = self._evaluate(node)
        return node.meta["value"]

    def _evaluate(self, node):
        load = lambda a: map_arg(a, lambda n: _clone(self.value_of(n)))
        if node.op == "placeholder" and self._placeholders >= len(
                self._inputs) and node.args:
            # A forward() parameter past the inputs, traced with its default
            # (concrete_args): fx names its placeholder "<name>_<n>", records
            # the default as the node's argument and checks it with
            # _assert_is_none or torch._assert nodes.
            node.meta["concrete_arg"] = True
            return node.args[0]
        if node.op == "placeholder":
            index = self._placeholders
            self._placeholders += 1
            if index >= len(self._inputs):
                raise TypeError(f"forward() takes more inputs than the "
                                f"{len(self._inputs)} example input(s) given")
            return self._inputs[index]
        if node.op == "get_attr":
            value = self.root
            for part in node.target.split("."):
                if isinstance(value, torch.nn.Module) and \
                        part not in value.__dict__:
                    value = _MODULE_GETATTR(value, part)  # not fx's patch
                else:
                    value = getattr(value, part)
            return value
        args, kwargs = load(node.args), load(node.kwargs)
        with torch.no_grad():
            if node.op == "call_function":
                return node.target(*args, **kwargs)
            if node.op == "call_method":
                return getattr(args[0], node.target)(*args[1:], **kwargs)
            if node.op == "call_module":
                return _call_unpatched(self.root.get_submodule(node.target),
                                       args, kwargs)
        return None


class _Root(torch.nn.Module):
    """Wraps a root that is itself a leaf module (a bare weight-normed
    Conv1d): fx traces the root's forward() without its hooks, so the
    weight-norm pre-hook would not run; as a child it stays one node."""

    def __init__(self, layer):
        super().__init__()
        self.layer = layer

    def forward(self, input):
        return self.layer(input)


ROOT_PREFIX = "layer."


def trace(module: torch.nn.Module, inputs):
    """Traces `module` on `inputs` (a tuple of tensors). Returns the graph,
    the tracer, the traced root (a wrapper whose child `layer` is `module`
    when `module` is a torch.nn leaf) and whether it is that wrapper.

    forward() parameters past the inputs keep their defaults (concrete);
    one without a default is an error."""
    wrapped = fx.Tracer().is_leaf_module(module, "")
    root = _Root(module) if wrapped else module
    params = list(inspect.signature(root.forward).parameters.values())
    concrete = {}
    for p in params[len(inputs):]:
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        if p.default is inspect.Parameter.empty:
            raise TypeError(f"forward() takes an input '{p.name}' beyond the "
                            f"{len(inputs)} example input(s) given")
        concrete[p.name] = p.default
    if len(inputs) > len(params) and not any(
            p.kind == p.VAR_POSITIONAL for p in params):
        raise TypeError(f"forward() takes {len(params)} input(s), but "
                        f"{len(inputs)} example inputs were given")
    tracer = ConcreteTracer(inputs)
    with torch.no_grad():
        graph = tracer.trace(root, concrete_args=concrete or None)
    return graph, tracer, root, wrapped
