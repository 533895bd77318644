# Compiled training steps (wn.export, training=True) beyond ResBlock1, in
# float32 and float64: weight norms over other dims (a strided Conv1d with
# weight_norm(dim=1), a grouped dilated Conv1d with dim=None, a Linear with
# the default dim 0 on [N, T, C] activations), tanh, leaky_relu, a
# transpose and the mean-squared-error loss against a target; and a model
# that calls torch._weight_norm itself (PyTorch's fused interface and its
# backward, dims 0 and last) with sigmoid. Every gradient matches PyTorch's
# autograd within 1e-5 (max |a - b| / max |b|), and each weight norm's
# gradient is one wn.weight_norm_backward with its dim.
# REQUIRES: torch
# RUN: rm -rf %t && %python %s %t | FileCheck %s

import re
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import weight_norm

from wn.testing.training_check import check_training_step

workdir = sys.argv[1]


class Mixed(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = weight_norm(nn.Conv1d(4, 6, 5, stride=2, padding=2),
                                dim=1)
        self.grouped = weight_norm(nn.Conv1d(6, 6, 3, padding=2, dilation=2,
                                             groups=2), dim=None)
        self.linear = weight_norm(nn.Linear(6, 3))

    def forward(self, x):
        y = torch.tanh(self.conv(x))
        y = F.leaky_relu(self.grouped(y), 0.2) + y
        return self.linear(y.transpose(1, 2))


class Direct(nn.Module):
    """Weight norm computed by the model with torch._weight_norm."""

    def __init__(self):
        super().__init__()
        self.v = nn.Parameter(torch.randn(5, 4, 3))
        self.g = nn.Parameter(torch.rand(5, 1, 1) + 0.5)
        self.v2 = nn.Parameter(torch.randn(5, 5, 3))
        self.g2 = nn.Parameter(torch.rand(1, 1, 3) + 0.5)

    def forward(self, x):
        y = F.conv1d(x, torch._weight_norm(self.v, self.g, 0), padding=1)
        return F.conv1d(torch.sigmoid(y),
                        torch._weight_norm(self.v2, self.g2, 2), padding=1)


class TwoInputs(nn.Module):
    """Two inputs, a buffer (a constant of the step), a weight norm over
    the whole tensor."""

    def __init__(self):
        super().__init__()
        self.linear = weight_norm(nn.Linear(3, 3), dim=None)
        self.register_buffer("scale", torch.tensor([1.0, 2.0, 3.0]))

    def forward(self, x, y):
        return self.linear(x) * self.scale + y


def perturbed(model, dtype):
    """The model in `dtype`, g and biases scaled (w != v)."""
    model = model.to(dtype)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("g") or name.endswith("bias"):
                p.mul_(1.3)
    return model


def weight_norm_lines(text):
    for line in text.splitlines():
        if "wn.weight_norm" in line:
            print(re.sub(r"ins\(.*", "", line.strip()))


torch.manual_seed(0)
ok = True
for dtype in (torch.float32, torch.float64):
    x = torch.randn(2, 4, 15, dtype=dtype)
    target = torch.randn(2, 8, 3, dtype=dtype)
    passed, text = check_training_step(
        "mixed", perturbed(Mixed(), dtype), x, f"{workdir}/mixed-{dtype}",
        target=target)
    weight_norm_lines(text)
    ok &= passed
    x = torch.randn(2, 4, 9, dtype=dtype)
    passed, text = check_training_step(
        "direct", perturbed(Direct(), dtype), x, f"{workdir}/direct-{dtype}")
    weight_norm_lines(text)
    ok &= passed
# The target is the first input itself (as an autoencoder's): each still
# has its own argument.
x, y = torch.randn(4, 3), torch.randn(4, 3)
passed, text = check_training_step(
    "two inputs", perturbed(TwoInputs(), torch.float32), (x, y),
    f"{workdir}/two-inputs", target=x)
print(text.splitlines()[1].strip())
ok &= passed
sys.exit(0 if ok else 1)

# CHECK-LABEL: == mixed: torch.float32, 3 wn.weight_norm, 3 wn.weight_norm_backward
# CHECK-NOT: FAIL
# CHECK: linear.weight_v
# CHECK-NEXT: {{^ +OK$}}
# CHECK: %conv_weight, %conv_weight_norm = wn.weight_norm dim(1)
# CHECK: %grouped_weight, %grouped_weight_norm = wn.weight_norm{{ $}}
# CHECK: %linear_weight, %linear_weight_norm = wn.weight_norm dim(0)
# CHECK: %conv_weight_grad_v, %conv_weight_grad_g = wn.weight_norm_backward dim(1)
# CHECK: %grouped_weight_grad_v, %grouped_weight_grad_g = wn.weight_norm_backward{{ $}}
# CHECK: %linear_weight_grad_v, %linear_weight_grad_g = wn.weight_norm_backward dim(0)
# CHECK-LABEL: == direct: torch.float32, 2 wn.weight_norm, 2 wn.weight_norm_backward
# CHECK-NOT: FAIL
# CHECK: g2
# CHECK-NEXT: {{^ +OK$}}
# CHECK: wn.weight_norm dim(0)
# CHECK: wn.weight_norm dim(2)
# CHECK: wn.weight_norm_backward dim(2)
# CHECK: wn.weight_norm_backward dim(0)
# CHECK-LABEL: == mixed: torch.float64, 3 wn.weight_norm, 3 wn.weight_norm_backward
# CHECK-NOT: FAIL
# CHECK: linear.weight_v
# CHECK-NEXT: {{^ +OK$}}
# CHECK-LABEL: == direct: torch.float64, 2 wn.weight_norm, 2 wn.weight_norm_backward
# CHECK-NOT: FAIL
# CHECK: g2
# CHECK-NEXT: {{^ +OK$}}
# CHECK-LABEL: == two inputs: torch.float32, 1 wn.weight_norm, 1 wn.weight_norm_backward
# CHECK-NOT: FAIL
# CHECK: linear.weight_v
# CHECK-NEXT: {{^ +OK$}}
# CHECK: func.func @forward(%input0: tensor<4x3xf32>, %input1: tensor<4x3xf32>, %target: tensor<4x3xf32>, %linear_bias: tensor<3xf32>, %linear_weight_g: tensor<f32>, %linear_weight_v: tensor<3x3xf32>) -> (tensor<f32>, tensor<3xf32>, tensor<f32>, tensor<3x3xf32>)
