# Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
# See the LICENSE file for license information.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""The decoder of the Descript Audio Codec (Kumar et al. 2023,
descriptinc/descript-audio-codec dac/model/dac.py and nn/layers.py), in plain
PyTorch as in the original: a weight-normed Conv1d(k=7) from the latent,
decoder blocks (Snake1d -> weight-normed ConvTranspose1d(k=2s, stride s) ->
three residual units with dilations 1, 3, 9), Snake1d, Conv1d(k=7), tanh. A
residual unit is Snake1d -> weight-normed Conv1d(k=7, dilation) -> Snake1d
-> weight-normed Conv1d(k=1), plus the residual (cropped when the block
shortens the signal). snake() is the original minus @torch.jit.script.
The 44.1 kHz model: latent 1024, decoder_dim 1536, rates 8, 8, 4, 2.
"""

import math

import torch
import torch.nn as nn
from torch.nn.utils import weight_norm


def WNConv1d(*args, **kwargs):
    return weight_norm(nn.Conv1d(*args, **kwargs))


def WNConvTranspose1d(*args, **kwargs):
    return weight_norm(nn.ConvTranspose1d(*args, **kwargs))


def snake(x, alpha):
    shape = x.shape
    x = x.reshape(shape[0], shape[1], -1)
    x = x + (alpha + 1e-9).reciprocal() * torch.sin(alpha * x).pow(2)
    x = x.reshape(shape)
    return x


class Snake1d(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.alpha = nn.Parameter(torch.ones(1, channels, 1))

    def forward(self, x):
        return snake(x, self.alpha)


class ResidualUnit(nn.Module):
    def __init__(self, dim: int = 16, dilation: int = 1):
        super().__init__()
        pad = ((7 - 1) * dilation) // 2
        self.block = nn.Sequential(
            Snake1d(dim),
            WNConv1d(dim, dim, kernel_size=7, dilation=dilation, padding=pad),
            Snake1d(dim),
            WNConv1d(dim, dim, kernel_size=1),
        )

    def forward(self, x):
        y = self.block(x)
        pad = (x.shape[-1] - y.shape[-1]) // 2
        if pad > 0:
            x = x[..., pad:-pad]
        return x + y


class DecoderBlock(nn.Module):
    def __init__(self, input_dim: int = 16, output_dim: int = 8,
                 stride: int = 1):
        super().__init__()
        self.block = nn.Sequential(
            Snake1d(input_dim),
            WNConvTranspose1d(input_dim, output_dim, kernel_size=2 * stride,
                              stride=stride, padding=math.ceil(stride / 2)),
            ResidualUnit(output_dim, dilation=1),
            ResidualUnit(output_dim, dilation=3),
            ResidualUnit(output_dim, dilation=9),
        )

    def forward(self, x):
        return self.block(x)


class Decoder(nn.Module):
    def __init__(self, input_channel=1024, channels=1536, rates=(8, 8, 4, 2),
                 d_out: int = 1):
        super().__init__()
        layers = [WNConv1d(input_channel, channels, kernel_size=7, padding=3)]
        for i, stride in enumerate(rates):
            input_dim = channels // 2**i
            output_dim = channels // 2 ** (i + 1)
            layers += [DecoderBlock(input_dim, output_dim, stride)]
        layers += [
            Snake1d(output_dim),
            WNConv1d(output_dim, d_out, kernel_size=7, padding=3),
            nn.Tanh(),
        ]
        self.model = nn.Sequential(*layers)

    def forward(self, x):
        return self.model(x)


def perturb(model: nn.Module, seed: int) -> nn.Module:
    """Snake alphas in [0.5, 1.5] and g scaled, so that w != v."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("alpha"):
                p.copy_(0.5 + torch.rand(p.shape, generator=generator))
            elif name.endswith("weight_g"):
                p.mul_(1 + 0.5 * torch.rand(p.shape, generator=generator))
    return model


def examples(small: bool):
    """(title, model, input) of the whole DAC decoder."""
    torch.manual_seed(0)
    if small:
        return [("DAC decoder (small: latent 8, 32 ch, rates 2, 4)",
                 perturb(Decoder(8, 32, (2, 4)), 1), torch.randn(1, 8, 12))]
    return [("DAC 44.1 kHz decoder (latent 1024, 1536 ch, rates 8/8/4/2), "
             "32 frames", perturb(Decoder(), 1), torch.randn(1, 1024, 32))]


def blocks(small: bool):
    """(title, model, input) of a DAC residual unit."""
    torch.manual_seed(0)
    dim, dilation, frames = (16, 3, 64) if small else (192, 9, 1024)
    model = perturb(ResidualUnit(dim, dilation), 2)
    title = (f"DAC residual unit ({dim} ch, k7, dilation {dilation}, "
             f"Snake)")
    return [(title, model, torch.randn(1, dim, frames))]
