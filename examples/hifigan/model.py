# Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
# See the LICENSE file for license information.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""HiFi-GAN V1 generator (Kong et al. 2020, jik876/hifi-gan models.py), in
plain PyTorch with torch.nn.utils.weight_norm as in the original: the whole
Generator (conv_pre, four upsampling stages of leaky_relu -> weight-normed
ConvTranspose1d -> the mean of three ResBlock1 with kernel sizes 3, 7, 11
and dilations 1, 3, 5, then leaky_relu, conv_post, tanh), and its pieces
ResBlock1 and UpsampleStage.

V1: upsample_rates [8, 8, 2, 2], upsample_kernel_sizes [16, 16, 4, 4],
upsample_initial_channel 512; stage 0 is ConvTranspose1d(512, 256, 16,
stride 8, padding 4) followed by resblocks of 256 channels.
"""

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import weight_norm

LRELU_SLOPE = 0.1


def get_padding(kernel_size, dilation=1):
    return int((kernel_size * dilation - dilation) / 2)


class ResBlock1(nn.Module):
    def __init__(self, channels, kernel_size=3, dilation=(1, 3, 5)):
        super().__init__()
        self.convs1 = nn.ModuleList([
            weight_norm(nn.Conv1d(channels, channels, kernel_size, 1,
                                  dilation=d,
                                  padding=get_padding(kernel_size, d)))
            for d in dilation])
        self.convs2 = nn.ModuleList([
            weight_norm(nn.Conv1d(channels, channels, kernel_size, 1,
                                  dilation=1,
                                  padding=get_padding(kernel_size, 1)))
            for _ in dilation])

    def forward(self, x):
        for c1, c2 in zip(self.convs1, self.convs2):
            xt = F.leaky_relu(x, LRELU_SLOPE)
            xt = c1(xt)
            xt = F.leaky_relu(xt, LRELU_SLOPE)
            xt = c2(xt)
            x = xt + x
        return x


class UpsampleStage(nn.Module):
    """Generator stage i: x = leaky_relu(x); x = ups[i](x); x = mean of the
    stage's resblocks applied to x (the generator's inner loop)."""

    def __init__(self, in_channels=512, rate=8, kernel=16,
                 resblock_kernel_sizes=(3, 7, 11),
                 resblock_dilations=((1, 3, 5),) * 3):
        super().__init__()
        out_channels = in_channels // 2
        self.up = weight_norm(nn.ConvTranspose1d(
            in_channels, out_channels, kernel, rate,
            padding=(kernel - rate) // 2))
        self.resblocks = nn.ModuleList([
            ResBlock1(out_channels, k, d)
            for k, d in zip(resblock_kernel_sizes, resblock_dilations)])
        self.num_kernels = len(self.resblocks)

    def forward(self, x):
        x = F.leaky_relu(x, LRELU_SLOPE)
        x = self.up(x)
        xs = None
        for resblock in self.resblocks:
            if xs is None:
                xs = resblock(x)
            else:
                xs += resblock(x)
        return xs / self.num_kernels


class Generator(nn.Module):
    """The HiFi-GAN generator as in the original's models.py (the hparams
    object replaced by arguments): mel [N, 80, T] -> audio [N, 1, T * 256]
    for V1."""

    def __init__(self, num_mels=80, upsample_initial_channel=512,
                 upsample_rates=(8, 8, 2, 2),
                 upsample_kernel_sizes=(16, 16, 4, 4),
                 resblock_kernel_sizes=(3, 7, 11),
                 resblock_dilation_sizes=((1, 3, 5),) * 3):
        super().__init__()
        self.num_kernels = len(resblock_kernel_sizes)
        self.num_upsamples = len(upsample_rates)
        self.conv_pre = weight_norm(nn.Conv1d(
            num_mels, upsample_initial_channel, 7, 1, padding=3))
        self.ups = nn.ModuleList()
        for i, (u, k) in enumerate(zip(upsample_rates,
                                       upsample_kernel_sizes)):
            self.ups.append(weight_norm(nn.ConvTranspose1d(
                upsample_initial_channel // (2 ** i),
                upsample_initial_channel // (2 ** (i + 1)),
                k, u, padding=(k - u) // 2)))
        self.resblocks = nn.ModuleList()
        for i in range(len(self.ups)):
            ch = upsample_initial_channel // (2 ** (i + 1))
            for k, d in zip(resblock_kernel_sizes, resblock_dilation_sizes):
                self.resblocks.append(ResBlock1(ch, k, d))
        self.conv_post = weight_norm(nn.Conv1d(ch, 1, 7, 1, padding=3))

    def forward(self, x):
        x = self.conv_pre(x)
        for i in range(self.num_upsamples):
            x = F.leaky_relu(x, LRELU_SLOPE)
            x = self.ups[i](x)
            xs = None
            for j in range(self.num_kernels):
                if xs is None:
                    xs = self.resblocks[i * self.num_kernels + j](x)
                else:
                    xs += self.resblocks[i * self.num_kernels + j](x)
            x = xs / self.num_kernels
        x = F.leaky_relu(x)
        x = self.conv_post(x)
        x = torch.tanh(x)
        return x


def perturb(model: nn.Module, seed: int) -> nn.Module:
    """Random weights that are not weight_norm's initial ones (g = ||v||
    would make w = v): g and biases scaled and shifted."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("weight_g") or name.endswith("bias"):
                p.mul_(1 + 0.5 * torch.rand(p.shape, generator=generator))
    return model


def examples(small: bool):
    """(title, model, input) of the whole generator: V1 on 32 mel frames
    (8192 samples), or a small V1-shaped one."""
    torch.manual_seed(0)
    if small:
        model = Generator(num_mels=8, upsample_initial_channel=32,
                          upsample_rates=(4, 2), upsample_kernel_sizes=(8, 4),
                          resblock_kernel_sizes=(3, 5),
                          resblock_dilation_sizes=((1, 3, 5), (1, 3, 5)))
        return [("HiFi-GAN generator (small: 8 mels, 32 ch, x4 x2, "
                 "resblock kernels 3/5)", perturb(model, 3),
                 torch.randn(1, 8, 10))]
    return [("HiFi-GAN V1 generator (80 mels -> 512 ch, x8 x8 x2 x2, "
             "12 ResBlock1), 32 frames", perturb(Generator(), 3),
             torch.randn(1, 80, 32))]


def blocks(small: bool):
    """(title, model, input) of the generator's pieces."""
    torch.manual_seed(0)
    if small:
        channels, frames = 32, 16
        stage = UpsampleStage(channels)
        block = ResBlock1(16, 3)
        return [("HiFi-GAN ResBlock1 (16 ch, k3)", perturb(block, 1),
                 torch.randn(1, 16, 64)),
                ("HiFi-GAN upsampling stage (32 -> 16 ch, x8)",
                 perturb(stage, 2), torch.randn(1, channels, frames))]
    frames = 32
    return [("HiFi-GAN V1 ResBlock1 (256 ch, k3, dilations 1/3/5)",
             perturb(ResBlock1(256, 3), 1), torch.randn(1, 256, frames * 8)),
            ("HiFi-GAN V1 upsampling stage 0 (512 -> 256 ch, x8, "
             "3 resblocks)", perturb(UpsampleStage(512), 2),
             torch.randn(1, 512, frames))]
