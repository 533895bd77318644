# Exported IR of every supported layer (structure; numbers in
# layers-numbers.py): one tiny module per case, weights as arguments.
# REQUIRES: torch
# RUN: %python %s | FileCheck %s

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import weight_norm

from wn.export import export

torch.manual_seed(0)


def show(name, module, *shape, weights="args"):
    print(f"// ----- {name}")
    print(export(module, torch.randn(*shape), weights))


# CHECK-LABEL: ----- conv1d
# CHECK: func.func @forward(%input: tensor<2x4x9xf32>, %weight_v: tensor<6x4x3xf32>, %weight_g: tensor<6x1x1xf32>, %bias: tensor<6xf32>) -> tensor<2x6x5xf32>
# CHECK: %[[P:.*]] = tensor.pad %input low[0, 0, 2] high[0, 0, 3]
# Stride 2: the input split into its 2 phases ([N, C, 2, L/2]) so that it
# is read contiguously along the output positions.
# CHECK: %[[E:.*]] = tensor.expand_shape %[[P]] {{\[\[}}0], [1], [2, 3]] output_shape [2, 4, 7, 2]
# CHECK: %[[X:.*]] = linalg.transpose ins(%[[E]] : tensor<2x4x7x2xf32>) outs(%{{.*}} : tensor<2x4x2x7xf32>) permutation = [0, 1, 3, 2]
# CHECK: %[[W:.*]] = wn.weight_norm dim(0) ins(%weight_v, %weight_g : tensor<6x4x3xf32>, tensor<6x1x1xf32>) outs(%{{.*}} : tensor<6x4x3xf32>)
# CHECK: %[[B:.*]] = linalg.broadcast ins(%bias : tensor<6xf32>) outs(%{{.*}} : tensor<2x6x5xf32>) dimensions = [0, 2]
# Loops (n, f, c, k, o): output positions innermost, so that the innermost
# loop reads x and writes y contiguously with w invariant.
# CHECK: linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4) -> (d0, d2, (d3 * 2) mod 2, d4 + (d3 * 2) floordiv 2)>, affine_map<(d0, d1, d2, d3, d4) -> (d1, d2, d3)>, affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d4)>], iterator_types = ["parallel", "parallel", "reduction", "reduction", "parallel"]} ins(%[[X]], %[[W]] : tensor<2x4x2x7xf32>, tensor<6x4x3xf32>) outs(%[[B]] : tensor<2x6x5xf32>)
# CHECK: %[[M:.*]] = arith.mulf %{{.*}}, %{{.*}} : f32
# CHECK: arith.addf %{{.*}}, %[[M]] : f32
show("conv1d", weight_norm(nn.Conv1d(4, 6, 3, stride=2, padding=2, dilation=2)),
     2, 4, 9)

# Groups: a linalg.generic over the input viewed as [N, G, C/G, L]; w is
# indexed (g * F + f, c, k), the output [N, G, F, L] collapsed back. No bias:
# zeros.
# CHECK-LABEL: ----- conv1d-groups
# CHECK: %[[W:.*]] = wn.weight_norm dim(2)
# CHECK: %[[Z:.*]] = linalg.fill
# CHECK: %[[X:.*]] = tensor.expand_shape %input {{\[\[}}0], [1, 2], [3]] output_shape [1, 2, 3, 7]
# CHECK: %[[A:.*]] = tensor.expand_shape %[[Z]] {{\[\[}}0], [1, 2], [3]] output_shape [1, 2, 2, 5]
# CHECK: linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d3, d5 + d4)>, affine_map<(d0, d1, d2, d3, d4, d5) -> (d1 * 2 + d2, d3, d4)>, affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d5)>], iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "parallel"]} ins(%[[X]], %[[W]] : tensor<1x2x3x7xf32>, tensor<4x3x3xf32>) outs(%[[A]] : tensor<1x2x2x5xf32>)
# CHECK: arith.mulf
# CHECK: arith.addf
# CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0], [1, 2], [3]] : tensor<1x2x2x5xf32> into tensor<1x4x5xf32>
show("conv1d-groups",
     weight_norm(nn.Conv1d(6, 4, 3, groups=2, bias=False), dim=2), 1, 6, 7)

