# Both weight-norm spellings: torch.nn.utils.weight_norm (weight_g/weight_v,
# PyTorch 1.13) and newer PyTorch's parametrization (emulated here with
# PyTorch 2.1's _WeightNorm, registered through torch.nn.utils.parametrize:
# parametrizations.weight.original0 = g, original1 = v). A live parametrized
# model exports directly; its state dict loads into a plain model (dims from
# g's shape, or given) and into a weight_norm'ed one; all three compile to
# the same numbers as the parametrized model.
# REQUIRES: torch
# RUN: rm -rf %t && %python %s %t 2>&1 | FileCheck %s

import sys

import torch
import torch.nn as nn
from torch.nn.utils import parametrize, weight_norm

from wn.export import ExportError, export_program, load_state_dict
from wn.export.compiled import compile_exported

workdir = sys.argv[1]


class _WeightNorm(nn.Module):
    """torch.nn.utils.parametrizations._WeightNorm of PyTorch 2.1."""

    def __init__(self, dim=0):
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g, weight_v):
        return torch._weight_norm(weight_v, weight_g, self.dim)

    def right_inverse(self, weight):
        return torch.norm_except_dim(weight, 2, self.dim), weight


def parametrized(module, dim):
    parametrize.register_parametrization(module, "weight", _WeightNorm(dim),
                                         unsafe=True)
    return module


class Net(nn.Module):
    def __init__(self, wrap):
        super().__init__()
        self.a = wrap(nn.Conv1d(3, 4, 3), 0)
        self.c = wrap(nn.Conv1d(4, 4, 3, padding=1), 2)
        self.b = wrap(nn.Linear(5, 6), None)

    def forward(self, x):
        return self.b(self.c(self.a(x)))


torch.manual_seed(0)
x = torch.randn(2, 3, 7)
newer = Net(parametrized)
with torch.no_grad():
    for p in newer.parameters():
        p.add_(0.3 * torch.randn_like(p))
    y = newer(x)

# CHECK: state dict: a.bias a.parametrizations.weight.original0 a.parametrizations.weight.original1 b.bias b.parametrizations.weight.original0
print("state dict:", " ".join(sorted(newer.state_dict())))


def check(title, model, weights):
    exported = export_program(model, x, weights)
    compiled = compile_exported(exported, f"{workdir}/{title}")
    error = (compiled(x) - y).abs().max().item() / y.abs().max().item()
    print(f"{title}: {'OK' if error <= 1e-5 else 'FAIL'} ({error:.1e})")
    return exported


# CHECK: parametrized: OK
# CHECK-NEXT: parameters: a.parametrizations.weight.original1 a.parametrizations.weight.original0 a.bias c.parametrizations.weight.original1
# CHECK-NEXT: dims: dim(0) dim(2) none
exported = check("parametrized", newer, "args")
print("parameters:", " ".join(name for name, _ in exported.parameters))
text = exported.text
print("dims:", " ".join(line.split("wn.weight_norm ")[1].split(" ")[0]
                        if "dim(" in line else "none"
                        for line in text.splitlines()
                        if "wn.weight_norm" in line))

# CHECK: plain model: OK
plain = Net(lambda m, d: m)
load_state_dict(plain, newer.state_dict())
check("plain model", plain, "constants")

# CHECK: weight_norm model: OK
hooked = Net(lambda m, d: weight_norm(m, dim=-1 if d is None else d))
load_state_dict(hooked, newer.state_dict())
check("weight_norm model", hooked, "args")

# CHECK: unexpected key: state dict does not fit the model: missing [], unexpected ['extra']
state = dict(newer.state_dict(), extra=torch.zeros(1))
try:
    load_state_dict(Net(lambda m, d: m), state)
except ExportError as error:
    print("unexpected key:", error)

# CHECK: wrong shape: state dict entry 'a.parametrizations.weight.original1': shape [4, 3, 2], but layer 'a' expects [4, 3, 3] for original1 (v)
state = dict(newer.state_dict())
state["a.parametrizations.weight.original1"] = torch.zeros(4, 3, 2)
try:
    load_state_dict(Net(lambda m, d: weight_norm(m, dim=-1 if d is None
                                                 else d)), state)
except ExportError as error:
    print("wrong shape:", error)

# CHECK: missing g: state dict: 'a.parametrizations.weight' needs both original0 (g) and original1 (v)
state = dict(newer.state_dict())
del state["a.parametrizations.weight.original0"]
try:
    load_state_dict(Net(lambda m, d: m), state)
except ExportError as error:
    print("missing g:", error)
