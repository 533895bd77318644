# What wn.export cannot export exactly is an ExportError naming the layer
# (path and type) or the operation and the model's source line.
# REQUIRES: torch
# RUN: %python %s 2>&1 | FileCheck %s

import torch
import torch.nn as nn
from torch.nn.utils import weight_norm

from wn.export import ExportError, export


def attempt(title, module, *shape, dtype=torch.float32, **kwargs):
    print(f"// ----- {title}")
    try:
        export(module, torch.randn(*shape, dtype=dtype), **kwargs)
        print("exported")
    except ExportError as error:
        print(f"ExportError: {error}")


class WithBatchNorm(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = weight_norm(nn.Conv1d(2, 2, 3))
        self.norm = nn.BatchNorm1d(2)

    def forward(self, x):
        return self.norm(self.conv(x))


# CHECK-LABEL: ----- unsupported layer
# CHECK: ExportError: layer 'norm' (BatchNorm1d) at {{.*}}errors.py:{{[0-9]+}} (`return self.norm(self.conv(x))`): unsupported layer type BatchNorm1d; supported: Conv1d
attempt("unsupported layer", WithBatchNorm(), 1, 2, 5)


class Blocks(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = nn.ModuleList([WithBatchNorm()])

    def forward(self, x):
        return self.blocks[0](x)


# CHECK-LABEL: ----- nested
# CHECK: ExportError: layer 'blocks.0.norm' (BatchNorm1d) at
attempt("nested", Blocks(), 1, 2, 5)


class CumSum(nn.Module):
    def forward(self, x):
        return torch.cumsum(x, 1)


# CHECK-LABEL: ----- unsupported function
# CHECK: ExportError: torch.cumsum at {{.*}}errors.py:{{[0-9]+}} (`return torch.cumsum(x, 1)`): unsupported operation
attempt("unsupported function", CumSum(), 1, 2, 5)


class InPlace(nn.Module):
    def forward(self, x):
        return x.mul_(2)


# CHECK-LABEL: ----- in-place
# CHECK: ExportError: Tensor.mul_ at {{.*}}: in-place operations are not supported
attempt("in-place", InPlace(), 1, 2)

# CHECK-LABEL: ----- circular padding
# CHECK: ExportError: layer '<root>' (Conv1d){{.*}}padding_mode 'circular' is not supported (only 'zeros', 'reflect', 'replicate')
attempt("circular padding",
        nn.Conv1d(2, 2, 3, padding=1, padding_mode="circular"), 1, 2, 5)

# CHECK-LABEL: ----- conv-transpose2d
# CHECK: ExportError: layer '<root>' (ConvTranspose2d){{.*}}unsupported layer type ConvTranspose2d
attempt("conv-transpose2d", nn.ConvTranspose2d(2, 2, 3), 1, 2, 5, 5)

# CHECK-LABEL: ----- float16
# CHECK: ExportError: input dtype torch.float16 is not supported (float32 or float64)
attempt("float16", nn.Linear(2, 2).half(), 1, 2, dtype=torch.float16)

# CHECK-LABEL: ----- mixed dtypes
# CHECK: ExportError: parameter 'weight' is torch.float32, but the input is torch.float64
attempt("mixed dtypes", nn.Linear(2, 2), 1, 2, dtype=torch.float64)

# CHECK-LABEL: ----- training dropout
# CHECK: exported
attempt("training dropout", nn.Sequential(nn.Dropout(0.5), nn.Linear(2, 2)),
        1, 2)


class Custom(nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(2, 2))

    def forward(self, x):
        return torch.nn.functional.linear(x, self.weight)


# Weight norm on a module fx traces through would lose its hook.
# CHECK-LABEL: ----- weight norm on a custom module
# CHECK: ExportError: layer '<root>' ({{.*}}Custom): weight norm on 'weight' of a module that is not a torch.nn layer is not supported
attempt("weight norm on a custom module", weight_norm(Custom()), 1, 2)

# CHECK-LABEL: ----- functional linear
# CHECK: ExportError: F.linear at {{.*}}: unsupported operation
attempt("functional linear", Custom(), 1, 2)

# CHECK-LABEL: ----- bad weights option
# CHECK: ExportError: weights must be one of ('constants', 'args'), not 'inline'
attempt("bad weights option", nn.Linear(2, 2), 1, 2, weights="inline")


class TensorIndex(nn.Module):
    def forward(self, x):
        return x[x > 0]


# CHECK-LABEL: ----- tensor indexing
# CHECK: ExportError: {{.*}}
attempt("tensor indexing", TensorIndex(), 4)
