"""A residual unit of the Descript Audio Codec (Kumar et al. 2023,
descriptinc/descript-audio-codec dac/model/dac.py and nn/layers.py), in plain
PyTorch: Snake1d -> weight-normed Conv1d(k=7, dilation) -> Snake1d ->
weight-normed Conv1d(k=1), plus the residual (cropped when the block
shortens the signal). snake() is the original minus @torch.jit.script.
"""

import torch
import torch.nn as nn
from torch.nn.utils import weight_norm


def WNConv1d(*args, **kwargs):
    return weight_norm(nn.Conv1d(*args, **kwargs))


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


def examples(small: bool):
    torch.manual_seed(0)
    dim, dilation, frames = (16, 3, 64) if small else (192, 9, 1024)
    model = ResidualUnit(dim, dilation)
    with torch.no_grad():
        for block in (model.block[0], model.block[2]):
            block.alpha.uniform_(0.5, 1.5)
        for conv in (model.block[1], model.block[3]):
            conv.weight_g.mul_(1 + 0.5 * torch.rand(conv.weight_g.shape))
    title = (f"DAC residual unit ({dim} ch, k7, dilation {dilation}, "
             f"Snake)")
    return [(title, model, torch.randn(1, dim, frames))]