# The whole-tensor norm (dim=None) has no dim and a 0-d g.
# CHECK-LABEL: ----- conv2d
# CHECK: tensor.pad %input low[0, 0, 1, 0] high[0, 0, 1, 0]
# CHECK: wn.weight_norm ins(%weight_v, %weight_g : tensor<4x3x3x2xf32>, tensor<f32>)
# CHECK: linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d2, d5 * 2 + d3, d6 + d4)>, affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d1, d2, d3, d4)>, affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d5, d6)>], iterator_types = ["parallel", "parallel", "reduction", "reduction", "reduction", "parallel", "parallel"]}
show("conv2d", weight_norm(nn.Conv2d(3, 4, (3, 2), stride=(2, 1),
                                     padding=(1, 0)), dim=None), 2, 3, 7, 5)

# Polyphase ConvTranspose1d (K a multiple of the stride): w viewed as
# [C, O, K/s, s]; output phase r reads tap (r + p) mod s + s*j.
# CHECK-LABEL: ----- conv-transpose1d
# CHECK: %[[W:.*]] = wn.weight_norm dim(0)
# CHECK: %[[P:.*]] = tensor.pad %input low[0, 0, 1] high[0, 0, 1]
# CHECK: tensor.expand_shape %[[W]] {{\[\[}}0], [1], [2, 3]] output_shape [6, 4, 2, 2]
# Loops (n, g, f, r, c, j, q).
# CHECK: linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d4, d6 + (d3 + 1) floordiv 2 - d5 + 1)>, affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d4, d2, d5, (d3 + 1) mod 2)>, affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d2, d6, d3)>]
# CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0], [1, 2], [3, 4]] : tensor<2x1x4x5x2xf32> into tensor<2x4x10xf32>
show("conv-transpose1d",
     weight_norm(nn.ConvTranspose1d(6, 4, 4, stride=2, padding=1)), 2, 6, 5)

# Otherwise the input is spread with zeros (linalg.index == 0), padded, and
# read at l + (K-1-k)*d.
# CHECK-LABEL: ----- conv-transpose1d-dilated
# CHECK: linalg.index 3 : index
# CHECK: arith.select
# CHECK: tensor.pad %{{.*}} low[0, 0, 7] high[0, 0, 7]
# CHECK: affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d3, d5 - d4 * 2 + 8)>
show("conv-transpose1d-dilated",
     weight_norm(nn.ConvTranspose1d(6, 4, 5, stride=2, padding=1, dilation=2,
                                    output_padding=1)), 2, 6, 5)

# Linear on [B, T, in]: rows collapsed, w read transposed by linalg.matmul's
# indexing maps (dim=1: one norm per input feature).
# CHECK-LABEL: ----- linear
# CHECK: %[[W:.*]] = wn.weight_norm dim(1) ins(%weight_v, %weight_g : tensor<3x5xf32>, tensor<1x5xf32>)
# CHECK: linalg.broadcast ins(%bias : tensor<3xf32>) outs(%{{.*}} : tensor<8x3xf32>) dimensions = [0]
# CHECK: linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%{{.*}}, %[[W]] : tensor<8x5xf32>, tensor<3x5xf32>)
# CHECK: return %{{.*}} : tensor<2x4x3xf32>
show("linear", weight_norm(nn.Linear(5, 3), dim=1), 2, 4, 5)


class Activations(nn.Module):
    def __init__(self):
        super().__init__()
        self.leaky = nn.LeakyReLU(0.2)
        self.tanh = nn.Tanh()
        self.relu = nn.ReLU()

    def forward(self, x):
        return self.relu(self.tanh(self.leaky(x))) + F.leaky_relu(x, 0.1)


# PyTorch's formulas: leaky_relu is x > 0 ? x : x * slope; relu keeps NaN.
# CHECK-LABEL: ----- activations
# CHECK: %[[C:.*]] = arith.cmpf ogt, %[[X:.*]], %{{.*}} : f32
# CHECK: %[[S:.*]] = arith.mulf %[[X]], %{{.*}} : f32
# CHECK: arith.select %[[C]], %[[X]], %[[S]] : f32
# CHECK: math.tanh
# CHECK: arith.maximumf
# CHECK: arith.constant 0.10000000149011612 : f32
# CHECK: arith.addf
show("activations", Activations(), 2, 3)


class Residual(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.rand(1, 3, 1))

    def forward(self, x):
        y = x.transpose(1, 2).reshape(2, 15).view(2, 5, 3)
        return (x * self.scale + 1.5)[..., 1:-1] - y.permute(0, 2, 1)[:, :, ::2]


