# What the training export (training=True) cannot export is an ExportError
# that names the ATen operation and the pass (forward or backward) needing
# it, or the argument at fault.
# REQUIRES: torch
# RUN: %python %s %wn_src_root/examples/hifigan/model.py 2>&1 | FileCheck %s

import importlib.util
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import weight_norm

from wn.export import ExportError, export

spec = importlib.util.spec_from_file_location("hifigan", sys.argv[1])
hifigan = importlib.util.module_from_spec(spec)
spec.loader.exec_module(hifigan)


def attempt(title, module, *shape, **kwargs):
    print(f"// ----- {title}")
    try:
        export(module, torch.randn(*shape), **kwargs)
        print("exported")
    except ExportError as error:
        print(f"ExportError: {error}")


class Gelu(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = weight_norm(nn.Conv1d(2, 2, 3))

    def forward(self, x):
        return F.gelu(self.conv(x))


# gelu has a lowering, its gradient has none.
# CHECK-LABEL: ----- unsupported in the backward
# CHECK: ExportError: aten.gelu_backward.default in the backward pass: no lowering of this operation in the training export (supported: {{.*}}convolution_backward
attempt("unsupported in the backward", Gelu(), 1, 2, 5, training=True)


class CumSum(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = weight_norm(nn.Conv1d(2, 2, 3))

    def forward(self, x):
        return torch.cumsum(self.conv(x), 1)


# CHECK-LABEL: ----- unsupported in the forward
# CHECK: ExportError: aten.cumsum.default in the forward pass: no lowering of this operation in the training export
attempt("unsupported in the forward", CumSum(), 1, 2, 5, training=True)

# HiFi-GAN's upsampling stage: its ConvTranspose1d has no gradient lowering.
# CHECK-LABEL: ----- transposed convolution
# CHECK: ExportError: aten.convolution_backward.default in the backward pass: the gradient of a transposed convolution (ConvTranspose) is not supported yet
attempt("transposed convolution", hifigan.UpsampleStage(4, 2, 4, (3,)),
        1, 4, 5, training=True)

# CHECK-LABEL: ----- conv2d
# CHECK: ExportError: aten.convolution_backward.default in the backward pass: only the gradients of 1-D convolutions are supported
attempt("conv2d", weight_norm(nn.Conv2d(2, 3, 3)), 1, 2, 5, 5,
        training=True)

# CHECK-LABEL: ----- constants
# CHECK: ExportError: training=True needs weights='args' (the default with training): the step takes the parameters as arguments and returns their gradients
attempt("constants", Gelu(), 1, 2, 5, training=True, weights="constants")

# CHECK-LABEL: ----- dynamic
# CHECK: ExportError: dynamic_dims are not supported with training=True
attempt("dynamic", Gelu(), 1, 2, 5, training=True, dynamic_dims=[-1])

# CHECK-LABEL: ----- loss not a scalar
# CHECK: ExportError: the loss must return a 0-d tensor, got a tensor of shape [1, 2, 3]
attempt("loss not a scalar", weight_norm(nn.Conv1d(2, 2, 3)), 1, 2, 5,
        training=True, loss=lambda y: y * 2)

# CHECK-LABEL: ----- target of another dtype
# CHECK: ExportError: target must be a tensor (or a tuple of tensors) of the input's dtype torch.float32
attempt("target of another dtype", weight_norm(nn.Conv1d(2, 2, 3)), 1, 2, 5,
        training=True, target=torch.zeros(1, 2, 3, dtype=torch.float64))

# CHECK-LABEL: ----- loss without training
# CHECK: ExportError: loss and target are arguments of the training export (training=True)
attempt("loss without training", weight_norm(nn.Conv1d(2, 2, 3)), 1, 2, 5,
        loss=F.mse_loss)
