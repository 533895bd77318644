# Dynamic dims (export(..., dynamic_dims=...)): the exported IR carries `?`
# sizes derived from the input's, and one compiled library matches float64
# PyTorch at lengths it was not traced at; what cannot be dynamic is an
# ExportError that says why.
# REQUIRES: torch
# RUN: rm -rf %t && %python %s %t | FileCheck %s
# CHECK-NOT: FAIL

import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import weight_norm

from wn.export import ExportError, export, export_program
from wn.export.compiled import compile_exported

torch.manual_seed(0)
workdir = sys.argv[1]


class Lambda(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x):
        return self.fn(x)


# The sizes: a strided conv's output length is (L + pads - d*(k-1) - 1)
# floordiv s + 1 of the input's tensor.dim; a polyphase ConvTranspose1d's is
# s * L - 2p + k - s, exactly (no floordiv left).
# CHECK-LABEL: ----- ir
# CHECK: func.func @forward(%input: tensor<1x4x?xf32>) -> tensor<1x4x?xf32>
# CHECK: %[[C:.*]] = arith.constant 2 : index
# CHECK: %[[L:.*]] = tensor.dim %input, %[[C]] : tensor<1x4x?xf32>
# CHECK: affine.apply affine_map<()[s0] -> ((s0 - 1) floordiv 2 + 1)>()[%[[L]]]
# CHECK: linalg.generic
# CHECK-SAME: outs(%{{.*}} : tensor<1x6x?xf32>)
# CHECK: tensor.empty(%{{.*}}) : tensor<1x4x?xf32>
print("// ----- ir")
stack = nn.Sequential(
    weight_norm(nn.Conv1d(4, 6, 5, stride=2, padding=2)), nn.GELU(),
    weight_norm(nn.ConvTranspose1d(6, 4, 8, stride=4, padding=2)))
print(export(stack, torch.randn(1, 4, 20), dynamic_dims=[-1]))


def attention(x):
    # [B, T, 8] with T dynamic: heads, scores [T, T], softmax, LayerNorm
    q = x.view(x.shape[0], x.shape[1], 2, 4).transpose(1, 2)
    w = (q @ q.transpose(-1, -2)) / 2
    w = w - w.max(dim=-1, keepdim=True)[0]
    y = (w.softmax(-1) @ q).transpose(1, 2).reshape(x.shape)
    return F.layer_norm(y + x, (8,))


def crops(x):
    # [N, C, T]: negative slice bounds, reflect padding, a mean over time
    y = F.pad(x[..., 1:-2], (3, 2), mode="reflect")
    return torch.cat([y, x[..., ::2]], dim=-1) - x.mean(-1, keepdim=True)


CASES = [
    ("strided conv, GELU, polyphase ConvTranspose1d", stack, (1, 4, 20), -1),
    ("ConvTranspose1d scatter (dilation 2), grouped conv", nn.Sequential(
        weight_norm(nn.ConvTranspose1d(4, 6, 5, stride=3, dilation=2,
                                       padding=1, output_padding=1)),
        weight_norm(nn.Conv1d(6, 6, 3, groups=3, padding=1), dim=2)),
     (2, 4, 9), -1),
    ("GroupNorm over time, Linear, attention", nn.Sequential(
        nn.GroupNorm(4, 4), Lambda(lambda x: x.transpose(1, 2)),
        weight_norm(nn.Linear(4, 8)), Lambda(attention)), (1, 4, 11), -1),
    ("slices from the end, reflect pad, cat, mean", Lambda(crops),
     (2, 3, 17), -1),
    ("Conv2d, both spatial dims dynamic", weight_norm(
        nn.Conv2d(2, 3, 3, stride=(2, 1), padding=1)), (1, 2, 9, 7),
     [2, 3]),
]

for i, (title, model, shape, dims) in enumerate(CASES):
    model.eval()
    dims = dims if isinstance(dims, list) else [dims]
    for weights in ("constants", "args"):
        exported = export_program(model, torch.randn(*shape), weights,
                                  dynamic_dims=dims)
        compiled = compile_exported(exported, f"{workdir}/{i}-{weights}")
        worst, lengths = 0.0, []
        for scale in (1, 0.6, 1.7, 3):
            size = list(shape)
            for d in dims:
                size[d] = max(5, int(shape[d] * scale) + 1)
            x = torch.randn(size)
            with torch.no_grad():
                reference = model.double()(x.double())
                model.float()
            y = compiled(x)
            worst = max(worst, (y.double() - reference).abs().max().item() /
                        reference.abs().max().item()
                        if y.shape == reference.shape else float("inf"))
            lengths.append("x".join(str(size[d]) for d in dims))
        verdict = "OK" if worst <= 1e-5 else "FAIL"
        print(f"{title:50} {weights:9} lengths {', '.join(lengths):20} "
              f"{worst:.2e} {verdict}")
# CHECK: strided conv, GELU, polyphase ConvTranspose1d constants lengths 21, 13, 35, 61 {{.*}} OK
# CHECK: ConvTranspose1d scatter{{.*}}args{{.*}}OK
# CHECK: GroupNorm over time, Linear, attention args lengths 12, 7, 19, 34 {{.*}} OK
# CHECK: slices from the end, reflect pad, cat, mean args{{.*}}OK
# CHECK: Conv2d, both spatial dims dynamic args lengths 10x8, 6x5, 16x12, 28x22 {{.*}} OK


def attempt(name, model, shape, dims):
    print(f"// ----- {name}")
    try:
        export(model, torch.randn(*shape), dynamic_dims=dims)
        print("exported")
    except ExportError as error:
        print(f"ExportError: {error}")


# A length read in Python and used as an int: the second trace (at another
# length) shows the exported slice would be wrong.
# CHECK-LABEL: ----- python int from the length
# CHECK: ExportError: operator.getitem {{.*}}: the result's shape at the traced sizes is [1, 2, 5] and [1, 2, 8], but the export gives [1, 2, 5] and [1, 2, 5]: the model computes it from Python ints
attempt("python int from the length",
        Lambda(lambda x: x[..., :x.shape[-1] // 2]), (1, 2, 10), [-1])

# A Python number computed from the length, used as a value (not a size):
# the traces disagree on it, so it cannot be a constant.
# CHECK-LABEL: ----- python number from the length
# CHECK: ExportError: operator.truediv {{.*}}: an argument differs between the traces at other sizes of the dynamic dims (a Python number computed from x.shape?): wn would bake in the example's value
attempt("python number from the length",
        Lambda(lambda x: x.sum(-1) / x.shape[-1]), (1, 2, 10), [-1])

# Python control flow on the length: another graph at the second trace.
# CHECK-LABEL: ----- control flow
# CHECK: ExportError: the model runs other operations when the dynamic dims have sizes {{\[\[}}1, 2, 16]] (Python control flow on the input's shape
attempt("control flow",
        Lambda(lambda x: x * 2 if x.shape[-1] < 12 else x + 1), (1, 2, 10),
        [-1])

# CHECK-LABEL: ----- bad dim
# CHECK: ExportError: dynamic dim 3 of input 0 (rank 3) out of range
attempt("bad dim", nn.Identity(), (1, 2, 10), [3])

# Flattening two dynamic dims into one size would multiply them (not
# affine).
# CHECK-LABEL: ----- product
# CHECK: ExportError: Tensor.flatten {{.*}}: cannot tell which dynamic dims of [2/4, 3, 4/7] make the dynamic dims of the reshape to [24/84]
attempt("product", Lambda(lambda x: x.flatten()), (2, 3, 4), [0, 2])