# Broadcasting reads size-1 dims at 0; slices are tensor.extract_slice;
# reshapes collapse and expand; transposes are linalg.transpose.
# CHECK-LABEL: ----- residual
# CHECK: linalg.transpose ins(%x : tensor<2x3x5xf32>) outs(%{{.*}} : tensor<2x5x3xf32>) permutation = [0, 2, 1]
# CHECK: tensor.collapse_shape
# CHECK: tensor.expand_shape
# CHECK: affine_map<(d0, d1, d2) -> (0, d1, 0)>
# CHECK: arith.constant 1.5 : f32
# CHECK: tensor.extract_slice %{{.*}}[0, 0, 1] [2, 3, 3] [1, 1, 1] : tensor<2x3x5xf32> to tensor<2x3x3xf32>
# CHECK: tensor.extract_slice %{{.*}}[0, 0, 0] [2, 3, 3] [1, 1, 2] : tensor<2x3x5xf32> to tensor<2x3x3xf32>
# CHECK: arith.subf
show("residual", Residual(), 2, 3, 5)

# Constants: dense_resource blobs (alignment 4, then little-endian floats).
# CHECK-LABEL: ----- constants
# CHECK: func.func @forward(%input: tensor<1x2xf32>) -> tensor<1x2xf32>
# CHECK: %weight_v = arith.constant dense_resource<weight_v> : tensor<2x2xf32>
# CHECK: %weight_g = arith.constant dense_resource<weight_g> : tensor<2x1xf32>
# CHECK: dialect_resources: {
# CHECK-NEXT: builtin: {
# CHECK-NEXT: weight_v: "0x04000000
# CHECK: weight_g: "0x04000000
lin = weight_norm(nn.Linear(2, 2, bias=False))
show("constants", lin, 1, 2, weights="constants")


class Norms(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln = nn.LayerNorm(4)
        self.gn = nn.GroupNorm(2, 6)

    def forward(self, x):
        return F.softmax(self.ln(self.gn(x)), dim=-1)


# GroupNorm: the input viewed as [N, G, C/G, L], mean and biased variance
# reduced over the last two dims (keepdim), then x * rsqrt(var + eps) and the
# per-channel affine read at (0, d1, 0). LayerNorm reduces the last dim.
# Softmax: max, exp(x - max), sum, divide.
# CHECK-LABEL: ----- norms
# CHECK: tensor.expand_shape %{{.*}} output_shape [2, 2, 3, 4]
# CHECK: linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<2x2x1x1xf32>)
# CHECK: linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, 0, 0)>], iterator_types = ["parallel", "parallel", "reduction", "reduction"]}
# CHECK: arith.constant 9.999999747378752e-06 : f32
# CHECK: math.rsqrt
# CHECK: affine_map<(d0, d1, d2) -> (d0, d1, 0)>
# CHECK: linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<2x6x1xf32>)
# CHECK: arith.constant 0xFF800000 : f32
# CHECK: arith.maximumf
# CHECK: math.exp
# CHECK: arith.divf
show("norms", Norms(), 2, 6, 4)


class Attention(nn.Module):
    def forward(self, x):
        q = x.view(2, 3, 2, 2).transpose(1, 2)
        w = (q @ q.transpose(2, 3)) * 0.5
        w = w - w.max(dim=-1, keepdim=True)[0]
        return torch.cat([w.softmax(-1) @ q,
                          F.pad(q, (0, 0, 1, 1), "reflect")], dim=2)


# matmul: one linalg.generic with loops (batch.., m, n, k); Tensor.max(dim)
# keeps the values; cat is insert_slices into a tensor.empty; reflect padding
# gathers with tensor.extract at (n-1) - |(n-1) - |i - low||.
# CHECK-LABEL: ----- attention
# CHECK: linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>, affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d4, d3)>, affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
# CHECK: arith.maximumf
# CHECK: linalg.index 2 : index
# CHECK: tensor.extract %{{.*}} : tensor<2x2x3x2xf32>
# CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[0, 0, 0, 0] [2, 2, 3, 2] [1, 1, 1, 1] : tensor<2x2x3x2xf32> into tensor<2x2x8x2xf32>
# CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[0, 0, 3, 0] [2, 2, 5, 2]
show("attention", Attention(), 2, 3, 4)


class Defaulted(nn.Module):
    def forward(self, x, lengths=None, scale=2.0):
        if lengths is not None:
            x = x[..., :lengths]
        return x * scale, lengths


# Regression: parameters past the example inputs keep their defaults (fx
# names their placeholders lengths_1, scale_1); @forward takes only x, and
# the None in the returned tuple is not a result.
# CHECK-LABEL: ----- defaulted
# CHECK: func.func @forward(%x: tensor<2x3xf32>) -> tensor<2x3xf32>
# CHECK: arith.constant 2.0 : f32
show("defaulted", Defaulted(), 2, 3)
